"""Consent to the processing of personal data (regulation 1.11, 1.12): recorded from the written
application with its date, document and purposes; withdrawn beside it, with what that changes done
at once and the legal ground for what the school keeps; the report of who has none."""

from __future__ import annotations

import json
from datetime import date

from tests.core.people.test_people_pages import audit_details, small_school_with_people
from tests.support.people import sign_in
from tests.support.snapshot import database_unchanged, execute, fetch, moment

ALL_SCOPES = ["journal", "contacts", "email", "calendar"]


def consent_form(**changes):
    form = {"given_on": "2026-09-01", "document": "заявление от 01.09.2026, личное дело № 5-12", "valid_until": "",
            "signed_by": "", "scopes": ALL_SCOPES, "back": "student"}
    form.update(changes)
    return form


async def test_the_secretary_records_a_consent_signed_by_the_mother(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        before = await client.get(f"/people/students/{ids['ivanov']}")
        response = await client.post(f"/people/persons/{ids['ivanov']}/consent",
                                     data=consent_form(signed_by=str(ids["mother"])), follow_redirects=True)
    assert "не записано" in before.text and 'id="core-consent-form"' in before.text
    assert f'<option value="{ids["mother"]}" selected>' in before.text  # a minor's consent is the parent's to sign
    assert response.status_code == 200 and "Согласие записано." in response.text
    assert "действует" in response.text and "личное дело № 5-12" in response.text
    assert "электронный журнал и дневник; телефон и электронная почта в журнале" in response.text
    assert await fetch(database_url, "SELECT signed_by, scopes, CAST(given_on AS VARCHAR(10)) FROM personal_data_consent") == [
        (ids["mother"], "journal,contacts,email,calendar", "2026-09-01")]
    assert (await audit_details(database_url, "core.consent_given"))[0]["scopes"] == "journal,contacts,email,calendar"


async def test_a_bad_consent_is_refused_with_a_reason_and_changes_nothing(make_client, database_url):
    ids = await small_school_with_people(database_url)
    cases = [
        (consent_form(document=""), "Укажите письменное согласие"),
        (consent_form(given_on="2099-01-01"), "нельзя записать раньше"),
        (consent_form(valid_until="2026-08-01"), "не может закончиться раньше"),
        (consent_form(valid_until="2026-11-01"), "раньше сегодняшнего дня"),  # recorded already expired
        (consent_form(scopes=["email"]), "как минимум электронный журнал"),
        (consent_form(given_on="31.02.2026"), ""),
        (consent_form(document="x" * 301), "Не более 300 символов"),
    ]
    async with make_client() as client:
        await sign_in(client, "secretary")
        for form, message in cases:
            async with database_unchanged(database_url):
                response = await client.post(f"/people/persons/{ids['ivanov']}/consent", data=form)
            assert response.status_code == 422, form
            assert message in response.text
        withdrawal = await client.post(f"/people/persons/{ids['ivanov']}/consent/withdraw",
                                       data={"withdrawn_on": "2026-11-01", "withdrawal_document": "заявление", "back": "student"})
    assert withdrawal.status_code == 422 and "Нет действующего согласия" in withdrawal.text


async def test_a_withdrawal_erases_the_contacts_stops_the_mail_and_keeps_what_the_law_requires(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        await client.post(f"/people/persons/{ids['mother']}/consent", data=consent_form(back="person"))
        early = await client.post(f"/people/persons/{ids['mother']}/consent/withdraw",
                                  data={"withdrawn_on": "2026-08-01", "withdrawal_document": "заявление", "back": "person"})
        response = await client.post(f"/people/persons/{ids['mother']}/consent/withdraw", follow_redirects=True,
                                     data={"withdrawn_on": "2026-11-20", "withdrawal_document": "заявление об отзыве вх. № 77",
                                           "back": "person"})
        report = await client.get("/people/consents")
    assert early.status_code == 422 and "между датой согласия" in early.text
    assert "отозвано" in response.text and "вх. № 77" in response.text
    assert "Телефон и электронная почта удаляются из журнала." in response.text
    assert "ст. 6 Федерального закона № 152-ФЗ" in response.text  # the legal ground for what is kept
    assert await fetch(database_url, f"SELECT phone, email FROM person_profile WHERE user_id = {ids['mother']}") == [("", "")]
    events = await fetch(database_url, "SELECT payload FROM outbox_event WHERE name = 'core.consent_withdrawn'")
    assert [json.loads(p)["scopes"] for (p,) in events] == ["journal,contacts,email,calendar"]
    assert (await audit_details(database_url, "core.consent_withdrawn"))[0]["kept_ground"].startswith("п. 2 ч. 1 ст. 6")
    assert "Иванова Анна Петровна" in report.text and "отозвано 20.11.2026" in report.text


async def test_a_new_consent_replaces_the_standing_one_and_a_dropped_purpose_is_withdrawn(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        await client.post(f"/people/persons/{ids['ivanov']}/consent", data=consent_form())
        await client.post(f"/people/persons/{ids['ivanov']}/consent",
                          data=consent_form(given_on="2026-11-02", document="новое заявление", scopes=["journal", "contacts"]))
        page = await client.get(f"/people/students/{ids['ivanov']}")
    rows = await fetch(database_url, "SELECT document, withdrawn_on IS NOT NULL, withdrawal_document FROM personal_data_consent ORDER BY id")
    assert rows == [("заявление от 01.09.2026, личное дело № 5-12", True, "заменено согласием от 02.11.2026"),
                    ("новое заявление", False, "")]
    events = await fetch(database_url, "SELECT payload FROM outbox_event WHERE name = 'core.consent_withdrawn'")
    assert [json.loads(p)["scopes"] for (p,) in events] == ["email,calendar"]
    assert "действует" in page.text and "История" in page.text
    assert (await audit_details(database_url, "core.consent_given"))[1]["dropped"] == "email,calendar"


async def test_the_report_lists_the_students_and_parents_without_a_valid_consent(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        await client.post(f"/people/persons/{ids['ivanov']}/consent", data=consent_form())
        await execute(database_url, "INSERT INTO personal_data_consent (school_id, person_id, given_on, document, scopes, valid_until, "
                                    "recorded_at, withdrawal_document, kept_ground) VALUES (:school, :person, :given, 'заявление', "
                                    "'journal', :until, :at, '', '')", school=ids["school"], person=ids["ivanova"],
                      given=date(2026, 9, 1), until=date(2026, 10, 31), at=moment(database_url, "2026-09-01 10:00:00"))
        everyone = await client.get("/people/consents")
        only_5b = await client.get(f"/people/consents?class_id={ids['class_5b']}")
        nonsense = await client.get("/people/consents?class_id=abc")
    text = everyone.text
    assert f'id="core-consent-missing-{ids["ivanov"]}-' not in text  # valid
    assert f'id="core-consent-missing-{ids["ivanova"]}-' in text and "истекло 31.10.2026" in text
    assert f'id="core-consent-missing-{ids["sidorov"]}-' in text and f'id="core-consent-missing-{ids["father"]}-' in text
    assert text.count(f'id="core-consent-missing-{ids["mother"]}-') == 2  # the mother of two, once for each child
    assert f'id="core-consent-missing-{ids["ivanova"]}-' not in only_5b.text and "Сидоров Олег Ильич" in only_5b.text
    assert nonsense.status_code == 200 and "Сидоров Олег Ильич" in nonsense.text


async def test_the_class_teacher_sees_the_state_but_records_nothing(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "classteacher")
        card = await client.get(f"/people/students/{ids['ivanov']}")
        async with database_unchanged(database_url):
            refused = await client.post(f"/people/persons/{ids['ivanov']}/consent", data=consent_form())
    assert card.status_code == 200 and 'id="core-consent-state"' in card.text and 'id="core-consent-form"' not in card.text
    assert refused.status_code == 403

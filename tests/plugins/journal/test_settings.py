"""The journal's settings through the app: the journal administrator edits kinds of work and their
weights, attendance codes, double marks and the rounding threshold, and subjects' scales; bad input
and stale forms change nothing; nobody else may open the page."""

from __future__ import annotations

from sqlalchemy import select

from core.i18n import gettext as _
from core.plugins.types import FIVE_POINT, PASS_FAIL
from core.school.models import School
from core.structure.models import Subject
from core.structure.organisation import OrganisationService
from plugins.journal.models import JournalWorkKind
from plugins.journal.rules import load_rules, scale_for
from tests.support.people import signed_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing

PLUGINS = ("journal",)
SECTION = {"kinds": "journal-settings-kinds", "codes": "journal-settings-codes", "rules": "journal-settings-rules"}


def htmx(section: str) -> dict[str, str]:
    return {"hx-request": "true", "hx-target": SECTION[section]}


async def kinds(url: str, school_id: int) -> dict[str, tuple]:
    rows = await fetch(url, "SELECT name, id, weight_hundredths, is_archived FROM journal_work_kind WHERE school_id = :s", s=school_id)
    return {name: (kind_id, weight, bool(archived)) for name, kind_id, weight, archived in rows}


async def codes(url: str, school_id: int) -> dict[str, tuple]:
    rows = await fetch(url, "SELECT code, id, name, is_absence, excused, is_archived FROM journal_attendance_code "
                            "WHERE school_id = :s", s=school_id)
    return {code: (code_id, name, bool(absence), bool(excused), bool(archived))
            for code, code_id, name, absence, excused, archived in rows}


async def audit(url: str) -> list[str]:
    return [action for (action,) in await fetch(url, "SELECT action FROM audit_record WHERE action LIKE 'journal.%' ORDER BY id")]


async def test_the_page_lists_the_defaults_and_the_admin_changes_a_weight(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin", plugins=PLUGINS) as (admin, school_id):
        page = await admin.get("/journal/settings")
        assert page.status_code == 200 and "Контрольная работа" in page.text
        assert _("A mark keeps the weight it was given with: a new weight applies to new marks only. "
                 "An archived kind stays on past marks and is no longer offered.") in page.text
        stored = await kinds(database_url, school_id)
        independent, hundredths, _archived = stored["Самостоятельная работа"]
        assert hundredths == 150 and f'id="journal-kind-{independent}-weight"' in page.text
        assert 'value="1,5"' in page.text.split(f'id="journal-kind-{independent}-weight"')[1][:120]
        assert await admin.get("/journal/settings") and await kinds(database_url, school_id) == stored  # defaults once
        answer = await admin.post(f"/journal/settings/kinds/{independent}",
                                  data={"name": "Самостоятельная работа", "weight": "1.75"}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/journal/settings"
        assert (await kinds(database_url, school_id))["Самостоятельная работа"][1] == 175
        assert _("The kind of work is saved.") in (await admin.get("/journal/settings")).text
        assert await audit(database_url) == ["journal.work_kind_updated"]


async def test_only_the_journal_administrator_reaches_the_settings(make_client, database_url):
    for role in ("teacher", "class_teacher", "director"):
        async with signed_in(make_client, database_url, role=role, plugins=PLUGINS) as (client, _school_id):
            assert (await client.get("/journal/settings")).status_code == 403
            async with database_unchanged(database_url):
                answer = await client.post("/journal/settings/kinds", data={"name": "Зачёт", "weight": "1"})
                assert answer.status_code == 403


async def test_a_bad_weight_or_a_duplicate_name_is_refused_and_changes_nothing(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin", plugins=PLUGINS) as (admin, school_id):
        await admin.get("/journal/settings")
        test_id = (await kinds(database_url, school_id))["Контрольная работа"][0]
        async with database_unchanged(database_url):
            for weight in ("abc", "0", "11", "0,001", "", "-1"):
                answer = await admin.post(f"/journal/settings/kinds/{test_id}", data={"name": "Контрольная работа", "weight": weight},
                                          headers=htmx("kinds"))
                assert answer.status_code == 422, weight
                assert answer.text.lstrip().startswith(f'<section class="card" id="{SECTION["kinds"]}"')
                assert f'id="journal-kind-{test_id}-weight-error"' in answer.text and f'value="{weight}"' in answer.text
                new = await admin.post("/journal/settings/kinds", data={"name": "Зачётная работа", "weight": weight})
                assert new.status_code == 422 and 'id="journal-kind-new-weight-error"' in new.text
            duplicate = await admin.post("/journal/settings/kinds", data={"name": "  контрольная   работа ", "weight": "2"})
            assert duplicate.status_code == 422 and 'id="journal-kind-new-name-error"' in duplicate.text
            assert _("The school already has a kind of work named «%(name)s».", name="контрольная работа") in duplicate.text
            renamed = await admin.post(f"/journal/settings/kinds/{test_id}", data={"name": "Самостоятельная работа", "weight": "2"})
            assert renamed.status_code == 422
            empty = await admin.post("/journal/settings/kinds", data={"name": " ", "weight": "1"})
            assert empty.status_code == 422 and _("Enter a name.") in empty.text
        added = await admin.post("/journal/settings/kinds", data={"name": "Зачётная работа", "weight": "10"}, follow_redirects=False)
        assert added.status_code == 303 and (await kinds(database_url, school_id))["Зачётная работа"][1:] == (1000, False)
        assert await audit(database_url) == ["journal.work_kind_created"]


async def test_archiving_keeps_a_kind_off_the_choices_but_not_the_last_one(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin", plugins=PLUGINS) as (admin, school_id):
        await admin.get("/journal/settings")
        stored = await kinds(database_url, school_id)
        essay = stored["Сочинение"][0]
        answer = await admin.post(f"/journal/settings/kinds/{essay}", data={"name": "Сочинение", "weight": "2", "archived": "1"})
        assert answer.status_code == 200  # followed to the page
        assert f'<tr id="journal-kind-{essay}" class="is-past">' in answer.text
        async with writing(database_url) as session:
            rules = await load_rules(session, school_id)
        assert essay not in {kind.id for kind in rules.active_kinds} and essay in {kind.id for kind in rules.work_kinds}
        restored = await admin.post(f"/journal/settings/kinds/{essay}", data={"name": "Сочинение", "weight": "2"})
        assert restored.status_code == 200 and not (await kinds(database_url, school_id))["Сочинение"][2]
        async with writing(database_url) as session:  # all but one archived
            for kind in (await session.execute(select(JournalWorkKind).where(JournalWorkKind.school_id == school_id,
                                                                               JournalWorkKind.id != essay))).scalars():
                kind.is_archived = True
        async with database_unchanged(database_url):
            last = await admin.post(f"/journal/settings/kinds/{essay}", data={"name": "Сочинение", "weight": "2", "archived": "1"},
                                    headers=htmx("kinds"))
        assert last.status_code == 422 and _("At least one kind of work must stay in use.") in last.text


async def test_attendance_codes_are_added_renamed_and_archived_but_keep_their_letters(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin", plugins=PLUGINS) as (admin, school_id):
        page = await admin.get("/journal/settings")
        assert _("absence") in page.text and _("excused") in page.text
        added = await admin.post("/journal/settings/codes", data={"code": "до", "name": "Дистанционное обучение"},
                                 follow_redirects=False)
        assert added.status_code == 303 and (await codes(database_url, school_id))["ДО"][1:] == (
            "Дистанционное обучение", False, False, False)
        async with database_unchanged(database_url):
            for wrong in ({"code": "Н", "name": "Ещё одна Н"}, {"code": "12", "name": "Цифры"}, {"code": "ОПОЗД", "name": "Длинный"},
                          {"code": "Х", "name": ""}):
                answer = await admin.post("/journal/settings/codes", data=wrong, headers=htmx("codes"))
                assert answer.status_code == 422 and answer.text.lstrip().startswith(f'<section class="card" id="{SECTION["codes"]}"')
        ill_id = (await codes(database_url, school_id))["Б"][0]
        changed = await admin.post(f"/journal/settings/codes/{ill_id}", data={
            "code": "Ж", "name": "По болезни", "is_absence": "1", "excused": "1", "archived": "1"}, follow_redirects=False)
        assert changed.status_code == 303
        assert (await codes(database_url, school_id))["Б"] == (ill_id, "По болезни", True, True, True)  # the letters stay
        assert await audit(database_url) == ["journal.attendance_code_created", "journal.attendance_code_updated"]


async def test_double_marks_and_the_threshold_are_saved_and_a_stale_form_is_refused(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin", plugins=PLUGINS) as (admin, school_id):
        page = await admin.get("/journal/settings")
        assert 'name="version" value="0"' in page.text and 'value="0,5"' in page.text
        async with database_unchanged(database_url):
            for threshold in ("0,4", "1", "abc", "0,999", ""):
                answer = await admin.post("/journal/settings", data={"final_threshold": threshold, "version": "0"}, headers=htmx("rules"))
                assert answer.status_code == 422 and 'id="journal-settings-threshold-error"' in answer.text, threshold
        saved = await admin.post("/journal/settings", data={"final_threshold": "0,6", "version": "0"}, follow_redirects=False)
        assert saved.status_code == 303
        async with writing(database_url) as session:
            rules = await load_rules(session, school_id)
        assert (rules.allow_double_marks, str(rules.final_threshold)) == (False, "0.6")
        async with database_unchanged(database_url):
            stale = await admin.post("/journal/settings", data={"allow_double_marks": "1", "final_threshold": "0.5", "version": "0"},
                                     headers=htmx("rules"))
        assert stale.status_code == 409 and 'id="journal-settings-rules-error"' in stale.text
        assert _("Nothing was saved: someone changed these settings meanwhile. Now: double marks %(double)s, threshold %(threshold)s.",
                 double=_("not allowed"), threshold="0,6") in stale.text
        again = await admin.post("/journal/settings", data={"allow_double_marks": "on", "final_threshold": "0.5", "version": "1"})
        assert again.status_code == 200 and 'name="version" value="2"' in again.text


async def test_a_subject_marked_pass_fail_gets_that_scale(make_client, make_platform, database_url):
    async with signed_in(make_client, database_url, role="journal_admin", plugins=PLUGINS) as (admin, school_id):
        async with writing(database_url) as session:
            organisation = OrganisationService(session, school_id)
            pe = (await organisation.save_subject(None, name="Физическая культура", short_name="Физ-ра", sort_order=None)).id
            maths = (await organisation.save_subject(None, name="Математика", short_name="Матем.", sort_order=None)).id
        page = await admin.get("/journal/settings")
        assert f'id="journal-scale-{pe}"' in page.text and _(PASS_FAIL.title) in page.text
        answer = await admin.post("/journal/settings/scales", data={"subject_id": pe, "scale": "pass_fail"}, follow_redirects=False)
        assert answer.status_code == 303
        assert await scale_of(make_platform, database_url, school_id, pe) == PASS_FAIL
        assert await scale_of(make_platform, database_url, school_id, maths) == FIVE_POINT
        async with database_unchanged(database_url):
            for wrong in ({"subject_id": pe, "scale": "ten_point"}, {"subject_id": "x", "scale": "pass_fail"},
                          {"subject_id": 999999, "scale": "pass_fail"}):
                refused = await admin.post("/journal/settings/scales", data=wrong)
                assert refused.status_code == 422 and 'id="journal-scales-error"' in refused.text
        back = await admin.post("/journal/settings/scales", data={"subject_id": pe, "scale": "five_point"}, follow_redirects=False)
        assert back.status_code == 303 and await fetch(database_url, "SELECT count(*) FROM journal_subject_scale") == [(0,)]


async def scale_of(make_platform, url: str, school_id: int, subject_id: int):
    async with writing(url) as session:
        rules = await load_rules(session, school_id)
        school, subject = await session.get(School, school_id), await session.get(Subject, subject_id)
    return scale_for(make_platform(plugins=PLUGINS), rules, school, subject, 5)


async def test_a_stale_kind_form_does_not_undo_a_change_made_meanwhile(make_client, database_url):
    from plugins.journal.settings import shown_as

    async with signed_in(make_client, database_url, role="journal_admin", plugins=PLUGINS) as (admin, school_id):
        await admin.get("/journal/settings")
        async with writing(database_url) as session:
            kind = await session.scalar(select(JournalWorkKind).where(
                JournalWorkKind.school_id == school_id, JournalWorkKind.code == "test"))
            shown, kind_id = shown_as(kind), kind.id
            kind.weight_hundredths = 300  # another administrator's tab saves first
        async with database_unchanged(database_url):
            stale = await admin.post(f"/journal/settings/kinds/{kind_id}", headers=htmx("kinds"), data={
                "name": "Контрольная работа", "weight": "2", "shown": shown})
        assert stale.status_code == 409
        assert _("Someone changed this meanwhile; now: %(name)s.", name="Контрольная работа") in stale.text

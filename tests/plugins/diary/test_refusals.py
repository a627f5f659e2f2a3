"""A parent's written refusal of the e-diary (regulation 4.7): the journal administrator records
it; the parent then sees an explanation instead of the diary and has no calendar feed; the child
keeps their own; withdrawing it opens the diary again; both are in the audit log; bad input
changes nothing."""

from __future__ import annotations

import re

import pytest


from tests.plugins.journal.test_journal_hooks import TODAY
from tests.support.people import add_school, add_user, sign_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing

PLUGINS = ("journal", "diary")




async def _feed_path(client, student: int) -> str:
    made = await client.post(f"/diary/students/{student}/calendar", data={"action": "make"})
    return "/" + re.search(r'id="diary-calendar-address"[^>]*value="([^"]+)"', made.text)[1].split("/", 3)[3]


async def test_a_recorded_refusal_closes_the_parents_diary_and_feed_until_it_is_withdrawn(make_client, database_url, world):
    anya, mother = world.student("Аня"), world.people["mother_anya"]
    admin = await add_user(database_url, f"admin-{world.school}", [("journal_admin", world.school)], full_name="Админова Ольга")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        feed = await _feed_path(client, anya)
        assert (await client.get(feed)).status_code == 200
        await sign_in(client, f"admin-{world.school}")
        found = await client.get("/diary/refusals?q=MOTHER_anya")  # any case
        assert found.status_code == 200 and f'name="parent" value="{mother}"' in found.text
        assert f'name="parent" value="{world.people["father_boris"]}"' not in found.text
        recorded = await client.post("/diary/refusals", data={"parent": str(mother), "on": TODAY.isoformat(),
                                                              "document": "заявление вх. № 15"}, follow_redirects=False)
        assert recorded.status_code == 303
        listed = await client.get("/diary/refusals")
        assert "Mother_Anya Тестовый" in listed.text and "заявление вх. № 15" in listed.text and "Админова Ольга" in listed.text

        await sign_in(client, f"mother_anya-{world.school}")
        for path in ("/diary/home", f"/diary/students/{anya}", f"/diary/students/{anya}/marks",
                     f"/diary/students/{anya}/calendar"):
            page = await client.get(path, follow_redirects=False)
            assert page.status_code == 200 and 'id="diary-refused"' in page.text and "заявление вх. № 15" in page.text
            assert "Сложение дробей" not in page.text and 'class="diary-mark' not in page.text
        assert (await client.get(feed)).status_code == 404
        assert 'id="diary-refused"' in (await client.post(f"/diary/students/{anya}/calendar", data={"action": "make"})).text
        anya_login = f"anya-{world.school}"
        async with writing(database_url) as session:
            from sqlalchemy import update

            from core.auth.models import UserAccount

            await session.execute(update(UserAccount).where(UserAccount.id == anya).values(login=anya_login))
        await sign_in(client, anya_login)  # the child keeps her diary
        assert "Сложение дробей" in (await client.get(f"/diary/students/{anya}")).text

        await sign_in(client, f"admin-{world.school}")
        [(refusal,)] = await fetch(database_url, "SELECT id FROM diary_refusal")
        withdrawn = await client.post(f"/diary/refusals/{refusal}/withdraw", data={
            "withdrawn_on": TODAY.isoformat(), "withdrawal_document": "заявление вх. № 31"}, follow_redirects=False)
        assert withdrawn.status_code == 303
        assert (await client.post(f"/diary/refusals/{refusal}/withdraw", data={
            "withdrawn_on": TODAY.isoformat(), "withdrawal_document": "ещё раз"})).status_code == 404
        await sign_in(client, f"mother_anya-{world.school}")
        assert "Сложение дробей" in (await client.get(f"/diary/students/{anya}")).text
        assert (await client.get(feed)).status_code == 404  # old addresses stay dead
    audit = await fetch(database_url, "SELECT action, actor_id, object_id FROM audit_record WHERE action LIKE 'diary.refusal%' ORDER BY id")
    assert [tuple(row) for row in audit] == [("diary.refusal_recorded", admin, str(mother)),
                                            ("diary.refusal_withdrawn", admin, str(mother))]


async def test_bad_refusals_are_refused_and_change_nothing(make_client, database_url, world):
    mother = world.people["mother_anya"]
    other_school = await add_school(database_url, "Другая школа")
    stranger = await add_user(database_url, f"stranger-{world.school}", [("parent", other_school)])
    await add_user(database_url, f"admin-{world.school}", [("journal_admin", world.school)])
    good = {"parent": str(mother), "on": TODAY.isoformat(), "document": "заявление № 1"}
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"admin-{world.school}")
        async with database_unchanged(database_url):
            for changed, message in (
                    ({"on": "2099-01-01"}, "будущем"), ({"on": "31.02.2026"}, "дд.мм.гггг"), ({"on": ""}, "дату"),
                    ({"document": "   "}, "заявление"), ({"document": "я" * 301}, "300"),
                    ({"document": "заявление\x00"}, "управляющие"),
                    ({"parent": str(world.student("Аня"))}, "родителя"), ({"parent": str(stranger)}, "родителя"),
                    ({"parent": "abc"}, "родителя"), ({"parent": "99999999999"}, "родителя")):
                answer = await client.post("/diary/refusals", data={**good, **changed})
                assert answer.status_code == 422 and message in answer.text, (changed, answer.text[-3000:])
        assert (await client.post("/diary/refusals", data=good, follow_redirects=False)).status_code == 303
        async with database_unchanged(database_url):
            twice = await client.post("/diary/refusals", data=good)
            assert twice.status_code == 422 and "уже" in twice.text
            [(refusal,)] = await fetch(database_url, "SELECT id FROM diary_refusal")
            early = await client.post(f"/diary/refusals/{refusal}/withdraw", data={
                "withdrawn_on": "2026-01-01", "withdrawal_document": "заявление № 2"})
            assert early.status_code == 422 and "раньше" in early.text
            assert (await client.post("/diary/refusals/2147483000/withdraw", data={
                "withdrawn_on": TODAY.isoformat(), "withdrawal_document": "x"})).status_code == 404
        await sign_in(client, f"mother_anya-{world.school}")
        assert (await client.get("/diary/refusals")).status_code == 403


async def test_a_student_who_is_also_a_parent_keeps_their_own_diary_and_the_document_is_text(make_client, database_url,
                                                                                             world):
    """Аня, a student, is also Борис's representative here: her refusal closes Борис's diary to
    her, not her own; the document she is shown is text, never markup."""
    from sqlalchemy import update

    from core.auth.models import RoleGrant, UserAccount
    from core.people.services import PeopleService

    anya, boris = world.student("Аня"), world.student("Борис")
    login = f"anya-{world.school}"
    async with writing(database_url) as session:
        await session.execute(update(UserAccount).where(UserAccount.id == anya).values(login=login))
        session.add(RoleGrant(user_id=anya, school_id=world.school, role="parent"))
        await PeopleService(session, world.school).add_guardian(boris, anya, kind="other")
    await add_user(database_url, f"admin-{world.school}", [("journal_admin", world.school)])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login)
        own_feed, his_feed = await _feed_path(client, anya), await _feed_path(client, boris)
        await sign_in(client, f"admin-{world.school}")
        assert (await client.post("/diary/refusals", data={"parent": str(anya), "on": TODAY.isoformat(),
                                                           "document": "<b>заявление</b>"}, follow_redirects=False)).status_code == 303
        await sign_in(client, login)
        assert "Сложение дробей" in (await client.get(f"/diary/students/{anya}")).text
        his = await client.get(f"/diary/students/{boris}")
        assert 'id="diary-refused"' in his.text and "&lt;b&gt;заявление&lt;/b&gt;" in his.text and "<b>заявление" not in his.text
        swapped = await client.get(f"/diary/students/{boris}", headers={"hx-request": "true", "hx-target": "diary-week"})
        assert swapped.headers.get("hx-redirect", "").endswith(f"/diary/students/{boris}")
        assert (await client.get(own_feed)).status_code == 200 and (await client.get(his_feed)).status_code == 404


async def test_one_standing_refusal_per_parent_even_at_the_same_moment(database_url, world):
    """The database itself refuses a second standing refusal (two administrators at once)."""
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    from plugins.diary.models import DiaryRefusal

    mother = world.people["mother_anya"]
    async with writing(database_url) as session:
        session.add(DiaryRefusal(school_id=world.school, parent_id=mother, refused_on=date(2026, 9, 1), document="первое",
                                 withdrawn_on=date(2026, 9, 2)))
        session.add(DiaryRefusal(school_id=world.school, parent_id=mother, refused_on=date(2026, 9, 3), document="второе"))
    with pytest.raises(IntegrityError):
        async with writing(database_url) as session:
            session.add(DiaryRefusal(school_id=world.school, parent_id=mother, refused_on=date(2026, 9, 4), document="третье"))

"""The school's rules of the internal mail: the director narrows who may write and sets how long
messages are kept; conversations past that go with their files, newer ones stay."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core import housekeeping
from core.outbox import Dispatcher
from plugins.messaging.retention import years_before
from tests.plugins.messaging.test_mail import PLUGINS, login
from tests.support.people import sign_in
from tests.support.snapshot import database_unchanged, execute, fetch

PDF = b"%PDF-1.4 old"


async def test_the_director_narrows_who_may_write_and_bad_input_changes_nothing(make_client, database_url, world):
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "director"))
        page = await client.get("/messaging/settings")
        assert page.status_code == 200 and 'value="5"' in page.text
        for years in ("0", "76", "пять", "", "1e3"):
            async with database_unchanged(database_url):
                refused = await client.post("/messaging/settings", data={"retention_years": years, "students_write": "1"})
            assert refused.status_code == 422 and "от 1 до 75 лет" in refused.text, years
        saved = await client.post("/messaging/settings", data={"retention_years": "3", "teachers_to_students": "1"},
                                  follow_redirects=False)
        assert saved.status_code == 303
        await sign_in(client, login(world, "mother_anya"))
        compose = await client.get("/messaging/new")
        assert f'value="{world.teacher("math")}"' not in compose.text and f'value="{world.journal.class_teacher}"' in compose.text
    assert await fetch(database_url, "SELECT retention_years, students_write, families_to_subject_teachers, teachers_to_students "
                                     "FROM messaging_settings") in ([(3, False, False, True)], [(3, 0, 0, 1)])
    assert await fetch(database_url, "SELECT count(*) FROM audit_record WHERE action = 'messaging.settings_changed'") == [(1,)]


async def test_conversations_older_than_the_retention_go_with_their_files(make_client, make_platform, database_url, world):
    teacher = str(world.journal.class_teacher)
    async with make_client(plugins=PLUGINS) as client:
        platform = make_platform(PLUGINS)  # the housekeeping's own (the app's engine belongs to its thread)
        await sign_in(client, login(world, "mother_anya"))
        for subject in ("Старое", "Новое"):
            await client.post("/messaging/new", data={"to": teacher, "subject": subject, "body": "Текст"},
                              files=[("attachments", (f"{subject}.pdf", PDF + subject.encode(), "application/pdf"))])
        now = datetime.now(timezone.utc)
        await execute(database_url, "UPDATE messaging_thread SET last_message_at = :old WHERE subject = 'Старое'",
                      old=now - timedelta(days=5 * 366))
        await housekeeping.run_once(platform, Dispatcher(platform))
        assert await fetch(database_url, "SELECT subject FROM messaging_thread") == [("Новое",)]
        assert await fetch(database_url, "SELECT count(*) FROM messaging_message") == [(1,)]
        assert await fetch(database_url, "SELECT count(*) FROM messaging_file") == [(1,)]  # the old file went too
        await execute(database_url, "UPDATE messaging_thread SET last_message_at = :old", old=now - timedelta(days=6 * 366))
        await execute(database_url, "INSERT INTO messaging_settings (school_id, retention_years, students_write, "
                                    "families_to_subject_teachers, teachers_to_students, updated_at) "
                                    "VALUES (:school, 10, true, true, true, :now)", school=world.school, now=now)
        await housekeeping.run_once(platform, Dispatcher(platform))
        assert await fetch(database_url, "SELECT subject FROM messaging_thread") == [("Новое",)]  # kept ten years here


def test_years_before_keeps_the_day_and_handles_29_february():
    assert years_before(datetime(2026, 11, 29, 12, tzinfo=timezone.utc), 5) == datetime(2021, 11, 29, 12, tzinfo=timezone.utc)
    assert years_before(datetime(2028, 2, 29, tzinfo=timezone.utc), 1) == datetime(2027, 2, 28, tzinfo=timezone.utc)


async def test_a_shorter_retention_that_deletes_conversations_asks_first(make_client, make_platform, database_url, world):
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        await client.post("/messaging/new", data={"to": str(world.journal.class_teacher), "subject": "Давнее", "body": "Текст"})
        await execute(database_url, "UPDATE messaging_thread SET last_message_at = :old",
                      old=datetime.now(timezone.utc) - timedelta(days=3 * 366))
        await sign_in(client, login(world, "director"))
        async with database_unchanged(database_url):
            asked = await client.post("/messaging/settings", data={"retention_years": "2", "students_write": "1"})
        assert asked.status_code == 422 and "сразу удалится 1 переписка" in asked.text and 'name="confirm"' in asked.text
        agreed = await client.post("/messaging/settings", data={"retention_years": "2", "students_write": "1", "confirm": "1"},
                                   follow_redirects=False)
        assert agreed.status_code == 303
        platform = make_platform(PLUGINS)
        await housekeeping.run_once(platform, Dispatcher(platform))
    assert await fetch(database_url, "SELECT count(*) FROM messaging_thread") == [(0,)]

"""The diary's week through the app: a student's own, a parent's children switched between, the
week's lessons as the journal gives them through the hook, another family's child a 404."""

from __future__ import annotations

import re
from datetime import timedelta


from core.i18n import gettext as _
from tests.plugins.journal.test_journal_hooks import THIS_MONDAY, TODAY
from tests.support.people import add_user, sign_in
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing

PLUGINS = ("journal", "diary")
HTMX = {"hx-request": "true", "hx-target": "diary-week"}




async def signable(url: str, user_id: int, login: str) -> str:
    """The world's students have Cyrillic logins the login form normalises away: give one a Latin login."""
    from sqlalchemy import update

    from core.auth.models import UserAccount

    async with writing(url) as session:
        await session.execute(update(UserAccount).where(UserAccount.id == user_id).values(login=login))
    return login


async def test_a_student_opens_their_week_with_lessons_marks_and_absences(make_client, database_url, world):
    anya = world.student("Аня")
    login = await signable(database_url, anya, f"anya-{world.school}")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login)
        home = await client.get("/diary/home", follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == f"/diary/students/{anya}"
        week = await client.get(f"/diary/students/{anya}")
        assert week.status_code == 200
        wednesday = week.text.split('id="diary-day-' + (THIS_MONDAY + timedelta(days=2)).isoformat())[1].split("</article>")[0]
        assert "Сложение дробей" in wednesday and 'href="https://example.org/drobi"' in wednesday
        assert re.search(r'class="diary-mark"[^>]*>2<small>Контрольная работа', wednesday)
        assert "Числова Анна Петровна" in wednesday and _("room %(room)s", room="101") in wednesday
        assert '<span class="diary-absence diary-absence--excused"' in wednesday  # «Б» at English
        today = week.text.split(f'id="diary-day-{TODAY.isoformat()}')[1].split("</article>")[0]
        assert _("substitution") in today and _("today") in today


async def test_a_parent_switches_between_children_and_weeks_with_htmx(make_client, database_url, world):
    anya, boris = world.student("Аня"), world.student("Борис")
    async with writing(database_url) as session:
        from core.people.services import PeopleService

        await PeopleService(session, world.school).add_guardian(boris, world.people["mother_anya"], kind="mother")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        week = await client.get(f"/diary/students/{anya}")
        assert f'href="/diary/students/{boris}?week={THIS_MONDAY.isoformat()}"' in week.text
        following = THIS_MONDAY + timedelta(days=7)
        swapped = await client.get(f"/diary/students/{boris}?week={following.isoformat()}", headers=HTMX)
        assert swapped.status_code == 200 and swapped.text.startswith('<section id="diary-week"')
        assert f'id="diary-day-{following.isoformat()}"' in swapped.text and "<html" not in swapped.text


async def test_another_familys_child_is_a_404_whether_the_student_exists_or_not(make_client, database_url, world):
    anya, boris = world.student("Аня"), world.student("Борис")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"father_boris-{world.school}")
        async with database_unchanged(database_url):
            theirs = await client.get(f"/diary/students/{anya}")
            missing = await client.get("/diary/students/2147483000")
            huge = await client.get("/diary/students/99999999999")
        assert theirs.status_code == missing.status_code == 404 and huge.status_code in (400, 404)
        assert "Аня" not in theirs.text and "Сложение дробей" not in theirs.text
        assert (await client.get(f"/diary/students/{boris}")).status_code == 200
        await sign_in(client, f"former_anya-{world.school}")  # the guardianship ended on Tuesday
        assert (await client.get(f"/diary/students/{anya}")).status_code == 404
        await sign_in(client, f"director-{world.school}")
        assert (await client.get(f"/diary/students/{anya}")).status_code == 403  # the diary is the family's


async def test_a_parent_with_no_child_in_the_school_is_told_what_to_do(make_client, database_url, world):
    await add_user(database_url, f"lonely-{world.school}", [("parent", world.school)])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"lonely-{world.school}")
        page = await client.get("/diary/home")
        assert page.status_code == 200 and 'id="diary-none"' in page.text


async def test_homework_due_in_the_coming_days_and_the_periods_absences_with_their_reasons(make_client, database_url,
                                                                                          world):
    from sqlalchemy import update

    from plugins.journal.models import JournalAttendance, JournalLesson

    anya = world.student("Аня")
    monday = THIS_MONDAY + timedelta(days=7)
    async with writing(database_url) as session:  # set on Friday for Monday; an old one, long due
        await session.execute(update(JournalLesson).where(JournalLesson.id == world.lessons[("5А математика", TODAY)])
                              .values(homework="Повторить таблицу умножения", homework_due=monday))
        await session.execute(update(JournalAttendance).where(JournalAttendance.student_id == anya).values(
            reason="Справка из поликлиники"))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        homework = await client.get(f"/diary/students/{anya}/homework")
        assert homework.status_code == 200
        due = homework.text.split(f'id="diary-due-{monday.isoformat()}"')[1].split("</article>")[0]
        assert "Повторить таблицу умножения" in due and _("set %(day)s", day=TODAY.strftime("%d.%m")) in due
        assert "https://example.org/drobi" not in homework.text  # due on Thursday: past
        attendance = await client.get(f"/diary/students/{anya}/attendance")
        assert attendance.status_code == 200 and "Справка из поликлиники" in attendance.text
        assert '<span class="diary-absence diary-absence--excused">Б</span>' in attendance.text
        assert (await client.get(f"/diary/students/{anya}/attendance?period=2147483000")).status_code == 404
        await sign_in(client, f"father_boris-{world.school}")
        for page in ("homework", "attendance"):
            assert (await client.get(f"/diary/students/{anya}/{page}")).status_code == 404


async def test_a_parent_subscribes_a_private_calendar_feed_that_a_new_address_or_turning_off_kills(make_client, database_url,
                                                                                                  world):
    from icalendar import Calendar

    from plugins.diary import feeds

    anya = world.student("Аня")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        assert 'id="diary-calendar-off"' in (await client.get(f"/diary/students/{anya}/calendar")).text
        made = await client.post(f"/diary/students/{anya}/calendar", data={"action": "make"})
        assert made.status_code == 200
        address = re.search(r'id="diary-calendar-address"[^>]*value="([^"]+)"', made.text)[1]
        path = "/" + address.split("/", 3)[3]
        assert path.startswith("/diary/calendar/") and path.endswith(".ics")
        client.cookies.clear()  # a calendar app has no session
        first, again = await client.get(path), await client.get(path)
        assert first.status_code == 200 and first.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(first.content)
        events = [part for part in calendar.walk("VEVENT")]
        todos = [part for part in calendar.walk("VTODO")]
        assert len(events) >= 20 and todos
        assert [str(event["uid"]) for event in events] == [str(event["uid"]) for event in Calendar.from_ical(again.content).walk("VEVENT")]
        wednesday = THIS_MONDAY + timedelta(days=2)
        math = next(event for event in events if event.decoded("dtstart").date() == wednesday and str(event["summary"]) == "Математика")
        assert str(math.decoded("dtstart").tzinfo) == "Asia/Yekaterinburg" and str(math["location"]) == _("room %(room)s", room="101")
        assert "Сложение дробей" in str(math["description"])
        homework = next(todo for todo in todos if "example.org/drobi" in str(todo["description"]))
        assert homework.decoded("due") == wednesday + timedelta(days=1)
        await sign_in(client, f"mother_anya-{world.school}")
        renewed = await client.post(f"/diary/students/{anya}/calendar", data={"action": "make"})
        new_path = "/" + re.search(r'id="diary-calendar-address"[^>]*value="([^"]+)"', renewed.text)[1].split("/", 3)[3]
        assert (await client.get(path)).status_code == 404 and (await client.get(new_path)).status_code == 200
        assert (await client.post(f"/diary/students/{anya}/calendar", data={"action": "revoke"})).status_code in (303, 200)
        assert (await client.get(new_path)).status_code == 404
        assert (await client.get("/diary/calendar/" + "x" * 43 + ".ics")).status_code == 404
    async with writing(database_url) as session:  # only the hash is kept
        from sqlalchemy import select

        from plugins.diary.models import DiaryFeed

        hashes = set((await session.execute(select(DiaryFeed.token_hash))).scalars())
        assert feeds.token_hash(new_path.rsplit("/", 1)[1].removesuffix(".ics")) in hashes
        assert not any(new_path.rsplit("/", 1)[1].removesuffix(".ics") in value for value in hashes)

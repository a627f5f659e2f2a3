"""The internal mail between the school and families: a class teacher writes to all parents of the
class, each parent reads their own copy about their own child and answers the teacher alone; the
journal's groups name each parent's own child only; who may write to whom, also against forged
forms; unread counts, read receipts, search, the archive, the rate limit; bad input changes nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from core.auth.models import UserAccount
from plugins.messaging import mail
from tests.core.structure.test_organisation_pages import counted_statements
from tests.support.people import sign_in
from tests.support.snapshot import database_unchanged, execute, fetch
from tests.support.structure import writing

PLUGINS = ("journal", "messaging")


def login(world, who: str) -> str:
    """Sign-in names of the world's people."""
    if who == "class_teacher":
        return f"jr-ct-{world.school}"
    if who in world.journal.tt.teachers:
        return f"tt-{who}-{world.school}"
    return f"{who}-{world.school}"


async def ascii_login(url: str, world, student: str) -> str:
    """The timetable world's students have Cyrillic logins, which the sign-in form refuses."""
    name = f"student-{len(student)}-{world.school}"
    async with writing(url) as session:
        await session.execute(update(UserAccount).where(UserAccount.id == world.student(student)).values(login=name))
    return name


def group_value(page: str, section_id: str) -> bool:
    return f'name="group" value="{section_id}"' in page


def thread_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="messaging-thread-(\d+)"', page)]


async def test_a_class_teacher_writes_to_the_class_parents_who_read_their_own_copy_and_answer_alone(
        make_client, database_url, world):
    class_5a = world.journal.tt.classes["5А"]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "class_teacher"))
        compose = await client.get("/messaging/new")
        assert compose.status_code == 200 and group_value(compose.text, f"class-{class_5a}-parents")
        assert "Mother_Anya Тестовый" in compose.text and "Former_Anya" not in compose.text  # guardianship ended Tuesday
        sent = await client.post("/messaging/new", data={
            "group": f"class-{class_5a}-parents", "subject": "Родительское собрание",
            "body": "Собрание в четверг в 18:00.\nПодробности: https://school.example/sobranie"}, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/messaging/sent/")
        receipts = await client.get(sent.headers["location"])
        assert "Прочитали 0 из 3" in receipts.text
        for parent in ("Mother_Anya", "Father_Boris", "Mother_Vera"):
            assert f"{parent} Тестовый" in receipts.text

        await sign_in(client, login(world, "mother_anya"))
        home = await client.get("/")
        assert re.search(r'id="nav-messaging-badge"[^>]*>1</span>', home.text)
        inbox = await client.get("/messaging/inbox")
        [thread] = thread_ids(inbox.text)
        assert "Родительское собрание" in inbox.text and "Классная Елена Сергеевна" in inbox.text
        opened = await client.get(f"/messaging/threads/{thread}")
        assert "Касается: Аня Ученица" in opened.text and "Борис" not in opened.text and "Father_Boris" not in opened.text
        assert '<a href="https://school.example/sobranie" rel="noopener noreferrer nofollow" target="_blank">' in opened.text
        assert re.search(r'id="nav-messaging-badge"[^>]*></span>', (await client.get("/messaging/inbox")).text)
        answered = await client.post(f"/messaging/threads/{thread}/reply", data={"body": "Приду. Мама Ани."},
                                     follow_redirects=False)
        assert answered.status_code == 303

        await sign_in(client, login(world, "father_boris"))
        [boris_thread] = thread_ids((await client.get("/messaging/inbox")).text)
        seen = await client.get(f"/messaging/threads/{boris_thread}")
        assert "Касается: Борис Ученица" in seen.text and "Приду" not in seen.text and "Аня" not in seen.text
        assert (await client.get(f"/messaging/threads/{thread}")).status_code == 404  # not his conversation

        await sign_in(client, login(world, "class_teacher"))
        assert re.search(r'id="nav-messaging-badge"[^>]*>1</span>', (await client.get("/messaging/inbox")).text)
        receipts = await client.get(sent.headers["location"])
        assert "Прочитали 2 из 3" in receipts.text  # Аня's mother read hers, and Борис's father
        conversation = await client.get(f"/messaging/threads/{thread}")
        assert "Приду. Мама Ани." in conversation.text and "прочитано" in conversation.text
    rows = await fetch(database_url, "SELECT recipient_id FROM messaging_receipt r JOIN messaging_message m ON m.id = r.message_id "
                                     "WHERE m.body LIKE 'Приду%'")
    assert rows == [(world.journal.class_teacher,)]  # the answer went to the teacher alone


async def test_the_journals_group_tells_each_parent_about_their_own_child_only(make_client, database_url, world):
    page = world.pages["5А математика"]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "math"))
        compose = await client.get("/messaging/new")
        assert group_value(compose.text, f"journal-failing-page-{page}")
        sent = await client.post("/messaging/new", data={"group": f"journal-failing-page-{page}", "subject": "Успеваемость",
                                                         "body": "Прошу связаться со мной."}, follow_redirects=False)
        assert sent.status_code == 303
    rows = await fetch(database_url, "SELECT r.recipient_id, m.about FROM messaging_receipt r "
                                     "JOIN messaging_message m ON m.id = r.message_id")
    assert rows == [(world.people["mother_anya"], "Аня Ученица")]  # Аня's average fails; Борис's and Вера's do not


async def test_families_write_to_their_childrens_teachers_and_the_administration_only(make_client, database_url, world):
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        compose = await client.get("/messaging/new")
        offered = set(int(found) for found in re.findall(r'name="to" value="(\d+)"', compose.text))
        expected = {world.journal.class_teacher, world.teacher("math"), world.people["director"]}
        assert expected <= offered
        assert world.people["father_boris"] not in offered and world.student("Борис") not in offered
        assert 'name="group"' not in compose.text  # families write to people, never to groups
        for forged in ({"to": str(world.people["father_boris"])}, {"to": str(world.student("Борис"))},
                       {"group": f"class-{world.journal.tt.classes['5А']}-parents"}, {"to": "99999999999"},
                       {"to": str(world.journal.class_teacher), "group": "staff"}):
            async with database_unchanged(database_url):
                refused = await client.post("/messaging/new", data={**forged, "subject": "Тема", "body": "Текст"})
            assert refused.status_code == 422 and "Ничего не отправлено" in refused.text, forged
        sent = await client.post("/messaging/new", data={"to": str(world.teacher("math")), "subject": "Вопрос по математике",
                                                         "body": "Что задано?"}, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/messaging/threads/")
    rows = await fetch(database_url, "SELECT about FROM messaging_message")
    assert rows == [("Аня Ученица (5А)",)]  # the teacher is told whose parent writes


async def test_a_school_can_tighten_who_may_write(make_client, database_url, world):
    from plugins.messaging.models import MessagingSettings

    async with writing(database_url) as session:
        session.add(MessagingSettings(school_id=world.school, students_write=False, families_to_subject_teachers=False,
                                      teachers_to_students=False))
    anya = await ascii_login(database_url, world, "Аня")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        compose = await client.get("/messaging/new")
        assert f'value="{world.journal.class_teacher}"' in compose.text and f'value="{world.teacher("math")}"' not in compose.text
        async with database_unchanged(database_url):
            refused = await client.post("/messaging/new", data={"to": str(world.teacher("math")), "subject": "Т", "body": "Т"})
        assert refused.status_code == 422
        await sign_in(client, anya)
        assert 'id="messaging-nobody"' in (await client.get("/messaging/new")).text
        await sign_in(client, login(world, "class_teacher"))
        compose = await client.get("/messaging/new")
        assert "-parents" in compose.text and "-students" not in compose.text


async def test_bad_input_is_refused_with_a_message_and_changes_nothing(make_client, database_url, world):
    teacher = str(world.journal.class_teacher)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        for form, message in (({"to": teacher, "subject": "Тема", "body": "   "}, "Напишите текст сообщения"),
                              ({"to": teacher, "subject": " ", "body": "Текст"}, "Укажите тему"),
                              ({"to": teacher, "subject": "Тема", "body": "Текст\x00"}, "управляющие символы"),
                              ({"to": teacher, "subject": "Тема", "body": "я" * 10_001}, "Не больше 10000 символов"),
                              ({"subject": "Тема", "body": "Текст"}, "Выберите, кому написать")):
            async with database_unchanged(database_url):
                refused = await client.post("/messaging/new", data=form)
            assert refused.status_code == 422 and message in refused.text, form
            assert "Тема" in refused.text or not form.get("subject", "").strip()  # what was typed stays
        sent = await client.post("/messaging/new", data={"to": teacher, "subject": "Тема", "body": "Текст"}, follow_redirects=False)
        thread = int(sent.headers["location"].rsplit("/", 1)[1])
        async with database_unchanged(database_url):
            empty = await client.post(f"/messaging/threads/{thread}/reply", data={"body": ""})
        assert empty.status_code == 422 and "Напишите текст сообщения" in empty.text

        await sign_in(client, login(world, "father_boris"))
        async with database_unchanged(database_url):
            for method, path in (("POST", f"/messaging/threads/{thread}/reply"), ("GET", f"/messaging/threads/{thread}"),
                                 ("POST", f"/messaging/threads/{thread}/archive"), ("GET", f"/messaging/threads/{thread + 1}"),
                                 ("GET", "/messaging/threads/99999999999"), ("GET", "/messaging/sent/1")):
                answer = await client.request(method, path, data={"body": "Чужой ответ"} if method == "POST" else None)
                assert answer.status_code == 404, (method, path)


async def test_search_archive_and_an_answer_bringing_a_conversation_back(make_client, database_url, world):
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        for subject, body in (("Экскурсия", "Можно ли Ане поехать на экскурсию?"), ("Учебники", "Где взять учебник?")):
            await client.post("/messaging/new", data={"to": str(world.journal.class_teacher), "subject": subject, "body": body})
        await sign_in(client, login(world, "class_teacher"))
        found = await client.get("/messaging/inbox?q=ЭКСКУРСИЮ")  # any case, Cyrillic too
        assert "Экскурсия" in found.text and "Учебники" not in found.text
        by_sender = await client.get("/messaging/inbox?q=mother_anya")
        assert len(thread_ids(by_sender.text)) == 2
        assert "Учебники" in (await client.get("/messaging/inbox?q=учебник")).text
        assert 'id="messaging-empty"' in (await client.get("/messaging/inbox?q=100%")).text  # % is a character, not a wildcard
        [excursion] = thread_ids(found.text)
        archived = await client.post(f"/messaging/threads/{excursion}/archive", data={"archived": "1"}, follow_redirects=False)
        assert archived.status_code == 303
        assert thread_ids((await client.get("/messaging/inbox")).text) != [] and excursion not in thread_ids(
            (await client.get("/messaging/inbox")).text)
        assert thread_ids((await client.get("/messaging/archive")).text) == [excursion]
        await sign_in(client, login(world, "mother_anya"))
        await client.post(f"/messaging/threads/{excursion}/reply", data={"body": "И ещё вопрос."})
        sent = await client.get("/messaging/sent")
        assert "И ещё вопрос." in sent.text and "Кому: Классная Елена Сергеевна" in sent.text
        await sign_in(client, login(world, "class_teacher"))
        assert excursion in thread_ids((await client.get("/messaging/inbox")).text)


async def test_sending_is_rate_limited_per_user(make_client, database_url, world):
    teacher = str(world.journal.class_teacher)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        for number in range(mail.SHORT_LIMIT):
            answer = await client.post("/messaging/new", data={"to": teacher, "subject": f"Вопрос {number}", "body": "?"},
                                       follow_redirects=False)
            assert answer.status_code == 303, number
        async with database_unchanged(database_url):
            refused = await client.post("/messaging/new", data={"to": teacher, "subject": "Ещё", "body": "?"})
        assert refused.status_code == 422 and f"За последние десять минут вы отправили {mail.SHORT_LIMIT} сообщений" in refused.text
        await execute(database_url, "UPDATE messaging_message SET created_at = :old", old=datetime.now(timezone.utc) - timedelta(minutes=11))
        assert (await client.post("/messaging/new", data={"to": teacher, "subject": "Ещё", "body": "?"},
                                  follow_redirects=False)).status_code == 303


async def test_the_background_badge_does_not_keep_an_idle_session_alive(make_client, database_url, world):
    old = (datetime.now(timezone.utc) - timedelta(minutes=20)).replace(microsecond=0)  # idle, not yet timed out (30 min)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        await execute(database_url, "UPDATE user_session SET last_seen_at = :old", old=old)
        badge = await client.get("/messaging/badge", headers={"HX-Request": "true"})
        assert badge.status_code == 200 and 'id="nav-messaging-badge"' in badge.text and 'hx-trigger="every 60s"' in badge.text
        widget = await client.get("/messaging/widget", headers={"HX-Request": "true"})
        assert widget.status_code == 200 and "Новых сообщений нет" in widget.text
        [(seen,)] = await fetch(database_url, "SELECT last_seen_at FROM user_session")
        assert str(seen).startswith(old.strftime("%Y-%m-%d %H:%M:%S"))
        await client.get("/messaging/inbox")
        [(seen,)] = await fetch(database_url, "SELECT last_seen_at FROM user_session")
        assert not str(seen).startswith(old.strftime("%Y-%m-%d %H:%M:%S"))
        # left open past the idle time, the page's poll finds the session over and stops polling
        await execute(database_url, "UPDATE user_session SET last_seen_at = :old", old=old - timedelta(minutes=11))
        assert (await client.get("/messaging/badge", headers={"HX-Request": "true"})).status_code == 286


async def test_the_inbox_takes_the_same_statements_however_many_conversations(make_client, database_url, world):
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "class_teacher"))
        counts = []
        for answered in (1, 2):
            await client.post("/messaging/new", data={"group": f"class-{world.journal.tt.classes['5А']}-parents",
                                                      "subject": "Тема", "body": "Текст"})
            await sign_in(client, login(world, "mother_anya"))
            for thread in thread_ids((await client.get("/messaging/inbox")).text)[:1]:
                await client.post(f"/messaging/threads/{thread}/reply", data={"body": "Ответ"})
            await sign_in(client, login(world, "class_teacher"))
            with counted_statements() as statements:
                page = await client.get("/messaging/inbox")
            counts.append(len(statements))
            assert len(thread_ids(page.text)) == answered  # the conversations where a parent answered
            with counted_statements() as statements:
                await client.get("/messaging/sent")
            counts.append(len(statements))
        assert counts[0] == counts[2] and counts[1] == counts[3], counts


async def test_a_teacher_who_is_a_parent_in_the_class_is_no_recipient_and_blocked_parents_get_nothing(
        make_client, database_url, world):
    from core.people.services import PeopleService

    class_5a = world.journal.tt.classes["5А"]
    async with writing(database_url) as session:  # the class teacher is also Вера's representative
        await PeopleService(session, world.school).add_guardian(world.student("Вера"), world.journal.class_teacher, kind="mother")
    await execute(database_url, "UPDATE user_account SET is_blocked = true WHERE id = :id", id=world.people["father_boris"])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "class_teacher"))
        compose = await client.get("/messaging/new")
        assert f'name="to" value="{world.journal.class_teacher}"' not in compose.text
        assert f'name="to" value="{world.people["father_boris"]}"' not in compose.text
        sent = await client.post("/messaging/new", data={"group": f"class-{class_5a}-parents", "subject": "Собрание",
                                                         "body": "В четверг."}, follow_redirects=False)
        assert sent.status_code == 303
        chosen = await client.post("/messaging/new", data={"to": [str(world.people["mother_anya"]), str(world.people["mother_vera"])],
                                                           "subject": "Двоим", "body": "Текст"}, follow_redirects=False)
        listed = await client.get("/messaging/sent")
        assert "Кому: Mother_Anya Тестовый, Mother_Vera Тестовый" in listed.text and chosen.status_code == 303
    rows = await fetch(database_url, "SELECT r.recipient_id FROM messaging_receipt r JOIN messaging_message m ON m.id = r.message_id "
                                     "WHERE m.body = 'В четверг.' ORDER BY r.recipient_id")
    assert rows == sorted([(world.people["mother_anya"],), (world.people["mother_vera"],)])


async def test_a_plugins_group_reaches_only_whom_the_writer_may_write_to(make_client, database_url, world):
    async with make_client(plugins=(*PLUGINS, "testplugin")) as client:
        await sign_in(client, login(world, "mother_anya"))
        compose = await client.get("/messaging/new")
        section = compose.text.split(f'value="testplugin-teachers-{world.school}"', 1)[1].split("</details>", 1)[0]
        offered = {int(found) for found in re.findall(r'name="to" value="(\d+)"', section)}
        assert world.teacher("english1") in offered and world.teacher("math") in offered
        assert world.teacher("english2") not in offered and world.teacher("spare") not in offered  # Борис's group; no load
        async with database_unchanged(database_url):
            refused = await client.post("/messaging/new", data={"to": str(world.teacher("english2")), "subject": "Т", "body": "Т"})
        assert refused.status_code == 422


async def test_an_expired_sessions_background_poll_stops_quietly(make_client, database_url, world):
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        await execute(database_url, "DELETE FROM user_session")
        polled = await client.get("/messaging/badge", headers={"HX-Request": "true"}, follow_redirects=False)
        assert polled.status_code == 286 and "hx-redirect" not in polled.headers  # htmx stops polling; the page stays
        page = await client.get("/messaging/inbox", headers={"HX-Request": "true"}, follow_redirects=False)
        assert page.headers["hx-redirect"].startswith("/login")


async def test_the_inbox_shows_only_unread_conversations_when_asked(make_client, database_url, world):
    teacher = str(world.journal.class_teacher)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, login(world, "mother_anya"))
        for subject in ("Первое", "Второе"):
            await client.post("/messaging/new", data={"to": teacher, "subject": subject, "body": "Текст"})
        await sign_in(client, login(world, "class_teacher"))
        first = thread_ids((await client.get("/messaging/inbox?q=первое")).text)[0]
        await client.get(f"/messaging/threads/{first}")
        unread = await client.get("/messaging/inbox?unread=1")
        assert "Второе" in unread.text and "Первое" not in unread.text
        assert "Первое" in (await client.get("/messaging/inbox")).text

"""The notice board through its pages: the deputy publishes for the parents of 5А with a file, a 5А
mother reads it on the board, the dashboard and in the diary, a 6А father never sees it; forged and
bad forms publish nothing; edits, stale edits, withdrawals and the history; search and pages; the
school's switch of automatic notices; a fixed number of statements however many notices."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from core.db.types import utcnow
from plugins.noticeboard import editor_pages
from plugins.noticeboard.audience import Target
from plugins.noticeboard.notices import NoticeInput, NoticeService
from tests.core.structure.test_organisation_pages import counted_statements
from tests.support.journal import TODAY, as_user
from tests.support.people import add_school, add_user, sign_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing

PLUGINS = ("journal", "diary", "noticeboard")
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The school's today is the journal world's Friday: who is in which class comes from it."""
    from plugins.noticeboard import diary, web

    for module in (web, diary):
        monkeypatch.setattr(module, "school_today", lambda timezone: TODAY)


def titles(page: str) -> list[str]:
    return re.findall(r'class="noticeboard-line__title"><a href="/noticeboard/\d+">([^<]+)</a>', page)


def notice_id(location: str) -> int:
    return int(re.fullmatch(r"/noticeboard/(\d+)", location)[1])


def five_a_parents(world) -> str:
    return f"class:{world.tt.classes['5А']}:parents"


async def publish_form(client, **values) -> object:
    form = {"title": "Родительское собрание", "body": "В четверг в 18:00.\n\nПодробности: https://school.example/s", **values}
    return await client.post("/noticeboard/new", data=form, follow_redirects=False)


async def test_the_deputy_publishes_for_5a_parents_who_alone_read_it(make_client, database_url, world):
    school = world.school
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"nb-deputy-{school}")
        editor = await client.get("/noticeboard/new")
        assert editor.status_code == 200 and f'value="{five_a_parents(world)}"' in editor.text
        assert 'value="role:secretary"' in editor.text and 'value="grade_level:5:parents"' in editor.text
        sent = await client.post("/noticeboard/new", data={
            "title": "Родительское собрание", "body": "В четверг в 18:00.\n\nhttps://school.example/s",
            "audience": [five_a_parents(world)]}, files=[("attachments", ("повестка.pdf", PDF, "application/pdf"))],
            follow_redirects=False)
        assert sent.status_code == 303, sent.text[-2000:]
        notice = notice_id(sent.headers["location"])
        page = await client.get(f"/noticeboard/{notice}")
        assert "5А: родители" in page.text and "повестка.pdf" in page.text
        assert '<p>В четверг в 18:00.</p>' in page.text and 'href="https://school.example/s"' in page.text
        file_url = re.search(r'href="(/noticeboard/attachments/\d+)" download', page.text)[1]

        await sign_in(client, f"nb-mother-{school}")
        board = await client.get("/noticeboard/board")
        assert titles(board.text) == ["Родительское собрание"] and "noticeboard-line--unread" in board.text
        assert 'id="nav-noticeboard-badge"' in (await client.get("/noticeboard/badge")).text
        assert ">1<" in (await client.get("/noticeboard/badge")).text
        assert "Родительское собрание" in (await client.get("/noticeboard/widget")).text
        opened = await client.get(f"/noticeboard/{notice}")
        assert opened.status_code == 200 and "5А: родители" not in opened.text  # the audience is the author's business
        download = await client.get(file_url)
        assert download.content == PDF and download.headers["content-disposition"].startswith("attachment;")
        assert "noticeboard-line--unread" not in (await client.get("/noticeboard/board")).text
        assert ">1<" not in (await client.get("/noticeboard/badge")).text

        await sign_in(client, f"nb-other-{school}")
        assert titles((await client.get("/noticeboard/board")).text) == []
        assert "Родительское собрание" not in (await client.get("/noticeboard/widget")).text
        assert (await client.get(f"/noticeboard/{notice}")).status_code == 404
        assert (await client.get(file_url)).status_code == 404
        await sign_in(client, f"tt-physics-{school}")  # staff, but not of the audience
        assert (await client.get(f"/noticeboard/{notice}")).status_code == 404
    assert await fetch(database_url, "SELECT action FROM audit_record WHERE action LIKE 'noticeboard.%'") == [("noticeboard.published",)]


async def test_the_notice_is_in_the_diary_of_the_child_it_concerns(make_platform, database_url, world):
    from plugins.diary.week import diary_entries

    async with writing(database_url) as session:
        service = NoticeService(session, as_user(world.deputy, world.school, "deputy"), TODAY)
        for title, target in (("Для родителей 5А", Target("class", "parents", world.tt.classes["5А"])),
                              ("Для учеников 5А", Target("class", "students", world.tt.classes["5А"])),
                              ("Для 6А", Target("class", "everyone", world.tt.classes["6А"]))):
            await service.publish(NoticeInput(title, "Текст.", (target,)))
    platform = make_platform(PLUGINS)
    today = utcnow().date()
    span = (today - timedelta(days=1), today + timedelta(days=1))
    mother = as_user(world.mother, world.school, "parent")
    entries = [entry for entry in await diary_entries(platform, mother, world.student("Аня"), *span) if entry.source == "noticeboard"]
    assert [entry.topic for entry in entries] == ["Для родителей 5А"]
    assert entries[0].number is None and entries[0].url.startswith("/noticeboard/") and entries[0].subject == "Объявление"
    student = as_user(world.student("Аня"), world.school, "student")
    entries = [entry for entry in await diary_entries(platform, student, world.student("Аня"), *span) if entry.source == "noticeboard"]
    assert [entry.topic for entry in entries] == ["Для учеников 5А"]
    await platform.db.dispose()


async def test_forged_and_bad_forms_publish_nothing(make_client, database_url, world, monkeypatch):
    monkeypatch.setattr(editor_pages, "LIMITS", replace(editor_pages.LIMITS, file_size=1000))
    school = world.school
    stranger_school = await add_school(database_url, "Чужая школа")
    later = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    sooner = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    six_a = f"class:{world.tt.classes['6А']}:parents"
    cases = [  # (who, form, files, what the page says)
        (f"tt-math-{school}", {"audience": [six_a]}, [], "Вы можете адресовать объявления"),  # not their class
        (f"tt-math-{school}", {"audience": ["school:0:parents"]}, [], "Вы можете адресовать объявления"),
        (f"tt-math-{school}", {"audience": [five_a_parents(world)], "pinned": "1"}, [], "Закреплять объявления могут только"),
        (f"nb-deputy-{school}", {"audience": []}, [], "Выберите, для кого объявление."),
        (f"nb-deputy-{school}", {"audience": ["class:abc:parents"]}, [], "Выберите, для кого объявление, из списка."),
        (f"nb-deputy-{school}", {"audience": ["class:99999999999:parents"]}, [], "из списка"),
        (f"nb-deputy-{school}", {"audience": [f"class:{stranger_school}00:parents"]}, [], "из списка"),
        (f"nb-deputy-{school}", {"audience": ["role:operator2"]}, [], "из списка"),
        (f"nb-deputy-{school}", {"audience": [five_a_parents(world)], "publish_at": later, "expire_at": sooner}, [],
         "Объявление должно сниматься позже, чем публикуется."),
        (f"nb-deputy-{school}", {"audience": [five_a_parents(world)], "expire_at": "завтра"}, [], "31.12.2026 18:00"),
        (f"nb-deputy-{school}", {"audience": [five_a_parents(world)], "body": "<script>alert(1)</script>"}, [], "Текст пуст."),
        (f"nb-deputy-{school}", {"audience": [five_a_parents(world)], "title": " "}, [], "Введите заголовок"),
        (f"nb-deputy-{school}", {"audience": [five_a_parents(world)]}, [("большой.pdf", PDF + b"0" * 1000, "application/pdf")], "больше 0 МБ"),
        (f"nb-deputy-{school}", {"audience": [five_a_parents(world)]}, [("virus.exe", b"MZ", "application/octet-stream")], "не принимаются"),
    ]
    async with make_client(plugins=PLUGINS) as client:
        for login, form, files, message in cases:
            await sign_in(client, login)
            async with database_unchanged(database_url):
                refused = await client.post("/noticeboard/new", data={
                    "title": "Собрание", "body": "Текст собрания", **form},
                    files=[("attachments", file) for file in files] or None)
            assert refused.status_code == 422 and message in refused.text, (form, files, refused.text[-3000:])
            assert "Ничего не опубликовано" in refused.text and 'value="Собрание"' in refused.text or form.get("title")
        await sign_in(client, f"nb-deputy-{school}")
        async with database_unchanged(database_url):  # every mistake told at once, not one per try
            refused = await client.post("/noticeboard/new", data={"title": " ", "body": "", "expire_at": "завтра"})
        assert all(text in refused.text for text in ("Введите заголовок", "Текст пуст.", "31.12.2026 18:00",
                                                     "Выберите, для кого объявление."))
        sent = await publish_form(client, audience=[five_a_parents(world)], body='<p onclick="x()" hx-get="/logout">Смотрите '
                                  '<a href="javascript:alert(1)">тут</a> <b data-hx-post="/x">жирно</b></p>')
        page = await client.get(sent.headers["location"])
    body = re.search(r'id="noticeboard-body" hx-disable>(.*?)</div>', page.text, re.S)[1]
    assert body == "<p>Смотрите <a target=\"_blank\" rel=\"noopener noreferrer nofollow\">тут</a> <b>жирно</b></p>", body


async def test_edits_withdrawals_and_history(make_client, database_url, world):
    school = world.school
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        sent = await client.post("/noticeboard/new", data={"title": "Контрольная", "body": "В пятницу.",
                                                           "audience": [f"class:{world.tt.classes['5А']}:everyone"]},
                                 files=[("attachments", ("задания.pdf", PDF, "application/pdf"))], follow_redirects=False)
        notice = notice_id(sent.headers["location"])
        editor = await client.get(f"/noticeboard/{notice}/edit")
        kept = re.search(r'name="remove" value="(\d+)"', editor.text)[1]
        assert 'name="version" value="1"' in editor.text and 'id="noticeboard-pinned"' not in editor.text  # teachers don't pin
        saved = await client.post(f"/noticeboard/{notice}/edit", data={
            "title": "Контрольная переносится", "body": "На понедельник.", "version": "1", "remove": kept,
            "audience": [f"class:{world.tt.classes['5А']}:everyone"],
            "publish_at": re.search(r'name="publish_at" value="([^"]*)"', editor.text)[1]}, follow_redirects=False)
        assert saved.status_code == 303
        async with database_unchanged(database_url):
            stale = await client.post(f"/noticeboard/{notice}/edit", data={
                "title": "Старая правка", "body": "Что-то.", "version": "1", "audience": [f"class:{world.tt.classes['5А']}:everyone"]})
        assert stale.status_code == 409 and "Старая правка" in stale.text and 'name="version" value="2"' in stale.text
        await sign_in(client, f"tt-physics-{school}")  # another teacher: not theirs
        assert (await client.get(f"/noticeboard/{notice}/edit")).status_code == 404
        assert (await client.post(f"/noticeboard/{notice}/withdraw")).status_code == 404
        await sign_in(client, f"nb-deputy-{school}")
        assert (await client.post(f"/noticeboard/{notice}/withdraw", follow_redirects=False)).status_code == 303
        history = await client.get(f"/noticeboard/{notice}/history")
        assert [action for action in re.findall(r"<strong>([^<]+)</strong>", history.text)] == ["Снято", "Изменено", "Опубликовано"]
        assert "Контрольная переносится" in history.text and "Числова Анна Петровна" in history.text
        await sign_in(client, f"nb-mother-{school}")
        assert titles((await client.get("/noticeboard/board")).text) == []
        assert (await client.get(f"/noticeboard/{notice}")).status_code == 404
    assert await fetch(database_url, "SELECT count(*) FROM noticeboard_attachment") == [(0,)]
    actions = await fetch(database_url, "SELECT action FROM audit_record WHERE action LIKE 'noticeboard.%' ORDER BY id")
    assert actions == [("noticeboard.published",), ("noticeboard.edited",), ("noticeboard.withdrawn",)]


async def test_search_pages_and_a_fixed_number_of_statements(make_client, database_url, world):
    school = world.school
    async with writing(database_url) as session:
        service = NoticeService(session, as_user(world.deputy, world.school, "deputy"), TODAY)
        for number in range(25):
            await service.publish(NoticeInput(f"Объявление №{number:02d}", f"Текст {number}.",
                                              (Target("school", "parents"),), publish_at=utcnow() - timedelta(minutes=100 - number)))
        await service.publish(NoticeInput("Ёлка в актовом зале", "Праздник.", (Target("school", "parents"),)))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"nb-mother-{school}")
        await client.get("/noticeboard/board")  # warm-up
        first = await client.get("/noticeboard/board")
        assert titles(first.text)[:2] == ["Ёлка в актовом зале", "Объявление №24"] and len(titles(first.text)) == 20
        assert 'id="noticeboard-older"' in first.text
        second = await client.get("/noticeboard/board?page=2")
        assert titles(second.text) == [f"Объявление №{n:02d}" for n in range(5, -1, -1)]
        found = await client.get("/noticeboard/board?q=ЕЛКА", headers={"HX-Request": "true", "HX-Target": "noticeboard-list"})
        assert found.text.startswith('<div id="noticeboard-list">') and titles(found.text) == ["Ёлка в актовом зале"]
        assert titles((await client.get("/noticeboard/board?q=%25")).text) == []  # % is a character, not a wildcard
        with counted_statements() as few:
            await client.get("/noticeboard/board")
        async with writing(database_url) as session:
            service = NoticeService(session, as_user(world.deputy, world.school, "deputy"), TODAY)
            for number in range(10):
                await service.publish(NoticeInput(f"Ещё №{number}", "Текст.", (Target("class", "parents", world.tt.classes["5А"]),)))
        with counted_statements() as many:
            await client.get("/noticeboard/board")
        assert len(few) == len(many), (len(few), len(many))
        await sign_in(client, f"nb-deputy-{school}")
        mine = await client.get("/noticeboard/board?show=mine")
        assert len(titles(mine.text)) == 20 and 'id="noticeboard-older"' in mine.text
        assert titles((await client.get("/noticeboard/board?show=school&q=ёлка")).text) == ["Ёлка в актовом зале"]


async def test_the_school_switches_automatic_notices(make_client, database_url, world):
    school = world.school
    admin = await add_user(database_url, f"nb-admin-{school}", [("journal_admin", school)])
    assert admin
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"nb-admin-{school}")
        assert 'id="noticeboard-auto" checked' not in (await client.get("/noticeboard/settings")).text
        assert (await client.post("/noticeboard/settings", data={"auto_timetable": "1"}, follow_redirects=False)).status_code == 303
        assert 'id="noticeboard-auto" checked' in (await client.get("/noticeboard/settings")).text
        await sign_in(client, f"tt-math-{school}")
        assert (await client.get("/noticeboard/settings")).status_code == 403
    assert await fetch(database_url, "SELECT auto_timetable FROM noticeboard_settings") in ([(True,)], [(1,)])
    assert await fetch(database_url, "SELECT count(*) FROM audit_record WHERE action = 'noticeboard.settings_changed'") == [(1,)]

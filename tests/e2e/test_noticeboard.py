"""The notice board in Chromium, on the demo school. The deputy writes a notice for the parents of
5А, with a live preview of its paragraphs and links; the demo parent (mother of Илья, 5А) finds it
on her phone's dashboard with the nav badge, reads it, the board no longer marks it new and Илья's
diary lists it under today; withdrawn by the deputy, it leaves her board; a
parent whose children are all in 6Б neither sees it nor opens it by its address. With automatic
notices on, the dispatcher's two cancellations of 5А's lessons on the next lesson day make ONE
notice for the class and day that lists both. The journal administrator switches the module off:
its block, menu item and pages are gone for the parent; it is switched on again. Screenshots go to
test-output/."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import sys
import time
from typing import Any

from tests.e2e.conftest import DESKTOP, PHONE, SERVER, ConsoleWatch, screenshots, sign_in
from tests.e2e.test_timetable import next_lesson_day

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
CLASS_5A = re.compile(r"^5А$")


async def person(browser: Any, base: str, login: str, password: str | None = None,
                 viewport: dict[str, int] = DESKTOP) -> Any:
    """A signed-in tab of its own (cookies apart) that records console errors."""
    context = await browser.new_context(viewport=viewport, locale="ru-RU")
    tab = await context.new_page()
    tab.console_watch = ConsoleWatch()
    tab.console_watch.attach(tab)
    if password is None:
        await sign_in(tab, base, login)
    else:
        await sign_in(tab, base, login, password)
    return tab


async def done(*tabs: Any) -> None:
    for tab in tabs:
        errors = tab.console_watch.errors
        await tab.context.close()
        assert errors == [], f"console errors: {errors}"


def parent_of_6b_only() -> tuple[str, str]:
    """A demo parent all of whose children study in 6Б, given a password through the CLI."""
    folder = SERVER["folder"]
    with sqlite3.connect(folder / "var" / "demo.db") as db:
        login = db.execute("""
            SELECT u.login FROM user_account u
            JOIN guardianship g ON g.guardian_id = u.id AND g.ends_on IS NULL
            JOIN enrollment e ON e.student_id = g.student_id AND e.ends_on IS NULL
            JOIN class_group c ON c.id = e.class_group_id
            GROUP BY u.id HAVING SUM(c.grade_level = 6 AND c.letter = 'Б') = COUNT(*)
            ORDER BY u.id LIMIT 1""").fetchone()[0]
    password = "nb-e2e-6b-parent-2026"
    env = {**SERVER["env"], "ZHURNAL_DATABASE_URL": f"sqlite:///{folder / 'var' / 'demo.db'}"}
    subprocess.run([sys.executable, "-c", "from core.cli import main; main()", "user", "set-password", login,
                    "--password-stdin"], cwd=folder, env=env, input=password + "\n", text=True, check=True,
                   capture_output=True)
    return login, password


async def widget_titles(page: Any, base: str) -> list[str]:
    """The dashboard's notice block, once htmx has loaded it."""
    await page.goto(f"{base}/")
    await page.wait_for_selector("#noticeboard-widget")
    return await page.locator("#noticeboard-widget li a").all_inner_texts()


async def until(check: Any, seconds: float = 10) -> Any:
    """Ask again (each try reloads what it reads) until the answer is truthy: the timetable's
    events reach the notice board shortly after the change is committed."""
    deadline = time.monotonic() + seconds
    while True:
        answer = await check()
        if answer or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.5)


async def test_the_deputy_writes_to_the_parents_of_5a_and_only_they_read_it(browser, live_server, request):
    title = "Экскурсия в краеведческий музей"
    deputy = await person(browser, live_server, "deputy")
    await deputy.goto(f"{live_server}/noticeboard/new")
    await deputy.get_by_label("Заголовок").fill(title)
    async with deputy.expect_response(lambda r: r.url.endswith("/noticeboard/preview")):
        await deputy.get_by_label("Текст", exact=True).fill(
            "В пятницу едем в музей, сбор в 8:30 у школы.\n\nПрограмма: https://museum.example/5a")
    preview = deputy.locator("#noticeboard-preview")
    assert await preview.locator("p").count() == 2  # the blank line parts two paragraphs
    assert await preview.locator('a[href="https://museum.example/5a"]').count() == 1
    classes = deputy.locator("#noticeboard-class")
    if await classes.get_attribute("open") is None:
        await classes.locator("summary").click()
    place = classes.locator("fieldset.noticeboard-place", has=deputy.locator("legend", has_text=CLASS_5A))
    await place.get_by_label("родители").check()
    await screenshots(deputy, request, "editor-with-preview")
    await deputy.locator("#noticeboard-publish").click()
    await deputy.wait_for_url(re.compile(r"/noticeboard/\d+$"))
    assert (await deputy.locator("#noticeboard-title").inner_text()).strip() == title
    assert "5А: родители" in await deputy.locator("#noticeboard-audience").inner_text()
    notice_url = deputy.url
    notice_id = notice_url.rsplit("/", 1)[1]

    parent = await person(browser, live_server, "parent", viewport=PHONE)
    assert title in await widget_titles(parent, live_server)
    assert int(await parent.locator("#nav-noticeboard-badge").inner_text()) >= 1
    assert await parent.evaluate(NO_SIDEWAYS_SCROLL)
    await screenshots(parent, request, "parent-dashboard")
    await parent.set_viewport_size(PHONE)
    await parent.locator("#noticeboard-widget a", has_text=title).click()
    await parent.wait_for_url(notice_url)
    assert (await parent.locator("#noticeboard-title").inner_text()).strip() == title
    body = parent.locator("#noticeboard-body")
    assert "сбор в 8:30" in await body.inner_text()
    assert await body.locator('a[href="https://museum.example/5a"]').count() == 1
    assert await parent.evaluate(NO_SIDEWAYS_SCROLL)
    await screenshots(parent, request, "parent-notice")
    await parent.set_viewport_size(PHONE)
    await parent.goto(f"{live_server}/noticeboard/board")
    line = parent.locator(f"#noticeboard-notice-{notice_id}")
    assert await line.is_visible()
    assert "noticeboard-line--unread" not in (await line.get_attribute("class")).split()  # read now
    assert await parent.evaluate(NO_SIDEWAYS_SCROLL)
    await parent.locator("#nav-diary").click()  # Илья's week: the notice under today, a link to it
    entry = parent.locator(f"#diary-noticeboard-notice-{notice_id}")
    await parent.wait_for_selector("#diary-week")
    if not await entry.count():  # on a Sunday the diary opens on the coming week
        await parent.locator(".diary-week-nav a").first.click()
    await entry.wait_for()
    assert "Объявление" in await entry.inner_text()
    await entry.get_by_role("link", name=title).click()
    await parent.wait_for_url(notice_url)

    login, password = parent_of_6b_only()
    other = await person(browser, live_server, login, password, viewport=PHONE)
    assert title not in await widget_titles(other, live_server)
    await other.goto(f"{live_server}/noticeboard/board")
    assert title not in await other.locator("#noticeboard-list").inner_text()
    await other.locator("#noticeboard-q").fill("музей")
    await other.wait_for_selector("#noticeboard-empty")  # the search does not find it either
    answer = await other.goto(notice_url)
    assert answer.status == 404

    await deputy.goto(notice_url)  # withdrawn, after a confirmation: off the parent's board
    asked: list[str] = []

    async def confirm(dialog: Any) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    deputy.on("dialog", confirm)
    await deputy.get_by_role("button", name="Снять объявление").click()
    await deputy.wait_for_selector("#noticeboard-withdrawn")
    assert asked == ["Снять объявление с доски для всех?"]
    await parent.goto(f"{live_server}/noticeboard/board")
    assert await parent.locator(f"#noticeboard-notice-{notice_id}").count() == 0
    await done(deputy, parent, other)


async def test_the_editors_hint_is_text_and_the_form_holds_no_link(page, live_server):
    """Translations are markup to Jinja: a hint naming <a href> once wrapped the rest of the form in a
    link to the page itself, so a click on «Для кого» reloaded the editor and lost what was typed."""
    await sign_in(page, live_server, "deputy")
    await page.goto(f"{live_server}/noticeboard/new")
    assert (await page.locator("#noticeboard-editor .hint").first.inner_text()).endswith("ссылки, заголовки.")
    assert await page.locator("#noticeboard-editor a").count() == 0
    await page.get_by_label("Заголовок").fill("Черновик")
    await page.locator("#noticeboard-audience > legend").click()
    assert await page.get_by_label("Заголовок").input_value() == "Черновик"  # still the same form


async def cancel_lesson(dispatcher: Any, base: str, day: str, skip: set[str], reason: str) -> tuple[str, str, str]:
    """Cancel the first 5А lesson of ``day`` not in ``skip``; its slot, number and subject."""
    await dispatcher.goto(f"{base}/timetable/changes?day={day}")
    options = await dispatcher.locator("#core-change-slot option:not([value='']):not([disabled])").evaluate_all(
        "options => options.map(o => [o.value, o.textContent])")
    slot, label = next((value, text) for value, text in options if text.startswith("5А · ") and value not in skip)
    number, subject = re.match(r"5А · (\d+) урок[^·]*· ([^·]+?) ·", label).groups()
    await dispatcher.select_option("#core-change-kind", "cancel")
    await dispatcher.select_option("#core-change-slot", slot)
    await dispatcher.locator("#core-change-reason").fill(reason)
    await dispatcher.locator("#core-change-save").click()
    await dispatcher.wait_for_url(f"{base}/timetable/changes?day={day}")
    assert reason in await dispatcher.locator("#core-changes-list").inner_text()
    return slot, number, subject


OUR_REASONS = ("экскурсия", "методический день")


async def withdraw_ours(dispatcher: Any, base: str, day: str) -> None:
    """Withdraw this file's changes of ``day``: the other e2e files plan the same day."""
    await dispatcher.goto(f"{base}/timetable/changes?day={day}")
    ours = dispatcher.locator("#core-changes-list tr", has_text=re.compile("|".join(OUR_REASONS))).filter(
        has=dispatcher.locator("button[id^='core-change-withdraw-']"))
    while await ours.count():
        await ours.first.locator("button").click()
        await dispatcher.wait_for_url(f"{base}/timetable/changes?day={day}")


async def test_cancelled_lessons_make_one_automatic_notice_per_class_and_day(browser, live_server, request):
    deputy = await person(browser, live_server, "deputy")
    await deputy.goto(f"{live_server}/noticeboard/settings")
    await deputy.get_by_label("Публиковать изменения в расписании объявлениями").check()
    await deputy.get_by_role("button", name="Сохранить").click()
    await deputy.wait_for_url(f"{live_server}/noticeboard/settings")
    assert await deputy.locator("#noticeboard-auto").is_checked()

    dispatcher = await person(browser, live_server, "dispatcher")
    parent = await person(browser, live_server, "parent")
    day = await next_lesson_day(dispatcher, live_server)
    title = "Изменения в расписании 5А на " + ".".join(reversed(day.split("-")))

    async def lines() -> Any:
        await parent.goto(f"{live_server}/noticeboard/board")
        return parent.locator(".noticeboard-line", has=parent.locator(".noticeboard-line__title", has_text=title))

    async def listing(*lessons: tuple[str, str, str]) -> bool:
        found = await lines()
        if await found.count() != 1:
            return False
        text = await found.inner_text()
        return all(f"{number}-й урок, {subject}: отменён" in text for _slot, number, subject in lessons)

    try:
        first = await cancel_lesson(dispatcher, live_server, day, set(), OUR_REASONS[0])
        assert await until(lambda: listing(first)), f"no notice «{title}» naming lesson {first[1]}"
        assert "Автоматическое объявление" in await (await lines()).inner_text()
        await screenshots(parent, request, "board-with-automatic-notice")

        second = await cancel_lesson(dispatcher, live_server, day, {first[0]}, OUR_REASONS[1])
        assert await until(lambda: listing(first, second)), "the day's notice does not list both cancellations"
        await deputy.goto(f"{live_server}/noticeboard/board?show=school")
        await deputy.locator("#noticeboard-q").fill(title)
        await deputy.wait_for_url(re.compile(r"[?&]q="))
        assert await deputy.locator(".noticeboard-line").count() == 1  # one for the class and day, in any state
        await (await lines()).locator("a").first.click()
        await parent.wait_for_selector("#noticeboard-body")
        items = await parent.locator("#noticeboard-body li").all_inner_texts()
        expected = sorted([(first, OUR_REASONS[0]), (second, OUR_REASONS[1])], key=lambda pair: int(pair[0][1]))
        assert items == [f"{number}-й урок, {subject}: отменён (причина: {reason})"
                         for (_slot, number, subject), reason in expected]  # in the order of the day
        await screenshots(parent, request, "automatic-notice")

        await withdraw_ours(dispatcher, live_server, day)

        async def gone() -> bool:
            return await (await lines()).count() == 0

        assert await until(gone), "withdrawing the day's changes leaves the automatic notice on the board"
    finally:
        await withdraw_ours(dispatcher, live_server, day)
    await done(deputy, dispatcher, parent)


async def switch_module(admin: Any, base: str, on: bool) -> None:
    """The journal administrator's button on the school's modules page."""
    await admin.goto(f"{base}/admin/modules")
    row = admin.locator("#core-module-noticeboard")
    await row.get_by_role("button", name="Подключить" if on else "Отключить").click()
    await admin.wait_for_url(f"{base}/admin/modules")
    assert await row.locator(".tag").inner_text() == ("подключён" if on else "отключён")


async def test_a_module_switched_off_disappears_for_the_parent(browser, live_server, request):
    admin = await person(browser, live_server, "admin")
    parent = await person(browser, live_server, "parent")
    await parent.goto(f"{live_server}/")
    await parent.wait_for_selector("#noticeboard-widget")
    assert await parent.locator("#nav-noticeboard").count() == 1
    try:
        await switch_module(admin, live_server, on=False)
        await parent.goto(f"{live_server}/")
        await parent.wait_for_load_state("networkidle")
        assert await parent.locator("#widget-noticeboard, #noticeboard-widget, #nav-noticeboard").count() == 0
        answer = await parent.goto(f"{live_server}/noticeboard/board")
        assert answer.status == 404
    finally:
        await switch_module(admin, live_server, on=True)  # test_xss.py and others need it on
    await parent.goto(f"{live_server}/")
    await parent.wait_for_selector("#noticeboard-widget")
    assert await parent.locator("#nav-noticeboard").count() == 1
    await done(admin, parent)

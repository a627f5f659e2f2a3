"""The journal in Chromium, on the demo school: a teacher fills a lesson for the whole class from
the keyboard, the class teacher changes an absence to «Б» with a reason, a substitute fills a
substituted lesson, and the history shows all three. Screenshots go to test-output/."""

from __future__ import annotations

import re

from tests.e2e.conftest import screenshots, sign_in
from tests.e2e.test_timetable import check, next_lesson_day

SUBSTITUTE = "Кузнецов Андрей Павлович"  # the demo «teacher»


async def school_today(page, base: str) -> str:
    await page.goto(f"{base}/journal/lessons")
    return re.search(r'href="/journal/lessons\?week=([0-9-]+)">[^<]*Эта неделя', await page.content())[1]


async def latest_lesson(page, base: str) -> str:
    """The teacher's latest lesson on or before today (this week's, else last week's)."""
    today = await school_today(page, base)
    for week in (today, None):
        if week is None:
            await page.locator("a[rel=prev]").click()
        days = [day for day in re.findall(r'id="journal-day-([0-9-]+)"', await page.content()) if day <= today]
        if days:
            return await page.locator(f"#journal-day-{days[-1]} .journal-line a").last.get_attribute("href")
    raise AssertionError("no lesson of the teacher in two weeks")


async def switch_to(page, base: str, login: str) -> None:
    """Another person at the same browser: signed out (cookies gone), then in as ``login``."""
    await page.context.clear_cookies()
    await sign_in(page, base, login)


async def save(page) -> str:
    """Save with the keyboard; the message the answer swaps into #flash (htmx swaps it a moment
    after the response arrives: wait for it, once the previous one is gone)."""
    await page.evaluate("document.querySelector('#flash').replaceChildren()")
    async with page.expect_response(lambda r: r.request.method == "POST" and "/journal/lessons/" in r.url) as answer:
        await page.keyboard.press("Control+Enter")
    assert (await answer.value).status == 200, await (await answer.value).text()
    await page.wait_for_function("document.querySelector('#flash').innerText.trim() !== ''")
    return await page.locator("#flash").inner_text()


async def test_a_lesson_is_filled_an_absence_excused_and_a_substitute_fills_in(page, live_server, request):
    # 1. The subject teacher fills a lesson for the whole class, marks typed down the column.
    await sign_in(page, live_server, "teacher")
    lesson_url = await latest_lesson(page, live_server)
    await page.goto(live_server + lesson_url)
    students = await page.locator("#journal-students .journal-name").count()
    marks_before = await page.locator(".journal-mark:not(.journal-mark--new)").count()
    assert students >= 20
    await page.locator("#journal-topic").fill("Решение задач на движение")
    await page.locator("#journal-homework").fill("№ 301, 305; разбор: https://resh.edu.ru/subject/12/")
    await page.locator("#journal-no_homework").uncheck()
    first = page.locator(".journal-mark--new input").first
    await first.focus()
    for index in range(students):
        await page.keyboard.type("5" if index % 3 else "4")
        await page.keyboard.press("Enter")  # to the next student's mark
    absent = page.locator(".journal-att").nth(1).locator("input").first
    await absent.focus()
    await page.keyboard.press("KeyY")  # the key of «Н» picks it, whatever the layout
    assert await absent.evaluate("radio => radio.form.querySelector(`[name='${radio.name}']:checked`).value") == "Н"
    assert "Урок сохранён" in await save(page)
    assert await page.locator(".journal-mark:not(.journal-mark--new)").count() == marks_before + students
    assert await page.locator(".journal-homework-view a").get_attribute("rel") == "noopener noreferrer nofollow"
    await screenshots(page, request, "lesson-filled")
    name = await page.locator("#journal-students .journal-name").first.inner_text()
    await page.locator(".journal-history-open").first.click()
    history = page.locator("#journal-history")
    await history.locator("h2").wait_for()  # swapped in by htmx
    assert name in await history.inner_text() and "Кузнецов" in await history.inner_text()

    # 2. The class teacher turns an absence into «Б» with the doctor's note.
    await switch_to(page, live_server, "class-teacher")
    await page.goto(f"{live_server}/journal/absences")
    if not await page.locator(".journal-absence-form").count():
        await page.locator("a[rel=prev]").click()
    row = page.locator("tr:has(.journal-absence-form select option[value='Н'][selected])").first
    row_id = await row.get_attribute("id")
    await row.locator("select").select_option("Б")
    await row.locator("input[name=reason]").fill("справка № 17")
    async with page.expect_response(lambda r: r.url.endswith("/reason")):
        await row.locator("button").click()
    saved = page.locator(f"#{row_id}")
    assert await saved.locator("select").input_value() == "Б"
    await screenshots(page, request, "absence-excused")
    await saved.locator(".journal-history-open").click()
    await page.wait_for_url("**/history?student=*")
    changes = await page.locator("#journal-history").inner_text()
    assert "справка № 17" in changes and "Б" in changes and "Н" in changes  # the subject teacher's code stays

    # 3. The dispatcher gives the demo teacher a lesson to substitute; the substitute fills it.
    await switch_to(page, live_server, "dispatcher")
    day = await next_lesson_day(page, live_server)
    await page.goto(f"{live_server}/timetable/changes?day={day}")
    await page.select_option("#core-change-kind", "substitute")
    await page.locator("#core-change-reason").fill("болезнь учителя")
    teacher = await page.locator("#core-change-teacher option", has_text=SUBSTITUTE).get_attribute("value")
    await page.select_option("#core-change-teacher", teacher)
    slots = await page.locator("#core-change-slot option:not([value='']):not([disabled])").evaluate_all(
        "options => options.map(o => o.value)")
    for slot in slots:
        await page.select_option("#core-change-slot", slot)
        if "Конфликтов нет" in await check(page):
            break
    else:
        raise AssertionError("the demo teacher is busy at every lesson of the day")
    await page.locator("#core-change-save").click()
    await page.wait_for_url(f"{live_server}/timetable/changes?day={day}")

    await switch_to(page, live_server, "teacher")
    replaced = page.locator(f"#journal-day-{day} .journal-line:has(.tag--warning) a")
    for _ in range(40):  # the journal hears of the change from the event dispatcher, just after
        await page.goto(f"{live_server}/journal/lessons?week={day}")
        if await replaced.count():
            break
        await page.wait_for_timeout(250)
    await replaced.first.click()
    assert "Замена" in await page.locator("#journal-replacement").inner_text()
    await page.locator("#journal-topic").fill("Повторение пройденного")
    await page.locator("#journal-homework").fill("Повторить § 4")
    assert "Урок сохранён" in await save(page)
    await screenshots(page, request, "substitute-lesson")
    await page.get_by_role("link", name="История урока").click()
    await page.locator("#journal-history h2").wait_for()
    lesson_history = await page.locator("#journal-history").inner_text()
    assert "Повторение пройденного" in lesson_history and "Кузнецов" in lesson_history
    assert not page.console_watch.errors, page.console_watch.errors

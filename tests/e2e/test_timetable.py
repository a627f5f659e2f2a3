"""The dispatcher's day in Chromium (regulation 4.3): a substitution for the next lesson day is
checked for conflicts, saved, listed with its reason, and the substitute's own timetable shows the
lesson; a busy teacher is refused with the conflict named. Screenshots go to test-output/."""

from __future__ import annotations

import re

from tests.e2e.conftest import screenshots, sign_in


async def next_lesson_day(page, base: str) -> str:
    """The first day after today that has lessons, by the school's day page."""
    await page.goto(f"{base}/timetable")
    day = await page.locator("#core-timetable-day").input_value()
    for _ in range(14):
        await page.goto(f"{base}/timetable?day={day}")
        day = re.search(r'href="/timetable\?day=([0-9-]+)" rel="next"', await page.content())[1]
        await page.goto(f"{base}/timetable?day={day}")
        if await page.locator("#core-timetable-day-grid .tt-lesson").count():
            return day
    raise AssertionError("no lesson day in two weeks")


async def check(page) -> str:
    async with page.expect_response(lambda r: r.url.endswith("/timetable/changes/check")):
        await page.locator("#core-change-check-button").click()
    return await page.locator("#core-change-check").inner_text()


async def test_the_dispatcher_records_a_substitution_and_the_substitute_sees_it(page, live_server, request):
    await sign_in(page, live_server, "dispatcher")
    day = await next_lesson_day(page, live_server)
    await page.goto(f"{live_server}/timetable/changes?day={day}")
    lesson = page.locator("#core-change-slot option:not([value='']):not([disabled])").first
    slot, label = await lesson.get_attribute("value"), await lesson.inner_text()
    await page.select_option("#core-change-kind", "substitute")
    assert await page.locator("#core-change-to-date").is_hidden()  # the move's fields are not for a substitution
    await page.select_option("#core-change-slot", slot)
    await page.locator("#core-change-reason").fill("болезнь учителя")
    teachers = await page.locator("#core-change-teacher option:not([value=''])").evaluate_all(
        "options => options.map(o => [o.value, o.textContent])")
    busy = free = None
    for value, name in teachers:
        await page.select_option("#core-change-teacher", value)
        answer = await check(page)
        if "Конфликтов нет" in answer and free is None:
            free = (value, name)
        elif "уже есть урок" in answer and busy is None:
            busy = (value, name, answer)
        if free and busy:
            break
    assert free and busy, "the demo day has both free and busy teachers"
    await page.select_option("#core-change-teacher", busy[0])
    await page.locator("#core-change-save").click()
    assert await page.locator("#core-change-conflicts").is_visible()  # refused, the conflict named
    assert busy[1].split()[0] in await page.locator("#core-change-conflicts").inner_text()
    await page.select_option("#core-change-teacher", free[0])
    await page.locator("#core-change-save").click()
    await page.wait_for_url(f"{live_server}/timetable/changes?day={day}")
    listed = await page.locator("#core-changes-list").inner_text()
    assert "болезнь учителя" in listed and free[1] in listed
    await screenshots(page, request, "changes")

    await page.goto(f"{live_server}/timetable/teachers/{free[0]}?week={day}")
    cell = page.locator(f"#core-lesson-{day}-s{slot}")
    assert await cell.is_visible()
    assert "Замена" in await cell.inner_text()
    assert label.split(" · ")[0] in await cell.inner_text()  # the class the substitute goes to
    await screenshots(page, request, "substitute-week")
    assert not page.console_watch.errors, page.console_watch.errors


async def test_a_teacher_reads_their_week_on_a_phone(page, live_server, request):
    await sign_in(page, live_server, "teacher")
    await page.goto(f"{live_server}/timetable/my")
    assert await page.locator("#core-timetable-week-grid .tt-lesson").count() > 0
    assert await page.locator("#core-change-form").count() == 0
    await page.set_viewport_size({"width": 375, "height": 812})
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide: the grid must scroll inside its box"
    await screenshots(page, request, "my-week")
    assert not page.console_watch.errors, page.console_watch.errors

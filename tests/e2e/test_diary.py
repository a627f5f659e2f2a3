"""The diary in Chromium, on the demo school, on a phone: the demo parent (two children) opens this
week, switches child and week, opens the quarter's marks and a subject's average explained, reads
the homework and attendance pages, and subscribes the
calendar feed, which the test fetches and parses. Screenshots go to test-output/."""

from __future__ import annotations

import re

from icalendar import Calendar

from tests.e2e.conftest import PHONE, screenshots, sign_in


async def test_a_parent_reads_two_childrens_diaries_on_a_phone_and_subscribes_the_calendar(browser, live_server, request):
    context = await browser.new_context(viewport=PHONE, locale="ru-RU")
    page = await context.new_page()
    await sign_in(page, live_server, "parent")
    await page.get_by_role("link", name="Дневник").first.click()
    await page.wait_for_selector("#diary-week")
    children = page.locator(".diary-children a")
    assert await children.count() == 2
    first = await page.locator("h1").inner_text()
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    assert await page.locator(".diary-lesson").count() > 10  # a school week of lessons
    await screenshots(page, request, "diary-week")

    await page.get_by_role("link", name="← Предыдущая").click()  # htmx: the week swaps in place, the address follows
    await page.wait_for_url(re.compile(r"week=\d{4}-\d{2}-\d{2}"))
    assert await page.locator(".diary-mark").count() > 0  # last week's marks
    await children.nth(1).click()
    await page.wait_for_selector("#diary-week")
    assert await page.locator("h1").inner_text() != first
    await screenshots(page, request, "diary-second-child")

    await page.locator(".diary-tabs").get_by_role("link", name="Отметки").click()  # the quarter's subjects
    await page.wait_for_selector("#diary-marks")
    assert await page.locator(".diary-subject-line").count() >= 5
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await screenshots(page, request, "diary-marks")
    graded = page.locator(".diary-subject-line", has=page.locator(".diary-average")).first
    average = (await graded.locator(".diary-average").inner_text()).split()[-1]
    await graded.locator(".diary-subject-link").click()
    await page.wait_for_selector("#diary-subject-marks")
    explained = await page.locator("#diary-average").inner_text()  # the average with its formula
    assert f"Средний балл: {average}" in explained and re.search(rf"\(.+·.+\)/[\d,]+ = {average}", explained)
    assert "вес" in explained and await page.locator(".diary-table tbody tr").count() >= 1
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await screenshots(page, request, "diary-subject")

    await page.get_by_role("link", name="Посещаемость").click()
    await page.wait_for_selector("#diary-attendance")
    await page.get_by_role("link", name="Домашние задания").click()
    await page.wait_for_selector("#diary-homework")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    await page.get_by_role("link", name="Календарь").click()
    await page.get_by_role("button", name="Создать адрес").click()
    address = await page.locator("#diary-calendar-address").input_value()
    await screenshots(page, request, "diary-calendar")
    feed = await context.request.get(address.replace("http://testserver", live_server))
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(await feed.body())
    assert len(list(calendar.walk("VEVENT"))) > 20 and list(calendar.walk("VTODO"))
    await context.close()

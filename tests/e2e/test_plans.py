"""Lesson plans in Chromium, on the demo school: the demo class teacher imports a 68-hour КТП of
literature for grade 7 from an XLSX file kept the way teachers keep it (a title, merged section
rows, planned and actual dates); the hours check passes and 7А's lessons to come take its topics;
a topic she typed stays when she skips an item; the deputy's check shows the demo's plans.
Screenshots go to test-output/."""

from __future__ import annotations

import re
from datetime import date, timedelta

from openpyxl import Workbook

from tests.e2e.conftest import screenshots, sign_in

SECTIONS = ("Введение", "Древнерусская литература", "Литература XVIII века", "Литература XIX века", "Литература XX века")


def ktp_file(path) -> list[str]:
    """A 68-lesson plan in 5 sections (merged rows), one topic a lesson; the topics in order."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Календарно-тематическое планирование по литературе, 7 класс"])
    sheet.append(["№ урока", "Тема урока", "Кол-во часов", "Дата (план)", "Дата (факт)", "Домашнее задание", "Примечание"])
    topics, number = [], 1
    for index, section in enumerate(SECTIONS):
        sheet.append([f"Раздел {index + 1}. {section}"])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=7)
        for _lesson in range(14 if index < 4 else 12):
            topic = f"{section}: урок {number}" if number % 10 else f"Контрольная работа № {number // 10}"
            sheet.append([number, topic, 1, None, None, f"Читать с. {number * 3}", ""])
            topics.append(topic)
            number += 1
    sheet.append(["", "Итого", 68])
    book.save(path)
    return topics


def next_monday() -> date:
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


async def coming_topics(page, base: str, page_id: str) -> list[str]:
    await page.goto(f"{base}/journal/lessons?page={page_id}&week={next_monday().isoformat()}")
    return [text.strip() for text in await page.locator(".journal-line .journal-line-topic, .journal-line a > span:nth-child(2) span").all_inner_texts()]


async def test_a_teacher_imports_a_68_hour_plan_and_the_lessons_take_it(page, browser, live_server, request, tmp_path):
    path = tmp_path / "ktp-literature-7.xlsx"
    topics = ktp_file(path)
    await sign_in(page, live_server, "class-teacher")
    await page.goto(f"{live_server}/journal/plans")
    row = page.locator("#journal-plans-table tbody tr").filter(has_text="Литература").filter(
        has=page.locator("td.num", has_text=re.compile(r"^7$")))
    await row.get_by_role("link").first.click()
    await page.wait_for_selector("#journal-plan-items")
    await page.set_input_files("#journal-plan-file", str(path))
    await page.get_by_role("button", name="Проверить файл").click()
    await page.wait_for_selector("#journal-plan-import-summary")
    summary = await page.locator("#journal-plan-import-summary").inner_text()
    assert "68 пунктов" in summary and "68 часов" in summary and "совпадает с учебным планом" in summary
    assert "«Примечание»" in await page.locator("main").inner_text()  # the column not understood is reported
    sections = page.locator("#journal-plan-import-rows tbody tr").filter(has_text="раздел")
    assert await sections.count() == 5
    await screenshots(page, request, "plan-import-preview")
    await page.get_by_role("button", name="Сохранить план").click()
    await page.wait_for_selector("#journal-plan-hours")
    assert "совпадает с учебным планом: 68 ч. в год" in await page.locator("#journal-plan-hours").inner_text()
    imported = await page.locator(".flash--success").inner_text()
    assert "План импортирован" in imported and int(re.search(r"получивших темы: (\d+)", imported)[1]) > 0
    await screenshots(page, request, "plan-imported")

    # 7А's literature follows the plan: its lessons to come take the plan's topics in order
    used = page.locator("main p.hint a").filter(has_text="7А")
    progress_url = await used.get_attribute("href")
    page_id = re.search(r"/journal/pages/(\d+)/plan", progress_url)[1]
    await page.goto(f"{live_server}{progress_url}")
    following = await page.locator(".journal-plan-current td").first.inner_text()
    following = following.replace("следующий", "").strip()
    coming = await lesson_topics(page, live_server, page_id)
    # the plan's next item goes to the first lesson to come: next week's, or one left this week (any day but Sunday)
    assert len(coming) >= 2 and topics.index(coming[0]) >= topics.index(following)
    assert [topics.index(topic) for topic in coming] == list(range(topics.index(coming[0]), topics.index(coming[0]) + len(coming)))
    await screenshots(page, request, "plan-fed-lessons")

    # she types her own topic on the second lesson, then skips the next item: only the plan-fed lessons move
    lesson_links = page.locator(".journal-line a")
    await lesson_links.nth(1).click()
    await page.locator("#journal-lesson-form input[name=topic]").fill("Внеклассное чтение: любимая книга")
    await page.get_by_role("button", name="Сохранить").first.click()
    await page.wait_for_selector(".flash--success")
    await page.goto(f"{live_server}{progress_url}")
    await page.locator(".journal-plan-current").get_by_role("button", name="Пропустить").click()
    await page.wait_for_selector(".flash--success")
    assert "пропущен" in await page.locator(".flash--success").inner_text()
    await screenshots(page, request, "plan-skipped")
    after = await lesson_topics(page, live_server, page_id)
    assert after[0] == topics[topics.index(coming[0]) + 1]  # the skipped item's lesson took the next one
    assert after[1] == "Внеклассное чтение: любимая книга"  # typed: kept
    if len(after) > 2:
        assert after[2] == topics[topics.index(coming[0]) + 2]

    # the deputy's check: the demo's plan states, the imported plan ready
    deputy_context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    deputy = await deputy_context.new_page()
    await sign_in(deputy, live_server, "deputy")
    await deputy.goto(f"{live_server}/journal/plans")
    await deputy.get_by_role("link", name="Проверка КТП").click()
    await deputy.wait_for_selector("#journal-plan-check-table")
    counts = await deputy.locator("#journal-plan-check-counts").inner_text()
    assert re.search(r"нет КТП: [1-9]\d*", counts) and re.search(r"часы не совпадают с учебным планом: [1-9]", counts)
    music = deputy.locator("#journal-plan-check-table tbody tr").filter(has_text="Музыка")
    assert await music.count() > 0 and await music.filter(has_text="нет КТП").count() == await music.count()
    literature = deputy.locator(f"#journal-plan-check-{page_id}")
    assert "готов" in await literature.inner_text()
    assert await deputy.locator("#journal-plan-check-table tbody tr").filter(has_text="свой вариант").count() == 1
    await screenshots(deputy, request, "plan-check")
    await deputy_context.close()


async def lesson_topics(page, base: str, page_id: str) -> list[str]:
    """The topics of the page's lessons next week, in order, from the lessons list."""
    await page.goto(f"{base}/journal/lessons?page={page_id}&week={next_monday().isoformat()}")
    await page.wait_for_selector(".journal-lesson-list")
    return [text.strip() for text in await page.locator(".journal-line .journal-line-topic").all_inner_texts()]

"""Final marks in Chromium, on the demo school: a teacher confirms the first quarter's marks of
5А's mathematics (one override asks for a comment); the deputy closes the quarter; the teacher's
later change in the grid asks for a reason and goes through with one. The quarter is reopened at
the end (the demo server is shared). Screenshots go to test-output/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshots, sign_in


async def deputy_sets_quarter(page, base: str, action: str) -> None:
    await page.goto(f"{base}/journal/periods")
    row = page.locator("#journal-periods-table tbody tr").filter(has_text="1 четверть")
    await row.get_by_role("button", name=action).click()
    await page.wait_for_url(re.compile(r"/journal/periods\?year=\d+$"))


async def retype_last_cell(page, text: str) -> int:
    """Type ``text`` over the grid's last cell and leave it; the status of its save."""
    await page.locator(".journal-cell input").last.focus()
    async with page.expect_response(lambda r: r.request.method == "POST" and "/cells/" in r.url) as answer:
        await page.keyboard.press("Backspace")
        await page.keyboard.type(text)
        await page.keyboard.press("Tab")
    return (await answer.value).status


@pytest.mark.console_errors_expected  # the refused saves are 422s, which Chromium logs
async def test_a_teacher_confirms_the_quarter_the_deputy_closes_it_and_a_later_change_asks_for_a_reason(
        page, browser, live_server, request):
    await sign_in(page, live_server, "teacher")
    await page.goto(f"{live_server}/journal/home")
    await page.locator("#journal-home-finals").get_by_role("link", name=re.compile(r"Математика, 5А · 1 четверть")).click()
    await page.wait_for_selector("#journal-finals-table")
    marks = page.locator("input.journal-final-mark")
    students = await marks.count()
    assert students >= 20
    proposals = await page.locator("#journal-finals-table tbody td.journal-final-proposal strong").all_inner_texts()
    assert len(proposals) == students and all(mark in ("2", "3", "4", "5", "н/а") for mark in proposals)
    before = [await marks.nth(index).input_value() for index in range(students)]  # the XSS test may have given some
    await page.locator("input.journal-final-comment").first.fill("")

    # an override two points from the proposal, typed and sent from the keyboard: refused until explained
    far = {"5": "3", "4": "2", "3": "5", "2": "4", "н/а": "5"}[proposals[0]]
    await marks.first.focus()
    await page.keyboard.type(far)
    await page.keyboard.press("Enter")  # moves to the next student, never sends the form
    assert await marks.nth(1).evaluate("input => input === document.activeElement")
    await page.get_by_role("button", name="Сохранить").click()
    error = page.locator(".field-error").first
    await error.wait_for()
    assert "объясните в комментарии" in await error.inner_text()
    await page.locator("input.journal-final-comment").first.fill("Контрольная переписана на «отлично»")
    await page.get_by_role("button", name="Принять предложенные").click()
    await page.wait_for_url(re.compile(r"/finals\?term=\d+$"))
    assert "Сохранено" in await page.locator(".flash--success").inner_text() or \
        "Сохранен" in await page.locator(".flash").first.inner_text()
    given = [await marks.nth(index).input_value() for index in range(students)]
    assert given == [far, *(shown or proposal for shown, proposal in zip(before[1:], proposals[1:]))]
    sheet_url = page.url
    await screenshots(page, request, "finals-given")

    deputy_context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    deputy = await deputy_context.new_page()
    await sign_in(deputy, live_server, "deputy")
    await deputy_sets_quarter(deputy, live_server, "Закрыть период")
    await screenshots(deputy, request, "periods-closed")

    await page.goto(sheet_url)
    assert await page.locator("#journal-finals-closed").count() == 1
    await page.get_by_role("link", name="К странице журнала").click()
    await page.wait_for_selector("#journal-grid")
    assert await page.locator("#journal-grid-closed").count() == 1
    before = await page.locator(".journal-cell input").last.input_value()
    changed = "Н" if "Н" not in before else ""
    assert await retype_last_cell(page, changed) == 422
    alert = page.locator(".journal-cell--refused [role=alert]")
    await alert.wait_for()
    assert "укажите причину" in await alert.inner_text()
    await screenshots(page, request, "grid-closed-refused")

    await page.locator("#journal-grid-reason").fill("Справка о болезни принесена после закрытия четверти")
    assert await retype_last_cell(page, changed) == 200
    await page.reload()
    assert await page.locator(".journal-cell input").last.input_value() == changed

    await deputy_sets_quarter(deputy, live_server, "Открыть снова")
    await deputy_context.close()

"""The journal's grid in Chromium, on the demo school: the teacher types a lesson's marks and
absences for the whole class from the keyboard alone, each cell saved as it is left; a reload shows
them all; a wrong mark is refused in place; the deputy reads the same grid without inputs.
Screenshots go to test-output/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshots, sign_in


async def open_grid(page, base: str) -> str:
    """5А's mathematics grid from the journal's start page, as the teacher gets there (the page's own link,
    not a lesson of it today)."""
    await page.goto(f"{base}/journal/home")
    await page.get_by_role("link", name="Математика, 5А", exact=True).click()
    await page.wait_for_selector("#journal-grid")
    return page.url


async def last_writable_column(page) -> tuple[str, int]:
    """The id of the latest lesson the teacher may type into, and how many cells it has."""
    labels = await page.eval_on_selector_all(".journal-cell input", "inputs => inputs.map(i => i.getAttribute('aria-labelledby'))")
    lessons = [re.search(r"journal-col-(\d+)", label)[1] for label in labels]
    columns = sorted(set(lessons), key=lessons.index)  # in the order of the first row: by date
    return columns[-1], lessons.count(columns[-1])


def typed_for(index: int) -> str:
    return "н" if index % 10 == 3 else ("4 5" if index % 4 == 0 else str(5 - index % 3))


def shown_for(index: int) -> str:
    return typed_for(index).upper() if typed_for(index) == "н" else typed_for(index)


async def test_a_teacher_types_a_whole_lesson_into_the_grid_and_the_deputy_reads_it(page, live_server, request):
    await sign_in(page, live_server, "teacher")
    url = await open_grid(page, live_server)
    lesson, cells = await last_writable_column(page)
    assert cells >= 20
    answers = []
    page.on("response", lambda response: answers.append(response) if "/cells/" in response.url else None)
    first = page.locator(f'.journal-cell input[aria-labelledby$=" journal-col-{lesson}"]').first
    await first.focus()
    for index in range(cells):
        await page.keyboard.type(typed_for(index))
        await page.keyboard.press("Enter")  # saves the cell (when it changed) and goes down the column
    await page.locator(".journal-cell--saving").first.wait_for(state="detached")
    await page.wait_for_load_state("networkidle")
    assert answers and all(answer.status == 200 for answer in answers), [answer.status for answer in answers]
    assert max([len(await answer.body()) for answer in answers]) < 2048
    await screenshots(page, request, "grid-typed")

    await page.goto(url)
    saved = await page.eval_on_selector_all(f'.journal-cell input[aria-labelledby$=" journal-col-{lesson}"]',
                                            "inputs => inputs.map(i => i.value)")
    assert saved == [shown_for(index) for index in range(cells)]
    average = page.locator("td.journal-grid-average[title]").first
    assert re.fullmatch(r"\d,\d\d", (await average.inner_text()).strip())
    assert "=" in await average.get_attribute("title")

    await page.context.clear_cookies()
    await sign_in(page, live_server, "deputy")
    await page.goto(url)
    assert await page.locator("#journal-grid tbody tr").count() >= cells
    assert await page.locator("#journal-grid input").count() == 0
    assert await page.locator(f"#journal-col-{lesson}").count() == 1
    await screenshots(page, request, "grid-deputy")


@pytest.mark.console_errors_expected  # the refused save is a 422, which Chromium logs
async def test_a_wrong_mark_is_refused_in_place_and_the_cell_keeps_its_value(page, live_server, request):
    await sign_in(page, live_server, "teacher")
    url = await open_grid(page, live_server)
    lesson, _cells = await last_writable_column(page)
    cells = page.locator(f'.journal-cell input[aria-labelledby$=" journal-col-{lesson}"]')
    await cells.nth(2).focus()  # the Latin layout on: the keys of «б» and «оп» still type them
    for key in ("Comma", "Enter", "KeyJ", "KeyG", "Space", "Digit5", "Enter"):
        await page.keyboard.press(key)
    await page.locator(".journal-cell--saving").first.wait_for(state="detached")
    assert [await cells.nth(2).input_value(), await cells.nth(3).input_value()] == ["Б", "ОП 5"]
    cell = cells.nth(1)
    before = await cell.input_value()
    await cell.focus()
    async with page.expect_response(lambda r: r.request.method == "POST" and "/cells/" in r.url) as answer:
        await page.keyboard.type("7")
        await page.keyboard.press("Tab")
    assert (await answer.value).status == 422
    alert = page.locator(".journal-cell--refused [role=alert]")
    await alert.wait_for()
    assert "не отметка шкалы" in await alert.inner_text()
    await screenshots(page, request, "grid-refused")
    await page.goto(url)
    assert await page.locator(f'.journal-cell input[aria-labelledby$=" journal-col-{lesson}"]').nth(1).input_value() == before
    assert all("422" in error for error in page.console_watch.errors), page.console_watch.errors

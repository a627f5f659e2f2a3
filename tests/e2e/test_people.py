"""The secretary's class list in Chromium (regulation 4.9): a 30-student file with two bad rows is
refused with its errors, the corrected file is imported, the class card shows the students, and
the class list exported and imported back changes nothing. Screenshots go to test-output/."""

from __future__ import annotations

import re

from tests.e2e.conftest import screenshots, sign_in

FIRST_NAMES = ("Алексей", "Мария", "Иван", "Дарья", "Павел", "Ольга", "Никита", "Анна", "Егор", "Софья")
LAST_NAMES = ("Загрузкин", "Списков", "Строкин", "Файлов", "Колонкин", "Ячейкин")


def student(number: int) -> str:
    """30 different names (10 first names × 6 last names, and 30 is their least common multiple)."""
    first = FIRST_NAMES[number % 10]
    girl = first in ("Мария", "Дарья", "Ольга", "Анна", "Софья")
    return f"{LAST_NAMES[number % 6]}{'а' if girl else ''} {first} {'Тестовна' if girl else 'Тестович'}"


def class_list(bad: bool) -> bytes:
    """30 students of 3Б as a secretary's CSV: Windows-1251, semicolons, the full name in one column."""
    lines = ["ФИО;Дата рождения;Класс;Родитель;Кем приходится;Телефон родителя"]
    for number in range(30):
        name = student(number)
        last = name.split()[0]
        born = f"{1 + number % 28:02d}.0{1 + number % 9}.2018"
        if bad and number == 7:
            born = "31.02.2018"  # no such day
        if bad and number == 19:
            name = last  # a last name alone
        lines.append(f"{name};{born};3Б;{last} Родитель Иванович;{'мать' if number % 2 else 'отец'};+7 912 000-00-{number:02d}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


async def upload(page, base: str, name: str, content: bytes, mime: str = "text/csv") -> str:
    await page.goto(f"{base}/people/import")
    await page.locator("#core-import-file").set_input_files({"name": name, "mimeType": mime, "buffer": content})
    await page.locator("#core-import-order").fill("150-у")
    await page.locator("#core-import-order-date").fill("2026-11-27")
    await page.locator("#core-import-form button[type=submit]").click()
    await page.wait_for_url(re.compile(r".*/people/import/\d+$"))
    return page.url


async def test_the_secretary_imports_a_class_list(page, live_server, request):
    await sign_in(page, live_server, "secretary")
    await upload(page, live_server, "3Б.csv", class_list(bad=True))
    summary = await page.locator("#core-import-summary").inner_text()
    assert "2 ошибки" in summary and "ничего не будет записано" in summary
    assert await page.locator("#core-import-confirm").count() == 0
    rows = await page.locator("#core-import-rows").inner_text()
    assert "Дата рождения" in await page.locator("#core-import-row-9").inner_text()  # the header is row 1
    assert await page.locator("#core-import-row-21 .field-error").count() == 1
    await screenshots(page, request, "people-import-errors")
    assert student(0) in rows

    await upload(page, live_server, "3Б.csv", class_list(bad=False))
    assert "Файл без ошибок" in await page.locator("#core-import-summary").inner_text()
    await screenshots(page, request, "people-import-preview")
    await page.locator("#core-import-confirm button").click()
    await page.get_by_text("Загружено").first.wait_for()
    assert "30 новых" in await page.locator("main").inner_text()

    await page.goto(f"{live_server}/people/students?q=Тестов")
    listing = await page.locator("#core-students-table").inner_text()
    assert listing.count("3Б") == 30
    await page.get_by_role("link", name="3Б").first.click()
    card = await page.locator("#core-class-students").inner_text()
    assert all(student(number) in card for number in range(30))
    await screenshots(page, request, "people-class-card")

    export = await page.request.get(page.url.split("?")[0] + "/list.xlsx")
    assert export.status == 200
    await upload(page, live_server, "3Б.xlsx", await export.body(),
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    again = await page.locator("#core-import-summary").inner_text()
    assert "уже записано" in again and await page.locator("#core-import-confirm").count() == 0
    await screenshots(page, request, "people-import-unchanged")


async def test_the_class_teacher_keeps_the_contacts_of_their_class(page, live_server, request):
    """Васильева leads 5А: her menu leads to the class, she updates a mother's phone, and the
    whole school's list is not hers."""
    await sign_in(page, live_server, "class-teacher")
    await page.locator("#nav-my-class").click()
    await page.wait_for_url(re.compile(r".*/people/classes/\d+$"))
    card = await page.locator("main").inner_text()
    assert "Класс 5А" in card and "Петров Илья" in card
    await screenshots(page, request, "people-my-class")
    await page.get_by_role("link", name="Петрова Анна Игоревна").first.click()
    await page.locator("#core-person-phone").fill("+7 912 000-11-22")
    await page.locator("#core-person-form button[type=submit]").click()
    await page.get_by_text("Сохранено").first.wait_for()
    assert await page.locator("#core-person-phone").input_value() == "+7 912 000-11-22"
    assert await page.locator("#core-person-last_name").count() == 0  # names are the secretary's
    children = await page.locator("#core-person-children").inner_text()
    assert "Петров Илья" in children and "Петрова Алиса" not in children  # her other child is in 2Б
    await screenshots(page, request, "people-parent-by-class-teacher")
    answer = await page.goto(f"{live_server}/people/students")
    assert answer.status == 403


async def test_no_people_page_is_wider_than_a_phone(browser, live_server, request):
    context = await browser.new_context(viewport={"width": 375, "height": 800}, locale="ru-RU")
    phone = await context.new_page()
    await sign_in(phone, live_server, "secretary")
    await phone.goto(f"{live_server}/people/students?q=Петров Илья")
    student = re.findall(r"/people/students/(\d+)", await phone.content())[0]
    await phone.goto(f"{live_server}/people/staff")
    person = re.findall(r"/people/persons/(\d+)", await phone.content())[0]
    too_wide = []
    for path in ("/people/students", f"/people/students/{student}", f"/people/persons/{person}", "/people/classes/12",
                 "/people/students/new", "/people/staff", "/people/movement", "/people/occupancy", "/people/import"):
        await phone.goto(f"{live_server}{path}")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            too_wide.append((path, width))
        if path.endswith(student) or path.endswith("/new"):
            await screenshots(phone, request, "people-" + path.strip("/").replace("/", "-"))
            await phone.set_viewport_size({"width": 375, "height": 800})  # screenshots() ends at desktop width
    await context.close()
    assert not too_wide

"""The demo school's structure in Chromium: the administrator browses and edits it, the deputy
reads it, a teacher sees their own load. Screenshots go to test-output/ to be looked at."""

from __future__ import annotations

from tests.e2e.conftest import screenshots, sign_in


async def test_the_administrator_browses_the_demo_school(page, live_server, request):
    await sign_in(page, live_server, "admin")
    await page.locator("#nav-structure").click()
    await page.wait_for_url(f"{live_server}/structure/calendar")
    calendar = await page.locator("main").inner_text()
    assert "Дополнительные каникулы для первоклассников" in calendar and "1 смена" in calendar
    await screenshots(page, request, "structure-calendar")

    await page.locator("#core-structure-tabs").get_by_role("link", name="Классы").click()
    await page.get_by_role("link", name="5А", exact=True).first.wait_for()
    await screenshots(page, request, "structure-classes")
    await page.get_by_role("link", name="5А", exact=True).first.click()
    assert "Васильева Ольга Николаевна" in await page.locator("main").inner_text()  # the demo class teacher of 5А
    await screenshots(page, request, "structure-class")

    await page.locator("#core-structure-tabs").get_by_role("link", name="Учебный план").click()
    plan = await page.locator("main").inner_text()
    assert "Математика" in plan and "Индивидуальный проект" in plan
    await screenshots(page, request, "structure-curriculum")

    await page.locator("#core-structure-tabs").get_by_role("link", name="Предметные страницы").click()
    await screenshots(page, request, "structure-pages")
    await page.locator("#core-structure-tabs").get_by_role("link", name="Нагрузка").click()
    assert "Кузнецов Андрей Павлович" in await page.locator("main").inner_text()  # the demo teacher has a load
    await screenshots(page, request, "structure-load")

    await page.locator("#core-structure-tabs").get_by_role("link", name="Группы").click()
    await screenshots(page, request, "structure-groups")
    await page.locator("#core-structure-tabs").get_by_role("link", name="Предметы").click()
    await screenshots(page, request, "structure-subjects")


async def test_the_administrator_adds_a_class_and_is_told_what_is_wrong(page, live_server, request):
    await sign_in(page, live_server, "admin")
    await page.goto(f"{live_server}/structure/classes")
    await page.locator("#core-class-new summary").click()  # the form waits folded under the list
    form = page.locator("#core-class-new form")
    await form.locator("[name=grade_level]").select_option("5")
    await form.locator("[name=letter]").fill("а")  # 5А exists
    await form.locator("button[type=submit]").click()
    await page.get_by_text("уже есть").first.wait_for()
    await screenshots(page, request, "structure-class-refused")
    await form.locator("[name=letter]").fill("Г")
    await form.locator("button[type=submit]").click()
    await page.get_by_role("link", name="5Г", exact=True).first.wait_for()


async def test_the_deputy_reads_without_forms_and_a_teacher_sees_their_own_load(page, live_server, request):
    await sign_in(page, live_server, "deputy")
    await page.goto(f"{live_server}/structure/curriculum")
    assert await page.locator("main form[method=post]").count() == 0
    assert await page.locator("input.cell").count() == 0
    await screenshots(page, request, "structure-curriculum-deputy")
    await page.context.clear_cookies()
    await sign_in(page, live_server, "teacher")
    await page.locator("#nav-my-load").click()
    load = await page.locator("main").inner_text()
    assert "Алгебра" in load
    await screenshots(page, request, "structure-my-load")



async def test_no_structure_page_is_wider_than_a_phone(browser, live_server):
    """At 375 px wide tables scroll inside their box; nothing widens the page itself."""
    context = await browser.new_context(viewport={"width": 375, "height": 800}, locale="ru-RU")
    phone = await context.new_page()
    await sign_in(phone, live_server, "admin")
    too_wide = []
    for path in ("/structure/calendar", "/structure/classes", "/structure/classes/1", "/structure/groups", "/structure/groups/1",
                 "/structure/subjects", "/structure/curriculum", "/structure/pages", "/structure/pages/1", "/structure/load",
                 "/structure/load?by=class"):
        await phone.goto(f"{live_server}{path}")
        width = await phone.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            too_wide.append((path, width))
    await context.close()
    assert not too_wide

"""The web shell in Chromium under the strict Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import screenshots, sign_in


async def test_the_login_page(page, live_server, request):
    await page.goto(f"{live_server}/")
    await page.wait_for_url(f"{live_server}/login?next=%2F")
    assert await page.locator("h1").inner_text() == "Вход в электронный журнал"
    await screenshots(page, request, "login")
    await page.get_by_label("Логин").fill("teacher")
    await page.get_by_label("Пароль").fill("неверный пароль")
    await page.get_by_role("button", name="Войти").click()
    await page.locator("#core-login-error").wait_for()
    assert await page.locator("#core-login-error").inner_text() == "Неверный логин или пароль."
    await screenshots(page, request, "login-failed")


async def test_the_dashboard_renders_in_russian_and_loads_its_lazy_widget(page, live_server, request):
    await sign_in(page, live_server, "teacher")
    assert await page.title() == "Главная · zhurnal"
    assert await page.locator("h1").inner_text() == "Главная"
    assert "МАОУ СОШ № 20" in await page.locator("#widget-school").inner_text()
    lazy = page.locator("#widget-testplugin-notes-body")
    await lazy.get_by_text("Открыть заметки").wait_for()  # swapped in by hx-get after load
    assert "заметк" in await lazy.inner_text()
    assert await page.locator("#nav-testplugin-notes .badge").inner_text() == "3"
    await screenshots(page, request, "dashboard")


async def test_the_404_page(page, live_server, request):
    response = await page.goto(f"{live_server}/no-such-page")
    assert response.status == 404
    assert await page.locator("h1").inner_text() == "Страница не найдена"
    await screenshots(page, request, "404")
    await page.get_by_role("link", name="Перейти на главную страницу").click()
    await page.wait_for_url(f"{live_server}/login?next=%2F")  # the main page needs signing in


async def test_htmx_form_validation_post_and_redirect(page, live_server, request):
    await sign_in(page, live_server, "teacher")
    await page.goto(f"{live_server}/testplugin/notes")
    before = await page.locator("#testplugin-notes li").count()
    await page.get_by_role("button", name="Добавить заметку").click()
    error = page.locator("#testplugin-text-error")
    await error.wait_for()
    assert await error.inner_text() == "Напишите текст заметки."
    assert await page.locator("#testplugin-text").get_attribute("aria-invalid") == "true"
    await screenshots(page, request, "validation")

    await page.locator("#testplugin-text").fill("Экскурсия в планетарий")
    await page.keyboard.press("Enter")
    await page.locator(".flash--success").wait_for()  # HX-Redirect, then the flash after it
    assert await page.locator(".flash--success").inner_text() == "Заметка добавлена."
    assert await page.locator("#testplugin-notes li").count() == before + 1
    assert "«Экскурсия в планетарий»" in await page.locator("#testplugin-notes").inner_text()
    await screenshots(page, request, "added")


async def test_the_language_switch(page, live_server, request):
    await sign_in(page, live_server, "teacher")
    await page.locator("#core-locale").select_option("en")  # zhurnal.js submits the form
    await page.locator("h1", has_text="Home").wait_for()
    assert await page.title() == "Home · zhurnal"
    await page.locator("#core-locale").select_option("ru")
    await page.locator("h1", has_text="Главная").wait_for()


@pytest.mark.console_errors_expected
async def test_the_csp_canary_proves_violations_are_seen(page, live_server):
    """An inline script must be refused, and the refusal must reach our console watch."""
    await page.goto(f"{live_server}/login")
    await page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    await page.wait_for_timeout(200)
    assert await page.evaluate("() => window.ran === true") is False
    assert any("Content Security Policy" in error for error in page.console_watch.errors)


async def test_the_administrator_pages(page, live_server, request):
    await sign_in(page, live_server, "admin")
    await page.locator("#nav-admin-users").click()
    await page.wait_for_url(f"{live_server}/admin/users")
    assert "Кузнецов Андрей Павлович" in await page.locator("#core-users-table").inner_text()
    await page.get_by_label("Поиск по ФИО или логину").fill("кузнецов андр")
    await expect(page.locator("#core-users-table tbody tr")).to_have_count(1)
    await screenshots(page, request, "users")
    await page.get_by_role("link", name="Кузнецов Андрей Павлович").click()
    await page.locator("h1", has_text="Кузнецов Андрей Павлович").wait_for()
    await screenshots(page, request, "user")
    await page.goto(f"{live_server}/admin/users/new")
    await page.get_by_role("button", name="Создать учётную запись").click()
    await page.locator("#core-full_name-error").wait_for()  # 422 swapped in place by htmx
    await screenshots(page, request, "new-user-errors")
    await page.goto(f"{live_server}/admin/modules")
    await screenshots(page, request, "modules")


DEMO_ROLES = [
    ("admin", True), ("director", False), ("deputy", False), ("teacher", False), ("class-teacher", False),
    ("student", False), ("parent", False), ("engineer", False), ("dispatcher", False), ("secretary", False),
    ("site-admin", False), ("operator", True),
]


@pytest.mark.parametrize(("login", "administers"), DEMO_ROLES)
async def test_each_demo_role_sees_only_its_own_menu(page, live_server, request, login, administers):
    await page.goto(f"{live_server}/login")
    await page.get_by_label("Логин").fill(login)
    await page.get_by_label("Пароль").fill("zhurnal-demo")
    await page.get_by_role("button", name="Войти").click()
    await page.wait_for_url(f"{live_server}/")  # one school in the demo: nothing to choose, the operator too
    nav = await page.locator("#core-nav").inner_text()
    assert ("Учётные записи" in nav) is administers and ("Модули" in nav) is administers
    assert "Заметки" in nav
    admin_page = await page.goto(f"{live_server}/admin/users")
    assert admin_page.status == (200 if administers else 403)
    await page.goto(f"{live_server}/")
    await screenshots(page, request, f"dashboard-{login}")

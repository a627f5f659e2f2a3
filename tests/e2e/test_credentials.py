"""Issuing credentials in Chromium, on the demo school (regulation 3.3, 4.7). The journal
administrator opens «Логины и пароли», picks the students of 5А, issues one-time passwords and
downloads the protocol: pdftotext reads back every ticked student's login and a signature line.
Then the parents of 5А: a mother signs in on her phone with the one-time password from the
protocol, is held on the password page, a common password is refused, her own is taken and she
reaches the main page. An engineer sets up the second factor and signs in with a code.
Screenshots go to test-output/."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.conftest import PHONE, SERVER, ConsoleWatch, screenshots, sign_in
from tests.e2e.test_noticeboard import done, person

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


async def issue(tab: Any, group_label: str, folder: Path, name: str) -> tuple[list[str], str]:
    """Pick the group, issue for the ticked people; (their logins, the protocol's text)."""
    await tab.get_by_label("Группа").select_option(label=group_label)
    await tab.get_by_role("button", name="Показать").click()
    await tab.wait_for_selector("#core-credentials-table")
    rows = tab.locator("#core-credentials-table tbody tr").filter(has=tab.locator("input:checked"))
    logins = [text.strip() for text in await rows.locator("code").all_inner_texts()]
    assert logins, "nobody is ticked"
    async with tab.expect_download() as waiting:
        await tab.get_by_role("button", name="Выдать и распечатать протокол (PDF)").click()
    download = await waiting.value
    path = folder / f"{name}.pdf"
    await download.save_as(str(path))
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return logins, text


async def test_the_administrator_issues_a_class_and_a_parent_sets_her_password(browser, live_server, request, tmp_path):
    base = live_server
    admin = await person(browser, base, "admin")
    await admin.goto(f"{base}/people/credentials")
    assert await admin.get_by_role("heading", name="Логины и пароли").is_visible()
    logins, text = await issue(admin, "Обучающиеся 5А класса", tmp_path, "students-5a")
    assert "Протокол выдачи реквизитов доступа" in text and "Получил(а): подпись, дата" in text
    missing = [login for login in logins if login not in text]
    assert not missing, f"logins missing from the protocol: {missing}"
    await admin.goto(f"{base}/people/credentials?group=students:" + (await admin.locator(
        "#core-credentials-group-select option:checked").get_attribute("value")).split(":")[1])
    assert await admin.locator("#core-credentials-table").get_by_text("одноразовый пароль до").count() >= len(logins)
    await screenshots(admin, request, "credentials-students-5a")

    parent_logins, parents_text = await issue(admin, "Родители 5А класса", tmp_path, "parents-5a")
    login = parent_logins[0]
    password = re.search(re.escape(login) + r"\s+([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})", parents_text)[1]
    await done(admin)

    context = await browser.new_context(viewport=PHONE, locale="ru-RU")
    mother = await context.new_page()
    mother.console_watch = ConsoleWatch()
    mother.console_watch.attach(mother)
    await mother.goto(f"{base}/login")
    await mother.get_by_label("Логин").fill(login)
    await mother.get_by_label("Пароль").fill(password)
    await mother.get_by_role("button", name="Войти").click()
    await mother.wait_for_url(f"{base}/account/password")
    assert await mother.locator("#core-must-change").is_visible()
    assert await mother.evaluate(NO_SIDEWAYS_SCROLL)
    await screenshots(mother, request, "must-change-phone")
    await mother.goto(f"{base}/")  # every page sends her back until she has her own password
    await mother.wait_for_url(f"{base}/account/password")

    await mother.get_by_label("Текущий пароль").fill(password)
    await mother.get_by_label("Новый пароль", exact=True).fill("qwerty123456")
    await mother.get_by_label("Новый пароль ещё раз").fill("qwerty123456")
    await mother.get_by_role("button", name="Сменить пароль").click()
    await mother.wait_for_selector("#core-password-error")
    assert "самых распространённых" in await mother.locator("#core-password-error").inner_text()

    own = "наш кот спит на окне"
    await mother.get_by_label("Текущий пароль").fill(password)
    await mother.get_by_label("Новый пароль", exact=True).fill(own)
    await mother.get_by_label("Новый пароль ещё раз").fill(own)
    await mother.get_by_role("button", name="Сменить пароль").click()
    await mother.wait_for_url(f"{base}/")
    assert await mother.get_by_text("Пароль изменён.").is_visible()
    await mother.context.clear_cookies()
    await sign_in(mother, base, login, own)  # her own password now opens the journal
    await done(mother)


async def test_an_engineer_sets_up_the_second_factor_and_signs_in_with_a_code(browser, live_server, request):
    """Enrolment by the QR code's key, the recovery codes shown once, then a sign-in that asks for
    the code; a wrong code is refused with a message. The demo engineer is restored afterwards."""
    from core.auth import totp

    base = live_server
    engineer = await person(browser, base, "engineer")
    try:
        await engineer.goto(f"{base}/account")
        await engineer.get_by_role("link", name="Настроить").click()
        await engineer.wait_for_url(f"{base}/account/two-factor")
        assert await engineer.locator(".qr svg").is_visible()
        secret = (await engineer.locator("#core-2fa-secret").inner_text()).replace(" ", "")
        await screenshots(engineer, request, "two-factor-enrol")
        await engineer.get_by_label("Код").fill(totp.code_at(secret, totp.current_step()))
        await engineer.get_by_role("button", name="Включить второй фактор").click()
        await engineer.wait_for_selector("#core-recovery-codes")
        assert len(await engineer.locator("#core-recovery-codes code").all_inner_texts()) == 10
        await engineer.get_by_role("button", name="Выйти").click()
        await engineer.wait_for_url(f"{base}/login")

        await engineer.get_by_label("Логин").fill("engineer")
        await engineer.get_by_label("Пароль").fill("zhurnal-demo")
        await engineer.get_by_role("button", name="Войти").click()
        await engineer.wait_for_url(re.compile(r".*/login/code.*"))
        await engineer.set_viewport_size(PHONE)
        await engineer.get_by_label("6-значный код из приложения-аутентификатора").fill("000000")
        await engineer.get_by_role("button", name="Войти").click()
        await engineer.wait_for_selector("#core-login-code-error")
        assert "Неверный код" in await engineer.locator("#core-login-code-error").inner_text()
        assert await engineer.evaluate(NO_SIDEWAYS_SCROLL)
        await engineer.get_by_label("6-значный код из приложения-аутентификатора").fill(totp.code_at(secret, totp.current_step() + 1))
        await engineer.get_by_role("button", name="Войти").click()
        await engineer.wait_for_url(f"{base}/")
        assert await engineer.get_by_text("Предыдущий вход").is_visible()
    finally:
        with sqlite3.connect(SERVER["folder"] / "var" / "demo.db") as db:  # other tests sign the engineer in by password
            db.execute("UPDATE user_account SET totp_secret = NULL, totp_last_step = NULL WHERE login = 'engineer'")
    await done(engineer)

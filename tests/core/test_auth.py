"""Signing in and out, sessions, the current school, CSRF, headers and the audit log."""

from __future__ import annotations

import pytest

from core.auth.passwords import Passwords
from tests.support.people import PASSWORD, add_school, add_user, csrf_from, sign_in, signed_in
from tests.support.snapshot import database_unchanged, execute, fetch


async def audit(url: str) -> list[tuple]:
    return await fetch(url, "SELECT action, result, actor_id, school_id, details FROM audit_record ORDER BY id")


async def test_anonymous_visitors_are_sent_to_the_login_page(make_client, database_url):
    async with make_client() as client:
        page = await client.get("/admin/users?x=1", follow_redirects=False)
        htmx = await client.get("/", headers={"HX-Request": "true"})
        login = await client.get("/login")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fadmin%2Fusers%3Fx%3D1"
    assert htmx.headers["hx-redirect"] == "/login?next=%2F"
    assert "<h1>Вход в электронный журнал</h1>" in login.text
    assert "set-cookie" not in page.headers  # no session, no session cookie for anonymous visitors
    assert await fetch(database_url, "SELECT id FROM user_session") == []


async def test_sign_in_rotates_the_session_and_sign_out_ends_it(make_client, database_url):
    school = await add_school(database_url)
    user_id = await add_user(database_url, "teacher", [("teacher", school)])
    async with make_client() as client:
        client.cookies.set("__Host-zhurnal_session", "attacker-chosen-token", domain="testserver.local")
        response = await sign_in(client, "Teacher")  # logins are case-insensitive
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-zhurnal_session=") and "attacker-chosen-token" not in cookie
        for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
            assert flag.lower() in cookie.lower()
        home = await client.get("/")
        assert home.status_code == 200 and "Тестовый teacher" in home.text
        assert home.headers["cache-control"] == "no-store"
        assert home.headers["strict-transport-security"].startswith("max-age=")
        assert "server" not in home.headers
        out = await client.post("/logout", follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert out.headers["clear-site-data"] == '"cache", "cookies", "storage"'
        assert (await client.get("/", follow_redirects=False)).status_code == 303
    assert await fetch(database_url, "SELECT id FROM user_session") == []
    actions = [row[0] for row in await audit(database_url)]
    assert actions == ["core.login", "core.logout"]
    assert (await audit(database_url))[0][2:4] == (user_id, school)


async def test_wrong_and_unknown_logins_get_the_same_answer(make_client, database_url, monkeypatch):
    school = await add_school(database_url)
    await add_user(database_url, "teacher", [("teacher", school)])
    verified: list[str | None] = []
    real = Passwords.verify
    monkeypatch.setattr(Passwords, "verify", lambda self, h, p: verified.append(h) or real(self, h, p))
    async with make_client() as client:
        async with _nothing():
            wrong = await sign_in(client, "teacher", "не-тот-пароль", expect=422)
            unknown = await sign_in(client, "nobody", "не-тот-пароль", expect=422)
    assert "Неверный логин или пароль." in wrong.text and "Неверный логин или пароль." in unknown.text
    strip = lambda html: html.replace('value="teacher"', "").replace('value="nobody"', "")  # noqa: E731
    assert strip(wrong.text).split("<main")[1] == strip(unknown.text).split("<main")[1]
    assert len(verified) == 2 and verified[1] is None  # the unknown login was checked against a dummy hash too
    failures = await audit(database_url)
    assert [(a, r) for a, r, *_ in failures] == [("core.login_failed", "failed")] * 2
    assert all("не-тот-пароль" not in (row[4] or "") for row in failures)


class _nothing:
    async def __aenter__(self):
        return None

    async def __aexit__(self, *exc):
        return False


async def test_a_blocked_account_cannot_sign_in(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "blocked", [("teacher", school)], blocked=True)
    async with make_client() as client:
        response = await sign_in(client, "blocked", expect=422)
    assert "Учётная запись заблокирована" in response.text
    assert await fetch(database_url, "SELECT id FROM user_session") == []


async def test_a_person_with_several_schools_chooses_one(make_client, database_url):
    first, second = await add_school(database_url, "Школа № 1"), await add_school(database_url, "Школа № 2")
    await add_user(database_url, "both", [("teacher", first), ("deputy", second)])
    async with make_client() as client:
        response = await sign_in(client, "both")
        assert response.headers["location"] == "/school?next=%2F"
        assert (await client.get("/", follow_redirects=False)).headers["location"].startswith("/school")
        page = await client.get("/school")
        assert "Школа № 1" in page.text and "Школа № 2" in page.text
        async with database_unchanged(database_url):
            forged = await client.post("/school", data={"school_id": 999, "next": "/"})
        assert forged.status_code == 422 and "Выберите одну из своих школ." in forged.text
        chosen = await client.post("/school", data={"school_id": second, "next": "/"}, follow_redirects=False)
        assert chosen.status_code == 303
        home = await client.get("/")
        assert "Школа № 2" in home.text and "Сменить школу" in home.text


@pytest.mark.parametrize("how", ["no token", "another session's token", "foreign origin", "anonymous without cookie"])
async def test_csrf_refuses_and_changes_nothing(make_client, database_url, how):
    async with signed_in(make_client, database_url) as (client, school):
        async with signed_in(make_client, database_url, role="director") as (other, _other_school):
            other_token = other.headers["x-csrftoken"]
        headers = {}
        if how == "no token":
            del client.headers["x-csrftoken"]
        elif how == "another session's token":
            client.headers["x-csrftoken"] = other_token
        elif how == "foreign origin":
            headers["Origin"] = "https://evil.example"
        elif how == "anonymous without cookie":
            client.cookies.clear()
            del client.headers["x-csrftoken"]
        async with database_unchanged(database_url):
            response = await client.post("/testplugin/notes", data={"text": "подделка"}, headers=headers, follow_redirects=False)
            login = await client.post("/login", data={"login": "x", "password": "y", "_csrf_token": other_token}, headers=headers)
        assert response.status_code == 403 and login.status_code == 403
        assert "Страница устарела" in response.text


async def test_blocking_ends_sessions_at_once(make_client, database_url, make_platform):
    async with signed_in(make_client, database_url) as (client, school):
        assert (await client.get("/")).status_code == 200
        from tests.support.snapshot import fetch as rows

        (user_id,), = await rows(database_url, "SELECT user_id FROM user_session")
        platform = make_platform()
        async with platform.db.writing() as session:
            from core.auth.services import AccountService

            service = AccountService(session, platform.passwords)
            await service.set_blocked(await service.get(user_id), True)
        assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_the_audit_log_is_append_only(make_platform, database_url):
    from sqlalchemy import text

    from core.audit.log import record

    platform = make_platform()
    async with platform.db.writing() as session:
        record(session, "core.test_happened", details={"a": 1})
    for statement in ("UPDATE audit_record SET action = 'x'", "DELETE FROM audit_record"):
        with pytest.raises(Exception, match="append-only"):
            async with platform.db.writing() as session:
                await session.execute(text(statement))
    with pytest.raises(ValueError, match="must not contain"):
        async with platform.db.writing() as session:
            record(session, "core.test_happened", details={"password": "x"})
    assert len(await fetch(database_url, "SELECT id FROM audit_record")) == 1


async def test_an_expired_session_is_sent_to_sign_in_again(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, school):
        await execute(database_url, "UPDATE user_session SET expires_at = created_at")
        response = await client.get("/testplugin/notes", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Ftestplugin%2Fnotes"


async def test_expired_sessions_are_cleaned_up(make_platform, database_url):
    from datetime import timedelta

    from core.auth.services import SessionService
    from core.db.types import utcnow

    school = await add_school(database_url)
    await add_user(database_url, "t", [("teacher", school)])
    platform = make_platform()
    async with platform.db.writing() as session:
        from core.auth.models import UserAccount
        from sqlalchemy import select

        account = (await session.execute(select(UserAccount))).scalar_one()
        await SessionService(session).start(account, address=None, user_agent=None)
    async with platform.db.writing() as session:
        assert await SessionService(session).delete_expired(utcnow() + timedelta(hours=13)) == 1


async def test_housekeeping_removes_expired_sessions(make_platform, database_url):
    from sqlalchemy import text

    from core import housekeeping
    from core.outbox import Dispatcher

    school = await add_school(database_url)
    await add_user(database_url, "t", [("teacher", school)])
    platform = make_platform()
    async with platform.db.writing() as session:
        await session.execute(text(
            "INSERT INTO user_session (id, user_id, created_at, last_seen_at, expires_at) "
            "SELECT 'old', id, created_at, created_at, created_at FROM user_account"
        ))
    assert await housekeeping.run_once(platform, Dispatcher(platform)) == (1, 0)


async def test_the_password_check_holds_no_write_lock(make_client, database_url, monkeypatch):
    """argon2 takes ~170 ms: the login must not keep SQLite's single writer waiting meanwhile."""
    import sqlite3

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer")
    school = await add_school(database_url)
    await add_user(database_url, "teacher", [("teacher", school)])
    writable: list[bool] = []
    real = Passwords.verify

    def verify_while_probing(self, password_hash, password):
        # A short wait tolerates another writer's brief transaction; a lock held by this very
        # login would last through the whole check, so it still fails.
        probe = sqlite3.connect(database_url.split("///", 1)[1], timeout=0.2)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            writable.append(True)
        except sqlite3.OperationalError:
            writable.append(False)
        finally:
            probe.close()
        return real(self, password_hash, password)

    monkeypatch.setattr(Passwords, "verify", verify_while_probing)
    async with make_client() as client:
        await sign_in(client, "teacher")
    assert writable == [True]


async def test_the_wanted_page_survives_choosing_a_school(make_client, database_url):
    first, second = await add_school(database_url, "Школа № 1"), await add_school(database_url, "Школа № 2")
    await add_user(database_url, "both", [("journal_admin", first), ("journal_admin", second)])
    async with make_client() as client:
        form = await client.get("/login")
        response = await client.post("/login", data={
            "login": "both", "password": PASSWORD, "next": "/admin/users?q=a&x=1", "_csrf_token": csrf_from(form.text)},
            follow_redirects=False)
        assert response.headers["location"] == "/school?next=%2Fadmin%2Fusers%3Fq%3Da%26x%3D1"


async def test_signing_out_after_the_session_ended_still_signs_out(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, school):
        await execute(database_url, "DELETE FROM user_session")
        out = await client.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert "__Host-zhurnal_session=" in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]


async def test_malformed_form_values_get_a_russian_message(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, school):
        response = await client.post("/school", data={"school_id": "abc", "next": "/"})
        options = await client.options("/")
    assert response.status_code == 400 and "Часть отправленных данных некорректна" in response.text
    assert "Validation failed" not in response.text
    assert options.status_code in (200, 204)

"""Accounts for tests: created straight in the database with a fast hash, and signed in
through the real login form."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, AsyncIterator, Iterable

from argon2 import PasswordHasher
from sqlalchemy import text

from core.auth.passwords import Passwords
from core.db.session import make_engine
from core.db.types import utcnow

PASSWORD = "пароль-для-тестов"


@lru_cache(maxsize=1)
def fast_passwords() -> Passwords:
    """argon2id with tiny costs: the real ones take ~170 ms a hash, far too slow for tests."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


async def add_school(url: str, name: str = "МАОУ СОШ № 20") -> int:
    return await _insert(url, "school", {"name": name, "short_name": name, "timezone": "Asia/Yekaterinburg", "created_at": None})


async def add_user(url: str, login: str, grants: Iterable[tuple[str, int | None]] = (), *, full_name: str | None = None,
                   blocked: bool = False, password: str = PASSWORD) -> int:
    user_id = await _insert(url, "user_account", {
        "login": login, "full_name": full_name or f"Тестовый {login}", "password_hash": fast_passwords().hash(password),
        "is_blocked": blocked, "created_at": None,
    })
    for role, school_id in grants:
        await _insert(url, "role_grant", {"user_id": user_id, "school_id": school_id, "role": role, "granted_at": None})
    return user_id


async def _insert(url: str, table: str, values: dict[str, Any]) -> int:
    engine = make_engine(url, pooled=False)
    now = utcnow()
    if engine.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    values = {k: (now if v is None and k.endswith("_at") else v) for k, v in values.items()}
    try:
        async with engine.begin() as conn:
            columns = ", ".join(values)
            params = ", ".join(f":{k}" for k in values)
            result = await conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values)
            return result.scalar_one()
    finally:
        await engine.dispose()


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the page carries no CSRF field"
    return match[1]


async def sign_in(client: Any, login: str, password: str = PASSWORD, *, expect: int = 303) -> Any:
    """Sign in through the form; afterwards the client sends the session's CSRF token itself."""
    client.headers.pop("x-csrftoken", None)  # a token of an earlier session is no longer valid
    form = await client.get("/login")
    response = await client.post(
        "/login", data={"login": login, "password": password, "_csrf_token": csrf_from(form.text)}, follow_redirects=False
    )
    assert response.status_code == expect, response.text
    if expect == 303:
        page = await client.get("/school" if response.headers["location"].startswith("/school") else "/")
        client.headers["x-csrftoken"] = re.search(r'"x-csrftoken": "([^"]+)"', page.text)[1]
    return response


@asynccontextmanager
async def signed_in(make_client: Any, url: str, role: str = "teacher", plugins: tuple[str, ...] | None = ("testplugin",),
                    **overrides: Any) -> AsyncIterator[tuple[Any, int]]:
    """A client signed in as a fresh ``role`` of a fresh school: ``(client, school_id)``."""
    school_id = await add_school(url, f"Школа для {role}")
    login = f"{role.replace('_', '-')}-{school_id}"
    await add_user(url, login, [(role, None if role == "operator" else school_id)])
    async with make_client(plugins=plugins, **overrides) as client:
        await sign_in(client, login)
        if role == "operator":
            await client.post("/school", data={"school_id": school_id, "next": "/"})
        yield client, school_id

"""Test fixtures: databases on SQLite (always) and PostgreSQL (when configured), apps with any
set of plugins, and a check that a request changed nothing.

Database tests take ``database_url`` (migrated, empty) or ``empty_database_url`` (no tables).
Each such test runs on SQLite, and again on PostgreSQL when ``ZHURNAL_TEST_DATABASE_URL`` is set
(for example ``postgresql://postgres@127.0.0.1:5432/test``); the PostgreSQL half carries the
``postgresql`` marker, so ``pytest -m postgresql`` runs just that half. The test session makes
its own PostgreSQL databases and drops them afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

TESTS = Path(__file__).parent
SITE = TESTS / "site"  # a fake installed distribution that provides the test plugins
if str(SITE) not in sys.path:
    sys.path.insert(0, str(SITE))

from core.app import create_app  # noqa: E402
from core.db import migrate  # noqa: E402
from core.db.session import make_engine  # noqa: E402
from core.platform import Platform  # noqa: E402
from core.settings import Settings, normalize_database_url  # noqa: E402
from tests.support import audit_catalogue  # noqa: E402
from tests.support.battery import write_tally  # noqa: E402
from tests.support.snapshot import database_unchanged  # noqa: E402,F401

PG_ENV = "ZHURNAL_TEST_DATABASE_URL"
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def postgres_admin_url() -> str | None:
    raw = os.environ.get(PG_ENV)
    return normalize_database_url(raw, PG_ENV) if raw else None


def backends() -> list[Any]:
    found: list[Any] = ["sqlite"]
    if postgres_admin_url():
        found.append(pytest.param("postgresql", marks=pytest.mark.postgresql))
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    write_tally()  # the security battery's figures, for .ci/run
    audit_catalogue.check(session, lambda: set(Platform(settings_for(normalize_database_url("sqlite:///:memory:", PG_ENV), TESTS)).audit_events))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"database_url", "empty_database_url"} & set(metafunc.fixturenames):
        metafunc.parametrize("backend", backends())


def settings_for(url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": url, "data_dir": data_dir, "secret_key": SECRET, "event_dispatcher": False}
    values.update(overrides)
    return Settings(**values)


# ---- PostgreSQL databases made by the test session ---------------------------------------------


async def _pg_admin(sql: str) -> None:
    engine = make_engine(postgres_admin_url() or "", pooled=False)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def create_pg_database() -> str:
    name = f"zhurnal_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    return make_url(postgres_admin_url() or "").set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


# ---- migrated template databases, one per backend per test session -----------------------------


def _migrate(url: str, data_dir: Path) -> None:
    async def run() -> None:
        platform = Platform(settings_for(url, data_dir))
        try:
            await migrate.upgrade(platform)
        finally:
            await platform.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    _migrate(normalize_database_url(f"sqlite:///{path}"), folder)
    return path


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = create_pg_database()
    try:
        _migrate(url, tmp_path_factory.mktemp("pg"))
        yield url
    finally:
        drop_pg_database(url)


async def _truncate_all(url: str) -> None:
    engine = make_engine(url, pooled=False)
    try:
        async with engine.begin() as conn:
            names = (await conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename NOT IN ('alembic_version', 'parked_migration')"
            ))).scalars().all()
            if names:
                await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database migrated to head with every installed plugin's tables, and no rows."""
    if backend == "sqlite":
        path = tmp_path / "zhurnal.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return normalize_database_url(f"sqlite:///{path}")
    url = request.getfixturevalue("pg_template")
    asyncio.run(_truncate_all(url))
    return url


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database without any table, for migration tests."""
    if backend == "sqlite":
        yield normalize_database_url(f"sqlite:///{tmp_path / 'empty.db'}")
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


# ---- platforms and apps -------------------------------------------------------------------------


@pytest.fixture
async def make_platform(database_url: str, tmp_path: Path) -> AsyncIterator[Callable[..., Platform]]:
    """Build platforms on the test database; ``plugins=None`` loads every installed plugin."""
    made: list[Platform] = []

    def build(plugins: tuple[str, ...] | None = None, **overrides: Any) -> Platform:
        from tests.support.people import fast_passwords

        platform = Platform(settings_for(database_url, tmp_path, plugins=plugins, **overrides))
        platform.__dict__["passwords"] = fast_passwords()  # the real costs are for real logins
        made.append(platform)
        return platform

    yield build
    for platform in made:
        await platform.close()


@pytest.fixture
def make_client(make_platform: Callable[..., Platform]) -> Callable[..., Any]:
    """``async with make_client(plugins=...) as client``: an app with its lifespan running.

    The app uses its own engine; test code reads the database through a separate one
    (``tests.support``), never through the app's pool.
    """
    from litestar.testing import AsyncTestClient

    def build(plugins: tuple[str, ...] | None = None, **overrides: Any) -> Any:
        app = create_app(platform=make_platform(plugins, **overrides))
        return AsyncTestClient(app, base_url="https://testserver.local")  # TLS: __Host- cookies, HSTS

    return build

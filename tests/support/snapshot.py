"""Reading a database from test code: through its own NullPool engine, never the app's pool."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from sqlalchemy import inspect, text

from core.db.session import make_engine

Snapshot = dict[str, list[tuple[Any, ...]]]


async def fetch(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = make_engine(url, pooled=False)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql), params)]
    finally:
        await engine.dispose()


async def execute(url: str, sql: str, **params: Any) -> None:
    """Change the database behind the app's back (expire a session, drop a row) in one transaction."""
    engine = make_engine(url, pooled=False)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
    finally:
        await engine.dispose()


# Columns that record activity rather than data: a request refused still counts as the person's
# activity (a session seen over a minute ago is touched by any request).
VOLATILE = {"user_session": {"last_seen_at"}}


def _columns(sync: Any) -> dict[str, list[str]]:
    inspector = inspect(sync)
    return {name: [column["name"] for column in inspector.get_columns(name)] for name in sorted(inspector.get_table_names())}


async def snapshot(url: str) -> Snapshot:
    """Every row of every table (but ``VOLATILE`` columns), in a stable order."""
    engine = make_engine(url, pooled=False)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(_columns)
            content: Snapshot = {}
            for table, columns in tables.items():
                kept = ", ".join(f'"{column}"' for column in columns if column not in VOLATILE.get(table, ()))
                rows = await conn.execute(text(f'SELECT {kept} FROM "{table}"'))
                content[table] = sorted((tuple(row) for row in rows), key=repr)
            return content
    finally:
        await engine.dispose()


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    found = []
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        found += [f"{table}: removed {row!r}" for row in sorted(old - new, key=repr)]
        found += [f"{table}: added {row!r}" for row in sorted(new - old, key=repr)]
    return found


AUDIT_TABLES = frozenset({"audit_record", "audit_seal", "audit_purge", "data_view"})


@asynccontextmanager
async def database_unchanged(url: str, ignore: frozenset[str] = AUDIT_TABLES) -> AsyncIterator[None]:
    """Fail the test if anything in the database changed inside the block.

    The audit log is left out by default: a refused attempt is recorded there, by design, and the
    app's housekeeping may seal it meanwhile (a minute after start); so are the counted looks at
    records (``data_view``), which a page that is read notes.
    """
    before = {t: rows for t, rows in (await snapshot(url)).items() if t not in ignore}
    yield
    after = {t: rows for t, rows in (await snapshot(url)).items() if t not in ignore}
    changed = differences(before, after)
    assert not changed, "the database changed:\n" + "\n".join(changed[:20])


def moment(url: str, text: str) -> Any:
    """A UTC time ``YYYY-MM-DD HH:MM:SS`` as a bound parameter of raw SQL: asyncpg wants an aware
    datetime, SQLite the naive text SQLAlchemy itself would store."""
    from datetime import datetime, timezone

    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=timezone.utc) if url.startswith("postgresql") else value.isoformat(sep=" ")

"""The database layer on both backends: connection settings, locks, UTC, integrity, bad ids."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from core.db import utcnow
from core.school.models import School
from tests.support.people import signed_in
from tests.support.snapshot import database_unchanged, fetch


async def test_sqlite_connections_use_wal_foreign_keys_and_wait_for_locks_without_blocking(make_platform, database_url):
    """SQLite does not wait for a lock itself (that would block the event loop, which may be
    running the lock's holder): the connection retries asynchronously (the next test)."""
    from core.db.session import InlineConnection

    platform = make_platform()
    if not platform.db.is_sqlite:
        pytest.skip("SQLite connection settings")
    async with platform.db.reading() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 0
        raw = await (await session.connection()).get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)


async def test_reads_do_not_wait_for_a_writer(make_platform, database_url):
    platform = make_platform()
    async with platform.db.write_session() as writer:
        writer.add(School(name="Школа", short_name="Школа", timezone="Asia/Yekaterinburg"))
        await writer.flush()  # holds the write lock (BEGIN IMMEDIATE on SQLite)
        async with platform.db.reading() as reader:  # a reader is not blocked and sees the last commit
            assert (await reader.execute(select(School))).all() == []
        await writer.commit()
    async with platform.db.reading() as reader:
        assert len((await reader.execute(select(School))).all()) == 1


async def test_writers_take_turns_instead_of_failing(make_platform, database_url):
    """Two write sessions at once: the second waits for the first, neither gets 'database is locked'."""
    platform = make_platform()
    order: list[str] = []

    async def write(name: str, hold: float) -> None:
        async with platform.db.writing() as session:
            await session.execute(text("SELECT 1"))
            session.add(School(name=name, short_name=name, timezone="Asia/Yekaterinburg"))
            await session.flush()
            order.append(f"{name} locked")
            await asyncio.sleep(hold)
            order.append(f"{name} done")

    await asyncio.gather(write("первая", 0.3), write("вторая", 0))
    assert len(await fetch(database_url, "SELECT id FROM school")) == 2
    if platform.db.is_sqlite:  # PostgreSQL row locks let both insert at once; SQLite serialises
        assert order.index("первая done") < order.index("вторая locked") or order.index("вторая done") < order.index("первая locked")


async def test_datetimes_come_back_aware_in_utc(make_platform, database_url):
    platform = make_platform()
    yekaterinburg = timezone(timedelta(hours=5))
    moment = datetime(2026, 9, 1, 8, 30, tzinfo=yekaterinburg)
    async with platform.db.writing() as session:
        session.add(School(name="Школа", short_name="Школа", timezone="Asia/Yekaterinburg", created_at=moment))
    async with platform.db.reading() as session:
        stored = (await session.execute(select(School.created_at))).scalar_one()
    assert stored == moment and stored.tzinfo == timezone.utc and stored.hour == 3


async def test_a_naive_datetime_is_refused(make_platform, database_url):
    platform = make_platform()
    with pytest.raises(Exception, match="UTCDateTime needs an aware datetime"):
        async with platform.db.writing() as session:
            session.add(School(name="Ш", short_name="Ш", timezone="UTC", created_at=datetime(2026, 9, 1)))


async def test_a_duplicate_is_a_409_and_nothing_changes(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, school_id):
        assert (await client.post(f"/testplugin/schools/{school_id}/notes", json={"text": "Субботник"})).status_code == 201
        async with database_unchanged(database_url):
            again = await client.post(f"/testplugin/schools/{school_id}/notes", json={"text": "Субботник"})
        assert again.status_code == 409
        assert "Изменение не сохранено" in again.text


async def test_bad_input_changes_nothing(make_client, database_url):
    async with signed_in(make_client, database_url) as (client, school_id):
        async with database_unchanged(database_url):
            empty = await client.post(f"/testplugin/schools/{school_id}/notes", json={"text": "   "})
            other_school = await client.post(f"/testplugin/schools/{school_id + 1}/notes", json={"text": "Чужая"})
        assert empty.status_code == 400 and "не может быть пустым" in empty.text
        assert other_school.status_code == 404


@pytest.mark.parametrize("bad_id", ["2147483648", "99999999999999999999", "-1", "-9223372036854775809"])
async def test_ids_no_row_can_have_answer_404(make_client, database_url, bad_id):
    async with signed_in(make_client, database_url) as (client, _school):
        response = await client.get(f"/testplugin/schools/{bad_id}/notes")
    assert response.status_code == 404
    assert "Traceback" not in response.text


async def test_the_unchanged_helper_notices_a_change(database_url):
    from core.db.session import make_engine

    with pytest.raises(AssertionError, match="the database changed:\nschool: added"):
        async with database_unchanged(database_url):
            engine = make_engine(database_url, pooled=False)
            async with engine.begin() as conn:
                await conn.execute(
                    School.__table__.insert().values(name="Ш", short_name="Ш", timezone="UTC", created_at=utcnow())
                )
            await engine.dispose()


async def test_errors_never_show_a_traceback(make_client, database_url, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    async with signed_in(make_client, database_url) as (client, school_id):
        monkeypatch.setattr("tests.testplugin.routes.select", explode)
        response = await client.get(f"/testplugin/schools/{school_id}/notes")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "сообщите администратору электронного журнала этот код" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


async def test_a_lock_held_too_long_fails_without_stopping_the_process(make_platform, database_url, monkeypatch):
    """SQLite: a writer waiting for another's lock waits asynchronously (other requests go on) and
    gives up after the busy timeout; a write inside a read transaction fails at once."""
    import core.db.session

    platform = make_platform()
    if not platform.db.is_sqlite:
        pytest.skip("SQLite's lock")
    monkeypatch.setattr(core.db.session, "SQLITE_BUSY_TIMEOUT_MS", 300)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    async with platform.db.write_session() as holder:
        await holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the lock is held
        with pytest.raises(Exception, match="locked"):
            async with platform.db.writing() as waiter:
                await waiter.execute(text("SELECT 1"))
        assert ticks >= 10  # the loop ran all the while
        async with platform.db.reading() as reader:
            await reader.execute(text("SELECT 1"))
            started = asyncio.get_running_loop().time()
            with pytest.raises(Exception, match="locked"):
                await reader.execute(text("INSERT INTO school (name, short_name, timezone, created_at) "
                                          "VALUES ('Ш', 'Ш', 'UTC', '2026-09-01')"))
            assert asyncio.get_running_loop().time() - started < 0.1
        await holder.rollback()
    ticker.cancel()

"""Events through the outbox: never lost, never delivered for a rolled-back change, retried."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from core import Event, emit
from core.db import utcnow
from core.events import SchoolCreated, event_type
from core.outbox import MAX_ATTEMPTS, Dispatcher, backoff, delivery_summary, retry_failed
from tests.support.people import signed_in
from tests.support.snapshot import fetch
from tests.testplugin.events import NoteAdded
from tests.testplugin.models import Note

# The dispatcher's counts below are per handler: the test plugins' only, whatever else is installed.
TEST_PLUGINS = ("testplugin", "testdependent")

ROOT = Path(__file__).parents[2]


async def add_school(platform) -> int:
    from core.school.services import SchoolService

    async with platform.db.writing() as session:
        return (await SchoolService(session).create(name="Школа", short_name="Школа", timezone="Asia/Yekaterinburg")).id


async def add_note(platform, school_id: int, text: str) -> int:
    async with platform.db.writing() as session:
        note = Note(school_id=school_id, text=text)
        session.add(note)
        await session.flush()
        emit(session, NoteAdded(school_id=school_id, note_id=note.id, text=text))
        return note.id


async def received(url: str) -> list[tuple[str, str]]:
    return await fetch(url, "SELECT name, subject FROM testplugin_received_event ORDER BY id")


async def test_an_event_is_delivered_after_commit(make_platform, database_url):
    platform = make_platform(TEST_PLUGINS)
    school_id = await add_school(platform)
    note_id = await add_note(platform, school_id, "Субботник")
    report = await Dispatcher(platform).run_once()
    assert (report.delivered, report.failed) == (2, 0)
    assert await received(database_url) == [("core.school_created", f"school:{school_id}"), ("testplugin.note_added", f"note:{note_id}")]
    assert (await Dispatcher(platform).run_once()).worked is False  # nothing is delivered twice


async def test_a_rolled_back_event_is_never_delivered(make_platform, database_url):
    platform = make_platform(TEST_PLUGINS)
    school_id = await add_school(platform)
    await Dispatcher(platform).run_once()
    with pytest.raises(RuntimeError):
        async with platform.db.writing() as session:
            emit(session, NoteAdded(school_id=school_id, note_id=999, text="никогда"))
            raise RuntimeError("the change failed")
    report = await Dispatcher(platform).run_once()
    assert not report.worked
    assert await fetch(database_url, "SELECT name FROM outbox_event WHERE name = 'testplugin.note_added'") == []


async def test_a_handler_that_fails_once_is_retried_with_back_off(make_platform, database_url):
    platform = make_platform(TEST_PLUGINS)
    school_id = await add_school(platform)
    note_id = await add_note(platform, school_id, "fail-once: первая доставка падает")
    now = utcnow()
    first = await Dispatcher(platform).run_once(now=now)
    assert (first.delivered, first.retried) == (1, 1)  # school_created went through, the note failed
    assert ("testplugin.note_added", f"note:{note_id}") not in await received(database_url)

    too_early = await Dispatcher(platform).run_once(now=now + backoff(1) - timedelta(milliseconds=10))
    assert not too_early.worked
    second = await Dispatcher(platform).run_once(now=now + backoff(1))
    assert (second.delivered, second.retried) == (1, 0)
    assert ("testplugin.note_added", f"note:{note_id}") in await received(database_url)
    rows = await fetch(database_url, "SELECT attempts, state, last_error FROM event_delivery WHERE handler = 'testplugin' ORDER BY id")
    assert rows[-1] == (2, "delivered", None)


async def test_an_undeliverable_event_is_recorded_and_can_be_retried(make_platform, database_url):
    platform = make_platform(TEST_PLUGINS)
    school_id = await add_school(platform)
    await add_note(platform, school_id, "fail-always")
    now = utcnow()
    dispatcher = Dispatcher(platform)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = await dispatcher.run_once(now=now)
        now += backoff(attempt)
    assert report.failed == 1
    counts, failed = await delivery_summary(platform)
    assert counts == {"delivered": 1, "failed": 1, "undispatched": 0}
    assert failed[0].name == "testplugin.note_added" and failed[0].attempts == MAX_ATTEMPTS
    assert "test subscriber refuses" in failed[0].last_error
    assert not (await dispatcher.run_once(now=now + timedelta(days=1))).worked  # failed stays failed
    assert await retry_failed(platform) == 1
    assert (await delivery_summary(platform))[0] == {"delivered": 1, "pending": 1, "undispatched": 0}


async def test_back_off_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(30) == timedelta(hours=1)


async def test_handlers_are_independent(make_platform, database_url):
    """A failing handler is retried alone; one that succeeded is not called again."""
    platform = make_platform(plugins=("testplugin",))
    calls: list[str] = []

    class Counter:
        from core import hookimpl

        @hookimpl
        def on_event(self, event):
            calls.append(event.name)

    platform.pm.register(Counter(), name="counter")
    school_id = await add_school(platform)
    await add_note(platform, school_id, "fail-once")
    now = utcnow()
    await Dispatcher(platform).run_once(now=now)
    await Dispatcher(platform).run_once(now=now + backoff(1))
    assert calls == ["core.school_created", "testplugin.note_added"]


async def test_a_process_killed_after_commit_delivers_on_restart(make_platform, database_url, tmp_path):
    script = textwrap.dedent(
        f"""
        import asyncio, os, signal, sys
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests' / 'site')!r}]
        from core.platform import Platform
        from tests.conftest import settings_for
        from core.school.services import SchoolService
        from pathlib import Path

        async def main():
            platform = Platform(settings_for({database_url!r}, Path({str(tmp_path)!r}), event_dispatcher=True))
            async with platform.db.writing() as session:
                await SchoolService(session).create(name="Школа", short_name="Школа", timezone="Asia/Yekaterinburg")
            os.kill(os.getpid(), signal.SIGKILL)  # dies between commit and delivery

        asyncio.run(main())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert await received(database_url) == []
    report = await Dispatcher(make_platform(TEST_PLUGINS)).run_once()  # the restarted process
    assert report.delivered == 1
    assert await received(database_url) == [("core.school_created", "school:1")]


async def test_the_background_dispatcher_delivers_soon_after_commit(make_client, database_url):
    import asyncio

    async with signed_in(make_client, database_url, plugins=None, event_dispatcher=True) as (client, school_id):
        response = await client.post(f"/testplugin/schools/{school_id}/notes", json={"text": "Экскурсия"})
        assert response.status_code == 201
        for _ in range(100):
            if ("testplugin.note_added", f"note:{response.json()['id']}") in await received(database_url):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the event was not delivered within 5 s of the commit")


async def add_school_via_sql(url: str) -> int:
    from core.db.session import make_engine
    from sqlalchemy import text

    engine = make_engine(url, pooled=False)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO school (name, short_name, timezone, created_at) VALUES ('Школа', 'Школа', 'Europe/Moscow', :now)"
            ), {"now": utcnow().replace(tzinfo=None) if engine.dialect.name == "sqlite" else utcnow()})
            return (await conn.execute(text("SELECT max(id) FROM school"))).scalar_one()
    finally:
        await engine.dispose()


def test_event_types_round_trip_and_are_named_by_owner():
    event = NoteAdded(school_id=3, note_id=5, text="«кавычки» и ё")
    assert NoteAdded.from_payload(event.to_payload()) == event
    assert event_type("core.school_created") is SchoolCreated
    with pytest.raises(TypeError, match="must be '<owner>.<past_tense>'"):

        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Bad(Event):
            name: ClassVar[str] = "NoOwner"

    with pytest.raises(TypeError, match="already used by"):

        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Clash(Event):
            name: ClassVar[str] = "core.school_created"


def test_dates_survive_the_payload():
    from datetime import date, datetime, timezone

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Dated(Event):
        name: ClassVar[str] = "tests.dated_happened"
        day: date
        at: datetime

    event = Dated(day=date(2026, 9, 1), at=datetime(2026, 9, 1, 8, 30, tzinfo=timezone.utc))
    assert Dated.from_payload(event.to_payload()) == event


async def test_a_plugin_switched_off_for_a_school_does_not_hear_its_events(make_platform, database_url):
    from core.school.models import SchoolModule

    platform = make_platform(plugins=("testplugin",))
    quiet, busy = await add_school(platform), await add_school(platform)
    await Dispatcher(platform).run_once()
    async with platform.db.writing() as session:
        session.add(SchoolModule(school_id=quiet, plugin="testplugin", enabled=False))
    await add_note(platform, quiet, "не услышат")
    heard = await add_note(platform, busy, "услышат")
    report = await Dispatcher(platform).run_once()
    assert (report.fanned_out, report.delivered) == (2, 1)
    assert ("testplugin.note_added", f"note:{heard}") in await received(database_url)


async def test_a_dispatcher_stopped_midway_keeps_what_it_delivered(make_platform, database_url):
    """A shutdown in the middle of a batch: the deliveries done are recorded, the one in flight and
    the rest are due again at once (not after the lease), and nothing done is delivered twice."""
    import asyncio

    platform = make_platform(TEST_PLUGINS)
    school_id = await add_school(platform)
    for number in range(3):
        await add_note(platform, school_id, f"Заметка {number}")
    dispatcher = Dispatcher(platform)
    real, calls = dispatcher._deliver, []

    async def deliver_then_stop(handler, name, payload):
        calls.append(name)
        if len(calls) == 3:
            asyncio.current_task().cancel()
            await asyncio.sleep(0)  # the cancellation lands here, in the third delivery
        return await real(handler, name, payload)

    dispatcher._deliver = deliver_then_stop
    with pytest.raises(asyncio.CancelledError):
        await dispatcher.run_once()
    rows = await fetch(database_url, "SELECT state FROM event_delivery ORDER BY id")
    assert [state for (state,) in rows].count("delivered") == 2
    after = await Dispatcher(platform).run_once()  # right away: the rest is not held by the lease
    assert (after.delivered, after.failed) == (len(rows) - 2, 0)
    assert len(await received(database_url)) == 4  # the school and three notes, each once

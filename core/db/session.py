"""Engines and sessions for SQLite (embedded) and PostgreSQL (production), from the same code.

SQLite gets WAL, foreign keys, a busy timeout and explicit transactions: read sessions start
with a deferred ``BEGIN``; write sessions with ``BEGIN IMMEDIATE``, so the write lock is taken up
front (a deferred transaction that later writes can fail with "database is locked" whatever the
timeout) and only by sessions that mean to write.

SQLite statements run in the event loop's own thread (``InlineConnection``), not in aiosqlite's
worker thread: a statement on a school's database takes tens of microseconds, the hop to the
thread and back several hundred. Waiting for the write lock must then never block the loop (the
holder may be a request of this very process): SQLite is told not to wait, and a busy statement
is retried after a short asynchronous sleep until the busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Generator
from urllib.parse import urlencode

import aiosqlite

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITE_OPTION = "zhurnal_write"
EVENTS_EMITTED = "zhurnal.events_emitted"  # Session.info flag set by core.events.emit


def make_engine(url: str, *, foreign_keys: bool = True, pooled: bool = True) -> AsyncEngine:
    """An engine with zhurnal's connection settings.

    ``foreign_keys=False`` is for migrations only: SQLite's batch migrations recreate tables,
    and with foreign keys on, dropping a parent table cascade-deletes its children's rows.
    """
    kwargs: dict[str, Any] = {}
    if not pooled:
        kwargs["poolclass"] = NullPool
    if url.startswith("sqlite"):
        kwargs["async_creator"] = _inline_connector(url)
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, foreign_keys=foreign_keys)
    return engine


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=0")  # InlineConnection waits, without blocking the loop
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, its calls run right away in the caller's thread (the event loop's)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)  # its worker thread is never started
        self._tx = _RunNow()  # type: ignore[assignment]  # what SQLAlchemy's adapter queues directly
        self._ran_since = 0.0  # when this transaction's run of statements last let the loop go

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._connection:
            raise ValueError("Connection closed")
        now = time.monotonic()
        if not self._ran_since:
            self._ran_since = now
        elif now - self._ran_since > YIELD_AFTER_SECONDS:  # a long run of statements lets other requests in
            await asyncio.sleep(0)
            self._ran_since = time.monotonic()
        deadline = None
        while True:
            try:
                result = fn(*args, **kwargs)
                break
            except sqlite3.OperationalError as error:
                if not (_busy(error) and self._may_retry(fn)):
                    raise
                now = time.monotonic()
                deadline = deadline or now + SQLITE_BUSY_TIMEOUT_MS / 1000
                if now >= deadline:
                    raise
                await asyncio.sleep(BUSY_RETRY_SECONDS)  # the lock's holder runs meanwhile, maybe in this loop
                self._ran_since = time.monotonic()
        if not self._connection or not self._connection.in_transaction:
            self._ran_since = 0.0  # between transactions, nothing to hand over
        return result

    def _may_retry(self, fn: Callable[..., Any]) -> bool:
        """Only what waited for the lock before taking anything: a BEGIN (no transaction yet) or a
        COMMIT. A write inside a read transaction must not wait: it fails at once, as SQLite means."""
        return not self._conn.in_transaction or getattr(fn, "__name__", "") == "commit"

    async def _connect(self) -> "InlineConnection":
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, "InlineConnection"]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: runs each call at once, resolving its future."""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to whoever awaits the future
            if future is not None:
                future.set_exception(error)
        else:
            if future is not None:
                future.set_result(result)


BUSY_RETRY_SECONDS = 0.002
_BUSY_SNAPSHOT = 517  # a read transaction that may not write any more: retrying cannot help


YIELD_AFTER_SECONDS = 0.005
_LOCKED_SHAREDCACHE = 262


def _busy(error: sqlite3.OperationalError) -> bool:
    """The database is locked by another connection (SQLITE_BUSY and its extended codes but
    BUSY_SNAPSHOT; SQLITE_LOCKED only from a shared cache: otherwise it is this connection's own)."""
    code = getattr(error, "sqlite_errorcode", 0)
    return (code & 0xFF == sqlite3.SQLITE_BUSY and code != _BUSY_SNAPSHOT) or code == _LOCKED_SHAREDCACHE


def _inline_connector(url: str) -> Callable[[], Any]:
    """Connections to the URL's file (``?mode=ro`` and other SQLite URI options kept)."""
    parsed = make_url(url)
    database, uri = parsed.database or ":memory:", bool(parsed.query)
    if uri:
        database = f"file:{database}?{urlencode(dict(parsed.query), doseq=True)}"

    async def connect() -> InlineConnection:
        return await InlineConnection(lambda: sqlite3.connect(database, isolation_level=None, check_same_thread=False,
                                                              uri=uri))
    return connect


class Database:
    """One engine per app, with read and write session factories."""

    def __init__(self, url: str, *, pooled: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, pooled=pooled)
        # A Session class of this database's own, so its commit listener sees only its sessions.
        session_class = type("ZhurnalSession", (Session,), {})
        event.listen(session_class, "after_commit", self._after_commit)
        self._commit_listeners: list[Callable[[], None]] = []
        options = {"expire_on_commit": False, "autoflush": False, "sync_session_class": session_class}
        self._read = async_sessionmaker(self.engine, **options)
        writer = self.engine.execution_options(**{_WRITE_OPTION: True})
        self._write = async_sessionmaker(writer, **options)

    def on_events_committed(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each commit that wrote events to the outbox."""
        self._commit_listeners.append(listener)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(EVENTS_EMITTED, False):
            for listener in self._commit_listeners:
                listener()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def read_session(self) -> AsyncSession:
        return self._read()

    def write_session(self) -> AsyncSession:
        """A session for work that writes; the caller commits explicitly."""
        return self._write()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A write session that commits when the block ends without error, else rolls back."""
        async with self._write() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()

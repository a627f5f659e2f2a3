"""The event outbox and its dispatcher.

``core.events.emit`` writes an ``OutboxEvent`` in the same transaction as the change. The
dispatcher then, after commit:

1. fans each new event out into one ``EventDelivery`` per ``on_event`` implementation;
2. claims due deliveries with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the single
   writer lock on SQLite), so several app processes can dispatch side by side;
3. calls each handler outside any transaction, then records success, or schedules a retry with
   exponential back-off, or after ``MAX_ATTEMPTS`` records the delivery as failed with its error.

A process killed anywhere in between leaves the rows behind; the next dispatcher to run (after a
restart, or another process) picks them up: delivery is at least once.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow
from core.events import event_type
from core.plugins.calling import implementations, invoke, resolve
from core.school.models import SchoolModule

if TYPE_CHECKING:
    from core.platform import Platform

log = logging.getLogger("zhurnal.events")

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=2)
BACKOFF_MAX = timedelta(hours=1)
LEASE = timedelta(minutes=5)
BATCH = 100
KEEP_DELIVERED = timedelta(days=7)
POLL_INTERVAL = 5.0  # seconds; other processes' events are found by polling


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_pending", "fanned_out_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventDelivery(Base):
    """One event to one handler (a plugin's ``on_event``)."""

    __tablename__ = "event_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "handler"),
        Index("ix_event_delivery_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass
class DispatchReport:
    fanned_out: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def worked(self) -> bool:
        return bool(self.fanned_out or self.delivered or self.retried or self.failed)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 2 s, 4 s, 8 s ... at most an hour."""
    return min(BACKOFF_BASE * (2 ** (attempts - 1)), BACKOFF_MAX)


class Dispatcher:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def handlers(self) -> dict[str, Any]:
        return {impl.plugin_name: impl for impl in implementations(self.platform.hook.on_event)}

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self, now: datetime | None = None) -> DispatchReport:
        """Deliver everything that is due; returns what was done. The bookkeeping is batched: new
        events are fanned out and due deliveries claimed in one transaction, and a batch's
        results are recorded in another, however many events and handlers there are."""
        report = DispatchReport()
        at = now or utcnow()
        async with self.platform.db.writing() as session:
            report.fanned_out = await self._fan_out(session, at)
            claimed = await self._claim(session, at)
        while claimed:
            done = await self._deliver_batch(claimed, report, now, lease=at + LEASE)
            if done < len(claimed) or len(claimed) < BATCH:
                break
            at = now or utcnow()
            async with self.platform.db.writing() as session:
                claimed = await self._claim(session, at)
        return report

    async def _fan_out(self, session: Any, now: datetime) -> int:
        handlers = list(self.handlers)  # dependency order
        events = (
            await session.execute(
                select(OutboxEvent.id, OutboxEvent.school_id).where(OutboxEvent.fanned_out_at.is_(None))
                .order_by(OutboxEvent.id).limit(BATCH * 10).with_for_update(of=OutboxEvent, skip_locked=True)
            )
        ).all()
        if not events:
            return 0
        # A plugin a school switched off does not hear that school's events.
        schools = {s for _e, s in events if s is not None}
        switched_off = set(
            (await session.execute(
                select(SchoolModule.school_id, SchoolModule.plugin).where(
                    SchoolModule.enabled.is_(False), SchoolModule.school_id.in_(schools)
                )
            )).all()
        ) if schools else set()
        session.add_all(
            EventDelivery(event_id=event_id, handler=h, next_attempt_at=now)
            for event_id, school_id in events for h in handlers if (school_id, h) not in switched_off
        )
        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([e for e, _s in events])).values(fanned_out_at=now))
        await session.flush()  # the deliveries exist before they are claimed
        return len(events)

    async def _claim(self, session: Any, now: datetime) -> list[tuple[int, str, int, str, str]]:
        rows = (
            await session.execute(
                select(EventDelivery.id, EventDelivery.handler, EventDelivery.attempts, OutboxEvent.name, OutboxEvent.payload)
                .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
                .where(EventDelivery.state == "pending", EventDelivery.next_attempt_at <= now)
                .order_by(EventDelivery.id)
                .limit(BATCH)
                .with_for_update(of=EventDelivery, skip_locked=True)
            )
        ).all()
        if rows:  # the lease: nobody else takes these until it runs out
            await session.execute(
                update(EventDelivery).where(EventDelivery.id.in_([r[0] for r in rows])).values(next_attempt_at=now + LEASE)
            )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    async def _deliver_batch(self, claimed: list[tuple[int, str, int, str, str]], report: DispatchReport,
                             now: datetime | None, lease: datetime) -> int:
        """Call the handlers of a claimed batch and record what came of them, also when stopped
        midway (a shutdown): only the delivery in flight then is repeated. Past half the lease the
        rest is handed back, so a slow handler never lets another process take finished work."""
        outcomes: list[str | None] = []
        deadline = utcnow() + LEASE / 2
        try:
            for _id, handler, _attempts, name, payload in claimed:
                if outcomes and utcnow() > deadline:
                    break
                outcomes.append(await self._deliver(handler, name, payload))
        finally:
            await asyncio.shield(self._record(claimed, outcomes, report, now, lease))
        return len(outcomes)

    async def _deliver(self, handler: str, name: str, payload: str) -> str | None:
        """Call the handler, outside any transaction; None when it succeeded, else the error."""
        impl = self.handlers.get(handler)
        cls = event_type(name)
        if impl is None:
            return f"handler {handler!r} is not enabled in this process"
        if cls is None:
            return f"unknown event type {name!r}"
        try:
            await resolve(invoke(impl, platform=self.platform, event=cls.from_payload(payload)))
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this dispatcher is being stopped
            return f"the handler was cancelled: {exc!r}"  # the handler's own affair: a failure like any other
        except Exception as exc:
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            log.warning("event %s delivery to %s failed: %s", name, handler, error)
            return error
        return None

    async def _record(self, claimed: list[tuple[int, str, int, str, str]], outcomes: list[str | None],
                      report: DispatchReport, now: datetime | None, lease: datetime) -> None:
        """The batch's results in one transaction: the deliveries that succeeded in one statement,
        each failure on its own (a retry after a back-off, or failed for good); the deliveries not
        tried (the batch stopped early) are due again at once."""
        at = now or utcnow()
        delivered = [row[0] for row, error in zip(claimed, outcomes) if error is None]
        untried = [row[0] for row in claimed[len(outcomes):]]
        async with self.platform.db.writing() as session:
            # Only while our lease holds: past it another process owns the delivery and its result.
            if delivered:
                result = await session.execute(
                    update(EventDelivery).where(EventDelivery.id.in_(delivered), EventDelivery.next_attempt_at == lease)
                    .values(state="delivered", delivered_at=at, attempts=EventDelivery.attempts + 1, last_error=None))
                report.delivered += result.rowcount or 0
            if untried:
                await session.execute(
                    update(EventDelivery).where(EventDelivery.id.in_(untried), EventDelivery.next_attempt_at == lease)
                    .values(next_attempt_at=at))
            for (delivery_id, handler, attempts, name, _payload), error in zip(claimed, outcomes):
                if error is None:
                    continue
                attempts += 1
                values: dict[str, Any]
                if attempts >= MAX_ATTEMPTS:
                    values = {"state": "failed", "attempts": attempts, "last_error": error}
                    report.failed += 1
                    log.error("event %s could not be delivered to %s after %d attempts: %s", name, handler, attempts, error)
                else:
                    values = {"attempts": attempts, "next_attempt_at": at + backoff(attempts), "last_error": error}
                    report.retried += 1
                await session.execute(
                    update(EventDelivery)
                    .where(EventDelivery.id == delivery_id, EventDelivery.next_attempt_at == lease)
                    .values(**values)
                )

    async def prune(self, now: datetime | None = None) -> int:
        """Remove events older than a week whose deliveries all succeeded."""
        cutoff = (now or utcnow()) - KEEP_DELIVERED
        undelivered = select(EventDelivery.event_id).where(EventDelivery.state != "delivered")
        async with self.platform.db.writing() as session:
            result = await session.execute(
                delete(OutboxEvent).where(
                    OutboxEvent.fanned_out_at.is_not(None), OutboxEvent.created_at < cutoff, OutboxEvent.id.not_in(undelivered)
                )
            )
        return result.rowcount or 0

    # ---- background loop --------------------------------------------------------------------

    def start(self) -> None:
        self.platform.db.on_events_committed(self.wake)
        self._task = asyncio.create_task(self._loop(), name="zhurnal-event-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away; try again after the pause
                log.exception("event dispatcher cycle failed")
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_INTERVAL)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()


# ---- what operators see ------------------------------------------------------------------------


async def delivery_summary(platform: Platform, limit: int = 50) -> tuple[dict[str, int], list[Any]]:
    """Counts of deliveries by state (and of events not yet fanned out), and the newest failed
    deliveries with their errors."""
    async with platform.db.reading() as session:
        counts = dict(
            (await session.execute(select(EventDelivery.state, func.count()).group_by(EventDelivery.state))).all()
        )
        counts["undispatched"] = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.fanned_out_at.is_(None))
        ) or 0
        failed = (
            await session.execute(
                select(EventDelivery.id, OutboxEvent.name, EventDelivery.handler, EventDelivery.attempts, EventDelivery.last_error)
                .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
                .where(EventDelivery.state == "failed")
                .order_by(EventDelivery.id.desc())
                .limit(limit)
            )
        ).all()
    return counts, list(failed)


async def retry_failed(platform: Platform) -> int:
    """Give failed deliveries a fresh set of attempts (after the cause was fixed)."""
    async with platform.db.writing() as session:
        result = await session.execute(
            update(EventDelivery)
            .where(EventDelivery.state == "failed")
            .values(state="pending", attempts=0, next_attempt_at=utcnow())
        )
    return result.rowcount or 0

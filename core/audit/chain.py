"""Tamper evidence for the audit log: one hash chain per school, sealed in batches.

Sealing takes every record added since the last round and, school by school, extends the
school's chain: ``head = SHA-256(previous head, record)`` for each record in id order. The
batch's head is stored in ``audit_seal``. ``verify`` recomputes every batch from the records
still in the database: a record changed, removed or added after sealing, or a batch cut off the
end, gives a head or a count that does not match. Chain heads exported earlier (``heads``)
catch the last resort, the end of the chain removed together with its seals.

Records are not chained as they are written: that would make every write wait for the school's
previous record. Sealing runs in housekeeping (hourly) and from ``zhurnal audit seal``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, AsyncIterator

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.models import AuditPurge, AuditRecord, AuditSeal
from core.db.types import utcnow
from core.school.models import School

GENESIS = "0" * 64
CHUNK = 2000  # records read at a time
PLATFORM_RETENTION_DAYS = 365  # records of no school: sign-ins before a school is chosen, unknown logins
MIN_RETENTION_DAYS = 365  # no school keeps its records shorter (core.school.models.AUDIT_RETENTION_DAYS)

SchoolKey = int | None  # a school's id, or None for the installation's own chain


def record_digest(previous_head: str, row: Any) -> str:
    """The chain's next head after ``row`` (an ``AuditRecord`` or a row with its columns)."""
    fields = [row.id, row.at.isoformat(timespec="microseconds"), row.actor_id, row.actor_role, row.school_id, row.action,
              row.object_type, row.object_id, row.result, row.address, row.request_id, row.details]
    text_ = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous_head}\n{text_}".encode()).hexdigest()


EVERY_SCHOOL = object()


async def _records(session: AsyncSession, after_id: int, through_id: int, school: Any = EVERY_SCHOOL) -> AsyncIterator[Any]:
    """Records with ids in (after_id, through_id] (of one school, or ``None``: of no school), in id
    order, a chunk at a time."""
    columns = AuditRecord.__table__.c
    while True:
        query = select(AuditRecord.__table__).where(columns.id > after_id, columns.id <= through_id).order_by(columns.id).limit(CHUNK)
        if school is not EVERY_SCHOOL:
            query = query.where(columns.school_id.is_(None) if school is None else columns.school_id == school)
        rows = (await session.execute(query)).all()
        for row in rows:
            yield row
        if len(rows) < CHUNK:
            return
        after_id = rows[-1].id


async def _last_seals(session: AsyncSession) -> dict[SchoolKey, AuditSeal]:
    latest = select(func.max(AuditSeal.id)).group_by(AuditSeal.school_id)
    return {seal.school_id: seal for seal in (await session.scalars(select(AuditSeal).where(AuditSeal.id.in_(latest))))}


@dataclass
class _Batch:
    first_id: int
    previous_head: str
    head: str
    last_id: int = 0
    records: int = 0
    newest_at: datetime | None = None


async def seal_pending(session: AsyncSession) -> list[AuditSeal]:
    """Seal every record added since the last round; one batch per school that has new records.

    On PostgreSQL the table is locked against inserts while sealing (milliseconds per thousand
    records), so that a record whose transaction commits late cannot land below a sealed id.
    SQLite has one writer at a time anyway. Several processes may seal at once: the lock orders them."""
    if session.get_bind().dialect.name == "postgresql":
        # Waiting writers queue behind a waiting lock: give up soon and seal in the next round.
        await session.execute(text("SET LOCAL lock_timeout = '3s'"))
        await session.execute(text("LOCK TABLE audit_record IN SHARE ROW EXCLUSIVE MODE"))
    sealed_through = await session.scalar(select(func.max(AuditSeal.through_id))) or 0
    through = await session.scalar(select(func.max(AuditRecord.id)))
    if through is None or through <= sealed_through:
        return []
    heads = {school: seal.head for school, seal in (await _last_seals(session)).items()}
    batches: dict[SchoolKey, _Batch] = {}
    async for row in _records(session, sealed_through, through):  # every school's, in one pass
        batch = batches.get(row.school_id)
        if batch is None:
            previous = heads.get(row.school_id, GENESIS)
            batch = batches[row.school_id] = _Batch(first_id=row.id, previous_head=previous, head=previous)
        batch.head = record_digest(batch.head, row)
        batch.last_id, batch.records = row.id, batch.records + 1
        batch.newest_at = max(batch.newest_at or row.at, row.at)
    seals = [AuditSeal(school_id=school, first_id=b.first_id, last_id=b.last_id, through_id=through, records=b.records,
                       newest_at=b.newest_at, previous_head=b.previous_head, head=b.head) for school, b in batches.items()]
    session.add_all(seals)
    await session.flush()
    return seals


# ---- verifying ---------------------------------------------------------------------------------


@dataclass
class ChainReport:
    """What ``verify`` found, per chain; ``problems`` empty means the log is intact."""

    schools: int = 0
    batches: int = 0
    records: int = 0
    purged_batches: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _chain_name(school_id: SchoolKey) -> str:
    return "installation" if school_id is None else f"school {school_id}"


async def verify(session: AsyncSession, exported_heads: list[dict[str, Any]] | None = None,
                 now: datetime | None = None) -> ChainReport:
    """Recompute every school's chain from its records and compare it with the seals. A purge
    counts only when it is plausible (whole batches at least a year old when purged), so a forged
    purge row cannot hide a removal. On PostgreSQL one snapshot is read, as a purge may commit meanwhile."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    report, now = ChainReport(), now or utcnow()
    seals: dict[SchoolKey, list[AuditSeal]] = {}
    for seal in await session.scalars(select(AuditSeal).order_by(AuditSeal.id)):
        seals.setdefault(seal.school_id, []).append(seal)
    purges: dict[SchoolKey, list[AuditPurge]] = {}
    for purge in await session.scalars(select(AuditPurge).order_by(AuditPurge.id)):
        purges.setdefault(purge.school_id, []).append(purge)
    sealed_through = max((s.through_id for chain in seals.values() for s in chain), default=0)
    live: dict[SchoolKey, int] = {}
    for school_id, chain in seals.items():
        report.schools += 1
        purged_through = _plausible_purges(school_id, chain, purges.get(school_id, []), now, report)
        live[school_id] = await _verify_chain(session, school_id, chain, purged_through, report)
    found = dict((await session.execute(select(AuditRecord.school_id, func.count()).where(AuditRecord.id <= sealed_through)
                                        .group_by(AuditRecord.school_id))).all())
    for school_id in sorted(set(found) | set(live), key=lambda key: (key is not None, key or 0)):
        if found.get(school_id, 0) != live.get(school_id, 0):
            report.problems.append(f"{_chain_name(school_id)}: {found.get(school_id, 0)} records below the last seal, "
                                   f"{live.get(school_id, 0)} in its live batches: records were added outside them")
    report.unsealed = await session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.id > sealed_through)) or 0
    _compare_exported(seals, exported_heads or [], report)
    return report


def _plausible_purges(school_id: SchoolKey, chain: list[AuditSeal], purges: list[AuditPurge], now: datetime,
                      report: ChainReport) -> int:
    """The last batch a believable purge removed: each purge moves forward, came at least the minimum
    retention after its batches' newest record, and is not dated in the future."""
    by_id, through = {seal.id: seal for seal in chain}, 0
    for purge in purges:
        seal = by_id.get(purge.through_seal_id)
        believable = (seal is not None and purge.through_seal_id > through and purge.purged_at <= now
                      and seal.newest_at < purge.older_than <= purge.purged_at - timedelta(days=MIN_RETENTION_DAYS))
        if not believable:
            report.problems.append(f"{_chain_name(school_id)}: purge {purge.id} removes batches younger than the shortest "
                                   "retention or out of order: it was forged to hide a removal")
            continue
        through = purge.through_seal_id
    return through


async def _verify_chain(session: AsyncSession, school_id: SchoolKey, chain: list[AuditSeal], purged_through: int,
                        report: ChainReport) -> int:
    """Check the chain's batches; returns how many records were found in its live batches' ranges."""
    name, head, after_id, live = _chain_name(school_id), GENESIS, 0, 0
    for seal in chain:
        report.batches += 1
        if seal.previous_head != head:
            report.problems.append(f"{name}: batch {seal.id} does not continue the previous batch (a seal was removed or changed)")
        if seal.id <= purged_through:  # removed at the end of its retention; its head carries the chain on
            report.purged_batches += 1
        else:
            count, head = 0, seal.previous_head
            async for row in _records(session, after_id, seal.last_id, school_id):
                head, count = record_digest(head, row), count + 1
            report.records, live = report.records + count, live + count
            if count != seal.records:
                report.problems.append(f"{name}: batch {seal.id} (records {seal.first_id}–{seal.last_id}) has {count} "
                                       f"records, {seal.records} were sealed: records were removed or added")
            elif head != seal.head:
                report.problems.append(f"{name}: batch {seal.id} (records {seal.first_id}–{seal.last_id}): a record was changed")
        head, after_id = seal.head, seal.last_id
    return live


def _compare_exported(seals: dict[SchoolKey, list[AuditSeal]], exported: list[dict[str, Any]], report: ChainReport) -> None:
    by_id = {seal.id: seal for chain in seals.values() for seal in chain}
    for entry in exported:
        seal = by_id.get(int(entry["batch"]))
        if seal is None or seal.head != entry["head"] or seal.school_id != entry.get("school_id"):
            report.problems.append(f"{_chain_name(entry.get('school_id'))}: the exported head of batch {entry['batch']} "
                                   f"sealed at {entry.get('sealed_at', '?')} is not in the database: the chain was cut or rewritten")


async def chain_heads(session: AsyncSession, school_id: SchoolKey | bool = False) -> list[dict[str, Any]]:
    """The latest seal of each chain (or of one school's), to keep outside the database."""
    found = await _last_seals(session)
    chosen = found.values() if school_id is False else [s for s in found.values() if s.school_id == school_id]
    return [{"school_id": s.school_id, "batch": s.id, "last_record": s.last_id, "records_through": s.through_id,
             "head": s.head, "sealed_at": s.sealed_at.isoformat(timespec="seconds")}
            for s in sorted(chosen, key=lambda s: (s.school_id is not None, s.school_id or 0))]


# ---- retention ---------------------------------------------------------------------------------


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Remove each school's sealed batches whose newest record is older than its retention.
    Whole batches only, so the chain carries on from a stored head. Returns the records removed."""
    retention: dict[SchoolKey, int] = dict((await session.execute(select(School.id, School.audit_retention_days))).all())
    purged = dict((await session.execute(
        select(AuditPurge.school_id, func.max(AuditPurge.through_seal_id)).group_by(AuditPurge.school_id))).all())
    removed = 0
    for school_id in [None, *retention]:
        older_than = now - timedelta(days=retention.get(school_id, PLATFORM_RETENTION_DAYS))
        same_school = AuditSeal.school_id.is_(None) if school_id is None else AuditSeal.school_id == school_id
        last = (await session.execute(
            select(AuditSeal.id, AuditSeal.last_id).where(same_school, AuditSeal.id > purged.get(school_id, 0),
                                                          AuditSeal.newest_at < older_than)
            .order_by(AuditSeal.id.desc()).limit(1))).first()
        if last is None:
            continue
        record_school = AuditRecord.school_id.is_(None) if school_id is None else AuditRecord.school_id == school_id
        count = await session.scalar(select(func.count()).where(record_school, AuditRecord.id <= last.last_id)) or 0
        session.add(AuditPurge(school_id=school_id, through_seal_id=last.id, records=count, older_than=older_than, purged_at=now))
        await session.flush()  # the database lets the records go only once the purge is written
        await session.execute(delete(AuditRecord).where(record_school, AuditRecord.id <= last.last_id))
        removed += count
    return removed

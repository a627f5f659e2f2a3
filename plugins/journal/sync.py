"""Journal lessons kept in step with the timetable.

``sync_lessons`` makes the lesson rows of a date range match the timetable and its changes: a new
lesson gets a row; a moved lesson keeps its row (its identity is the weekly slot and the date the
timetable planned it for) and gets its new day and number; a substituted lesson gets its
substitute as teacher and the kind of substitution. A lesson the timetable no longer gives is
deleted when it holds nothing, and otherwise becomes ``cancelled`` for its teacher to decide
(``plugins.journal.decisions``). Extra lessons a teacher added are never touched.

Rows are created up to a per-year watermark (``journal_sync``): pages move it forward to the
dates they show (``ensure_synced``), and the events of the timetable re-sync the dates they name.
Each run reads the timetable in a fixed number of statements and writes in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.events import Event, TimetableChanged, TimetableEdited
from core.structure.common import lock_school
from core.structure.models import AcademicYear
from core.timetable.lessons import CANCELLED, MOVED_AWAY, MOVED_IN, Lesson, TimetableData, load_timetable
from plugins.journal.models import JournalAttendance, JournalGrade, JournalLesson, JournalSync
from plugins.journal.plan_feed import feed_pages, has_plans

Key = tuple[int, int, date]  # page, weekly slot, the date the timetable planned the lesson for
SYNCED_FIELDS = ("academic_year_id", "day", "number", "teacher_id", "replaced_teacher_id", "change_kind", "change_id")


@dataclass
class Wanted:
    academic_year_id: int
    day: date
    number: int | None
    teacher_id: int | None
    replaced_teacher_id: int | None
    change_kind: str | None
    change_id: int | None


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    cancelled: int = 0  # lessons with data the timetable no longer gives: their teacher decides
    restored: int = 0  # cancelled lessons the timetable gives again


def wanted_lessons(data: TimetableData, start: date, end: date) -> dict[Key, Wanted]:
    """The journal lessons the timetable gives for lessons planned (or moved to) ``start .. end``."""
    wanted: dict[Key, Wanted] = {}
    day = start
    while day <= end:
        for lesson in data.lessons_on(day):
            found = _wanted(data, lesson)
            if found is not None:
                wanted[found[0]] = found[1]
        day += timedelta(days=1)
    return wanted


def _wanted(data: TimetableData, lesson: Lesson) -> tuple[Key, Wanted] | None:
    if lesson.status == CANCELLED or lesson.slot_id is None:
        return None
    change = lesson.change
    kind = change.kind if change is not None else None
    replaced = lesson.planned_teacher_id if lesson.planned_teacher_id != lesson.teacher_id else None
    if lesson.status == MOVED_AWAY:  # given on another day: the row follows it there
        assert change is not None and change.to_date is not None
        slot = data.slot(lesson.slot_id)
        teacher = data.teacher_on(lesson.page.id, change.to_date, slot.teacher_id if slot else lesson.teacher_id)
        return (lesson.page.id, lesson.slot_id, lesson.day), Wanted(
            lesson.page.year_id, change.to_date, change.to_number, teacher, None, "move", change.id)
    planned_on = change.on_date if lesson.status == MOVED_IN and change is not None else lesson.day
    return (lesson.page.id, lesson.slot_id, planned_on), Wanted(
        lesson.page.year_id, lesson.day, lesson.number, lesson.teacher_id, replaced, kind, change.id if change else None)


async def sync_lessons(session: AsyncSession, school_id: int, start: date, end: date) -> SyncReport:
    """Make the school's timetable lessons planned for ``start .. end`` match the timetable."""
    await lock_school(session, school_id)
    data = await load_timetable(session, school_id, start, end)
    wanted = wanted_lessons(data, start, end)
    rows = list((await session.execute(select(JournalLesson).where(
        JournalLesson.school_id == school_id, JournalLesson.origin == "timetable",
        or_(JournalLesson.slot_date.between(start, end),  # and those moved here from other dates
            JournalLesson.slot_date.in_({key[2] for key in wanted if not start <= key[2] <= end} or {start}))))).scalars())
    report = SyncReport()
    existing: dict[Key, JournalLesson] = {}
    for row in rows:
        assert row.slot_id is not None and row.slot_date is not None
        existing[(row.subject_page_id, row.slot_id, row.slot_date)] = row
    gone = [row for key, row in existing.items() if key not in wanted and start <= key[2] <= end]
    _rekey(gone, wanted, existing)
    moved = _update_existing(existing, wanted, report)
    retired = [row for row in gone if (row.subject_page_id, row.slot_id, row.slot_date) not in wanted]
    await _retire(session, retired, report)
    new = [(key, want) for key, want in wanted.items() if key not in existing]
    if new:
        await session.execute(JournalLesson.__table__.insert(), [
            {"school_id": school_id, "subject_page_id": key[0], "slot_id": key[1], "slot_date": key[2],
             "origin": "timetable", "state": "active", "topic": "", "homework": "", "no_homework": False, "note": "",
             "version": 1, **vars(want)} for key, want in new])
        report.created = len(new)
    await session.flush()
    # New and moved lessons take their topics from the plans (a fixed number of reads when no page has one).
    if await has_plans(session, school_id):
        await feed_pages(session, school_id, {key[0] for key, _want in new} | moved | {row.subject_page_id for row in retired})
    return report


def _rekey(gone: list[JournalLesson], wanted: dict[Key, Wanted], existing: dict[Key, JournalLesson]) -> None:
    """A new timetable version copies its slots under new ids: the same lesson (page, planned
    date and number) keeps its row and data instead of being cancelled and created again."""
    fresh = {(key[0], key[2], want.number): key for key, want in wanted.items() if key not in existing}
    for row in gone:
        key = fresh.pop((row.subject_page_id, row.slot_date, row.number), None)  # type: ignore[arg-type]
        if key is not None:
            del existing[(row.subject_page_id, row.slot_id, row.slot_date)]  # type: ignore[arg-type]
            row.slot_id = key[1]
            existing[key] = row


def _update_existing(existing: dict[Key, JournalLesson], wanted: dict[Key, Wanted], report: SyncReport) -> set[int]:
    """Bring the existing rows in step; the pages whose lessons changed."""
    pages: set[int] = set()
    for key, row in existing.items():
        want = wanted.get(key)
        if want is None:
            continue
        changed = False
        for name in SYNCED_FIELDS:
            if getattr(row, name) != getattr(want, name):
                setattr(row, name, getattr(want, name))
                changed = True
        if row.state == "cancelled":  # the change was withdrawn: the lesson is given after all
            row.state = "active"
            report.restored += 1
            changed = True
        report.updated += changed
        if changed:
            pages.add(row.subject_page_id)
    return pages


async def _retire(session: AsyncSession, rows: list[JournalLesson], report: SyncReport) -> None:
    """Lessons no longer given: delete the empty ones; those holding data wait for their teacher."""
    if not rows:
        return
    ids = [row.id for row in rows]
    with_data = set((await session.execute(select(JournalAttendance.lesson_id).where(
        JournalAttendance.lesson_id.in_(ids)).distinct())).scalars())
    with_data |= set((await session.execute(select(JournalGrade.lesson_id).where(
        JournalGrade.lesson_id.in_(ids)).distinct())).scalars())
    empty = []
    for row in rows:
        if row.id in with_data or _own_text(row) or row.no_homework or row.note:
            if row.state == "active" and row.decision is None:
                row.state = "cancelled"
                report.cancelled += 1
        else:
            empty.append(row.id)
    if empty:
        await session.flush()
        # Empty when read, and still empty now: a teacher's save that committed meanwhile keeps its
        # lesson (the conditions are checked on the row again once the save's lock is released).
        deleted = await session.execute(delete(JournalLesson).where(
            JournalLesson.id.in_(empty), or_(JournalLesson.topic == "", JournalLesson.plan_topic),
            or_(JournalLesson.homework == "", JournalLesson.plan_homework),
            JournalLesson.note == "", JournalLesson.no_homework.is_(False),
            ~select(JournalAttendance.id).where(JournalAttendance.lesson_id == JournalLesson.id).exists(),
            ~select(JournalGrade.id).where(JournalGrade.lesson_id == JournalLesson.id).exists()))
        report.deleted = deleted.rowcount or 0
        if report.deleted < len(empty):  # filled meanwhile: its teacher decides, as for any lesson with data
            await session.execute(update(JournalLesson).where(JournalLesson.id.in_(empty), JournalLesson.state == "active")
                                  .values(state="cancelled"))
            report.cancelled += len(empty) - report.deleted


def _own_text(row: JournalLesson) -> bool:
    """Whether the lesson holds a topic or homework a teacher typed (the plan's text is not data:
    the plan gives it to the next lesson)."""
    return bool(row.topic and not row.plan_topic or row.homework and not row.plan_homework)


# ---- how far lessons exist -----------------------------------------------------------------------


async def ensure_synced(session: AsyncSession, school_id: int, through: date) -> SyncReport | None:
    """Create the lessons of the school year containing ``through`` up to that day, if not yet."""
    year = await session.scalar(select(AcademicYear).where(
        AcademicYear.school_id == school_id, AcademicYear.starts_on <= through, AcademicYear.ends_on >= through))
    if year is None:
        return None
    await lock_school(session, school_id)  # two first visits of the year: one creates, the other waits
    mark = await session.scalar(select(JournalSync).where(
        JournalSync.school_id == school_id, JournalSync.academic_year_id == year.id))
    if mark is not None and mark.synced_to >= through:
        return None
    start = year.starts_on if mark is None else mark.synced_to + timedelta(days=1)
    report = await sync_lessons(session, school_id, start, through)
    if mark is None:
        session.add(JournalSync(school_id=school_id, academic_year_id=year.id, synced_to=through))
    else:
        mark.synced_to = through
    await session.flush()
    return report


async def resync(session: AsyncSession, school_id: int, start: date, end: date) -> SyncReport | None:
    """Re-sync ``start .. end`` where lessons already exist (later dates are created when reached)."""
    synced_to = await session.scalar(select(JournalSync.synced_to).where(
        JournalSync.school_id == school_id, JournalSync.synced_to >= start).order_by(JournalSync.synced_to.desc()).limit(1))
    if synced_to is None:
        return None
    return await sync_lessons(session, school_id, start, min(end, synced_to))


async def handle_event(platform: Any, event: Event) -> None:
    """Keep lessons in step with the timetable's events (idempotent: a re-sync changes nothing)."""
    if event.school_id is None:
        return
    if isinstance(event, TimetableChanged):
        ranges = [(event.on_date, event.ends_on or event.on_date)]
        if event.to_date is not None:
            ranges.append((event.to_date, event.to_date))
        async with platform.db.writing() as session:
            for start, end in ranges:
                await resync(session, event.school_id, start, end)
    elif isinstance(event, TimetableEdited):
        async with platform.db.writing() as session:
            await resync(session, event.school_id, event.valid_from, date.max - timedelta(days=1))



async def sync_through(platform: Any, school_id: int, through: date) -> None:
    """Before a page reads lessons up to ``through`` (capped at its school year's end): create them
    if the watermark is behind. One read when it is not, so pages stay read-only on most requests."""
    async with platform.db.reading() as session:
        year = (await session.execute(select(AcademicYear.id, AcademicYear.ends_on).where(
            AcademicYear.school_id == school_id, AcademicYear.starts_on <= through)
            .order_by(AcademicYear.starts_on.desc()).limit(1))).first()
        if year is None:
            return
        target = min(through, year.ends_on)
        done = await session.scalar(select(JournalSync.id).where(
            JournalSync.academic_year_id == year.id, JournalSync.synced_to >= target))
    if done is None:
        async with platform.db.writing() as session:
            from plugins.journal.rules import ensure_defaults

            await ensure_defaults(session, school_id)
            await ensure_synced(session, school_id, target)


async def sync_after_lesson(platform: Any, school_id: int, lesson_id: int, ahead: timedelta) -> None:
    """The lesson's year has its lessons up to ``ahead`` past the lesson: one statement when it does."""
    async with platform.db.reading() as session:
        found = (await session.execute(
            select(JournalLesson.day, AcademicYear.ends_on, JournalSync.synced_to)
            .join(AcademicYear, AcademicYear.id == JournalLesson.academic_year_id)
            .outerjoin(JournalSync, JournalSync.academic_year_id == AcademicYear.id)
            .where(JournalLesson.id == lesson_id, JournalLesson.school_id == school_id))).first()
    if found is None:
        return
    day, ends_on, synced_to = found
    target = min(day + ahead, ends_on)
    if synced_to is None or synced_to < target:
        await sync_through(platform, school_id, target)

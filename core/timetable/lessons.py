"""The lessons of a day, as the weekly timetable and its changes make them.

``load_timetable`` reads everything a date range needs in a fixed number of statements (years,
grade-level settings, versions, slots, pages, days off, bells, assignments, changes, names);
``TimetableData.lessons_on`` then works in memory. A day's lessons come from the version in force
that day (the latest whose ``valid_from`` is not after it), the slots of its weekday and week
parity, minus the grade levels on vacation or holiday; the teacher is the slot's teacher while
they hold the page, else the page's teacher that day (a replacement); changes of the day apply on
top, and lessons moved to the day are added.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import date, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.structure.common import overlapping
from core.structure.models import (
    AcademicYear, Bell, BellSchedule, CalendarDays, ClassGroup, GradeLevelSettings, StudyGroup, StudyGroupClass, Subject,
    SubjectPage, TeachingAssignment,
)
from core.timetable.models import Room, Timetable, TimetableChange, TimetableSlot

ACTIVE, CANCELLED, MOVED_AWAY, MOVED_IN, CHANGED = "planned", "cancelled", "moved_away", "moved_in", "changed"


@dataclass(frozen=True)
class PageInfo:
    """A subject page as the timetable shows it, with the classes whose students it teaches."""

    id: int
    subject_id: int
    subject: str
    short: str
    holder: str  # «5А» or the group's name
    class_ids: tuple[int, ...]
    group_id: int | None
    grade_level: int
    shift: int
    year_id: int


@dataclass(frozen=True)
class SlotRow:
    id: int
    timetable_id: int
    weekday: int
    number: int
    parity: str
    page_id: int
    teacher_id: int
    room_id: int | None


@dataclass
class Lesson:
    """One lesson of one day (or of a weekday, in the weekly editor)."""

    day: date
    number: int
    page: PageInfo
    teacher_id: int | None
    room_id: int | None
    starts_at: time | None = None
    ends_at: time | None = None
    slot_id: int | None = None
    status: str = ACTIVE
    change: TimetableChange | None = None
    planned_teacher_id: int | None = None  # the timetable's teacher, when someone else gives the lesson
    planned_page: PageInfo | None = None  # the timetable's page, when another subject is given instead
    merged_into: int | None = None  # the slot whose lesson this group joins

    @property
    def given(self) -> bool:
        """Whether the lesson takes place at this time (not cancelled, not moved away)."""
        return self.status not in (CANCELLED, MOVED_AWAY)

    @property
    def key(self) -> str:
        return f"s{self.slot_id}" if self.status != MOVED_IN else f"m{self.change.id if self.change else 0}"


def week_parity(year: AcademicYear, day: date) -> str:
    """«odd» in the week the year starts in and every other week after it; «even» in the others."""
    first_monday = year.starts_on - timedelta(days=year.starts_on.weekday())
    return "odd" if ((day - first_monday).days // 7) % 2 == 0 else "even"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def first_weekday(start: date, weekday: int) -> date:
    """The first date on or after ``start`` that falls on ``weekday``."""
    return start + timedelta(days=(weekday - start.weekday()) % 7)


@dataclass
class BellTimes:
    schedule_id: int
    year_id: int
    shift: int
    kind: str
    grade_level: int | None
    valid_from: date | None
    valid_to: date | None
    times: dict[int, tuple[time, time]]

    def holds(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass
class TimetableData:
    """Everything the lessons of a date range need, read once."""

    years: list[AcademicYear]
    levels: dict[tuple[int, int], GradeLevelSettings]
    versions: dict[int, list[Timetable]]  # year id → versions by valid_from
    slots: dict[int, list[SlotRow]]  # version id → slots
    pages: dict[int, PageInfo]
    days_off: list[CalendarDays]
    bells: list[BellTimes]
    assignments: dict[int, list[tuple[int, date, date | None]]]  # page id → (teacher, starts, ends)
    changes: list[TimetableChange]
    teacher_names: dict[int, str] = field(default_factory=dict)
    rooms: dict[int, Room] = field(default_factory=dict)
    classes: dict[int, ClassGroup] = field(default_factory=dict)
    changed_slots: dict[int, SlotRow] = field(default_factory=dict)  # slots of other versions the changes name

    # ---- the calendar ---------------------------------------------------------------------------

    def year_of(self, day: date) -> AcademicYear | None:
        return next((year for year in self.years if year.starts_on <= day <= year.ends_on), None)

    def version_on(self, day: date) -> Timetable | None:
        year = self.year_of(day)
        in_force = [v for v in self.versions.get(year.id, []) if v.valid_from <= day] if year else []
        return in_force[-1] if in_force else None

    def version_span(self, version: Timetable) -> tuple[date, date]:
        """The days ``version`` is in force: from its first day to the day before the next
        version begins, or to the end of its year."""
        later = [v.valid_from for v in self.versions.get(version.academic_year_id, []) if v.valid_from > version.valid_from]
        year = next(year for year in self.years if year.id == version.academic_year_id)
        return version.valid_from, min(later) - timedelta(days=1) if later else year.ends_on

    def day_off(self, day: date, grade_level: int) -> CalendarDays | None:
        """The vacation or holiday that takes ``day`` from the grade level, if any."""
        return next((row for row in self.days_off if row.kind != "shortened" and row.starts_on <= day <= row.ends_on
                     and row.grade_from <= grade_level <= row.grade_to), None)

    def studies_on(self, day: date, grade_level: int) -> bool:
        """A lesson day of the grade level: within its year, on its week's days, not a day off."""
        year = self.year_of(day)
        level = self.levels.get((year.id, grade_level)) if year else None
        return level is not None and day.weekday() < level.days_per_week and self.day_off(day, grade_level) is None

    def daily_limit(self, year_id: int, grade_level: int) -> int:
        level = self.levels.get((year_id, grade_level))
        return level.daily_limit if level else 7

    def bell_times(self, day: date, shift: int, grade_level: int, *, regular_only: bool = False) -> dict[int, tuple[time, time]]:
        """Lesson number → (start, end) on ``day``: first grade's stepped mode in its dates, the
        shortened schedule on a shortened day, else the regular one; a grade level's own schedule
        before the shift's general one."""
        year = self.year_of(day)
        if year is None:
            return {}
        shortened = not regular_only and any(
            row.kind == "shortened" and row.starts_on <= day <= row.ends_on and row.grade_from <= grade_level <= row.grade_to
            for row in self.days_off)
        wanted = ["regular"] if regular_only else (["stepped"] + (["shortened"] if shortened else []) + ["regular"])
        fitting = [b for b in self.bells if b.year_id == year.id and b.shift == shift and b.holds(day)
                   and b.grade_level in (None, grade_level) and b.kind in wanted]
        if not fitting:
            return {}
        best = min(fitting, key=lambda b: (wanted.index(b.kind), b.grade_level is None, b.valid_from is None, b.schedule_id))
        return best.times

    # ---- lessons --------------------------------------------------------------------------------

    def teacher_on(self, page_id: int, day: date, preferred: int | None) -> int | None:
        """The preferred (timetable's) teacher while they hold the page, else the page's teacher that day."""
        holding = [teacher for teacher, starts, ends in self.assignments.get(page_id, [])
                   if starts <= day and (ends is None or day <= ends)]
        if preferred in holding or not holding:
            return preferred
        substitute = next((change.teacher_id for change in self.changes if change.kind == "replacement"
                           and change.subject_page_id == page_id and change.replaced_teacher_id == preferred
                           and change.on_date <= day <= (change.ends_on or day) and change.teacher_id in holding), None)
        return substitute or holding[0]

    def planned_on(self, day: date) -> list[Lesson]:
        """The timetable's lessons of ``day``, before its changes."""
        version = self.version_on(day)
        if version is None or version.valid_from > day:
            return []
        year = self.year_of(day)
        assert year is not None
        parity = week_parity(year, day)
        lessons = []
        for slot in self.slots.get(version.id, []):
            if slot.weekday != day.weekday() or slot.parity not in ("every", parity):
                continue
            page = self.pages.get(slot.page_id)
            if page is None or not self.studies_on(day, page.grade_level):
                continue
            teacher = self.teacher_on(page.id, day, slot.teacher_id)
            lessons.append(self.timed(Lesson(
                day=day, number=slot.number, page=page, teacher_id=teacher, room_id=slot.room_id, slot_id=slot.id,
                planned_teacher_id=slot.teacher_id if teacher != slot.teacher_id else None)))
        return lessons

    def timed(self, lesson: Lesson) -> Lesson:
        times = self.bell_times(lesson.day, lesson.page.shift, lesson.page.grade_level)
        lesson.starts_at, lesson.ends_at = times.get(lesson.number, (None, None))
        return lesson

    def lessons_on(self, day: date) -> list[Lesson]:
        """The day's lessons with its changes: cancelled and moved-away ones stay in the list
        (marked), lessons moved here from another day or number are added."""
        lessons = self.planned_on(day)
        by_slot = {lesson.slot_id: lesson for lesson in lessons}
        for change in self.changes:
            if change.kind == "replacement":
                for lesson in lessons:
                    if lesson.page.id == change.subject_page_id and change.on_date <= day <= (change.ends_on or day) \
                            and lesson.teacher_id == change.teacher_id and lesson.change is None:
                        lesson.status, lesson.change = CHANGED, change
                        lesson.planned_teacher_id = change.replaced_teacher_id
            elif change.on_date == day and change.slot_id in by_slot and change.kind != "merge":
                self._apply(by_slot[change.slot_id], change, by_slot)
        for change in self.changes:  # a merged group follows its host lesson as the day's changes left it
            if change.kind == "merge" and change.on_date == day and change.slot_id in by_slot:
                self._apply(by_slot[change.slot_id], change, by_slot)
        for change in self.changes:
            if change.kind == "move" and change.to_date == day:
                moved = self._moved_in(change)
                if moved is not None:
                    lessons.append(moved)
        return sorted(lessons, key=lambda lesson: (lesson.page.grade_level, lesson.page.holder, lesson.number, lesson.key))

    def _apply(self, lesson: Lesson, change: TimetableChange, by_slot: dict[int | None, Lesson]) -> None:
        lesson.change = change
        lesson.status = {"cancel": CANCELLED, "move": MOVED_AWAY}.get(change.kind, CHANGED)
        if change.kind in ("substitute", "other_subject", "merge"):
            lesson.planned_teacher_id = lesson.teacher_id
        if change.kind in ("substitute", "other_subject"):
            lesson.teacher_id = change.teacher_id
        if change.kind == "other_subject" and change.subject_page_id in self.pages:
            lesson.planned_page, lesson.page = lesson.page, self.pages[change.subject_page_id]
        if change.kind == "merge":
            host = by_slot.get(change.merged_slot_id)
            lesson.merged_into = change.merged_slot_id
            if host is not None and host.given:
                lesson.teacher_id, lesson.room_id = host.teacher_id, host.room_id
            elif host is not None:  # the host lesson is not given after all: neither is the merged one
                lesson.status = CANCELLED
        if change.room_id is not None and change.kind != "cancel":
            lesson.room_id = change.room_id

    def _moved_in(self, change: TimetableChange) -> Lesson | None:
        slot = self.slot(change.slot_id)
        page = self.pages.get(slot.page_id) if slot else None
        if slot is None or page is None or change.to_date is None or change.to_number is None:
            return None
        teacher = self.teacher_on(page.id, change.to_date, slot.teacher_id)
        return self.timed(Lesson(day=change.to_date, number=change.to_number, page=page, teacher_id=teacher,
                                 room_id=change.room_id or slot.room_id, slot_id=slot.id, status=MOVED_IN, change=change))

    def weekly_lessons(self, version: Timetable, weekday: int, parity: str, reference: date) -> list[Lesson]:
        """The version's lessons of a weekday in a week of ``parity`` («odd», «even»), timed by the
        regular bells of ``reference`` (a date of that weekday): what the weekly editor checks."""
        lessons = []
        for slot in self.slots.get(version.id, []):
            if slot.weekday != weekday or slot.parity not in ("every", parity) or slot.page_id not in self.pages:
                continue
            lessons.append(self.weekly_lesson(slot, reference))
        return lessons

    def weekly_lesson(self, slot: SlotRow, reference: date) -> Lesson:
        page = self.pages[slot.page_id]
        times = self.bell_times(reference, page.shift, page.grade_level, regular_only=True)
        starts, ends = times.get(slot.number, (None, None))
        return Lesson(day=reference, number=slot.number, page=page, teacher_id=slot.teacher_id, room_id=slot.room_id,
                      starts_at=starts, ends_at=ends, slot_id=slot.id)

    def slot(self, slot_id: int | None) -> SlotRow | None:
        """A slot of the loaded versions, or one a change of the range points to (a lesson moved
        here from a day of another version)."""
        return self.slot_index.get(slot_id or 0)

    @cached_property
    def slot_index(self) -> dict[int, SlotRow]:
        return {**self.changed_slots, **{s.id: s for rows in self.slots.values() for s in rows}}

    def with_slot(self, slot: SlotRow) -> "TimetableData":
        """A copy with ``slot`` added to (or replacing its id in) its version: a proposal to check."""
        rows = [s for s in self.slots.get(slot.timetable_id, []) if s.id != slot.id] + [slot]
        return replace(self, slots={**self.slots, slot.timetable_id: rows})


SLOT_COLUMNS = (TimetableSlot.id, TimetableSlot.timetable_id, TimetableSlot.weekday, TimetableSlot.lesson_number,
                TimetableSlot.week_parity, TimetableSlot.subject_page_id, TimetableSlot.teacher_id, TimetableSlot.room_id)


async def load_timetable(session: AsyncSession, school_id: int, start: date, end: date, *,
                         page_ids: Collection[int] | None = None) -> TimetableData:
    """Everything for the lessons of ``start`` .. ``end``, in fourteen statements whatever the size.

    With ``page_ids``, only those pages' lessons are built (a student's diary reads its few classes
    without the whole school's): their slots, the slots their merged groups join (the host's lesson
    decides the guest's) and the pages those and their changes name."""
    years = list((await session.execute(select(AcademicYear).where(
        AcademicYear.school_id == school_id, AcademicYear.starts_on <= end, AcademicYear.ends_on >= start)
        .order_by(AcademicYear.starts_on))).scalars())
    year_ids = [year.id for year in years]
    levels = {(row.academic_year_id, row.grade_level): row for row in (await session.execute(
        select(GradeLevelSettings).where(GradeLevelSettings.academic_year_id.in_(year_ids)))).scalars()}
    versions: dict[int, list[Timetable]] = {year_id: [] for year_id in year_ids}
    for version in (await session.execute(select(Timetable).where(Timetable.academic_year_id.in_(year_ids))
                                           .order_by(Timetable.valid_from))).scalars():
        versions[version.academic_year_id].append(version)
    wanted = [v.id for rows in versions.values() for i, v in enumerate(rows)
              if v.valid_from <= end and (i + 1 == len(rows) or rows[i + 1].valid_from > start)]
    slots: dict[int, list[SlotRow]] = {version_id: [] for version_id in wanted}
    scope = [] if page_ids is None else [TimetableSlot.subject_page_id.in_(set(page_ids) or {0})]
    for row in (await session.execute(select(*SLOT_COLUMNS).where(TimetableSlot.timetable_id.in_(wanted), *scope)
                                      .order_by(TimetableSlot.id))).all():
        slots[row.timetable_id].append(SlotRow(*row))
    changes = list((await session.execute(select(TimetableChange).where(
        TimetableChange.school_id == school_id, TimetableChange.withdrawn_at.is_(None),
        or_(TimetableChange.on_date.between(start, end), TimetableChange.to_date.between(start, end),
            and_(TimetableChange.kind == "replacement", TimetableChange.on_date <= end, TimetableChange.ends_on >= start)))
        .order_by(TimetableChange.id))).scalars())
    loaded = {s.id for rows in slots.values() for s in rows}
    named = {c.slot_id for c in changes if c.slot_id} | {c.merged_slot_id for c in changes if c.merged_slot_id}
    changed_slots = {row.id: SlotRow(*row) for row in (await session.execute(select(*SLOT_COLUMNS).where(
        TimetableSlot.id.in_(named - loaded or {0})))).all()}
    shown_pages = None
    if page_ids is not None:
        hosts = {c.merged_slot_id for c in changes if c.kind == "merge" and c.slot_id in loaded}
        for slot_id in sorted(hosts - loaded):
            host = changed_slots.get(slot_id or 0)
            if host is not None and host.timetable_id in slots:
                slots[host.timetable_id].append(host)
        kept = {s.id for rows in slots.values() for s in rows}
        shown_pages = set(page_ids) | {s.page_id for rows in slots.values() for s in rows} | {
            c.subject_page_id for c in changes if c.subject_page_id and c.slot_id in kept}
    pages, classes = await load_pages(session, year_ids, shown_pages)
    days_off = list((await session.execute(select(CalendarDays).where(
        CalendarDays.academic_year_id.in_(year_ids), CalendarDays.starts_on <= end, CalendarDays.ends_on >= start))).scalars())
    bells = await load_bells(session, year_ids)
    assignments: dict[int, list[tuple[int, date, date | None]]] = {}
    for page_id, teacher_id, starts, ends in (await session.execute(select(
            TeachingAssignment.subject_page_id, TeachingAssignment.teacher_id, TeachingAssignment.starts_on,
            TeachingAssignment.ends_on).where(
            TeachingAssignment.school_id == school_id,
            overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, start, end),
            *([] if shown_pages is None else [TeachingAssignment.subject_page_id.in_(shown_pages or {0})]))
            .order_by(TeachingAssignment.starts_on, TeachingAssignment.id))).all():
        assignments.setdefault(page_id, []).append((teacher_id, starts, ends))
    teacher_ids = {s.teacher_id for rows in slots.values() for s in rows} | {s.teacher_id for s in changed_slots.values()} | {t for rows in assignments.values() for t, _, _ in rows}
    teacher_ids |= {c.teacher_id for c in changes if c.teacher_id} | {c.replaced_teacher_id for c in changes if c.replaced_teacher_id}
    names = dict((await session.execute(select(UserAccount.id, UserAccount.full_name)
                                        .where(UserAccount.id.in_(teacher_ids)))).all()) if teacher_ids else {}
    rooms = {room.id: room for room in (await session.execute(select(Room).where(Room.school_id == school_id))).scalars()}
    return TimetableData(years=years, levels=levels, versions=versions, slots=slots, pages=pages,
                         days_off=days_off, bells=bells, assignments=assignments, changes=changes, teacher_names=names,
                         rooms=rooms, classes=classes, changed_slots=changed_slots)


async def load_pages(session: AsyncSession, year_ids: list[int],
                     only: Collection[int] | None = None) -> tuple[dict[int, PageInfo], dict[int, ClassGroup]]:
    """The years' pages (or ``only`` those) with their subject, holder and classes (three statements)."""
    classes = {c.id: c for c in (await session.execute(select(ClassGroup).where(ClassGroup.academic_year_id.in_(year_ids))
                                                        .order_by(ClassGroup.grade_level, ClassGroup.letter))).scalars()}
    group_classes: dict[int, list[int]] = {}
    for group_id, class_id in (await session.execute(
            select(StudyGroupClass.study_group_id, StudyGroupClass.class_group_id)
            .join(StudyGroup, StudyGroup.id == StudyGroupClass.study_group_id)
            .where(StudyGroup.academic_year_id.in_(year_ids)))).all():
        group_classes.setdefault(group_id, []).append(class_id)
    pages: dict[int, PageInfo] = {}
    for row in (await session.execute(select(
            SubjectPage.id, SubjectPage.subject_id, SubjectPage.class_group_id, SubjectPage.study_group_id,
            SubjectPage.academic_year_id, Subject.name, Subject.short_name, StudyGroup.name.label("group_name"),
            StudyGroup.grade_level.label("group_level"))
            .join(Subject, Subject.id == SubjectPage.subject_id)
            .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
            .where(SubjectPage.academic_year_id.in_(year_ids),
                   *([] if only is None else [SubjectPage.id.in_(set(only) or {0})])))).all():
        class_ids = tuple(sorted(group_classes.get(row.study_group_id, []) if row.study_group_id else [row.class_group_id]))
        first = classes.get(class_ids[0]) if class_ids else None
        holder = first.name if row.class_group_id and first else row.group_name or ""
        pages[row.id] = PageInfo(
            id=row.id, subject_id=row.subject_id, subject=row.name, short=row.short_name or row.name, holder=holder,
            class_ids=class_ids, group_id=row.study_group_id,
            grade_level=first.grade_level if first else (row.group_level or 0), shift=first.shift if first else 1,
            year_id=row.academic_year_id)
    return pages, classes


async def load_bells(session: AsyncSession, year_ids: list[int]) -> list[BellTimes]:
    rows = (await session.execute(select(BellSchedule, Bell.number, Bell.starts_at, Bell.ends_at)
                                  .join(Bell, Bell.bell_schedule_id == BellSchedule.id)
                                  .where(BellSchedule.academic_year_id.in_(year_ids)).order_by(BellSchedule.id, Bell.number))).all()
    found: dict[int, BellTimes] = {}
    for schedule, number, starts, ends in rows:
        entry = found.setdefault(schedule.id, BellTimes(
            schedule.id, schedule.academic_year_id, schedule.shift, schedule.kind, schedule.grade_level,
            schedule.valid_from, schedule.valid_to, {}))
        entry.times[number] = (starts, ends)
    return list(found.values())

"""Changes of the timetable for a date, recorded by the dispatcher (regulation 4.3, 4.6): a lesson
cancelled, moved to another number or day, given in another room, given by another teacher (the
same subject, or another subject of the same students), two groups merged under one teacher, and a
long-term replacement of a page's teacher for a range of dates.

Each change says who made it and why, is checked against the day's lessons before it is saved,
and emits ``TimetableChanged`` through the outbox in the same transaction. A change is never
deleted: withdrawing one keeps it, marked, and puts the lesson back (if that clashes with nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record
from core.db.types import utcnow
from core.events import TimetableChanged, emit
from core.i18n import gettext as _
from core.structure.common import StructureError, check_range, check_within_year, format_day, lock_school, owned, require_staff
from core.structure.curriculum import PageService
from core.structure.models import AcademicYear, SubjectPage, TeachingAssignment
from core.timetable.common import ConflictError, refuse_closed
from core.timetable.conflicts import clashes, day_length_clashes, load_members
from core.timetable.lessons import MOVED_IN, Lesson, TimetableData, load_timetable
from core.timetable.models import CHANGE_KINDS, Room, TimetableChange

MAX_REPORTED = 20  # a long replacement may clash on many days: name the first ones


@dataclass
class ChangeInput:
    """A change as the dispatcher's form sends it (ids and dates parsed; None when missing)."""

    kind: str
    day: date | None
    slot_id: int | None = None
    teacher_id: int | None = None
    page_id: int | None = None
    room_id: int | None = None
    to_date: date | None = None
    to_number: int | None = None
    merged_slot_id: int | None = None
    ends_on: date | None = None
    reason: str = ""
    replaced_teacher_id: int | None = None  # a replacement on a page with several teachers: whom


@dataclass
class ChangePlan:
    """A checked change, not yet saved: the lesson as it was, as it would be, and the conflicts."""

    change: TimetableChange
    lesson: Lesson | None = None
    result: Lesson | None = None
    conflicts: list[str] = field(default_factory=list)
    page_ids: set[int] = field(default_factory=set)
    teacher_ids: set[int] = field(default_factory=set)
    class_ids: set[int] = field(default_factory=set)


class ChangeService:
    def __init__(self, session: AsyncSession, school_id: int, today: date, actor_id: int | None = None) -> None:
        self.session, self.school_id, self.today, self.actor_id = session, school_id, today, actor_id

    # ---- checking -------------------------------------------------------------------------------

    async def plan(self, data: ChangeInput) -> ChangePlan:
        """Check a change without saving it: ``StructureError`` for wrong input, the conflicts in the plan."""
        if data.kind not in CHANGE_KINDS:
            raise StructureError("kind", _("Choose what changes."))
        reason = " ".join(data.reason.split())
        if not reason:
            raise StructureError("reason", _("Say why, e.g. «болезнь учителя»: the journal's check asks for it."))
        if len(reason) > 500:
            raise StructureError("reason", _("The reason is too long (at most 500 characters)."))
        if data.day is None:
            raise StructureError("day", _("Enter the date of the lesson."))
        year = await self._year_of(data.day)
        if data.room_id is not None:
            room = await owned(self.session, Room, data.room_id, self.school_id)
            if room.is_archived:
                raise StructureError("room_id", _("This room is archived: choose another one."))
        change = TimetableChange(school_id=self.school_id, academic_year_id=year.id, kind=data.kind, on_date=data.day,
                                 reason=reason, created_by=self.actor_id, room_id=data.room_id)
        if data.kind == "replacement":
            return await self._plan_replacement(year, data, change)
        return await self._plan_lesson_change(year, data, change)

    async def _plan_lesson_change(self, year: AcademicYear, data: ChangeInput, change: TimetableChange) -> ChangePlan:
        assert data.day is not None
        days = [data.day] + ([data.to_date] if data.to_date else [])
        timetable = await load_timetable(self.session, self.school_id, min(days), max(days))
        lesson = next((item for item in timetable.lessons_on(data.day)
                       if item.slot_id == data.slot_id and item.status != MOVED_IN), None)
        if lesson is None or data.slot_id is None:
            raise StructureError("slot_id", _("Choose a lesson of %(date)s.", date=format_day(data.day)))
        if lesson.change is not None and lesson.change.kind != "replacement":
            raise StructureError("slot_id", _("This lesson already has a change («%(reason)s»): withdraw it first.",
                                              reason=lesson.change.reason))
        if any(other.kind == "merge" and other.on_date == data.day and other.merged_slot_id == lesson.slot_id
               for other in timetable.changes):
            raise StructureError("slot_id", _("Another group is merged into this lesson: withdraw the merge first."))
        await refuse_closed(self.session, year.id, lesson.page.grade_level, self.today, data.day, "day")
        change.slot_id = lesson.slot_id
        plan = ChangePlan(change=change, lesson=lesson)
        plan.result = await self._result(timetable, year, data, lesson, change)
        if plan.result is not None:
            target = plan.result.day
            # The lesson itself leaves its place; on another day the same weekly lesson is another lesson.
            others = [item for item in timetable.lessons_on(target) if not (target == lesson.day and item.key == lesson.key)]
            members = await load_members(self.session, {p.group_id for p in timetable.pages.values() if p.group_id})
            plan.conflicts = clashes(plan.result, others, timetable, members, (target, target))
            if data.kind == "move":
                plan.conflicts += day_length_clashes(plan.result, others, timetable, format_day(target))
        for item in (lesson, plan.result):
            if item is not None:
                plan.page_ids.add(item.page.id)
                plan.class_ids.update(item.page.class_ids)
                plan.teacher_ids.update(t for t in (item.teacher_id, item.planned_teacher_id) if t)
        return plan

    async def _result(self, timetable: TimetableData, year: AcademicYear, data: ChangeInput, lesson: Lesson,
                      change: TimetableChange) -> Lesson | None:
        """The lesson as the change makes it (None: cancelled)."""
        room = data.room_id if data.room_id is not None else lesson.room_id
        if data.kind == "cancel":
            change.room_id = None
            return None
        if data.kind == "room":
            if data.room_id is None or data.room_id == lesson.room_id:
                raise StructureError("room_id", _("Choose another room."))
            return replace(lesson, room_id=room, status="changed")
        if data.kind == "substitute":
            await require_staff(self.session, self.school_id, data.teacher_id)
            if data.teacher_id == lesson.teacher_id:
                raise StructureError("teacher_id", _("Choose another teacher: this one gives the lesson."))
            change.teacher_id = data.teacher_id
            return replace(lesson, teacher_id=data.teacher_id, room_id=room, planned_teacher_id=lesson.teacher_id, status="changed")
        if data.kind == "other_subject":
            page = timetable.pages.get(data.page_id or 0)
            if page is None or page.id == lesson.page.id or page.class_ids != lesson.page.class_ids \
                    or page.group_id != lesson.page.group_id:
                raise StructureError("page_id", _("Choose another subject page of the same students (%(holder)s).",
                                                  holder=lesson.page.holder))
            teacher = data.teacher_id or timetable.teacher_on(page.id, lesson.day, None)
            await require_staff(self.session, self.school_id, teacher)
            change.teacher_id, change.subject_page_id = teacher, page.id
            return replace(lesson, page=page, planned_page=lesson.page, teacher_id=teacher, room_id=room,
                           planned_teacher_id=lesson.teacher_id, status="changed")
        if data.kind == "merge":
            host = next((item for item in timetable.lessons_on(lesson.day) if item.slot_id == data.merged_slot_id
                         and item.given and item.status != MOVED_IN), None)
            if host is None or host.slot_id == lesson.slot_id or host.page.subject_id != lesson.page.subject_id \
                    or host.number != lesson.number or host.teacher_id == lesson.teacher_id:
                raise StructureError("merged_slot_id", _(
                    "Choose the lesson of another group in the same subject at the same time, with another teacher."))
            change.merged_slot_id, change.room_id = host.slot_id, None
            return replace(lesson, teacher_id=host.teacher_id, room_id=host.room_id, merged_into=host.slot_id,
                           planned_teacher_id=lesson.teacher_id, status="changed")
        return await self._moved(timetable, year, data, lesson, change, room)

    async def _moved(self, timetable: TimetableData, year: AcademicYear, data: ChangeInput, lesson: Lesson,
                     change: TimetableChange, room: int | None) -> Lesson:
        target = data.to_date or lesson.day
        check_within_year(year, target, None, "to_date")
        await refuse_closed(self.session, year.id, lesson.page.grade_level, self.today, target, "to_date")
        if not timetable.studies_on(target, lesson.page.grade_level):
            off = timetable.day_off(target, lesson.page.grade_level)
            raise StructureError("to_date", _("Grade %(level)s has no lessons on %(date)s%(why)s.", level=lesson.page.grade_level,
                                              date=format_day(target), why=" (" + off.name + ")" if off else ""))
        bells = timetable.bell_times(target, lesson.page.shift, lesson.page.grade_level)
        if data.to_number not in bells:
            raise StructureError("to_number", _("Choose a lesson number of that day's bell schedule (1–%(last)s).",
                                                last=max(bells) if bells else 0))
        if (target, data.to_number) == (lesson.day, lesson.number):
            raise StructureError("to_number", _("Choose another lesson number or another day."))
        assert data.to_number is not None
        change.to_date, change.to_number = target, data.to_number
        slot = timetable.slot(lesson.slot_id)
        teacher = timetable.teacher_on(lesson.page.id, target, slot.teacher_id if slot else lesson.teacher_id)
        return timetable.timed(Lesson(day=target, number=data.to_number, page=lesson.page, teacher_id=teacher, room_id=room,
                                      slot_id=lesson.slot_id, status=MOVED_IN, change=change))

    async def _plan_replacement(self, year: AcademicYear, data: ChangeInput, change: TimetableChange) -> ChangePlan:
        assert data.day is not None
        page = await self.session.get(SubjectPage, data.page_id) if data.page_id is not None else None
        if page is None or page.school_id != self.school_id or page.academic_year_id != year.id:
            raise StructureError("page_id", _("Choose a subject page of this school year."))
        await require_staff(self.session, self.school_id, data.teacher_id)
        check_range(data.day, data.ends_on, "ends_on", open_end=False)
        assert data.ends_on is not None and data.teacher_id is not None
        check_within_year(year, data.day, data.ends_on, "ends_on")
        timetable = await load_timetable(self.session, self.school_id, data.day, data.ends_on)
        info = timetable.pages[page.id]
        await refuse_closed(self.session, year.id, info.grade_level, self.today, data.day, "day")
        holding = [(teacher, starts) for teacher, starts, ends in timetable.assignments.get(page.id, [])
                   if starts <= data.day and (ends is None or data.day <= ends)]
        held = [teacher for teacher, _starts in holding]
        if data.teacher_id in held:
            raise StructureError("teacher_id", _("Choose another teacher: this one teaches the page already."))
        if not held:
            raise StructureError("page_id", _("The page has no teacher on %(date)s to replace.", date=format_day(data.day)))
        if data.replaced_teacher_id is None and len(held) > 1:
            raise StructureError("replaced_teacher_id", _("The page has several teachers: choose whom the substitute replaces."))
        replaced = data.replaced_teacher_id if data.replaced_teacher_id is not None else held[0]
        if replaced not in held:
            raise StructureError("replaced_teacher_id", _("Choose a teacher of the page on %(date)s.", date=format_day(data.day)))
        if dict(holding)[replaced] == data.day:
            raise StructureError("day", _("The teacher starts on the page that day: replace them on the page's load instead."))
        change.subject_page_id, change.teacher_id, change.replaced_teacher_id = page.id, data.teacher_id, replaced
        change.ends_on, change.room_id = data.ends_on, None
        plan = ChangePlan(change=change, page_ids={page.id}, teacher_ids={replaced, data.teacher_id}, class_ids=set(info.class_ids))
        members = await load_members(self.session, {p.group_id for p in timetable.pages.values() if p.group_id})
        day = data.day
        while day <= data.ends_on and len(plan.conflicts) < MAX_REPORTED:
            lessons = timetable.lessons_on(day)
            for lesson in lessons:
                if lesson.page.id == page.id and lesson.teacher_id == replaced and lesson.given:
                    taken = replace(lesson, teacher_id=data.teacher_id)
                    others = [item for item in lessons if item is not lesson]
                    plan.conflicts += [f"{format_day(day)}: {message}" for message in
                                       clashes(taken, others, timetable, members, (day, day))]
            day += timedelta(days=1)
        return plan

    # ---- saving ---------------------------------------------------------------------------------

    async def record(self, data: ChangeInput) -> TimetableChange:
        """Save a change with no conflicts; audit it and emit ``TimetableChanged``."""
        await lock_school(self.session, self.school_id)
        plan = await self.plan(data)
        if plan.conflicts:
            raise ConflictError(plan.conflicts[:MAX_REPORTED])
        change = plan.change
        self.session.add(change)
        await self.session.flush()
        if change.kind == "replacement":
            await self._reassign(change)
        record(self.session, "core.timetable_change_recorded", actor_id=self.actor_id, school_id=self.school_id,
               object_type="timetable_change", object_id=change.id,
               details={"kind": change.kind, "on_date": change.on_date.isoformat(), "reason": change.reason})
        self._emit(change, plan)
        return change

    async def _reassign(self, change: TimetableChange) -> None:
        """A long-term replacement in the load: the teacher's assignment pauses for the dates, the
        substitute holds the page with the same hours, and the teacher returns the day after."""
        assert change.ends_on is not None and change.subject_page_id is not None
        page = await self.session.get(SubjectPage, change.subject_page_id)
        held = (await self.session.execute(select(TeachingAssignment).where(
            TeachingAssignment.subject_page_id == change.subject_page_id,
            TeachingAssignment.teacher_id == change.replaced_teacher_id, TeachingAssignment.starts_on <= change.on_date,
            or_(TeachingAssignment.ends_on.is_(None), TeachingAssignment.ends_on >= change.on_date)))).scalar_one()
        assert page is not None
        service, until = PageService(self.session, self.school_id), held.ends_on
        await service.end_assignment(held, change.on_date - timedelta(days=1))
        await service.assign(page, teacher_id=change.teacher_id, half_hours=held.half_hours, starts_on=change.on_date,
                             ends_on=change.ends_on if until is None else min(until, change.ends_on))
        year = await self.session.get(AcademicYear, page.academic_year_id)
        assert year is not None
        if (until if until is not None else year.ends_on) > change.ends_on:  # the teacher comes back within the year
            await service.assign(page, teacher_id=held.teacher_id, half_hours=held.half_hours,
                                 starts_on=change.ends_on + timedelta(days=1), ends_on=until)

    async def withdraw(self, change: TimetableChange) -> None:
        """Withdraw a change made by mistake: the lesson is as the timetable has it again, unless
        that would clash with a later change (then the other change is withdrawn first)."""
        await lock_school(self.session, self.school_id)
        await self.session.refresh(change)  # as another process may have left it, now that the school is locked
        if change.withdrawn_at is not None:
            raise StructureError("change", _("This change was withdrawn already."))
        if change.kind == "replacement":
            raise StructureError("change", _("A long-term replacement is part of the teaching load: end it on the subject page."))
        timetable = await load_timetable(self.session, self.school_id, change.on_date, change.on_date)
        before = next((item for item in timetable.lessons_on(change.on_date) if item.change is change), None)
        slot = timetable.slot(change.slot_id)
        grade_level = timetable.pages[slot.page_id].grade_level if slot and slot.page_id in timetable.pages else 1
        for day in (change.on_date, change.to_date):
            if day is not None:
                await refuse_closed(self.session, change.academic_year_id, grade_level, self.today, day, "change")
        restored_data = replace(timetable, changes=[c for c in timetable.changes if c.id != change.id])
        lessons = restored_data.lessons_on(change.on_date)
        restored = next((item for item in lessons if item.slot_id == change.slot_id and item.status != MOVED_IN), None)
        if restored is not None:
            members = await load_members(self.session, {p.group_id for p in timetable.pages.values() if p.group_id})
            conflicts = clashes(restored, [item for item in lessons if item is not restored], restored_data, members,
                                (change.on_date, change.on_date))
            if conflicts:
                raise ConflictError(conflicts)
        change.withdrawn_at, change.withdrawn_by = utcnow(), self.actor_id
        await self.session.flush()
        record(self.session, "core.timetable_change_withdrawn", actor_id=self.actor_id, school_id=self.school_id,
               object_type="timetable_change", object_id=change.id, details={"kind": change.kind})
        plan = ChangePlan(change=change)
        for item in (before, restored):
            if item is not None:
                plan.page_ids.add(item.page.id)
                plan.class_ids.update(item.page.class_ids)
                plan.teacher_ids.update(t for t in (item.teacher_id, item.planned_teacher_id) if t)
        self._emit(change, plan, withdrawn=True)

    def _emit(self, change: TimetableChange, plan: ChangePlan, *, withdrawn: bool = False) -> None:
        emit(self.session, TimetableChanged(
            school_id=self.school_id, change_id=change.id, kind=change.kind, on_date=change.on_date, to_date=change.to_date,
            ends_on=change.ends_on, subject_page_ids=sorted(plan.page_ids), teacher_ids=sorted(plan.teacher_ids),
            class_group_ids=sorted(plan.class_ids), withdrawn=withdrawn))

    # ---- reading --------------------------------------------------------------------------------

    async def changes_of(self, day: date) -> list[TimetableChange]:
        """The changes touching ``day`` (withdrawn ones too, for the record), oldest first."""
        return list((await self.session.execute(select(TimetableChange).where(
            TimetableChange.school_id == self.school_id,
            or_(TimetableChange.on_date == day, TimetableChange.to_date == day,
                and_(TimetableChange.kind == "replacement", TimetableChange.on_date <= day, TimetableChange.ends_on >= day)))
            .order_by(TimetableChange.id))).scalars())

    async def _year_of(self, day: date) -> AcademicYear:
        year = await self.session.scalar(select(AcademicYear).where(
            AcademicYear.school_id == self.school_id, AcademicYear.starts_on <= day, AcademicYear.ends_on >= day))
        if year is None:
            raise StructureError("day", _("%(date)s is outside the school's years.", date=format_day(day)))
        return year

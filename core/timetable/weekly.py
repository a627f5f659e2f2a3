"""The weekly timetable and its rooms, kept by the journal administrator (regulation 3.2).

A new timetable starts from a date with a copy of the one it follows, so the past keeps the old
one. A timetable in force already (its first day today or earlier) no longer changes: the lessons
given by it stay as they were; only a timetable still to come is edited. Services flush, never
commit: the caller's transaction holds the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.events import TimetableEdited, emit
from core.i18n import gettext as _
from core.structure.common import StructureError, check_within_year, format_day, lock_school, overlapping, owned
from core.structure.models import AcademicYear, SubjectPage, TeachingAssignment
from core.timetable.common import ConflictError
from core.timetable.conflicts import clashes, day_length_clashes, load_members
from core.timetable.lessons import SlotRow, TimetableData, first_weekday, load_timetable
from core.timetable.models import WEEK_PARITIES, WEEKDAY_LABELS, Room, Timetable, TimetableChange, TimetableSlot


@dataclass
class SlotInput:
    """A weekly lesson as the editor sends it (ids already parsed; None when missing)."""

    weekday: int | None
    number: int | None
    page_id: int | None
    teacher_id: int | None
    room_id: int | None
    parity: str = "every"


class TimetableService:
    def __init__(self, session: AsyncSession, school_id: int, today: date) -> None:
        self.session, self.school_id, self.today = session, school_id, today

    # ---- rooms ----------------------------------------------------------------------------------

    async def rooms(self, *, include_archived: bool = False) -> list[Room]:
        query = select(Room).where(Room.school_id == self.school_id)
        if not include_archived:
            query = query.where(Room.is_archived.is_(False))
        return sorted((await self.session.execute(query)).scalars(), key=lambda room: room_order(room.name))

    async def add_room(self, name: str, note: str = "") -> Room:
        name, note = " ".join(name.split()), " ".join(note.split())
        if not name:
            raise StructureError("name", _("Name the room, e.g. «205» or «Спортзал»."))
        if len(name) > 60 or len(note) > 200:
            raise StructureError("name" if len(name) > 60 else "note", _("The name is too long."))
        await lock_school(self.session, self.school_id)
        if await self.session.scalar(select(Room.id).where(Room.school_id == self.school_id, Room.name == name)):
            raise StructureError("name", _("The school already has a room with this name."))
        room = Room(school_id=self.school_id, name=name, note=note)
        self.session.add(room)
        await self.session.flush()
        return room

    async def archive_room(self, room: Room, archived: bool) -> None:
        """An archived room is no longer offered; the timetables that use it keep it."""
        room.is_archived = archived
        await self.session.flush()

    # ---- versions -------------------------------------------------------------------------------

    async def versions(self, year: AcademicYear) -> list[Timetable]:
        return list((await self.session.execute(select(Timetable).where(Timetable.academic_year_id == year.id)
                                                .order_by(Timetable.valid_from))).scalars())

    def editable(self, version: Timetable) -> bool:
        """Only a timetable still to come: one in force today has given lessons already."""
        return version.valid_from > self.today

    async def create_version(self, year: AcademicYear, valid_from: date | None, actor_id: int | None) -> Timetable:
        """A timetable from ``valid_from`` (tomorrow or later), a copy of the one in force the day
        before (if any)."""
        if valid_from is None:
            raise StructureError("valid_from", _("Enter the date the timetable starts."))
        check_within_year(year, valid_from, None, "valid_from")
        await lock_school(self.session, self.school_id)
        versions = await self.versions(year)
        if any(version.valid_from == valid_from for version in versions):
            raise StructureError("valid_from", _("A timetable from %(date)s exists already.", date=format_day(valid_from)))
        if valid_from <= self.today:
            raise StructureError("valid_from", _(
                "A new timetable starts tomorrow or later: the lessons already given keep the timetable they followed."))
        version = Timetable(school_id=self.school_id, academic_year_id=year.id, valid_from=valid_from, created_by=actor_id)
        self.session.add(version)
        await self.session.flush()
        earlier = [v for v in versions if v.valid_from < valid_from]
        if earlier:
            later = [v.valid_from for v in versions if v.valid_from > valid_from]
            await self._copy_slots(earlier[-1], version, until=min(later) if later else None)
        self._edited(version)
        return version

    async def _copy_slots(self, source: Timetable, version: Timetable, until: date | None) -> None:
        """The new version's slots as a copy of ``source``'s; the changes already recorded for its
        days (from ``valid_from`` until ``until``, the next version) move to the copied lessons,
        so no substitution or cancellation drops out of sight."""
        old = list((await self.session.execute(select(TimetableSlot).where(TimetableSlot.timetable_id == source.id)
                                                .order_by(TimetableSlot.id))).scalars())
        new = [TimetableSlot(school_id=self.school_id, timetable_id=version.id, weekday=s.weekday, lesson_number=s.lesson_number,
                             week_parity=s.week_parity, subject_page_id=s.subject_page_id, teacher_id=s.teacher_id,
                             room_id=s.room_id) for s in old]
        self.session.add_all(new)
        await self.session.flush()
        copied = {before.id: after.id for before, after in zip(old, new)}
        days = [TimetableChange.on_date >= version.valid_from] + ([TimetableChange.on_date < until] if until else [])
        for change in (await self.session.execute(select(TimetableChange).where(
                TimetableChange.school_id == self.school_id, *days,
                (TimetableChange.slot_id.in_(list(copied)) | TimetableChange.merged_slot_id.in_(list(copied)))))).scalars():
            change.slot_id = copied.get(change.slot_id or 0, change.slot_id)
            change.merged_slot_id = copied.get(change.merged_slot_id or 0, change.merged_slot_id)
        await self.session.flush()

    async def delete_version(self, version: Timetable) -> None:
        """Only a timetable still to come, and none of whose lessons has a recorded change."""
        self._require_editable(version)
        used = await self.session.scalar(select(func.count(TimetableChange.id)).join(
            TimetableSlot, TimetableSlot.id == TimetableChange.slot_id).where(TimetableSlot.timetable_id == version.id))
        if used:
            raise StructureError("version", _("Changes were recorded for lessons of this timetable: it cannot be deleted."))
        await self.session.delete(version)
        await self.session.flush()
        self._edited(version)

    def _edited(self, version: Timetable) -> None:
        """Tell the journal (and whoever listens) that lessons from the version's first day may differ."""
        emit(self.session, TimetableEdited(school_id=self.school_id, academic_year_id=version.academic_year_id,
                                           valid_from=version.valid_from))

    def _require_editable(self, version: Timetable) -> None:
        if not self.editable(version):
            raise StructureError("version", _(
                "The timetable from %(date)s is in force already and no longer changes: start a new timetable "
                "from a later date (it begins as a copy of this one).", date=format_day(version.valid_from)))

    # ---- slots ----------------------------------------------------------------------------------

    async def check_slot(self, version: Timetable, data: SlotInput, slot_id: int | None = None) -> tuple[SlotRow, list[str]]:
        """The slot the input describes and the conflicts it would make; ``StructureError`` when the
        input itself is wrong (a day the grade does not study, a number outside the bells ...)."""
        self._require_editable(version)
        if data.parity not in WEEK_PARITIES:
            raise StructureError("parity", _("Choose every week, odd weeks or even weeks."))
        page = await self._page(version, data.page_id)
        timetable = await self._data(version)
        info = timetable.pages[page.id]
        refusal = place_refusal(timetable, version, info.grade_level, info.shift, data.weekday, data.number)
        if refusal is not None:
            raise refusal
        assert data.number is not None
        reference = first_weekday(version.valid_from, data.weekday)
        span = timetable.version_span(version)
        await self._require_teacher(page.id, data.teacher_id, span)
        if data.room_id is not None:
            room = await owned(self.session, Room, data.room_id, self.school_id)
            if room.is_archived:
                raise StructureError("room_id", _("This room is archived: choose another one."))
        slot = SlotRow(id=slot_id or 0, timetable_id=version.id, weekday=data.weekday, number=data.number, parity=data.parity,
                       page_id=page.id, teacher_id=data.teacher_id, room_id=data.room_id)  # type: ignore[arg-type]
        return slot, await self._conflicts(timetable, version, slot, reference, span)

    async def _conflicts(self, timetable: TimetableData, version: Timetable, slot: SlotRow, reference: date,
                         span: tuple[date, date]) -> list[str]:
        proposed = timetable.with_slot(slot)
        members = await load_members(self.session, {p.group_id for p in timetable.pages.values() if p.group_id})
        found: list[str] = []
        for parity in ("odd", "even") if slot.parity == "every" else (slot.parity,):
            lessons = proposed.weekly_lessons(version, slot.weekday, parity, reference)
            candidate = next(lesson for lesson in lessons if lesson.slot_id == slot.id)
            others = [lesson for lesson in lessons if lesson is not candidate]
            day_text = _(WEEKDAY_LABELS[slot.weekday]).lower()
            for message in clashes(candidate, others, proposed, members, span) + day_length_clashes(candidate, others, proposed, day_text):
                if message not in found:
                    found.append(message)
        return found

    async def save_slot(self, version: Timetable, data: SlotInput, slot: TimetableSlot | None = None) -> TimetableSlot:
        """Add a weekly lesson (or change ``slot``); any conflict refuses it with ``ConflictError``."""
        await lock_school(self.session, self.school_id)
        if slot is not None and slot.timetable_id != version.id:
            raise StructureError("slot", _("This lesson belongs to another timetable."))
        row, conflicts = await self.check_slot(version, data, slot.id if slot else None)
        if conflicts:
            raise ConflictError(conflicts)
        if slot is None:
            slot = TimetableSlot(school_id=self.school_id, timetable_id=version.id)
            self.session.add(slot)
        slot.weekday, slot.lesson_number, slot.week_parity = row.weekday, row.number, row.parity
        slot.subject_page_id, slot.teacher_id, slot.room_id = row.page_id, row.teacher_id, row.room_id
        await self.session.flush()
        self._edited(version)
        return slot

    async def delete_slot(self, version: Timetable, slot: TimetableSlot) -> None:
        self._require_editable(version)
        if slot.timetable_id != version.id:
            raise StructureError("slot", _("This lesson belongs to another timetable."))
        if await self.session.scalar(select(TimetableChange.id).where(
                (TimetableChange.slot_id == slot.id) | (TimetableChange.merged_slot_id == slot.id)).limit(1)):
            raise StructureError("slot", _("Changes were recorded for this lesson: it cannot be deleted."))
        await self.session.delete(slot)
        await self.session.flush()
        self._edited(version)

    async def _page(self, version: Timetable, page_id: int | None) -> SubjectPage:
        page = await self.session.get(SubjectPage, page_id) if page_id is not None else None
        if page is None or page.school_id != self.school_id or page.academic_year_id != version.academic_year_id:
            raise StructureError("page_id", _("Choose a subject page of this school year."))
        return page

    async def _require_teacher(self, page_id: int, teacher_id: int | None, span: tuple[date, date]) -> None:
        """The teacher holds the page some day the timetable is in force (the teaching load)."""
        holds = teacher_id is not None and await self.session.scalar(select(TeachingAssignment.id).where(
            TeachingAssignment.subject_page_id == page_id, TeachingAssignment.teacher_id == teacher_id,
            overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, *span)).limit(1))
        if not holds:
            raise StructureError("teacher_id", _(
                "This teacher does not teach the page (see the teaching load). For single lessons given by "
                "someone else, the dispatcher records a substitution."))

    async def _data(self, version: Timetable) -> TimetableData:
        year = await self.session.get(AcademicYear, version.academic_year_id)
        assert year is not None
        return await load_timetable(self.session, self.school_id, max(version.valid_from, year.starts_on), year.ends_on)


def place_refusal(data: TimetableData, version: Timetable, grade_level: int, shift: int, weekday: int | None,
                  number: int | None) -> StructureError | None:
    """Why a weekly lesson of a grade level and shift cannot stand on (weekday, number) in
    ``version``: a day the grade does not study, no bells for the shift, a number outside them."""
    if weekday is None or not 0 <= weekday <= 5:
        return StructureError("weekday", _("Choose a day of the week."))
    level = data.levels.get((version.academic_year_id, grade_level))
    if level is not None and weekday >= level.days_per_week:
        return StructureError("weekday", _("Grade %(level)s studies %(days)s days a week: there are no lessons on %(day)s.",
                                           level=grade_level, days=level.days_per_week, day=_(WEEKDAY_LABELS[weekday]).lower()))
    bells = data.bell_times(first_weekday(version.valid_from, weekday), shift, grade_level, regular_only=True)
    if not bells:
        return StructureError("number", _("Shift %(shift)s has no bell schedule for grade %(level)s: add one in the calendar.",
                                          shift=shift, level=grade_level))
    if number is None:
        return StructureError("number", _("Choose a lesson number."))
    if number not in bells:
        return StructureError("number", _("Lesson %(number)s is not in the bell schedule of shift %(shift)s (lessons 1–%(last)s).",
                                          number=number, shift=shift, last=max(bells)))
    return None


def room_order(name: str) -> tuple[int, int, str]:
    """Rooms with numbers first, by number («2» before «10»), then the named ones."""
    digits = "".join(ch for ch in name if ch.isdigit())
    return (0, int(digits), name) if digits and name[0].isdigit() and len(digits) < 9 else (1, 0, name.casefold())

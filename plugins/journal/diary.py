"""The journal's lines of a student's diary (the ``diary_entries`` hook): the lessons the student was
on, with topic, homework, the student's own marks and attendance, as the viewer may see them.

Who sees which lessons, day by day: the student themself; a legal representative while the
guardianship holds; the school's administration; the class teacher while they lead the student's
class; a teacher the lessons of the pages they hold that day and the lessons they give (a
substitute). Anyone else sees nothing. Only the viewer's current school counts. Everything is read
in a fixed number of statements, whatever the dates and the number of lessons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.people.models import Enrollment, Guardianship
from core.plugins.types import DiaryEntry, DiaryGrade
from core.school.models import School
from core.structure.common import overlapping, school_today
from core.structure.models import (
    AcademicYear, CalendarDays, ClassTeacherAppointment, StudyGroupMember, SubjectPage, TeachingAssignment,
)
from core.auth.models import UserAccount
from core.timetable.lessons import CANCELLED, Lesson, PageInfo, TimetableData, load_bells, load_pages, load_timetable
from core.timetable.models import Room
from plugins.journal.lessons import REPLACEMENT_KINDS
from plugins.journal.models import (
    JournalAttendance, JournalAttendanceCode, JournalGrade, JournalLesson, JournalWorkKind, weight_of,
)
from plugins.journal.scope import WRITERS, reads_everything
from plugins.journal.sync import sync_through

SOURCE = "journal"
AHEAD = timedelta(days=14)  # a family looks at the coming weeks too
Span = tuple[date, date]  # both days inclusive


def _span(starts: date | None, ends: date | None) -> Span:
    return starts or date.min, ends or date.max


def _covers(spans: list[Span], day: date) -> bool:
    return any(starts <= day <= ends for starts, ends in spans)


def _overlap(first: Span, second: Span) -> Span | None:
    starts, ends = max(first[0], second[0]), min(first[1], second[1])
    return (starts, ends) if starts <= ends else None


# ---- lesson times -------------------------------------------------------------------------------


@dataclass
class LessonClock:
    """The pages of the school years of a date range and the bells of their shifts: a lesson's
    subject, class or group, and times (first grade's stepped mode and shortened days included)."""

    data: TimetableData

    def page(self, page_id: int) -> PageInfo | None:
        return self.data.pages.get(page_id)

    def times(self, page_id: int, day: date, number: int | None) -> tuple[time | None, time | None]:
        page = self.page(page_id)
        if page is None or number is None:
            return None, None
        return self.data.bell_times(day, page.shift, page.grade_level).get(number, (None, None))


async def load_clock(session: AsyncSession, school_id: int, start: date, end: date, *,
                     page_ids: set[int] | None = None) -> LessonClock:
    """Six statements: the years, their pages (three; or only ``page_ids``), the shortened days, the bells."""
    years = list((await session.execute(select(AcademicYear).where(
        AcademicYear.school_id == school_id, AcademicYear.starts_on <= end, AcademicYear.ends_on >= start)
        .order_by(AcademicYear.starts_on))).scalars())
    year_ids = [year.id for year in years]
    pages, classes = await load_pages(session, year_ids, page_ids)
    days = list((await session.execute(select(CalendarDays).where(
        CalendarDays.academic_year_id.in_(year_ids), CalendarDays.starts_on <= end, CalendarDays.ends_on >= start))).scalars())
    bells = await load_bells(session, year_ids)
    return LessonClock(TimetableData(years=years, levels={}, versions={}, slots={}, pages=pages, days_off=days, bells=bells,
                                     assignments={}, changes=[], classes=classes))


# ---- where the student was ----------------------------------------------------------------------


@dataclass
class Stays:
    """The student's classes in the school and study groups, with their dates."""

    classes: list[tuple[int, Span]]
    groups: list[tuple[int, Span]]

    def enrolled_on(self, day: date) -> set[int]:
        return {class_id for class_id, span in self.classes if span[0] <= day <= span[1]}

    def on_page(self, class_id: int | None, group_id: int | None, day: date) -> bool:
        """Like the page's roster: the page's class that day, or the group while also studying in the school."""
        enrolled = self.enrolled_on(day)
        if class_id is not None:
            return class_id in enrolled
        return bool(enrolled) and any(found == group_id and span[0] <= day <= span[1] for found, span in self.groups)

    def last_day_on(self, class_id: int | None, group_id: int | None) -> date:
        """The last day the student was on the page (date.max while they still are)."""
        if class_id is not None:
            return max((span[1] for found, span in self.classes if found == class_id), default=date.min)
        return max((span[1] for found, span in self.groups if found == group_id), default=date.min)

    def their_pages(self) -> Any:
        """SQL: a subject page of the student's classes or groups (any of their days)."""
        return or_(SubjectPage.class_group_id.in_({class_id for class_id, _days in self.classes}),
                   SubjectPage.study_group_id.in_({group_id for group_id, _days in self.groups} or {0}))

    def on_page_between(self, class_id: int | None, group_id: int | None, start: date, end: date) -> bool:
        """Whether the student was on the page some day of ``start .. end``."""
        enrolled = [both for _id, span in self.classes if (both := _overlap(span, (start, end)))]
        if class_id is not None:
            return any(found == class_id and _overlap(span, (start, end)) for found, span in self.classes)
        return any(found == group_id and _overlap(span, stay) for found, span in self.groups for stay in enrolled)


async def load_stays(session: AsyncSession, school_id: int, student: int, start: date, end: date) -> Stays:
    """Two statements: the enrollments in the school and the group memberships touching the dates."""
    classes = (await session.execute(select(Enrollment.class_group_id, Enrollment.starts_on, Enrollment.ends_on).where(
        Enrollment.student_id == student, Enrollment.school_id == school_id,
        overlapping(Enrollment.starts_on, Enrollment.ends_on, start, end)))).all()
    groups = (await session.execute(select(
        StudyGroupMember.study_group_id, StudyGroupMember.starts_on, StudyGroupMember.ends_on).where(
        StudyGroupMember.student_id == student,
        overlapping(StudyGroupMember.starts_on, StudyGroupMember.ends_on, start, end)))).all()
    return Stays([(row[0], _span(row[1], row[2])) for row in classes], [(row[0], _span(row[1], row[2])) for row in groups])


# ---- what the viewer may see --------------------------------------------------------------------


@dataclass
class Sight:
    """Which of the student's lessons a viewer sees: all, those of some days (a representative, the
    class teacher), those of pages held on some days, and those the viewer gives."""

    everything: bool = False
    days: list[Span] = field(default_factory=list)
    pages: dict[int, list[Span]] = field(default_factory=dict)
    gives: int | None = None

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.days or self.pages or self.gives)

    def sees(self, page_id: int, day: date, teacher_id: int | None) -> bool:
        return (self.everything or _covers(self.days, day) or _covers(self.pages.get(page_id, []), day)
                or (self.gives is not None and teacher_id == self.gives))


async def viewer_sight(session: AsyncSession, viewer: CurrentUser, student: int, stays: Stays, start: date,
                       end: date) -> Sight:
    """At most three statements: the guardianship, the class-teacher appointments, the load."""
    if viewer.id == student or reads_everything(viewer):
        return Sight(everything=True)
    sight = Sight()
    sight.days += [_span(*row) for row in (await session.execute(select(Guardianship.starts_on, Guardianship.ends_on).where(
        Guardianship.guardian_id == viewer.id, Guardianship.student_id == student,
        or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= end),  # no start: since birth
        or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= start)))).all()]
    if "class_teacher" in viewer.roles:
        sight.days += await _led_days(session, viewer, stays, start, end)
    if viewer.roles & WRITERS:
        for page_id, starts, ends in (await session.execute(select(
                TeachingAssignment.subject_page_id, TeachingAssignment.starts_on, TeachingAssignment.ends_on).where(
                TeachingAssignment.teacher_id == viewer.id, TeachingAssignment.school_id == viewer.school_id,
                overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, start, end)))).all():
            sight.pages.setdefault(page_id, []).append(_span(starts, ends))
        sight.gives = viewer.id
    return sight


async def _led_days(session: AsyncSession, viewer: CurrentUser, stays: Stays, start: date, end: date) -> list[Span]:
    """The days the viewer leads a class the student studies in."""
    led = (await session.execute(select(
        ClassTeacherAppointment.class_group_id, ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on).where(
        ClassTeacherAppointment.teacher_id == viewer.id, ClassTeacherAppointment.school_id == viewer.school_id,
        overlapping(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, start, end)))).all()
    spans = []
    for class_id, starts, ends in led:
        for enrolled_class, stay in stays.classes:
            both = _overlap(_span(starts, ends), stay) if enrolled_class == class_id else None
            if both is not None:
                spans.append(both)
    return spans


# ---- the entries --------------------------------------------------------------------------------


async def diary_entries(platform: Any, viewer: CurrentUser, student: int, start: date, end: date) -> list[DiaryEntry]:
    """The student's lessons of ``start .. end`` in the viewer's current school, as the viewer may see them."""
    school_id = viewer.school_id
    if school_id is None or start > end:
        return []
    async with platform.db.reading() as session:
        timezone = await session.scalar(select(School.timezone).where(School.id == school_id))
    today = school_today(timezone or "UTC")
    if start <= today + AHEAD:  # the lessons to a fortnight ahead exist even if nobody opened the journal yet
        await sync_through(platform, school_id, min(end, today + AHEAD))
    async with platform.db.reading() as session:
        stays = await load_stays(session, school_id, student, start, end)
        sight = await viewer_sight(session, viewer, student, stays, start, end)
        if sight.nothing or not stays.classes:
            return []
        return await _entries(session, school_id, student, stays, sight, start, end)


LESSON_COLUMNS = (JournalLesson.id, JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.number,
                  JournalLesson.teacher_id, JournalLesson.change_kind, JournalLesson.topic, JournalLesson.homework,
                  JournalLesson.homework_due, JournalLesson.no_homework)
# Rooms and the timetable's cancelled lessons come with ranges up to this long (a week's view, a
# calendar feed): they need the school's whole timetable of the range.
ROOMS_UP_TO = timedelta(days=42)


async def _entries(session: AsyncSession, school_id: int, student: int, stays: Stays, sight: Sight, start: date,
                   end: date) -> list[DiaryEntry]:
    """Five statements with the student's pages, and the clock's six (or for a short range the
    timetable's fourteen and its rooms)."""
    in_range = and_(JournalLesson.school_id == school_id, JournalLesson.day.between(start, end))
    lessons = [row for row in (await session.execute(
        select(*LESSON_COLUMNS, SubjectPage.class_group_id, SubjectPage.study_group_id, UserAccount.full_name)
        .join(SubjectPage, SubjectPage.id == JournalLesson.subject_page_id)
        .outerjoin(UserAccount, UserAccount.id == JournalLesson.teacher_id)
        .where(in_range, JournalLesson.state == "active", stays.their_pages()))).all()
        if stays.on_page(row.class_group_id, row.study_group_id, row.day)
        and sight.sees(row.subject_page_id, row.day, row.teacher_id)]
    grades: dict[int, list[DiaryGrade]] = {}
    for lesson_id, mark, kind, hundredths, posted in (await session.execute(
            select(JournalGrade.lesson_id, JournalGrade.mark, JournalWorkKind.name, JournalGrade.weight_hundredths,
                   JournalGrade.updated_at)
            .join(JournalWorkKind, JournalWorkKind.id == JournalGrade.work_kind_id)
            .join(JournalLesson, JournalLesson.id == JournalGrade.lesson_id)
            .where(in_range, JournalGrade.student_id == student).order_by(JournalGrade.created_at, JournalGrade.id))).all():
        grades.setdefault(lesson_id, []).append(DiaryGrade(mark=mark, work_kind=kind, weight=weight_of(hundredths),
                                                           posted_at=posted))
    attendance = {row.lesson_id: row for row in (await session.execute(
        select(JournalAttendance.lesson_id, JournalAttendance.code, JournalAttendance.reason, JournalAttendanceCode.excused,
               JournalAttendance.marked_at)
        .join(JournalLesson, JournalLesson.id == JournalAttendance.lesson_id)
        .outerjoin(JournalAttendanceCode, (JournalAttendanceCode.school_id == JournalAttendance.school_id)
                   & (JournalAttendanceCode.code == JournalAttendance.code))
        .where(in_range, JournalAttendance.student_id == student))).all()}
    page_ids = await _student_pages(session, stays)  # the timetable of the student's own pages: a fraction of the school's
    if end - start <= ROOMS_UP_TO:
        data = await load_timetable(session, school_id, start, end, page_ids=page_ids)
        clock, timetable = LessonClock(data), _Timetable.of(data, start, end)
        await timetable.name_rooms(session)
    else:
        clock, timetable = await load_clock(session, school_id, start, end, page_ids=page_ids), _Timetable()
    entries = [_entry(lesson, clock, tuple(grades.get(lesson.id, ())), attendance.get(lesson.id),
                      timetable.rooms.get((lesson.subject_page_id, lesson.day, lesson.number), ""))
               for lesson in lessons]
    entries += [timetable.cancelled_entry(lesson, clock) for lesson in timetable.cancelled
                if stays.on_page(*_holder(lesson.page), lesson.day) and sight.sees(lesson.page.id, lesson.day, lesson.teacher_id)]
    return sorted(entries, key=lambda entry: (entry.day, entry.number is None, entry.number or 0, entry.cancelled, entry.subject))


async def _student_pages(session: AsyncSession, stays: Stays) -> set[int]:
    """The pages of the student's classes and groups: one statement."""
    return set((await session.execute(select(SubjectPage.id).where(stays.their_pages()))).scalars())


def _holder(page: PageInfo) -> tuple[int | None, int | None]:
    """(class id, group id) of a timetable page, as ``Stays.on_page`` takes them."""
    return (None, page.group_id) if page.group_id is not None else (page.class_ids[0] if page.class_ids else None, None)


@dataclass
class _Timetable:
    """The rooms of the range's lessons and the lessons the timetable cancelled."""

    rooms: dict[tuple[int, date, int | None], str] = field(default_factory=dict)  # (page, day, number) → room
    cancelled: list[Lesson] = field(default_factory=list)
    room_ids: dict[tuple[int, date, int | None], int] = field(default_factory=dict)

    @classmethod
    def of(cls, data: TimetableData, start: date, end: date) -> "_Timetable":
        found = cls()
        day = start
        while day <= end:
            for lesson in data.lessons_on(day):
                if lesson.status == CANCELLED:
                    found.cancelled.append(lesson)
                elif lesson.given and lesson.room_id is not None:
                    found.room_ids[(lesson.page.id, lesson.day, lesson.number)] = lesson.room_id
            day += timedelta(days=1)
        return found

    async def name_rooms(self, session: AsyncSession) -> None:
        names = dict((await session.execute(select(Room.id, Room.name).where(
            Room.id.in_(set(self.room_ids.values()) or {0})))).all())
        self.rooms = {key: names.get(room_id, "") for key, room_id in self.room_ids.items()}

    @staticmethod
    def cancelled_entry(lesson: Lesson, clock: LessonClock) -> DiaryEntry:
        starts_at, ends_at = clock.times(lesson.page.id, lesson.day, lesson.number)
        return DiaryEntry(day=lesson.day, number=lesson.number, subject=lesson.page.subject, starts_at=starts_at,
                          ends_at=ends_at, cancelled=True, source=SOURCE,
                          key=f"{SOURCE}-cancelled-{lesson.slot_id}-{lesson.day.isoformat()}")


def _entry(lesson: Any, clock: LessonClock, grades: tuple[DiaryGrade, ...], attendance: Any, room: str) -> DiaryEntry:
    page = clock.page(lesson.subject_page_id)
    starts_at, ends_at = clock.times(lesson.subject_page_id, lesson.day, lesson.number)
    return DiaryEntry(
        day=lesson.day, number=lesson.number, subject=page.subject if page else "", starts_at=starts_at, ends_at=ends_at,
        topic=lesson.topic, homework="" if lesson.no_homework else lesson.homework,
        homework_due=None if lesson.no_homework else lesson.homework_due, grades=grades,
        attendance=attendance.code if attendance else "", replaced=lesson.change_kind in REPLACEMENT_KINDS, source=SOURCE,
        key=f"{SOURCE}-lesson-{lesson.id}", teacher=lesson.full_name or "", room=room,
        attendance_reason=attendance.reason if attendance else "", excused=bool(attendance and attendance.excused),
        attendance_at=attendance.marked_at if attendance else None)

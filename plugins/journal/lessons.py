"""Lists of lessons (a teacher's week, a page's lessons), extra lessons, and the teacher's decision
about a cancelled lesson that already held data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from litestar.exceptions import NotFoundException
from sqlalchemy import String, case, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.events import AttendanceMarked, GradeChanged, emit
from core.i18n import gettext as _
from core.structure.common import active_on, format_day
from core.structure.models import AcademicYear, ClassGroup, StudyGroup, Subject, SubjectPage, TeachingAssignment
from plugins.journal.history import HistoryWriter
from plugins.journal.models import JournalAttendance, JournalAttendanceCode, JournalGrade, JournalLesson
from plugins.journal.scope import holds_page, leads_page_class, lesson_of, reads_everything

REPLACEMENT_KINDS = frozenset({"substitute", "other_subject", "merge", "replacement"})


class LessonError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class LessonLine:
    """A lesson in a list: what it is, who gives it, and how far it is filled."""

    id: int
    day: date
    number: int | None
    page_id: int
    subject: str
    holder: str
    teacher: str
    replaced_teacher: str
    change_kind: str | None
    state: str
    origin: str
    topic: str
    has_homework: bool
    marks: int
    absences: int  # students absent (codes that are absences: not the late)
    entries: int  # attendance entries of any code
    filled_at: datetime | None
    completed_at: datetime | None = None
    plan_topic: bool = False  # the topic is the plan's (the lesson still holds nothing of its own)

    @property
    def is_replacement(self) -> bool:
        return self.change_kind in REPLACEMENT_KINDS

    @property
    def filled(self) -> bool:
        """Filled as the deadline counts it: topic, attendance and homework (or «no homework»)."""
        return self.completed_at is not None

    @property
    def is_empty(self) -> bool:
        return not ((self.topic and not self.plan_topic) or self.has_homework or self.marks or self.entries)


def holder_label():  # type: ignore[no-untyped-def]
    """SQL: «5А» for a class's page, the group's name for a group's (outer-joined to both)."""
    return func.coalesce(StudyGroup.name, cast(ClassGroup.grade_level, String).concat(ClassGroup.letter))


def grade_level_of():  # type: ignore[no-untyped-def]
    """SQL: the page's grade level, its group's or its class's (outer-joined to both)."""
    return func.coalesce(StudyGroup.grade_level, ClassGroup.grade_level)


async def lesson_lines(session: AsyncSession, *conditions: object) -> list[LessonLine]:
    """Lessons matching ``conditions`` with their counts: three statements whatever their number."""
    teacher, replaced = UserAccount.__table__.alias("teacher"), UserAccount.__table__.alias("replaced")
    rows = (await session.execute(
        select(JournalLesson, Subject.name, holder_label(), teacher.c.full_name, replaced.c.full_name)
        .join(SubjectPage, SubjectPage.id == JournalLesson.subject_page_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .outerjoin(teacher, teacher.c.id == JournalLesson.teacher_id)
        .outerjoin(replaced, replaced.c.id == JournalLesson.replaced_teacher_id)
        .where(*conditions)
        .order_by(JournalLesson.day, JournalLesson.number, Subject.sort_order, JournalLesson.id))).all()
    ids = [row[0].id for row in rows] or [0]
    marks = dict((await session.execute(select(JournalGrade.lesson_id, func.count()).where(
        JournalGrade.lesson_id.in_(ids)).group_by(JournalGrade.lesson_id))).all())
    entries = {lesson_id: (total, absent or 0) for lesson_id, total, absent in (await session.execute(
        select(JournalAttendance.lesson_id, func.count(), func.sum(case((JournalAttendanceCode.is_absence, 1), else_=0)))
        .outerjoin(JournalAttendanceCode, (JournalAttendanceCode.school_id == JournalAttendance.school_id)
                   & (JournalAttendanceCode.code == JournalAttendance.code))
        .where(JournalAttendance.lesson_id.in_(ids)).group_by(JournalAttendance.lesson_id))).all()}
    return [LessonLine(
        id=lesson.id, day=lesson.day, number=lesson.number, page_id=lesson.subject_page_id, subject=subject,
        holder=str(holder), teacher=teacher_name or "", replaced_teacher=replaced_name or "", change_kind=lesson.change_kind,
        state=lesson.state, origin=lesson.origin, topic=lesson.topic, has_homework=bool(lesson.homework or lesson.no_homework),
        marks=marks.get(lesson.id, 0), absences=entries.get(lesson.id, (0, 0))[1], entries=entries.get(lesson.id, (0, 0))[0],
        filled_at=lesson.filled_at, completed_at=lesson.completed_at, plan_topic=lesson.plan_topic)
        for lesson, subject, holder, teacher_name, replaced_name in rows]


async def teacher_week(session: AsyncSession, user: CurrentUser, start: date, end: date) -> list[LessonLine]:
    """The lessons a teacher gives in ``start .. end``, or that belong to pages they hold then."""
    held = select(TeachingAssignment.subject_page_id).where(
        TeachingAssignment.teacher_id == user.id, TeachingAssignment.starts_on <= end,
        or_(TeachingAssignment.ends_on.is_(None), TeachingAssignment.ends_on >= start))
    lines = await lesson_lines(session, JournalLesson.school_id == user.school_id, JournalLesson.day.between(start, end),
                               or_(JournalLesson.teacher_id == user.id, JournalLesson.subject_page_id.in_(held)))
    return lines


async def page_lessons(session: AsyncSession, user: CurrentUser, page_id: int, start: date, end: date,
                       today: date) -> list[LessonLine]:
    """A page's lessons of ``start .. end`` for someone who may read the page: the administration;
    its teachers and its classes' class teachers as of the week's day nearest today."""
    page = await session.get(SubjectPage, page_id)
    if page is None or page.school_id != user.school_id:
        raise NotFoundException()
    day = min(end, max(start, today))
    if not reads_everything(user) and not await holds_page(session, user.id, page_id, day) \
            and not await leads_page_class(session, user.id, page, day):
        raise NotFoundException()
    return await lesson_lines(session, JournalLesson.subject_page_id == page_id, JournalLesson.day.between(start, end))


async def held_pages(session: AsyncSession, user: CurrentUser, day: date) -> list[tuple[int, str]]:
    """(page id, «Математика, 5А») of the pages a teacher holds on ``day``: where extra lessons go."""
    rows = (await session.execute(
        select(SubjectPage.id, Subject.name, holder_label())
        .join(TeachingAssignment, TeachingAssignment.subject_page_id == SubjectPage.id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .where(TeachingAssignment.teacher_id == user.id, SubjectPage.school_id == user.school_id,
               active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, day))
        .distinct().order_by(Subject.name, SubjectPage.id))).all()
    return [(row[0], f"{row[1]}, {row[2]}") for row in rows]


class LessonService:
    def __init__(self, session: AsyncSession, user: CurrentUser, today: date) -> None:
        self.session, self.user, self.today = session, user, today

    async def add_extra(self, page_id: int | None, day: date | None, number: int | None) -> JournalLesson:
        """An extra lesson on a page the teacher holds that day (a consultation, a make-up lesson)."""
        if day is None:
            raise LessonError("day", _("Enter the date of the lesson."))
        if page_id is None or not await holds_page(self.session, self.user.id, page_id, day):
            raise LessonError("page_id", _("Choose one of your subject pages (you must teach it on that day)."))
        page = await self.session.get(SubjectPage, page_id)
        year = await self.session.get(AcademicYear, page.academic_year_id) if page else None
        if page is None or year is None or page.school_id != self.user.school_id:
            raise NotFoundException()
        if not year.starts_on <= day <= year.ends_on:
            raise LessonError("day", _("The date must lie within the school year %(year)s.", year=year.name))
        if day > self.today + timedelta(days=14):
            raise LessonError("day", _("An extra lesson is added at most two weeks ahead."))
        if number is not None and not 0 <= number <= 12:
            raise LessonError("number", _("The lesson number is from 0 to 12."))
        if number is not None and await self.session.scalar(select(JournalLesson.id).where(
                JournalLesson.subject_page_id == page_id, JournalLesson.day == day, JournalLesson.number == number,
                JournalLesson.state == "active").limit(1)):
            raise LessonError("number", _("This page already has lesson %(number)d on %(date)s.", number=number,
                                          date=format_day(day)))
        lesson = JournalLesson(school_id=page.school_id, academic_year_id=year.id, subject_page_id=page_id, day=day,
                               number=number, origin="extra", teacher_id=self.user.id, created_by=self.user.id)
        self.session.add(lesson)
        await self.session.flush()
        HistoryWriter(self.session, page.school_id, self.user.id).add(lesson.id, "lesson", "decision", None, "extra")
        return lesson

    async def _refuse_closed(self, lesson_ids: set[int]) -> None:
        """Moving or discarding marks and attendance of a closed period waits until it is reopened."""
        from plugins.journal.closing import closed_lessons  # closing reads the pages' labels from here

        if await closed_lessons(self.session, lesson_ids):
            raise LessonError("decision", _("The lesson's study period is closed: marks and attendance move or go only "
                                            "after the deputy reopens it."))

    async def decide(self, lesson_id: int, decision: str, target_id: int | None) -> JournalLesson | None:
        """What becomes of a cancelled lesson's data: ``kept`` (it was given after all), ``transferred``
        to another lesson of the page, or ``discarded``. Recorded in the history either way."""
        lesson, _page = await lesson_of(self.session, self.user, lesson_id, write=True, lock=True)
        if lesson.state != "cancelled":
            raise LessonError("decision", _("This lesson is not waiting for a decision."))
        history = HistoryWriter(self.session, lesson.school_id, self.user.id)
        if decision == "kept":
            lesson.state, lesson.decision, lesson.decided_by, lesson.decided_at = "active", "kept", self.user.id, utcnow()
            history.add(lesson.id, "lesson", "decision", None, "kept")
            await self.session.flush()
            return lesson
        if decision == "transferred":
            target = await self._transfer_target(lesson, target_id)
            await self._refuse_closed({lesson.id, target.id})
            await self._move_data(lesson, target, history)
        elif decision == "discarded":
            await self._refuse_closed({lesson.id})
            await self._discard_data(lesson, history)
        else:
            raise LessonError("decision", _("Choose what to do with the lesson."))
        history.add(lesson.id, "lesson", "decision", None, decision)
        await self.session.delete(lesson)
        await self.session.flush()
        return None

    async def _transfer_target(self, lesson: JournalLesson, target_id: int | None) -> JournalLesson:
        """Another lesson of the page, given by today, that holds nothing yet: nothing is overwritten."""
        target = await self.session.scalar(select(JournalLesson).where(
            JournalLesson.id == (target_id or 0), JournalLesson.subject_page_id == lesson.subject_page_id,
            JournalLesson.id != lesson.id, JournalLesson.state == "active").with_for_update())
        if target is None:
            raise LessonError("target_id", _("Choose another lesson of the same page."))
        if target.day > self.today:
            raise LessonError("target_id", _("Choose a lesson given on or before today."))
        held = await self.session.scalar(select(
            select(JournalAttendance.id).where(JournalAttendance.lesson_id == target.id).exists()
            | select(JournalGrade.id).where(JournalGrade.lesson_id == target.id).exists()))
        if held or (target.topic and not target.plan_topic) or (target.homework and not target.plan_homework) \
                or target.no_homework or target.note:
            raise LessonError("target_id", _("That lesson already holds data: choose an empty one."))
        return target

    async def _move_data(self, lesson: JournalLesson, target: JournalLesson, history: HistoryWriter) -> None:
        """The cancelled lesson's fields, attendance and marks to ``target``; the history and the
        events say where each went (the diary and reports follow them)."""
        moved_from = _("from the cancelled lesson of %(date)s", date=format_day(lesson.day))
        for name in ("topic", "homework", "homework_due", "no_homework", "work_kind_id", "note"):
            value = getattr(lesson, name)
            setattr(target, name, value)
            if value not in (None, "", False):
                history.add(target.id, "lesson", "work_kind" if name == "work_kind_id" else name, None, value,
                            reason=moved_from)
        target.plan_topic = target.plan_homework = False  # the moved text is the teacher's
        target.filled_at = target.filled_at or lesson.filled_at
        target.attendance_at = target.attendance_at or lesson.attendance_at
        target.completed_at = target.completed_at or lesson.completed_at
        target.version += 1
        for model in (JournalAttendance, JournalGrade):
            record = "attendance" if model is JournalAttendance else "grade"
            for row in (await self.session.execute(select(model).where(model.lesson_id == lesson.id))).scalars():
                history.add(target.id, record, "lesson", format_day(lesson.day), format_day(target.day),
                            student_id=row.student_id, record_id=row.id, reason=moved_from)
                self._announce(target, row, gone=False)
                self._announce(lesson, row, gone=True)
            await self.session.execute(update(model).where(model.lesson_id == lesson.id).values(lesson_id=target.id))
        history.add(target.id, "lesson", "decision", None, "transferred", reason=moved_from)

    async def _discard_data(self, lesson: JournalLesson, history: HistoryWriter) -> None:
        for model in (JournalAttendance, JournalGrade):
            for row in (await self.session.execute(select(model).where(model.lesson_id == lesson.id))).scalars():
                field, value = ("code", row.code) if model is JournalAttendance else ("mark", row.mark)
                history.add(lesson.id, "attendance" if model is JournalAttendance else "grade", field, value, None,
                            student_id=row.student_id, record_id=row.id)
                self._announce(lesson, row, gone=True)
            await self.session.execute(delete(model).where(model.lesson_id == lesson.id))
        for name in ("topic", "homework", "note"):
            if getattr(lesson, name):
                history.add(lesson.id, "lesson", name, getattr(lesson, name), None)

    def _announce(self, lesson: JournalLesson, row: JournalAttendance | JournalGrade, *, gone: bool) -> None:
        """A mark or an attendance entry leaves ``lesson`` (``gone``) or arrives at it."""
        if isinstance(row, JournalGrade):
            emit(self.session, GradeChanged(
                school_id=lesson.school_id, grade_id=row.id, lesson_id=lesson.id, student_id=row.student_id,
                subject_page_id=lesson.subject_page_id, day=lesson.day, old_mark="" if not gone else row.mark,
                mark="" if gone else row.mark, changed_by=self.user.id))
        else:
            emit(self.session, AttendanceMarked(
                school_id=lesson.school_id, lesson_id=lesson.id, student_id=row.student_id,
                subject_page_id=lesson.subject_page_id, day=lesson.day, number=lesson.number,
                code="" if gone else row.code, old_code=row.code if gone else "", changed_by=self.user.id))

    async def transfer_choices(self, lesson: JournalLesson) -> list[LessonLine]:
        """Lessons of the same page around the cancelled one that could take its data."""
        lines = await lesson_lines(self.session, JournalLesson.subject_page_id == lesson.subject_page_id,
                                   JournalLesson.state == "active",
                                   JournalLesson.day.between(lesson.day - timedelta(days=21), lesson.day + timedelta(days=21)))
        return [line for line in lines if line.day <= self.today and line.is_empty]

"""Absence reasons: the class teacher's side of attendance (regulation: the class teacher keeps the
reasons of absences, from a doctor's note or a parent's request).

A class teacher reaches the attendance entries of their class's students, across all subjects, on
the days the student was enrolled in the class and they led it. They change an entry's code (Н →
Б) and give a reason («справка от врача № 123»); they never invent an absence. Each change locks
its lesson (as the subject teacher's save does), refuses a stale version with the current value,
and goes to the history and the outbox in the same transaction, so the subject teacher's original
code stays in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.events import AttendanceMarked, emit
from core.i18n import gettext as _
from core.people.models import Enrollment, PersonProfile
from core.structure.common import active_on, overlapping
from core.structure.models import ClassGroup, ClassTeacherAppointment, Subject, SubjectPage
from plugins.journal.closing import amend_refusal, closed_lessons, hold_against_closing
from plugins.journal.filling import Conflict, FillRefused
from plugins.journal.history import HistoryWriter
from plugins.journal.models import JournalAttendance, JournalAttendanceCode, JournalLesson
from plugins.journal.rules import finals_rules

REASON_MAX = 300


@dataclass(frozen=True)
class AbsenceRow:
    """One attendance entry as the class teacher sees it."""

    id: int
    lesson_id: int
    day: date
    number: int | None
    subject: str
    class_id: int
    student_id: int
    student: str
    sort_key: str
    code: str
    reason: str
    set_by: str
    updated_at: datetime | None
    version: int


@dataclass
class StudentAbsences:
    student_id: int
    name: str
    rows: list[AbsenceRow]

    @property
    def days(self) -> list[tuple[date, list[AbsenceRow]]]:
        grouped: dict[date, list[AbsenceRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.day, []).append(row)
        return list(grouped.items())


@dataclass
class AbsenceWeek:
    class_id: int
    holder: str  # «5А»
    monday: date
    rows: list[AbsenceRow]
    codes: list[JournalAttendanceCode]  # active and archived, in order: an entry may hold an archived one

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def students(self) -> list[StudentAbsences]:
        found: dict[int, StudentAbsences] = {}
        for row in self.rows:
            found.setdefault(row.student_id, StudentAbsences(row.student_id, row.student, [])).rows.append(row)
        return list(found.values())


@dataclass(frozen=True)
class BulkInput:
    """«From – to, set code X with reason R» for one student's absence entries."""

    student_id: int | None
    starts_on: date | None
    ends_on: date | None
    code: str
    reason: str


class AbsenceService:
    def __init__(self, session: AsyncSession, user: CurrentUser, today: date) -> None:
        self.session, self.user, self.today = session, user, today
        self.school_id = user.school_id or 0

    # ---- reading -------------------------------------------------------------------------------

    async def week(self, class_id: int, monday: date) -> AbsenceWeek:
        """The class's attendance entries of the week, by student and day: three statements.
        A class the person does not lead on any day of the week is a 404."""
        sunday = monday + timedelta(days=6)
        group = await self.session.scalar(select(ClassGroup).where(
            ClassGroup.id == class_id, ClassGroup.school_id == self.school_id,
            select(ClassTeacherAppointment.id).where(
                ClassTeacherAppointment.class_group_id == ClassGroup.id, ClassTeacherAppointment.teacher_id == self.user.id,
                overlapping(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, monday, sunday)).exists()))
        if group is None:
            raise NotFoundException()
        codes = await self.codes()
        rows = await self._rows(Enrollment.class_group_id == class_id, JournalLesson.day.between(monday, sunday))
        return AbsenceWeek(class_id, f"{group.grade_level}{group.letter}", monday, rows, codes)

    async def find(self, attendance_id: int) -> AbsenceRow | None:
        """One entry within the person's reach."""
        found = await self._rows(JournalAttendance.id == attendance_id)
        return found[0] if found else None

    async def entry(self, attendance_id: int) -> AbsenceRow:
        """One entry within the person's reach (otherwise 404)."""
        found = await self.find(attendance_id)
        if found is None:
            raise NotFoundException()
        return found

    async def codes(self) -> list[JournalAttendanceCode]:
        return list((await self.session.execute(select(JournalAttendanceCode).where(
            JournalAttendanceCode.school_id == self.school_id)
            .order_by(JournalAttendanceCode.sort_order, JournalAttendanceCode.id))).scalars())

    async def _rows(self, *conditions: Any) -> list[AbsenceRow]:
        """Entries of active lessons whose student was, on the lesson's day, enrolled in a class the
        person led that day; ``conditions`` narrow them. One statement."""
        student, setter = UserAccount.__table__.alias("student"), UserAccount.__table__.alias("setter")
        sort_key = func.coalesce(PersonProfile.search_key, student.c.full_name)
        rows = (await self.session.execute(
            select(JournalAttendance.id, JournalAttendance.lesson_id, JournalLesson.day, JournalLesson.number, Subject.name,
                   Enrollment.class_group_id, JournalAttendance.student_id, student.c.full_name, sort_key,
                   JournalAttendance.code, JournalAttendance.reason, setter.c.full_name, JournalAttendance.updated_at,
                   JournalAttendance.version)
            .join(JournalLesson, JournalLesson.id == JournalAttendance.lesson_id)
            .join(SubjectPage, SubjectPage.id == JournalLesson.subject_page_id)
            .join(Subject, Subject.id == SubjectPage.subject_id)
            .join(Enrollment, and_(Enrollment.student_id == JournalAttendance.student_id, Enrollment.school_id == self.school_id,
                                   active_on(Enrollment.starts_on, Enrollment.ends_on, JournalLesson.day)))
            .join(ClassTeacherAppointment, and_(
                ClassTeacherAppointment.class_group_id == Enrollment.class_group_id,
                ClassTeacherAppointment.teacher_id == self.user.id,
                active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, JournalLesson.day)))
            .join(student, student.c.id == JournalAttendance.student_id)
            .outerjoin(PersonProfile, PersonProfile.user_id == JournalAttendance.student_id)
            .outerjoin(setter, setter.c.id == JournalAttendance.updated_by)
            .where(JournalLesson.school_id == self.school_id, JournalLesson.state == "active", *conditions)
            .order_by(sort_key, JournalAttendance.student_id, JournalLesson.day, JournalLesson.number,
                      JournalAttendance.id))).all()
        seen: set[int] = set()  # overlapping appointments must not show an entry twice
        found = []
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                found.append(AbsenceRow(*row[:11], row[11] or "", row[12], row[13]))
        return found

    # ---- writing -------------------------------------------------------------------------------

    async def set_reason(self, attendance_id: int, code: str, reason: str, version: str) -> bool:
        """Change one entry's code and reason. Bad input: ``FillRefused`` (422); a stale
        ``version``: ``FillRefused`` with the current value (409). True when anything changed."""
        shown = await self.entry(attendance_id)
        lesson = await self._lock(shown.lesson_id)
        row = await self.session.scalar(select(JournalAttendance).where(JournalAttendance.id == attendance_id)
                                        .execution_options(populate_existing=True))
        codes = {item.code: item for item in await self.codes()}
        code, reason = code.strip(), _clean_reason(reason)
        errors = self._check_input(code, reason, codes, row.code if row else "")
        if row is not None and not _is_absence(codes.get(row.code)) and _is_absence(codes.get(code)):
            # Who was there is the subject teacher's to say: a late student is not made absent here.
            errors.setdefault("code", _("The student was at the lesson: the subject teacher marks absences."))
        if row is not None and code != row.code:
            errors.update(await self._closed_refusal({lesson.id}, reason))
        conflict = await self._stale(row, version, (code, reason))
        if errors or conflict:
            raise FillRefused(errors, {"entry": conflict} if conflict else None)
        assert row is not None
        return self._apply(lesson, row, code, reason, codes, HistoryWriter(self.session, self.school_id, self.user.id))

    async def bulk(self, class_id: int, wanted: BulkInput) -> int:
        """Set one code and reason on every absence entry of a student in ``starts_on .. ends_on``,
        all or nothing; the number of entries changed. A class or student out of reach is a 404."""
        errors = self._check_range(wanted)
        codes = {item.code: item for item in await self.codes()}
        code, reason = wanted.code.strip(), _clean_reason(wanted.reason)
        errors.update(self._check_input(code, reason, codes, ""))
        if code and code in codes and not codes[code].is_absence:
            errors["code"] = _("Choose a code of absence.")
        if errors:
            raise FillRefused(errors)
        assert wanted.starts_on is not None and wanted.ends_on is not None and wanted.student_id is not None
        await self._require_student(class_id, wanted.student_id, wanted.starts_on, wanted.ends_on)
        shown = [row for row in await self._rows(
            Enrollment.class_group_id == class_id, JournalAttendance.student_id == wanted.student_id,
            JournalLesson.day.between(wanted.starts_on, wanted.ends_on)) if _is_absence(codes.get(row.code))]
        if not shown:
            raise FillRefused({"form": _("The student has no absences on these days: there is nothing to change.")})
        lessons = {lesson.id: lesson for lesson in await self._lock_all({row.lesson_id for row in shown})}
        refusal = await self._closed_refusal({row.lesson_id for row in shown if row.code != code}, reason)
        if refusal:
            raise FillRefused(refusal)
        rows = (await self.session.execute(select(JournalAttendance).where(
            JournalAttendance.id.in_([row.id for row in shown])).execution_options(populate_existing=True))).scalars()
        history = HistoryWriter(self.session, self.school_id, self.user.id)
        changed = 0
        for row in rows:  # an entry changed to «present» or «late» meanwhile is no longer an absence
            if _is_absence(codes.get(row.code)) and self._apply(lessons[row.lesson_id], row, code, reason, codes, history):
                changed += 1
        await self.session.flush()
        return changed

    async def _closed_refusal(self, lesson_ids: set[int], reason: str) -> dict[str, str]:
        """A code changed on a lesson of a closed period: the class teacher's reason is the change's
        reason, and the school must let class teachers change closed periods."""
        if not await closed_lessons(self.session, lesson_ids):
            return {}
        return amend_refusal(self.user.roles, (await finals_rules(self.session, self.school_id)).amend_roles, reason)

    def _check_input(self, code: str, reason: str, codes: dict[str, JournalAttendanceCode], stored: str) -> dict[str, str]:
        errors = {}
        found = codes.get(code)
        if found is None or (found.is_archived and code != stored):  # an archived code may stay, not be chosen
            errors["code"] = _("Choose an attendance code from the list.")
        if len(reason) > REASON_MAX:
            errors["reason"] = _("Too long: at most %(count)d characters.", count=REASON_MAX)
        return errors

    @staticmethod
    def _check_range(wanted: BulkInput) -> dict[str, str]:
        if wanted.student_id is None:
            return {"form": _("Choose a student.")}
        if wanted.starts_on is None:
            return {"starts_on": _("Enter the start date.")}
        if wanted.ends_on is None:
            return {"ends_on": _("Enter the end date.")}
        if wanted.ends_on < wanted.starts_on:
            return {"ends_on": _("The end date is before the start date.")}
        if (wanted.ends_on - wanted.starts_on).days > 366:
            return {"ends_on": _("Choose at most a year of days.")}
        return {}

    async def _require_student(self, class_id: int, student_id: int, start: date, end: date) -> None:
        """The person led the class, and the student was enrolled in it, on some day of the range."""
        found = await self.session.scalar(select(Enrollment.id).join(ClassTeacherAppointment, and_(
            ClassTeacherAppointment.class_group_id == Enrollment.class_group_id,
            ClassTeacherAppointment.teacher_id == self.user.id,
            overlapping(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, start, end)))
            .where(Enrollment.class_group_id == class_id, Enrollment.student_id == student_id,
                   Enrollment.school_id == self.school_id, overlapping(Enrollment.starts_on, Enrollment.ends_on, start, end))
            .limit(1))
        if found is None:
            raise NotFoundException()

    async def _stale(self, row: JournalAttendance | None, version: str, wanted: tuple[str, str]) -> Conflict | None:
        """The entry as stored now, when the form showed another version of it (unless it already
        holds what the form asks for: two tabs saving the same note do not conflict)."""
        if row is not None and (version.strip() == str(row.version) or (row.code, row.reason) == wanted):
            return None
        if row is None:
            return Conflict(_("present"), "", None)
        name = await self.session.scalar(select(UserAccount.full_name).where(UserAccount.id == row.updated_by)) \
            if row.updated_by else None
        current = f"{row.code} — {row.reason}" if row.reason else row.code
        return Conflict(current, name or "", row.updated_at)

    async def _lock(self, lesson_id: int) -> JournalLesson:
        """The lesson, locked for this save: the subject teacher's save of it waits (and vice versa)."""
        locked = await self._lock_all({lesson_id})
        if not locked:
            raise NotFoundException()
        return locked[0]

    async def _lock_all(self, lesson_ids: set[int]) -> list[JournalLesson]:
        await hold_against_closing(self.session, self.school_id)
        return list((await self.session.execute(select(JournalLesson).where(
            JournalLesson.id.in_(sorted(lesson_ids)), JournalLesson.school_id == self.school_id)
            .order_by(JournalLesson.id).with_for_update())).scalars())

    def _apply(self, lesson: JournalLesson, row: JournalAttendance, code: str, reason: str,
               codes: dict[str, JournalAttendanceCode], history: HistoryWriter) -> bool:
        """Write the change with its history (and its event when the code changes)."""
        old_code, old_reason = row.code, row.reason
        if (old_code, old_reason) == (code, reason):
            return False
        if code != old_code:
            row.marked_at = utcnow()
            history.add(lesson.id, "attendance", "code", old_code, code, student_id=row.student_id, record_id=row.id,
                        reason=reason)
            emit(self.session, AttendanceMarked(
                school_id=lesson.school_id, lesson_id=lesson.id, student_id=row.student_id,
                subject_page_id=lesson.subject_page_id, day=lesson.day, number=lesson.number, code=code, old_code=old_code,
                is_absence=_is_absence(codes.get(code)), changed_by=self.user.id))
        if reason != old_reason:
            history.add(lesson.id, "attendance", "reason", old_reason, reason, student_id=row.student_id, record_id=row.id)
        row.code, row.reason, row.updated_by, row.updated_at = code, reason, self.user.id, utcnow()
        row.version += 1
        return True


def _is_absence(code: JournalAttendanceCode | None) -> bool:
    return code is None or code.is_absence  # a code the school no longer has counts as it was: an absence


def _clean_reason(text: str) -> str:
    return " ".join(text.split())

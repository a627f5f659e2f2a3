"""The deputy's journal checks (regulation 5.3: at least monthly; 6.4: at least once a period, with an
information note brought to the teachers within three working days).

A check is of a class's journal (its class teacher and the teachers of its pages that day are
concerned) or of one teacher's. Its note reaches them when the deputy sends it: from then on it is
on each teacher's start page until they mark it read. A check whose note is not sent within three
working days of the check is flagged on the deputy's page, and so is a teacher who has not read a
note three working days after it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant, UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.i18n import gettext as _
from core.structure.common import StructureError, active_on, lock_school
from core.structure.models import (
    AcademicYear, CalendarDays, ClassGroup, ClassTeacherAppointment, StudyGroupClass, SubjectPage, TeachingAssignment,
)
from core.web.structure.common import parse_date
from plugins.journal.closing import Term, year_terms
from plugins.journal.models import JournalCheck, JournalCheckRecipient

NOTE_WORKING_DAYS = 3
SUBJECT_MAX, TEXT_MAX = 200, 5000
CHECKERS = frozenset({"deputy", "director"})


class CheckRefused(ValueError):
    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors, self.status = errors, status


@dataclass(frozen=True)
class CheckInput:
    checked_on: str
    scope: str  # «class-<id>» or «teacher-<id>»
    subject: str
    findings: str
    recommendations: str


@dataclass
class CheckLine:
    check: JournalCheck
    scope: str  # «5А» or the teacher's name
    term: Term | None
    note_due: date  # the note reaches the teachers by this day
    recipients: list[tuple[int, str, datetime | None]]  # teacher, name, read
    read_due: date | None = None  # the teachers have read it by this day (three working days after it was sent)

    @property
    def late(self) -> bool:
        return self.check.sent_at is None

    @property
    def sent_late(self) -> bool:
        return self.check.sent_at is not None and self.check.sent_at.date() > self.note_due

    @property
    def unread(self) -> int:
        return sum(1 for _id, _name, read in self.recipients if read is None)


def add_working_days(day: date, count: int, days_off: set[date]) -> date:
    """The day ``count`` working days after ``day``: Monday to Friday, not a public holiday (the
    pupils' vacations are working days for the staff)."""
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in days_off:
            count -= 1
    return day


async def days_off(session: AsyncSession, year_id: int) -> set[date]:
    found: set[date] = set()
    for starts, ends in (await session.execute(select(CalendarDays.starts_on, CalendarDays.ends_on).where(
            CalendarDays.academic_year_id == year_id, CalendarDays.kind == "holiday"))).all():
        day = starts
        while day <= (ends or starts):
            found.add(day)
            day += timedelta(days=1)
    return found


class CheckService:
    def __init__(self, session: AsyncSession, user: CurrentUser) -> None:
        self.session, self.user, self.school_id = session, user, user.school_id or 0

    # ---- the deputy's list -----------------------------------------------------------------------

    async def lines(self, year: AcademicYear, today: date) -> list[CheckLine]:
        """The year's checks, newest first, each with its period, its note's due day and its readers."""
        checks = list((await self.session.execute(select(JournalCheck).where(
            JournalCheck.school_id == self.school_id, JournalCheck.academic_year_id == year.id)
            .order_by(JournalCheck.checked_on.desc(), JournalCheck.id.desc()))).scalars())
        return await self._lines(checks, year)

    async def _lines(self, checks: list[JournalCheck], year: AcademicYear) -> list[CheckLine]:
        terms, _kinds = await year_terms(self.session, year)
        off = await days_off(self.session, year.id)
        readers = (await self.session.execute(
            select(JournalCheckRecipient.check_id, JournalCheckRecipient.teacher_id, UserAccount.full_name,
                   JournalCheckRecipient.read_at).join(UserAccount, UserAccount.id == JournalCheckRecipient.teacher_id)
            .where(JournalCheckRecipient.check_id.in_([check.id for check in checks] or [0]))
            .order_by(UserAccount.full_name))).all()
        scopes = await self._scopes(checks)
        return [CheckLine(check, scopes.get(check.id, ""), _term_of(terms, check.checked_on),
                          add_working_days(check.checked_on, NOTE_WORKING_DAYS, off),
                          [(teacher, name, read) for check_id, teacher, name, read in readers if check_id == check.id],
                          add_working_days(check.sent_at.date(), NOTE_WORKING_DAYS, off) if check.sent_at else None)
                for check in checks]

    async def _scopes(self, checks: list[JournalCheck]) -> dict[int, str]:
        classes = {row[0]: f"{row[1]}{row[2]}" for row in (await self.session.execute(
            select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter).where(
                ClassGroup.id.in_([c.class_group_id for c in checks if c.class_group_id] or [0])))).all()}
        teachers = dict((await self.session.execute(select(UserAccount.id, UserAccount.full_name).where(
            UserAccount.id.in_([c.teacher_id for c in checks if c.teacher_id] or [0])))).all())
        return {check.id: classes.get(check.class_group_id, "") if check.class_group_id else teachers.get(check.teacher_id, "")
                for check in checks}

    async def choices(self, year: AcademicYear) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
        """The year's classes and the school's teachers, for the form."""
        classes = [(row[0], f"{row[1]}{row[2]}") for row in (await self.session.execute(
            select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter).where(ClassGroup.academic_year_id == year.id)
            .order_by(ClassGroup.grade_level, ClassGroup.letter))).all()]
        teachers = list((await self.session.execute(
            select(UserAccount.id, UserAccount.full_name).join(RoleGrant, RoleGrant.user_id == UserAccount.id).where(
                RoleGrant.school_id == self.school_id, RoleGrant.role.in_(("teacher", "class_teacher")))
            .distinct().order_by(UserAccount.full_name))).all())
        return classes, [tuple(row) for row in teachers]  # type: ignore[misc]

    # ---- one check -------------------------------------------------------------------------------

    async def line(self, check_id: int) -> CheckLine:
        """The check as its author's side or one of its teachers sees it; 404 for anyone else."""
        check = await self.session.get(JournalCheck, check_id)
        if check is None or check.school_id != self.school_id:
            raise NotFoundException()
        year = await self.session.get(AcademicYear, check.academic_year_id)
        assert year is not None
        line = (await self._lines([check], year))[0]
        reader = any(teacher == self.user.id for teacher, _name, _read in line.recipients) and check.sent_at is not None
        if not (self.user.roles & CHECKERS or reader):  # the deputy and the director read every check
            raise NotFoundException()
        return line

    async def create(self, wanted: CheckInput, today: date) -> JournalCheck:
        errors: dict[str, str] = {}
        try:
            checked_on = parse_date(wanted.checked_on)
        except StructureError as error:
            checked_on, errors["checked_on"] = None, error.message
        if checked_on is None and "checked_on" not in errors:
            errors["checked_on"] = _("Enter the day of the check.")
        elif checked_on is not None and checked_on > today:
            errors["checked_on"] = _("A check is recorded once it is made: the day cannot be in the future.")
        texts = {name: _clean(getattr(wanted, name)) for name in ("subject", "findings", "recommendations")}
        for name, limit in (("subject", SUBJECT_MAX), ("findings", TEXT_MAX), ("recommendations", TEXT_MAX)):
            if len(texts[name]) > limit:
                errors[name] = _("Too long: at most %(count)d characters.", count=limit)
        if not texts["findings"]:
            errors.setdefault("findings", _("Write what the check found."))
        year = await self._year_of(checked_on) if checked_on else None
        if checked_on and year is None:
            errors["checked_on"] = _("The day is outside the school's years.")
        scope = await self._scope(wanted.scope, year) if year else None
        if year and scope is None:
            errors["scope"] = _("Choose a class or a teacher from the list.")
        if errors:
            raise CheckRefused(errors)
        assert checked_on is not None and year is not None and scope is not None
        kind, object_id = scope
        check = JournalCheck(school_id=self.school_id, academic_year_id=year.id, checked_on=checked_on,
                             class_group_id=object_id if kind == "class" else None,
                             teacher_id=object_id if kind == "teacher" else None, created_by=self.user.id, **texts)
        self.session.add(check)
        await self.session.flush()
        for teacher in await self._concerned(check):
            self.session.add(JournalCheckRecipient(check_id=check.id, teacher_id=teacher))
        await self.session.flush()
        return check

    async def send(self, check_id: int, version: str) -> JournalCheck:
        await lock_school(self.session, self.school_id)
        check = await self.session.get(JournalCheck, check_id, populate_existing=True)
        if check is None or check.school_id != self.school_id:
            raise NotFoundException()
        if version.strip() != str(check.version):
            raise CheckRefused({"form": _("Nothing was done: someone changed this check meanwhile. Look again.")}, 409)
        if check.sent_at is not None:
            raise CheckRefused({"form": _("The note has been sent already.")}, 409)
        check.sent_at, check.version = utcnow(), check.version + 1
        await self.session.flush()
        return check

    async def mark_read(self, check_id: int) -> bool:
        """The teacher has read the note; False when they had already."""
        line = await self.line(check_id)
        if not any(teacher == self.user.id for teacher, _name, _read in line.recipients):
            raise NotFoundException()
        result = await self.session.execute(update(JournalCheckRecipient).where(
            JournalCheckRecipient.check_id == check_id, JournalCheckRecipient.teacher_id == self.user.id,
            JournalCheckRecipient.read_at.is_(None)).values(read_at=utcnow()))
        return bool(result.rowcount)

    async def unread_notes(self) -> list[CheckLine]:
        """The notes sent to the teacher that they have not marked read yet."""
        checks = list((await self.session.execute(
            select(JournalCheck).join(JournalCheckRecipient, JournalCheckRecipient.check_id == JournalCheck.id).where(
                JournalCheck.school_id == self.school_id, JournalCheck.sent_at.is_not(None),
                JournalCheckRecipient.teacher_id == self.user.id, JournalCheckRecipient.read_at.is_(None))
            .order_by(JournalCheck.checked_on.desc()))).scalars())
        if not checks:
            return []
        years = {check.academic_year_id for check in checks}
        lines = []
        for year_id in sorted(years):
            year = await self.session.get(AcademicYear, year_id)
            assert year is not None
            lines += await self._lines([check for check in checks if check.academic_year_id == year_id], year)
        return lines

    # ---- helpers ---------------------------------------------------------------------------------

    async def _year_of(self, day: date) -> AcademicYear | None:
        return await self.session.scalar(select(AcademicYear).where(
            AcademicYear.school_id == self.school_id, AcademicYear.starts_on <= day, AcademicYear.ends_on >= day))

    async def _scope(self, text: str, year: AcademicYear) -> tuple[str, int] | None:
        kind, _sep, number = text.strip().partition("-")
        if kind not in ("class", "teacher") or not (number.isascii() and number.isdigit() and len(number) <= 9):
            return None
        classes, teachers = await self.choices(year)
        known = {object_id for object_id, _name in (classes if kind == "class" else teachers)}
        return (kind, int(number)) if int(number) in known else None

    async def _concerned(self, check: JournalCheck) -> set[int]:
        """The teacher checked; or the class's class teacher and the teachers of its pages on the day."""
        if check.teacher_id is not None:
            return {check.teacher_id}
        day = check.checked_on
        leaders = select(ClassTeacherAppointment.teacher_id).where(
            ClassTeacherAppointment.class_group_id == check.class_group_id,
            active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, day))
        groups = select(StudyGroupClass.study_group_id).where(StudyGroupClass.class_group_id == check.class_group_id)
        teachers = select(TeachingAssignment.teacher_id).join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id) \
            .where(or_(SubjectPage.class_group_id == check.class_group_id, SubjectPage.study_group_id.in_(groups)),
                   active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, day))
        return set((await self.session.execute(leaders.union(teachers))).scalars())


def _term_of(terms: list[Term], day: date) -> Term | None:
    return next((term for term in terms if term.period_id is not None and term.starts_on <= day <= term.ends_on), None)


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))

"""The class's summary sheets (regulation 4.2, 6.6) and a page's results for a period (4.5, 6.3).

- «Сводная ведомость учета успеваемости»: every page's period (or year) marks per student of a
  class, by subject, with успеваемость and качество per subject and for the class.
- «Сводная ведомость учета посещаемости»: lessons and days missed per student per month, split
  into illness (the code «Б»), other excused reasons and unexcused, with totals.
- «Итоги успеваемости по предмету за период»: a page's marks of a term — how many of each,
  успеваемость, качество, the average.

Успеваемость is the share of the students listed without a failing mark («2», «1», «н/а»,
«незач»); качество the share with only «4» and «5» (and «зач»). «Осв» counts for neither: a
student whose only marks are «осв» is not listed. Each is read in a fixed number of statements.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.i18n import format_date
from core.i18n import gettext as _
from core.people.models import Enrollment, PersonProfile
from core.people.spreadsheets import Sheet
from core.structure.common import overlapping
from core.structure.models import ClassGroup, StudyGroupClass, StudyGroupMember, Subject, SubjectPage
from plugins.journal.closing import Term
from plugins.journal.finals import EXEMPT, FAILED, NOT_ASSESSED, PASSED
from plugins.journal.grading import average_text
from plugins.journal.grid import months_between
from plugins.journal.models import JournalAttendance, JournalAttendanceCode, JournalFinalGrade, JournalLesson

FAILING = frozenset({"1", "2", NOT_ASSESSED, FAILED})
GOOD = frozenset({"4", "5", PASSED})
ILLNESS = "Б"  # the code of illness («болел»)
FAR = date(9999, 12, 31)


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "—"


@dataclass
class Rates:
    """Успеваемость and качество over students, each with their marks."""

    listed: int = 0
    succeeding: int = 0
    good: int = 0

    def add(self, marks: Iterable[str]) -> None:
        counted = [mark for mark in marks if mark and mark != EXEMPT]
        if not counted:
            return
        self.listed += 1
        if not FAILING & set(counted):
            self.succeeding += 1
            if all(mark in GOOD for mark in counted):
                self.good += 1

    @property
    def success(self) -> str:
        return percent(self.succeeding, self.listed)

    @property
    def quality(self) -> str:
        return percent(self.good, self.listed)


@dataclass(frozen=True)
class Student:
    id: int
    name: str
    left: date | None  # left the class during the range


async def class_students(session: AsyncSession, class_id: int, starts_on: date, ends_on: date) -> list[Student]:
    """Everyone in the class some day of the range, by name; ``left`` for those gone by its end."""
    rows = (await session.execute(
        select(UserAccount.id, UserAccount.full_name, Enrollment.ends_on, PersonProfile.search_key)
        .join(Enrollment, Enrollment.student_id == UserAccount.id)
        .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
        .where(Enrollment.class_group_id == class_id, overlapping(Enrollment.starts_on, Enrollment.ends_on, starts_on, ends_on))
    )).all()
    last: dict[int, tuple[str, str, date]] = {}
    for student_id, name, ends, key in rows:
        seen = last.get(student_id)
        end = ends or FAR
        if seen is None or end > seen[2]:
            last[student_id] = (name, key or name, end)
    students = [Student(sid, name, end if end < ends_on else None) for sid, (name, _key, end) in last.items()]
    return sorted(students, key=lambda student: (last[student.id][1], student.id))


async def class_pages(session: AsyncSession, class_group: ClassGroup) -> list[tuple[int, int, str, int | None]]:
    """(page, subject, subject name, group) of the class's own pages and its groups' pages, by subject."""
    groups = select(StudyGroupClass.study_group_id).where(StudyGroupClass.class_group_id == class_group.id)
    return [tuple(row) for row in (await session.execute(
        select(SubjectPage.id, Subject.id, Subject.name, SubjectPage.study_group_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .where(SubjectPage.academic_year_id == class_group.academic_year_id,
               or_(SubjectPage.class_group_id == class_group.id, SubjectPage.study_group_id.in_(groups)))
        .order_by(Subject.sort_order, Subject.name, SubjectPage.id))).all()]  # type: ignore[misc]


# ---- «сводная ведомость учета успеваемости» ------------------------------------------------------


@dataclass
class SubjectColumn:
    subject_id: int
    name: str
    rates: Rates = field(default_factory=Rates)
    counts: Counter = field(default_factory=Counter)  # type: ignore[type-arg]


@dataclass
class GradesSummary:
    class_group: ClassGroup
    term: Term
    students: list[Student]
    subjects: list[SubjectColumn]
    marks: dict[tuple[int, int], str]  # (student, subject) → the term's mark
    rates: Rates

    def mark(self, student_id: int, subject_id: int) -> str:
        return self.marks.get((student_id, subject_id), "")

    def sheet(self, holder: str, term_title: str) -> Sheet:
        headers = ["№", _("Student"), *[column.name for column in self.subjects]]
        rows = [[index, student.name + (f" ({_('left %(day)s', day=student.left.strftime('%d.%m'))})" if student.left else ""),
                 *[self.mark(student.id, column.subject_id) for column in self.subjects]]
                for index, student in enumerate(self.students, start=1)]
        footer = [["", _("Success rate"), *[column.rates.success for column in self.subjects]],
                  ["", _("Quality rate"), *[column.rates.quality for column in self.subjects]],
                  ["", _("Class: success %(success)s, quality %(quality)s", success=self.rates.success,
                         quality=self.rates.quality)]]
        return Sheet(f"{holder} {term_title}", headers, rows, footer=footer)


async def grades_summary(session: AsyncSession, class_group: ClassGroup, term: Term) -> GradesSummary:
    """The class's marks of the term (a study period's, or the year's) by subject; the students in
    the class at the term's end count in the rates."""
    students = await class_students(session, class_group.id, term.starts_on, term.ends_on)
    pages = await class_pages(session, class_group)
    subject_of = {page_id: subject_id for page_id, subject_id, _name, _group in pages}
    columns = {subject_id: SubjectColumn(subject_id, name) for _page, subject_id, name, _group in pages}
    kind = (JournalFinalGrade.kind == "period", JournalFinalGrade.study_period_id == term.period_id) \
        if term.period_id is not None else (JournalFinalGrade.kind == "year",)
    marks: dict[tuple[int, int], str] = {}
    for page_id, student_id, mark in (await session.execute(
            select(JournalFinalGrade.subject_page_id, JournalFinalGrade.student_id, JournalFinalGrade.mark)
            .where(JournalFinalGrade.subject_page_id.in_(list(subject_of) or [0]), *kind))).all():
        marks[(student_id, subject_of[page_id])] = mark
    listed = [student for student in students if student.left is None]
    rates = Rates()
    for student in listed:
        rates.add(marks.get((student.id, subject), "") for subject in columns)
        for column in columns.values():
            mark = marks.get((student.id, column.subject_id), "")
            column.rates.add([mark])
            if mark:
                column.counts[mark] += 1
    return GradesSummary(class_group, term, students, list(columns.values()), marks, rates)


# ---- «сводная ведомость учета посещаемости» ------------------------------------------------------


@dataclass
class Missed:
    """Lessons missed, split by reason, and whole days missed."""

    illness: int = 0
    excused: int = 0
    unexcused: int = 0
    days: int = 0

    @property
    def lessons(self) -> int:
        return self.illness + self.excused + self.unexcused

    def add(self, other: "Missed") -> None:
        self.illness += other.illness
        self.excused += other.excused
        self.unexcused += other.unexcused
        self.days += other.days


@dataclass
class AttendanceSummary:
    class_group: ClassGroup
    starts_on: date
    ends_on: date
    months: list[str]  # "YYYY-MM"
    students: list[Student]
    missed: dict[tuple[int, str], Missed]  # (student, month) → missed
    totals: dict[int, Missed]  # student → the range
    month_totals: dict[str, Missed]
    total: Missed

    def of(self, student_id: int, month: str) -> Missed:
        return self.missed.get((student_id, month)) or Missed()

    def month_name(self, month: str) -> str:
        return format_date(date(int(month[:4]), int(month[5:]), 1), "LLLL yyyy")

    def sheet(self, holder: str) -> Sheet:
        headers = ["№", _("Student")]
        for month in self.months:
            name = self.month_name(month)
            headers += [f"{name}: {_('lessons')}", f"{name}: {_('of them ill')}", f"{name}: {_('excused')}",
                        f"{name}: {_('unexcused')}", f"{name}: {_('days')}"]
        headers += [_("Lessons missed"), _("Ill"), _("Excused"), _("Unexcused"), _("Days missed")]
        rows = [[index, student.name, *[value for month in self.months for value in _figures(self.of(student.id, month))],
                 *_figures(self.totals.get(student.id) or Missed())] for index, student in enumerate(self.students, start=1)]
        footer = [["", _("Total"), *[value for month in self.months for value in _figures(self.month_totals[month])],
                   *_figures(self.total)]]
        return Sheet(f"{holder} {_('attendance')}", headers, rows, footer=footer)


def _figures(missed: Missed) -> list[int]:
    return [missed.lessons, missed.illness, missed.excused, missed.unexcused, missed.days]


async def attendance_summary(session: AsyncSession, class_group: ClassGroup, starts_on: date,
                             ends_on: date) -> AttendanceSummary:
    """Per student and month: the lessons missed (absence codes only: «ОП» is not an absence), by
    reason, and the days on which every lesson the student had was missed."""
    students = await class_students(session, class_group.id, starts_on, ends_on)
    pages = await class_pages(session, class_group)
    page_group = {page_id: group for page_id, _subject, _name, group in pages}
    lessons = (await session.execute(select(JournalLesson.id, JournalLesson.subject_page_id, JournalLesson.day).where(
        JournalLesson.subject_page_id.in_(list(page_group) or [0]), JournalLesson.state == "active",
        JournalLesson.day.between(starts_on, ends_on)))).all()
    members = await _group_members(session, [group for group in page_group.values() if group], starts_on, ends_on)
    enrolled = await _enrollments(session, class_group.id, starts_on, ends_on)
    entries = (await session.execute(
        select(JournalAttendance.lesson_id, JournalAttendance.student_id, JournalAttendance.code,
               JournalAttendanceCode.is_absence, JournalAttendanceCode.excused)
        .join(JournalLesson, JournalLesson.id == JournalAttendance.lesson_id)
        .outerjoin(JournalAttendanceCode, and_(JournalAttendanceCode.school_id == JournalAttendance.school_id,
                                               JournalAttendanceCode.code == JournalAttendance.code))
        .where(JournalLesson.subject_page_id.in_(list(page_group) or [0]), JournalLesson.state == "active",
               JournalLesson.day.between(starts_on, ends_on)))).all()
    lesson_at = {lesson_id: (page_id, day) for lesson_id, page_id, day in lessons}
    absent: dict[tuple[int, int], tuple[str, bool]] = {}  # (lesson, student) → (code, excused)
    for lesson_id, student_id, code, is_absence, excused in entries:
        if is_absence is None or is_absence:  # a code the school no longer has counts as it was: an absence
            absent[(lesson_id, student_id)] = (code, bool(excused))
    missed: dict[tuple[int, str], Missed] = defaultdict(Missed)
    for student in students:
        _student_missed(student.id, lessons, lesson_at, page_group, members, enrolled, absent, missed)
    return _attendance_totals(class_group, starts_on, ends_on, students, dict(missed))


def _student_missed(student_id: int, lessons: list, lesson_at: dict, page_group: dict, members: dict,  # type: ignore[type-arg]
                    enrolled: dict, absent: dict, missed: dict) -> None:  # type: ignore[type-arg]
    """Count one student's missed lessons and whole days missed into ``missed``."""
    had: dict[date, int] = defaultdict(int)
    away: dict[date, int] = defaultdict(int)
    for lesson_id, page_id, day in lessons:
        group = page_group[page_id]
        in_class = any(s <= day <= e for s, e in enrolled.get(student_id, []))
        if not in_class or (group and not any(s <= day <= e for s, e in members.get((group, student_id), []))):
            continue
        had[day] += 1
        found = absent.get((lesson_id, student_id))
        if found is None:
            continue
        away[day] += 1
        counts = missed[(student_id, day.strftime("%Y-%m"))]
        code, excused = found
        if code == ILLNESS:
            counts.illness += 1
        elif excused:
            counts.excused += 1
        else:
            counts.unexcused += 1
    for day, count in away.items():
        if count == had[day]:
            missed[(student_id, day.strftime("%Y-%m"))].days += 1


def _attendance_totals(class_group: ClassGroup, starts_on: date, ends_on: date, students: list[Student],
                       missed: dict[tuple[int, str], Missed]) -> AttendanceSummary:
    months = months_between(starts_on, ends_on)
    totals: dict[int, Missed] = defaultdict(Missed)
    month_totals = {month: Missed() for month in months}
    total = Missed()
    for (student_id, month), counts in missed.items():
        totals[student_id].add(counts)
        month_totals[month].add(counts)
        total.add(counts)
    return AttendanceSummary(class_group, starts_on, ends_on, months, students, missed, dict(totals), month_totals, total)


async def _group_members(session: AsyncSession, groups: list[int], starts_on: date,
                         ends_on: date) -> dict[tuple[int, int], list[tuple[date, date]]]:
    found: dict[tuple[int, int], list[tuple[date, date]]] = defaultdict(list)
    for group, student, starts, ends in (await session.execute(
            select(StudyGroupMember.study_group_id, StudyGroupMember.student_id, StudyGroupMember.starts_on,
                   StudyGroupMember.ends_on).where(StudyGroupMember.study_group_id.in_(groups or [0]),
                                                   overlapping(StudyGroupMember.starts_on, StudyGroupMember.ends_on,
                                                               starts_on, ends_on)))).all():
        found[(group, student)].append((starts, ends or FAR))
    return found


async def _enrollments(session: AsyncSession, class_id: int, starts_on: date, ends_on: date) -> dict[int, list[tuple[date, date]]]:
    found: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for student, starts, ends in (await session.execute(
            select(Enrollment.student_id, Enrollment.starts_on, Enrollment.ends_on).where(
                Enrollment.class_group_id == class_id,
                overlapping(Enrollment.starts_on, Enrollment.ends_on, starts_on, ends_on)))).all():
        found[student].append((starts, ends or FAR))
    return found


# ---- «итоги успеваемости по предмету за период» -----------------------------------------------------


@dataclass
class PageResults:
    """A page's marks of a term: how many of each, the rates and the average of the numeric ones."""

    counts: Counter  # type: ignore[type-arg]
    listed: int  # students on the page at the term's end
    without: int  # of them, without the term's mark
    rates: Rates
    average: str

    ORDER = ("5", "4", "3", "2", "1", PASSED, FAILED, NOT_ASSESSED, EXEMPT)

    @property
    def shown_marks(self) -> list[str]:
        return [mark for mark in self.ORDER if self.counts.get(mark)] + sorted(set(self.counts) - set(self.ORDER))


def page_results(marks: list[str], listed: int) -> PageResults:
    """``marks``: the term's marks of the students on the page at its end (one each, "" for none)."""
    given = [mark for mark in marks if mark]
    rates = Rates()
    for mark in given:
        rates.add([mark])
    numbers = [Decimal(mark) for mark in given if mark.isdigit()]
    average = average_text(sum(numbers, Decimal(0)) / len(numbers)) if numbers else ""
    return PageResults(Counter(given), listed, listed - len(given), rates, average)

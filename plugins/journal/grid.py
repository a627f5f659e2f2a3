"""A subject page as a grid: its students (those on the page on each lesson's day) × its lessons of
a study period, each cell the student's attendance and marks, each row the period's weighted
average with its formula; the page's teachers and the hours given against the plan.

Read in a fixed number of statements whatever the class size or the number of lessons (a test
asserts it): everything is fetched as plain columns and put together in memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, Iterable

from litestar.exceptions import NotFoundException
from sqlalchemy import Date, bindparam, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.people.models import Enrollment
from core.plugins.types import GradeScale
from core.school.models import School
from core.structure.common import overlapping
from core.structure.rules import yearly_half_hours
from core.structure.models import (
    AcademicYear, ClassGroup, ClassTeacherAppointment, CurriculumLine, GradeLevelSettings, StudyGroup, StudyGroupClass,
    StudyPeriod, Subject, SubjectPage, TeachingAssignment, UngradedRule,
)
from plugins.journal.grading import (
    DOUBLE_MARK_SEPARATOR, Mark, WeightedMark, average_text, formula, is_failing, weighted_average,
)
from plugins.journal.lessons import grade_level_of, holder_label
from plugins.journal.models import (
    JournalAttendance, JournalFinalGrade, JournalGrade, JournalLesson, JournalPeriodState, JournalSync,
)
from plugins.journal.roster import FAR, RosterLine, page_roster
from plugins.journal.rules import JournalRules, rules_at, rules_version_of, scale_for, ungraded_rule
from plugins.journal.scope import WRITERS, reads_everything
from plugins.journal.text import weight_text

LONG_PERIOD = 60  # lessons: a longer period opens on a month, not whole
WHOLE = "all"  # the month filter's value for the whole period


@dataclass(frozen=True)
class PageHead:
    """The page and what it belongs to, as ORM rows (the scale hook takes the school and subject)."""

    page: SubjectPage
    subject: Subject
    school: School
    year: AcademicYear
    holder: str  # «5А» or the group's name
    grade_level: int
    rules_version: int
    synced_to: date | None  # the year's lessons exist up to this day

    def synced_through(self, period: "Period") -> bool:
        return self.synced_to is not None and self.synced_to >= min(period.ends_on, self.year.ends_on)


@dataclass(frozen=True)
class Period:
    id: int
    kind: str
    number: int
    starts_on: date
    ends_on: date

    def holds(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Access:
    """What the reader may do on the page, from dated assignments and appointments."""

    user_id: int
    administration: bool  # reads everything, writes nothing
    can_fill: bool  # holds a writer's role
    held: tuple[tuple[date, date], ...]  # the reader's teaching assignments on the page
    led: tuple[tuple[date, date], ...]  # the reader's class-teacher appointments over the page's classes
    teachers: tuple[tuple[str, date, date], ...] = ()  # everyone's assignments on the page: (name, from, to)

    def teachers_in(self, period: "Period") -> list[str]:
        return sorted({name for name, s, e in self.teachers if s <= period.ends_on and e >= period.starts_on})

    def reads(self, period: Period) -> bool:
        spans = self.held + self.led
        return self.administration or any(s <= period.ends_on and e >= period.starts_on for s, e in spans)

    def writes(self, lesson_teacher: int | None, day: date) -> bool:
        return self.can_fill and (lesson_teacher == self.user_id or any(s <= day <= e for s, e in self.held))


@dataclass(frozen=True)
class GridLesson:
    id: int
    day: date
    number: int | None
    state: str
    topic: str
    kind: str  # the kind of work's name; "" when none
    weight: str  # «×2»; "" for weight 1
    writable: bool

    @property
    def month(self) -> str:
        return self.day.strftime("%Y-%m")


@dataclass
class GridRow:
    student_id: int
    name: str
    arrived: date | None  # within the period; None when on the page from its start
    left: date | None  # within the period; None when still on it at its end
    stays: list[tuple[date, date]]
    average: str = ""
    formula: str = ""
    failing: bool = False
    absences: int = 0
    cells: list[tuple[Any, ...]] = field(default_factory=list)  # what the template draws, by column

    def on(self, day: date) -> bool:
        return any(starts <= day <= ends for starts, ends in self.stays)


@dataclass
class Grid:
    head: PageHead
    periods: list[Period]
    period: Period
    months: list[str]  # "YYYY-MM" of the period, in order
    month: str  # the month shown; "" for the whole period
    lessons: list[GridLesson]  # the columns shown
    rows: list[GridRow]
    teachers: list[str]
    rules: JournalRules
    scale: GradeScale
    ungraded: bool
    can_write: bool  # some cell is writable: the page is the reader's
    today: date
    given: int  # lessons of the period given by today
    planned: int  # lessons of the period in the timetable
    year_given: int
    year_planned: int | None  # hours of the curriculum for the year; None without a curriculum line
    finals: dict[int, str] = field(default_factory=dict)  # student → the period's final mark
    closed: bool = False  # the period is closed: changes need a reason

    @property
    def title(self) -> str:
        return f"{self.head.subject.name}, {self.head.holder}"

    @property
    def latin(self) -> bool:
        """Whether a code or a mark is written in Latin letters: then typed letters stay as they are."""
        words = [code.code for code in self.rules.active_codes] + list(self.scale.marks)
        return any(char.isascii() and char.isalpha() for word in words for char in word)


async def page_head(session: AsyncSession, school_id: int, page_id: int) -> PageHead:
    """The page with its subject, school, year, holder, the school's rules version and how far the
    year's lessons exist, in one statement; 404 outside the school."""
    row = (await session.execute(_head_statement(), {"page": page_id, "school": school_id})).first()
    if row is None:
        raise NotFoundException()
    return PageHead(page=row[0], subject=row[1], school=row[2], year=row[3], holder=str(row[4]), grade_level=int(row[5]),
                    rules_version=int(row[6]), synced_to=row[7])


# The grid's statements are built once, their values bound at each request: building statements
# of this size costs more than SQLite takes to run them.

@cache
def _head_statement() -> Any:
    synced = select(JournalSync.synced_to).where(JournalSync.academic_year_id == SubjectPage.academic_year_id) \
        .scalar_subquery()
    return (select(SubjectPage, Subject, School, AcademicYear, holder_label(), grade_level_of(), rules_version_of(SubjectPage.school_id), synced)
            .join(Subject, Subject.id == SubjectPage.subject_id).join(School, School.id == SubjectPage.school_id)
            .join(AcademicYear, AcademicYear.id == SubjectPage.academic_year_id)
            .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
            .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
            .where(SubjectPage.id == bindparam("page"), SubjectPage.school_id == bindparam("school")))


def _classes_of_page() -> Any:
    """SQL: the classes whose students the page teaches: its class (``:class``) or its group's (``:group``)."""
    return select(ClassGroup.id).where(ClassGroup.id == bindparam("class")).union_all(
        select(StudyGroupClass.class_group_id).where(StudyGroupClass.study_group_id == bindparam("group")))


def _page_values(page: SubjectPage) -> dict[str, Any]:
    return {"page": page.id, "class": page.class_group_id, "group": page.study_group_id}


@cache
def _access_statement() -> Any:
    assigned = select(TeachingAssignment.teacher_id, UserAccount.full_name, TeachingAssignment.starts_on,
                      TeachingAssignment.ends_on, literal("t")).join(UserAccount, UserAccount.id == TeachingAssignment.teacher_id) \
        .where(TeachingAssignment.subject_page_id == bindparam("page"))
    led = select(ClassTeacherAppointment.teacher_id, literal(""), ClassTeacherAppointment.starts_on,
                 ClassTeacherAppointment.ends_on, literal("c")).where(
        ClassTeacherAppointment.teacher_id == bindparam("user"), ClassTeacherAppointment.class_group_id.in_(_classes_of_page()),
        overlapping(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, bindparam("starts"), bindparam("ends")))
    return assigned.union_all(led)


@cache
def _periods_statement() -> Any:
    settings = (GradeLevelSettings.academic_year_id == bindparam("year"), GradeLevelSettings.grade_level == bindparam("level"))
    kind = select(GradeLevelSettings.period_kind).where(*settings).scalar_subquery()
    return (select(StudyPeriod.id, StudyPeriod.kind, StudyPeriod.number, StudyPeriod.starts_on, StudyPeriod.ends_on)
            .where(StudyPeriod.academic_year_id == bindparam("year"),
                   or_(StudyPeriod.kind == kind, ~select(GradeLevelSettings.id).where(*settings).exists()))
            .order_by(StudyPeriod.starts_on, StudyPeriod.number))


def _in_period() -> tuple[Any, ...]:
    return (JournalLesson.subject_page_id == bindparam("page"),
            JournalLesson.day.between(bindparam("starts", type_=Date), bindparam("ends", type_=Date)))


@cache
def _lessons_statement() -> Any:
    return (select(JournalLesson.id, JournalLesson.day, JournalLesson.number, JournalLesson.state, JournalLesson.topic,
                   JournalLesson.work_kind_id, JournalLesson.teacher_id)
            .where(*_in_period()).order_by(JournalLesson.day, JournalLesson.number, JournalLesson.id))


@cache
def _entries_statement() -> Any:
    """The marks (oldest first) and the attendance entries (weight -1) of the page's lessons of the period."""
    ids = select(JournalLesson.id).where(*_in_period())
    grades = select(JournalGrade.lesson_id, JournalGrade.student_id, JournalGrade.mark, JournalGrade.weight_hundredths,
                    JournalGrade.created_at.label("at"), JournalGrade.id).where(JournalGrade.lesson_id.in_(ids))
    attendance = select(JournalAttendance.lesson_id, JournalAttendance.student_id, JournalAttendance.code, literal(-1),
                        JournalAttendance.updated_at, JournalAttendance.id).where(JournalAttendance.lesson_id.in_(ids))
    both = grades.union_all(attendance).subquery()
    return (select(both.c.lesson_id, both.c.student_id, both.c.mark, both.c.weight_hundredths)  # ordered by time, which
            .order_by(both.c.at, both.c.id))  # is not read: converting it costs


@cache
def _facts_statement() -> Any:
    """Lessons given this year by today, the curriculum line's hours, pattern and the level's study
    weeks, whether a «без отметок» rule matches the page on ``:day``, and whether ``:period`` is closed."""
    given = select(func.count()).select_from(JournalLesson).where(
        JournalLesson.subject_page_id == bindparam("page"), JournalLesson.state == "active",
        JournalLesson.day <= bindparam("today", type_=Date)).scalar_subquery()
    line = (CurriculumLine.academic_year_id == bindparam("year"), CurriculumLine.grade_level == bindparam("level"),
            CurriculumLine.subject_id == bindparam("subject"))
    half_hours = select(CurriculumLine.half_hours).where(*line).scalar_subquery()
    pattern = select(CurriculumLine.pattern).where(*line).scalar_subquery()
    weeks = select(GradeLevelSettings.study_weeks).where(
        GradeLevelSettings.academic_year_id == bindparam("year"), GradeLevelSettings.grade_level == bindparam("level")) \
        .scalar_subquery()
    ungraded = ungraded_rule(bindparam("year"), bindparam("subject"), bindparam("level"), bindparam("day", type_=Date),
                             UngradedRule.class_group_id.in_(_classes_of_page()))
    closed = select(JournalPeriodState.id).where(JournalPeriodState.study_period_id == bindparam("period"),
                                                JournalPeriodState.closed_at.is_not(None)).exists()
    return select(given, half_hours, pattern, weeks, ungraded, closed)


@cache
def _period_finals_statement() -> Any:
    return select(JournalFinalGrade.student_id, JournalFinalGrade.mark).where(
        JournalFinalGrade.subject_page_id == bindparam("page"), JournalFinalGrade.kind == "period",
        JournalFinalGrade.study_period_id == bindparam("period"))


async def entries_in_period(session: AsyncSession, page_id: int, starts: date, ends: date, *,
                            marks_only: bool = False) -> list[Any]:
    """(lesson, student, mark or code, weight) of the page's lessons from ``starts`` to ``ends``,
    oldest first; attendance entries have weight -1."""
    rows = (await session.execute(_entries_statement(), {"page": page_id, "starts": starts, "ends": ends})).all()
    return [row for row in rows if row[3] >= 0] if marks_only else list(rows)


async def page_access(session: AsyncSession, user: CurrentUser, head: PageHead, can_fill: bool) -> Access:
    """Every teaching assignment on the page (its teachers, and whether the reader is one) and the
    reader's class-teacher appointments over its classes, in one statement."""
    rows = (await session.execute(_access_statement(), {
        **_page_values(head.page), "user": user.id, "starts": head.year.starts_on, "ends": head.year.ends_on})).all()
    teachers = tuple((name, starts, ends or FAR) for _id, name, starts, ends, kind in rows if kind == "t")
    held = tuple((starts, ends or FAR) for who, _n, starts, ends, kind in rows if kind == "t" and who == user.id)
    led_spans = tuple((starts, ends or FAR) for _w, _n, starts, ends, kind in rows if kind == "c") \
        if "class_teacher" in user.roles else ()
    # A deputy who also teaches writes their own pages: the administration's roles only add reading.
    return Access(user.id, reads_everything(user), can_fill and bool(user.roles & WRITERS), held, led_spans, teachers)


async def page_periods(session: AsyncSession, head: PageHead) -> list[Period]:
    """The periods of the page's year of the kind its grade level uses (all of them, without settings)."""
    rows = (await session.execute(_periods_statement(), {"year": head.year.id, "level": head.grade_level})).all()
    periods = [Period(*row) for row in rows]
    return periods or [Period(0, "year", 1, head.year.starts_on, head.year.ends_on)]


def choose_period(periods: list[Period], asked: int | None, today: date) -> Period:
    """The period asked for; else the one holding today; else the nearest before today; else the first."""
    if asked is not None:
        found = next((period for period in periods if period.id == asked), None)
        if found is None:
            raise NotFoundException()
        return found
    return next((p for p in periods if p.holds(today)), None) or \
        next((p for p in reversed(periods) if p.ends_on < today), None) or periods[0]


def months_of(period: Period) -> list[str]:
    return months_between(period.starts_on, period.ends_on)


def months_between(starts_on: date, ends_on: date) -> list[str]:
    """"YYYY-MM" of every month from ``starts_on`` to ``ends_on``, in order."""
    months, day = [], starts_on.replace(day=1)
    while day <= ends_on:
        months.append(day.strftime("%Y-%m"))
        day = day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1)
    return months


class GridReader:
    """Reads one page's grid for one reader."""

    def __init__(self, session: AsyncSession, platform: Any, user: CurrentUser) -> None:
        self.session, self.platform, self.user = session, platform, user

    async def periods(self, page_id: int, can_fill: bool) -> tuple[PageHead, Access, list[Period]]:
        """The page, the reader's access and the periods; 404 when the reader may not read it at all."""
        head = await page_head(self.session, self.user.school_id or 0, page_id)
        access = await page_access(self.session, self.user, head, can_fill)
        if not access.administration and not access.held and not access.led:
            raise NotFoundException()
        return head, access, await page_periods(self.session, head)

    async def grid(self, head: PageHead, access: Access, periods: list[Period], period: Period, month: str,
                   today: date) -> Grid:
        if not access.reads(period):
            raise NotFoundException()
        months = months_of(period)
        if month and month != WHOLE and month not in months:
            raise NotFoundException()
        session, page = self.session, head.page
        rules = await rules_at(session, self.platform.db, page.school_id, head.rules_version)
        in_period = {"page": page.id, "starts": period.starts_on, "ends": period.ends_on}
        lessons = (await session.execute(_lessons_statement(), in_period)).all()
        roster = await page_roster(session, page, period.starts_on, period.ends_on)
        visible = await self.visible(access, head, period)
        rows = (await session.execute(_entries_statement(), in_period)).all()
        grades, attendance = [row for row in rows if row[3] >= 0], [row for row in rows if row[3] < 0]
        day = max(period.starts_on, min(period.ends_on, today))
        year_given, year_planned, ungraded, closed = await self.facts(head, day, today, period.id)
        finals = dict((await session.execute(_period_finals_statement(), {"page": page.id, "period": period.id})).all()) \
            if period.id else {}
        scale = scale_for(self.platform, rules, head.school, head.subject, head.grade_level)
        columns = [self._column(row, rules, access, today) for row in lessons]
        active = [column for column in columns if column.state == "active"]
        if not month and len(columns) > LONG_PERIOD:
            month = min(max(today.strftime("%Y-%m"), months[0]), months[-1])
        month = "" if month == WHOLE else month
        shown = [column for column in columns if not month or column.month == month]
        rows = build_rows(roster, visible, period, shown, grades, attendance, rules, scale, ungraded)
        return Grid(head=head, periods=periods, period=period, months=months, month=month, lessons=shown, rows=rows,
                    teachers=access.teachers_in(period), rules=rules, scale=scale, ungraded=ungraded,
                    can_write=any(column.writable for column in columns), today=today, finals=finals, closed=closed,
                    given=sum(1 for column in active if column.day <= today), planned=len(active),
                    year_given=year_given, year_planned=year_planned)

    @staticmethod
    def _column(row: Any, rules: JournalRules, access: Access, today: date) -> GridLesson:
        kind = rules.kind(row.work_kind_id)
        weight = kind.weight if kind else Decimal(1)
        shown_weight = "" if weight == 1 else "×" + weight_text(weight)
        writable = row.state == "active" and row.day <= today and access.writes(row.teacher_id, row.day)
        return GridLesson(id=row.id, day=row.day, number=row.number, state=row.state, topic=row.topic,
                          kind=kind.name if kind else "", weight=shown_weight, writable=writable)

    async def visible(self, access: Access, head: PageHead, period: Period) -> set[int] | None:
        """A class teacher reading a group that mixes classes sees only their own class's students."""
        if access.administration or access.held or head.page.class_group_id is not None:
            return None
        return set((await self.session.execute(select(Enrollment.student_id).join(
            ClassTeacherAppointment, ClassTeacherAppointment.class_group_id == Enrollment.class_group_id).where(
            ClassTeacherAppointment.teacher_id == self.user.id,
            ClassTeacherAppointment.class_group_id.in_(_classes_of_page()),
            overlapping(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, period.starts_on, period.ends_on),
            overlapping(Enrollment.starts_on, Enrollment.ends_on, period.starts_on, period.ends_on)),
            _page_values(head.page))).scalars())

    async def facts(self, head: PageHead, day: date, today: date, period_id: int = 0) -> tuple[int, int | None, bool, bool]:
        """Lessons given this year by today, the curriculum's hours for the year (as the
        curriculum counts them: a half-year subject has half the weeks), whether the page
        takes no marks on ``day`` and whether the study period is closed, in one statement."""
        page = head.page
        row = (await self.session.execute(_facts_statement(), {
            **_page_values(page), "today": today, "day": day, "year": page.academic_year_id, "level": head.grade_level,
            "subject": page.subject_id, "period": period_id})).one()
        planned = (yearly_half_hours(row[1], row[2], row[3]) + 1) // 2 if row[1] and row[3] else None
        return int(row[0] or 0), planned, head.grade_level == 1 or bool(row[4]), bool(row[5])


def build_rows(roster: list[RosterLine], visible: set[int] | None, period: Period, shown: list[GridLesson],
               grades: Iterable[Any], attendance: Iterable[Any], rules: JournalRules, scale: GradeScale,
               ungraded: bool) -> list[GridRow]:
    """One row per student on the page some day of the period, with a cell per shown lesson:
    (lesson, text, state) where state is "edit", "read" or "off" (not on the page that day)."""
    rows: dict[int, GridRow] = {}
    for line in roster:
        if visible is not None and line.student_id not in visible:
            continue
        row = rows.get(line.student_id)
        if row is None:
            row = rows[line.student_id] = GridRow(line.student_id, line.name, None, None, [])
        row.stays.append((line.starts_on, line.ends_on))
    for row in rows.values():
        first, last = min(s for s, _e in row.stays), max(e for _s, e in row.stays)
        row.arrived = first if first > period.starts_on else None
        row.left = last if last < period.ends_on else None
    marks: dict[tuple[int, int], list[str]] = defaultdict(list)
    weighted: dict[int, list[WeightedMark]] = defaultdict(list)
    known: dict[tuple[str, int], WeightedMark] = {}  # a class's thousand marks are a dozen (mark, weight) pairs
    for lesson_id, student_id, mark, weight in grades:
        marks[(lesson_id, student_id)].append(mark)
        counted = known.get((mark, weight))
        if counted is None:
            parsed = Mark(mark, tuple(mark.split(DOUBLE_MARK_SEPARATOR)))
            counted = known[(mark, weight)] = WeightedMark.of(parsed, scale, Decimal(weight) / 100)
        weighted[student_id].append(counted)
    codes = {(row[0], row[1]): row[2] for row in attendance}
    texts = {key: cell_text(codes.get(key, ""), marks.get(key, ())) for key in {*marks, *codes}}  # the cells with data
    absence_codes = {code.code for code in rules.codes if code.is_absence}
    absences: dict[int, int] = defaultdict(int)
    for (_lesson, student_id), code in codes.items():
        absences[student_id] += code in absence_codes
    for row in rows.values():
        row.cells = cells_of_row(row, shown, texts)
        row.absences = absences[row.student_id]
        if not ungraded and scale.numeric:
            row.average, row.formula, row.failing = average_of(weighted.get(row.student_id, []), scale, rules.final_threshold)
    return list(rows.values())  # the roster's order: by name


def cells_of_row(row: GridRow, shown: list[GridLesson], texts: dict[tuple[int, int], str]) -> list[tuple[GridLesson, str, str]]:
    """(lesson, text, state) per shown lesson; a hot loop (a thousand cells a page), kept plain."""
    student, cells = row.student_id, []
    single = row.stays[0] if len(row.stays) == 1 else None
    for lesson in shown:
        text = texts.get((lesson.id, student), "")
        day = lesson.day
        on = single[0] <= day <= single[1] if single else row.on(day)
        if not on:
            cells.append((lesson, text, "read" if text else "off"))
        else:
            cells.append((lesson, text, "edit" if lesson.writable else "read"))
    return cells


def cell_text(code: str, marks: Iterable[str]) -> str:
    """A cell as it is shown and typed: the attendance code, then the marks, space-separated: «Н 5»."""
    return " ".join([code, *marks] if code else list(marks))


def average_of(marks: list[WeightedMark], scale: GradeScale, threshold: Decimal) -> tuple[str, str, bool]:
    """The average as shown, its formula, and whether it rounds to a failing mark."""
    value = weighted_average(marks)
    return average_text(value), formula(marks), is_failing(value, scale, threshold=threshold)



"""«Отчет о доступе к классному журналу» (regulation 4.2): for a date range, per teacher and subject
page, the lessons whose filling deadline has passed, how many were filled on time, how many late
(and how late), how many are still not filled; totals per teacher and for the school; the lessons
behind each figure. Also a teacher's own overdue lessons, for their start page.

A lesson counts for the teacher who gives it (a substitute for a substitution). Read in a fixed
number of statements whatever the range: the lessons, and the clock of their pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.db.types import utcnow
from core.i18n import gettext as _
from core.people.spreadsheets import Sheet
from core.structure.models import ClassGroup, StudyGroup, Subject, SubjectPage
from plugins.journal.deadlines import DeadlineRules, deadline_rules, delay_text, is_filled
from plugins.journal.lessons import REPLACEMENT_KINDS, grade_level_of, holder_label
from plugins.journal.models import JournalGrade, JournalLesson, JournalWorkKind

ON_TIME, LATE, MISSING = "on_time", "late", "missing"


@dataclass(frozen=True)
class DueLesson:
    id: int
    day: date
    number: int | None
    page_id: int
    page: str  # «Математика, 5А»
    teacher_id: int | None
    teacher: str
    topic: str
    deadline: datetime
    completed_at: datetime | None
    substitution: bool
    late_marks: int = 0  # marks entered after their deadline (the lesson's, or later for their kind of work)

    @property
    def state(self) -> str:
        if self.completed_at is None:
            return MISSING
        return ON_TIME if self.completed_at <= self.deadline else LATE

    @property
    def delay(self) -> timedelta | None:
        return self.completed_at - self.deadline if self.state == LATE and self.completed_at else None

    @property
    def delay_text(self) -> str:
        return delay_text(self.delay) if self.delay else ""


@dataclass
class Tally:
    """Lessons due, on time, late (with their total and longest delay), not filled."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    delay: timedelta = timedelta(0)
    longest: timedelta = timedelta(0)
    late_marks: int = 0

    def add(self, lesson: DueLesson) -> None:
        self.due += 1
        self.late_marks += lesson.late_marks
        state = lesson.state
        if state == ON_TIME:
            self.on_time += 1
        elif state == LATE:
            self.late += 1
            assert lesson.delay is not None
            self.delay += lesson.delay
            self.longest = max(self.longest, lesson.delay)
        else:
            self.missing += 1

    @property
    def average_delay(self) -> str:
        return delay_text(self.delay / self.late) if self.late else ""

    @property
    def longest_delay(self) -> str:
        return delay_text(self.longest) if self.late else ""

    @property
    def on_time_share(self) -> str:
        """«92 %» of the lessons due filled on time."""
        return f"{round(100 * self.on_time / self.due)} %" if self.due else ""


@dataclass
class PageLine:
    page_id: int
    page: str
    tally: Tally = field(default_factory=Tally)


@dataclass
class TeacherLine:
    teacher_id: int | None
    name: str
    pages: dict[int, PageLine] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)


@dataclass
class TimelinessReport:
    starts_on: date
    ends_on: date
    teachers: list[TeacherLine]
    total: Tally
    lessons: list[DueLesson]
    zone: ZoneInfo

    def local(self, moment: datetime | None) -> str:
        """A moment as the school's clock showed it: «20.11.2026 17:00»."""
        return moment.astimezone(self.zone).strftime("%d.%m.%Y %H:%M") if moment else ""

    def of(self, teacher_id: int | None, page_id: int | None) -> list[DueLesson]:
        """The lessons behind a teacher's (or one of their pages') figures."""
        return [lesson for lesson in self.lessons if lesson.teacher_id == teacher_id
                and (page_id is None or lesson.page_id == page_id)]

    def filename(self) -> str:
        return f"timeliness-{self.starts_on.isoformat()}-{self.ends_on.isoformat()}.xlsx"


def _lessons_query(school_id: int, starts_on: date, ends_on: date, teacher_id: int | None = None):  # type: ignore[no-untyped-def]
    query = (select(JournalLesson.id, JournalLesson.day, JournalLesson.number, JournalLesson.subject_page_id,
                    JournalLesson.teacher_id, UserAccount.full_name, JournalLesson.topic, JournalLesson.completed_at,
                    JournalLesson.change_kind, Subject.name, holder_label(), JournalLesson.attendance_at,
                    JournalLesson.homework, JournalLesson.no_homework, grade_level_of())
             .join(SubjectPage, SubjectPage.id == JournalLesson.subject_page_id)
             .join(Subject, Subject.id == SubjectPage.subject_id)
             .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
             .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
             .outerjoin(UserAccount, UserAccount.id == JournalLesson.teacher_id)
             .where(JournalLesson.school_id == school_id, JournalLesson.state == "active",
                    JournalLesson.day.between(starts_on, ends_on))
             .order_by(JournalLesson.day, JournalLesson.number, JournalLesson.id))
    return query.where(JournalLesson.teacher_id == teacher_id) if teacher_id is not None else query


def _due(rows: list, rules: DeadlineRules, now: datetime,  # type: ignore[type-arg]
         marks: dict[int, list[tuple[datetime, int | None]]] | None = None) -> list[DueLesson]:
    found = []
    for row in rows:
        deadline = rules.deadline(row.subject_page_id, row.day, row.number)
        if deadline > now:
            continue  # not due yet
        late_marks = sum(1 for created, days in (marks or {}).get(row.id, [])
                         if created > (deadline + timedelta(days=days) if days else deadline))
        found.append(DueLesson(id=row.id, day=row.day, number=row.number, page_id=row.subject_page_id,
                               page=f"{row.name}, {row[10]}", teacher_id=row.teacher_id, teacher=row.full_name or "",
                               topic=row.topic, deadline=deadline, completed_at=row.completed_at,
                               substitution=row.change_kind in REPLACEMENT_KINDS, late_marks=late_marks))
    return found


async def _marks_of(session: AsyncSession, school_id: int, starts_on: date, ends_on: date) -> dict[int, list[tuple[datetime, int | None]]]:
    """Per lesson of the range: when each mark was entered, and its kind's days."""
    found: dict[int, list[tuple[datetime, int | None]]] = {}
    for lesson_id, created, days in (await session.execute(
            select(JournalGrade.lesson_id, JournalGrade.created_at, JournalWorkKind.marks_days)
            .join(JournalLesson, JournalLesson.id == JournalGrade.lesson_id)
            .join(JournalWorkKind, JournalWorkKind.id == JournalGrade.work_kind_id)
            .where(JournalLesson.school_id == school_id, JournalLesson.state == "active",
                   JournalLesson.day.between(starts_on, ends_on)))).all():
        found.setdefault(lesson_id, []).append((created, days))
    return found


async def timeliness(session: AsyncSession, school_id: int, starts_on: date, ends_on: date,
                     now: datetime | None = None) -> TimelinessReport:
    now = now or utcnow()
    rows = (await session.execute(_lessons_query(school_id, starts_on, ends_on))).all()
    rules = await deadline_rules(session, school_id, starts_on, ends_on)
    lessons = _due(rows, rules, now, await _marks_of(session, school_id, starts_on, ends_on))
    teachers: dict[int | None, TeacherLine] = {}
    total = Tally()
    for lesson in lessons:
        teacher = teachers.setdefault(lesson.teacher_id, TeacherLine(lesson.teacher_id, lesson.teacher or _("no teacher")))
        page = teacher.pages.setdefault(lesson.page_id, PageLine(lesson.page_id, lesson.page))
        for tally in (page.tally, teacher.tally, total):
            tally.add(lesson)
    ordered = sorted(teachers.values(), key=lambda line: (line.teacher_id is None, line.name))
    for line in ordered:
        line.pages = dict(sorted(line.pages.items(), key=lambda item: item[1].page))
    return TimelinessReport(starts_on, ends_on, ordered, total, lessons, rules.zone)


async def overdue_lessons(session: AsyncSession, school_id: int, teacher_id: int, today: date, *, days: int = 60,
                          now: datetime | None = None) -> list[DueLesson]:
    """The teacher's lessons of the last ``days`` days whose deadline has passed and which are not
    filled yet, newest first."""
    now = now or utcnow()
    start = today - timedelta(days=days)
    query = _lessons_query(school_id, start, today, teacher_id).where(JournalLesson.completed_at.is_(None))
    rows = [row for row in (await session.execute(query)).all()
            if not is_filled(row.topic, row.attendance_at, row.homework, row.no_homework, row[14])]
    if not rows:
        return []
    rules = await deadline_rules(session, school_id, start, today)
    return sorted((lesson for lesson in _due(rows, rules, now) if lesson.state == MISSING),
                  key=lambda lesson: (lesson.day, lesson.number or 0), reverse=True)


def timeliness_sheets(report: TimelinessReport) -> list[Sheet]:
    """The report as a workbook: the table (a row per teacher and page, the teacher's total, the
    school's total), and every lesson behind it."""
    headers = [_("Teacher"), _("Subject page"), _("Lessons due"), _("Filled on time"), _("Filled late"),
               _("Average delay"), _("Longest delay"), _("Not filled"), _("On time"), _("Marks entered late")]
    rows = []
    for teacher in report.teachers:
        for page in teacher.pages.values():
            rows.append([teacher.name, page.page, *_figures(page.tally)])
        rows.append([teacher.name, _("All pages"), *_figures(teacher.tally)])
    lessons = [[lesson.teacher, lesson.page, lesson.day, lesson.number, lesson.topic, report.local(lesson.deadline),
                report.local(lesson.completed_at), state_name(lesson.state), lesson.delay_text,
                _("yes") if lesson.substitution else ""] for lesson in report.lessons]
    return [Sheet(_("Timeliness"), headers, rows, footer=[[_("School"), "", *_figures(report.total)]]),
            Sheet(_("Lessons"), [_("Teacher"), _("Subject page"), _("Day"), _("Lesson"), _("Topic"), _("Deadline"),
                                 _("Filled"), _("State"), _("Delay"), _("Substitution")], lessons)]


def _figures(tally: Tally) -> list[object]:
    return [tally.due, tally.on_time, tally.late, tally.average_delay, tally.longest_delay, tally.missing,
            tally.on_time_share, tally.late_marks]


def state_name(state: str) -> str:
    return {ON_TIME: _("on time"), LATE: _("late"), MISSING: _("not filled")}[state]

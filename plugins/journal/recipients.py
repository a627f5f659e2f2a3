"""Groups of recipients the journal offers to someone writing a message (the ``recipient_groups`` hook).

A teacher: for each subject page they teach today, the parents of the page's students whose
weighted average of the study period rounds, by the school's rule, to a failing mark. A class
teacher: for each class they lead, the parents of its students absent without a good reason (an
absence code that is not excused) this week, Monday to today. Parents are the legal
representatives whose guardianship holds today. A group without anyone is offered all the same,
so the list keeps its shape from day to day; a page «без отметок», or on a scale that does not
average (зачёт / незачёт), has no failing average and offers no group.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import led_classes
from core.auth.services import CurrentUser
from core.i18n import gettext as _
from core.people.models import Enrollment, Guardianship
from core.plugins.types import GradeScale, RecipientGroup
from core.school.models import School
from core.structure.common import active_on, school_today
from core.structure.models import (
    PERIOD_NAMES, ClassGroup, GradeLevelSettings, StudyGroup, StudyPeriod, Subject, SubjectPage,
)
from core.structure.rules import default_period_kind
from plugins.journal.grading import MarkError, WeightedMark, is_failing, parse_mark, weighted_average
from plugins.journal.lessons import held_pages
from plugins.journal.models import JournalAttendance, JournalAttendanceCode, JournalGrade, JournalLesson, weight_of
from plugins.journal.roster import on_day, page_roster
from plugins.journal.rules import JournalRules, is_ungraded, load_rules, scale_for
from plugins.journal.scope import WRITERS

Marks = dict[int, dict[int, list[WeightedMark]]]  # page → student → marks of the period


async def recipient_groups(platform: Any, user: CurrentUser | None) -> list[RecipientGroup]:
    if user is None or user.school_id is None:
        return []
    async with platform.db.reading() as session:
        school = await session.get(School, user.school_id)
        if school is None:
            return []
        today = school_today(school.timezone)
        groups: list[RecipientGroup] = []
        if user.roles & WRITERS:
            groups += await failing_groups(platform, session, school, user, today)
        if "class_teacher" in user.roles:
            groups += await unexcused_groups(session, school.id, user.id, today)
    return groups


async def guardians_on(session: AsyncSession, student_ids: Iterable[int], day: date) -> dict[int, list[int]]:
    """Student → the accounts of their legal representatives on ``day`` (one statement)."""
    found: dict[int, list[int]] = defaultdict(list)
    wanted = set(student_ids)
    if not wanted:
        return found
    for student_id, guardian_id in (await session.execute(select(Guardianship.student_id, Guardianship.guardian_id).where(
            Guardianship.student_id.in_(wanted), or_(Guardianship.starts_on.is_(None), Guardianship.starts_on <= day),
            or_(Guardianship.ends_on.is_(None), Guardianship.ends_on >= day)))).all():
        found[student_id].append(guardian_id)
    return found


def _parents(guardians: dict[int, list[int]], student_ids: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({guardian for student in student_ids for guardian in guardians.get(student, [])}))


def _about(guardians: dict[int, list[int]], student_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """Parent → their own children among the students: all a message to the group may name to them."""
    found: dict[int, set[int]] = defaultdict(set)
    for student in student_ids:
        for guardian in guardians.get(student, []):
            found[guardian].add(student)
    return {guardian: tuple(sorted(students)) for guardian, students in found.items()}


# ---- parents of students failing a page ---------------------------------------------------------


async def failing_groups(platform: Any, session: AsyncSession, school: School, user: CurrentUser,
                         today: date) -> list[RecipientGroup]:
    """Fixed statements, and three at most per page (its roster and the «без отметок» check)."""
    held = await held_pages(session, user, today)
    if not held:
        return []
    pages = await _pages(session, [page_id for page_id, _label in held])
    rules = await load_rules(session, school.id)
    periods = await current_periods(session, {(page.academic_year_id, level) for page, _subject, level in pages.values()}, today)
    chosen = {page_id: periods[(page.academic_year_id, level)] for page_id, (page, _subject, level) in pages.items()
              if (page.academic_year_id, level) in periods}
    scales = {page_id: scale_for(platform, rules, school, subject, level) for page_id, (_page, subject, level) in pages.items()}
    marks = await period_marks(session, chosen, scales, today)
    failing: dict[int, list[int]] = {}
    for page_id, (page, _subject, level) in pages.items():
        if page_id in chosen and scales[page_id].numeric and not await is_ungraded(session, page, level, today):
            failing[page_id] = await _failing_students(session, page, marks.get(page_id, {}), scales[page_id], rules, today)
    guardians = await guardians_on(session, (student for students in failing.values() for student in students), today)
    return [RecipientGroup(id=f"journal-failing-page-{page_id}", label=_failing_label(label, chosen[page_id]),
                           user_ids=_parents(guardians, failing[page_id]), about=_about(guardians, failing[page_id]))
            for page_id, label in held if page_id in failing]


async def _pages(session: AsyncSession, page_ids: list[int]) -> dict[int, tuple[SubjectPage, Subject, int]]:
    """Page id → the page, its subject and its grade level (one statement)."""
    rows = (await session.execute(
        select(SubjectPage, Subject, func.coalesce(ClassGroup.grade_level, StudyGroup.grade_level))
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .where(SubjectPage.id.in_(page_ids)))).all()
    return {page.id: (page, subject, level) for page, subject, level in rows}


def _failing_label(page: str, period: StudyPeriod) -> str:
    return _("Parents of students with a failing average: %(page)s, %(period)s", page=page,
             period=_(PERIOD_NAMES[period.kind], number=period.number))


async def current_periods(session: AsyncSession, wanted: set[tuple[int, int]], today: date) -> dict[tuple[int, int], StudyPeriod]:
    """(year, grade level) → its study period containing today, or the last one before (in a
    vacation: the period just ended). Two statements."""
    year_ids = {year_id for year_id, _level in wanted}
    kinds = {(row.academic_year_id, row.grade_level): row.period_kind for row in (await session.execute(
        select(GradeLevelSettings.academic_year_id, GradeLevelSettings.grade_level, GradeLevelSettings.period_kind)
        .where(GradeLevelSettings.academic_year_id.in_(year_ids)))).all()}
    begun = list((await session.execute(select(StudyPeriod).where(
        StudyPeriod.academic_year_id.in_(year_ids), StudyPeriod.starts_on <= today).order_by(StudyPeriod.starts_on))).scalars())
    found = {}
    for year_id, level in wanted:
        kind = kinds.get((year_id, level), default_period_kind(level))
        latest = [period for period in begun if period.academic_year_id == year_id and period.kind == kind]
        if latest:
            found[(year_id, level)] = latest[-1]
    return found


async def period_marks(session: AsyncSession, periods: dict[int, StudyPeriod], scales: dict[int, GradeScale],
                       today: date) -> Marks:
    """The marks of each page in its period up to today, as weighted marks (one statement)."""
    found: Marks = defaultdict(lambda: defaultdict(list))
    if not periods:
        return found
    rows = (await session.execute(
        select(JournalLesson.subject_page_id, JournalLesson.day, JournalGrade.student_id, JournalGrade.mark,
               JournalGrade.weight_hundredths)
        .join(JournalLesson, JournalLesson.id == JournalGrade.lesson_id)
        .where(JournalLesson.subject_page_id.in_(list(periods)), JournalLesson.state == "active",
               JournalLesson.day.between(min(period.starts_on for period in periods.values()), today)))).all()
    for page_id, day, student_id, text, hundredths in rows:
        period, scale = periods[page_id], scales[page_id]
        if not period.starts_on <= day <= period.ends_on:
            continue
        try:
            mark = parse_mark(text, scale, allow_double=True)
        except MarkError:  # posted on a scale the school has changed since: it does not count
            continue
        found[page_id][student_id].append(WeightedMark.of(mark, scale, weight_of(hundredths)))
    return found


async def _failing_students(session: AsyncSession, page: SubjectPage, marks: dict[int, list[WeightedMark]],
                            scale: GradeScale, rules: JournalRules, today: date) -> list[int]:
    """The page's students today whose average rounds to a failing mark."""
    roster = on_day(await page_roster(session, page, today, today), today)
    return [line.student_id for line in roster if is_failing(
        weighted_average(marks.get(line.student_id, [])), scale, threshold=rules.final_threshold)]


# ---- parents of students absent without a reason -----------------------------------------------


async def unexcused_groups(session: AsyncSession, school_id: int, teacher_id: int, today: date) -> list[RecipientGroup]:
    """Four statements, whatever the number of classes."""
    class_ids = await led_classes(session, teacher_id, school_id, today)
    if not class_ids:
        return []
    names = {row.id: row.name for row in (await session.execute(
        select(ClassGroup).where(ClassGroup.id.in_(class_ids)))).scalars()}
    monday = today - timedelta(days=today.weekday())
    absent: dict[int, set[int]] = defaultdict(set)
    for class_id, student_id in (await session.execute(
            select(Enrollment.class_group_id, JournalAttendance.student_id)
            .join(JournalLesson, JournalLesson.id == JournalAttendance.lesson_id)
            .join(JournalAttendanceCode, and_(JournalAttendanceCode.school_id == JournalAttendance.school_id,
                                              JournalAttendanceCode.code == JournalAttendance.code))
            .join(Enrollment, Enrollment.student_id == JournalAttendance.student_id)
            .where(JournalAttendance.school_id == school_id, JournalLesson.state == "active",
                   JournalLesson.day.between(monday, today), JournalAttendanceCode.is_absence.is_(True),
                   JournalAttendanceCode.excused.is_(False), Enrollment.class_group_id.in_(class_ids),
                   active_on(Enrollment.starts_on, Enrollment.ends_on, today)))).all():
        absent[class_id].add(student_id)
    guardians = await guardians_on(session, (student for students in absent.values() for student in students), today)
    return [RecipientGroup(id=f"journal-unexcused-class-{class_id}",
                           label=_("Parents of students absent without a good reason this week: %(name)s",
                                   name=names.get(class_id, "")),
                           user_ids=_parents(guardians, absent[class_id]), about=_about(guardians, absent[class_id]))
            for class_id in class_ids]

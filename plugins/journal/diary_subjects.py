"""The journal's answer to the diary's ``diary_marks`` hook: a student's marks of a study period by
subject, with the weighted average and its formula, and the period's, the year's and the final
marks given so far.

A subject the student studied on two pages in the period (moved to another class) is one line:
the marks of both pages, averaged together, and the final marks of the page they finished on. The
viewer sees what ``diary.Sight`` lets them see of the student's lessons; final marks with the page.
Everything is read in a fixed number of statements, whatever the subjects and marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.plugins.types import DiaryGrade, DiarySubjectMarks, GradeScale
from core.school.models import School
from core.structure.common import overlapping
from core.structure.models import (
    AcademicYear, ClassGroup, StudyGroup, StudyGroupClass, Subject, SubjectPage, TeachingAssignment, UngradedRule,
)
from plugins.journal.closing import Term, rule_matches
from plugins.journal.diary import SOURCE, Stays, load_stays, viewer_sight
from plugins.journal.grading import DOUBLE_MARK_SEPARATOR, Mark, WeightedMark, average_text, formula, weighted_average
from plugins.journal.lessons import grade_level_of
from plugins.journal.models import JournalFinalGrade, JournalGrade, JournalLesson, JournalWorkKind, weight_of
from plugins.journal.rules import load_rules, scale_for


@dataclass
class _Subject:
    """A subject's line while it is gathered from its pages."""

    subject: Subject
    pages: list[int] = field(default_factory=list)  # the pages of the period
    final_pages: list[int] = field(default_factory=list)  # the subject's pages of the year, in the order they were left
    teachers: list[str] = field(default_factory=list)
    grades: list[DiaryGrade] = field(default_factory=list)
    weighted: list[WeightedMark] = field(default_factory=list)
    scale: GradeScale | None = None
    ungraded: bool = True  # until a page of it takes marks


async def diary_marks(platform: Any, viewer: CurrentUser, student: int, period_id: int, start: date,
                      end: date) -> list[DiarySubjectMarks]:
    school_id = viewer.school_id
    if school_id is None or start > end:
        return []
    async with platform.db.reading() as session:
        year = (await session.execute(select(AcademicYear.starts_on, AcademicYear.ends_on).where(
            AcademicYear.school_id == school_id, AcademicYear.starts_on <= start, AcademicYear.ends_on >= start))).first()
        if year is None:
            return []
        stays = await load_stays(session, school_id, student, year.starts_on, year.ends_on)  # the year's: its final marks
        sight = await viewer_sight(session, viewer, student, stays, start, end)
        if sight.nothing or not stays.classes:
            return []
        year_pages = await _pages(session, school_id, stays, year.starts_on, year.ends_on)
        pages = {page: level for page, level in year_pages.items()
                 if stays.on_page_between(page.class_group_id, page.study_group_id, start, end)
                 and (sight.everything or sight.days or page.id in sight.pages)}
        if not pages:
            return []
        subjects = await _subjects(session, platform, school_id, pages, period_id)
        for page in sorted(year_pages, key=lambda page: (stays.last_day_on(page.class_group_id, page.study_group_id), page.id)):
            if page.subject_id in subjects:  # the order the student finished the pages in: the last one's marks win
                subjects[page.subject_id].final_pages.append(page.id)
        await _teachers(session, subjects, start, end)
        await _grades(session, subjects, student, sight, start, end)
        finals = await _finals(session, student, [page_id for line in subjects.values() for page_id in line.final_pages])
    return [_answer(line, finals, period_id) for line in sorted(subjects.values(), key=_order)]


def _order(line: _Subject) -> tuple[int, str]:
    return line.subject.sort_order, line.subject.name


async def _pages(session: AsyncSession, school_id: int, stays: Stays, start: date, end: date) -> dict[SubjectPage, int]:
    """The pages the student was on some day of the period, with their grade level: one statement."""
    rows = (await session.execute(
        select(SubjectPage, grade_level_of())
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .where(SubjectPage.school_id == school_id, stays.their_pages()))).all()
    return {page: level for page, level in rows if stays.on_page_between(page.class_group_id, page.study_group_id, start, end)}


async def _subjects(session: AsyncSession, platform: Any, school_id: int, pages: dict[SubjectPage, int],
                    period_id: int) -> dict[int, _Subject]:
    """The lines by subject, each with its scale and whether it takes marks in the period: nine statements."""
    found = {subject.id: subject for subject in (await session.execute(select(Subject).where(
        Subject.id.in_({page.subject_id for page in pages})))).scalars()}
    school = await session.get(School, school_id)
    rules = await load_rules(session, school_id)
    ungraded_rules = list((await session.execute(select(UngradedRule).where(
        UngradedRule.academic_year_id.in_({page.academic_year_id for page in pages})))).scalars())
    group_classes: dict[int, list[int]] = {}
    for group_id, class_id in (await session.execute(select(StudyGroupClass.study_group_id, StudyGroupClass.class_group_id)
                                                     .where(StudyGroupClass.study_group_id.in_(
                                                         {page.study_group_id for page in pages} - {None} or {0})))).all():
        group_classes.setdefault(group_id, []).append(class_id)
    term = Term(period_id, "", 0, date.min, date.max)
    lines: dict[int, _Subject] = {}
    for page in sorted(pages, key=lambda page: page.id):
        level, subject = pages[page], found[page.subject_id]
        line = lines.setdefault(subject.id, _Subject(subject))
        line.pages.append(page.id)
        line.scale = line.scale or scale_for(platform, rules, school, subject, level)
        classes = [page.class_group_id] if page.class_group_id else group_classes.get(page.study_group_id or 0, [])
        takes_marks = level != 1 and not any(rule.academic_year_id == page.academic_year_id
                                             and rule_matches(rule, subject.id, level, classes, term)
                                             for rule in ungraded_rules)  # the journal's own test, by the page's classes
        line.ungraded = line.ungraded and not takes_marks
    return lines


async def _teachers(session: AsyncSession, subjects: dict[int, _Subject], start: date, end: date) -> None:
    """Who taught each subject's pages in the period: one statement."""
    by_page = {page_id: line for line in subjects.values() for page_id in line.pages}
    for page_id, name in (await session.execute(
            select(TeachingAssignment.subject_page_id, UserAccount.full_name)
            .join(UserAccount, UserAccount.id == TeachingAssignment.teacher_id)
            .where(TeachingAssignment.subject_page_id.in_(by_page),
                   overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, start, end))
            .order_by(TeachingAssignment.starts_on, UserAccount.full_name))).all():
        line = by_page[page_id]
        if name not in line.teachers:
            line.teachers.append(name)


async def _grades(session: AsyncSession, subjects: dict[int, _Subject], student: int, sight: Any, start: date,
                  end: date) -> None:
    """The student's marks of the period on those pages, oldest lesson first: one statement."""
    by_page = {page_id: line for line in subjects.values() for page_id in line.pages}
    rows = (await session.execute(
        select(JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.teacher_id, JournalGrade.mark,
               JournalWorkKind.name, JournalGrade.weight_hundredths, JournalGrade.updated_at)
        .join(JournalLesson, JournalLesson.id == JournalGrade.lesson_id)
        .join(JournalWorkKind, JournalWorkKind.id == JournalGrade.work_kind_id)
        .where(JournalGrade.student_id == student, JournalLesson.subject_page_id.in_(by_page),
               JournalLesson.state == "active", JournalLesson.day.between(start, end))
        .order_by(JournalLesson.day, JournalLesson.number, JournalGrade.created_at, JournalGrade.id))).all()
    for page_id, day, teacher_id, mark, kind, hundredths, posted in rows:
        if not sight.sees(page_id, day, teacher_id):
            continue
        line, weight = by_page[page_id], weight_of(hundredths)
        line.grades.append(DiaryGrade(mark=mark, work_kind=kind, weight=weight, posted_at=posted, day=day))
        if line.scale is not None:
            line.weighted.append(WeightedMark.of(Mark(mark, tuple(mark.split(DOUBLE_MARK_SEPARATOR))), line.scale,
                                                 Decimal(weight)))


async def _finals(session: AsyncSession, student: int, page_ids: list[int]) -> dict[tuple[int, str, int | None], str]:
    """(page, kind, period) → the final mark given: one statement."""
    rows = (await session.execute(select(JournalFinalGrade.subject_page_id, JournalFinalGrade.kind,
                                         JournalFinalGrade.study_period_id, JournalFinalGrade.mark).where(
        JournalFinalGrade.student_id == student, JournalFinalGrade.subject_page_id.in_(page_ids)))).all()
    return {(page_id, kind, period): mark for page_id, kind, period, mark in rows}


def _answer(line: _Subject, finals: dict[tuple[int, str, int | None], str], period_id: int) -> DiarySubjectMarks:
    def given(kind: str, period: int | None = None) -> str:
        """The page finished on wins: the latest page holding the mark."""
        return next((finals[(page_id, kind, period)] for page_id in reversed(line.final_pages)
                     if (page_id, kind, period) in finals), "")

    periods = sorted({period for page_id, kind, period in finals if kind == "period" and page_id in line.final_pages
                      and period is not None})
    averages = line.scale is not None and line.scale.numeric
    return DiarySubjectMarks(
        subject_id=line.subject.id, subject=line.subject.name, grades=tuple(line.grades), teachers=tuple(line.teachers),
        average=average_text(weighted_average(line.weighted)) if averages else "",
        formula=formula(line.weighted) if averages else "", period_mark=given("period", period_id),
        period_marks=tuple((period, given("period", period)) for period in periods), year_mark=given("year"),
        exam_mark=given("exam"), final_mark=given("final"), ungraded=line.ungraded and not line.grades, source=SOURCE)

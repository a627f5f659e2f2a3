"""The demo's final marks: in every study period that has ended, the teachers gave the marks the
journal proposed (the weighted average) a few days after its end — the rounded average, with a
comment, where the student had fewer marks than the minimum but some; «н/а» for none — now and
then one above the proposal with a comment — all but the demo «teacher» account, whose pages still
wait for them (the deputy's deadline has passed). So the summary sheets and the results have real
figures, and the teacher has finals to give and a period for the deputy to close."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.structure.models import AcademicYear, GradeLevelSettings, StudyPeriod
from plugins.journal.finals import NOT_ASSESSED, propose_period
from plugins.journal.grading import DOUBLE_MARK_SEPARATOR, Mark, WeightedMark
from plugins.journal.models import JournalFinalGrade, JournalPeriodState
from plugins.journal.rules import JournalRules

RAISED = 0.03  # a mark one above the proposal, with the teacher's comment
RAISED_COMMENT = "Учтена итоговая контрольная работа"
FEW_MARKS_COMMENT = "Мало отметок: учтены устные ответы на уроках"
GIVEN_AFTER = timedelta(days=3)
LATE_TEACHER = "teacher"  # the demo login whose finals are still to give


async def seed_finals(session: AsyncSession, school_id: int, year: AcademicYear, pages: dict[int, Any],
                      marks: list[tuple[Any, int, str]], rules: JournalRules, today: date, rng: random.Random) -> int:
    """Final marks of the ended periods on the pages that take marks; the number given."""
    kinds = dict((await session.execute(select(GradeLevelSettings.grade_level, GradeLevelSettings.period_kind).where(
        GradeLevelSettings.academic_year_id == year.id))).all())
    periods = [period for period in (await session.execute(select(StudyPeriod).where(
        StudyPeriod.academic_year_id == year.id))).scalars() if period.ends_on + GIVEN_AFTER < today]
    late = await session.scalar(select(UserAccount.id).where(UserAccount.login == LATE_TEACHER))
    by_page: dict[int, list[tuple[Any, int, str]]] = defaultdict(list)
    for lesson, student, mark in marks:
        by_page[lesson.page_id].append((lesson, student, mark))
    rows = []
    for page_id in sorted(pages):
        page = pages[page_id]
        if not page.graded or any(lesson.teacher_id == late for lesson in page.lessons):
            continue
        for period in periods:
            if kinds and kinds.get(page.info.grade_level) != period.kind:
                continue
            rows += _page_finals(school_id, page_id, page, period, by_page[page_id], rules, rng)
    session.add_all(rows)
    for period in periods:
        session.add(JournalPeriodState(school_id=school_id, academic_year_id=year.id, study_period_id=period.id,
                                       finals_due=period.ends_on + GIVEN_AFTER))
    await session.flush()
    return len(rows)


def _page_finals(school_id: int, page_id: int, page: Any, period: StudyPeriod, marks: list[tuple[Any, int, str]],
                 rules: JournalRules, rng: random.Random) -> list[JournalFinalGrade]:
    lessons = [lesson for lesson in page.lessons if period.starts_on <= lesson.day <= period.ends_on]
    if not lessons:
        return []
    needed = lessons[-1].students  # those on the page at the period's last lesson
    weighted: dict[int, list[WeightedMark]] = defaultdict(list)
    last: dict[int, str] = {}
    for lesson, student, mark in marks:
        if period.starts_on <= lesson.day <= period.ends_on:
            parts = tuple(mark.split(DOUBLE_MARK_SEPARATOR))
            weight = Decimal(lesson.work_kind.weight_hundredths) / 100
            weighted[student].append(WeightedMark.of(Mark(mark, parts), page.scale, weight))
            last[student] = parts[-1]
    given = datetime.combine(period.ends_on + GIVEN_AFTER, time(12), tzinfo=timezone.utc)
    rows = []
    for student in needed:
        proposal = propose_period(weighted[student], len(weighted[student]), page.scale, threshold=rules.final_threshold,
                                  minimum=rules.finals.min_marks, last_mark=last.get(student, ""))
        if not proposal.mark:
            continue
        mark, comment = proposal.mark, ""
        if proposal.mark == NOT_ASSESSED and weighted[student]:  # few marks, but the teacher heard enough in class
            enough = propose_period(weighted[student], rules.finals.min_marks, page.scale, threshold=rules.final_threshold,
                                    minimum=0, last_mark=last.get(student, ""))
            mark, comment = enough.mark or NOT_ASSESSED, FEW_MARKS_COMMENT
        elif page.scale.numeric and proposal.mark.isdigit() and proposal.mark != "5" and rng.random() < RAISED:
            mark, comment = str(int(proposal.mark) + 1), RAISED_COMMENT
        rows.append(JournalFinalGrade(school_id=school_id, subject_page_id=page_id, student_id=student, kind="period",
                                      study_period_id=period.id, mark=mark, proposed=proposal.mark, comment=comment,
                                      updated_by=lessons[-1].teacher_id, updated_at=given))
    return rows

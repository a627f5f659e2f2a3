"""The deputy's check of the plans before the year (regulation 4.2): every subject page of a year
with the plan it follows and that plan's state — missing, empty, no curriculum line, hours
mismatch, ready."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.i18n import N_
from core.i18n import gettext as _
from core.people.spreadsheets import Sheet
from core.structure.common import overlapping
from core.structure.models import AcademicYear, Subject, SubjectPage, TeachingAssignment
from plugins.journal.models import JournalLessonPlan
from plugins.journal.plans import EMPTY, MISMATCH, MISSING, NO_CURRICULUM, READY, HoursCheck, PlanSummary, curriculum_hours
from plugins.journal.plans import page_labels, plan_summaries

STATES = (MISSING, EMPTY, NO_CURRICULUM, MISMATCH, READY)
STATE_LABELS = {MISSING: N_("no plan"), EMPTY: N_("plan is empty"), NO_CURRICULUM: N_("not in the curriculum"),
                MISMATCH: N_("hours differ from the curriculum"), READY: N_("ready")}


def state_label(state: str) -> str:
    return _(STATE_LABELS[state])


@dataclass
class PageReadiness:
    page_id: int
    subject: str
    grade_level: int
    holder: str
    teachers: str
    plan: PlanSummary | None
    curriculum_half_hours: int | None

    @property
    def state(self) -> str:
        return MISSING if self.plan is None else self.plan.state

    @property
    def hours(self) -> HoursCheck:
        return self.plan.hours if self.plan else HoursCheck(0, self.curriculum_half_hours)


async def readiness(session: AsyncSession, school_id: int, year: AcademicYear) -> list[PageReadiness]:
    """Every page of the year, worst state first: a fixed number of statements."""
    pages = await page_labels(session, SubjectPage.school_id == school_id, SubjectPage.academic_year_id == year.id)
    subjects = dict((await session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school_id))).all())
    teachers: dict[int, list[str]] = {}
    for page_id, name in (await session.execute(
            select(TeachingAssignment.subject_page_id, UserAccount.full_name).distinct()
            .join(UserAccount, UserAccount.id == TeachingAssignment.teacher_id)
            .join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id)
            .where(SubjectPage.academic_year_id == year.id, SubjectPage.school_id == school_id,
                   overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, year.starts_on, year.ends_on))
            .order_by(TeachingAssignment.subject_page_id, UserAccount.full_name))).all():
        teachers.setdefault(page_id, []).append(name)
    plans = await plan_summaries(session, school_id, JournalLessonPlan.academic_year_id == year.id)
    variants = {plan.page_id: plan for plan in plans if plan.page_id is not None}
    shared = {(plan.subject_id, plan.grade_level): plan for plan in plans if plan.page_id is None}
    hours = await curriculum_hours(session, year.id)
    lines = [PageReadiness(page_id, subjects.get(subject_id, ""), level, holder, ", ".join(teachers.get(page_id, [])),
                           variants.get(page_id) or shared.get((subject_id, level)), hours.get((subject_id, level)))
             for page_id, subject_id, level, holder in pages]
    return sorted(lines, key=lambda line: (STATES.index(line.state), line.subject, line.grade_level, line.holder))


def counts(lines: Sequence[PageReadiness]) -> dict[str, int]:
    return {state: sum(1 for line in lines if line.state == state) for state in STATES}


def readiness_sheet(year: AcademicYear, lines: Sequence[PageReadiness], lags: dict[int, int] | None = None) -> Sheet:
    """The check as a sheet; ``lags`` (lessons behind the plan, by page) during the year."""
    headers = [_("Subject"), _("Grade level"), _("Class or group"), _("Teachers"), _("Plan"), _("Hours in the plan"),
               _("Hours in the curriculum"), _("Difference"), _("State")]
    rows = [[line.subject, line.grade_level, line.holder, line.teachers,
             (_("own variant") if line.plan.page_id else _("shared by the level")) if line.plan else "",
             line.plan.hours.planned if line.plan else None, line.hours.curriculum_text,
             line.hours.difference_text if line.plan and line.plan.items else "", state_label(line.state)]
            for line in lines]
    if lags is not None:
        headers.append(_("Lessons behind the plan"))
        for row, line in zip(rows, lines):
            row.append(lags.get(line.page_id))
    return Sheet(_("Plans %(year)s", year=year.name), headers, rows)


def coming_year(years: Sequence[AcademicYear], today: date) -> AcademicYear | None:
    """The year the check is for: the next one once it exists, else the current (or the latest)."""
    ahead = [year for year in years if year.starts_on > today]
    if ahead:
        return min(ahead, key=lambda year: year.starts_on)
    current = [year for year in years if year.starts_on <= today]
    return max(current, key=lambda year: year.starts_on) if current else None


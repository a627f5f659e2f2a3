"""The study periods a student's grade level uses in the school year holding a day (quarters,
trimesters or half-years): what the attendance and marks pages choose from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext as _
from core.structure.models import PERIOD_NAMES, AcademicYear, GradeLevelSettings, StudyPeriod


@dataclass(frozen=True)
class Period:
    id: int
    name: str
    starts_on: date
    ends_on: date


async def periods_of(session: AsyncSession, school_id: int, grade_level: int, day: date) -> list[Period]:
    """Two statements; none when no year holds the day."""
    year = await session.scalar(select(AcademicYear).where(
        AcademicYear.school_id == school_id, AcademicYear.starts_on <= day, AcademicYear.ends_on >= day))
    if year is None:
        return []
    rows = (await session.execute(select(StudyPeriod).join(
        GradeLevelSettings, (GradeLevelSettings.academic_year_id == StudyPeriod.academic_year_id)
        & (GradeLevelSettings.period_kind == StudyPeriod.kind))
        .where(StudyPeriod.academic_year_id == year.id, GradeLevelSettings.grade_level == grade_level)
        .order_by(StudyPeriod.starts_on))).scalars()
    return [Period(row.id, _(PERIOD_NAMES[row.kind], number=row.number), row.starts_on, row.ends_on) for row in rows]


def chosen(periods: list[Period], asked: int | None, today: date) -> Period | None:
    """The period asked for (another's id: None), else the one holding today, else the last begun."""
    if asked is not None:
        return next((period for period in periods if period.id == asked), None)
    return next((period for period in periods if period.starts_on <= today <= period.ends_on), None) or \
        next((period for period in reversed(periods) if period.starts_on <= today), periods[0] if periods else None)

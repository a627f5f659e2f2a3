"""What the timetable services share: the refusal that lists conflicts, and closed periods."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext as _
from core.structure.common import StructureError, format_day
from core.structure.models import GradeLevelSettings, StudyPeriod


class ConflictError(StructureError):
    """The change would make conflicts; ``conflicts`` names each of them."""

    def __init__(self, conflicts: list[str]) -> None:
        super().__init__("conflicts", _("Nothing was saved: the lesson clashes with the timetable."))
        self.conflicts = conflicts

    def __str__(self) -> str:
        return "; ".join([self.message, *self.conflicts])


async def closed_until(session: AsyncSession, year_id: int, grade_level: int, today: date) -> date | None:
    """The last day of the grade level's latest study period that ended before ``today``: its
    lessons are part of a closed period and their timetable no longer changes."""
    kind = select(GradeLevelSettings.period_kind).where(
        GradeLevelSettings.academic_year_id == year_id, GradeLevelSettings.grade_level == grade_level).scalar_subquery()
    return await session.scalar(select(StudyPeriod.ends_on).where(
        StudyPeriod.academic_year_id == year_id, StudyPeriod.kind == kind, StudyPeriod.ends_on < today)
        .order_by(StudyPeriod.ends_on.desc()).limit(1))


async def refuse_closed(session: AsyncSession, year_id: int, grade_level: int, today: date, day: date, field: str) -> None:
    ended = await closed_until(session, year_id, grade_level, today)
    if ended is not None and day <= ended:
        raise StructureError(field, _("The study period that holds %(date)s has ended (on %(end)s): its lessons no longer change.",
                                      date=format_day(day), end=format_day(ended)))

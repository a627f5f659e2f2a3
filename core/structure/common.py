"""What the structure services share: the refusal, the write lock, finding an object of the school."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant, UserAccount
from core.i18n import gettext as _
from core.school.models import School
from core.structure.models import AcademicYear

T = TypeVar("T")
MAX_RANGE_DAYS = 400  # no dated structure row spans more than a school year and a bit
# Who may teach a page or lead a class: teachers, and the administration, who often teach too.
TEACHING_ROLES = ("teacher", "class_teacher", "deputy", "director")


class StructureError(ValueError):
    """Input the structure cannot take: ``message`` (translated) is shown by ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


async def lock_school(session: AsyncSession, school_id: int) -> None:
    """Serialise structure changes of one school, so two administrators' checks (overlaps, hours)
    cannot both pass. PostgreSQL locks the school row; SQLite's write transaction is exclusive."""
    await session.execute(select(School.id).where(School.id == school_id).with_for_update())


async def owned(session: AsyncSession, model: type[T], object_id: int, school_id: int) -> T:
    """The object if it belongs to the school; otherwise 404, the same whether it exists or not."""
    found = await session.get(model, object_id)
    if found is None or getattr(found, "school_id") != school_id:
        raise NotFoundException()
    return found


def check_range(starts_on: date | None, ends_on: date | None, field: str = "ends_on", *, open_end: bool = True) -> None:
    if starts_on is None:
        raise StructureError(field.replace("ends_on", "starts_on"), _("Enter the start date."))
    if ends_on is None and not open_end:
        raise StructureError(field, _("Enter the end date."))
    if ends_on is not None and ends_on < starts_on:
        raise StructureError(field, _("The end date is before the start date."))
    if ends_on is not None and (ends_on - starts_on).days > MAX_RANGE_DAYS:
        raise StructureError(field, _("The dates span more than a school year."))


def check_within_year(year: AcademicYear, starts_on: date, ends_on: date | None, field: str = "starts_on") -> None:
    """Dated rows of a year lie within it (an open end is allowed)."""
    if starts_on < year.starts_on or starts_on > year.ends_on or (ends_on is not None and ends_on > year.ends_on):
        raise StructureError(field, _("The dates must lie within the school year %(year)s (%(starts)s – %(ends)s).",
                                      year=year.name, starts=year.starts_on.strftime("%d.%m.%Y"),
                                      ends=year.ends_on.strftime("%d.%m.%Y")))


async def shorten(session: AsyncSession, row: Any, ends_on: date | None, year: Any) -> None:
    """End a dated row (appointment, membership, assignment) on ``ends_on``: only ever earlier, since
    a later end could overlap the next row unchecked, and within the year (``year``: a select of it)."""
    check_range(row.starts_on, ends_on, open_end=False)
    assert ends_on is not None
    if row.ends_on is not None and ends_on > row.ends_on:
        raise StructureError("ends_on", _("It already ends on %(date)s.", date=format_day(row.ends_on)))
    found = await session.scalar(year)
    assert found is not None
    check_within_year(found, row.starts_on, ends_on, "ends_on")
    row.ends_on = ends_on
    await session.flush()


def overlapping(starts_column: Any, ends_column: Any, starts_on: date, ends_on: date | None) -> ColumnElement[bool]:
    """SQL: the row's inclusive range (open end: NULL) shares a day with ``starts_on .. ends_on``."""
    condition = or_(ends_column.is_(None), ends_column >= starts_on)
    return condition if ends_on is None else and_(starts_column <= ends_on, condition)


def active_on(starts_column: Any, ends_column: Any, day: date) -> ColumnElement[bool]:
    return overlapping(starts_column, ends_column, day, day)


async def require_staff(session: AsyncSession, school_id: int, user_id: int | None, field: str = "teacher_id") -> None:
    """Teachers of the load and class teachers hold a teaching role in the school."""
    found = user_id is not None and await session.scalar(select(RoleGrant.id).where(
        RoleGrant.user_id == user_id, RoleGrant.school_id == school_id, RoleGrant.role.in_(TEACHING_ROLES)).limit(1))
    if not found:
        raise StructureError(field, _("Choose a teacher of this school."))


async def staff_choices(session: AsyncSession, school_id: int) -> list[tuple[int, str]]:
    """(id, full name) of the school's teaching staff, for a select."""
    rows = await session.execute(
        select(UserAccount.id, UserAccount.full_name).where(UserAccount.id.in_(
            select(RoleGrant.user_id).where(RoleGrant.school_id == school_id,
                                            RoleGrant.role.in_(TEACHING_ROLES))
        )).order_by(UserAccount.full_name, UserAccount.id)
    )
    return [(row.id, row.full_name) for row in rows]


def school_today(timezone: str) -> date:
    """Today in the school's time zone (Серов is two hours ahead of Moscow)."""
    return datetime.now(ZoneInfo(timezone)).date()


def short_name(full_name: str) -> str:
    """«Иванова Анна Петровна» → «Иванова А. П.», for narrow columns and messages."""
    surname, *given = full_name.split() or [""]
    return " ".join([surname, *(f"{name[0]}." for name in given[:2])])


def format_day(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""

"""What the school-structure pages share: permissions, form parsing, the chosen year, the
section's tabs, and the pattern "write in a transaction, or show the form again with the message".

Every structure page acts in the current school. GET pages take ``?year=<id>``; without it they
show the year that holds today in the school's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import current_school
from core.auth.services import CurrentUser
from core.i18n import N_
from core.i18n import gettext as _
from core.school.models import School
from core.structure.calendar import pick_year, years_of
from core.structure.common import StructureError, school_today
from core.structure.models import AcademicYear
from core.web.guards import MAX_ID
from core.web.sessions import current_user

VIEW = {"permission": "core.view_structure"}
MANAGE = {"permission": "core.manage_structure"}
OWN_LOAD = {"permission": "core.view_own_load"}

# The section's tabs: (id, label, url). Pages pass their id as ``tab``.
TABS = (
    ("calendar", N_("Calendar"), "/structure/calendar"),
    ("classes", N_("Classes"), "/structure/classes"),
    ("groups", N_("Study groups"), "/structure/groups"),
    ("subjects", N_("Subjects"), "/structure/subjects"),
    ("curriculum", N_("Curriculum"), "/structure/curriculum"),
    ("pages", N_("Subject pages"), "/structure/pages"),
    ("load", N_("Teaching load"), "/structure/load"),
)


PLAUSIBLE_YEARS = (1900, 2199)  # birth dates and school years alike


def parse_date(text: str | None) -> date | None:
    """A date from a form: ``2026-09-01`` (a date input) or ``01.09.2026`` (typed by hand);
    None when empty. A malformed date raises ``StructureError`` naming no field (set by caller)."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            found = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not PLAUSIBLE_YEARS[0] <= found.year <= PLAUSIBLE_YEARS[1]:  # 31.12.9999 would overflow the week after it
            raise StructureError("", _("Enter a date between the years %(first)d and %(last)d.", first=PLAUSIBLE_YEARS[0],
                                       last=PLAUSIBLE_YEARS[1]))
        return found
    raise StructureError("", _("Enter a date as dd.mm.yyyy."))


def form_date(text: str | None, field: str) -> date | None:
    """``parse_date`` with the field the message belongs to."""
    try:
        return parse_date(text)
    except StructureError as error:
        raise StructureError(field, error.message) from None


def query_id(text: str, low: int = 1, high: int = MAX_ID) -> int | None:
    """A filter's number from the address (an id, a grade level); anything else means no filter."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 and low <= int(text) <= high else None


def year_param(text: str) -> int | None:
    """``?year=<id>``: empty is the current year; anything but an id names no year: 404."""
    if not text.strip():
        return None
    found = query_id(text)
    if found is None:
        raise NotFoundException()
    return found


def form_int(text: str | None, field: str, message: str) -> int | None:
    """A whole number from a form, None when empty; ``message`` when it is not one."""
    text = (text or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 9:  # «²» is a digit to isdigit()
        raise StructureError(field, message)
    return int(text)


@dataclass
class EndForm:
    """The last day of a dated row (an appointment, a membership, an assignment, a position, a link)."""

    ends_on: str = ""


@dataclass
class YearChoice:
    """The year a page shows and the years to choose from."""

    year: AcademicYear | None
    years: list[AcademicYear]
    today: date
    can_manage: bool


async def choose_year(request: Request, session: AsyncSession, year_id: int | None) -> YearChoice:
    """The asked-for year of the current school (another school's id is a 404), or the current one."""
    user = current_user(request)
    school_id = current_school(user)
    today = await school_day(session, school_id)
    years = await years_of(session, school_id)  # one statement serves the choice and the list
    return YearChoice(pick_year(years, today, year_id), years, today, can_manage(request, user))


async def school_day(session: AsyncSession, school_id: int) -> date:
    """Today in the school's time zone."""
    timezone = await session.scalar(select(School.timezone).where(School.id == school_id))
    return school_today(timezone or "UTC")


def can_manage(request: Request, user: CurrentUser | None) -> bool:
    return user is not None and request.app.state.platform.permissions.allows(user.roles, "core.manage_structure")


def year_query(choice: YearChoice) -> str:
    return f"?year={choice.year.id}" if choice.year is not None else ""


def structure_context(choice: YearChoice, tab: str, **values: Any) -> dict[str, Any]:
    """What every structure page's template expects besides its own values."""
    return {"choice": choice, "year": choice.year, "tab": tab, "tabs": TABS, "can_manage": choice.can_manage,
            "errors": values.pop("errors", {}), "form": values.pop("form", {}), **values}


def refusal_errors(error: StructureError) -> dict[str, str]:
    return {error.field or "form": error.message}

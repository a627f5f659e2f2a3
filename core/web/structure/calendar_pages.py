"""The school's year calendar (календарный учебный график): the years, each grade level's week
and period scheme, the study periods, vacations and holidays, and the bell schedules.

One page shows it all; each form posts to its own route and, when refused, gets the page again
(or, for htmx, its own section) at 422 with the message and what the person typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import current_school
from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import N_, ngettext
from core.i18n import gettext as _
from core.platform import Platform
from core.structure import rules
from core.structure.calendar import BellInput, CalendarService
from core.structure.common import StructureError, format_day, owned
from core.structure.models import GRADE_LEVELS, PERIOD_COUNTS, PERIOD_KINDS, AcademicYear
from core.web.pages import flash, is_htmx, redirect, render
from core.web.sessions import current_user
from core.web.structure.common import MANAGE, VIEW, choose_year, form_date, form_int, refusal_errors, structure_context, year_param

PAGE = "core/structure/calendar.html"
PERIOD_KIND_LABELS = {"quarter": N_("Quarters"), "trimester": N_("Trimesters"), "half_year": N_("Half-years")}
PERIOD_LABELS = {"quarter": N_("Quarter %(number)s"), "trimester": N_("Trimester %(number)s"),
                 "half_year": N_("Half-year %(number)s")}
DAY_KIND_LABELS = {"vacation": N_("Vacation"), "holiday": N_("Holiday"), "shortened": N_("Shortened day")}
BELL_KIND_LABELS = {"regular": N_("Regular"), "shortened": N_("Shortened"), "stepped": N_("Stepped (first grade)")}
# Each form's section: what htmx swaps when the form is refused.
SECTIONS = {
    "year": ("core/structure/_calendar_years.html", "core-calendar-years"),
    "period": ("core/structure/_calendar_periods.html", "core-calendar-periods"),
    "days": ("core/structure/_calendar_days.html", "core-calendar-days"),
    "bells": ("core/structure/_calendar_bells.html", "core-calendar-bells"),
}


# ---- forms: strings as typed, parsed by our code ------------------------------------------------


@dataclass
class YearForm:
    starts_on: str = ""
    ends_on: str = ""
    days_per_week: str = "5"


@dataclass
class LevelForm:
    period_kind: str = ""
    days_per_week: str = ""
    study_weeks: str = ""
    weekly_limit: str = ""
    daily_limit: str = ""  # empty: the СанПиН figure


@dataclass
class PeriodForm:
    kind: str = "quarter"
    number: str = ""
    starts_on: str = ""
    ends_on: str = ""


@dataclass
class DaysForm:
    kind: str = "vacation"
    name: str = ""
    starts_on: str = ""
    ends_on: str = ""
    grade_from: str = "1"
    grade_to: str = "11"


@dataclass
class BellsForm:
    name: str = ""
    shift: str = "1"
    kind: str = "regular"
    grade_level: str = ""
    valid_from: str = ""
    valid_to: str = ""
    bells: str = ""


@dataclass
class Refusal:
    """Which form was refused, its message and what was typed: the page shows them in place."""

    form: str = ""  # "year", "period", "days", "bells" or "level-<grade level>"
    errors: dict[str, str] = field(default_factory=dict)
    data: Any = None


# ---- parsing ------------------------------------------------------------------------------------

# One lesson a line: «08:00-08:40», «8.00 – 8.40», optionally numbered («1. 8:00–8:40», «1 урок 8:00–8:40»).
BELL_LINE = re.compile(
    r"^(?:\d{1,2}\s*(?:[.)]|урок)?\s+)?(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})[;,.]?$", re.IGNORECASE)


def parse_bells(text: str) -> list[BellInput]:
    """The lessons of a textarea, in order; a line that is not a lesson's times is refused by number."""
    bells = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = BELL_LINE.match(line)
        times = [int(part) for part in match.groups()] if match else []
        if not match or times[0] > 23 or times[2] > 23 or times[1] > 59 or times[3] > 59:
            shown = line if len(line) <= 40 else line[:40] + "…"
            raise StructureError("bells", _("Line %(line)s («%(text)s»): write the lesson times like 08:00–08:40.",
                                            line=line_number, text=shown))
        bells.append(BellInput(time(times[0], times[1]), time(times[2], times[3])))
    return bells


def bells_text(bells: list[Any]) -> str:
    return "\n".join(f"{bell.starts_at:%H:%M}–{bell.ends_at:%H:%M}" for bell in bells)


def grade_number(text: str, field: str) -> int | None:
    return form_int(text, field, _("Choose a grade level from 1 to 11."))




# ---- what the page shows ------------------------------------------------------------------------


def grades_text(grade_from: int, grade_to: int) -> str:
    if grade_from == grade_to:
        return _("grade %(level)s", level=grade_from)
    return _("grades %(first)s–%(last)s", first=grade_from, last=grade_to)


def levels_text(levels: list[int]) -> str:
    """[1, 2, 3, 4, 5, 7] → «1–5, 7 классы»."""
    runs: list[list[int]] = []
    for level in levels:
        if runs and runs[-1][-1] == level - 1:
            runs[-1].append(level)
        else:
            runs.append([level])
    if len(levels) == 1:
        return grades_text(levels[0], levels[0])
    parts = [str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs]
    return _("grades %(list)s", list=", ".join(parts))


def dates_text(starts_on: date | None, ends_on: date | None) -> Markup:
    """«01.09.2026 – 24.10.2026», wrapping only at the dash on a phone."""
    if starts_on is None and ends_on is None:
        return Markup.escape(_("the whole year"))
    if starts_on == ends_on or ends_on is None:
        return Markup.escape(format_day(starts_on) if ends_on else _("from %(day)s", day=format_day(starts_on)))
    return Markup('<span class="nowrap">{} –</span> <span class="nowrap">{}</span>').format(format_day(starts_on), format_day(ends_on))


def with_breaks(bells: list[Any]) -> list[tuple[Any, int | None]]:
    """Each lesson with the minutes of the break after it (None after the last)."""
    minutes = [bell.starts_at.hour * 60 + bell.starts_at.minute for bell in bells]
    ends = [bell.ends_at.hour * 60 + bell.ends_at.minute for bell in bells]
    return [(bell, minutes[i + 1] - ends[i] if i + 1 < len(bells) else None) for i, bell in enumerate(bells)]


def suggested_year(years: list[AcademicYear], today: date) -> YearForm:
    """The year after the latest one, or the school year of today: 1 September – 31 May."""
    first = max(years, key=lambda y: y.starts_on).ends_on.year if years else (today.year if today.month >= 6 else today.year - 1)
    return YearForm(date(first, 9, 1).isoformat(), date(first + 1, 5, 31).isoformat())


async def calendar_context(request: Request, session: AsyncSession, year_id: int | None,
                           refusal: Refusal | None = None) -> dict[str, Any]:
    """Everything the calendar page shows, in a fixed number of statements."""
    refusal = refusal or Refusal()
    choice = await choose_year(request, session, year_id)
    year = choice.year
    context = structure_context(
        choice, "calendar", errors=refusal.errors, failed=refusal.form, hide_year_choice=year is None,
        year_form=refusal.data if refusal.form == "year" else suggested_year(choice.years, choice.today),
        period_form=refusal.data if refusal.form == "period" else PeriodForm(),
        days_form=refusal.data if refusal.form == "days" else DaysForm(),
        bells_form=refusal.data if refusal.form == "bells" else BellsForm(),
        period_kinds=[(kind, _(label)) for kind, label in PERIOD_KIND_LABELS.items()],
        day_kinds=[(kind, _(label)) for kind, label in DAY_KIND_LABELS.items()],
        bell_kinds=[(kind, _(label)) for kind, label in BELL_KIND_LABELS.items()],
        grade_options=[(str(level), str(level)) for level in GRADE_LEVELS], period_counts=PERIOD_COUNTS, dates_text=dates_text,
        week_options=[(str(days), ngettext("%(num)d day", "%(num)d days", days)) for days in (5, 6)],
        shift_options=[("1", _("first shift")), ("2", _("second shift"))],
    )
    if year is None:
        return context
    service = CalendarService(session, current_school(current_user(request)))
    settings = await service.settings(year)
    weeks = await service.calendar_weeks(year, settings)
    levels = []
    for row in settings:
        typed = refusal.data if refusal.form == f"level-{row.grade_level}" else None
        levels.append({
            "grade_level": row.grade_level, "period_kind": row.period_kind, "period_label": _(PERIOD_KIND_LABELS[row.period_kind]),
            "days_per_week": row.days_per_week, "study_weeks": row.study_weeks, "weekly_limit": row.weekly_limit,
            "daily_limit": row.daily_limit, "sanpin_daily": rules.daily_limit(row.grade_level),
            "sanpin": rules.weekly_limit(row.grade_level, row.days_per_week), "calendar_weeks": weeks.get(row.grade_level),
            "form": typed or LevelForm(row.period_kind, str(row.days_per_week), str(row.study_weeks), str(row.weekly_limit),
                                       str(row.daily_limit)),
            "errors": refusal.errors if typed else {},
        })
    periods = await service.periods(year)
    period_groups = []
    for kind in PERIOD_KINDS:
        using = [level["grade_level"] for level in levels if level["period_kind"] == kind]
        rows = [period for period in periods if period.kind == kind]
        if using or rows:
            period_groups.append({
                "kind": kind, "label": _(PERIOD_KIND_LABELS[kind]), "levels": levels_text(using) if using else "",
                "missing": PERIOD_COUNTS[kind] - len(rows) if using else 0,
                "periods": [(period, _(PERIOD_LABELS[kind], number=period.number), (period.ends_on - period.starts_on).days + 1)
                            for period in rows],
            })
    days = [(row, _(DAY_KIND_LABELS[row.kind]), grades_text(row.grade_from, row.grade_to), (row.ends_on - row.starts_on).days + 1)
            for row in await service.days(year)]
    schedules = [{
        "schedule": schedule, "kind_label": _(BELL_KIND_LABELS[schedule.kind]), "lessons": with_breaks(bells),
        "grades": grades_text(schedule.grade_level, schedule.grade_level) if schedule.grade_level else _("all grade levels"),
    } for schedule, bells in await service.bell_schedules(year)]
    context.update(levels=levels, period_groups=period_groups, days=days, schedules=schedules,
                   weeks_differ=any(level["calendar_weeks"] != level["study_weeks"] for level in levels))
    return context


def calendar_url(year_id: int) -> str:
    return f"/structure/calendar?year={year_id}"


async def refused(request: Request, platform: Platform, year_id: int | None, refusal: Refusal) -> Response[str]:
    """The calendar again at 422 with the message by its field; htmx gets the form's section."""
    async with platform.db.reading() as session:
        context = await calendar_context(request, session, year_id, refusal)
    if refusal.form.startswith("level-"):
        level = next(level for level in context["levels"] if f"level-{level['grade_level']}" == refusal.form)
        context["level"] = level
        partial = ("core/structure/_calendar_level.html", f"core-level-{level['grade_level']}")
    else:
        partial = SECTIONS[refusal.form]
    return await render(request, PAGE, context, partial=partial, status_code=422)


# ---- the page -----------------------------------------------------------------------------------


@get("/structure/calendar", name="core:calendar", opt=VIEW)
async def calendar_page(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "") -> Response[str]:
    async with platform.db.reading() as session:
        context = await calendar_context(request, session, year_param(year))
    return await render(request, PAGE, context)


# ---- years --------------------------------------------------------------------------------------


@post("/structure/years", name="core:year_create", opt=MANAGE)
async def create_year(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[YearForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        if data.days_per_week not in ("5", "6"):
            raise StructureError("days_per_week", _("A school week has five or six days."))
        starts_on, ends_on = form_date(data.starts_on, "starts_on"), form_date(data.ends_on, "ends_on")
        async with platform.db.writing() as session:
            year = await CalendarService(session, school_id).create_year(starts_on, ends_on, days_per_week=int(data.days_per_week))
            record(session, "core.year_created", connection=request, object_type="academic_year", object_id=year.id,
                   details={"name": year.name, "starts_on": year.starts_on, "ends_on": year.ends_on, "days_per_week": data.days_per_week})
    except StructureError as error:
        return await refused(request, platform, None, Refusal("year", refusal_errors(error), data))
    flash(request, _("The school year %(year)s was created.", year=year.name))
    return redirect(request, calendar_url(year.id))


@post("/structure/years/{year_id:int}/levels/{grade_level:int}", name="core:year_level_update", opt=MANAGE)
async def update_level(request: Request, platform: NamedDependency[Platform], year_id: FromPath[int], grade_level: FromPath[int],
                       data: URLEncodedBody[LevelForm]) -> Response[str]:
    """One grade level's row; htmx swaps the row itself (a 422 carries its message inside)."""
    school_id = current_school(current_user(request))
    if grade_level not in GRADE_LEVELS:
        raise NotFoundException()
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            days = form_int(data.days_per_week, "days_per_week", _("A school week has five or six days."))
            row = await CalendarService(session, school_id).update_level(
                year, grade_level, period_kind=data.period_kind, days_per_week=days or 0,
                study_weeks=form_int(data.study_weeks, "study_weeks", _("Enter the number of study weeks, from 1 to 52.")),
                weekly_limit=form_int(data.weekly_limit, "weekly_limit", _("Enter the weekly maximum in hours, from 1 to 60.")),
                daily_limit=form_int(data.daily_limit, "daily_limit", _("Enter the most lessons a day, from 1 to 12.")))
            record(session, "core.year_level_changed", connection=request, object_type="academic_year", object_id=year.id,
                   details={"grade_level": grade_level, "period_kind": row.period_kind, "days_per_week": row.days_per_week,
                            "study_weeks": row.study_weeks, "weekly_limit": row.weekly_limit, "daily_limit": row.daily_limit})
    except StructureError as error:
        return await refused(request, platform, year_id, Refusal(f"level-{grade_level}", refusal_errors(error), data))
    flash(request, _("Grade %(level)s: saved.", level=grade_level))
    if not is_htmx(request):
        return redirect(request, calendar_url(year_id))
    async with platform.db.reading() as session:
        context = await calendar_context(request, session, year_id)
    context["level"] = next(level for level in context["levels"] if level["grade_level"] == grade_level)
    return await render(request, PAGE, context, partial=("core/structure/_calendar_level.html", f"core-level-{grade_level}"))


# ---- study periods ------------------------------------------------------------------------------


@post("/structure/years/{year_id:int}/periods", name="core:period_create", opt=MANAGE)
async def create_period(request: Request, platform: NamedDependency[Platform], year_id: FromPath[int],
                        data: URLEncodedBody[PeriodForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            period = await CalendarService(session, school_id).add_period(
                year, data.kind, form_int(data.number, "number", _("Enter the period's number.")),
                form_date(data.starts_on, "starts_on"), form_date(data.ends_on, "ends_on"))
            record(session, "core.period_added", connection=request, object_type="study_period", object_id=period.id,
                   details={"year": year.name, "kind": period.kind, "number": period.number,
                            "starts_on": period.starts_on, "ends_on": period.ends_on})
            label = _(PERIOD_LABELS[period.kind], number=period.number)
    except StructureError as error:
        return await refused(request, platform, year_id, Refusal("period", refusal_errors(error), data))
    flash(request, _("%(period)s was added.", period=label))
    return redirect(request, calendar_url(year_id))


@post("/structure/years/{year_id:int}/periods/{period_id:int}/delete", name="core:period_delete", opt=MANAGE)
async def delete_period(request: Request, platform: NamedDependency[Platform], year_id: FromPath[int],
                        period_id: FromPath[int]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            period = await CalendarService(session, school_id).delete_period(year, period_id)
            record(session, "core.period_deleted", connection=request, object_type="study_period", object_id=period_id,
                   details={"year": year.name, "kind": period.kind, "number": period.number})
            label = _(PERIOD_LABELS[period.kind], number=period.number)
    except StructureError as error:
        return await refused(request, platform, year_id, Refusal("period", refusal_errors(error), PeriodForm()))
    flash(request, _("%(period)s was deleted.", period=label))
    return redirect(request, calendar_url(year_id))


# ---- vacations, holidays, shortened days --------------------------------------------------------


@post("/structure/years/{year_id:int}/days", name="core:days_create", opt=MANAGE)
async def create_days(request: Request, platform: NamedDependency[Platform], year_id: FromPath[int],
                      data: URLEncodedBody[DaysForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            row = await CalendarService(session, school_id).add_days(
                year, kind=data.kind, name=data.name, starts_on=form_date(data.starts_on, "starts_on"),
                ends_on=form_date(data.ends_on, "ends_on"),
                grade_from=grade_number(data.grade_from, "grade_from"), grade_to=grade_number(data.grade_to, "grade_to"))
            record(session, "core.days_added", connection=request, object_type="calendar_days", object_id=row.id,
                   details={"year": year.name, "kind": row.kind, "name": row.name, "starts_on": row.starts_on,
                            "ends_on": row.ends_on, "grades": [row.grade_from, row.grade_to]})
            name = row.name
    except StructureError as error:
        return await refused(request, platform, year_id, Refusal("days", refusal_errors(error), data))
    flash(request, _("«%(name)s» was added to the calendar.", name=name))
    return redirect(request, calendar_url(year_id))


@post("/structure/years/{year_id:int}/days/{days_id:int}/delete", name="core:days_delete", opt=MANAGE)
async def delete_days(request: Request, platform: NamedDependency[Platform], year_id: FromPath[int],
                      days_id: FromPath[int]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            row = await CalendarService(session, school_id).delete_days(year, days_id)
            record(session, "core.days_deleted", connection=request, object_type="calendar_days", object_id=days_id,
                   details={"year": year.name, "kind": row.kind, "name": row.name, "starts_on": row.starts_on, "ends_on": row.ends_on})
            name = row.name
    except StructureError as error:
        return await refused(request, platform, year_id, Refusal("days", refusal_errors(error), DaysForm()))
    flash(request, _("«%(name)s» was deleted from the calendar.", name=name))
    return redirect(request, calendar_url(year_id))


# ---- bell schedules -----------------------------------------------------------------------------


@post("/structure/years/{year_id:int}/bells", name="core:bells_create", opt=MANAGE)
async def create_bells(request: Request, platform: NamedDependency[Platform], year_id: FromPath[int],
                       data: URLEncodedBody[BellsForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            bells = parse_bells(data.bells)
            schedule = await CalendarService(session, school_id).add_bell_schedule(
                year, name=data.name, shift=form_int(data.shift, "shift", _("Choose the first or the second shift.")),
                kind=data.kind, grade_level=grade_number(data.grade_level, "grade_level"),
                valid_from=form_date(data.valid_from, "valid_from"), valid_to=form_date(data.valid_to, "valid_to"),
                bells=bells)
            record(session, "core.bells_added", connection=request, object_type="bell_schedule", object_id=schedule.id,
                   details={"year": year.name, "name": schedule.name, "shift": schedule.shift, "kind": schedule.kind,
                            "grade_level": schedule.grade_level, "valid_from": schedule.valid_from, "valid_to": schedule.valid_to,
                            "bells": bells_text(bells).splitlines()})
            name = schedule.name
    except StructureError as error:
        return await refused(request, platform, year_id, Refusal("bells", refusal_errors(error), data))
    flash(request, _("The bell schedule «%(name)s» was added.", name=name))
    return redirect(request, calendar_url(year_id))


@post("/structure/years/{year_id:int}/bells/{schedule_id:int}/delete", name="core:bells_delete", opt=MANAGE)
async def delete_bells(request: Request, platform: NamedDependency[Platform], year_id: FromPath[int],
                       schedule_id: FromPath[int]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            schedule = await CalendarService(session, school_id).delete_bell_schedule(year, schedule_id)
            record(session, "core.bells_deleted", connection=request, object_type="bell_schedule", object_id=schedule_id,
                   details={"year": year.name, "name": schedule.name, "shift": schedule.shift, "kind": schedule.kind})
            name = schedule.name
    except StructureError as error:
        return await refused(request, platform, year_id, Refusal("bells", refusal_errors(error), BellsForm()))
    flash(request, _("The bell schedule «%(name)s» was deleted.", name=name))
    return redirect(request, calendar_url(year_id))


ROUTES = [calendar_page, create_year, update_level, create_period, delete_period, create_days, delete_days,
          create_bells, delete_bells]

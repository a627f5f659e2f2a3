"""The movement of students and class occupancy (regulation 4.2): the deputy and the secretary follow
arrivals, transfers and departures with their orders over a date range, and how many students each
class has on a day, with subtotals by grade level, by stage and for the school. Both download as XLSX
with the same figures.

Each page reads in one transaction with a fixed number of statements, whatever the school's size.
A bad date is a 422 with the message by its field; nothing else on the page breaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import current_school
from core.auth.models import UserAccount
from core.di import FromQuery, NamedDependency
from core.i18n import N_, ngettext
from core.i18n import gettext as _
from core.people.services import ClassMovement, Movement, PeopleService
from core.people.spreadsheets import XLSX_MEDIA_TYPE, Sheet, xlsx_bytes
from core.platform import Platform
from core.structure.common import StructureError, active_on, format_day
from core.structure.models import AcademicYear, ClassGroup, ClassTeacherAppointment
from core.structure.organisation import OrganisationService
from core.web.pages import render
from core.web.people.common import VIEW_PEOPLE, people_context
from core.web.sessions import current_user
from core.web.structure.common import YearChoice, choose_year, form_date

RangeStart = Annotated[str, QueryParameter(name="from")]  # «from» is a Python keyword
RangeEnd = Annotated[str, QueryParameter(name="to")]

TEMPLATES = "core/people/"
MOVEMENT_PARTIAL = (TEMPLATES + "_movement_report.html", "core-movement")
OCCUPANCY_PARTIAL = (TEMPLATES + "_occupancy_report.html", "core-occupancy")
LONGEST_RANGE = timedelta(days=2 * 366)  # two school years; longer ranges are no report anyone reads on a screen
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)  # keeps «the day before» arithmetic and the database's dates sane

# What a movement is called in the table (the school's words: прибыл, переведён, выбыл, окончил).
MOVEMENT_KINDS = {"admitted": N_("arrived"), "transferred": N_("transferred"), "left": N_("left"), "graduated": N_("graduated")}

# Stages of general education (ступени общего образования) by grade level.
STAGES = (
    (N_("Primary general education (grades 1–4)"), range(1, 5)),
    (N_("Basic general education (grades 5–9)"), range(5, 10)),
    (N_("Secondary general education (grades 10–11)"), range(10, 12)),
)


def attachment(content: bytes, filename: str) -> Response[bytes]:
    """An XLSX download; the name is ASCII (dates and a word), so every browser keeps it as given."""
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def checked_day(text: str, field_name: str) -> date | None:
    """A date typed into the address as 2026-09-01 or 01.09.2026; None when empty."""
    day = form_date(text[:20], field_name)
    if day is not None and not EARLIEST <= day <= LATEST:
        raise StructureError(field_name, _("Choose a date from 1990 to 2100."))
    return day


# ---- movement of students -----------------------------------------------------------------------


def default_range(choice: YearChoice) -> tuple[date, date]:
    """The current school year from its first day to today (or to its last day, once it is over)."""
    year = choice.year
    if year is None:
        return choice.today, choice.today
    return year.starts_on, min(max(choice.today, year.starts_on), year.ends_on)


def asked_range(start_text: str, end_text: str, default: tuple[date, date]) -> tuple[date, date, dict[str, str]]:
    """The range from the address, the default filling a missing end; every field's message at once."""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, text in (("from", start_text), ("to", end_text)):
        try:
            days[name] = checked_day(text, name)
        except StructureError as error:
            days[name], errors[name] = None, error.message
    starts_on, ends_on = days["from"], days["to"]
    if errors:
        return default[0], default[1], errors
    if starts_on is None:
        starts_on = min(default[0], ends_on) if ends_on else default[0]
    if ends_on is None:
        ends_on = max(default[1], starts_on)
    if ends_on < starts_on:
        errors["to"] = _("The last day comes before the first one: check the dates.")
    elif ends_on - starts_on > LONGEST_RANGE:
        errors["to"] = _("Choose a period of at most two years.")
    return starts_on, ends_on, errors


@dataclass
class MovementReport:
    starts_on: date
    ends_on: date
    movements: list[Movement] = field(default_factory=list)
    classes: list[ClassMovement] = field(default_factory=list)

    def count(self, *kinds: str) -> int:
        return sum(1 for movement in self.movements if movement.kind in kinds)

    @property
    def total(self) -> ClassMovement:
        """The school's line: the classes' figures added up (transfers in and out are equal within a
        year: a transfer is between two classes of the school)."""
        total = ClassMovement(0, "", 0, "", self.starts_on)
        for row in self.classes:
            for name in ("at_start", "arrived", "transferred_in", "transferred_out", "left", "at_end"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total

    @property
    def several_years(self) -> bool:
        return len({row.year_name for row in self.classes}) > 1

    def summary(self) -> list[str]:
        """«3 обучающихся прибыли, 1 обучающийся переведён в другой класс, ...»: the line above the table."""
        lines = [ngettext("%(num)d student arrived", "%(num)d students arrived", self.count("admitted")),
                 ngettext("%(num)d student transferred to another class", "%(num)d students transferred to another class",
                          self.count("transferred")),
                 ngettext("%(num)d student left", "%(num)d students left", self.count("left"))]
        graduated = self.count("graduated")
        if graduated:
            lines.append(ngettext("%(num)d student graduated", "%(num)d students graduated", graduated))
        return lines

    def query(self) -> str:
        return f"from={self.starts_on.isoformat()}&to={self.ends_on.isoformat()}"

    def filename(self) -> str:
        return f"movement-{self.starts_on.isoformat()}-{self.ends_on.isoformat()}.xlsx"


async def movement_context(request: Request, session: AsyncSession, start_text: str, end_text: str) -> dict[str, Any]:
    choice = await choose_year(request, session, None)
    starts_on, ends_on, errors = asked_range(start_text, end_text, default_range(choice))
    report = MovementReport(starts_on, ends_on)
    if not errors:
        people = PeopleService(session, current_school(current_user(request)))
        report.movements = await people.movements(starts_on, ends_on)
        report.classes = await people.movement_by_class(starts_on, ends_on)
    form = {"from": start_text[:20] if errors.get("from") else starts_on.isoformat(),
            "to": end_text[:20] if errors.get("to") else ends_on.isoformat()}
    return people_context(request, "movement", choice.today, report=report, kinds=MOVEMENT_KINDS, format_day=format_day,
                          errors=errors, form=form)


@get("/people/movement", name="core:movement", opt=VIEW_PEOPLE)
async def movement_page(request: Request, platform: NamedDependency[Platform], start: RangeStart = "",
                        end: RangeEnd = "") -> Response[str]:
    """Arrivals, transfers and departures for a range, with the orders and each class's figures."""
    async with platform.db.reading() as session:
        context = await movement_context(request, session, start, end)
    return await render(request, TEMPLATES + "movement.html", context, partial=MOVEMENT_PARTIAL,
                        status_code=422 if context["errors"] else 200)


@get("/people/movement.xlsx", name="core:movement_export", opt=VIEW_PEOPLE)
async def movement_export(request: Request, platform: NamedDependency[Platform], start: RangeStart = "",
                          end: RangeEnd = "") -> Response[Any]:
    """The same rows and the per-class table, as two sheets."""
    async with platform.db.reading() as session:
        context = await movement_context(request, session, start, end)
    if context["errors"]:
        return await render(request, TEMPLATES + "movement.html", context, status_code=422)
    report: MovementReport = context["report"]
    return attachment(xlsx_bytes(movement_sheets(report)), report.filename())


def movement_sheets(report: MovementReport) -> list[Sheet]:
    period = f"{format_day(report.starts_on)}–{format_day(report.ends_on)}"
    movements = Sheet(
        _("Movement %(period)s", period=period),
        [_("Date"), _("Movement"), _("Student"), _("From class"), _("To class"), _("Order number"), _("Order date"),
         _("Where to (note)")],
        [[movement.day, _(MOVEMENT_KINDS[movement.kind]), movement.student, movement.from_class, movement.to_class,
          movement.order_number, movement.order_date, movement.note] for movement in report.movements],
        widths=(12, 12, 36, 10, 10, 14, 12, 40))
    year_column = [_("School year")] if report.several_years else []
    total = report.total
    by_class = Sheet(
        _("By class"),
        [_("Class"), *year_column, _("At the start"), _("Arrived"), _("Transferred in"), _("Transferred out"),
         _("Left the school"), _("At the end")],
        [[row.class_name, *([row.year_name] if year_column else []), row.at_start, row.arrived, row.transferred_in,
          row.transferred_out, row.left, row.at_end] for row in report.classes],
        footer=[[_("School total"), *([""] if year_column else []), total.at_start, total.arrived, total.transferred_in,
                 total.transferred_out, total.left, total.at_end]])
    return [movements, by_class]


# ---- class occupancy ----------------------------------------------------------------------------


@dataclass
class OccupancyRow:
    class_group_id: int
    name: str
    grade_level: int
    teacher: str = ""
    students: int = 0


@dataclass
class Block:
    """Classes with their subtotal: a grade level, or a stage holding grade levels."""

    label: str
    rows: list[OccupancyRow]
    levels: list[Block] = field(default_factory=list)

    @property
    def students(self) -> int:
        return sum(row.students for row in self.rows)

    @property
    def classes(self) -> int:
        return len(self.rows)


@dataclass
class Occupancy:
    day: date
    year: AcademicYear | None
    stages: list[Block] = field(default_factory=list)

    @property
    def total(self) -> Block:
        return Block(_("School total"), [row for stage in self.stages for row in stage.rows])

    def filename(self) -> str:
        return f"occupancy-{self.day.isoformat()}.xlsx"


async def occupancy_of(session: AsyncSession, school_id: int, year: AcademicYear, day: date) -> list[Block]:
    """The year's classes on the day in stages and grade levels: four statements, whatever the size."""
    rows = [OccupancyRow(class_group.id, class_group.name, class_group.grade_level)
            for class_group in await OrganisationService(session, school_id).classes(year)]
    teachers: dict[int, list[str]] = {}
    for class_id, name in (await session.execute(
        select(ClassTeacherAppointment.class_group_id, UserAccount.full_name)
        .join(UserAccount, UserAccount.id == ClassTeacherAppointment.teacher_id)
        .join(ClassGroup, ClassGroup.id == ClassTeacherAppointment.class_group_id)
        .where(ClassGroup.academic_year_id == year.id,
               active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, day))
        .order_by(ClassTeacherAppointment.starts_on))).all():
        teachers.setdefault(class_id, []).append(name)
    counts = await PeopleService(session, school_id).occupancy(year, day)
    for row in rows:
        row.teacher, row.students = ", ".join(teachers.get(row.class_group_id, [])), counts.get(row.class_group_id, 0)
    stages = []
    for label, grade_levels in STAGES:
        levels = [Block(_("Total for grade level %(level)d", level=level), [row for row in rows if row.grade_level == level])
                  for level in grade_levels]
        levels = [level for level in levels if level.rows]
        if levels:
            stages.append(Block(_(label), [row for level in levels for row in level.rows], levels))
    return stages


async def occupancy_context(request: Request, session: AsyncSession, day_text: str) -> dict[str, Any]:
    choice = await choose_year(request, session, None)
    errors: dict[str, str] = {}
    try:
        day = checked_day(day_text, "day") or choice.today
    except StructureError as error:
        day, errors = choice.today, {"day": error.message}
    occupancy = Occupancy(day, next((year for year in choice.years if year.starts_on <= day <= year.ends_on), None))
    if occupancy.year is not None and not errors:
        occupancy.stages = await occupancy_of(session, current_school(current_user(request)), occupancy.year, day)
    form = {"day": day_text[:20] if errors else day.isoformat()}
    return people_context(request, "occupancy", choice.today, occupancy=occupancy, format_day=format_day, errors=errors,
                          form=form)


@get("/people/occupancy", name="core:occupancy", opt=VIEW_PEOPLE)
async def occupancy_page(request: Request, platform: NamedDependency[Platform], day: FromQuery[str] = "") -> Response[str]:
    """Students in each class on a day (наполняемость классов), with subtotals and the school's total."""
    async with platform.db.reading() as session:
        context = await occupancy_context(request, session, day)
    return await render(request, TEMPLATES + "occupancy.html", context, partial=OCCUPANCY_PARTIAL,
                        status_code=422 if context["errors"] else 200)


@get("/people/occupancy.xlsx", name="core:occupancy_export", opt=VIEW_PEOPLE)
async def occupancy_export(request: Request, platform: NamedDependency[Platform], day: FromQuery[str] = "") -> Response[Any]:
    """The classes as rows and every subtotal in bold below them, so a filter or a sort in the
    spreadsheet works on the classes alone."""
    async with platform.db.reading() as session:
        context = await occupancy_context(request, session, day)
    if context["errors"]:
        return await render(request, TEMPLATES + "occupancy.html", context, status_code=422)
    occupancy: Occupancy = context["occupancy"]
    return attachment(xlsx_bytes([occupancy_sheet(occupancy)]), occupancy.filename())


def occupancy_sheet(occupancy: Occupancy) -> Sheet:
    def subtotal(block: Block) -> list[Any]:
        return [block.label, ngettext("%(num)d class", "%(num)d classes", block.classes), block.students]

    footer = [subtotal(level) for stage in occupancy.stages for level in stage.levels]
    footer += [subtotal(stage) for stage in occupancy.stages]
    footer.append(subtotal(occupancy.total))
    return Sheet(_("Occupancy on %(day)s", day=format_day(occupancy.day)),
                 [_("Class"), _("Class teacher"), _("Students")],
                 [[row.name, row.teacher, row.students] for stage in occupancy.stages for row in stage.rows],
                 widths=(44, 36, 12), footer=footer)


ROUTES = [movement_page, movement_export, occupancy_page, occupancy_export]

"""The weekly timetable's editor and the rooms (regulation 3.2: the journal administrator keeps the
timetable and the list of rooms).

The editor shows one timetable (a version, valid from a date) of the school year as one class's
week: its days × its shift's lesson numbers, each cell with the weekly lessons of the class and its
groups. A timetable still to come is edited lesson by lesson, each lesson checked for conflicts
before it is saved; one in force already no longer changes, so the page offers a new timetable from
a later date instead (a copy of the one before it). Every write happens in one transaction with its
audit record; a refusal shows the form again with the message and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.i18n import ngettext
from core.platform import Platform
from core.structure.calendar import pick_year, years_of
from core.structure.common import StructureError, format_day, owned, staff_choices
from core.structure.curriculum import PageRow, PageService
from core.structure.models import AcademicYear, ClassGroup, SubjectPage
from core.timetable.common import ConflictError
from core.timetable.conflicts import load_members, timetable_conflicts
from core.timetable.lessons import PageInfo, SlotRow, TimetableData, first_weekday, load_timetable
from core.timetable.models import WEEK_PARITIES, WEEKDAY_LABELS, Room, Timetable, TimetableSlot
from core.timetable.weekly import SlotInput, TimetableService, place_refusal, room_order
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user
from core.web.structure.common import form_date, form_int, query_id, refusal_errors, school_day, year_param
from core.web.timetable.common import MANAGE, VIEW, Row, school_of, timetable_context

TEMPLATES = "core/timetable/"
CLASS_PART = (TEMPLATES + "_editor_class.html", "core-editor-class")
SLOT_FORM = (TEMPLATES + "_editor_slot_form.html", "core-slot-form")
SLOT_CHECK = (TEMPLATES + "_editor_slot_check.html", "core-slot-check")
VERSION_FORM = (TEMPLATES + "_editor_version_form.html", "core-version-form")
CONFLICTS = (TEMPLATES + "_editor_conflicts.html", "core-version-conflicts")
VERSIONS = (TEMPLATES + "_editor_versions.html", "core-versions")
ROOM_FORM = (TEMPLATES + "_rooms_form.html", "core-room-form")
PARITY_ORDER = {parity: index for index, parity in enumerate(WEEK_PARITIES)}


# ---- what the editor shows ----------------------------------------------------------------------


@dataclass
class VersionRow:
    """A timetable of the year in the list: «in_force», «to_come» or «past»; its number of lessons."""

    version: Timetable
    slots: int
    status: str
    editable: bool


@dataclass
class SlotView:
    """A weekly lesson in a cell of the class's week."""

    slot: SlotRow
    page: PageInfo
    teacher: str
    room: Room | None


@dataclass
class ClassWeek:
    """One class's week in a timetable: weekdays × lesson numbers of its shift."""

    class_group: ClassGroup
    weekdays: list[int]
    rows: list[Row]
    cells: dict[tuple[int, int], list[SlotView]]

    def at(self, weekday: int, row: Row) -> list[SlotView]:
        return self.cells.get((weekday, row.number), [])

    def row(self, number: int | None) -> Row | None:
        return next((row for row in self.rows if row.number == number), None)


@dataclass
class SlotFormView:
    """The form that adds a lesson to a cell: its choices, what it holds, where it goes."""

    values: dict[str, str]
    pages: list[PageRow]
    teachers: list[tuple[int, str]]
    rooms: list[Room]
    weekday: int | None = None
    row: Row | None = None
    place_error: str = ""  # the cell it was asked for is not one of the class's week


@dataclass
class CheckResult:
    """What checking a lesson found: its conflicts under ``heading``, or the input's ``error``."""

    conflicts: list[str] = field(default_factory=list)
    heading: str = ""
    error: str = ""


@dataclass
class EditorRequest:
    """Which timetable and class the editor shows, and what else: an open lesson form (its values),
    a lesson's check, the whole timetable's conflicts, the new timetable form's values, refusals."""

    version_id: int | None = None
    class_id: int | None = None
    year_id: int | None = None
    slot: dict[str, str] | None = None
    check: CheckResult | None = None
    conflicts: bool = False
    version_form: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def asked_id(text: str) -> int | None:
    """An id from the address: empty is none; anything that cannot be an id names nothing (404)."""
    return year_param(text[:20])


def editor_url(version_id: int | None = None, class_id: int | None = None, year_id: int | None = None) -> str:
    query = [f"{name}={value}" for name, value in (("year", year_id), ("version", version_id), ("class", class_id)) if value]
    return "/timetable/edit" + ("?" + "&".join(query) if query else "")


async def versions_of(session: AsyncSession, year: AcademicYear) -> list[tuple[Timetable, int]]:
    """The year's timetables by date, each with its number of weekly lessons (one statement)."""
    rows = await session.execute(
        select(Timetable, func.count(TimetableSlot.id)).outerjoin(TimetableSlot, TimetableSlot.timetable_id == Timetable.id)
        .where(Timetable.academic_year_id == year.id).group_by(Timetable.id).order_by(Timetable.valid_from))
    return [(version, count) for version, count in rows.all()]


def version_rows(versions: list[tuple[Timetable, int]], year: AcademicYear, today: date) -> list[VersionRow]:
    """The timetable in force today is the latest begun one, while the year lasts."""
    begun = [version for version, _count in versions if version.valid_from <= today]
    current = begun[-1] if begun and today <= year.ends_on else None
    return [VersionRow(version, count, "in_force" if version is current else "to_come" if version.valid_from > today else "past",
                       version.valid_from > today) for version, count in versions]


def default_version(rows: list[VersionRow]) -> Timetable | None:
    """The one in force today, else the first to come, else the latest."""
    for status in ("in_force", "to_come"):
        found = next((row.version for row in rows if row.status == status), None)
        if found is not None:
            return found
    return rows[-1].version if rows else None


def new_version_day(year: AcademicYear, versions: list[VersionRow], today: date) -> date:
    """The date offered for a new timetable: the year's first day for its first timetable, else the
    first Monday after today that starts none yet."""
    if not versions:
        return year.starts_on
    taken = {row.version.valid_from for row in versions}
    day = max(today + timedelta(days=7 - today.weekday()), year.starts_on)
    while day in taken and day <= year.ends_on:
        day += timedelta(days=7)
    return min(day, year.ends_on)


def class_week(data: TimetableData, version: Timetable, class_group: ClassGroup) -> ClassWeek:
    """The class's days and its shift's regular lesson numbers, with the weekly lessons of the class
    and of every group drawing on it (a lesson outside them still shows, on a row of its own)."""
    level = data.levels.get((class_group.academic_year_id, class_group.grade_level))
    weekdays = set(range(level.days_per_week if level else 5))
    rows: dict[int, Row] = {}
    for weekday in sorted(weekdays):
        bells = data.bell_times(first_weekday(version.valid_from, weekday), class_group.shift, class_group.grade_level,
                                regular_only=True)
        for number, (starts, ends) in bells.items():
            rows.setdefault(number, Row(class_group.shift, number, starts, ends))
    cells: dict[tuple[int, int], list[SlotView]] = {}
    for slot in data.slots.get(version.id, []):
        page = data.pages.get(slot.page_id)
        if page is None or class_group.id not in page.class_ids:
            continue
        room = data.rooms.get(slot.room_id) if slot.room_id is not None else None
        cells.setdefault((slot.weekday, slot.number), []).append(
            SlotView(slot, page, data.teacher_names.get(slot.teacher_id, ""), room))
        rows.setdefault(slot.number, Row(class_group.shift, slot.number))
        weekdays.add(slot.weekday)
    for views in cells.values():
        views.sort(key=lambda view: (view.page.group_id is not None, view.page.holder, PARITY_ORDER.get(view.slot.parity, 0)))
    return ClassWeek(class_group, sorted(weekdays), sorted(rows.values(), key=lambda row: row.number), cells)


def weekday_text(weekday: int) -> str:
    return _(WEEKDAY_LABELS[weekday]).lower()


def place_error(data: TimetableData, version: Timetable, week: ClassWeek, weekday: int | None, number: int | None) -> str:
    """Why (weekday, number) is not a cell of the class's week, or "" (the service's own rule)."""
    refusal = place_refusal(data, version, week.class_group.grade_level, week.class_group.shift, weekday, number)
    return refusal.message if refusal is not None else ""


def usual_room(data: TimetableData, version: Timetable, teacher_id: str) -> str:
    """The room the teacher gives most of their lessons of the timetable in (a lesson is usually
    given in its teacher's room), or "" when they have none yet."""
    rooms = Counter(slot.room_id for slot in data.slots.get(version.id, []) if str(slot.teacher_id) == teacher_id
                    and slot.room_id in data.rooms and not data.rooms[slot.room_id].is_archived)
    return str(rooms.most_common(1)[0][0]) if rooms else ""


async def slot_form_view(session: AsyncSession, school_id: int, year: AcademicYear, today: date, data: TimetableData,
                         version: Timetable, week: ClassWeek, values: dict[str, str]) -> SlotFormView:
    """The lesson form for a cell: the class's pages and its groups' (with their teachers today),
    the school's teaching staff (the page's teacher chosen unless another was), the rooms in use
    (the teacher's usual room chosen when the form opens without one)."""
    weekday, number = query_id(values.get("weekday", ""), 0, 5), query_id(values.get("number", ""), 1, 12)
    view = SlotFormView(values=dict(values), pages=[], teachers=[], rooms=[], weekday=weekday, row=week.row(number),
                        place_error=place_error(data, version, week, weekday, number))
    if view.place_error:
        return view
    day = min(max(today, year.starts_on), year.ends_on)
    view.pages = await PageService(session, school_id).rows(year, day, class_group_id=week.class_group.id)
    view.teachers = await staff_choices(session, school_id)
    view.rooms = sorted((room for room in data.rooms.values() if not room.is_archived), key=lambda room: room_order(room.name))
    page = next((row for row in view.pages if str(row.id) == view.values.get("page_id")), None)
    if page is None:
        view.values["page_id"] = ""
    if not view.values.get("teacher_id") and page is not None and page.teachers:
        view.values["teacher_id"] = str(page.teachers[0][0])
    if "room_id" not in view.values:
        view.values["room_id"] = usual_room(data, version, view.values.get("teacher_id", ""))
    if view.values.get("parity") not in WEEK_PARITIES:
        view.values["parity"] = "every"
    return view


async def version_conflicts(session: AsyncSession, data: TimetableData, version: Timetable) -> list[str]:
    """Every conflict inside the timetable; group memberships are compared over the dates it is in force."""
    span = data.version_span(version)
    members = await load_members(session, {page.group_id for page in data.pages.values() if page.group_id})
    return timetable_conflicts(data, version.id, members, span)


async def editor_response(request: Request, platform: Platform, asked: EditorRequest, *,
                          partial: tuple[str, str] | None = CLASS_PART, status_code: int = 200) -> Response[str]:
    """The editor page (or the part htmx asked for). A fixed number of statements whatever the
    school's size: the year, its timetables with their lesson counts, one ``load_timetable``, and
    for an open lesson form the class's pages, the staff."""
    school_id = school_of(request)
    values: dict[str, Any] = {"year": None, "years": [], "versions": [], "version": None, "editable": False,
                              "classes": [], "week": None, "slot_form": None, "check": asked.check,
                              "version_conflicts": None, "version_form": dict(asked.version_form),
                              "slot_asked": asked.slot is not None}
    async with platform.db.reading() as session:
        today = await school_day(session, school_id)
        years = await years_of(session, school_id)
        version = await owned(session, Timetable, asked.version_id, school_id) if asked.version_id is not None else None
        year = pick_year(years, today, version.academic_year_id if version else asked.year_id)
        values.update(years=sorted(years, key=lambda item: item.starts_on), year=year, today=today)
        if year is not None:
            versions = version_rows(await versions_of(session, year), year, today)
            version = version or default_version(versions)
            values["versions"] = versions
            values["version_form"].setdefault("valid_from", new_version_day(year, versions, today).isoformat())
        if year is not None and version is not None:
            data = await load_timetable(session, school_id, version.valid_from, version.valid_from)
            classes = [item for item in data.classes.values() if item.academic_year_id == year.id]
            class_group = classes[0] if classes and asked.class_id is None else data.classes.get(asked.class_id or 0)
            if asked.class_id is not None and (class_group is None or class_group.academic_year_id != year.id):
                raise NotFoundException()
            editable = TimetableService(session, school_id, today).editable(version)
            values.update(version=version, editable=editable, classes=classes, data=data)
            if class_group is not None:
                values["week"] = week = class_week(data, version, class_group)
                if asked.slot is not None and editable:
                    values["slot_form"] = await slot_form_view(session, school_id, year, today, data, version, week, asked.slot)
            if asked.conflicts:
                values["version_conflicts"] = await version_conflicts(session, data, version)
    context = timetable_context(request, "edit", errors=asked.errors, page_title=_("Weekly timetable"),
                                weekday_text=weekday_text, editor_url=editor_url, **values)
    return await render(request, TEMPLATES + "editor.html", context, partial=partial, status_code=status_code)


# ---- the editor's pages ---------------------------------------------------------------------------


@get("/timetable/edit", name="core:timetable_editor", opt=MANAGE)
async def editor(request: Request, platform: NamedDependency[Platform], version: FromQuery[str] = "",
                 class_id: Annotated[str, QueryParameter(name="class")] = "", year: FromQuery[str] = "") -> Response[str]:
    asked = EditorRequest(version_id=asked_id(version), class_id=asked_id(class_id), year_id=asked_id(year))
    return await editor_response(request, platform, asked)


@get("/timetable/edit/{version_id:int}/slot", name="core:timetable_slot_form", opt=MANAGE)
async def slot_form(request: Request, version_id: FromPath[int], platform: NamedDependency[Platform],
                    class_id: Annotated[str, QueryParameter(name="class")] = "", weekday: FromQuery[str] = "",
                    number: FromQuery[str] = "", page_id: FromQuery[str] = "", room_id: FromQuery[str | None] = None,
                    parity: FromQuery[str] = "") -> Response[str]:
    """The lesson form for a cell: htmx asks for the class's part (the week with the cell marked and
    the form) or, when another page is chosen, for the form alone, so the teacher and their usual
    room follow the page; the weeks chosen stay."""
    values = {"weekday": weekday[:3], "number": number[:3], "page_id": page_id[:10], "parity": parity[:5], "teacher_id": ""}
    if room_id is not None:
        values["room_id"] = room_id[:10]
    partial = CLASS_PART if request.headers.get("hx-target") == CLASS_PART[1] else SLOT_FORM
    return await editor_response(request, platform, EditorRequest(version_id=version_id, class_id=asked_id(class_id), slot=values),
                                 partial=partial)


@get("/timetable/edit/{version_id:int}/conflicts", name="core:timetable_version_conflicts", opt=MANAGE)
async def conflicts_page(request: Request, version_id: FromPath[int], platform: NamedDependency[Platform],
                         class_id: Annotated[str, QueryParameter(name="class")] = "") -> Response[str]:
    return await editor_response(request, platform, EditorRequest(version_id=version_id, class_id=asked_id(class_id), conflicts=True),
                                 partial=CONFLICTS)


@dataclass
class SlotForm:
    class_id: str = ""
    weekday: str = ""
    number: str = ""
    page_id: str = ""
    teacher_id: str = ""
    room_id: str = ""
    parity: str = "every"


def slot_input(form: SlotForm) -> SlotInput:
    return SlotInput(
        weekday=form_int(form.weekday, "weekday", _("Choose a day of the week.")),
        number=form_int(form.number, "number", _("Choose a lesson number.")),
        page_id=form_int(form.page_id, "page_id", _("Choose a subject page of this school year.")),
        teacher_id=form_int(form.teacher_id, "teacher_id", _("Choose a teacher of this school.")),
        room_id=form_int(form.room_id, "room_id", _("Choose a room.")),
        parity=form.parity.strip()[:5] or "every")


async def require_page(session: AsyncSession, data: SlotInput, school_id: int) -> None:
    """Another school's page is a 404, the same as a missing one (the service only says "choose")."""
    if data.page_id is not None:
        await owned(session, SubjectPage, data.page_id, school_id)


def form_values(form: SlotForm) -> dict[str, str]:
    return {name: value[:12] for name, value in asdict(form).items() if name != "class_id"}


def cell_anchor(slot: TimetableSlot) -> str:
    """Back to the week at the cell just changed, not at the top of a long page."""
    return f"#core-cell-{slot.weekday}-{slot.lesson_number}"


def slot_details(slot: TimetableSlot) -> dict[str, Any]:
    return {"timetable_id": slot.timetable_id, "weekday": slot.weekday, "lesson_number": slot.lesson_number,
            "week_parity": slot.week_parity, "subject_page_id": slot.subject_page_id, "teacher_id": slot.teacher_id,
            "room_id": slot.room_id}


@post("/timetable/edit/{version_id:int}/slots/check", name="core:timetable_slot_check", opt=MANAGE)
async def check_slot(request: Request, version_id: FromPath[int], platform: NamedDependency[Platform],
                     data: URLEncodedBody[SlotForm]) -> Response[str]:
    """The lesson's conflicts, saving nothing: 200 whatever it finds."""
    school_id = school_of(request)
    try:
        async with platform.db.reading() as session:
            version = await owned(session, Timetable, version_id, school_id)
            slot = slot_input(data)
            await require_page(session, slot, school_id)
            service = TimetableService(session, school_id, await school_day(session, school_id))
            _row, conflicts = await service.check_slot(version, slot)
        check = CheckResult(conflicts=conflicts, heading=_("The lesson would clash with the timetable:"))
    except StructureError as error:
        check = CheckResult(error=error.message)
    asked = EditorRequest(version_id=version_id, class_id=query_id(data.class_id), slot=form_values(data), check=check)
    return await editor_response(request, platform, asked, partial=SLOT_CHECK)


@post("/timetable/edit/{version_id:int}/slots", name="core:timetable_slot_create", opt=MANAGE)
async def create_slot(request: Request, version_id: FromPath[int], platform: NamedDependency[Platform],
                      data: URLEncodedBody[SlotForm]) -> Response[str]:
    school_id = school_of(request)
    class_id = query_id(data.class_id)
    asked = EditorRequest(version_id=version_id, class_id=class_id, slot=form_values(data))
    try:
        async with platform.db.writing() as session:
            version = await owned(session, Timetable, version_id, school_id)
            slot_data = slot_input(data)
            await require_page(session, slot_data, school_id)
            slot = await TimetableService(session, school_id, await school_day(session, school_id)).save_slot(version, slot_data)
            record(session, "core.timetable_slot_created", connection=request, object_type="timetable_slot", object_id=slot.id,
                   details=slot_details(slot))
    except ConflictError as error:
        asked.check = CheckResult(conflicts=error.conflicts, heading=error.message)
        return await editor_response(request, platform, asked, partial=SLOT_FORM, status_code=422)
    except StructureError as error:
        asked.errors = refusal_errors(error)
        return await editor_response(request, platform, asked, partial=SLOT_FORM, status_code=422)
    flash(request, _("The lesson was added: %(day)s, lesson %(number)s.", day=weekday_text(slot.weekday), number=slot.lesson_number))
    return redirect(request, editor_url(version_id, class_id) + cell_anchor(slot))


@dataclass
class ClassForm:
    class_id: str = ""


@post("/timetable/edit/{version_id:int}/slots/{slot_id:int}/delete", name="core:timetable_slot_delete", opt=MANAGE)
async def delete_slot(request: Request, version_id: FromPath[int], slot_id: FromPath[int], platform: NamedDependency[Platform],
                      data: URLEncodedBody[ClassForm]) -> Response[str]:
    school_id = school_of(request)
    class_id = query_id(data.class_id)
    try:
        async with platform.db.writing() as session:
            version = await owned(session, Timetable, version_id, school_id)
            slot = await owned(session, TimetableSlot, slot_id, school_id)
            if slot.timetable_id != version.id:
                raise NotFoundException()
            details = slot_details(slot)
            await TimetableService(session, school_id, await school_day(session, school_id)).delete_slot(version, slot)
            record(session, "core.timetable_slot_deleted", connection=request, object_type="timetable_slot", object_id=slot_id,
                   details=details)
    except StructureError as error:
        asked = EditorRequest(version_id=version_id, class_id=class_id, errors={"slot": error.message})
        return await editor_response(request, platform, asked, status_code=422)
    flash(request, _("The lesson was removed from the timetable."))
    return redirect(request, editor_url(version_id, class_id) + cell_anchor(slot))


@dataclass
class VersionForm:
    year: str = ""
    valid_from: str = ""
    version: str = ""  # the timetable the page showed, to show again after a refusal
    class_id: str = ""


@post("/timetable/versions", name="core:timetable_version_create", opt=MANAGE)
async def create_version(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[VersionForm]) -> Response[str]:
    user = current_user(request)
    school_id = school_of(request)
    year_id, class_id = query_id(data.year), query_id(data.class_id)
    if year_id is None:
        raise NotFoundException()
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            service = TimetableService(session, school_id, await school_day(session, school_id))
            version = await service.create_version(year, form_date(data.valid_from[:20], "valid_from"), user.id if user else None)
            copied = await session.scalar(select(func.count(TimetableSlot.id)).where(TimetableSlot.timetable_id == version.id)) or 0
            record(session, "core.timetable_version_created", connection=request, object_type="timetable", object_id=version.id,
                   details={"academic_year_id": year.id, "valid_from": version.valid_from.isoformat(), "copied_slots": copied})
    except StructureError as error:
        asked = EditorRequest(version_id=query_id(data.version), class_id=class_id, year_id=year_id,
                              version_form={"valid_from": data.valid_from[:20]}, errors=refusal_errors(error))
        return await editor_response(request, platform, asked, partial=VERSION_FORM, status_code=422)
    if copied:
        flash(request, ngettext("The timetable from %(date)s was created with %(num)d lesson of the one before it.",
                                "The timetable from %(date)s was created with %(num)d lessons of the one before it.",
                                copied, date=format_day(version.valid_from)))
    else:
        flash(request, _("The timetable from %(date)s was created.", date=format_day(version.valid_from)))
    return redirect(request, editor_url(version.id, class_id))


@post("/timetable/versions/{version_id:int}/delete", name="core:timetable_version_delete", opt=MANAGE)
async def delete_version(request: Request, version_id: FromPath[int], platform: NamedDependency[Platform],
                         data: URLEncodedBody[ClassForm]) -> Response[str]:
    school_id = school_of(request)
    try:
        async with platform.db.writing() as session:
            version = await owned(session, Timetable, version_id, school_id)
            details = {"academic_year_id": version.academic_year_id, "valid_from": version.valid_from.isoformat()}
            await TimetableService(session, school_id, await school_day(session, school_id)).delete_version(version)
            record(session, "core.timetable_version_deleted", connection=request, object_type="timetable", object_id=version_id,
                   details=details)
    except StructureError as error:
        asked = EditorRequest(version_id=version_id, class_id=query_id(data.class_id), errors={"version": error.message})
        return await editor_response(request, platform, asked, partial=VERSIONS, status_code=422)
    flash(request, _("The timetable from %(date)s was deleted.", date=format_day(version.valid_from)))
    return redirect(request, editor_url(year_id=version.academic_year_id, class_id=query_id(data.class_id)))


# ---- rooms ----------------------------------------------------------------------------------------


async def rooms_response(request: Request, platform: Platform, *, form: dict[str, str] | None = None,
                         errors: dict[str, str] | None = None, status_code: int = 200) -> Response[str]:
    """The school's rooms, those in use first (by number), the archived ones after them."""
    school_id = school_of(request)
    async with platform.db.reading() as session:
        service = TimetableService(session, school_id, await school_day(session, school_id))
        rooms = sorted(await service.rooms(include_archived=True), key=lambda room: room.is_archived)
    context = timetable_context(request, "rooms", rooms=rooms, errors=errors or {}, form=form or {}, page_title=_("Rooms"))
    return await render(request, TEMPLATES + "rooms.html", context, partial=ROOM_FORM, status_code=status_code)


@get("/timetable/rooms", name="core:rooms", opt=VIEW)
async def rooms_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    return await rooms_response(request, platform)


@dataclass
class RoomForm:
    name: str = ""
    note: str = ""


@post("/timetable/rooms", name="core:room_create", opt=MANAGE)
async def create_room(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[RoomForm]) -> Response[str]:
    school_id = school_of(request)
    form = {"name": data.name[:200], "note": data.note[:400]}  # long enough for the service to say "too long"
    try:
        async with platform.db.writing() as session:
            room = await TimetableService(session, school_id, await school_day(session, school_id)).add_room(form["name"], form["note"])
            record(session, "core.timetable_room_created", connection=request, object_type="room", object_id=room.id,
                   details={"name": room.name, "note": room.note})
    except StructureError as error:
        return await rooms_response(request, platform, form=form, errors=refusal_errors(error), status_code=422)
    flash(request, _("Room %(name)s was added.", name=room.name))
    return redirect(request, "/timetable/rooms")


@dataclass
class ArchiveForm:
    archived: str = ""


@post("/timetable/rooms/{room_id:int}/archive", name="core:room_archive", opt=MANAGE)
async def archive_room(request: Request, room_id: FromPath[int], platform: NamedDependency[Platform],
                       data: URLEncodedBody[ArchiveForm]) -> Response[str]:
    """Archived rooms are no longer offered for new lessons; the timetables that use them keep them."""
    school_id = school_of(request)
    async with platform.db.writing() as session:
        room = await owned(session, Room, room_id, school_id)
        if data.archived not in ("0", "1"):
            errors = {f"room-{room_id}": _("Choose to archive the room or to return it.")}
        else:
            errors = {}
            await TimetableService(session, school_id, await school_day(session, school_id)).archive_room(room, data.archived == "1")
            record(session, "core.timetable_room_archived", connection=request, object_type="room", object_id=room.id,
                   details={"name": room.name, "archived": room.is_archived})
    if errors:
        return await rooms_response(request, platform, errors=errors, status_code=422)
    if room.is_archived:
        flash(request, _("Room %(name)s is archived: it is no longer offered for new lessons.", name=room.name))
    else:
        flash(request, _("Room %(name)s is in use again.", name=room.name))
    return redirect(request, "/timetable/rooms")


ROUTES = [editor, slot_form, conflicts_page, check_slot, create_slot, delete_slot, create_version, delete_version,
          rooms_page, create_room, archive_room]

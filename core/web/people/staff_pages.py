"""Staff (regulation 3.2): the list with positions, roles and load, adding a staff member, their
positions, and the staff list as XLSX. Roles that give access stay on the account page."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import folded
from core.i18n import gettext as _
from core.people.cards import clean_email, clean_phone, require_reach
from core.people.list_export import staff_list_xlsx
from core.people.models import StaffPosition
from core.people.services import PeopleService
from core.people.staff import add_position, end_position, staff_members
from core.platform import Platform
from core.structure.calendar import pick_year, years_of
from core.structure.common import StructureError, owned
from core.structure.curriculum import PageService
from core.structure.rules import hours_text
from core.web.pages import flash, redirect, render
from core.web.people.cards_pages import attachment, person_context, role_label
from core.web.people.common import MANAGE_PEOPLE, VIEW_PEOPLE, people_context, reach_of
from core.web.structure.common import EndForm, form_date, refusal_errors, school_day


async def staff_context(request: Request, session: AsyncSession, *, q: str = "", errors: dict[str, str] | None = None,
                        form: dict[str, Any] | None = None) -> dict[str, Any]:
    reach = reach_of(request)
    today = await school_day(session, reach.school_id)
    members = await staff_members(session, reach.school_id, today)
    year = pick_year(await years_of(session, reach.school_id), today, None)
    load = {teacher_id: hours for teacher_id, _name, hours, _pages in
            await PageService(session, reach.school_id).load_by_teacher(year, today)} if year else {}
    needle = " ".join(folded(q).split())
    shown = [member for member in members if not needle or needle in folded(member[1])
             or any(needle in folded(title) for title in member[2])]
    return people_context(request, "staff", today, members=shown, total=len(members), load=load, q=q, reach=reach,
                          role_label=role_label, hours_text=hours_text, errors=errors or {}, form=form or {"starts_on": today.isoformat()})


@get("/people/staff", name="core:staff", opt=VIEW_PEOPLE)
async def staff_page(request: Request, platform: NamedDependency[Platform], q: FromQuery[str] = "") -> Response[str]:
    async with platform.db.reading() as session:
        context = await staff_context(request, session, q=q[:100])
    return await render(request, "core/people/staff.html", context)


@get("/people/staff.xlsx", name="core:staff_export", opt=VIEW_PEOPLE)
async def staff_export(request: Request, platform: NamedDependency[Platform]) -> Response[bytes]:
    reach = reach_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, reach.school_id)
        content = await staff_list_xlsx(session, reach.school_id, today)
    return attachment(content, f"staff-{today.isoformat()}.xlsx", f"Сотрудники на {today:%d.%m.%Y}.xlsx")


@dataclass
class StaffForm:
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: str = ""
    phone: str = ""
    email: str = ""
    title: str = ""
    starts_on: str = ""


@post("/people/staff", name="core:staff_create", opt=MANAGE_PEOPLE)
async def create_staff(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[StaffForm]) -> Response[str]:
    reach = reach_of(request)
    try:
        birth_date, starts_on = form_date(data.birth_date, "birth_date"), form_date(data.starts_on, "starts_on")
        async with platform.db.writing() as session:
            person = await PeopleService(session, reach.school_id).add_person(
                last_name=data.last_name, first_name=data.first_name, middle_name=data.middle_name, birth_date=birth_date,
                phone=clean_phone(data.phone), email=clean_email(data.email))
            position = await add_position(session, reach.school_id, person.id, data.title, starts_on)
            record(session, "core.staff_added", connection=request, object_type="person", object_id=person.id,
                   details={"position": position.title, "starts_on": starts_on})
            person_id = person.id
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await staff_context(request, session, errors=refusal_errors(error), form=asdict(data))
        return await render(request, "core/people/staff.html", context, status_code=422)
    flash(request, _("The staff member was added. Grant their roles on the account page."))
    return redirect(request, f"/people/persons/{person_id}")


@dataclass
class PositionForm:
    title: str = ""
    starts_on: str = ""


@post("/people/persons/{person_id:int}/positions", name="core:position_add", opt=MANAGE_PEOPLE)
async def create_position(request: Request, person_id: FromPath[int], platform: NamedDependency[Platform],
                          data: URLEncodedBody[PositionForm]) -> Response[str]:
    reach = reach_of(request)
    try:
        starts_on = form_date(data.starts_on, "starts_on")
        async with platform.db.writing() as session:
            await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True,
                                person_id=person_id, day=await school_day(session, reach.school_id), writing=True)
            position = await add_position(session, reach.school_id, person_id, data.title, starts_on)
            record(session, "core.position_added", connection=request, object_type="person", object_id=person_id,
                   details={"position": position.title, "starts_on": starts_on})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await person_context(request, session, person_id, errors={f"position_{error.field}": error.message},
                                           form={"position": asdict(data)})
        return await render(request, "core/people/person.html", context, status_code=422)
    flash(request, _("The position was added."))
    return redirect(request, f"/people/persons/{person_id}")


@post("/people/positions/{position_id:int}/end", name="core:position_end", opt=MANAGE_PEOPLE)
async def finish_position(request: Request, position_id: FromPath[int], platform: NamedDependency[Platform],
                          data: URLEncodedBody[EndForm]) -> Response[str]:
    reach = reach_of(request)
    async with platform.db.reading() as session:
        person_id = (await owned(session, StaffPosition, position_id, reach.school_id)).user_id
    try:
        ends_on = form_date(data.ends_on, "ends_on")
        async with platform.db.writing() as session:
            position = await owned(session, StaffPosition, position_id, reach.school_id)
            old = position.ends_on
            await end_position(session, position, ends_on)
            record(session, "core.position_ended", connection=request, object_type="person", object_id=person_id,
                   details={"position": position.title, "ends_on": [old, ends_on]})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await person_context(request, session, person_id, errors={f"end_{position_id}": error.message})
        return await render(request, "core/people/person.html", context, status_code=422)
    flash(request, _("The position ends on %(day)s.", day=ends_on.strftime("%d.%m.%Y")))  # type: ignore[union-attr]
    return redirect(request, f"/people/persons/{person_id}")


ROUTES = [staff_page, staff_export, create_staff, create_position, finish_position]

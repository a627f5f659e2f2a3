"""The secretary's forms on a student (regulation 4.2): admission, a transfer to another class,
leaving the school, and the student's legal representatives. Each change runs in one transaction
with its audit record; a refusal shows the form again with the message by its field (422).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record
from core.di import FromPath, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.people.admission import NewPerson, NewRepresentative, admit_student, end_representation, link_representative
from core.people.cards import require_reach
from core.people.models import Guardianship
from core.people.services import PeopleService
from core.platform import Platform
from core.structure.common import StructureError, owned
from core.structure.models import ClassGroup
from core.structure.organisation import OrganisationService
from core.web.pages import flash, redirect, render
from core.web.people.cards_pages import card_helpers, student_context
from core.web.people.common import MANAGE_PEOPLE, people_context, reach_of
from core.web.structure.common import EndForm, form_date, form_int, refusal_errors, school_day


# ---- admission ----------------------------------------------------------------------------------


@dataclass
class AdmissionForm:
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: str = ""
    phone: str = ""
    email: str = ""
    class_id: str = ""
    starts_on: str = ""
    kind: str = "admitted"
    order_number: str = ""
    order_date: str = ""
    rep_full_name: str = ""
    rep_kind: str = "mother"
    rep_phone: str = ""
    rep_document: str = ""


async def admission_context(request: Request, session: AsyncSession, *, errors: dict[str, str] | None = None,
                            form: dict[str, Any] | None = None) -> dict[str, Any]:
    reach = reach_of(request)
    today = await school_day(session, reach.school_id)
    return people_context(request, "students", today, classes=await OrganisationService(session, reach.school_id).open_classes(today),
                          errors=errors or {}, **card_helpers(),
                          form=form or {"starts_on": today.isoformat(), "kind": "admitted", "rep_kind": "mother"})


@get("/people/students/new", name="core:student_new", opt=MANAGE_PEOPLE)
async def admission_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await admission_context(request, session)
    return await render(request, "core/people/admission.html", context)


@post("/people/students", name="core:student_create", opt=MANAGE_PEOPLE)
async def admit(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[AdmissionForm]) -> Response[str]:
    reach = reach_of(request)
    try:
        student = NewPerson(data.last_name, data.first_name, data.middle_name, form_date(data.birth_date, "birth_date"),
                            data.phone, data.email)
        starts_on, order_date = form_date(data.starts_on, "starts_on"), form_date(data.order_date, "order_date")
        class_id = form_int(data.class_id, "class_id", _("Choose a class."))
        representative = NewRepresentative(data.rep_kind, data.rep_full_name, data.rep_phone, data.rep_document)
        async with platform.db.writing() as session:
            if class_id is None:
                raise StructureError("class_id", _("Choose a class."))
            class_group = await owned(session, ClassGroup, class_id, reach.school_id)
            student_id = await admit_student(session, reach.school_id, student, class_group, starts_on=starts_on,
                                             kind=data.kind, order_number=data.order_number, order_date=order_date,
                                             representative=representative)
            record(session, "core.student_admitted", connection=request, object_type="person", object_id=student_id,
                   details={"class": class_group.name, "starts_on": starts_on, "order": [data.order_number, order_date],
                            "representative": data.rep_full_name or None})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await admission_context(request, session, errors=refusal_errors(error), form=asdict(data))
        return await render(request, "core/people/admission.html", context, status_code=422)
    flash(request, _("The student was admitted."))
    return redirect(request, f"/people/students/{student_id}")


# ---- transfer and leaving -----------------------------------------------------------------------


@dataclass
class MovementForm:
    class_id: str = ""
    day: str = ""
    order_number: str = ""
    order_date: str = ""
    kind: str = "left"
    note: str = ""


async def student_refused(request: Request, platform: Platform, student_id: int, error: StructureError, prefix: str,
                          data: Any) -> Response[str]:
    async with platform.db.reading() as session:
        context = await student_context(request, session, student_id, errors={f"{prefix}_{error.field or 'form'}": error.message},
                                        form={prefix: asdict(data)})
    return await render(request, "core/people/student.html", context, status_code=422)


@post("/people/students/{student_id:int}/transfer", name="core:student_transfer", opt=MANAGE_PEOPLE)
async def transfer(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform],
                   data: URLEncodedBody[MovementForm]) -> Response[str]:
    reach = reach_of(request)
    try:
        day, order_date = form_date(data.day, "starts_on"), form_date(data.order_date, "order_date")
        class_id = form_int(data.class_id, "class_group_id", _("Choose a class."))
        async with platform.db.writing() as session:
            today = await school_day(session, reach.school_id)
            await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True,
                                person_id=student_id, day=today, writing=True)
            if class_id is None:
                raise StructureError("class_group_id", _("Choose a class."))
            to_class = await owned(session, ClassGroup, class_id, reach.school_id)
            enrollment = await PeopleService(session, reach.school_id).transfer(
                student_id, to_class, on_day=day, order_number=data.order_number, order_date=order_date)
            record(session, "core.student_transferred", connection=request, object_type="person", object_id=student_id,
                   details={"to": to_class.name, "starts_on": enrollment.starts_on, "order": [data.order_number, order_date]})
    except StructureError as error:
        return await student_refused(request, platform, student_id, error, "transfer", data)
    flash(request, _("The student was transferred to %(class_name)s.", class_name=to_class.name))
    return redirect(request, f"/people/students/{student_id}")


@post("/people/students/{student_id:int}/leave", name="core:student_leave", opt=MANAGE_PEOPLE)
async def leave(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform],
                data: URLEncodedBody[MovementForm]) -> Response[str]:
    reach = reach_of(request)
    try:
        day, order_date = form_date(data.day, "ends_on"), form_date(data.order_date, "order_date")
        async with platform.db.writing() as session:
            today = await school_day(session, reach.school_id)
            await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True,
                                person_id=student_id, day=today, writing=True)
            await PeopleService(session, reach.school_id).leave(student_id, last_day=day, order_number=data.order_number,
                                                                order_date=order_date, kind=data.kind, note=data.note)
            record(session, "core.student_left", connection=request, object_type="person", object_id=student_id,
                   details={"kind": data.kind, "last_day": day, "order": [data.order_number, order_date], "note": data.note})
    except StructureError as error:
        return await student_refused(request, platform, student_id, error, "leave", data)
    flash(request, _("The departure is recorded."))
    return redirect(request, f"/people/students/{student_id}")


# ---- representatives ----------------------------------------------------------------------------


@dataclass
class RepresentativeForm:
    rep_person_id: str = ""
    rep_full_name: str = ""
    rep_kind: str = "mother"
    rep_phone: str = ""
    rep_document: str = ""


@post("/people/students/{student_id:int}/representatives", name="core:representative_add", opt=MANAGE_PEOPLE)
async def add_representative(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform],
                             data: URLEncodedBody[RepresentativeForm]) -> Response[str]:
    reach = reach_of(request)
    try:
        person_id = form_int(data.rep_person_id, "rep_person_id", _("Choose a person."))
        async with platform.db.writing() as session:
            today = await school_day(session, reach.school_id)
            await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True,
                                person_id=student_id, day=today, writing=True)
            if person_id is not None:  # only someone this school knows: no probing other schools' people
                try:
                    await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True,
                                        person_id=person_id, day=today, writing=True)
                except NotFoundException:
                    raise StructureError("rep_person_id", _("Choose a person.")) from None
            link = await link_representative(session, reach.school_id, student_id, NewRepresentative(
                data.rep_kind, "" if person_id else data.rep_full_name, data.rep_phone, data.rep_document, person_id))
            record(session, "core.representative_linked", connection=request, object_type="person", object_id=student_id,
                   details={"representative": link.guardian_id, "kind": link.kind, "document": link.document or None})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await student_context(request, session, student_id, errors=refusal_errors(error),
                                            form={"rep": asdict(data)})
        return await render(request, "core/people/student.html", context, status_code=422)
    flash(request, _("The representative was linked."))
    return redirect(request, f"/people/students/{student_id}")


@post("/people/representatives/{link_id:int}/end", name="core:representative_end", opt=MANAGE_PEOPLE)
async def end_representative(request: Request, link_id: FromPath[int], platform: NamedDependency[Platform],
                             data: URLEncodedBody[EndForm]) -> Response[str]:
    reach = reach_of(request)
    async with platform.db.reading() as session:
        link = await session.get(Guardianship, link_id)
        if link is None:
            raise NotFoundException()
        student_id = link.student_id
        await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=True,
                            person_id=student_id, day=await school_day(session, reach.school_id), writing=True)
    try:
        ends_on = form_date(data.ends_on, "ends_on")
        async with platform.db.writing() as session:
            link = await session.get(Guardianship, link_id)
            assert link is not None
            old = link.ends_on
            await end_representation(session, reach.school_id, link, ends_on, await school_day(session, reach.school_id))
            record(session, "core.representative_ended", connection=request, object_type="person", object_id=student_id,
                   details={"representative": link.guardian_id, "ends_on": [old, ends_on]})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await student_context(request, session, student_id, errors={f"end_{link_id}": error.message})
        return await render(request, "core/people/student.html", context, status_code=422)
    flash(request, _("The representation ends on %(day)s.", day=ends_on.strftime("%d.%m.%Y")))  # type: ignore[union-attr]
    return redirect(request, f"/people/students/{student_id}")


ROUTES = [admission_page, admit, transfer, leave, add_representative, end_representative]

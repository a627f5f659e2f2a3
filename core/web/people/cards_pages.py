"""Cards (regulation 3.8): the list of students, a student's card, a person's card (a parent's
children, a staff member's positions and load), the class card, and changing a person's data.

Cards are read by the administration and, for their own class, by the class teacher; the contacts
are kept by the secretary, the journal administrator and the class teacher (their class only). Every
change is written to the audit log with its old and new values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES
from core.access.scope import led_classes
from core.audit.log import record
from core.audit.views import note_view
from core.auth.models import UserAccount
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import N_, folded
from core.i18n import gettext as _
from core.people.cards import (
    PersonChanges, StaleForm, class_students, is_staff, link_holds, person_card, require_class_reach, require_reach, student_card, update_person,
)
from core.people.consent import card_consent
from core.people.list_export import class_list_xlsx
from core.people.models import GUARDIAN_KIND_LABELS, GUARDIAN_KINDS, Enrollment, Guardianship, PersonProfile
from core.people.spreadsheets import XLSX_MEDIA_TYPE
from core.platform import Platform
from core.structure.calendar import pick_year, years_of
from core.structure.common import StructureError, active_on
from core.structure.curriculum import PageService
from core.structure.organisation import OrganisationService
from core.structure.rules import hours_text
from core.structure.models import AcademicYear, ClassGroup, ClassTeacherAppointment, StudyGroup, StudyGroupClass
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user
from core.web.people.common import EDIT_CONTACTS, VIEW_CARDS, VIEW_PEOPLE, people_context, reach_of
from core.web.structure.common import form_date, parse_date, query_id, refusal_errors, school_day
from core.web.uploads import download


def kind_label(kind: str) -> str:
    """A guardianship's kind in the reader's language."""
    return _(GUARDIAN_KIND_LABELS[kind]) if kind in GUARDIAN_KIND_LABELS else kind


async def class_students_ids(session: AsyncSession, class_ids: set[int], day: date) -> list[int]:
    if not class_ids:
        return []
    return list((await session.execute(select(Enrollment.student_id).where(
        Enrollment.class_group_id.in_(class_ids), active_on(Enrollment.starts_on, Enrollment.ends_on, day)))).scalars())


def role_label(role: str) -> str:
    return _(ROLES[role]) if role in ROLES else role


def day_param(text: str, today: date) -> date:
    """``?day=``: a date, or today when empty or malformed (a card never fails on a bad address)."""
    try:
        return parse_date(text[:20]) or today
    except StructureError:
        return today


def enrollment_start_label(kind: str) -> str:
    return {"admitted": _("admitted"), "transferred": _("transferred from another class"),
            "continued": _("continues from last year")}.get(kind, kind)


def enrollment_end_label(kind: str | None) -> str:
    return {"transferred": _("transferred to another class"), "left": _("left the school"),
            "graduated": _("finished school")}.get(kind or "", kind or "")


def card_helpers() -> dict[str, Any]:
    return {"kind_label": kind_label, "role_label": role_label, "guardian_kinds": GUARDIAN_KINDS,
            "enrollment_start_label": enrollment_start_label, "enrollment_end_label": enrollment_end_label,
            "hours_text": hours_text}


# ---- the list of students -----------------------------------------------------------------------


@dataclass
class StudentRow:
    id: int
    name: str
    birth_date: date | None
    class_id: int
    class_name: str


async def student_rows(session: AsyncSession, school_id: int, year: AcademicYear, day: date, class_id: int | None,
                       q: str) -> list[StudentRow]:
    query = (select(UserAccount.id, UserAccount.full_name, PersonProfile.birth_date, ClassGroup.id.label("class_id"),
                    ClassGroup.grade_level, ClassGroup.letter, PersonProfile.search_key)
             .join(Enrollment, Enrollment.student_id == UserAccount.id)
             .join(ClassGroup, ClassGroup.id == Enrollment.class_group_id)
             .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
             .where(Enrollment.school_id == school_id, ClassGroup.academic_year_id == year.id,
                    active_on(Enrollment.starts_on, Enrollment.ends_on, day))
             .order_by(ClassGroup.grade_level, ClassGroup.letter, PersonProfile.search_key, UserAccount.id))
    if class_id is not None:
        query = query.where(ClassGroup.id == class_id)
    needle = " ".join(folded(q).split())
    return [StudentRow(row.id, row.full_name, row.birth_date, row.class_id, f"{row.grade_level}{row.letter}")
            for row in (await session.execute(query)).all()
            if not needle or needle in (row.search_key or folded(row.full_name))]


@get("/people/students", name="core:students", opt=VIEW_PEOPLE)
async def students_page(request: Request, platform: NamedDependency[Platform], q: FromQuery[str] = "",
                        day: FromQuery[str] = "", class_id: FromQuery[str] = "") -> Response[str]:
    reach = reach_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, reach.school_id)
        on_day = day_param(day, today)
        years = await years_of(session, reach.school_id)
        year = pick_year(years, on_day, None)
        classes = await OrganisationService(session, reach.school_id).classes(year) if year else []
        chosen = query_id(class_id)
        rows = await student_rows(session, reach.school_id, year, on_day, chosen, q[:100]) if year else []
    return await render(request, "core/people/students.html", people_context(
        request, "students", today, rows=rows, q=q[:100], day=on_day, year=year, classes=classes, class_id=chosen,
        can_manage=reach.can_manage))


# ---- a student's card ---------------------------------------------------------------------------


async def student_context(request: Request, session: AsyncSession, student_id: int, *, errors: dict[str, str] | None = None,
                          form: dict[str, Any] | None = None) -> dict[str, Any]:
    reach = reach_of(request)
    today = await school_day(session, reach.school_id)
    await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=reach.whole_school,
                        person_id=student_id, day=today)
    card = await student_card(session, reach.school_id, student_id, today)
    if not reach.whole_school:  # a class teacher: the family as it is today, not its history
        card.representatives = [row for row in card.representatives if link_holds(row.link, today)]
    if not card.enrollments:  # a parent or a teacher: their own card, not a student's
        raise NotFoundException()
    classes: list[ClassGroup] = []
    siblings_parents: list[tuple[int, str]] = []
    if reach.can_manage:
        classes = await OrganisationService(session, reach.school_id).open_classes(today)
        siblings_parents = await likely_representatives(session, reach.school_id, card.person, student_id)
    return people_context(request, "students" if reach.whole_school else "", today, card=card, reach=reach,
                          can_edit_names=reach.can_manage, classes=classes, siblings_parents=siblings_parents,
                          errors=errors or {}, form=form or {}, **card_helpers(),
                          **await card_consent(session, reach.school_id, student_id, today))


async def likely_representatives(session: AsyncSession, school_id: int, person: Any, student_id: int) -> list[tuple[int, str]]:
    """Representatives of other students with the same surname: a sibling's parents, to link in one step."""
    surname = (person.profile.last_name if person.profile else person.name.split()[0] if person.name else "")
    stem = folded(surname)[:-1] if len(surname) > 3 else folded(surname)  # Петров and Петрова share «петров»
    if not stem:
        return []
    rows = (await session.execute(
        select(UserAccount.id, UserAccount.full_name)
        .join(PersonProfile, PersonProfile.user_id == UserAccount.id)
        .where(PersonProfile.search_key.startswith(stem, autoescape=True),  # both casefolded: a plain prefix match
               UserAccount.id.in_(select(Guardianship.guardian_id).where(
                   Guardianship.student_id != student_id,
                   Guardianship.student_id.in_(select(Enrollment.student_id).where(Enrollment.school_id == school_id)))))
        .order_by(PersonProfile.search_key).limit(20))).all()
    return [(row.id, row.full_name) for row in rows]


@get("/people/students/{student_id:int}", name="core:student", opt=VIEW_CARDS)
async def student_page(request: Request, student_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await student_context(request, session, student_id)
    await note_view(platform, current_user(request), kind="person", object_id=student_id, what=N_("the student's card"))
    return await render(request, "core/people/student.html", context)


# ---- a person's card (a parent, a staff member) -------------------------------------------------


async def person_context(request: Request, session: AsyncSession, person_id: int, *, errors: dict[str, str] | None = None,
                         form: dict[str, Any] | None = None) -> dict[str, Any]:
    reach = reach_of(request)
    today = await school_day(session, reach.school_id)
    await require_reach(session, school_id=reach.school_id, user_id=reach.user_id, whole_school=reach.whole_school,
                        person_id=person_id, day=today)
    card = await person_card(session, reach.school_id, person_id, today)
    if not reach.whole_school:  # a class teacher sees the person as a parent of their class, nothing more
        led = set(await led_classes(session, reach.user_id, reach.school_id, today))
        in_class = set(await class_students_ids(session, led, today))
        card.children = [row for row in card.children if row.person_id in in_class and link_holds(row.link, today)]
        card.positions, card.roles = [], []
    load: list[Any] = []
    if reach.whole_school and is_staff(card):
        years = await years_of(session, reach.school_id)
        year = pick_year(years, today, None)
        if year is not None:
            load = await PageService(session, reach.school_id).rows(year, today, teacher_id=person_id)
    return people_context(request, "staff" if reach.whole_school and is_staff(card) else "", today, card=card, reach=reach,
                          staff=is_staff(card), load=load, can_edit_names=reach.can_manage, errors=errors or {},
                          form=form or {}, **card_helpers(), **await card_consent(session, reach.school_id, person_id, today))


@get("/people/persons/{person_id:int}", name="core:person", opt=VIEW_CARDS)
async def person_page(request: Request, person_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await person_context(request, session, person_id)
    await note_view(platform, current_user(request), kind="person", object_id=person_id, what=N_("the card"))
    return await render(request, "core/people/person.html", context)


# ---- changing a person's data -------------------------------------------------------------------


@dataclass
class PersonForm:
    phone: str = ""
    email: str = ""
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: str = ""
    back: str = ""  # "student" when sent from a student's card
    version: str = ""  # the profile's version the form showed


@post("/people/persons/{person_id:int}", name="core:person_update", opt=EDIT_CONTACTS)
async def update_person_page(request: Request, person_id: FromPath[int], platform: NamedDependency[Platform],
                             data: URLEncodedBody[PersonForm]) -> Response[str]:
    """The secretary and the administrator change names, birth date and contacts; a class teacher
    changes the contacts of their class's students and representatives (regulation 3.8)."""
    reach = reach_of(request)
    back = f"/people/students/{person_id}" if data.back == "student" else f"/people/persons/{person_id}"
    try:
        async with platform.db.writing() as session:
            today = await school_day(session, reach.school_id)
            await require_reach(session, school_id=reach.school_id, user_id=reach.user_id,
                                whole_school=reach.whole_school and reach.can_manage, person_id=person_id, day=today,
                                writing=True)
            changes = PersonChanges(phone=data.phone, email=data.email, names_on_form=reach.can_manage,
                                    last_name=data.last_name, first_name=data.first_name, middle_name=data.middle_name,
                                    birth_date=form_date(data.birth_date, "birth_date") if reach.can_manage else None,
                                    version=int(data.version) if data.version.isascii() and data.version.isdigit()
                                    and len(data.version) < 10 else None)
            changed = await update_person(session, person_id, changes, today)
            if changed:
                record(session, "core.person_updated", connection=request, object_type="person", object_id=person_id,
                       details=changed)
    except StructureError as error:
        async with platform.db.reading() as session:
            build = student_context if data.back == "student" else person_context
            context = await build(request, session, person_id, errors=refusal_errors(error),
                                  form={"person": vars(data)})
        template = "core/people/student.html" if data.back == "student" else "core/people/person.html"
        return await render(request, template, context, status_code=422)
    except (StaleForm, StaleDataError):
        async with platform.db.reading() as session:  # the current data, for the user to enter the change again
            build = student_context if data.back == "student" else person_context
            context = await build(request, session, person_id, errors={"form": _(
                "Someone saved this person's data while you were editing it. The form now shows what is stored: "
                "enter your change again.")})
        template = "core/people/student.html" if data.back == "student" else "core/people/person.html"
        return await render(request, template, context, status_code=409)
    flash(request, _("Saved.") if changed else _("Nothing has changed."), "success" if changed else "info")
    return redirect(request, back)


# ---- the class card -----------------------------------------------------------------------------


async def class_card_context(request: Request, session: AsyncSession, class_id: int, day_text: str) -> dict[str, Any]:
    reach = reach_of(request)
    today = await school_day(session, reach.school_id)
    day = day_param(day_text, today) if reach.whole_school else today  # a class teacher: their class as it is now
    class_group = await require_class_reach(session, school_id=reach.school_id, user_id=reach.user_id,
                                            whole_school=reach.whole_school, class_id=class_id, day=today)
    year = await session.get(AcademicYear, class_group.academic_year_id)
    teachers = (await session.execute(
        select(UserAccount.full_name).join(ClassTeacherAppointment, ClassTeacherAppointment.teacher_id == UserAccount.id)
        .where(ClassTeacherAppointment.class_group_id == class_id,
               active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, day)))).scalars().all()
    groups = (await session.execute(
        select(StudyGroup.id, StudyGroup.name).join(StudyGroupClass, StudyGroupClass.study_group_id == StudyGroup.id)
        .where(StudyGroupClass.class_group_id == class_id).order_by(StudyGroup.name))).all()
    pages = await PageService(session, reach.school_id).rows(year, day, class_group_id=class_id) if year else []
    students = await class_students(session, class_id, day)
    led = await led_classes(session, reach.user_id, reach.school_id, today)
    return people_context(request, "students" if reach.whole_school else "", today, class_group=class_group, year=year,
                          day=day, students=students, class_teachers=teachers, groups=groups, pages=pages, reach=reach,
                          own_class=class_id in led, **card_helpers())


@get("/people/classes/{class_id:int}", name="core:class_card", opt=VIEW_CARDS)
async def class_card_page(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                          day: FromQuery[str] = "") -> Response[str]:
    async with platform.db.reading() as session:
        context = await class_card_context(request, session, class_id, day)
    await note_view(platform, current_user(request), kind="class", object_id=class_id, what=N_("the class list"))
    return await render(request, "core/people/class.html", context)


@get("/people/classes/{class_id:int}/list.xlsx", name="core:class_export", opt=VIEW_CARDS)
async def class_export(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                       day: FromQuery[str] = "") -> Response[bytes]:
    """The class list in the import's own columns: exported, edited and imported back."""
    reach = reach_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, reach.school_id)
        class_group = await require_class_reach(session, school_id=reach.school_id, user_id=reach.user_id,
                                                whole_school=reach.whole_school, class_id=class_id, day=today)
        on_day = day_param(day, today) if reach.whole_school else today
        content = await class_list_xlsx(session, reach.school_id, class_group, on_day)
        name = class_group.name
    await note_view(platform, current_user(request), kind="class", object_id=class_id, what=N_("the class list (XLSX)"))
    return attachment(content, f"class-{class_id}-{on_day.isoformat()}.xlsx", f"Класс {name} на {on_day:%d.%m.%Y}.xlsx")


def attachment(content: bytes, ascii_name: str, name: str) -> Response[bytes]:
    return download(content, name, XLSX_MEDIA_TYPE, ascii_name)


@get("/people/my-class", name="core:my_class", opt=VIEW_CARDS)
async def my_class(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """A class teacher's way in: the card of the class they lead today (the first, if several)."""
    reach = reach_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, reach.school_id)
        classes = await led_classes(session, reach.user_id, reach.school_id, today)
    if classes:
        return redirect(request, f"/people/classes/{classes[0]}")
    return await render(request, "core/people/no_class.html", people_context(request, "", today))


ROUTES = [my_class, students_page, student_page, person_page, update_person_page, class_card_page, class_export]

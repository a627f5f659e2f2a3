"""Classes with their class teachers, the subject list and study groups with their members
(regulation 2.2): lists for everyone who sees the structure, forms for the journal administrator.

Each write runs in one transaction; a refusal (``StructureError``) rolls it back and the page is
rendered again, after the transaction, with the message by its field (422).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import current_school
from core.audit.log import record
from core.auth.models import UserAccount
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import folded
from core.i18n import gettext as _
from core.i18n import ngettext
from core.platform import Platform
from core.structure.common import StructureError, active_on, owned, staff_choices
from core.structure.curriculum import PageService
from core.structure.models import (
    GRADE_LEVELS, AcademicYear, ClassGroup, ClassTeacherAppointment, StudyGroup, StudyGroupClass, StudyGroupMember,
    Subject, SubjectPage,
)
from core.structure.organisation import OrganisationService, student_choices
from core.web.guards import MAX_ID
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user
from core.web.structure.common import (
    MANAGE, VIEW, EndForm, YearChoice, can_manage, choose_year, form_date, form_int, query_id, refusal_errors, structure_context,
    year_param,
)

ClassQuery = Annotated[str, QueryParameter(name="class")]  # «class» is a Python keyword


def school_of(request: Request) -> int:
    return current_school(current_user(request))


def search_key(text: str, *, spaces: bool = True) -> str:
    """``folded`` with spaces collapsed; class names drop them, so «5 а» finds 5А."""
    text = folded(text)
    return " ".join(text.split()) if spaces else "".join(text.split())




def first_day(choice: YearChoice) -> date | None:
    """What a new dated row starts on by default: today, or the year's first day outside it."""
    year = choice.year
    if year is None:
        return None
    return choice.today if year.starts_on <= choice.today <= year.ends_on else year.starts_on


def active_on_day(row: StudyGroupMember | ClassTeacherAppointment, day: date) -> bool:
    return row.starts_on <= day and (row.ends_on is None or row.ends_on >= day)


async def refused(request: Request, platform: Platform, build: Any, template: str, partial: tuple[str, str],
                  **values: Any) -> Response[str]:
    """The page again after a rolled-back write: ``build(request, session, **values)`` gives its context."""
    async with platform.db.reading() as session:
        context = await build(request, session, **values)
    return await render(request, template, context, partial=partial, status_code=422)


# ---- classes ------------------------------------------------------------------------------------


@dataclass
class ClassRow:
    id: int
    name: str
    grade_level: int
    shift: int
    teacher: str | None = None
    groups: int = 0
    pages: int = 0


async def class_rows(session: AsyncSession, year: AcademicYear, today: date) -> list[ClassRow]:
    """The year's classes with their class teacher today and their counts: five statements."""
    rows = {class_group.id: ClassRow(class_group.id, class_group.name, class_group.grade_level, class_group.shift)
            for class_group in await OrganisationService(session, year.school_id).classes(year)}
    if not rows:
        return []
    of_year = select(ClassGroup.id).where(ClassGroup.academic_year_id == year.id)
    for class_id, name in (await session.execute(
        select(ClassTeacherAppointment.class_group_id, UserAccount.full_name)
        .join(UserAccount, UserAccount.id == ClassTeacherAppointment.teacher_id)
        .where(ClassTeacherAppointment.class_group_id.in_(of_year),
               active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, today)))).all():
        rows[class_id].teacher = name
    for class_id, count in (await session.execute(
        select(StudyGroupClass.class_group_id, func.count()).where(StudyGroupClass.class_group_id.in_(of_year))
        .group_by(StudyGroupClass.class_group_id))).all():
        rows[class_id].groups = count
    # A class's pages: its own, and those of the study groups drawing on it.
    for class_id, count in (await session.execute(
        select(SubjectPage.class_group_id, func.count()).where(SubjectPage.class_group_id.in_(of_year))
        .group_by(SubjectPage.class_group_id))).all():
        rows[class_id].pages += count
    for class_id, count in (await session.execute(
        select(StudyGroupClass.class_group_id, func.count())
        .join(SubjectPage, SubjectPage.study_group_id == StudyGroupClass.study_group_id)
        .where(StudyGroupClass.class_group_id.in_(of_year)).group_by(StudyGroupClass.class_group_id))).all():
        rows[class_id].pages += count
    return list(rows.values())


async def classes_context(request: Request, session: AsyncSession, *, year_id: int | None, q: str = "",
                          level: int | None = None, errors: dict[str, str] | None = None,
                          form: dict[str, Any] | None = None) -> dict[str, Any]:
    choice = await choose_year(request, session, year_id)
    rows = await class_rows(session, choice.year, choice.today) if choice.year else []
    needle = search_key(q, spaces=False)
    shown = [row for row in rows if (not needle or needle in search_key(row.name, spaces=False))
             and (level is None or row.grade_level == level)]
    return structure_context(choice, "classes", rows=shown, total=len(rows), q=q, level=level, levels=GRADE_LEVELS,
                             hide_year_choice=False, errors=errors or {}, form=form or {"shift": "1"})


@get("/structure/classes", name="core:classes", opt=VIEW)
async def classes_page(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "",
                       q: FromQuery[str] = "", level: FromQuery[str] = "") -> Response[str]:
    async with platform.db.reading() as session:
        context = await classes_context(request, session, year_id=year_param(year), q=q[:100],
                                        level=query_id(level, 1, 11))
    return await render(request, "core/structure/classes.html", context,
                        partial=("core/structure/_classes_table.html", "core-classes-table"))


@dataclass
class ClassForm:
    grade_level: str = ""
    letter: str = ""
    shift: str = "1"


@post("/structure/years/{year_id:int}/classes", name="core:class_create", opt=MANAGE)
async def create_class(request: Request, year_id: FromPath[int], platform: NamedDependency[Platform],
                       data: URLEncodedBody[ClassForm]) -> Response[str]:
    school_id = school_of(request)
    try:
        grade_level = form_int(data.grade_level, "grade_level", _("Choose the class's grade level, from 1 to 11."))
        shift = form_int(data.shift, "shift", _("Choose the first or the second shift."))
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            class_group = await OrganisationService(session, school_id).add_class(
                year, grade_level=grade_level, letter=data.letter, shift=shift)
            name = class_group.name
            record(session, "core.class_created", connection=request, object_type="class_group", object_id=class_group.id,
                   details={"name": name, "year": year.name, "shift": shift})
    except StructureError as error:
        return await refused(request, platform, classes_context, "core/structure/classes.html",
                             ("core/structure/_classes_form.html", "core-class-form"),
                             year_id=year_id, errors=refusal_errors(error), form=asdict(data))
    flash(request, _("The class %(name)s was added.", name=name))
    return redirect(request, f"/structure/classes?year={year_id}")


# ---- one class ----------------------------------------------------------------------------------


async def class_context(request: Request, session: AsyncSession, *, class_id: int, errors: dict[str, str] | None = None,
                        form: dict[str, Any] | None = None) -> dict[str, Any]:
    school_id = school_of(request)
    class_group = await owned(session, ClassGroup, class_id, school_id)
    choice = await choose_year(request, session, class_group.academic_year_id)
    assert choice.year is not None
    appointments = (await session.execute(
        select(ClassTeacherAppointment, UserAccount.full_name)
        .join(UserAccount, UserAccount.id == ClassTeacherAppointment.teacher_id)
        .where(ClassTeacherAppointment.class_group_id == class_id)
        .order_by(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.id))).all()
    today = choice.today
    current = next((name for appointment, name in appointments if active_on_day(appointment, today)), None)
    groups = list((await session.execute(
        select(StudyGroup).join(StudyGroupClass, StudyGroupClass.study_group_id == StudyGroup.id)
        .where(StudyGroupClass.class_group_id == class_id).order_by(StudyGroup.name))).scalars())
    pages = await PageService(session, school_id).rows(choice.year, today, class_group_id=class_id)
    return structure_context(
        choice, "classes", class_group=class_group, appointments=appointments, current_teacher=current, groups=groups,
        pages=pages, teachers=await staff_choices(session, school_id) if choice.can_manage else [],
        hide_year_choice=True, errors=errors or {},
        form={"starts_on": first_day(choice).isoformat(), "shift": str(class_group.shift), **(form or {})},  # type: ignore[union-attr]
    )


@get("/structure/classes/{class_id:int}", name="core:class", opt=VIEW)
async def class_page(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await class_context(request, session, class_id=class_id)
    return await render(request, "core/structure/class.html", context)


@dataclass
class ShiftForm:
    shift: str = ""


@post("/structure/classes/{class_id:int}/shift", name="core:class_shift", opt=MANAGE)
async def change_shift(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                       data: URLEncodedBody[ShiftForm]) -> Response[str]:
    school_id = school_of(request)
    try:
        shift = form_int(data.shift, "shift", _("Choose the first or the second shift."))
        async with platform.db.writing() as session:
            class_group = await owned(session, ClassGroup, class_id, school_id)
            old = class_group.shift
            await OrganisationService(session, school_id).set_shift(class_group, shift)
            record(session, "core.class_shift_changed", connection=request, object_type="class_group", object_id=class_id,
                   details={"shift": [old, shift]})
    except StructureError as error:
        return await refused(request, platform, class_context, "core/structure/class.html",
                             ("core/structure/_class_shift.html", "core-class-shift"),
                             class_id=class_id, errors=refusal_errors(error), form=asdict(data))
    flash(request, _("Saved."))
    return redirect(request, f"/structure/classes/{class_id}")


@dataclass
class AppointmentForm:
    teacher_id: str = ""
    starts_on: str = ""
    ends_on: str = ""


@post("/structure/classes/{class_id:int}/class-teachers", name="core:class_teacher_appoint", opt=MANAGE)
async def appoint_class_teacher(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                                data: URLEncodedBody[AppointmentForm]) -> Response[str]:
    school_id = school_of(request)
    try:
        teacher_id = form_int(data.teacher_id, "teacher_id", _("Choose a teacher of this school."))
        starts_on, ends_on = form_date(data.starts_on, "starts_on"), form_date(data.ends_on, "ends_on")
        async with platform.db.writing() as session:
            class_group = await owned(session, ClassGroup, class_id, school_id)
            appointment = await OrganisationService(session, school_id).appoint_class_teacher(
                class_group, teacher_id=teacher_id, starts_on=starts_on, ends_on=ends_on)
            record(session, "core.class_teacher_appointed", connection=request, object_type="class_group",
                   object_id=class_id, details={"appointment": appointment.id, "teacher": teacher_id,
                                                "starts_on": starts_on, "ends_on": ends_on})
    except StructureError as error:
        return await refused(request, platform, class_context, "core/structure/class.html",
                             ("core/structure/_class_teachers.html", "core-class-teachers"),
                             class_id=class_id, errors=refusal_errors(error), form=asdict(data))
    flash(request, _("The class teacher was appointed."))
    return redirect(request, f"/structure/classes/{class_id}")


@post("/structure/class-teachers/{appointment_id:int}/end", name="core:class_teacher_end", opt=MANAGE)
async def end_class_teacher(request: Request, appointment_id: FromPath[int], platform: NamedDependency[Platform],
                            data: URLEncodedBody[EndForm]) -> Response[str]:
    school_id = school_of(request)
    async with platform.db.reading() as session:
        class_id = (await owned(session, ClassTeacherAppointment, appointment_id, school_id)).class_group_id
    field = f"end_{appointment_id}"  # the page has one end form per appointment
    try:
        ends_on = form_date(data.ends_on, field)
        async with platform.db.writing() as session:
            appointment = await owned(session, ClassTeacherAppointment, appointment_id, school_id)
            old = appointment.ends_on
            await OrganisationService(session, school_id).end_appointment(appointment, ends_on)
            record(session, "core.class_teacher_ended", connection=request, object_type="class_group", object_id=class_id,
                   details={"appointment": appointment_id, "ends_on": [old, ends_on]})
    except StructureError as error:
        return await refused(request, platform, class_context, "core/structure/class.html",
                             ("core/structure/_class_teachers.html", "core-class-teachers"),
                             class_id=class_id, errors={field: error.message}, form={field: data.ends_on})
    flash(request, _("The appointment ends on %(day)s.", day=ends_on.strftime("%d.%m.%Y")))  # type: ignore[union-attr]
    return redirect(request, f"/structure/classes/{class_id}")


# ---- subjects -----------------------------------------------------------------------------------


async def subjects_context(request: Request, session: AsyncSession, *, year_id: int | None = None, q: str = "",
                           archived: bool = False, edit: int | None = None, errors: dict[str, str] | None = None,
                           form: dict[str, Any] | None = None, edit_errors: dict[str, str] | None = None,
                           edit_form: dict[str, Any] | None = None) -> dict[str, Any]:
    """``form``/``errors`` belong to the new-subject form, ``edit_form``/``edit_errors`` to the row being edited."""
    choice = await choose_year(request, session, year_id)
    every = await OrganisationService(session, school_of(request)).subjects(include_archived=True)
    needle = search_key(q)
    shown = [subject for subject in every if (archived or not subject.is_archived)
             and (not needle or needle in search_key(subject.name) or needle in search_key(subject.short_name))]
    edit_subject = next((subject for subject in every if subject.id == edit), None)
    return structure_context(choice, "subjects", subjects=shown, has_any=bool(every), edit_subject=edit_subject,
                             archived_count=sum(subject.is_archived for subject in every), q=q, archived=archived,
                             edit=edit, edit_errors=edit_errors or {}, edit_form=edit_form or {}, hide_year_choice=True,
                             errors=errors or {}, form=form or {})


@get("/structure/subjects", name="core:subjects", opt=VIEW)
async def subjects_page(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "",
                        q: FromQuery[str] = "", archived: FromQuery[str] = "", edit: FromQuery[str] = "") -> Response[str]:
    """``?edit=<id>`` opens that subject's row for editing (htmx swaps just the row)."""
    edit_id = query_id(edit) if can_manage(request, current_user(request)) else None
    async with platform.db.reading() as session:
        context = await subjects_context(request, session, year_id=year_param(year), q=q[:100], archived=archived == "1",
                                         edit=edit_id)
    subject = context["edit_subject"]
    if subject is not None:
        return await render(request, "core/structure/subjects.html", {**context, "subject": subject},
                            partial=("core/structure/_subjects_row.html", f"core-subject-{subject.id}"))
    return await render(request, "core/structure/subjects.html", context,
                        partial=("core/structure/_subjects_table.html", "core-subjects-table"))


@dataclass
class SubjectForm:
    name: str = ""
    short_name: str = ""
    sort_order: str = ""


@post("/structure/subjects", name="core:subject_create", opt=MANAGE)
async def create_subject(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[SubjectForm]) -> Response[str]:
    school_id = school_of(request)
    try:
        order = form_int(data.sort_order, "sort_order", _("The place in the list is a number from 0 to 10000."))
        async with platform.db.writing() as session:
            subject = await OrganisationService(session, school_id).save_subject(
                None, name=data.name, short_name=data.short_name, sort_order=order)
            name = subject.name
            record(session, "core.subject_created", connection=request, object_type="subject", object_id=subject.id,
                   details={"name": name, "short_name": subject.short_name})
    except StructureError as error:
        return await refused(request, platform, subjects_context, "core/structure/subjects.html",
                             ("core/structure/_subjects_form.html", "core-subject-form"),
                             errors=refusal_errors(error), form=asdict(data))
    flash(request, _("The subject «%(name)s» was added.", name=name))
    return redirect(request, "/structure/subjects")


@post("/structure/subjects/defaults", name="core:subject_defaults", opt=MANAGE)
async def add_default_subjects(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.writing() as session:
        added = await OrganisationService(session, school_of(request)).add_default_subjects()
        if added:
            record(session, "core.subjects_defaults_added", connection=request, object_type="subject",
                   details={"count": added})
    if added:
        flash(request, ngettext("%(num)d subject was added.", "%(num)d subjects were added.", added))
    else:
        flash(request, _("The school already has subjects; nothing was added."), "info")
    return redirect(request, "/structure/subjects")


@post("/structure/subjects/{subject_id:int}", name="core:subject_update", opt=MANAGE)
async def update_subject(request: Request, subject_id: FromPath[int], platform: NamedDependency[Platform],
                         data: URLEncodedBody[SubjectForm]) -> Response[str]:
    school_id = school_of(request)
    try:
        order = form_int(data.sort_order, "sort_order", _("The place in the list is a number from 0 to 10000."))
        async with platform.db.writing() as session:
            subject = await owned(session, Subject, subject_id, school_id)
            old = {"name": subject.name, "short_name": subject.short_name, "sort_order": subject.sort_order}
            await OrganisationService(session, school_id).save_subject(
                subject, name=data.name, short_name=data.short_name, sort_order=order)
            new = {"name": subject.name, "short_name": subject.short_name, "sort_order": subject.sort_order}
            record(session, "core.subject_updated", connection=request, object_type="subject", object_id=subject_id,
                   details={key: [old[key], new[key]] for key in old if old[key] != new[key]})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await subjects_context(request, session, archived=True, edit=subject_id,
                                             edit_errors=refusal_errors(error), edit_form=asdict(data))
        return await render(request, "core/structure/subjects.html", {**context, "subject": context["edit_subject"]}, status_code=422,
                            partial=("core/structure/_subjects_row.html", f"core-subject-{subject_id}"))
    flash(request, _("Saved."))
    return redirect(request, f"/structure/subjects#core-subject-{subject_id}")


@dataclass
class ArchiveForm:
    archived: str = ""
    show_archived: str = ""


@post("/structure/subjects/{subject_id:int}/archive", name="core:subject_archive", opt=MANAGE)
async def archive_subject(request: Request, subject_id: FromPath[int], platform: NamedDependency[Platform],
                          data: URLEncodedBody[ArchiveForm]) -> Response[str]:
    school_id = school_of(request)
    archived = data.archived != "0"
    async with platform.db.writing() as session:
        subject = await owned(session, Subject, subject_id, school_id)
        name = subject.name
        await OrganisationService(session, school_id).archive_subject(subject, archived)
        record(session, "core.subject_archived" if archived else "core.subject_restored", connection=request,
               object_type="subject", object_id=subject_id, details={"name": name})
    flash(request, _("«%(name)s» was moved to the archive.", name=name) if archived
          else _("«%(name)s» is back in the list.", name=name))
    return redirect(request, "/structure/subjects" + ("?archived=1" if data.show_archived == "1" else ""))


# ---- study groups -------------------------------------------------------------------------------


@dataclass
class GroupRow:
    id: int
    name: str
    grade_level: int
    subject: str | None
    classes: list[ClassGroup]
    members: int = 0


async def groups_context(request: Request, session: AsyncSession, *, year_id: int | None, q: str = "",
                         level: int | None = None, class_id: int | None = None, errors: dict[str, str] | None = None,
                         form: dict[str, Any] | None = None) -> dict[str, Any]:
    """The year's groups with their classes, subject and members today: a fixed number of statements."""
    school_id = school_of(request)
    choice = await choose_year(request, session, year_id)
    service = OrganisationService(session, school_id)
    rows: list[GroupRow] = []
    classes: list[ClassGroup] = []
    if choice.year is not None:
        found = (await session.execute(
            select(StudyGroup, Subject.name).outerjoin(Subject, Subject.id == StudyGroup.subject_id)
            .where(StudyGroup.academic_year_id == choice.year.id).order_by(StudyGroup.grade_level, StudyGroup.name))).all()
        group_classes = await service.group_classes([group.id for group, _name in found]) if found else {}
        rows = [GroupRow(group.id, group.name, group.grade_level, subject, group_classes[group.id]) for group, subject in found]
        counts = {group_id: count for group_id, count in (await session.execute(
            select(StudyGroupMember.study_group_id, func.count()).join(StudyGroup, StudyGroup.id == StudyGroupMember.study_group_id)
            .where(StudyGroup.academic_year_id == choice.year.id,
                   active_on(StudyGroupMember.starts_on, StudyGroupMember.ends_on, choice.today))
            .group_by(StudyGroupMember.study_group_id))).all()}
        for row in rows:
            row.members = counts.get(row.id, 0)
        classes = await service.classes(choice.year)
    needle = search_key(q)
    shown = [row for row in rows if (not needle or needle in search_key(row.name))
             and (level is None or row.grade_level == level)
             and (class_id is None or any(class_group.id == class_id for class_group in row.classes))]
    subjects = await service.subjects() if choice.can_manage else []
    return structure_context(choice, "groups", rows=shown, total=len(rows), classes=classes, subjects=subjects, q=q,
                             level=level, class_id=class_id, levels=GRADE_LEVELS, hide_year_choice=False,
                             errors=errors or {}, form=form or {"class_ids": []})


@get("/structure/groups", name="core:groups", opt=VIEW)
async def groups_page(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "",
                      q: FromQuery[str] = "", level: FromQuery[str] = "", class_: ClassQuery = "") -> Response[str]:
    async with platform.db.reading() as session:
        context = await groups_context(request, session, year_id=year_param(year), q=q[:100],
                                       level=query_id(level, 1, 11), class_id=query_id(class_))
    return await render(request, "core/structure/groups.html", context,
                        partial=("core/structure/_groups_table.html", "core-groups-table"))


@dataclass
class GroupForm:
    name: str = ""
    subject_id: str = ""


@post("/structure/years/{year_id:int}/groups", name="core:group_create", opt=MANAGE)
async def create_group(request: Request, year_id: FromPath[int], platform: NamedDependency[Platform],
                       data: URLEncodedBody[GroupForm]) -> Response[str]:
    school_id = school_of(request)
    chosen = [value.strip() for value in (await request.form()).getall("class_ids", [])]  # checkboxes: several values
    try:
        if not all(value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= MAX_ID for value in chosen):
            raise StructureError("class_ids", _("Choose classes of this school year."))
        subject_id = form_int(data.subject_id, "subject_id", _("Choose a subject of the school."))
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            group = await OrganisationService(session, school_id).add_group(
                year, name=data.name, class_ids=[int(value) for value in chosen], subject_id=subject_id)
            group_id = group.id
            record(session, "core.group_created", connection=request, object_type="study_group", object_id=group_id,
                   details={"name": group.name, "classes": sorted(map(int, chosen)), "subject": subject_id})
    except StructureError as error:
        return await refused(request, platform, groups_context, "core/structure/groups.html",
                             ("core/structure/_groups_form.html", "core-group-form"),
                             year_id=year_id, errors=refusal_errors(error), form={**asdict(data), "class_ids": chosen})
    flash(request, _("The study group was created; now add its students."))
    return redirect(request, f"/structure/groups/{group_id}")


# ---- one study group ----------------------------------------------------------------------------


async def group_context(request: Request, session: AsyncSession, *, group_id: int, errors: dict[str, str] | None = None,
                        form: dict[str, Any] | None = None) -> dict[str, Any]:
    school_id = school_of(request)
    group = await owned(session, StudyGroup, group_id, school_id)
    choice = await choose_year(request, session, group.academic_year_id)
    members = (await session.execute(
        select(StudyGroupMember, UserAccount.full_name).join(UserAccount, UserAccount.id == StudyGroupMember.student_id)
        .where(StudyGroupMember.study_group_id == group_id)
        .order_by(UserAccount.full_name, StudyGroupMember.starts_on, StudyGroupMember.id))).all()
    today = choice.today
    current = sum(1 for member, _name in members if active_on_day(member, today))
    pages = (await session.execute(
        select(SubjectPage.id, Subject.name).join(Subject, Subject.id == SubjectPage.subject_id)
        .where(SubjectPage.study_group_id == group_id).order_by(Subject.sort_order, Subject.name))).all()
    return structure_context(
        choice, "groups", group=group, members=members, current_count=current, pages=pages,
        classes=(await OrganisationService(session, school_id).group_classes([group_id]))[group_id],
        subject=await session.get(Subject, group.subject_id) if group.subject_id else None,
        students=await student_choices(session, school_id) if choice.can_manage else [],
        hide_year_choice=True, errors=errors or {},
        form={"starts_on": first_day(choice).isoformat(), **(form or {})},  # type: ignore[union-attr]
    )


@get("/structure/groups/{group_id:int}", name="core:group", opt=VIEW)
async def group_page(request: Request, group_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await group_context(request, session, group_id=group_id)
    return await render(request, "core/structure/group.html", context)


@dataclass
class MemberForm:
    student_id: str = ""
    starts_on: str = ""
    ends_on: str = ""


@post("/structure/groups/{group_id:int}/members", name="core:group_member_add", opt=MANAGE)
async def add_member(request: Request, group_id: FromPath[int], platform: NamedDependency[Platform],
                     data: URLEncodedBody[MemberForm]) -> Response[str]:
    school_id = school_of(request)
    try:
        student_id = form_int(data.student_id, "student_id", _("Choose a student of this school."))
        starts_on, ends_on = form_date(data.starts_on, "starts_on"), form_date(data.ends_on, "ends_on")
        async with platform.db.writing() as session:
            group = await owned(session, StudyGroup, group_id, school_id)
            member = await OrganisationService(session, school_id).add_member(
                group, student_id=student_id, starts_on=starts_on, ends_on=ends_on)
            record(session, "core.group_member_added", connection=request, object_type="study_group", object_id=group_id,
                   details={"member": member.id, "student": student_id, "starts_on": starts_on, "ends_on": ends_on})
    except StructureError as error:
        return await refused(request, platform, group_context, "core/structure/group.html",
                             ("core/structure/_group_members.html", "core-group-members"),
                             group_id=group_id, errors=refusal_errors(error), form=asdict(data))
    flash(request, _("The student was added to the group."))
    return redirect(request, f"/structure/groups/{group_id}")


async def owned_member(session: AsyncSession, member_id: int, school_id: int) -> StudyGroupMember:
    """A membership of one of the school's groups (the row itself carries no school)."""
    member = await session.get(StudyGroupMember, member_id)
    if member is None:
        raise NotFoundException()
    await owned(session, StudyGroup, member.study_group_id, school_id)
    return member


@post("/structure/group-members/{member_id:int}/end", name="core:group_member_end", opt=MANAGE)
async def end_member(request: Request, member_id: FromPath[int], platform: NamedDependency[Platform],
                     data: URLEncodedBody[EndForm]) -> Response[str]:
    school_id = school_of(request)
    async with platform.db.reading() as session:
        group_id = (await owned_member(session, member_id, school_id)).study_group_id
    field = f"end_{member_id}"  # the page has one end form per membership
    try:
        ends_on = form_date(data.ends_on, field)
        async with platform.db.writing() as session:
            member = await owned_member(session, member_id, school_id)
            old = member.ends_on
            await OrganisationService(session, school_id).end_member(member, ends_on)
            record(session, "core.group_member_ended", connection=request, object_type="study_group", object_id=group_id,
                   details={"member": member_id, "student": member.student_id, "ends_on": [old, ends_on]})
    except StructureError as error:
        return await refused(request, platform, group_context, "core/structure/group.html",
                             ("core/structure/_group_members.html", "core-group-members"),
                             group_id=group_id, errors={field: error.message}, form={field: data.ends_on})
    flash(request, _("The membership ends on %(day)s.", day=ends_on.strftime("%d.%m.%Y")))  # type: ignore[union-attr]
    return redirect(request, f"/structure/groups/{group_id}")


ROUTES = [
    classes_page, create_class, class_page, change_shift, appoint_class_teacher, end_class_teacher,
    subjects_page, create_subject, add_default_subjects, update_subject, archive_subject,
    groups_page, create_group, group_page, add_member, end_member,
]

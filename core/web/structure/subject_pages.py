"""Subject pages and the teaching load (regulation 3.7: pages are distributed and tied to their
subject from the curriculum and the load given to teachers).

A page is a class or a study group × a subject × a year; teachers come and go on it through dated
assignments, so replacing a teacher never makes a new page. Lists show teachers "as of a day":
today in the school's time zone, or the nearest day of the year shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import current_school
from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import folded
from core.i18n import gettext as _
from core.i18n import ngettext
from core.platform import Platform
from core.structure import rules
from core.structure.calendar import pick_year
from core.structure.common import StructureError, active_on, format_day, owned, short_name, staff_choices
from core.structure.curriculum import CurriculumService, PageRow, PageService
from core.structure.models import (
    AcademicYear, ClassGroup, ClassTeacherAppointment, StudyGroup, StudyGroupClass, SubjectPage, TeachingAssignment,
)
from core.structure.organisation import OrganisationService
from core.web.guards import MAX_ID
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user
from core.web.structure.common import (
    MANAGE, OWN_LOAD, VIEW, EndForm, YearChoice, choose_year, form_date, form_int, query_id, refusal_errors, structure_context,
    year_param,
)

TEMPLATES = "core/structure/"
PAGES_TABLE = (TEMPLATES + "_pages_table.html", "core-pages-table")
ADD_FORM = (TEMPLATES + "_pages_add_form.html", "core-page-add-form")
HISTORY = (TEMPLATES + "_page_assignments.html", "core-page-assignments")
ASSIGN_FORM = (TEMPLATES + "_page_assign_form.html", "core-assign-form")
REPLACE_FORM = (TEMPLATES + "_page_replace_form.html", "core-replace-form")
LOAD_TABLE = (TEMPLATES + "_load_table.html", "core-load-table")






def day_within(year: AcademicYear, day: date) -> date:
    """The day lists are shown for: ``day`` if the year holds it, else the year's nearest day."""
    return min(max(day, year.starts_on), year.ends_on)


def common_values(choice: YearChoice, tab: str, day: date, **values: Any) -> dict[str, Any]:
    values.setdefault("hide_year_choice", False)
    return structure_context(choice, tab, day=day, hours=rules.hours_text, format_day=format_day, short_name=short_name, **values)


# ---- the list of pages ------------------------------------------------------------------------


@dataclass
class PageFilters:
    class_id: int | None = None
    teacher_id: int | None = None
    subject_id: int | None = None
    q: str = ""
    unassigned: bool = False


@get("/structure/pages", name="core:subject_pages", opt=VIEW)
async def pages_list(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "",
                     class_id: Annotated[str, QueryParameter(name="class")] = "", teacher: FromQuery[str] = "",
                     subject: FromQuery[str] = "", q: FromQuery[str] = "", unassigned: FromQuery[str] = "") -> Response[str]:
    filters = PageFilters(query_id(class_id), query_id(teacher), query_id(subject), q.strip()[:100], unassigned == "1")
    return await _pages_page(request, platform, year_param(year), filters)


async def _pages_page(request: Request, platform: Platform, year_id: int | None, filters: PageFilters, *,
                      errors: dict[str, str] | None = None, form: dict[str, str] | None = None, status_code: int = 200,
                      partial: tuple[str, str] = PAGES_TABLE) -> Response[str]:
    school_id = current_school(current_user(request))
    async with platform.db.reading() as session:
        choice = await choose_year(request, session, year_id)
        values: dict[str, Any] = {"filters": filters, "rows": [], "classes": [], "groups": [], "subjects": [], "teachers": []}
        day = choice.today
        if choice.year is not None:
            day = day_within(choice.year, choice.today)
            rows = await PageService(session, school_id).rows(
                choice.year, day, teacher_id=filters.teacher_id, class_group_id=filters.class_id, subject_id=filters.subject_id)
            words = folded(filters.q).split()  # every word somewhere in the holder or the subject: «5б русск»
            values["rows"] = [row for row in rows if all(word in folded(f"{row.holder} {row.subject}") for word in words)
                              and (not filters.unassigned or not row.teachers)]
            organisation = OrganisationService(session, school_id)
            values["classes"] = await organisation.classes(choice.year)
            values["subjects"] = await organisation.subjects()
            values["teachers"] = await staff_choices(session, school_id)
            if choice.can_manage:
                values["groups"] = (await session.execute(select(StudyGroup.id, StudyGroup.name).where(
                    StudyGroup.academic_year_id == choice.year.id).order_by(StudyGroup.grade_level, StudyGroup.name))).all()
    context = common_values(choice, "pages", day, errors=errors or {}, form=form or {}, **values)
    return await render(request, TEMPLATES + "pages.html", context, partial=partial, status_code=status_code)


@post("/structure/years/{year_id:int}/pages/generate", name="core:subject_pages_generate", opt=MANAGE)
async def generate_pages(request: Request, year_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    school_id = current_school(current_user(request))
    async with platform.db.writing() as session:
        year = await owned(session, AcademicYear, year_id, school_id)
        count = await PageService(session, school_id).generate(year)
        record(session, "core.subject_pages_generated", connection=request, object_type="academic_year", object_id=year_id,
               details={"count": count})
    if count:
        flash(request, ngettext("%(num)d subject page was created.", "%(num)d subject pages were created.", count))
    else:
        flash(request, _("No new pages: every page the curriculum asks for already exists."), "info")
    return redirect(request, f"/structure/pages?year={year_id}")


@dataclass
class NewPageForm:
    subject_id: str = ""
    holder: str = ""


@post("/structure/years/{year_id:int}/pages", name="core:subject_page_create", opt=MANAGE)
async def create_page(request: Request, year_id: FromPath[int], platform: NamedDependency[Platform],
                      data: URLEncodedBody[NewPageForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            year = await owned(session, AcademicYear, year_id, school_id)
            subject_id = form_int(data.subject_id, "subject_id", _("Choose a subject."))
            page = await PageService(session, school_id).add_page(year, subject_id=subject_id, holder=data.holder.strip()[:12])
            record(session, "core.subject_page_created", connection=request, object_type="subject_page", object_id=page.id,
                   details={"subject_id": page.subject_id, "class_group_id": page.class_group_id,
                            "study_group_id": page.study_group_id})
    except StructureError as error:
        return await _pages_page(request, platform, year_id, PageFilters(), errors=refusal_errors(error), form=asdict(data),
                                 status_code=422, partial=ADD_FORM)
    flash(request, _("The subject page was created."))
    return redirect(request, f"/structure/pages/{page.id}")


# ---- one page ---------------------------------------------------------------------------------


CARD_FORMS = {"end": HISTORY, "assign": ASSIGN_FORM, "replace": REPLACE_FORM}


async def _card_page(request: Request, platform: Platform, page_id: int, *, failed: str = "end",
                     errors: dict[str, str] | None = None, form: dict[str, str] | None = None) -> Response[str]:
    """The page card; after a refusal, the ``failed`` form ("end", "assign", "replace") again
    with what was typed and the message, as a 422 (htmx swaps just that form)."""
    school_id = current_school(current_user(request))
    async with platform.db.reading() as session:
        page = await owned(session, SubjectPage, page_id, school_id)
        choice = await choose_year(request, session, page.academic_year_id)
        assert choice.year is not None
        day = day_within(choice.year, choice.today)
        service = PageService(session, school_id)
        (row,) = await service.rows(choice.year, day, page_ids=[page.id])
        history = await service.assignments(page.id)
        values = {
            "page": page, "row": row, "history": history, "ungraded": await service.is_ungraded(page, day),
            "open_assignments": [(a, name) for a, name in history if a.ends_on is None or a.ends_on >= day],
            "teachers": await staff_choices(session, school_id) if choice.can_manage else [],
        }
    forms: dict[str, dict[str, str]] = {"end": {}, "replace": {"starts_on": day.isoformat()}, "assign": {
        "starts_on": day.isoformat(), "hours": rules.hours_text(row.curriculum - row.assigned) if row.curriculum > row.assigned else ""}}
    refusals: dict[str, dict[str, str]] = {name: {} for name in forms}
    forms[failed].update(form or {})
    refusals[failed] = errors or {}
    context = common_values(choice, "pages", day, forms=forms, refusals=refusals, **values)
    return await render(request, TEMPLATES + "page.html", context, partial=CARD_FORMS[failed],
                        status_code=422 if errors else 200)


@get("/structure/pages/{page_id:int}", name="core:subject_page", opt=VIEW)
async def page_card(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    return await _card_page(request, platform, page_id)


@dataclass
class AssignForm:
    teacher_id: str = ""
    hours: str = ""
    starts_on: str = ""
    ends_on: str = ""


def assignment_details(assignment: TeachingAssignment) -> dict[str, Any]:
    return {"subject_page_id": assignment.subject_page_id, "teacher_id": assignment.teacher_id,
            "hours": rules.hours_text(assignment.half_hours), "starts_on": assignment.starts_on.isoformat(),
            "ends_on": assignment.ends_on.isoformat() if assignment.ends_on else None}


@post("/structure/pages/{page_id:int}/assignments", name="core:assignment_create", opt=MANAGE)
async def create_assignment(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                            data: URLEncodedBody[AssignForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            page = await owned(session, SubjectPage, page_id, school_id)
            assignment = await PageService(session, school_id).assign(
                page, teacher_id=form_int(data.teacher_id, "teacher_id", _("Choose a teacher of this school.")),
                half_hours=rules.parse_hours(data.hours[:10]),
                starts_on=form_date(data.starts_on, "starts_on"), ends_on=form_date(data.ends_on, "ends_on"))
            record(session, "core.teacher_assigned", connection=request, object_type="teaching_assignment",
                   object_id=assignment.id, details=assignment_details(assignment))
    except StructureError as error:
        return await _card_page(request, platform, page_id, failed="assign", errors=refusal_errors(error), form=asdict(data))
    flash(request, _("The teacher was assigned to the page."))
    return redirect(request, f"/structure/pages/{page_id}")


@post("/structure/assignments/{assignment_id:int}/end", name="core:assignment_end", opt=MANAGE)
async def end_assignment(request: Request, assignment_id: FromPath[int], platform: NamedDependency[Platform],
                         data: URLEncodedBody[EndForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            assignment = await owned(session, TeachingAssignment, assignment_id, school_id)
            page_id = assignment.subject_page_id
            await PageService(session, school_id).end_assignment(assignment, form_date(data.ends_on, "ends_on"))
            record(session, "core.assignment_ended", connection=request, object_type="teaching_assignment",
                   object_id=assignment.id, details=assignment_details(assignment))
    except StructureError as error:
        # The message goes by the row of the assignment it is about.
        return await _card_page(request, platform, page_id, errors={f"end-{assignment_id}": error.message},
                                form={f"end-{assignment_id}": data.ends_on})
    flash(request, _("The assignment ends on %(date)s.", date=format_day(assignment.ends_on)))
    return redirect(request, f"/structure/pages/{page_id}")


@dataclass
class ReplaceForm:
    assignment_id: str = ""
    teacher_id: str = ""
    starts_on: str = ""


@post("/structure/pages/{page_id:int}/replace", name="core:teacher_replace", opt=MANAGE)
async def replace_teacher(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                          data: URLEncodedBody[ReplaceForm]) -> Response[str]:
    """The current teacher leaves the day before ``starts_on``; the new one takes the same hours on
    the same page until the old assignment's end. One transaction: both or neither."""
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            page = await owned(session, SubjectPage, page_id, school_id)
            old = await _assignment_of(session, page, form_int(data.assignment_id, "assignment_id", _("Choose whom to replace.")))
            teacher_id = form_int(data.teacher_id, "teacher_id", _("Choose a teacher of this school."))
            starts_on = form_date(data.starts_on, "starts_on")
            if teacher_id == old.teacher_id:
                raise StructureError("teacher_id", _("Choose another teacher: this one already teaches the page."))
            if starts_on is None:
                raise StructureError("starts_on", _("Enter the date the new teacher starts."))
            if starts_on <= old.starts_on:
                raise StructureError("starts_on", _("The new teacher starts after %(date)s, the day the current one started.",
                                                    date=format_day(old.starts_on)))
            if old.ends_on is not None and starts_on > old.ends_on:
                raise StructureError("starts_on", _("The current teacher leaves the page on %(date)s: assign the new one instead.",
                                                    date=format_day(old.ends_on)))
            service = PageService(session, school_id)
            old_teacher, until = old.teacher_id, old.ends_on
            await service.end_assignment(old, starts_on - timedelta(days=1))
            new = await service.assign(page, teacher_id=teacher_id, half_hours=old.half_hours, starts_on=starts_on, ends_on=until)
            record(session, "core.teacher_replaced", connection=request, object_type="subject_page", object_id=page.id,
                   details={"ended_assignment_id": old.id, "new_assignment_id": new.id, "from_teacher_id": old_teacher,
                            "to_teacher_id": teacher_id, "starts_on": starts_on.isoformat()})
    except StructureError as error:
        return await _card_page(request, platform, page_id, failed="replace", errors=refusal_errors(error), form=asdict(data))
    flash(request, _("The teacher was replaced from %(date)s.", date=format_day(starts_on)))
    return redirect(request, f"/structure/pages/{page_id}")


async def _assignment_of(session: AsyncSession, page: SubjectPage, assignment_id: int | None) -> TeachingAssignment:
    found = await session.get(TeachingAssignment, assignment_id) if assignment_id is not None and 0 < assignment_id <= MAX_ID else None
    if found is None or found.subject_page_id != page.id:
        raise StructureError("assignment_id", _("Choose whom to replace."))
    return found


# ---- the load ---------------------------------------------------------------------------------


@dataclass
class TeacherLoad:
    teacher_id: int
    name: str
    total: int  # half-hours a week
    pages: list[tuple[PageRow, int]]  # (page, this teacher's half-hours on it)


@dataclass
class ClassLoad:
    class_group: ClassGroup
    pages: list[PageRow]
    hours: int  # half-hours a week a student of the class has: a split subject counts one group's hours
    curriculum: int  # the grade level's weekly total in the curriculum


@get("/structure/load", name="core:load", opt=VIEW)
async def load_page(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "",
                    by: FromQuery[str] = "teacher", day: FromQuery[str] = "") -> Response[str]:
    """The load on a day, per teacher or per class: a fixed number of statements whatever the size."""
    school_id = current_school(current_user(request))
    by = "class" if by == "class" else "teacher"
    errors: dict[str, str] = {}
    try:
        asked_day = form_date(day[:20], "day")
    except StructureError as error:
        asked_day, errors = None, refusal_errors(error)
    year_id = year_param(year)
    values: dict[str, Any] = {"by": by, "teachers": [], "classes": [], "asked_day": day[:20] if errors else ""}
    async with platform.db.reading() as session:
        choice = await choose_year(request, session, year_id)
        if asked_day is not None and year_id is None:  # a day alone picks the year that holds it
            choice.year = pick_year(choice.years, asked_day)
        shown = choice.today
        if choice.year is not None:
            shown = day_within(choice.year, asked_day or choice.today)
            service = PageService(session, school_id)
            if by == "teacher":
                values["teachers"] = [TeacherLoad(teacher_id, name, total, [
                    (row, sum(hours for who, _name, hours in row.teachers if who == teacher_id)) for row in pages])
                    for teacher_id, name, total, pages in await service.load_by_teacher(choice.year, shown)]
            else:
                values["classes"] = await _class_loads(session, service, choice.year, shown)
    context = common_values(choice, "load", shown, errors=errors, **values)
    return await render(request, TEMPLATES + "load.html", context, partial=LOAD_TABLE)


async def _class_loads(session: AsyncSession, service: PageService, year: AcademicYear, day: date) -> list[ClassLoad]:
    rows = await service.rows(year, day)
    classes = await OrganisationService(session, service.school_id).classes(year)
    classes_of_group: dict[int, list[int]] = {}
    for group_id, class_id in (await session.execute(select(StudyGroupClass.study_group_id, StudyGroupClass.class_group_id)
                                                     .join(StudyGroup, StudyGroup.id == StudyGroupClass.study_group_id)
                                                     .where(StudyGroup.academic_year_id == year.id))).all():
        classes_of_group.setdefault(group_id, []).append(class_id)
    pages_of: dict[int, list[PageRow]] = {class_group.id: [] for class_group in classes}
    for row in rows:
        for class_id in [row.class_group_id] if row.class_group_id else classes_of_group.get(row.study_group_id or 0, []):
            pages_of.setdefault(class_id, []).append(row)
    weekly = {level: load.weekly for level, load in (await CurriculumService(session, service.school_id).table(year)).loads.items()}
    loads = []
    for class_group in classes:
        pages = pages_of[class_group.id]
        whole = sum(row.assigned for row in pages if row.class_group_id)
        split: dict[str, int] = {}  # a student attends one group of a split subject
        for row in pages:
            if row.study_group_id:
                split[row.subject] = max(split.get(row.subject, 0), row.assigned)
        loads.append(ClassLoad(class_group, pages, whole + sum(split.values()), weekly.get(class_group.grade_level, 0)))
    return loads


# ---- a teacher's own load ---------------------------------------------------------------------


@get("/structure/my-load", name="core:my_load", opt=OWN_LOAD)
async def my_load(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "") -> Response[str]:
    """Only the signed-in teacher's own pages and classes: the page takes no teacher to show."""
    user = current_user(request)
    assert user is not None
    school_id = current_school(user)
    values: dict[str, Any] = {"current": [], "coming": [], "led": [], "total": 0}
    async with platform.db.reading() as session:
        choice = await choose_year(request, session, year_param(year))
        day = choice.today
        if choice.year is not None:
            day = day_within(choice.year, choice.today)
            mine = (await session.execute(
                select(TeachingAssignment.subject_page_id, TeachingAssignment.half_hours, TeachingAssignment.starts_on,
                       TeachingAssignment.ends_on)
                .join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id)
                .where(TeachingAssignment.teacher_id == user.id, TeachingAssignment.school_id == school_id,
                       SubjectPage.academic_year_id == choice.year.id,
                       or_(TeachingAssignment.ends_on.is_(None), TeachingAssignment.ends_on >= day))
                .order_by(TeachingAssignment.starts_on))).all()
            pages = {row.id: row for row in await PageService(session, school_id).rows(
                choice.year, day, page_ids=[item.subject_page_id for item in mine])} if mine else {}
            values["current"] = sorted(((pages[item.subject_page_id], item) for item in mine if item.starts_on <= day),
                                       key=lambda pair: (pair[0].grade_level, pair[0].holder, pair[0].subject))
            values["coming"] = [(pages[item.subject_page_id], item) for item in mine if item.starts_on > day]
            values["total"] = sum(item.half_hours for _page, item in values["current"])
            values["led"] = (await session.execute(
                select(ClassGroup, ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on)
                .join(ClassTeacherAppointment, ClassTeacherAppointment.class_group_id == ClassGroup.id)
                .where(ClassTeacherAppointment.teacher_id == user.id, ClassTeacherAppointment.school_id == school_id,
                       active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, day))
                .order_by(ClassGroup.grade_level, ClassGroup.letter))).all()
    context = common_values(choice, "my-load", day, **values)
    return await render(request, TEMPLATES + "my_load.html", context)


ROUTES = [pages_list, generate_pages, create_page, page_card, create_assignment, end_assignment, replace_teacher,
          load_page, my_load]

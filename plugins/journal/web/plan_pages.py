"""Calendar-thematic plans (КТП): the school's base, a plan's page with its htmx editor, import
with a preview, export, copying; a page's progress through its plan; the deputy's check before
the year."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Awaitable, Callable

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import MultipartBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.people.spreadsheets import xlsx_bytes
from core.platform import Platform
from core.structure.calendar import pick_year, years_of
from core.structure.models import AcademicYear, Subject, SubjectPage, TeachingAssignment
from core.structure.common import lock_school, overlapping
from core.web.guards import MAX_ID
from core.web.pages import flash, redirect, render
from core.web.people.reports_pages import attachment
from core.web.structure.common import school_day
from plugins.journal.plan_feed import PAGE_ACTIONS, AdjustRefused, adjust_page, feed_plan, page_lags, page_progress
from plugins.journal.plan_import import MAX_ITEMS, PlanRow, plan_xlsx, read_plan
from plugins.journal.plan_kinds import LESSON_KINDS
from plugins.journal.plan_readiness import STATES, coming_year, counts, readiness, readiness_sheet, state_label
from plugins.journal.plans import (
    ACTIONS, ItemInput, PlanRefused, PlanService, as_row, check_dates, curriculum_hours, editing_window, page_labels,
    plan_of_page, plan_summaries,
)
from plugins.journal.models import JournalLessonPlan
from plugins.journal.scope import holds_page, leads_page_class, reads_everything
from plugins.journal.sync import sync_through
from plugins.journal.web.common import (
    CHECK_PLANS_OPT, EDIT_PLANS_OPT, FILL_OPT, JOURNAL_CSS, PLANS_OPT, VIEW_OPT, allows, user_of,
)
from plugins.journal.permissions import CHECK_PLANS, EDIT_PLANS, FILL

TEMPLATES = "journal/"
UPCOMING = timedelta(days=14)  # how far ahead a page's progress shows the lessons to come
ITEMS_ID = "journal-plan-items"
MAX_UPLOAD = 2 * 1024 * 1024


def _id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise NotFoundException()
    return value


async def _lessons_ahead(platform: Platform, user: Any) -> None:
    """Before a change of a plan: the coming weeks' lessons exist, so they take the change now (and
    the teacher's count of lessons that took it is true). One read when they do."""
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
    await sync_through(platform, user.school_id or 0, today + UPCOMING)


async def _service(session: AsyncSession, user: Any) -> PlanService:
    return PlanService(session, user, await school_day(session, user.school_id or 0))


def _common(**values: Any) -> dict[str, Any]:
    return {"kinds": LESSON_KINDS, "state_label": state_label, "extra_css": JOURNAL_CSS, **values}


# ---- the base --------------------------------------------------------------------------------------


@dataclass
class BaseLine:
    subject_id: int
    subject: str
    grade_level: int
    pages: list[str]
    plan: Any  # PlanSummary | None
    variants: list[Any]
    curriculum_half_hours: int | None
    may_create: bool


async def _taught_subjects(session: AsyncSession, user: Any, year: AcademicYear, today: date) -> set[int]:
    """Subjects the person may make plans of in ``year`` (plans.teaches_subject, for every subject at once)."""
    if not user.roles & {"teacher", "class_teacher"}:
        return set()
    return set((await session.execute(select(SubjectPage.subject_id).join(
        TeachingAssignment, TeachingAssignment.subject_page_id == SubjectPage.id).where(
        TeachingAssignment.teacher_id == user.id, SubjectPage.school_id == user.school_id,
        overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, editing_window(year, today),
                    year.ends_on)))).scalars())


async def _base_lines(session: AsyncSession, user: Any, year: AcademicYear, today: date) -> list[BaseLine]:
    pages = await page_labels(session, SubjectPage.school_id == user.school_id, SubjectPage.academic_year_id == year.id)
    plans = await plan_summaries(session, user.school_id, JournalLessonPlan.academic_year_id == year.id)
    hours = await curriculum_hours(session, year.id)
    subjects = dict((await session.execute(select(Subject.id, Subject.name).where(Subject.school_id == user.school_id))).all())
    order = {subject_id: index for index, subject_id in enumerate((await session.execute(
        select(Subject.id).where(Subject.school_id == user.school_id).order_by(Subject.sort_order, Subject.name))).scalars())}
    taught = await _taught_subjects(session, user, year, today)
    keys = {(subject_id, level) for _id, subject_id, level, _label in pages} | \
        {(plan.subject_id, plan.grade_level) for plan in plans} | set(hours)
    lines = []
    for subject_id, level in sorted(keys, key=lambda key: (order.get(key[0], 0), key[1])):
        lines.append(BaseLine(
            subject_id, subjects.get(subject_id, ""), level,
            [label for _id, found, found_level, label in pages if (found, found_level) == (subject_id, level)],
            next((plan for plan in plans if plan.page_id is None and (plan.subject_id, plan.grade_level) == (subject_id, level)), None),
            [plan for plan in plans if plan.page_id is not None and (plan.subject_id, plan.grade_level) == (subject_id, level)],
            hours.get((subject_id, level)), subject_id in taught))
    return lines


@get("/plans", name="journal:plans", opt=PLANS_OPT)
async def plans_page(request: Request, platform: NamedDependency[Platform], year: FromQuery[int | None] = None,
                     subject: FromQuery[int | None] = None, level: FromQuery[int | None] = None,
                     show: FromQuery[str] = "") -> Response[str]:
    """The school's base of plans by subject and grade level, with their hours checks; a teacher
    sees their own subjects first."""
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        years = await years_of(session, user.school_id or 0)
        chosen = pick_year(years, today, _id(year) if year is not None else None)
        lines = await _base_lines(session, user, chosen, today) if chosen else []
    has_own = any(line.may_create for line in lines)
    show = show if show in ("mine", "all") else ("mine" if has_own else "all")
    subjects = sorted({(line.subject_id, line.subject) for line in lines}, key=lambda pair: pair[1])
    shown = [line for line in lines if (subject is None or line.subject_id == subject) and
             (level is None or line.grade_level == level) and (show == "all" or line.may_create)]
    return await render(request, TEMPLATES + "plans.html", _common(
        lines=shown, years=years, year=chosen, subjects=subjects, subject=subject, level=level, show=show,
        has_own=has_own, may_check=allows(request, CHECK_PLANS), page_title=_("Lesson plans")),
        partial=(TEMPLATES + "_plans_table.html", "journal-plans-table"))


@dataclass
class CreateForm:
    year_id: str = ""
    subject_id: str = ""
    grade_level: str = ""
    page_id: str = ""


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None


def _optional_id(text: str) -> int | None:
    """An id a form may leave empty; anything else that is not an id is a 404."""
    if not text.strip():
        return None
    found = _int(text)
    if found is None:
        raise NotFoundException()
    return found


@post("/plans", name="journal:plan_create", opt=EDIT_PLANS_OPT)
async def plan_create(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[CreateForm]) -> Response[str]:
    """A new empty plan of a subject for a grade level, or a page's own variant (a copy of the level's)."""
    user = user_of(request)
    year_id, subject_id, level = _int(data.year_id), _int(data.subject_id), _int(data.grade_level)
    if year_id is None or subject_id is None or level is None:
        raise NotFoundException()
    await _lessons_ahead(platform, user)
    page_id = _optional_id(data.page_id)
    try:
        async with platform.db.writing() as session:
            plan = await (await _service(session, user)).create(year_id, subject_id, level, page_id)
            await feed_plan(session, plan, user.id)
            record(session, "journal.plan_created", connection=request, object_type="journal_lesson_plan", object_id=plan.id,
                   details={"subject_id": subject_id, "grade_level": level, "subject_page_id": page_id})
            plan_id = plan.id
    except PlanRefused as refused:
        flash(request, refused.errors.get("form", ""), "error")
        return redirect(request, f"/journal/plans?year={year_id}")
    flash(request, _("The plan is made: add its items, import them from a file or copy another plan."))
    return redirect(request, f"/journal/plans/{plan_id}")


# ---- one plan --------------------------------------------------------------------------------------


async def _plan_page(request: Request, platform: Platform, plan_id: int, *, edit: int | None = None,
                     insert: int | None = None, typed: dict[str, str] | None = None,
                     refused: PlanRefused | None = None) -> Response[str]:
    user = user_of(request)
    async with platform.db.reading() as session:
        view = await (await _service(session, user)).view(plan_id)
    if not view.may_edit:
        edit = insert = None
    values = _common(view=view, edit=edit, insert=insert, typed=typed or {}, errors=refused.errors if refused else {},
                     page_title=_("Lesson plan"), max_items=MAX_ITEMS)
    return await render(request, TEMPLATES + "plan.html", values, partial=(TEMPLATES + "_plan_items.html", ITEMS_ID),
                        status_code=refused.status if refused else 200)


@get("/plans/{plan_id:int}", name="journal:plan", opt=PLANS_OPT)
async def plan_page(request: Request, plan_id: FromPath[int], platform: NamedDependency[Platform],
                    edit: FromQuery[int | None] = None, insert: FromQuery[int | None] = None) -> Response[str]:
    """A plan's items with its hours check; its editors get the htmx editor."""
    return await _plan_page(request, platform, _id(plan_id), edit=edit, insert=insert)


@dataclass
class ItemForm(ItemInput):
    version: str = ""
    action: str = ""
    item_id: str = ""


@post("/plans/{plan_id:int}/items", name="journal:plan_item", opt=EDIT_PLANS_OPT)
async def plan_item(request: Request, plan_id: FromPath[int], platform: NamedDependency[Platform],
                    data: URLEncodedBody[ItemForm]) -> Response[str]:
    """One edit of the items (save, add, insert after, up, down, split, merge, delete); the lessons follow."""
    user = user_of(request)
    plan_id = _id(plan_id)
    action = data.action if data.action in ACTIONS else ""
    item_id = _optional_id(data.item_id)
    if not action:
        raise NotFoundException()
    await _lessons_ahead(platform, user)
    values = ItemInput(**{name: getattr(data, name) for name in ItemInput.__dataclass_fields__})
    try:
        async with platform.db.writing() as session:
            plan = await (await _service(session, user)).act(plan_id, data.version, item_id, action, values)
            await feed_plan(session, plan, user.id)
    except PlanRefused as refused:
        typed = {name: value for name, value in asdict(data).items() if name not in ("version", "action", "item_id")}
        editing = item_id if action == "save" else None
        inserting = item_id if action == "insert" else None
        if refused.status == 409:
            typed, editing, inserting = {}, None, None
        flash(request, next(iter(refused.errors.values())) if "form" in refused.errors else
              _("Nothing was saved: correct the marked fields."), "error")
        return await _plan_page(request, platform, plan_id, edit=editing, insert=inserting, typed=typed, refused=refused)
    return await _plan_page(request, platform, plan_id) if request.headers.get("hx-request") \
        else redirect(request, f"/journal/plans/{plan_id}")


@get("/plans/{plan_id:int}/xlsx", name="journal:plan_xlsx", opt=PLANS_OPT)
async def plan_export(request: Request, plan_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[bytes]:
    """The plan as an XLSX file in the shape teachers keep КТП in; importing it gives the plan back."""
    user = user_of(request)
    async with platform.db.reading() as session:
        view = await (await _service(session, user)).view(_id(plan_id))
    title = f"{view.subject}, {view.page_label or view.plan.grade_level} — {view.year.name}"
    content = plan_xlsx(_("Calendar-thematic plan: %(title)s", title=title), [as_row(item) for item in view.items])
    return attachment(content, f"plan-{view.plan.id}.xlsx")


# ---- import ----------------------------------------------------------------------------------------


@dataclass
class ImportForm:
    version: str = ""
    file: UploadFile | None = field(default=None)


@post("/plans/{plan_id:int}/import", name="journal:plan_import", opt=EDIT_PLANS_OPT,
      request_max_body_size=MAX_UPLOAD + 2**20)
async def plan_import(request: Request, plan_id: FromPath[int], platform: NamedDependency[Platform],
                      data: MultipartBody[ImportForm]) -> Response[str]:
    """Read an uploaded КТП and show what each row gives; nothing is saved until it is confirmed."""
    user = user_of(request)
    async with platform.db.reading() as session:
        view = await (await _service(session, user)).view(_id(plan_id))
        subjects = list((await session.execute(select(Subject.name).where(Subject.school_id == user.school_id))).scalars())
    if not view.may_edit:
        raise NotFoundException()
    if data.file is None or not data.file.filename:
        flash(request, _("Choose the file to import."), "error")
        return redirect(request, f"/journal/plans/{view.plan.id}")
    content = await data.file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        flash(request, _("The file is larger than %(limit)s MB.", limit=MAX_UPLOAD // 2**20), "error")
        return redirect(request, f"/journal/plans/{view.plan.id}")
    found = read_plan(content, data.file.filename, subject=view.subject, subjects=subjects, grade_level=view.plan.grade_level)
    check_dates(found, view.year)
    rows = json.dumps([{**asdict(item), "planned_on": item.planned_on.isoformat() if item.planned_on else None}
                       for item in found.items], ensure_ascii=False)
    return await render(request, TEMPLATES + "plan_import.html", _common(
        view=view, found=found, rows=rows, filename=data.file.filename[:200], version=view.plan.version,
        page_title=_("Import of a lesson plan")), status_code=200 if found.valid else 422)


@dataclass
class ApplyForm:
    version: str = ""
    rows: str = ""


def _rows_of(text: str) -> list[PlanRow]:
    """The rows the preview showed, back from its form (checked again as typed items are)."""
    try:
        raw = json.loads(text)
        return [PlanRow(section=str(row["section"]), topic=str(row["topic"]), hours=int(row["hours"]), kind=str(row["kind"]),
                        homework=str(row["homework"]),
                        planned_on=date.fromisoformat(row["planned_on"]) if row.get("planned_on") else None)
                for row in raw[:MAX_ITEMS + 1]]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise PlanRefused({"form": _("The import could not be read back: upload the file again.")})


async def _change_plan(request: Request, platform: Platform, plan_id: int,
                       change: Callable[[PlanService], Awaitable[JournalLessonPlan]], action: str,
                       details: dict[str, Any] | None = None) -> tuple[JournalLessonPlan, int] | Response[str]:
    """A change of a whole plan (import, copy, delete), fed to its pages and recorded in the audit
    log: (the plan, lessons that took a new topic), or the plan's page with the refusal."""
    user = user_of(request)
    await _lessons_ahead(platform, user)
    try:
        async with platform.db.writing() as session:
            plan = await change(await _service(session, user))
            fed = await feed_plan(session, plan, user.id)
            record(session, action, connection=request, object_type="journal_lesson_plan", object_id=plan_id,
                   details=details)
    except PlanRefused as refused:
        flash(request, next(iter(refused.errors.values())), "error")
        return redirect(request, f"/journal/plans/{plan_id}")
    return plan, fed


@post("/plans/{plan_id:int}/import/apply", name="journal:plan_import_apply", opt=EDIT_PLANS_OPT)
async def plan_import_apply(request: Request, plan_id: FromPath[int], platform: NamedDependency[Platform],
                            data: URLEncodedBody[ApplyForm]) -> Response[str]:
    """Save the previewed rows as the plan's items: the n-th item keeps its place, lessons follow."""
    plan_id = _id(plan_id)
    try:
        rows = _rows_of(data.rows)
    except PlanRefused as refused:
        flash(request, refused.errors["form"], "error")
        return redirect(request, f"/journal/plans/{plan_id}")
    hours = sum(row.hours for row in rows)
    done = await _change_plan(request, platform, plan_id, lambda service: service.replace_rows(plan_id, data.version, rows),
                              "journal.plan_imported", {"items": len(rows), "hours": hours})
    if isinstance(done, Response):
        return done
    flash(request, _("The plan is imported: items %(items)s, hours %(hours)s; lessons that took their topics: %(lessons)s.",
                     items=len(rows), hours=hours, lessons=done[1]))
    return redirect(request, f"/journal/plans/{plan_id}")


@dataclass
class CopyForm:
    version: str = ""
    source_id: str = ""


@post("/plans/{plan_id:int}/copy", name="journal:plan_copy", opt=EDIT_PLANS_OPT)
async def plan_copy(request: Request, plan_id: FromPath[int], platform: NamedDependency[Platform],
                    data: URLEncodedBody[CopyForm]) -> Response[str]:
    """Fill an empty plan with the items of last year's plan or another level's."""
    plan_id, source_id = _id(plan_id), _int(data.source_id) or 0
    done = await _change_plan(request, platform, plan_id, lambda service: service.copy_from(plan_id, data.version, source_id),
                              "journal.plan_copied", {"source_id": source_id})
    if isinstance(done, Response):
        return done
    flash(request, _("The plan is copied. Check its dates and hours."))
    return redirect(request, f"/journal/plans/{plan_id}")


@post("/plans/{plan_id:int}/delete", name="journal:plan_delete", opt=EDIT_PLANS_OPT)
async def plan_delete(request: Request, plan_id: FromPath[int], platform: NamedDependency[Platform],
                      data: URLEncodedBody[CopyForm]) -> Response[str]:
    """Delete a plan (a page's variant: the page goes back to its level's plan)."""
    plan_id = _id(plan_id)
    done = await _change_plan(request, platform, plan_id, lambda service: service.delete_plan(plan_id, data.version),
                              "journal.plan_deleted")
    if isinstance(done, Response):
        return done
    flash(request, _("The plan is deleted."))
    return redirect(request, f"/journal/plans?year={done[0].academic_year_id}")


# ---- a page's progress -----------------------------------------------------------------------------


async def _readable_page(session: AsyncSession, user: Any, page_id: int, today: date) -> tuple[SubjectPage, bool]:
    """The page if the person reads its journal (as ``page_lessons`` decides), and whether they hold it."""
    page = await session.get(SubjectPage, page_id)
    if page is None or page.school_id != user.school_id:
        raise NotFoundException()
    holds = bool(user.roles & {"teacher", "class_teacher"}) and await holds_page(session, user.id, page_id, today)
    if not (holds or reads_everything(user) or "class_teacher" in user.roles and await leads_page_class(
            session, user.id, page, today)):
        raise NotFoundException()
    return page, holds


@get("/pages/{page_id:int}/plan", name="journal:page_plan", opt=VIEW_OPT)
async def page_plan(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """How far the page is through its plan: the lag, each item's lessons, the page's own choices."""
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        await _readable_page(session, user, _id(page_id), today)  # refused before anything is written
    await sync_through(platform, user.school_id or 0, today + UPCOMING)  # the coming lessons, fed from the plan
    async with platform.db.reading() as session:
        page, holds = await _readable_page(session, user, page_id, today)
        progress = await page_progress(session, page.id, today)
        label = next((found for _id2, _s, _l, found in await page_labels(session, SubjectPage.id == page.id)), "")
        subject = await session.scalar(select(Subject.name).where(Subject.id == page.subject_id)) or ""
        plan = await plan_of_page(session, page.id)
        level = next((level for _id2, _s, level, _l in await page_labels(session, SubjectPage.id == page.id)), 0)
    return await render(request, TEMPLATES + "page_plan.html", _common(
        page=page, label=label, subject=subject, progress=progress, plan=plan, level=level, today=today,
        may_write=holds and allows(request, FILL), may_plan=holds and allows(request, EDIT_PLANS),
        page_title=_("Lesson plan of the page")))


@dataclass
class PageForm:
    action: str = ""
    item_id: str = ""
    hours: str = ""  # the item's hours on the page as shown: a second click on a stale page changes nothing


@post("/pages/{page_id:int}/plan", name="journal:page_plan_save", opt=FILL_OPT)
async def page_plan_save(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                         data: URLEncodedBody[PageForm]) -> Response[str]:
    """Skip or repeat an item on this page, undo that, or choose whether lessons take homework from the plan."""
    user = user_of(request)
    page_id = _id(page_id)
    if data.action not in PAGE_ACTIONS:
        raise NotFoundException()
    async with platform.db.writing() as session:
        today = await school_day(session, user.school_id or 0)
        page, holds = await _readable_page(session, user, page_id, today)
        if not holds:
            raise NotFoundException()
        await lock_school(session, user.school_id)
        try:
            await adjust_page(session, page.id, user.id, data.action, _optional_id(data.item_id), today, data.hours)
        except LookupError:
            raise NotFoundException()
        except AdjustRefused as refused:
            flash(request, str(refused), "error")
            return redirect(request, f"/journal/pages/{page_id}/plan")
    messages = {"skip": _("The item is skipped on this page: the following lessons moved up."),
                "repeat": _("The item gets one more lesson on this page: the following lessons moved down."),
                "reset": _("The item has its planned hours again."),
                "homework_on": _("Lessons to come take their homework from the plan."),
                "homework_off": _("Lessons to come no longer take homework from the plan.")}
    flash(request, messages[data.action])
    return redirect(request, f"/journal/pages/{page_id}/plan")


# ---- the deputy's check ----------------------------------------------------------------------------


async def _check_context(request: Request, platform: Platform, year_id: int | None, state: str = "") -> dict[str, Any]:
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        years = await years_of(session, user.school_id or 0)
        year = pick_year(years, today, _id(year_id)) if year_id is not None else coming_year(years, today)
        lines = await readiness(session, user.school_id or 0, year) if year else []
        # during the year, how far each page is behind its plan (отставание от программы)
        running = year is not None and year.starts_on <= today <= year.ends_on
        lags = {page_id: progress.lag for page_id, progress in
                (await page_lags(session, [line.page_id for line in lines], today)).items()} if running else {}
    shown = [line for line in lines if line.state == state] if state in STATES else lines
    return _common(years=years, year=year, lines=shown, counts=counts(lines), states=STATES, state=state, lags=lags,
                   running=running, page_title=_("Check of the lesson plans"))


@get("/plan-check", name="journal:plan_check", opt=CHECK_PLANS_OPT)
async def plan_check(request: Request, platform: NamedDependency[Platform], year: FromQuery[int | None] = None,
                     status: FromQuery[str] = "") -> Response[str]:
    """Every subject page of the coming year with its plan's state (regulation 4.2), worst first;
    ``status`` shows one state only."""
    return await render(request, TEMPLATES + "plan_check.html", await _check_context(request, platform, year, status))


@get("/plan-check.xlsx", name="journal:plan_check_xlsx", opt=CHECK_PLANS_OPT)
async def plan_check_xlsx(request: Request, platform: NamedDependency[Platform],
                          year: FromQuery[int | None] = None) -> Response[bytes]:
    context = await _check_context(request, platform, year)
    if context["year"] is None:
        raise NotFoundException()
    sheet = readiness_sheet(context["year"], context["lines"], context["lags"] if context["running"] else None)
    return attachment(xlsx_bytes([sheet]), f"plans-{context['year'].id}.xlsx")


ROUTES = [plans_page, plan_create, plan_page, plan_item, plan_export, plan_import, plan_import_apply, plan_copy,
          plan_delete, page_plan, page_plan_save, plan_check, plan_check_xlsx]

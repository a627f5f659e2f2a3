"""Importing the secretary's class lists and staff list (regulation 4.9): upload, a preview of every
row's outcome and every error with its row and column, and the confirmation that writes it all in
one transaction — or nothing, if anything changed in between and a row no longer fits.

The uploaded file is kept in the database (several app processes share it) and read again when
confirmed; the same file imported twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import MultipartBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import record
from core.db.types import utcnow
from core.di import FromPath, NamedDependency
from core.i18n import gettext as _
from core.i18n import ngettext
from core.people.importing import MAX_FILE_BYTES, read_table
from core.people.list_apply import apply_list
from core.people.lists import ListDefaults, plan_list
from core.people.models import IMPORT_KINDS, ImportUpload
from core.people.spreadsheets import Sheet, xlsx_bytes
from core.platform import Platform
from core.structure.calendar import pick_year, years_of
from core.structure.common import StructureError, lock_school, owned
from core.structure.models import AcademicYear, ClassGroup
from core.structure.organisation import OrganisationService
from core.web.pages import flash, redirect, render
from core.web.people.cards_pages import attachment
from core.web.people.common import MANAGE_PEOPLE, people_context, reach_of
from core.web.structure.common import form_date, form_int, refusal_errors, school_day

RECENT_UPLOADS = 10
SAMPLE_HEADERS = {
    "students": ("Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Дата зачисления", "Номер приказа", "Дата приказа",
                 "Телефон", "Эл. почта", "Родитель", "Кем приходится", "Телефон родителя"),
    "staff": ("Фамилия", "Имя", "Отчество", "Дата рождения", "Должность", "Телефон", "Эл. почта"),
}


@dataclass
class ImportForm:
    kind: str = "students"
    class_id: str = ""
    starts_on: str = ""
    start_kind: str = "admitted"
    order_number: str = ""
    order_date: str = ""
    file: UploadFile | None = field(default=None)


async def import_context(request: Request, session: AsyncSession, *, errors: dict[str, str] | None = None,
                         form: dict[str, Any] | None = None) -> dict[str, Any]:
    reach = reach_of(request)
    today = await school_day(session, reach.school_id)
    year = pick_year(await years_of(session, reach.school_id), today, None)
    classes = await OrganisationService(session, reach.school_id).classes(year) if year else []
    uploads = (await session.execute(
        select(ImportUpload.id, ImportUpload.kind, ImportUpload.filename, ImportUpload.uploaded_at, ImportUpload.applied_at,
               ImportUpload.summary)
        .where(ImportUpload.school_id == reach.school_id).order_by(ImportUpload.id.desc()).limit(RECENT_UPLOADS))).all()
    default_start = year.starts_on if year and today < year.starts_on else today
    return people_context(request, "import", today, year=year, classes=classes, uploads=uploads, max_mb=MAX_FILE_BYTES // 2**20,
                          errors=errors or {}, form=form or {"kind": "students", "start_kind": "admitted",
                                                             "starts_on": default_start.isoformat()})


@get("/people/import", name="core:import", opt=MANAGE_PEOPLE)
async def import_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await import_context(request, session)
    return await render(request, "core/people/import.html", context)


@get("/people/import/sample/{kind:str}", name="core:import_sample", opt=MANAGE_PEOPLE)
async def import_sample(kind: FromPath[str]) -> Response[bytes]:
    """An empty list with the expected columns, to fill in and upload."""
    if kind not in SAMPLE_HEADERS:
        raise NotFoundException()
    example = {"students": ("Иванова", "Мария", "Петровна", None, "5А", None, "112-у", None, "", "", "Иванова Анна Сергеевна",
                            "мать", "+7 912 345-67-89"),
               "staff": ("Смирнова", "Ольга", "Игоревна", None, "Учитель русского языка и литературы", "+7 912 000-00-00", "")}
    content = xlsx_bytes([Sheet(_("List"), SAMPLE_HEADERS[kind], [example[kind]])])
    return attachment(content, f"sample-{kind}.xlsx", f"Образец списка ({'класс' if kind == 'students' else 'сотрудники'}).xlsx")


@post("/people/import", name="core:import_upload", opt=MANAGE_PEOPLE, request_max_body_size=MAX_FILE_BYTES + 2**20)
async def upload(request: Request, platform: NamedDependency[Platform], data: MultipartBody[ImportForm]) -> Response[str]:
    reach = reach_of(request)
    form = {name: value for name, value in vars(data).items() if name != "file"}
    try:
        if data.kind not in IMPORT_KINDS:
            raise StructureError("kind", _("Choose what the file lists."))
        if data.file is None or not data.file.filename:
            raise StructureError("file", _("Choose the file to import."))
        content = await data.file.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise StructureError("file", _("The file is larger than %(limit)s MB: split the list into several files.",
                                           limit=MAX_FILE_BYTES // 2**20))
        if not content.strip():
            raise StructureError("file", _("The file is empty."))
        unreadable = next((problem for problem in read_table(content, data.file.filename).problems if problem.row == 0), None)
        if unreadable is not None:  # a file that cannot be read at all is not kept: say why at once
            raise StructureError("file", unreadable.message)
        starts_on, order_date = form_date(data.starts_on, "starts_on"), form_date(data.order_date, "order_date")
        class_id = form_int(data.class_id, "class_id", _("Choose a class."))
        if data.start_kind not in ("admitted", "continued"):
            raise StructureError("start_kind", _("Choose how the students came to the class."))
        async with platform.db.writing() as session:
            today = await school_day(session, reach.school_id)
            year = pick_year(await years_of(session, reach.school_id), starts_on or today, None)
            if year is None:
                raise StructureError("starts_on", _("The date lies outside every school year: create the year first."))
            if class_id is not None and (await owned(session, ClassGroup, class_id, reach.school_id)).academic_year_id != year.id:
                raise StructureError("class_id", _("Choose a class of the year that holds the date."))
            stored = ImportUpload(school_id=reach.school_id, uploaded_by=reach.user_id, kind=data.kind,
                                  filename=data.file.filename[-200:], content=content, academic_year_id=year.id,
                                  class_group_id=class_id, starts_on=starts_on, order_number=" ".join(data.order_number.split())[:40],
                                  order_date=order_date, start_kind=data.start_kind)
            session.add(stored)
            await session.flush()
            upload_id = stored.id
            record(session, "core.list_uploaded", connection=request, object_type="import_upload", object_id=upload_id,
                   details={"kind": data.kind, "filename": stored.filename, "bytes": len(content)})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await import_context(request, session, errors=refusal_errors(error), form=form)
        return await render(request, "core/people/import.html", context, status_code=422)
    return redirect(request, f"/people/import/{upload_id}")


async def defaults_of(session: AsyncSession, stored: ImportUpload) -> ListDefaults:
    year = await session.get(AcademicYear, stored.academic_year_id)
    if year is None:
        raise NotFoundException()
    class_group = await session.get(ClassGroup, stored.class_group_id) if stored.class_group_id else None
    return ListDefaults(year=year, class_group=class_group, starts_on=stored.starts_on, order_number=stored.order_number,
                        order_date=stored.order_date, start_kind=stored.start_kind)


async def preview_context(request: Request, session: AsyncSession, upload_id: int) -> dict[str, Any]:
    reach = reach_of(request)
    stored = await owned(session, ImportUpload, upload_id, reach.school_id)
    today = await school_day(session, reach.school_id)
    defaults = await defaults_of(session, stored)
    plan = None if stored.applied_at else await plan_list(session, reach.school_id, stored.kind, stored.content,
                                                          stored.filename, defaults, today)
    return people_context(request, "import", today, stored=stored, plan=plan, defaults=defaults,
                          summary=_summary(plan.counts()) if plan else "")


def _summary(counts: dict[str, int]) -> str:
    parts = []
    for action, text in (("new", lambda n: ngettext("%(num)d new", "%(num)d new", n)),
                         ("readmitted", lambda n: ngettext("%(num)d admitted again", "%(num)d admitted again", n)),
                         ("updated", lambda n: ngettext("%(num)d updated", "%(num)d updated", n)),
                         ("unchanged", lambda n: ngettext("%(num)d unchanged", "%(num)d unchanged", n)),
                         ("error", lambda n: ngettext("%(num)d with errors", "%(num)d with errors", n))):
        if counts.get(action):
            parts.append(text(counts[action]) % {"num": counts[action]})
    return ", ".join(parts)


@get("/people/import/{upload_id:int}", name="core:import_preview", opt=MANAGE_PEOPLE)
async def preview(request: Request, upload_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.reading() as session:
        context = await preview_context(request, session, upload_id)
    return await render(request, "core/people/import_preview.html", context)


class PlanRefused(Exception):
    """The file no longer imports cleanly: show the preview again."""


@post("/people/import/{upload_id:int}/confirm", name="core:import_confirm", opt=MANAGE_PEOPLE)
async def confirm(request: Request, upload_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Plan again under the school's lock and write it all, or nothing."""
    reach = reach_of(request)
    try:
        async with platform.db.writing() as session:
            await lock_school(session, reach.school_id)  # first: a second click waits here, then sees applied_at
            stored = await owned(session, ImportUpload, upload_id, reach.school_id)
            await session.refresh(stored)
            if stored.applied_at is not None:
                raise StructureError("form", _("This file has already been imported."))
            defaults = await defaults_of(session, stored)
            plan = await plan_list(session, reach.school_id, stored.kind, stored.content, stored.filename, defaults,
                                   await school_day(session, reach.school_id))
            if not plan.ok:
                raise PlanRefused()
            done = await apply_list(session, reach.school_id, plan, defaults, actor_id=reach.user_id)
            stored.applied_at, stored.summary = utcnow(), _summary(done)[:300]
            summary = stored.summary
    except PlanRefused:
        async with platform.db.reading() as session:
            context = await preview_context(request, session, upload_id)
        flash(request, _("The file no longer imports cleanly: see the errors below."), "error")
        return await render(request, "core/people/import_preview.html", context, status_code=422)
    except StructureError as error:
        flash(request, error.message, "error")
        return redirect(request, f"/people/import/{upload_id}")
    flash(request, _("Imported: %(summary)s.", summary=summary) if summary else _("Imported: nothing had to change."))
    return redirect(request, f"/people/import/{upload_id}")


ROUTES = [import_page, import_sample, upload, preview, confirm]

"""The journal administrator's settings page: double marks and the rounding threshold, kinds of work
with their weights, attendance codes, and the subjects marked зачёт / незачёт. Each form saves on
its own; a refused one is shown again in place (422, or 409 for a stale form) and nothing changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from litestar import Request, Response, get, post

from core.audit.log import record
from core.di import FromPath, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.platform import Platform
from core.plugins.types import FIVE_POINT, PASS_FAIL
from core.structure.common import StructureError
from core.web.pages import flash, redirect, render
from core.web.structure.common import form_int
from plugins.journal.settings import CodeInput, FinalsInput, KindInput, SettingsRefused, SettingsService
from plugins.journal.web.common import JOURNAL_CSS, SETTINGS_OPT, user_of

PAGE = "journal/settings.html"
SETTINGS_URL = "/journal/settings"
SCALES = (FIVE_POINT, PASS_FAIL)
CHECKED = ("1", "on", "true")


@dataclass
class RulesForm:
    allow_double_marks: str = ""
    final_threshold: str = ""
    finals_open_days: str = "7"
    finals_early: str = ""
    finals_min_marks: str = "3"
    finals_comment_gap: str = "1"
    amend_teacher: str = ""
    amend_class_teacher: str = ""
    fill_deadline: str = "17:00"
    finals_form: str = ""  # "1": the form has the fields below (a form without them changes none of them)
    version: str = ""

    def finals(self) -> FinalsInput | None:
        if self.finals_form != "1":
            return None
        roles = tuple(role for role, ticked in (("teacher", self.amend_teacher), ("class_teacher", self.amend_class_teacher))
                      if ticked in CHECKED)
        return FinalsInput(self.finals_open_days, self.finals_early in CHECKED, self.finals_min_marks, self.finals_comment_gap,
                           roles, self.fill_deadline)


@dataclass
class KindForm:
    name: str = ""
    weight: str = ""
    archived: str = ""
    shown: str = ""
    marks_days: str = ""


@dataclass
class CodeForm:
    code: str = ""
    name: str = ""
    is_absence: str = ""
    excused: str = ""
    archived: str = ""
    shown: str = ""


@dataclass
class ScaleForm:
    subject_id: str = ""
    scale: str = ""


@dataclass
class Refused:
    """The form that was refused: the page's section that holds it (swapped whole by htmx), the
    form's key within it («kind-new», «kind-7»), what was typed and the messages."""

    section: str  # rules, kinds, codes, scales
    form: str
    typed: dict[str, str]
    errors: dict[str, str]


def kind_input(form: KindForm) -> KindInput:
    return KindInput(form.name, form.weight, form.archived in CHECKED, form.shown, form.marks_days)


def code_input(form: CodeForm) -> CodeInput:
    return CodeInput(form.code, form.name, form.is_absence in CHECKED, form.excused in CHECKED, form.archived in CHECKED,
                     form.shown)


async def settings_page(request: Request, platform: Platform, refused: Refused | None = None,
                        status_code: int = 200) -> Response[str]:
    """The page; after a refusal htmx gets just the refused form (its id is the partial's target)."""
    school_id = user_of(request).school_id or 0
    async with platform.db.reading() as session:
        service = SettingsService(session, school_id)
        missing = not await service.has_defaults()
    if missing:  # the first visit gives the school the default kinds and codes
        async with platform.db.writing() as session:
            await SettingsService(session, school_id).add_defaults()
    async with platform.db.reading() as session:
        view = await SettingsService(session, school_id).view()
    context: dict[str, Any] = {
        "view": view, "rules": view.rules, "scales": SCALES, "refused": refused, "page_title": _("Journal settings"),
        "extra_css": JOURNAL_CSS,
    }
    partial = (f"journal/_settings_{refused.section}.html", f"journal-settings-{refused.section}") if refused else None
    return await render(request, PAGE, context, partial=partial, status_code=status_code)


async def refuse(request: Request, platform: Platform, section: str, form: str, typed: Any,
                 error: SettingsRefused) -> Response[str]:
    flash(request, _("Nothing was saved: someone changed these settings meanwhile.") if error.status == 409
          else _("Nothing was saved: correct the marked fields."), "error")
    return await settings_page(request, platform, Refused(section, form, asdict(typed), error.errors), error.status)


def saved(request: Request, message: str) -> Response[str]:
    flash(request, message)
    return redirect(request, SETTINGS_URL)


@get("/settings", name="journal:settings", opt=SETTINGS_OPT)
async def settings_view(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    return await settings_page(request, platform)


@post("/settings", name="journal:settings_save", opt=SETTINGS_OPT)
async def settings_save(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[RulesForm]) -> Response[str]:
    school_id = user_of(request).school_id or 0
    try:
        async with platform.db.writing() as session:
            settings = await SettingsService(session, school_id).save_rules(
                data.allow_double_marks in CHECKED, data.final_threshold, data.version, data.finals())
            record(session, "journal.settings_saved", connection=request, object_type="journal_settings", object_id=settings.id,
                   details={"allow_double_marks": settings.allow_double_marks,
                            "final_threshold_hundredths": settings.final_threshold_hundredths,
                            "finals_open_days": settings.finals_open_days, "finals_early": settings.finals_early,
                            "finals_min_marks": settings.finals_min_marks,
                            "finals_comment_gap_hundredths": settings.finals_comment_gap_hundredths,
                            "amend_closed_roles": settings.amend_closed_roles,
                            "fill_deadline": settings.fill_deadline.strftime("%H:%M")})
    except SettingsRefused as error:
        return await refuse(request, platform, "rules", "rules", data, error)
    return saved(request, _("The journal's rules are saved."))


@post("/settings/kinds", name="journal:work_kind_create", opt=SETTINGS_OPT)
async def work_kind_create(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[KindForm]) -> Response[str]:
    school_id = user_of(request).school_id or 0
    try:
        async with platform.db.writing() as session:
            kind = await SettingsService(session, school_id).create_kind(kind_input(data))
            name = kind.name
            record(session, "journal.work_kind_created", connection=request, object_type="journal_work_kind", object_id=kind.id,
                   details={"name": kind.name, "weight_hundredths": kind.weight_hundredths, "marks_days": kind.marks_days})
    except SettingsRefused as error:
        return await refuse(request, platform, "kinds", "kind-new", data, error)
    return saved(request, _("The kind of work «%(name)s» is added.", name=name))


@post("/settings/kinds/{kind_id:int}", name="journal:work_kind_update", opt=SETTINGS_OPT)
async def work_kind_update(request: Request, kind_id: FromPath[int], platform: NamedDependency[Platform],
                           data: URLEncodedBody[KindForm]) -> Response[str]:
    school_id = user_of(request).school_id or 0
    try:
        async with platform.db.writing() as session:
            changes = await SettingsService(session, school_id).update_kind(kind_id, kind_input(data))
            if changes:
                record(session, "journal.work_kind_updated", connection=request, object_type="journal_work_kind",
                       object_id=kind_id, details={name: list(values) for name, values in changes.items()})
    except SettingsRefused as error:
        return await refuse(request, platform, "kinds", f"kind-{kind_id}", data, error)
    return saved(request, _("The kind of work is saved.") if changes else _("Nothing changed."))


@post("/settings/codes", name="journal:attendance_code_create", opt=SETTINGS_OPT)
async def attendance_code_create(request: Request, platform: NamedDependency[Platform],
                                 data: URLEncodedBody[CodeForm]) -> Response[str]:
    school_id = user_of(request).school_id or 0
    try:
        async with platform.db.writing() as session:
            code = await SettingsService(session, school_id).create_code(code_input(data))
            text = code.code
            record(session, "journal.attendance_code_created", connection=request, object_type="journal_attendance_code",
                   object_id=code.id, details={"code": code.code, "name": code.name, "is_absence": code.is_absence,
                                               "excused": code.excused})
    except SettingsRefused as error:
        return await refuse(request, platform, "codes", "code-new", data, error)
    return saved(request, _("The attendance code «%(code)s» is added.", code=text))


@post("/settings/codes/{code_id:int}", name="journal:attendance_code_update", opt=SETTINGS_OPT)
async def attendance_code_update(request: Request, code_id: FromPath[int], platform: NamedDependency[Platform],
                                 data: URLEncodedBody[CodeForm]) -> Response[str]:
    school_id = user_of(request).school_id or 0
    try:
        async with platform.db.writing() as session:
            changes = await SettingsService(session, school_id).update_code(code_id, code_input(data))
            if changes:
                record(session, "journal.attendance_code_updated", connection=request, object_type="journal_attendance_code",
                       object_id=code_id, details={name: list(values) for name, values in changes.items()})
    except SettingsRefused as error:
        return await refuse(request, platform, "codes", f"code-{code_id}", data, error)
    return saved(request, _("The attendance code is saved.") if changes else _("Nothing changed."))


@post("/settings/scales", name="journal:subject_scale_save", opt=SETTINGS_OPT)
async def subject_scale_save(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[ScaleForm]) -> Response[str]:
    school_id = user_of(request).school_id or 0
    try:
        try:
            subject_id = form_int(data.subject_id, "subject_id", _("Choose a subject from the list."))
        except StructureError as error:
            raise SettingsRefused({error.field: error.message}) from None
        async with platform.db.writing() as session:
            subject, scale = await SettingsService(session, school_id).save_scale(subject_id, data.scale.strip())
            name = subject.name
            record(session, "journal.subject_scale_saved", connection=request, object_type="subject", object_id=subject.id,
                   details={"scale": scale})
    except SettingsRefused as error:
        return await refuse(request, platform, "scales", f"scale-{data.subject_id.strip()[:10]}", data, error)
    label = next(_(item.title) for item in SCALES if item.code == scale)
    return saved(request, _("«%(subject)s» is marked on the scale «%(scale)s».", subject=name, scale=label))


ROUTES = [settings_view, settings_save, work_kind_create, work_kind_update, attendance_code_create, attendance_code_update,
          subject_scale_save]

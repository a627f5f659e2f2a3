"""The deputy's journal checks and their information notes; a teacher reads a note sent to them and
marks it read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException

from core.audit.log import record
from core.di import FromPath, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.platform import Platform
from core.web.guards import MAX_ID
from core.web.pages import flash, redirect, render
from core.web.structure.common import school_day
from plugins.journal.checks import CHECKERS, CheckInput, CheckRefused, CheckService
from plugins.journal.closing import current_year, term_name
from plugins.journal.web.common import CHECKS_OPT, FILL_OPT, JOURNAL_CSS, NOTES_OPT, user_of

TEMPLATES = "journal/"


@dataclass
class CheckForm:
    checked_on: str = ""
    scope: str = ""
    subject: str = ""
    findings: str = ""
    recommendations: str = ""


async def _checks_page(request: Request, platform: Platform, *, typed: dict[str, str] | None = None,
                       refused: CheckRefused | None = None) -> Response[str]:
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        year = await current_year(session, user.school_id or 0, today)
        service = CheckService(session, user)
        lines = await service.lines(year, today)
        classes, teachers = await service.choices(year)
    values = {"lines": lines, "year": year, "today": today, "classes": classes, "teachers": teachers,
              "typed": typed or {"checked_on": today.isoformat()}, "errors": refused.errors if refused else {},
              "term_name": term_name, "page_title": _("Journal checks"), "extra_css": JOURNAL_CSS}
    return await render(request, TEMPLATES + "checks.html", values, status_code=refused.status if refused else 200)


@get("/checks", name="journal:checks", opt=CHECKS_OPT)
async def checks_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """The year's checks by period, whether each note went out on time and who has read it; a form for a new one."""
    return await _checks_page(request, platform)


@post("/checks", name="journal:check_create", opt=CHECKS_OPT)
async def check_create(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[CheckForm]) -> Response[str]:
    user = user_of(request)
    try:
        async with platform.db.writing() as session:
            today = await school_day(session, user.school_id or 0)
            check = await CheckService(session, user).create(CheckInput(**asdict(data)), today)
            record(session, "journal.check_recorded", connection=request, object_type="journal_check", object_id=check.id,
                   details={"checked_on": check.checked_on.isoformat(), "class_group_id": check.class_group_id,
                            "teacher_id": check.teacher_id})
            check_id = check.id
    except CheckRefused as refused:
        flash(request, _("Nothing was saved: correct the marked fields."), "error")
        return await _checks_page(request, platform, typed=asdict(data), refused=refused)
    flash(request, _("The check is recorded. Send its note to the teachers when it is ready."))
    return redirect(request, f"/journal/checks/{check_id}")


@get("/checks/{check_id:int}", name="journal:check", opt=NOTES_OPT)
async def check_page(request: Request, check_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """The check's information note: for the deputy and the director, and for the teachers it was sent to."""
    user = user_of(request)
    if not 1 <= check_id <= MAX_ID:
        raise NotFoundException()
    async with platform.db.reading() as session:
        line = await CheckService(session, user).line(check_id)
        today = await school_day(session, user.school_id or 0)
    mine = next((read for teacher, _name, read in line.recipients if teacher == user.id), "absent")
    return await render(request, TEMPLATES + "check.html", {
        "line": line, "today": today, "term_name": term_name, "mine": mine, "is_checker": bool(user.roles & CHECKERS),
        "page_title": _("Information note"), "extra_css": JOURNAL_CSS})


@post("/checks/{check_id:int}/send", name="journal:check_send", opt=CHECKS_OPT)
async def check_send(request: Request, check_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    user = user_of(request)
    if not 1 <= check_id <= MAX_ID:
        raise NotFoundException()
    form = await request.form()
    try:
        async with platform.db.writing() as session:
            check = await CheckService(session, user).send(check_id, str(form.get("version", "")))
            record(session, "journal.check_note_sent", connection=request, object_type="journal_check", object_id=check.id)
    except CheckRefused as refused:
        flash(request, refused.errors.get("form", ""), "error")
        return redirect(request, f"/journal/checks/{check_id}")
    flash(request, _("The note is sent: the teachers see it on their journal page."))
    return redirect(request, f"/journal/checks/{check_id}")


@post("/checks/{check_id:int}/read", name="journal:check_read", opt=FILL_OPT)
async def check_read(request: Request, check_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """A teacher marks the note read (ознакомлен)."""
    user = user_of(request)
    if not 1 <= check_id <= MAX_ID:
        raise NotFoundException()
    async with platform.db.writing() as session:
        await CheckService(session, user).mark_read(check_id)
    flash(request, _("Marked as read."))
    return redirect(request, f"/journal/checks/{check_id}")


ROUTES = [checks_page, check_create, check_page, check_send, check_read]

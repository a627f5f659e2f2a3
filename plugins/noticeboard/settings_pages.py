"""The school's settings of the notice board: whether timetable changes make automatic notices
(regulation 4.2). Kept by the director, the deputy or the journal administrator; every change is
in the audit log."""

from __future__ import annotations

from litestar import Request, Response, get, post
from sqlalchemy import select

from core.audit.log import record
from core.di import NamedDependency
from core.i18n import gettext as _
from core.platform import Platform
from core.web.pages import flash, redirect, render
from plugins.noticeboard.auto import auto_timetable_on
from plugins.noticeboard.models import NoticeboardSettings
from plugins.noticeboard.permissions import MANAGE
from plugins.noticeboard.web import CSS, page_user

MANAGE_OPT = {"permission": MANAGE}


@get("/settings", name="noticeboard:settings", opt=MANAGE_OPT)
async def settings_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    user = page_user(request)
    async with platform.db.reading() as session:
        auto = await auto_timetable_on(session, user.school_id or 0)
    return await render(request, "noticeboard/settings.html", {
        "auto": auto, "page_title": _("Notice board settings"), "extra_css": CSS})


@post("/settings", name="noticeboard:settings_save", opt=MANAGE_OPT)
async def settings_save(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """Switch automatic notices of timetable changes on or off (from the next change on)."""
    user = page_user(request)
    form = await request.form()
    auto = form.get("auto_timetable") == "1"
    async with platform.db.writing() as session:
        row = await session.scalar(select(NoticeboardSettings).where(NoticeboardSettings.school_id == user.school_id))
        if row is None:
            row = NoticeboardSettings(school_id=user.school_id, auto_timetable=False)
            session.add(row)
        before, row.auto_timetable = row.auto_timetable, auto
        record(session, "noticeboard.settings_changed", connection=request, object_type="school", object_id=user.school_id,
               details={"auto_timetable": {"before": bool(before), "after": auto}})
    flash(request, _("Timetable changes will now make notices for the classes.") if auto
          else _("Timetable changes no longer make notices."))
    return redirect(request, "/noticeboard/settings")


SETTINGS_ROUTES = [settings_page, settings_save]

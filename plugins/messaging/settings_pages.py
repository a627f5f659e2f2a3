"""The school's rules of the internal mail, kept by the director or the journal administrator: how
long messages are kept, and how far the regulation's defaults are tightened."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import func, select

from core.audit.log import record
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.di import NamedDependency
from core.i18n import gettext as _
from core.i18n import ngettext
from core.platform import Platform
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user
from plugins.messaging.directory import Rules, load_rules
from plugins.messaging.models import MessagingSettings, MessagingThread
from plugins.messaging.permissions import MANAGE
from plugins.messaging.retention import years_before

MANAGE_OPT = {"permission": MANAGE}
CSS = "messaging/messaging.css"
SWITCHES = ("students_write", "families_to_subject_teachers", "teachers_to_students")
YEARS = (1, 75)


def _manager(request: Request) -> CurrentUser:
    user = current_user(request)
    if user is None or user.school_id is None:
        raise NotFoundException()
    return user


@get("/settings", name="messaging:settings", opt=MANAGE_OPT)
async def settings_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    user = _manager(request)
    async with platform.db.reading() as session:
        rules = await load_rules(session, user.school_id or 0)
    return await _page(request, rules, str(rules.retention_years), {})


async def _page(request: Request, rules: Rules, years: str, errors: dict[str, str], status_code: int = 200) -> Response[str]:
    return await render(request, "messaging/settings.html", {
        "rules": rules, "years": years, "errors": errors, "limits": YEARS, "page_title": _("Rules of the internal mail"),
        "extra_css": CSS}, status_code=status_code)


@post("/settings", name="messaging:settings_save", opt=MANAGE_OPT)
async def settings_save(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """Save the rules; a bad retention period changes nothing."""
    user = _manager(request)
    form = await request.form()
    typed = str(form.get("retention_years") or "").strip()
    switches = {name: form.get(name) == "1" for name in SWITCHES}
    chosen = Rules(**switches, retention_years=int(typed) if typed.isascii() and typed.isdigit() and len(typed) <= 3 else 0)
    if not YEARS[0] <= chosen.retention_years <= YEARS[1]:
        return await _page(request, chosen, typed[:10], {"retention_years": _(
            "Keep messages from %(low)s to %(high)s years.", low=YEARS[0], high=YEARS[1])}, 422)
    if form.get("confirm") != "1":
        doomed = await _doomed(platform, user.school_id or 0, chosen.retention_years)
        if doomed:
            return await _page(request, chosen, typed, {"confirm": ngettext(
                "With the shorter period %(num)d conversation is deleted at once, with its files. Tick the box to agree, "
                "and save again.", "With the shorter period %(num)d conversations are deleted at once, with their files. "
                "Tick the box to agree, and save again.", doomed)}, 422)
    async with platform.db.writing() as session:
        before = await load_rules(session, user.school_id or 0)
        row = await session.scalar(select(MessagingSettings).where(MessagingSettings.school_id == user.school_id))
        if row is None:
            row = MessagingSettings(school_id=user.school_id)
            session.add(row)
        row.retention_years = chosen.retention_years
        for name, value in switches.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        record(session, "messaging.settings_changed", connection=request, object_type="school", object_id=user.school_id,
               details={"before": vars(before), "after": vars(chosen)})
    flash(request, _("The rules of the internal mail are saved."))
    return redirect(request, "/messaging/settings")


async def _doomed(platform: Platform, school_id: int, years: int) -> int:
    """Conversations a retention of ``years`` removes at its next run."""
    async with platform.db.reading() as session:
        return await session.scalar(select(func.count()).select_from(MessagingThread).where(
            MessagingThread.school_id == school_id, MessagingThread.last_message_at < years_before(utcnow(), years))) or 0


SETTINGS_ROUTES = [settings_page, settings_save]

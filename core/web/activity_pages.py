"""The monthly users' activity report (regulation 4.4, 6.2) on screen and as XLSX, and the
journal administrator's reminder of it on the dashboard from the 20th to the 23rd."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES, STAFF
from core.access.scope import current_school
from core.audit.activity import ActivityReport, activity_report
from core.audit.log import record
from core.di import FromQuery, NamedDependency
from core.i18n import format_date, format_datetime
from core.i18n import gettext as _
from core.people.spreadsheets import Sheet, xlsx_bytes
from core.platform import Platform
from core.school.models import School
from core.structure.common import school_today
from core.web.pages import render
from core.web.people.reports_pages import attachment
from core.web.sessions import current_user

VIEW = {"permission": "core.view_activity"}


def chosen_month(text: str, today: date) -> tuple[date, str | None]:
    """The month asked for (``YYYY-MM``), or this month with a reason when the text is not one."""
    this_month = today.replace(day=1)
    if not text:
        return this_month, None
    try:
        year, month = (int(part) for part in text[:7].split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return this_month, _("“%(month)s” is not a month; this month is shown.", month=text[:20])
    if chosen > this_month or year < 2000:
        return this_month, _("There is no activity to report for %(month)s yet; this month is shown.", month=text[:7])
    return chosen, None


async def _report(request: Request, db_session: AsyncSession, month: str) -> tuple[ActivityReport, School, str | None]:
    school = await db_session.get_one(School, current_school(current_user(request)))
    chosen, problem = chosen_month(month, school_today(school.timezone))
    return await activity_report(db_session, school.id, school.timezone, chosen), school, problem


def shown_people(report: ActivityReport, role: str) -> list[Any]:
    """The page lists the staff unless asked for a role or everyone (the XLSX always has everyone)."""
    if role == "all":
        return report.people
    if role in ROLES:
        return [p for p in report.people if role in p.roles]
    return [p for p in report.people if STAFF & set(p.roles)]


@get("/admin/activity", name="core:activity", opt=VIEW)
async def activity_page(request: Request, db_session: NamedDependency[AsyncSession], month: FromQuery[str] = "",
                        role: FromQuery[str] = "") -> Response[str]:
    report, school, problem = await _report(request, db_session, month)
    role = role if role == "all" or role in ROLES else ""
    return await render(request, "core/activity.html", {
        "report": report, "problem": problem, "roles": ROLES, "timezone": school.timezone, "role": role,
        "people": shown_people(report, role), "month_value": f"{report.month:%Y-%m}",
        "month_title": format_date(report.month, "LLLL yyyy"),
    })


@get("/admin/activity.xlsx", name="core:activity_export", opt=VIEW)
async def activity_export(request: Request, platform: NamedDependency[Platform], db_session: NamedDependency[AsyncSession],
                          month: FromQuery[str] = "") -> Response[bytes]:
    report, school, _problem = await _report(request, db_session, month)
    content = xlsx_bytes(activity_sheets(report, school.timezone))
    async with platform.db.writing() as session:
        record(session, "core.activity_exported", connection=request, details={"month": f"{report.month:%Y-%m}"})
    return attachment(content, report.filename())


def activity_sheets(report: ActivityReport, zone: str) -> list[Sheet]:
    def when(value: Any) -> str:
        return format_datetime(value, zone, "short") if value else ""

    roles = Sheet(_("By role"), [_("Role"), _("Accounts"), _("Active in the month"), _("Active, per cent"), _("Sign-ins"), _("Journal actions")],
                  [[_(ROLES[r.role]), r.accounts, r.active, r.active_share, r.logins, r.journal_actions] for r in report.roles],
                  widths=(34, 12, 14, 10, 12, 14))
    people = Sheet(_("By person"), [_("Full name"), _("Login"), _("Roles"), _("Sign-ins"), _("Failed sign-ins"), _("Journal actions"),
                                    _("Other changes"), _("Last sign-in"), _("Last activity")],
                   [[p.full_name, p.login, ", ".join(_(ROLES[r]) for r in p.roles), p.logins, p.failures, p.journal_actions,
                     p.other_changes, when(p.last_login), when(p.last_seen)] for p in report.people],
                   widths=(36, 18, 30, 10, 12, 14, 12, 18, 18))
    return [roles, people]


ROUTES = [activity_page, activity_export]

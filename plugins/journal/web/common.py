"""What the journal's pages share: permissions as route options, the school and day of a request,
the navigation entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request

from core.access.scope import current_school
from core.auth.services import CurrentUser
from core.i18n import gettext as _
from core.plugins.types import NavItem
from core.structure.common import format_day
from core.web.sessions import current_user
from plugins.journal.permissions import (
    CHECK_PLANS, CHECKS, CLOSE, EDIT_PLANS, FILL, NOTES, PLANS, REASONS, REPORTS, SETTINGS, SUMMARIES, VIEW,
)

VIEW_OPT = {"permission": VIEW}
FILL_OPT = {"permission": FILL}
REASONS_OPT = {"permission": REASONS}
SETTINGS_OPT = {"permission": SETTINGS}
CLOSE_OPT = {"permission": CLOSE}
REPORTS_OPT = {"permission": REPORTS}
CHECKS_OPT = {"permission": CHECKS}
SUMMARIES_OPT = {"permission": SUMMARIES}
NOTES_OPT = {"permission": NOTES}
PLANS_OPT = {"permission": PLANS}
EDIT_PLANS_OPT = {"permission": EDIT_PLANS}
CHECK_PLANS_OPT = {"permission": CHECK_PLANS}
JOURNAL_CSS = "journal/journal.css"


def user_of(request: Request) -> CurrentUser:
    user = current_user(request)
    current_school(user)  # a 404 without a current school (the guard makes sure there is one)
    assert user is not None
    return user


def allows(request: Request, permission: str) -> bool:
    user = current_user(request)
    return user is not None and request.app.state.platform.permissions.allows(user.roles, permission)


def journal_nav(platform: Any, user: CurrentUser | None) -> list[NavItem]:
    if user is None or user.school_id is None or not platform.permissions.allows(user.roles, VIEW):
        return []
    items = [NavItem(id="journal", label=_("Journal"), url="/journal/home", section=20, order=10)]
    if platform.permissions.allows(user.roles, REASONS):
        items.append(NavItem(id="journal-absences", label=_("Absences"), url="/journal/absences", section=20, order=20))
    if platform.permissions.allows(user.roles, CLOSE):
        items.append(NavItem(id="journal-periods", label=_("Study periods"), url="/journal/periods", section=20, order=30))
    if platform.permissions.allows(user.roles, PLANS):
        items.append(NavItem(id="journal-plans", label=_("Lesson plans"), url="/journal/plans", section=20, order=35))
    if platform.permissions.allows(user.roles, REPORTS):
        items.append(NavItem(id="journal-reports", label=_("Reports"), url="/journal/reports", section=20, order=40))
    if platform.permissions.allows(user.roles, SETTINGS):
        items.append(NavItem(id="journal-settings", label=_("Journal settings"), url="/journal/settings", section=90, order=40))
    return items


def day_label(day: date) -> str:
    """«пн, 23.11.2026»."""
    from core.i18n import format_date

    return f"{format_date(day, 'EEE')}, {format_day(day)}"

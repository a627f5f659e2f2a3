"""What the people pages share: permissions, the section's tabs, and who reaches which person.

The secretary, the journal administrator, the director and the deputy see everyone of their school;
a class teacher sees (and updates the contacts of) the students of the class they lead on the day
and those students' representatives. The scope comes from the dated appointment, never from the
role alone, and a person out of reach is a 404 that looks like nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request

from core.auth.services import CurrentUser
from core.i18n import N_
from core.web.sessions import current_user

VIEW_PEOPLE = {"permission": "core.view_people"}  # the whole school: lists, movement, occupancy, staff
VIEW_CARDS = {"permission": "core.view_class_people"}  # cards; a class teacher: of their own class
EDIT_CONTACTS = {"permission": "core.edit_contacts"}
MANAGE_PEOPLE = {"permission": "core.manage_people"}
ISSUE_CREDENTIALS = {"permission": "core.issue_credentials"}  # a class teacher: for their own class

# The section's tabs: (id, label, url, permission). Pages pass their id as ``tab``.
TABS = (
    ("students", N_("Students"), "/people/students", "core.view_people"),
    ("staff", N_("Staff"), "/people/staff", "core.view_people"),
    ("movement", N_("Movement of students"), "/people/movement", "core.view_people"),
    ("occupancy", N_("Class occupancy"), "/people/occupancy", "core.view_people"),
    ("consents", N_("Consents"), "/people/consents", "core.view_people"),
    ("import", N_("Import lists"), "/people/import", "core.manage_people"),
    ("credentials", N_("Logins and passwords"), "/people/credentials", "core.issue_credentials"),
)


@dataclass(frozen=True)
class Reach:
    """What the current user may do with people: ``whole_school`` or only ``led_classes``."""

    school_id: int
    user_id: int
    whole_school: bool  # core.view_people
    can_manage: bool  # core.manage_people
    can_edit_contacts: bool  # core.edit_contacts (scoped like the view for a class teacher)
    can_issue_credentials: bool = False  # core.issue_credentials (a class teacher: their class)


def reach_of(request: Request) -> Reach:
    user = current_user(request)
    assert user is not None and user.school_id is not None  # the guard made sure
    allows = request.app.state.platform.permissions.allows
    return Reach(user.school_id, user.id, allows(user.roles, "core.view_people"), allows(user.roles, "core.manage_people"),
                 allows(user.roles, "core.edit_contacts"), allows(user.roles, "core.issue_credentials"))


def visible_tabs(request: Request) -> list[tuple[str, str, str]]:
    user: CurrentUser | None = current_user(request)
    allows = request.app.state.platform.permissions.allows
    return [(tab_id, label, url) for tab_id, label, url, permission in TABS
            if user is not None and allows(user.roles, permission)]


def people_context(request: Request, tab: str, today: date, **values: Any) -> dict[str, Any]:
    """What every people page's template expects besides its own values."""
    return {"tab": tab, "tabs": visible_tabs(request), "today": today, "errors": values.pop("errors", {}),
            "form": values.pop("form", {}), **values}

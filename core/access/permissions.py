"""The permission registry: core's permissions plus every plugin's ``register_permissions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.access.roles import EVERYONE, ROLES, STAFF
from core.errors import StartupError
from core.i18n import N_
from core.plugins.calling import call_sync_each
from core.plugins.types import Permission

if TYPE_CHECKING:
    from core.platform import Platform

CORE_PERMISSIONS = (
    Permission("core.use_site", N_("Use the site: the main page, choosing the current school"), EVERYONE),
    Permission("core.manage_accounts", N_("Create, edit and block accounts; grant and revoke roles"), frozenset({"journal_admin", "operator"})),
    Permission("core.view_audit", N_("See the school's audit log and its catalogue of actions; download the chain heads"),
               frozenset({"journal_admin", "operator"})),
    Permission("core.view_activity", N_("See and download the monthly report of users' activity"),
               frozenset({"journal_admin", "operator", "director", "deputy"})),
    Permission("core.see_data_views", N_("See which staff opened one's own records and one's children's"),
               frozenset({"student", "parent"})),
    Permission("core.manage_modules", N_("Switch the school's modules on and off"), frozenset({"journal_admin", "operator"})),
    Permission("core.view_structure", N_("See the school's calendar, classes, groups, curriculum, subject pages and load"),
               frozenset({"journal_admin", "operator", "director", "deputy", "secretary", "dispatcher"})),
    Permission("core.manage_structure", N_("Edit the calendar, classes, groups, subjects, curriculum, subject pages and load"),
               frozenset({"journal_admin", "operator"})),
    Permission("core.view_people", N_("See the school's students, families and staff, the movement of students and class occupancy"),
               frozenset({"journal_admin", "operator", "director", "deputy", "secretary"})),
    Permission("core.view_class_people", N_("See the cards of students and their families (a class teacher: of their own class)"),
               frozenset({"journal_admin", "operator", "director", "deputy", "secretary", "class_teacher"})),
    Permission("core.edit_contacts", N_("Update the contacts of students and their families (a class teacher: of their own class)"),
               frozenset({"journal_admin", "operator", "secretary", "class_teacher"})),
    Permission("core.manage_people", N_("Admit, transfer and release students, link representatives, add staff, import lists"),
               frozenset({"journal_admin", "operator", "secretary"})),
    Permission("core.issue_credentials", N_("Issue logins and one-time passwords with a printed protocol (a class teacher: to their class's students and parents)"),
               frozenset({"journal_admin", "operator", "class_teacher"})),
    Permission("core.view_timetable", N_("See the timetable of every class, teacher and room, and the day's changes"),
               STAFF | {"operator"}),
    Permission("core.manage_timetable", N_("Edit the weekly timetable and the rooms"), frozenset({"journal_admin", "operator"})),
    Permission("core.manage_timetable_changes", N_("Record the timetable's changes for a date: cancellations, moves, substitutions"),
               frozenset({"dispatcher", "journal_admin", "operator"})),
    Permission("core.view_own_load", N_("See one's own teaching load and classes"), frozenset({"teacher", "class_teacher"})),
)


class PermissionRegistry:
    def __init__(self, permissions: list[tuple[str, Permission]]) -> None:
        self.permissions: dict[str, Permission] = {}
        self.owner: dict[str, str] = {}
        for owner, permission in permissions:
            if permission.name in self.permissions:
                raise StartupError(f"permission {permission.name!r} is registered twice ({self.owner[permission.name]}, {owner})")
            if permission.name.split(".", 1)[0] != owner:
                raise StartupError(f"{owner} registers {permission.name!r}: permissions are named '{owner}.<verb>'")
            unknown = permission.roles - set(ROLES)
            if unknown:
                raise StartupError(f"permission {permission.name!r} names unknown roles: {sorted(unknown)}")
            self.permissions[permission.name] = permission
            self.owner[permission.name] = owner
        self.by_role: dict[str, frozenset[str]] = {
            role: frozenset(name for name, p in self.permissions.items() if role in p.roles) for role in ROLES
        }

    def allows(self, roles: frozenset[str], permission: str) -> bool:
        return any(permission in self.by_role.get(role, frozenset()) for role in roles)

    def __contains__(self, name: str) -> bool:
        return name in self.permissions


def build_registry(platform: Platform) -> PermissionRegistry:
    found: list[tuple[str, Permission]] = [("core", p) for p in CORE_PERMISSIONS]
    for plugin, permissions in call_sync_each(platform.hook.register_permissions, platform=platform):
        found += [(plugin, p) for p in permissions]
    return PermissionRegistry(found)

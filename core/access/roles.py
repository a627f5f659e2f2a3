"""The roles of the regulation (DESIGN §7). A grant gives a role in one school; the platform
operator's grant covers every school of the installation."""

from __future__ import annotations

from core.i18n import N_

ROLES: dict[str, str] = {
    "student": N_("Student"),
    "parent": N_("Parent or legal representative"),
    "teacher": N_("Teacher"),
    "class_teacher": N_("Class teacher"),
    "deputy": N_("Deputy director"),
    "director": N_("Director"),
    "journal_admin": N_("Journal administrator"),
    "engineer": N_("Engineer"),
    "dispatcher": N_("Dispatcher"),
    "secretary": N_("Secretary"),
    "site_admin": N_("Site administrator"),
    "operator": N_("Platform operator"),
}
STAFF = frozenset(ROLES) - {"student", "parent", "operator"}
EVERYONE = frozenset(ROLES)
SCHOOLLESS = frozenset({"operator"})  # granted for the whole installation, not one school

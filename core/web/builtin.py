"""Core's own hook implementations (registered as the plugin "core", before every plugin)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from core import hookimpl
from core.audit.activity import REMINDER_DAYS
from core.db.types import utcnow
from core.i18n import gettext as _
from core.plugins.types import FIVE_POINT, GradeScale, NavItem, UserTextField, Widget


@hookimpl(trylast=True)
def grade_scale(platform: Any, school: Any, subject: Any, grade_level: int) -> GradeScale:
    """Five-point marks unless a plugin answers first (a school's pass/fail subjects, ...)."""
    return FIVE_POINT


@hookimpl
def nav_items(platform: Any, request: Any, user: Any) -> list[NavItem]:
    if user is None:
        return []  # the login page needs no menu
    items = [NavItem(id="home", label=_("Home"), url="/", section=0, order=0)]
    if platform.permissions.allows(user.roles, "core.view_structure"):
        items.append(NavItem(id="structure", label=_("School structure"), url="/structure/calendar", section=80, order=10))
    elif platform.permissions.allows(user.roles, "core.view_own_load"):
        items.append(NavItem(id="my-load", label=_("My load"), url="/structure/my-load", section=80, order=10))
    if platform.permissions.allows(user.roles, "core.view_timetable"):
        teaches = bool(user.roles & {"teacher", "class_teacher"})
        items.append(NavItem(id="timetable", label=_("Timetable"), url="/timetable/my" if teaches else "/timetable",
                             section=80, order=5))
    if platform.permissions.allows(user.roles, "core.view_people"):
        items.append(NavItem(id="people", label=_("People"), url="/people/students", section=80, order=20))
    elif platform.permissions.allows(user.roles, "core.view_class_people"):
        items.append(NavItem(id="my-class", label=_("My class"), url="/people/my-class", section=80, order=20))
    if platform.permissions.allows(user.roles, "core.manage_accounts"):
        items.append(NavItem(id="admin-users", label=_("Accounts"), url="/admin/users", section=90, order=10))
    if platform.permissions.allows(user.roles, "core.manage_modules"):
        items.append(NavItem(id="admin-modules", label=_("Modules"), url="/admin/modules", section=90, order=20))
    if platform.permissions.allows(user.roles, "core.view_activity"):
        items.append(NavItem(id="activity", label=_("Activity"), url="/admin/activity", section=90, order=25))
    if platform.permissions.allows(user.roles, "core.view_audit"):
        items.append(NavItem(id="audit", label=_("Audit log"), url="/admin/audit", section=90, order=30))
    return items


@hookimpl
def dashboard_widgets(platform: Any, request: Any, user: Any) -> list[Widget]:
    """The current school and its modules (never another school's); no query: the session has it."""
    short_name = dict(user.schools).get(user.school_id) if user is not None else None
    schools = [(short_name or user.school_name, user.school_name)] if user is not None and user.school_name else []
    disabled = user.disabled_modules if user is not None else frozenset()
    modules = [(p.title, p.name, p.version) for p in platform.plugins.values() if p.name not in disabled]
    widgets = [
        Widget(
            id="school", title=_("School"), template="core/_widget_school.html",
            context={"schools": schools, "modules": modules,
                     "show_modules": user is not None and platform.permissions.allows(user.roles, "core.manage_modules")},
            order=0,
        )
    ]
    if user is None or "journal_admin" not in user.roles:
        return widgets
    today = utcnow().astimezone(ZoneInfo(user.school_timezone)).date()
    if today.day in REMINDER_DAYS:
        widgets.append(Widget(id="activity-reminder", title=_("Users' activity report"), template="core/_widget_activity.html",
                              context={"month": f"{today:%Y-%m}", "last_day": REMINDER_DAYS.stop - 1}, order=1))
    return widgets


@hookimpl
def user_text_fields(platform: Any) -> list[UserTextField]:
    shown = ("core:admin_users", "core:admin_user")
    return [
        UserTextField(form="core:admin_user_create", field="full_name", shown_on=(*shown, "core:activity")),
        UserTextField(form="core:admin_user_update", field="full_name", shown_on=shown),
        UserTextField(form="core:subject_create", field="name",
                      shown_on=("core:subjects", "core:curriculum", "core:subject_pages", "core:subject_page", "core:class")),
        *(UserTextField(form=form, field="short_name", shown_on=("core:subjects", "core:curriculum"))
          for form in ("core:subject_create", "core:subject_update")),
        UserTextField(form="core:subject_update", field="name",
                      shown_on=("core:subjects", "core:curriculum", "core:subject_pages", "core:subject_page", "core:class")),
        UserTextField(form="core:group_create", field="name", shown_on=("core:groups", "core:group", "core:class", "core:subject_pages")),
        UserTextField(form="core:days_create", field="name", shown_on=("core:calendar",)),
        UserTextField(form="core:bells_create", field="name", shown_on=("core:calendar",)),
        UserTextField(form="core:position_add", field="title", shown_on=("core:staff", "core:person")),
        UserTextField(form="core:staff_create", field="title", shown_on=("core:staff", "core:person")),
        *(UserTextField(form=form, field="rep_document", shown_on=("core:student",))
          for form in ("core:representative_add", "core:student_create")),
        UserTextField(form="core:consent_give", field="document", shown_on=("core:student", "core:audit")),
        UserTextField(form="core:consent_withdraw", field="withdrawal_document", shown_on=("core:student", "core:audit")),
        UserTextField(form="core:student_leave", field="note", shown_on=("core:student", "core:movement")),
        *(UserTextField(form=form, field="order_number", shown_on=("core:student", "core:movement"))
          for form in ("core:student_create", "core:student_transfer", "core:student_leave", "core:import_upload")),
        UserTextField(form="core:import_upload", field="file", shown_on=("core:import", "core:import_preview")),  # its name
        UserTextField(form="core:room_create", field="name", shown_on=(
            "core:rooms", "core:timetable_room", "core:timetable_changes", "core:timetable_day", "core:timetable_class",
            "core:timetable_slot_form")),
        UserTextField(form="core:room_create", field="note", shown_on=("core:rooms",)),
        UserTextField(form="core:timetable_change_create", field="reason", shown_on=("core:timetable_changes",)),
    ]

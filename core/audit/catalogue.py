"""The catalogue of audited actions (FSTEC order 21, РСБ.1–РСБ.3): what each record means.

Core's actions are listed here; each plugin adds its own through ``register_audit_events``.
docs/audit.md lists them all, and the test suite checks that every catalogued action is written
somewhere and every written one is catalogued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.i18n import N_
from core.plugins.calling import call_sync_each
from core.plugins.types import AuditEvent

if TYPE_CHECKING:
    from core.platform import Platform


def _events(category: str, *pairs: tuple[str, str]) -> list[AuditEvent]:
    return [AuditEvent(action, category, description) for action, description in pairs]


CORE_EVENTS: tuple[AuditEvent, ...] = (
    *_events(
        "sign_in",
        ("core.login", N_("Signed in")),
        ("core.login_failed", N_("A sign-in failed: wrong password or code, a blocked account, an expired one-time password")),
        ("core.login_locked", N_("Signing in was paused after too many failures")),
        ("core.logout", N_("Signed out")),
        ("core.session_ended", N_("A session on another device was ended")),
        ("core.sessions_ended", N_("All other sessions were ended")),
        ("core.school_chosen", N_("The current school was chosen")),
    ),
    *_events(
        "credentials",
        ("core.password_changed", N_("The person changed their password")),
        ("core.password_check_failed", N_("A wrong current password was given to change the password or the second factor")),
        ("core.password_set", N_("An administrator set a password")),
        ("core.credentials_issued", N_("Logins and one-time passwords were issued with a printed protocol")),
        ("core.two_factor_on", N_("The second factor was turned on")),
        ("core.two_factor_off", N_("The second factor was turned off")),
        ("core.two_factor_reset", N_("An administrator reset a person's second factor")),
    ),
    *_events(
        "access",
        ("core.access_denied", N_("A page or action was refused for lack of permission")),
        ("core.account_created", N_("An account was created")),
        ("core.account_updated", N_("An account's login or name was changed")),
        ("core.account_blocked", N_("An account was blocked")),
        ("core.account_unblocked", N_("An account was unblocked")),
        ("core.role_granted", N_("A role was granted")),
        ("core.role_revoked", N_("A role was revoked")),
    ),
    *_events(
        "personal_data",
        ("core.person_updated", N_("A person's card was changed")),
        ("core.student_admitted", N_("A student was admitted")),
        ("core.student_transferred", N_("A student was transferred to another class")),
        ("core.student_left", N_("A student left the school")),
        ("core.representative_linked", N_("A parent or legal representative was linked to a student")),
        ("core.representative_ended", N_("A parent or legal representative was unlinked")),
        ("core.staff_added", N_("A staff member was added")),
        ("core.position_added", N_("A staff member took a position")),
        ("core.position_ended", N_("A staff member left a position")),
        ("core.list_uploaded", N_("A list of people was uploaded for import")),
        ("core.list_imported", N_("A list of people was imported")),
        ("core.consent_given", N_("A written consent to the processing of personal data was recorded")),
        ("core.consent_withdrawn", N_("A withdrawal of the consent to the processing of personal data was recorded")),
    ),
    *_events(
        "structure",
        ("core.year_created", N_("A school year was created")),
        ("core.year_level_changed", N_("The grade levels of a year were changed")),
        ("core.period_added", N_("A study period was added")),
        ("core.period_deleted", N_("A study period was deleted")),
        ("core.days_added", N_("Holidays or extra school days were added")),
        ("core.days_deleted", N_("Holidays or extra school days were deleted")),
        ("core.bells_added", N_("A bell schedule was added")),
        ("core.bells_deleted", N_("A bell schedule was deleted")),
        ("core.class_created", N_("A class was created")),
        ("core.class_shift_changed", N_("A class's shift was changed")),
        ("core.class_teacher_appointed", N_("A class teacher was appointed")),
        ("core.class_teacher_ended", N_("A class teacher's appointment ended")),
        ("core.group_created", N_("A study group was created")),
        ("core.group_member_added", N_("A student joined a study group")),
        ("core.group_member_ended", N_("A student left a study group")),
        ("core.subject_created", N_("A subject was created")),
        ("core.subject_updated", N_("A subject was changed")),
        ("core.subject_archived", N_("A subject was archived")),
        ("core.subject_restored", N_("A subject was restored from the archive")),
        ("core.subjects_defaults_added", N_("The standard subjects were added")),
        ("core.curriculum_changed", N_("The curriculum was changed")),
        ("core.ungraded_added", N_("A subject was made ungraded for a class")),
        ("core.ungraded_removed", N_("A subject was made graded again for a class")),
        ("core.subject_page_created", N_("A subject page was created")),
        ("core.subject_pages_generated", N_("Subject pages were made from the curriculum")),
        ("core.teacher_assigned", N_("A teacher was assigned to a subject page")),
        ("core.teacher_replaced", N_("A subject page's teacher was replaced")),
        ("core.assignment_ended", N_("A teacher's assignment ended")),
        ("core.timetable_version_created", N_("A timetable version was created")),
        ("core.timetable_version_deleted", N_("A timetable version was deleted")),
        ("core.timetable_slot_created", N_("A lesson was added to the timetable")),
        ("core.timetable_slot_deleted", N_("A lesson was removed from the timetable")),
        ("core.timetable_room_created", N_("A room was added")),
        ("core.timetable_room_archived", N_("A room was archived")),
        ("core.timetable_change_recorded", N_("A timetable change for a date was recorded")),
        ("core.timetable_change_withdrawn", N_("A timetable change for a date was withdrawn")),
    ),
    *_events(
        "settings",
        ("core.module_switched", N_("A module was switched on or off")),
        ("core.school_rules_changed", N_("The school's password and sign-in rules were changed")),
        ("core.audit_retention_changed", N_("The audit log's retention was changed")),
    ),
    *_events(
        "export",
        ("core.audit_heads_exported", N_("The audit log's chain heads were downloaded")),
        ("core.activity_exported", N_("The users' activity report was downloaded")),
    ),
)


def audit_catalogue(platform: Platform) -> dict[str, AuditEvent]:
    """Every audited action of core and the enabled plugins, by action name."""
    events = {event.action: event for event in CORE_EVENTS}
    for plugin, listed in call_sync_each(platform.hook.register_audit_events, platform=platform):
        for event in listed:
            if event.action.split(".", 1)[0] != plugin or event.action in events:
                raise ValueError(f"plugin {plugin!r} cannot catalogue the audit action {event.action!r}")
            events[event.action] = event
    return events

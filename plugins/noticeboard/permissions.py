"""The notice board's permissions. Which notices a person reads, and whom an author may address,
come from dated data (``audience.py``); the roles only open the pages."""

from __future__ import annotations

from core.access.roles import ROLES
from core.i18n import N_
from core.plugins.types import AuditEvent, Permission, UserTextField

READ = "noticeboard.read"
POST = "noticeboard.post"
MANAGE = "noticeboard.manage"

# Everyone of a school; the platform operator, who serves every school, reads no school's board.
READERS = frozenset(ROLES) - {"operator"}
# Regulation 1.13, 4.2, 4.5: the director and the deputy publish for anyone, teachers for their classes.
AUTHORS = frozenset({"director", "deputy", "teacher", "class_teacher"})

PERMISSIONS = (
    Permission(READ, N_("Read the notices meant for you"), READERS),
    Permission(POST, N_("Publish notices for the classes and groups you teach, your class and the staff (the "
                        "director and the deputy: for anyone)"), AUTHORS),
    Permission(MANAGE, N_("Switch on automatic notices of timetable changes"),
               frozenset({"director", "deputy", "journal_admin"})),
)

# A notice's title and text are read on the board, the notice's page, the dashboard and in the diary;
# its files' names on its page.
TEXT_FIELDS = (
    UserTextField(form="noticeboard:publish", field="title", shown_on=(
        "noticeboard:board", "noticeboard:notice", "noticeboard:widget", "noticeboard:history", "noticeboard:edit", "diary:week",
        "core:audit")),
    UserTextField(form="noticeboard:publish", field="body", shown_on=("noticeboard:board", "noticeboard:notice",
                                                                      "noticeboard:history", "noticeboard:edit")),
    UserTextField(form="noticeboard:publish", field="attachments", shown_on=("noticeboard:notice", "noticeboard:edit",
                                                                             "noticeboard:history")),
    # the edit form stores into the same columns
    UserTextField(form="noticeboard:save", field="title", shown_on=("noticeboard:board", "noticeboard:notice", "noticeboard:history")),
    UserTextField(form="noticeboard:save", field="body", shown_on=("noticeboard:board", "noticeboard:notice", "noticeboard:history",
                                                                  "noticeboard:edit")),
    UserTextField(form="noticeboard:save", field="attachments", shown_on=("noticeboard:notice", "noticeboard:edit")),
)

AUDIT_EVENTS: tuple[AuditEvent, ...] = (
    AuditEvent("noticeboard.published", "communication", N_("An announcement was published")),
    AuditEvent("noticeboard.edited", "communication", N_("An announcement was edited")),
    AuditEvent("noticeboard.withdrawn", "communication", N_("An announcement was withdrawn")),
    AuditEvent("noticeboard.settings_changed", "settings", N_("The noticeboard settings were changed")),
)

"""The internal mail's permissions. Whom a person may write to comes from dated data
(``directory.py``); which threads they open, from being one of a thread's two people."""

from __future__ import annotations

from core.access.roles import ROLES
from core.i18n import N_
from core.plugins.types import AuditEvent, Permission, UserTextField

USE = "messaging.use"
MANAGE = "messaging.manage"

# Everyone of a school; the platform operator, who serves every school, has no mailbox in any.
PEOPLE = frozenset(ROLES) - {"operator"}

PERMISSIONS = (
    Permission(USE, N_("Write and read messages of the internal mail"), PEOPLE),
    Permission(MANAGE, N_("Set the school's rules of the internal mail: who may write, how long messages are kept"),
               frozenset({"director", "journal_admin"})),
)

# The subject and text of a new message, and an answer: the recipient reads them in their thread, the
# sender in what they sent.
TEXT_FIELDS = (
    UserTextField(form="messaging:send", field="subject", shown_on=("messaging:inbox", "messaging:thread", "messaging:sent",
                                                                   "messaging:broadcast")),
    UserTextField(form="messaging:send", field="body", shown_on=("messaging:thread", "messaging:inbox", "messaging:sent",
                                                                "messaging:broadcast")),
    UserTextField(form="messaging:reply", field="body", shown_on=("messaging:thread", "messaging:inbox", "messaging:sent")),
    UserTextField(form="messaging:send", field="attachments", shown_on=("messaging:thread", "messaging:broadcast")),  # file names
    UserTextField(form="messaging:reply", field="attachments", shown_on=("messaging:thread",)),
)

AUDIT_EVENTS: tuple[AuditEvent, ...] = (
    AuditEvent("messaging.email_copies_on", "communication", N_("Copies of messages by e-mail were turned on")),
    AuditEvent("messaging.email_copies_off", "communication", N_("Copies of messages by e-mail were turned off")),
    AuditEvent("messaging.settings_changed", "settings", N_("The messaging settings were changed")),
)

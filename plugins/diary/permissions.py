"""The diary's permissions. Which students a person reaches comes from dated data (``family.py``):
a student themself; a parent their children while the guardianship holds."""

from __future__ import annotations

from core.i18n import N_
from core.plugins.types import AuditEvent, Permission, UserTextField

VIEW = "diary.view"
MANAGE_REFUSALS = "diary.manage_refusals"

PERMISSIONS = (
    Permission(VIEW, N_("Read the diary: a student their own, a parent their children's"), frozenset({"student", "parent"})),
    Permission(MANAGE_REFUSALS, N_("Record parents' written refusals of the e-diary and their withdrawal"),
               frozenset({"journal_admin"})),
)

# The refusal's documents, typed by the journal administrator, shown on the refusals page (and to the parent).
TEXT_FIELDS = (
    UserTextField(form="diary:refusal_record", field="document", shown_on=("diary:refusals",)),
    UserTextField(form="diary:refusal_withdraw", field="withdrawal_document", shown_on=("diary:refusals",)),
)

AUDIT_EVENTS: tuple[AuditEvent, ...] = (
    AuditEvent("diary.feed_made", "communication", N_("A calendar feed address was made")),
    AuditEvent("diary.feed_revoked", "communication", N_("A calendar feed address was revoked")),
    AuditEvent("diary.refusal_recorded", "personal_data", N_("A refusal of the electronic diary was recorded")),
    AuditEvent("diary.refusal_withdrawn", "personal_data", N_("A refusal of the electronic diary was withdrawn")),
)

"""Core's ORM classes, in the order their tables depend on each other."""

from core.audit.models import AuditPurge, AuditRecord, AuditSeal, DataView
from core.auth.models import ExternalIdentity, LoginAttempt, RecoveryCode, RoleGrant, UserAccount, UserSession
from core.db.migrate import ParkedMigration
from core.outbox import EventDelivery, OutboxEvent
from core.people.models import PEOPLE_MODELS
from core.school.models import School, SchoolModule
from core.structure.models import STRUCTURE_MODELS
from core.timetable.models import TIMETABLE_MODELS

CORE_MODELS: tuple[type, ...] = (
    School, OutboxEvent, EventDelivery, ParkedMigration,
    UserAccount, RoleGrant, UserSession, ExternalIdentity, AuditRecord, SchoolModule, RecoveryCode, LoginAttempt,
    AuditSeal, AuditPurge, DataView,
    *STRUCTURE_MODELS, *PEOPLE_MODELS, *TIMETABLE_MODELS,
)

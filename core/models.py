"""Core's ORM classes, in the order their tables depend on each other."""

from core.db.migrate import ParkedMigration
from core.outbox import EventDelivery, OutboxEvent
from core.school.models import School

CORE_MODELS: tuple[type, ...] = (School, OutboxEvent, EventDelivery, ParkedMigration)

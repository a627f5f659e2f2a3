"""Column types shared by core and plugins.

Migrations refer to these as ``core.db.types.<Name>`` (the migration template imports the module).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend.

    SQLite hands back naive datetimes; PostgreSQL (asyncpg) rejects naive ones for
    ``timestamptz``. Values are converted to UTC on the way in and come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime (use core.db.utcnow())")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    def __repr__(self) -> str:
        return "UTCDateTime()"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)

"""Database access: the declarative base, column types, engines and sessions."""

from core.db.base import Base
from core.db.session import Database
from core.db.types import UTCDateTime, utcnow

__all__ = ["Base", "Database", "UTCDateTime", "utcnow"]

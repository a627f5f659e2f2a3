"""Schools. Everything that belongs to a school carries its ``school_id``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))  # full name, as on documents
    short_name: Mapped[str] = mapped_column(String(100))  # «МАОУ СОШ № 20»
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Asia/Yekaterinburg
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The school's rule that every minor student has a legal representative on record before admission.
    representative_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Password and sign-in rules the school chose (recorded in the audit log when changed): by
    # default no composition rule and no periodic change (NIST SP 800-63B, OWASP ASVS 2.1).
    password_needs_letters_and_digits: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_max_age_days: Mapped[int | None] = mapped_column()  # None: no forced change
    two_factor: Mapped[str] = mapped_column(String(16), default="optional", server_default="optional")  # TWO_FACTOR_MODES
    # How long the audit log keeps the school's records (FSTEC order 21, РСБ.7): a year by default.
    audit_retention_days: Mapped[int] = mapped_column(default=365, server_default="365")


# off: staff cannot turn it on; optional: any staff member may; admins: required for the
# administrative roles (ADMINISTRATIVE_ROLES in core.auth.policy).
TWO_FACTOR_MODES = ("off", "optional", "admins")
AUDIT_RETENTION_DAYS = range(365, 3651)  # from one year to ten


class SchoolModule(Base):
    """A plugin switched on or off for one school (no row: on)."""

    __tablename__ = "school_module"
    __table_args__ = (UniqueConstraint("school_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

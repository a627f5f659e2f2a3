"""Audit records. The table refuses UPDATE and DELETE (a trigger on both backends)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow


class AuditRecord(Base):
    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_school_at", "school_id", "at"), Index("ix_audit_record_actor_at", "actor_id", "at"),
                      {"sqlite_autoincrement": True})  # ids never come back after retention removed the newest

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(64))  # "<owner>.<what>", e.g. "core.login_failed"
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))  # "ok", "denied", "failed"
    address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[str | None] = mapped_column(Text)  # JSON; never a password or a session id


class AuditSeal(Base):
    """A sealed batch of one school's records (``school_id`` None: the installation's own records,
    such as failed sign-ins with an unknown login).

    ``head`` is SHA-256 over ``previous_head`` and each record of the batch in id order (see
    ``core.audit.chain``); every batch continues the school's previous one, so a record changed,
    removed or added afterwards breaks the chain. ``through_id`` is the highest record id of the
    whole sealing round: a record of this school with an id up to it and outside every batch was
    added after sealing. Append-only like the records.
    """

    __tablename__ = "audit_seal"
    __table_args__ = (Index("ix_audit_seal_school", "school_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"))
    first_id: Mapped[int] = mapped_column()
    last_id: Mapped[int] = mapped_column()
    through_id: Mapped[int] = mapped_column()
    records: Mapped[int] = mapped_column()
    newest_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the latest record's time: retention purges whole batches
    previous_head: Mapped[str] = mapped_column(String(64))
    head: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditPurge(Base):
    """Records removed at the end of their retention: a school's batches up to ``through_seal_id``.
    The database lets records be deleted only when a purge row covers them."""

    __tablename__ = "audit_purge"
    __table_args__ = (Index("ix_audit_purge_school", "school_id", "through_seal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="RESTRICT"))
    through_seal_id: Mapped[int] = mapped_column(ForeignKey("audit_seal.id", ondelete="RESTRICT"))
    records: Mapped[int] = mapped_column()
    older_than: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DataView(Base):
    """A staff member looked at a person's records (``kind`` "person": their card), at a class's
    (``kind`` "class": its list, its summaries) or at a subject page's (``kind`` "page": its
    journal) — what a parent sees under «who viewed my child's data». One row per viewer, object,
    purpose and day, counted: a page opened twenty times is one row, not twenty."""

    __tablename__ = "data_view"
    __table_args__ = (
        UniqueConstraint("school_id", "kind", "object_id", "viewer_id", "what", "day"),
        Index("ix_data_view_viewer", "viewer_id", "day"),
        Index("ix_data_view_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # VIEW_KINDS in core.audit.views
    object_id: Mapped[int] = mapped_column()
    viewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(String(100))  # an English msgid: «the class journal»
    day: Mapped[date] = mapped_column(Date)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    times: Mapped[int] = mapped_column(default=1)

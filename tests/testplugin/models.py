"""The test plugin's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UTCDateTime, utcnow


class Note(Base):
    __tablename__ = "testplugin_note"
    __table_args__ = (UniqueConstraint("school_id", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReceivedEvent(Base):
    """What the event subscriber saw; the unique key makes the handler idempotent."""

    __tablename__ = "testplugin_received_event"
    __table_args__ = (UniqueConstraint("name", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandlerAttempt(Base):
    """Each time the subscriber ran for a subject, so tests can make it fail a set number of times."""

    __tablename__ = "testplugin_handler_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)

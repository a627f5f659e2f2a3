"""The diary's own records: private calendar feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow


class DiaryFeed(Base):
    """A private iCalendar address of one student's lessons and homework, for one person (the
    student or a parent). Only the token's hash is kept: the address is shown once, when made;
    making a new one or turning it off kills the old address."""

    __tablename__ = "diary_feed"
    __table_args__ = (Index("ix_diary_feed_owner", "user_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


DIARY_MODELS: tuple[type, ...] = (DiaryFeed,)

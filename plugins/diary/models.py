"""The diary's own records: private calendar feeds, visits (what is new since the last one) and
parents' written refusals of the e-diary service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
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


class DiaryVisit(Base):
    """When a person last looked at a student's diary. A visit is a stretch of looking (half an
    hour away starts the next, on whichever device); what was posted after the previous visit
    (``since``) is shown as new all through the current one."""

    __tablename__ = "diary_visit"
    __table_args__ = (UniqueConstraint("viewer_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the current visit's latest look
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the previous visit's end; None on the first


class DiaryRefusal(Base):
    """A parent's written refusal of the e-diary service (regulation 4.7), recorded by the journal
    administrator: the application's date and document. While it stands the parent sees an
    explanation instead of the diary and has no calendar feed; withdrawing it (a later written
    application) is recorded beside it, never over it."""

    __tablename__ = "diary_refusal"
    __table_args__ = (
        Index("ix_diary_refusal_parent", "parent_id", "school_id"),
        # one standing refusal per parent and school, even when two are recorded at the same moment
        Index("uq_diary_refusal_standing", "school_id", "parent_id", unique=True,
              sqlite_where=text("withdrawn_on IS NULL"), postgresql_where=text("withdrawn_on IS NULL")),
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= refused_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    parent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    refused_on: Mapped[date]  # the written application's date
    document: Mapped[str] = mapped_column(String(300))  # «заявление вх. № 15»
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_on: Mapped[date | None]
    withdrawal_document: Mapped[str] = mapped_column(String(300), default="")
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


DIARY_MODELS: tuple[type, ...] = (DiaryFeed, DiaryVisit, DiaryRefusal)

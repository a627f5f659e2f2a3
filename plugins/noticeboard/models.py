"""The notice board's records: notices, who they are for, their revisions, who has read them.

A notice's body is stored sanitized (``plugins.noticeboard.text``): what is stored is what is shown.
Its audience is a set of targets, each a scope (the school, a grade level, a class, a study group,
or a role) and whom of that scope it reaches (everyone, students, parents, teachers, staff).
Automatic notices (the day's timetable changes of a class) carry an ``auto_key``, so a later change
updates the same notice instead of adding another.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow

SCOPES = ("school", "grade_level", "class", "group", "role")
PEOPLE = ("everyone", "students", "parents", "teachers", "staff")
ACTIONS = ("created", "edited", "withdrawn")


class NoticeboardSettings(Base):
    __tablename__ = "noticeboard_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), unique=True)
    auto_timetable: Mapped[bool] = mapped_column(Boolean, default=False)  # notices from the day's timetable changes


class NoticeboardNotice(Base):
    __tablename__ = "noticeboard_notice"
    __table_args__ = (
        UniqueConstraint("school_id", "auto_key"),
        Index("ix_noticeboard_notice_school_publish", "school_id", "publish_at"),
        CheckConstraint("expire_at IS NULL OR expire_at > publish_at", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # sanitized HTML
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_key: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(default=1)
    search_key: Mapped[str] = mapped_column(Text, default="")  # the title and text folded (ё as е), for search


class NoticeboardAudience(Base):
    """One target of a notice: ``people`` of ``scope`` (``scope_id``: the grade level's number, the
    class's or group's id; ``role`` for a role scope)."""

    __tablename__ = "noticeboard_audience"
    __table_args__ = (
        Index("ix_noticeboard_audience_notice", "notice_id"),
        CheckConstraint("scope IN ('school', 'grade_level', 'class', 'group', 'role')", name="scope"),
        CheckConstraint("people IN ('everyone', 'students', 'parents', 'teachers', 'staff')", name="people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("noticeboard_notice.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(12))
    scope_id: Mapped[int | None]
    role: Mapped[str | None] = mapped_column(String(20))
    people: Mapped[str] = mapped_column(String(10), default="everyone")


class NoticeboardRevision(Base):
    """Every publication, edit and withdrawal, with what the notice said then."""

    __tablename__ = "noticeboard_revision"
    __table_args__ = (
        Index("ix_noticeboard_revision_notice", "notice_id"),
        CheckConstraint("action IN ('created', 'edited', 'withdrawn')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("noticeboard_notice.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(10))
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")  # the targets as the editor's values, for the record
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the times, the pin and the files then
    expire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned: Mapped[bool | None] = mapped_column(Boolean)
    files: Mapped[str] = mapped_column(Text, default="")  # the files' names, one a line


class NoticeboardRead(Base):
    __tablename__ = "noticeboard_read"
    __table_args__ = (UniqueConstraint("notice_id", "user_id"), Index("ix_noticeboard_read_user", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("noticeboard_notice.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoticeboardAttachment(Base):
    """A file of a notice (a timetable, an order, a form to fill), kept in the database, given to
    whoever may read the notice, always as a download."""

    __tablename__ = "noticeboard_attachment"
    __table_args__ = (Index("ix_noticeboard_attachment_notice", "notice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("noticeboard_notice.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


NOTICEBOARD_MODELS: tuple[type, ...] = (
    NoticeboardSettings, NoticeboardNotice, NoticeboardAudience, NoticeboardRevision, NoticeboardRead,
    NoticeboardAttachment,
)

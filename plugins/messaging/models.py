"""The internal mail's records.

A **thread** is a conversation of exactly two people: who wrote first and whom they wrote to, each a
``MessagingParticipant`` (with their own archive flag). A message to several people at once — a
**broadcast** (a class's parents, a journal group) — makes one thread per recipient, so recipients
never see each other and a reply goes to the sender only; the broadcast row keeps what was sent and
lets the sender see who has read it. Each message has a **receipt** for its recipient: unread while
``read_at`` is empty. ``about`` names the students a message concerns for that recipient (a parent of
a failing student sees their own child only).

Attachments are kept in the database (``MessagingFile``, one row per distinct content): every app
process on every host reaches them, backups hold them, and nothing lies in a web root. Copies by
e-mail are recorded per message and recipient, so the handler sends each once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow


class MessagingSettings(Base):
    """A school's choices: how long messages are kept and how far families and teachers may write
    (a school can tighten the defaults of the regulation, never widen them)."""

    __tablename__ = "messaging_settings"
    __table_args__ = (CheckConstraint("retention_years BETWEEN 1 AND 75", name="retention"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), unique=True)
    retention_years: Mapped[int] = mapped_column(default=5)
    students_write: Mapped[bool] = mapped_column(Boolean, default=True)  # students may write at all
    families_to_subject_teachers: Mapped[bool] = mapped_column(Boolean, default=True)  # else class teacher and administration
    teachers_to_students: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessagingBroadcast(Base):
    """One message sent to many at once; each recipient's copy lives in a thread of its own."""

    __tablename__ = "messaging_broadcast"
    __table_args__ = (Index("ix_messaging_broadcast_sender", "sender_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    groups: Mapped[str] = mapped_column(String(1000), default="")  # the chosen groups and people, for the sender's list
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessagingThread(Base):
    __tablename__ = "messaging_thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("messaging_broadcast.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class MessagingParticipant(Base):
    __tablename__ = "messaging_participant"
    __table_args__ = (
        UniqueConstraint("thread_id", "user_id"),
        Index("ix_messaging_participant_user", "user_id", "archived"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("messaging_thread.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    has_incoming: Mapped[bool] = mapped_column(Boolean, default=False)  # someone wrote to them here: in their inbox


class MessagingMessage(Base):
    __tablename__ = "messaging_message"
    __table_args__ = (
        Index("ix_messaging_message_thread", "thread_id", "id"),
        Index("ix_messaging_message_sender", "sender_id", "created_at"),
        Index("ix_messaging_message_broadcast", "broadcast_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("messaging_thread.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("messaging_broadcast.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    about: Mapped[str] = mapped_column(String(1000), default="")  # the students it concerns, for its recipient
    search_key: Mapped[str] = mapped_column(Text, default="")  # sender, subject and text casefolded (ё as е)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessagingReceipt(Base):
    """A message's arrival at its recipient; read when ``read_at`` is set (the sender sees when)."""

    __tablename__ = "messaging_receipt"
    __table_args__ = (
        UniqueConstraint("message_id", "recipient_id"),
        Index("ix_messaging_receipt_unread", "recipient_id", "school_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messaging_message.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("messaging_thread.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MessagingFile(Base):
    """An attachment's bytes, once per distinct content (a broadcast's copies share them)."""

    __tablename__ = "messaging_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)


class MessagingAttachment(Base):
    __tablename__ = "messaging_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messaging_message.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("messaging_file.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]


class MessagingEmailChoice(Base):
    """A person's wish to get copies of new messages by e-mail, and where."""

    __tablename__ = "messaging_email_choice"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessagingEmailCopy(Base):
    """A copy by e-mail, one per message and recipient whatever the retries: waiting until
    ``sent_at`` is set, or ``given_up`` (the server refused the address for good, or it stayed
    unsent for days). ``claimed_until``: a sender is at it, nobody else takes it meanwhile."""

    __tablename__ = "messaging_email_copy"
    __table_args__ = (
        UniqueConstraint("message_id", "recipient_id"),
        Index("ix_messaging_email_copy_waiting", "sent_at", "given_up", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messaging_message.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    given_up: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


MESSAGING_MODELS = (MessagingSettings, MessagingBroadcast, MessagingThread, MessagingParticipant, MessagingMessage,
                    MessagingReceipt, MessagingFile, MessagingAttachment, MessagingEmailChoice, MessagingEmailCopy)

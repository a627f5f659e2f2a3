"""Accounts, role grants, server-side sessions and external identities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow


class UserAccount(Base):
    """A person's account. A person may hold several roles in several schools (``RoleGrant``)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)  # stored casefolded
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: cannot sign in with a password
    is_blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_address: Mapped[str | None] = mapped_column(String(64))
    # The sign-in before the last one: shown to the person after they sign in (regulation 3.5).
    previous_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_login_address: Mapped[str | None] = mapped_column(String(64))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An issued one-time password: it works until ``password_expires_at`` and only to set a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (RFC 6238): the shared secret once enrolment is confirmed, and the last
    # accepted time step, so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column()


class RoleGrant(Base):
    """``role`` for ``user`` in ``school``; the platform operator's grant has no school."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "school_id", "role"), Index("ix_role_grant_school_role", "school_id", "role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class UserSession(Base):
    """A server-side session. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"))  # current school
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator app; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """A failed sign-in step (password or second-factor code), by the login typed and the
    address it came from: the lockout counts these. Kept for a day."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_login", "login", "address", "at"), Index("ix_login_attempt_address", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))  # casefolded, as typed: unknown logins count too
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    step: Mapped[str] = mapped_column(String(16), default="password")  # "password" or "code"


class ExternalIdentity(Base):
    """A sign-in through an outside provider (Госуслуги/ESIA, OIDC), linked to an account."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))  # "esia", ...
    subject: Mapped[str] = mapped_column(String(200))  # the provider's stable id of the person
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

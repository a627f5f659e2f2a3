"""Accounts and sessions. Services flush; the caller's write session commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES, SCHOOLLESS
from core.auth.models import RoleGrant, UserAccount, UserSession
from core.auth.passwords import Passwords
from core.db.types import utcnow
from core.i18n import gettext as _
from core.school.models import School, SchoolModule

SESSION_LIFETIME = timedelta(hours=12)
LAST_SEEN_EVERY = timedelta(minutes=1)  # how stale last_seen_at may get before a write
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
# Roles ordered from most to least powerful, for "acting as" in the audit log.
ROLE_PRECEDENCE = (
    "operator", "journal_admin", "director", "deputy", "engineer", "secretary", "dispatcher", "site_admin",
    "class_teacher", "teacher", "parent", "student",
)


class AccountError(ValueError):
    """Input an account cannot be created or changed from; the message is for the person."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalize_login(login: str) -> str:
    return login.strip().casefold()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person as one request sees them."""

    id: int
    login: str
    full_name: str
    session_id: str
    school_id: int | None  # the current school
    roles: frozenset[str]  # roles in the current school (and installation-wide ones)
    schools: tuple[tuple[int, str], ...] = field(default=())  # (id, short name) of every school they belong to
    last_seen_at: datetime | None = None
    disabled_modules: frozenset[str] = frozenset()  # plugins switched off in the current school
    all_roles: frozenset[str] = frozenset()  # in every school: for the pages before a school is chosen
    school_name: str | None = None  # the current school's full name

    @property
    def primary_role(self) -> str | None:
        return next((role for role in ROLE_PRECEDENCE if role in self.roles), None)

    @property
    def is_operator(self) -> bool:
        return "operator" in self.roles



class AccountService:
    def __init__(self, session: AsyncSession, passwords: Passwords) -> None:
        self.session = session
        self.passwords = passwords

    async def problems(self, *, login: str, full_name: str, password: str | None) -> dict[str, str]:
        """Every reason the account cannot be created, by form field (empty: it can)."""
        login, full_name = normalize_login(login), " ".join(full_name.split())
        found: dict[str, str] = {}
        if not full_name:
            found["full_name"] = _("Enter the person's full name.")
        elif len(full_name) > 200:
            found["full_name"] = _("The full name is too long.")
        if not LOGIN_PATTERN.match(login):
            found["login"] = _("A login is 3 to 64 Latin letters, digits, dots, hyphens or underscores.")
        elif await self.session.scalar(select(UserAccount.id).where(UserAccount.login == login)) is not None:
            found["login"] = _("This login is already taken.")
        if password is not None:
            problem = password_problem(password)
            if problem:
                found["password"] = problem
        return found

    async def create(self, *, login: str, full_name: str, password: str | None = None) -> UserAccount:
        problems = await self.problems(login=login, full_name=full_name, password=password)
        if problems:
            field, message = next(iter(problems.items()))
            raise AccountError(message, field)
        user = UserAccount(login=normalize_login(login), full_name=" ".join(full_name.split()))
        if password is not None:
            user.password_hash = await self.passwords.hash_async(password)
        self.session.add(user)
        await self.session.flush()
        return user

    async def get(self, user_id: int) -> UserAccount | None:
        return await self.session.get(UserAccount, user_id)

    async def set_password(self, user: UserAccount, password: str) -> None:
        problem = password_problem(password)
        if problem:
            raise AccountError(problem, "password")
        user.password_hash = await self.passwords.hash_async(password)
        await self.end_sessions(user.id)

    async def set_blocked(self, user: UserAccount, blocked: bool) -> None:
        user.is_blocked = blocked
        if blocked:
            await self.end_sessions(user.id)

    async def grant(self, user: UserAccount, school_id: int | None, role: str, granted_by: int | None) -> bool:
        """Give ``role``; False when the user already had it. Ends the user's sessions."""
        if role not in ROLES:
            raise AccountError(_("Unknown role."), "role")
        if (role in SCHOOLLESS) != (school_id is None):
            raise AccountError(_("This role is given for the whole installation, not for a school."), "role")
        exists = await self.session.scalar(
            select(RoleGrant.id).where(RoleGrant.user_id == user.id, RoleGrant.role == role, _same_school(school_id))
        )
        if exists is not None:
            return False
        self.session.add(RoleGrant(user_id=user.id, school_id=school_id, role=role, granted_by=granted_by))
        await self.end_sessions(user.id)
        return True

    async def revoke(self, user: UserAccount, school_id: int | None, role: str) -> bool:
        result = await self.session.execute(
            delete(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role, _same_school(school_id))
        )
        if result.rowcount:
            await self.end_sessions(user.id)
        return bool(result.rowcount)

    async def grants(self, user_id: int) -> list[tuple[int | None, str]]:
        rows = await self.session.execute(
            select(RoleGrant.school_id, RoleGrant.role).where(RoleGrant.user_id == user_id).order_by(RoleGrant.id)
        )
        return [(school_id, role) for school_id, role in rows]

    async def authenticate(self, login: str, password: str) -> UserAccount | None:
        """The account if the password matches; unknown logins take as long as wrong passwords.

        Call it in a read session: the check runs in a worker thread, and no write lock should be
        held for its ~170 ms."""
        user = (await self.session.execute(select(UserAccount).where(UserAccount.login == normalize_login(login)))).scalar_one_or_none()
        matched = await self.passwords.verify_async(user.password_hash if user else None, password[:MAX_PASSWORD])
        return user if matched and user is not None and len(password) <= MAX_PASSWORD else None

    async def end_sessions(self, user_id: int) -> None:
        await self.session.execute(delete(UserSession).where(UserSession.user_id == user_id))



def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return _("A password needs at least %(count)d characters.", count=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _("A password can be at most %(count)d characters long.", count=MAX_PASSWORD)
    return None


def _same_school(school_id: int | None) -> Any:
    return RoleGrant.school_id.is_(None) if school_id is None else RoleGrant.school_id == school_id


class SessionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, user: UserAccount, *, address: str | None, user_agent: str | None) -> str:
        """A new session for ``user`` (a new token every login); returns the cookie token."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        schools = await self.schools_of(user.id)
        self.session.add(
            UserSession(
                id=hash_token(token), user_id=user.id, school_id=schools[0][0] if len(schools) == 1 else None,
                created_at=now, last_seen_at=now, expires_at=now + SESSION_LIFETIME,
                address=address, user_agent=(user_agent or "")[:300],
            )
        )
        user.last_login_at = now
        return token

    async def end(self, token: str) -> None:
        await self.session.execute(delete(UserSession).where(UserSession.id == hash_token(token)))

    async def choose_school(self, session_id: str, school_id: int) -> None:
        await self.session.execute(update(UserSession).where(UserSession.id == session_id).values(school_id=school_id))

    async def schools_of(self, user_id: int) -> list[tuple[int, str]]:
        """Schools where the user holds a role (every school for the operator), by name."""
        operator = await self.session.scalar(
            select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.school_id.is_(None)).limit(1)
        )
        query = select(School.id, School.short_name).order_by(School.short_name, School.id)
        if operator is None:
            query = query.where(School.id.in_(select(RoleGrant.school_id).where(RoleGrant.user_id == user_id)))
        return [(school_id, name) for school_id, name in await self.session.execute(query)]

    async def load(self, token: str, now: datetime | None = None) -> CurrentUser | None:
        """The user of a live session (not expired, account not blocked), with their roles and the
        current school's switched-off modules, in one statement (a row per grant × module off)."""
        now = now or utcnow()
        off = (
            select(SchoolModule.school_id, SchoolModule.plugin).where(SchoolModule.enabled.is_(False)).subquery()
        )
        rows = (
            await self.session.execute(
                select(
                    UserSession.id, UserSession.school_id, UserSession.last_seen_at,
                    UserAccount.id, UserAccount.login, UserAccount.full_name,
                    RoleGrant.school_id, RoleGrant.role, School.short_name, School.name, off.c.plugin,
                )
                .join(UserAccount, UserAccount.id == UserSession.user_id)
                .outerjoin(RoleGrant, RoleGrant.user_id == UserAccount.id)
                .outerjoin(School, School.id == RoleGrant.school_id)
                .outerjoin(off, off.c.school_id == UserSession.school_id)
                .where(UserSession.id == hash_token(token), UserSession.expires_at > now, UserAccount.is_blocked.is_(False))
            )
        ).all()
        if not rows:
            return None
        session_id, school_id, last_seen_at, user_id, login, full_name = rows[0][:6]
        grants = {(row[6], row[7], row[8], row[9]) for row in rows if row[7] is not None}
        disabled = frozenset(row[10] for row in rows if row[10] is not None)
        roles = frozenset(role for grant_school, role, _short, _name in grants if grant_school is None or grant_school == school_id)
        if school_id is None:
            roles = frozenset(role for grant_school, role, _short, _name in grants if grant_school is None)
        schools = tuple(sorted({(s, n) for s, _r, n, _f in grants if s is not None}, key=lambda item: (item[1], item[0])))
        school_name = next((full for s, _r, _n, full in grants if s == school_id and s is not None), None)
        if school_name is None and school_id is not None:  # the operator works in schools without a grant there
            school_name = await self.session.scalar(select(School.name).where(School.id == school_id))
        return CurrentUser(
            id=user_id, login=login, full_name=full_name, session_id=session_id, school_id=school_id,
            roles=roles, schools=schools, last_seen_at=last_seen_at, disabled_modules=disabled,
            all_roles=frozenset(role for _school, role, _short, _name in grants), school_name=school_name,
        )

    async def touch(self, session_id: str, now: datetime | None = None) -> None:
        await self.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now or utcnow()))

    async def delete_expired(self, now: datetime | None = None) -> int:
        result = await self.session.execute(delete(UserSession).where(UserSession.expires_at <= (now or utcnow())))
        return result.rowcount or 0

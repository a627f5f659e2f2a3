"""Accounts and sessions. Services flush; the caller's write session commits."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.access.roles import ROLES, SCHOOLLESS
from core.auth.models import RecoveryCode, RoleGrant, UserAccount, UserSession
from core.auth.passwords import Passwords
from core.auth.policy import ADMINISTRATIVE_ROLES, MAX_PASSWORD, PasswordRules, is_staff, password_problem
from core.db.types import utcnow
from core.i18n import gettext as _
from core.school.models import School, SchoolModule

SESSION_LIFETIME = timedelta(hours=12)
SESSION_IDLE = timedelta(minutes=30)
LAST_SEEN_EVERY = timedelta(minutes=1)  # how stale last_seen_at may get before a write
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# One-time passwords: no look-alike characters (0/o, 1/l/i), read aloud or copied from paper.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
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
    school_timezone: str = "UTC"  # the current school's IANA zone: its dates
    must_change_password: bool = False  # signed in with a one-time or expired password
    second_factor_missing: bool = False  # the school requires a second factor this person has not set up

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
            problem = password_problem(password, PasswordRules(personal_words=(login, full_name)))
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

    async def set_password(self, user: UserAccount, password: str, *, rules: PasswordRules | None = None,
                           keep_session: str | None = None, end_others: bool = True) -> None:
        """A password the person chose; ends their sessions (but ``keep_session``) unless told not to."""
        problem = password_problem(password, rules or await self.rules_for(user))
        if problem:
            raise AccountError(problem, "password")
        user.password_hash = await self.passwords.hash_async(password)
        user.password_changed_at, user.must_change_password, user.password_expires_at = utcnow(), False, None
        if end_others:
            await self.end_sessions(user.id, keep=keep_session)

    async def set_one_time(self, users: list[UserAccount], hashes: dict[int, str], *, hours: int) -> None:
        """Give each user their one-time password (valid ``hours``, to be changed at the first
        sign-in): it replaces the previous password and ends their sessions. The passwords
        themselves are shown once, on the printed protocol, and never stored."""
        expires = utcnow() + timedelta(hours=hours)
        for user in users:
            user.password_hash, user.must_change_password, user.password_expires_at = hashes[user.id], True, expires
            user.password_changed_at = utcnow()
        if users:
            await self.session.execute(delete(UserSession).where(UserSession.user_id.in_([u.id for u in users])))

    async def rules_for(self, user: UserAccount) -> PasswordRules:
        """The password rules for ``user``: staff length if any grant is a staff one, and the
        strictest choice of their schools; their names, login and schools' names are refused."""
        from core.people.models import PersonProfile  # people build on auth, not the other way round

        rows = (await self.session.execute(
            select(RoleGrant.role, School.name, School.short_name, School.password_needs_letters_and_digits)
            .outerjoin(School, School.id == RoleGrant.school_id).where(RoleGrant.user_id == user.id)
        )).all()
        profile = await self.session.get(PersonProfile, user.id)
        words = [user.login, user.full_name] + ([profile.last_name, profile.first_name] if profile else [])
        words += [name for row in rows for name in (row[1], row[2]) if name]
        return PasswordRules(staff=is_staff(row[0] for row in rows), needs_letters_and_digits=any(bool(row[3]) for row in rows),
                             personal_words=tuple(words))

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

    async def end_sessions(self, user_id: int, *, keep: str | None = None) -> None:
        query = delete(UserSession).where(UserSession.user_id == user_id)
        if keep is not None:
            query = query.where(UserSession.id != keep)
        await self.session.execute(query)

    async def set_recovery_codes(self, user_id: int) -> list[str]:
        """Ten new recovery codes (the old ones stop working), shown once."""
        await self.clear_recovery_codes(user_id)
        codes = [f"{_chunk()}-{_chunk()}" for _ in range(10)]
        self.session.add_all(RecoveryCode(user_id=user_id, code_hash=hash_token(code.replace("-", ""))) for code in codes)
        return codes

    async def clear_recovery_codes(self, user_id: int) -> None:
        await self.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))

    async def use_recovery_code(self, user_id: int, code: str) -> bool:
        normalized = "".join(code.split()).replace("-", "").casefold()
        if len(normalized) > 20:
            return False
        result = await self.session.execute(
            update(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == hash_token(normalized),
                                       RecoveryCode.used_at.is_(None)).values(used_at=utcnow())
        )
        return bool(result.rowcount)



def _chunk(length: int = 4) -> str:
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(length))


async def new_one_time(passwords: Passwords, user_ids: list[int]) -> tuple[dict[int, str], dict[int, str]]:
    """One-time passwords and their hashes, by user id, hashed on both cores. Call it before the
    write session: a batch of a hundred must not hold the write lock."""
    plain = {user_id: one_time_password() for user_id in user_ids}
    hashes = await asyncio.gather(*(passwords.hash_async(plain[user_id]) for user_id in user_ids))
    return plain, dict(zip(user_ids, hashes))


def one_time_password() -> str:
    """Twelve characters of a 31-letter alphabet (59 bits) in groups of four: «k7pm-x3ta-9qfe»."""
    return "-".join(_chunk() for _ in range(3))


def _same_school(school_id: int | None) -> Any:
    return RoleGrant.school_id.is_(None) if school_id is None else RoleGrant.school_id == school_id


class SessionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, user: UserAccount, *, address: str | None, user_agent: str | None,
                    lifetime: timedelta = SESSION_LIFETIME, limits: dict[str, int] | None = None) -> str:
        """A new session for ``user`` (a new token every login); returns the cookie token. With
        per-role ``limits``, the person's oldest sessions beyond their limit end."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        schools = await self.schools_of(user.id)
        limit = await self._session_limit(user.id, limits or {})
        if limit is not None:
            kept = select(UserSession.id).where(UserSession.user_id == user.id).order_by(UserSession.created_at.desc()).limit(limit - 1)
            await self.session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.id.not_in(kept)))
        self.session.add(
            UserSession(
                id=hash_token(token), user_id=user.id, school_id=schools[0][0] if len(schools) == 1 else None,
                created_at=now, last_seen_at=now, expires_at=now + lifetime,
                address=address, user_agent=(user_agent or "")[:300],
            )
        )
        user.previous_login_at, user.previous_login_address = user.last_login_at, user.last_login_address
        user.last_login_at, user.last_login_address = now, address
        return token

    async def _session_limit(self, user_id: int, limits: dict[str, int]) -> int | None:
        """The largest limit of the person's roles; None when any role of theirs is unlimited."""
        if not limits:
            return None
        roles = set(await self.session.scalars(select(RoleGrant.role).where(RoleGrant.user_id == user_id)))
        if not roles or any(role not in limits for role in roles):
            return None
        return max(limits[role] for role in roles)

    async def of_user(self, user_id: int, now: datetime | None = None, idle: timedelta = SESSION_IDLE) -> list[UserSession]:
        """The person's live sessions, the latest first."""
        now = now or utcnow()
        return list(await self.session.scalars(
            select(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at > now, UserSession.last_seen_at > now - idle)
            .order_by(UserSession.last_seen_at.desc())
        ))

    async def end_for_user(self, user_id: int, session_id: str) -> bool:
        """End one of the person's own sessions; False when it is not theirs (or already over)."""
        result = await self.session.execute(delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id))
        return bool(result.rowcount)

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

    async def load(self, token: str, now: datetime | None = None, idle: timedelta = SESSION_IDLE) -> CurrentUser | None:
        """The user of a live session (not expired, not idle, account not blocked), with their
        roles and the current school's switched-off modules and second-factor rule, in one
        statement (a row per grant × module off)."""
        now = now or utcnow()
        current = aliased(School)
        two_factor = select(current.two_factor).where(current.id == UserSession.school_id).correlate(UserSession).scalar_subquery()
        zone = select(current.timezone).where(current.id == UserSession.school_id).correlate(UserSession).scalar_subquery()
        off = (
            select(SchoolModule.school_id, SchoolModule.plugin).where(SchoolModule.enabled.is_(False)).subquery()
        )
        rows = (
            await self.session.execute(
                select(
                    UserSession.id, UserSession.school_id, UserSession.last_seen_at,
                    UserAccount.id, UserAccount.login, UserAccount.full_name,
                    RoleGrant.school_id, RoleGrant.role, School.short_name, School.name, off.c.plugin,
                    UserAccount.must_change_password, UserAccount.totp_secret.is_not(None), two_factor, zone,
                )
                .join(UserAccount, UserAccount.id == UserSession.user_id)
                .outerjoin(RoleGrant, RoleGrant.user_id == UserAccount.id)
                .outerjoin(School, School.id == RoleGrant.school_id)
                .outerjoin(off, off.c.school_id == UserSession.school_id)
                .where(UserSession.id == hash_token(token), UserSession.expires_at > now, UserSession.last_seen_at > now - idle,
                       UserAccount.is_blocked.is_(False))
            )
        ).all()
        if not rows:
            return None
        session_id, school_id, last_seen_at, user_id, login, full_name = rows[0][:6]
        must_change, has_second_factor, school_two_factor, school_timezone = rows[0][11:15]
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
            school_timezone=school_timezone or "UTC",
            must_change_password=bool(must_change),
            second_factor_missing=school_two_factor == "admins" and not has_second_factor and bool(roles & ADMINISTRATIVE_ROLES),
        )

    async def touch(self, session_id: str, now: datetime | None = None) -> None:
        await self.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now or utcnow()))

    async def delete_expired(self, now: datetime | None = None, idle: timedelta = SESSION_IDLE) -> int:
        now = now or utcnow()
        result = await self.session.execute(
            delete(UserSession).where(or_(UserSession.expires_at <= now, UserSession.last_seen_at <= now - idle))
        )
        return result.rowcount or 0

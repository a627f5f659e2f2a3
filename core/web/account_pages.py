"""Signing in (password, then the authenticator code when the person has one) and out, and
choosing the current school."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import client_address, record
from core.auth import totp
from core.auth.defences import LoginGuard, LoginState, delay_after
from core.auth.models import LoginAttempt, RoleGrant, UserAccount
from core.auth.services import AccountService, SessionService, normalize_login
from core.db.types import utcnow
from core.di import FromQuery, NamedDependency, URLEncodedBody
from core.i18n import format_datetime, ngettext
from core.i18n import gettext as _
from core.platform import Platform
from core.school.models import School
from core.web.middleware import cookie_name, cookie_value, set_cookie
from core.web.pages import flash, local_path, redirect, render, validation_error
from core.web.sessions import SESSION_COOKIE, current_user, session_token, signature


@dataclass
class LoginForm:
    login: str = ""
    password: str = ""
    next: str = "/"


@get("/login", name="core:login", opt={"public": True})
async def login_page(request: Request, next: FromQuery[str] = "/") -> Response[str]:
    if current_user(request) is not None:
        return redirect(request, local_path(next))
    return await render(request, "core/login.html", {"form": LoginForm(next=local_path(next)), "error": None})


@post("/login", name="core:login_submit", opt={"public": True})
async def login_submit(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[LoginForm]) -> Response[str]:
    """The password step. Unknown logins, wrong passwords and locks answer alike. The attempt is
    counted first (a short write), then the password is checked (argon2 in a thread) holding no
    write lock."""
    target, address, login = local_path(data.next), client_address(request) or "?", data.login[:200]
    async with platform.db.writing() as session:
        state = await LoginGuard(session, platform.settings.security).attempt(login, address)
    if state.locked_until:
        return await _login_refused(request, data, target, locked=state)
    async with platform.db.reading() as session:
        account = await AccountService(session, platform.passwords).authenticate(login, data.password)
    if account is None:
        return await _login_failed(request, platform, data, target, address)
    refusal = _refusal(account)
    if refusal:
        async with platform.db.writing() as session:
            record(session, "core.login_failed", result="failed", connection=request, actor_id=account.id,
                   details={"login": account.login, "reason": "blocked" if account.is_blocked else "expired"})
        return await _login_refused(request, data, target, message=refusal)
    rehash = bool(account.password_hash and platform.passwords.needs_rehash(account.password_hash))
    if rehash:
        account.password_hash = await platform.passwords.hash_async(data.password)  # today's parameters
    async with platform.db.writing() as session:
        await LoginGuard(session, platform.settings.security).forgive(state.attempt_id)  # the password was right
        if rehash:
            await session.execute(update(UserAccount).where(UserAccount.id == account.id).values(password_hash=account.password_hash))
    if account.totp_secret:
        response = redirect(request, "/login/code?" + urlencode({"next": target}))
        set_cookie(response, request.scope, PENDING_COOKIE, pending_token(platform, account), max_age=int(PENDING_FOR.total_seconds()))
        return response
    return await sign_in(request, platform, account.id, target)


def _refusal(account: UserAccount) -> str | None:
    """Why the right password still does not let this account in."""
    if account.is_blocked:
        return _("This account is blocked. Contact the journal administrator.")
    if account.must_change_password and account.password_expires_at and account.password_expires_at <= utcnow():
        return _("This one-time password has expired. Ask the class teacher or the journal administrator for a new one.")
    return None


async def _login_failed(request: Request, platform: Platform, data: LoginForm, target: str, address: str, *,
                        step: str = "password", account_id: int | None = None) -> Response[str]:
    """Record the failure (already counted), wait a little longer after each one, and answer."""
    async with platform.db.writing() as session:
        details = {"login": data.login.strip()[:64], "step": step}
        if account_id is None:  # a wrong password for a real account belongs in its school's log
            account_id = await session.scalar(select(UserAccount.id).where(UserAccount.login == normalize_login(data.login[:200])))
        schools = set((await session.scalars(select(RoleGrant.school_id).where(
            RoleGrant.user_id == account_id, RoleGrant.school_id.is_not(None)))).all()) if account_id else set()
        school_id = schools.pop() if len(schools) == 1 else None  # several schools: shown to each administrator
        record(session, "core.login_failed", result="failed", connection=request, actor_id=account_id, school_id=school_id,
               details=details)
        state = await LoginGuard(session, platform.settings.security).state(data.login[:200], address, step)
        if state.locked_until:  # this failure started the pause: attempts during it are refused unchecked
            record(session, "core.login_locked", result="denied", connection=request, actor_id=account_id, school_id=school_id,
                   details={**details, "until": state.locked_until.isoformat(timespec="seconds")})
    await asyncio.sleep(delay_after(state.failures))
    if state.locked_until:
        return await _login_refused(request, data, target, locked=state, step=step)
    message = _("Wrong login or password.") if step == "password" else _("Wrong code. Enter the current code from the app or an unused recovery code.")
    return await _login_refused(request, data, target, message=message, step=step)


async def _login_refused(request: Request, data: LoginForm, target: str, *, message: str = "",
                         locked: LoginState | None = None, step: str = "password") -> Response[str]:
    if locked is not None:
        message = locked_message(locked)
    if step == "code":
        return await validation_error(request, "core/login_code.html", {"next": target, "error": message},
                                      partial=("core/_login_code_form.html", "core-login-code-form"))
    return await validation_error(
        request, "core/login.html", {"form": LoginForm(login=data.login[:64], next=target), "error": message},
        partial=("core/_login_form.html", "core-login-form"),
    )


def locked_message(state: LoginState) -> str:
    return _("Too many failed attempts. Signing in with this login from here is paused for %(minutes)d min.",
             minutes=state.wait_minutes(utcnow()))


# ---- the second step: a code from the authenticator app --------------------------------------

PENDING_COOKIE = "zhurnal_pending"  # the password step passed; valid for a few minutes
PENDING_FOR = timedelta(minutes=5)


def pending_token(platform: Platform, account: UserAccount) -> str:
    """``user id.expiry.mac``; the MAC covers the password hash, so a password change voids it."""
    expires = int((utcnow() + PENDING_FOR).timestamp())
    return f"{account.id}.{expires}.{_pending_mac(platform, account.id, expires, account.password_hash or '')}"


def _pending_mac(platform: Platform, user_id: int, expires: int, password_hash: str) -> str:
    return signature(platform.settings.secret_key, "second-factor", f"{user_id}:{expires}:{password_hash}")


async def pending_account(request: Request, session: AsyncSession, platform: Platform) -> UserAccount | None:
    raw = cookie_value(request.scope, cookie_name(request.scope, PENDING_COOKIE)) or ""
    parts = raw.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 10:
        return None
    user_id, expires = int(parts[0]), int(parts[1])
    if expires < utcnow().timestamp():
        return None
    account = await session.get(UserAccount, user_id)
    if account is None or not account.totp_secret:
        return None
    return account if hmac.compare_digest(parts[2], _pending_mac(platform, user_id, expires, account.password_hash or "")) else None


@dataclass
class CodeForm:
    code: str = ""
    next: str = "/"


@get("/login/code", name="core:login_code", opt={"public": True})
async def login_code_page(request: Request, platform: NamedDependency[Platform], next: FromQuery[str] = "/") -> Response[str]:
    async with platform.db.reading() as session:
        account = await pending_account(request, session, platform)
    if account is None:
        return redirect(request, "/login?" + urlencode({"next": local_path(next)}))
    return await render(request, "core/login_code.html", {"next": local_path(next), "error": None})


@post("/login/code", name="core:login_code_submit", opt={"public": True})
async def login_code_submit(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[CodeForm]) -> Response[str]:
    """The code step: limited like passwords (per login and address); a code works once."""
    target, address = local_path(data.next), client_address(request) or "?"
    async with platform.db.writing() as session:
        account = await pending_account(request, session, platform)
        if account is None:
            flash(request, _("The sign-in took too long. Enter your login and password again."), "error")
            return redirect(request, "/login?" + urlencode({"next": target}))
        login, user_id = account.login, account.id
        state = await LoginGuard(session, platform.settings.security).attempt(login, address, "code")
        accepted = False
        if not state.locked_until:
            accepted = await second_factor_accepted(session, platform, account, data.code[:40])
    form = LoginForm(login=login, next=target)
    if state.locked_until:
        return await _login_refused(request, form, target, locked=state, step="code")
    if not accepted:
        return await _login_failed(request, platform, form, target, address, step="code", account_id=user_id)
    response = await sign_in(request, platform, user_id, target, forgive=state.attempt_id)
    set_cookie(response, request.scope, PENDING_COOKIE, "", max_age=0)
    return response


async def second_factor_accepted(session: AsyncSession, platform: Platform, account: UserAccount, code: str) -> bool:
    """A current authenticator code not used before, or an unused recovery code (used up now).
    The step is taken by a conditional update: of two requests with one code, one wins."""
    assert account.totp_secret is not None
    step = totp.matching_step(account.totp_secret, code, after=account.totp_last_step)
    if step is not None:
        taken = await session.execute(
            update(UserAccount).where(UserAccount.id == account.id,
                                      or_(UserAccount.totp_last_step.is_(None), UserAccount.totp_last_step < step))
            .values(totp_last_step=step)
        )
        return bool(taken.rowcount)
    if len("".join(code.split())) != totp.DIGITS:  # a recovery code is longer, whatever its characters
        return await AccountService(session, platform.passwords).use_recovery_code(account.id, code)
    return False


async def sign_in(request: Request, platform: Platform, user_id: int, target: str, *, forgive: int | None = None) -> Response[str]:
    """Start a session (a new token at every sign-in) and tell the person about the last one."""
    security = platform.settings.security
    address = client_address(request)
    async with platform.db.writing() as session:
        account = await session.get(UserAccount, user_id)
        assert account is not None
        old_token = session_token(request.scope)
        sessions = SessionService(session)
        if old_token:
            await sessions.end(old_token)
        guard = LoginGuard(session, security)
        await guard.forgive(forgive)  # the code just accepted
        timezone, max_age_days = (await session.execute(
            select(func.min(School.timezone), func.min(School.password_max_age_days))  # min: the strictest school's age
            .join(RoleGrant, RoleGrant.school_id == School.id).where(RoleGrant.user_id == account.id)
        )).one()
        notice = await _previous_login_notice(session, account, timezone)  # before this address's failures are forgiven
        await guard.succeeded(account.login, address or "?")
        _expire_old_password(account, max_age_days)
        token = await sessions.start(account, address=address, user_agent=request.headers.get("user-agent"),
                                     lifetime=timedelta(hours=security.session_hours), limits=dict(security.session_limits))
        schools = await sessions.schools_of(account.id)
        record(session, "core.login", connection=request, actor_id=account.id,
               school_id=schools[0][0] if len(schools) == 1 else None)
    if notice:
        flash(request, notice, "info")
    response = redirect(request, target if len(schools) <= 1 else "/school?" + urlencode({"next": target}))
    set_cookie(response, request.scope, SESSION_COOKIE, token, max_age=security.session_hours * 3600)
    return response


def _expire_old_password(account: UserAccount, days: int | None) -> None:
    """The school's periodic change, when it chose one: an old password works once more, to set a new one."""
    changed = account.password_changed_at or account.created_at
    if days and changed and changed < utcnow() - timedelta(days=days):
        account.must_change_password = True


async def _previous_login_notice(session: AsyncSession, account: UserAccount, timezone: str | None) -> str | None:
    """«Previous sign-in: …, from …», and the failures since then, so a person notices a stranger."""
    if account.last_login_at is None:  # about to become the previous one
        return None
    failures = await session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.login == account.login, LoginAttempt.at > account.last_login_at)
    )
    notice = _("Previous sign-in: %(when)s, from %(address)s.", when=format_datetime(account.last_login_at, timezone, "short"),
               address=account.last_login_address or "?")
    if failures:
        notice += " " + ngettext("Since then, %(num)d failed attempt to sign in with your login.",
                                 "Since then, %(num)d failed attempts to sign in with your login.", failures)
    return notice


@post("/logout", name="core:logout", opt={"public": True})  # also after the session ended
async def logout(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    async with platform.db.writing() as session:
        token = session_token(request.scope)
        if token:
            await SessionService(session).end(token)
        if current_user(request) is not None:
            record(session, "core.logout", connection=request)
    response = redirect(request, "/login")
    set_cookie(response, request.scope, SESSION_COOKIE, "", max_age=0)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@dataclass
class SchoolForm:
    school_id: int = 0
    next: str = "/"


@get("/school", name="core:choose_school", opt={"permission": "core.use_site", "schoolless": True})
async def choose_school_page(request: Request, platform: NamedDependency[Platform], next: FromQuery[str] = "/") -> Response[str]:
    user = current_user(request)
    assert user is not None
    async with platform.db.reading() as session:
        schools = await SessionService(session).schools_of(user.id)
    return await render(request, "core/choose_school.html", {"schools": schools, "next": local_path(next), "error": None})


@post("/school", name="core:choose_school_submit", opt={"permission": "core.use_site", "schoolless": True})
async def choose_school(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[SchoolForm]) -> Response[str]:
    user = current_user(request)
    assert user is not None
    async with platform.db.writing() as session:
        sessions = SessionService(session)
        schools = dict(await sessions.schools_of(user.id))
        if data.school_id in schools:
            await sessions.choose_school(user.session_id, data.school_id)
            record(session, "core.school_chosen", connection=request, school_id=data.school_id)
    if data.school_id not in schools:  # a forged or stale id: nothing changed
        return await render(
            request, "core/choose_school.html",
            {"schools": list(schools.items()), "next": local_path(data.next), "error": _("Choose one of your schools.")},
            status_code=422,
        )
    return redirect(request, local_path(data.next))


ROUTES = [login_page, login_submit, login_code_page, login_code_submit, logout, choose_school_page, choose_school]

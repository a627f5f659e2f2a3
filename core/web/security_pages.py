"""A person's own account: the password, the sessions signed in, the second factor (regulation
3.5: everyone keeps their credentials safe). These pages work before a school is chosen and while
the person must first set their own password or the second factor their school requires."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import segno
from litestar import Request, Response, get, post
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.log import client_address, record
from core.auth import totp
from core.auth.defences import LoginGuard, delay_after
from core.auth.models import RoleGrant, UserAccount
from core.auth.policy import ADMINISTRATIVE_ROLES, is_staff
from core.auth.services import AccountError, AccountService, CurrentUser, SessionService, hash_token
from core.di import FromPath, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.platform import Platform
from core.school.models import School
from core.web.account_pages import locked_message
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user, signature

ACCOUNT = {"permission": "core.use_site", "schoolless": True, "account_setup": True}


def _user(request: Request) -> CurrentUser:
    user = current_user(request)
    assert user is not None
    return user


async def second_factor_required(session: AsyncSession, user_id: int) -> bool:
    """A school of the person requires the second factor of one of their roles there."""
    return bool(await session.scalar(select(exists().where(
        RoleGrant.user_id == user_id, RoleGrant.role.in_(ADMINISTRATIVE_ROLES), School.id == RoleGrant.school_id,
        School.two_factor == "admins"))))


def session_handle(session_id: str) -> str:
    """What a page names a session by: not its stored id, which the CSRF token is derived from."""
    return hash_token(session_id)[:16]


async def _account_context(request: Request, session: AsyncSession, platform: Platform) -> dict[str, Any]:
    user = _user(request)
    account = await session.get(UserAccount, user.id)
    assert account is not None
    idle = timedelta(minutes=platform.settings.security.idle_minutes)
    sessions = await SessionService(session).of_user(user.id, idle=idle)
    school = await session.get(School, user.school_id) if user.school_id else None
    mode, timezone = (school.two_factor, school.timezone) if school else ("optional", None)
    return {
        "account": account, "sessions": [(session_handle(s.id), s, s.id == user.session_id) for s in sessions],
        "two_factor_offered": mode != "off" and is_staff(user.all_roles),
        "timezone": timezone, "errors": {}, "must_change": user.must_change_password,
        "recovery_codes": None, "secret": None, "error": None, "off_error": None,
        "second_factor_required": await second_factor_required(session, user.id),
    }


async def _page(request: Request, platform: Platform, template: str, build: Any = _account_context, *,
                extra: dict[str, Any] | None = None, status_code: int = 200) -> Response[str]:
    async with platform.db.reading() as session:
        context = await build(request, session, platform)
    return await render(request, template, {**context, **(extra or {})}, status_code=status_code)


@get(["/account", "/account/password"], name="core:account", opt=ACCOUNT)  # where a one-time password sends people
async def account_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    return await _page(request, platform, "core/account.html")


async def current_password_error(request: Request, platform: Platform, user: CurrentUser, password: str) -> str | None:
    """None when ``password`` is the person's own. Checked like a sign-in: counted first, limited
    by the same lock, a wrong one delayed, so an open session does not let anyone guess it."""
    address = client_address(request) or "?"
    async with platform.db.writing() as session:
        state = await LoginGuard(session, platform.settings.security).attempt(user.login, address)
    if state.locked_until:
        return locked_message(state)
    async with platform.db.reading() as session:
        right = await AccountService(session, platform.passwords).authenticate(user.login, password) is not None
    async with platform.db.writing() as session:
        guard = LoginGuard(session, platform.settings.security)
        if right:
            await guard.succeeded(user.login, address)
            return None
        record(session, "core.password_check_failed", result="failed", connection=request, object_type="user", object_id=user.id)
        state = await guard.state(user.login, address)
    await asyncio.sleep(delay_after(state.failures))
    return locked_message(state) if state.locked_until else _("The current password is wrong.")


@dataclass
class PasswordChangeForm:
    current: str = ""
    password: str = ""
    repeat: str = ""
    end_others: str = ""


@post("/account/password", name="core:account_password_change", opt=ACCOUNT)
async def change_password(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[PasswordChangeForm]) -> Response[str]:
    """Needs the current password (a wrong one counts towards the sign-in lock); the new one must
    pass the rules; other sessions end when asked, and always after a one-time password."""
    user = _user(request)
    errors: dict[str, str] = {}
    wrong = await current_password_error(request, platform, user, data.current)
    if wrong:
        errors["current"] = wrong
    elif data.password != data.repeat:
        errors["repeat"] = _("The two new passwords differ.")
    elif data.password == data.current:
        errors["password"] = _("The new password must differ from the current one.")
    if not errors:
        async with platform.db.writing() as session:
            account = await session.get(UserAccount, user.id)
            assert account is not None
            service = AccountService(session, platform.passwords)
            try:
                end_all_others = data.end_others == "1" or user.must_change_password
                await service.set_password(account, data.password, keep_session=user.session_id, end_others=end_all_others)
                record(session, "core.password_changed", connection=request, object_type="user", object_id=user.id,
                       details={"other_sessions_ended": end_all_others})
            except AccountError as exc:
                errors[exc.field or "password"] = str(exc)
                await session.rollback()
    if errors:
        return await _page(request, platform, "core/account.html", extra={"errors": errors}, status_code=422)
    flash(request, _("Your password was changed."))
    return redirect(request, "/account" if not user.must_change_password else "/")


@post("/account/sessions/{handle:str}/end", name="core:account_session_end", opt=ACCOUNT)
async def end_session(request: Request, handle: FromPath[str], platform: NamedDependency[Platform]) -> Response[str]:
    """Sign out one of one's own sessions (a phone left somewhere); a handle of someone else's
    session matches none of one's own and ends nothing."""
    user = _user(request)
    async with platform.db.writing() as session:
        service = SessionService(session)
        idle = timedelta(minutes=platform.settings.security.idle_minutes)
        mine = {session_handle(s.id): s.id for s in await service.of_user(user.id, idle=idle)}
        session_id = mine.get(handle[:32])
        if session_id is not None and session_id != user.session_id:
            await service.end_for_user(user.id, session_id)
            record(session, "core.session_ended", connection=request, object_type="user", object_id=user.id)
    if session_id is None or session_id == user.session_id:
        flash(request, _("That session has already ended."), "info")
    else:
        flash(request, _("The session was ended."))
    return redirect(request, "/account")


@post("/account/sessions/end-others", name="core:account_sessions_end_others", opt=ACCOUNT)
async def end_other_sessions(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    user = _user(request)
    async with platform.db.writing() as session:
        await AccountService(session, platform.passwords).end_sessions(user.id, keep=user.session_id)
        record(session, "core.sessions_ended", connection=request, object_type="user", object_id=user.id)
    flash(request, _("You were signed out everywhere else."))
    return redirect(request, "/account")


# ---- the second factor -------------------------------------------------------------------------


def _enrolment_mac(platform: Platform, user_id: int, secret: str) -> str:
    return signature(platform.settings.secret_key, "totp-enrolment", f"{user_id}:{secret}")


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


async def _two_factor_context(request: Request, session: AsyncSession, platform: Platform, *, secret: str | None = None) -> dict[str, Any]:
    user = _user(request)
    context = await _account_context(request, session, platform)
    if context["account"].totp_secret is None and context["two_factor_offered"]:
        secret = secret or totp.new_secret()
        short_name = dict(user.schools).get(user.school_id) if user.school_id else None
        issuer = f"zhurnal {short_name}"[:40] if short_name else "zhurnal"  # short: a long one makes a dense QR code
        uri = totp.provisioning_uri(secret, account=user.login, issuer=issuer)
        context.update(secret=secret, secret_groups=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                       secret_mac=_enrolment_mac(platform, user.id, secret), qr=_qr_svg(uri))
    return context


@get("/account/two-factor", name="core:account_two_factor", opt=ACCOUNT)
async def two_factor_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    return await _page(request, platform, "core/account_two_factor.html", _two_factor_context)


@dataclass
class EnrolForm:
    secret: str = ""
    secret_mac: str = ""
    code: str = ""


@post("/account/two-factor", name="core:account_two_factor_enrol", opt=ACCOUNT, status_code=200)
async def enrol_two_factor(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[EnrolForm]) -> Response[str]:
    """Switch the second factor on once the app shows the right code; the recovery codes are
    shown on this answer only."""
    user = _user(request)
    secret = data.secret[:64]
    genuine = hmac.compare_digest(data.secret_mac[:64], _enrolment_mac(platform, user.id, secret))
    error = None
    async with platform.db.writing() as session:
        context = await _account_context(request, session, platform)
        account = context["account"]
        if account.totp_secret is not None:
            error = _("The second factor is already on.")
        elif not context["two_factor_offered"]:
            error = _("Your school does not use a second factor for your role.")
        elif not genuine:
            error = _("The page was out of date. Scan the new QR code and enter its code.")
        else:
            step = totp.matching_step(secret, data.code[:20], after=None)
            if step is None:
                error = _("Wrong code. Check that the phone's clock is right and enter the code the app shows now.")
            else:
                account.totp_secret, account.totp_last_step = secret, step
                codes = await AccountService(session, platform.passwords).set_recovery_codes(user.id)
                record(session, "core.two_factor_on", connection=request, object_type="user", object_id=user.id)
    if error:
        async with platform.db.reading() as session:
            context = await _two_factor_context(request, session, platform, secret=secret if genuine else None)
        context["error"] = error
        return await render(request, "core/account_two_factor.html", context, status_code=422)
    flash(request, _("The second factor is on. From now on, signing in asks for the code from the app."))
    return await _page(request, platform, "core/account_two_factor.html", extra={"recovery_codes": codes})


@dataclass
class TwoFactorOffForm:
    current: str = ""


@post("/account/two-factor/off", name="core:account_two_factor_off", opt=ACCOUNT)
async def two_factor_off(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[TwoFactorOffForm]) -> Response[str]:
    """Needs the password; refused where the school requires the second factor for the role."""
    user = _user(request)
    error = await current_password_error(request, platform, user, data.current)
    async with platform.db.writing() as session:
        if error is None and await second_factor_required(session, user.id):
            error = _("Your school requires the second factor for your role: it cannot be switched off.")
        if error is None:
            account = await session.get(UserAccount, user.id)
            assert account is not None
            account.totp_secret, account.totp_last_step = None, None
            await AccountService(session, platform.passwords).clear_recovery_codes(user.id)
            record(session, "core.two_factor_off", connection=request, object_type="user", object_id=user.id)
    if error:
        return await _page(request, platform, "core/account_two_factor.html", _two_factor_context, extra={"off_error": error},
                           status_code=422)
    flash(request, _("The second factor is off."))
    return redirect(request, "/account/two-factor")


ROUTES = [account_page, change_password, end_session, end_other_sessions, two_factor_page, enrol_two_factor,
          two_factor_off]

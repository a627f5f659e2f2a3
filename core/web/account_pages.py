"""Signing in and out, and choosing the current school."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, Response, get, post

from core.audit.log import client_address, record
from urllib.parse import urlencode

from core.auth.models import UserAccount
from core.auth.services import AccountService, SessionService
from core.di import FromQuery, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.platform import Platform
from core.web.pages import local_path, redirect, render, validation_error
from core.web.middleware import set_cookie
from core.web.sessions import SESSION_COOKIE, current_user, session_token

SESSION_MAX_AGE = 12 * 3600


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
    target = local_path(data.next)
    # The password check (~170 ms of argon2, in a thread) runs in a read session: no write lock.
    async with platform.db.reading() as session:
        account = await AccountService(session, platform.passwords).authenticate(data.login[:200], data.password)
    if account is None or account.is_blocked:
        blocked = account is not None
        async with platform.db.writing() as session:
            record(session, "core.login_failed", result="failed", connection=request, actor_id=account.id if account else None,
                   details={"login": data.login.strip()[:64], "blocked": blocked})
        message = (
            _("This account is blocked. Contact the journal administrator.") if blocked
            else _("Wrong login or password.")
        )
        return await validation_error(
            request, "core/login.html", {"form": LoginForm(login=data.login[:64], next=target), "error": message},
            partial=("core/_login_form.html", "core-login-form"),
        )
    rehashed = None
    if account.password_hash and platform.passwords.needs_rehash(account.password_hash):
        rehashed = await platform.passwords.hash_async(data.password)
    async with platform.db.writing() as session:
        account = await session.get(UserAccount, account.id)
        assert account is not None
        if rehashed:
            account.password_hash = rehashed
        old_token = session_token(request.scope)
        sessions = SessionService(session)
        if old_token:
            await sessions.end(old_token)  # a new token at every sign-in
        token = await sessions.start(account, address=client_address(request), user_agent=request.headers.get("user-agent"))
        schools = await sessions.schools_of(account.id)
        record(session, "core.login", connection=request, actor_id=account.id,
               school_id=schools[0][0] if len(schools) == 1 else None)
    response = redirect(request, target if len(schools) <= 1 else "/school?" + urlencode({"next": target}))
    set_cookie(response, request.scope, SESSION_COOKIE, token, max_age=SESSION_MAX_AGE)
    return response


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


ROUTES = [login_page, login_submit, logout, choose_school_page, choose_school]

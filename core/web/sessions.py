"""Who is asking: the session cookie, the current user, CSRF tokens and per-response headers.

The session cookie holds a random token; the database keeps its SHA-256 (``user_session``), so
every app process sees the same sessions and a stolen database does not yield live cookies.
Anonymous visitors get no session row and no session cookie. Behind TLS the cookie is
``__Host-``-prefixed and Secure; over plain HTTP (local development) it cannot be.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core.auth.services import LAST_SEEN_EVERY, CurrentUser, SessionService, hash_token
from core.db.types import utcnow
from core.web.middleware import cookie_header, cookie_name, cookie_value, is_tls

SESSION_COOKIE = "zhurnal_session"
CSRF_COOKIE = "zhurnal_csrf"  # anonymous visitors only (the login form)
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf_token"


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    return connection.scope.get("state", {}).get("user")  # type: ignore[return-value]


def session_token(scope: Scope) -> str | None:
    return cookie_value(scope, cookie_name(scope, SESSION_COOKIE))


def load_user(app: ASGIApp) -> ASGIApp:
    """Middleware: put the signed-in user (or None) into the request state.

    Routes marked ``"sessionless": True`` (static files, health checks) skip the lookup; routes
    marked ``"background": True`` (an unread badge polled by htmx) do not count as the person's
    activity, so a page left open does not keep an idle session alive."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] == "http" and not (handler is not None and handler.opt.get("sessionless")):
            await attach_user(scope)
        await app(scope, receive, send)

    return middleware


async def attach_user(scope: Scope) -> CurrentUser | None:
    """Idempotent. (Error pages for URLs no route matches are built without it: Litestar runs
    middleware for matched routes only, so those pages show the signed-out header.)"""
    state: dict[str, Any] = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    if "user" in state:
        return state["user"]
    state["user"] = None
    token = session_token(scope)
    if not token or len(token) > 100:
        return None
    platform = scope["app"].state.platform
    async with platform.db.reading() as session:
        user = await SessionService(session).load(token, idle=timedelta(minutes=platform.settings.security.idle_minutes))
    handler = scope.get("route_handler")
    background = handler is not None and bool(handler.opt.get("background"))
    if user is not None and not background and (user.last_seen_at is None or utcnow() - user.last_seen_at > LAST_SEEN_EVERY):
        async with platform.db.writing() as session:  # at most once a minute per session
            await SessionService(session).touch(user.session_id)
    state["user"] = user
    return user


# ---- CSRF --------------------------------------------------------------------------------------


def csrf_token(scope: Scope) -> str:
    """The token forms and htmx send back: bound to the session, or to an anonymous cookie."""
    platform = scope["app"].state.platform
    state: dict[str, Any] = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    user: CurrentUser | None = state.get("user")
    if user is not None:
        return _mac(platform.settings.secret_key, f"session:{user.session_id}")
    stale = session_token(scope)
    if stale and len(stale) <= 100:  # an ended session: its pages' tokens still work for signing out
        return _mac(platform.settings.secret_key, f"session:{hash_token(stale)}")
    anonymous = state.get("csrf_anonymous") or cookie_value(scope, cookie_name(scope, CSRF_COOKIE))
    if not anonymous or len(anonymous) > 100:
        anonymous = secrets.token_urlsafe(24)
        state["csrf_set_cookie"] = anonymous  # sent with this response
    state["csrf_anonymous"] = anonymous
    return _mac(platform.settings.secret_key, f"anonymous:{anonymous}")


def csrf_token_matches(scope: Scope, presented: str | None) -> bool:
    if not presented:
        return False
    state = scope.get("state", {})
    if state.get("user") is None and not session_token(scope) and not cookie_value(scope, cookie_name(scope, CSRF_COOKIE)):
        return False  # an anonymous token needs its cookie; never mint one while checking
    return hmac.compare_digest(presented, csrf_token(scope))


def _mac(secret: str, message: str) -> str:
    return signature(secret, "csrf", message)


def signature(secret: str, purpose: str, message: str, length: int = 40) -> str:
    """An HMAC-SHA256 of ``message`` under the installation's key, bound to ``purpose`` so a value
    signed for one use (a flash cookie, a sign-in in progress) is worthless for another."""
    return hmac.new(secret.encode(), f"{purpose}:{message}".encode(), hashlib.sha256).hexdigest()[:length]


# ---- headers on every response -----------------------------------------------------------------


async def session_headers(message: Message, scope: Scope) -> None:
    """``before_send``: no caching of signed-in pages, HSTS behind TLS, the anonymous CSRF cookie."""
    if message["type"] != "http.response.start":
        return
    state = scope.get("state", {})
    headers = list(message.get("headers", []))
    if state.get("user") is not None:
        headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"] + [(b"cache-control", b"no-store")]
    if is_tls(scope):
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    if state.get("csrf_set_cookie"):
        headers.append((b"set-cookie", cookie_header(scope, CSRF_COOKIE, state["csrf_set_cookie"])))
    message["headers"] = headers

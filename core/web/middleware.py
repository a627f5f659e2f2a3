"""Request context (id, locale) and security headers for every response.

Litestar runs route middleware only for matched routes, so the security headers go through a
``before_send`` hook (it sees every response, a 404 for an unknown URL too) and the error
handlers prepare the request context themselves.
"""

from __future__ import annotations

import uuid
from http.cookies import SimpleCookie
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core import i18n

LOCALE_COOKIE = "zhurnal_locale"

# No 'unsafe-inline' or 'unsafe-eval': htmx runs with allowEval off and no inline styles.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


_SECURITY_HEADER_NAMES = {name for name, _ in SECURITY_HEADERS}


def prepare_request_context(scope: Scope) -> None:
    """Give the request an id (logged with errors, shown on error pages) and activate its locale.
    Idempotent: the error handlers call it again for requests no route matched."""
    state: dict[str, Any] = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    if "request_id" not in state:
        state["request_id"] = uuid.uuid4().hex[:12]
        locale = cookie_value(scope, cookie_name(scope, LOCALE_COOKIE)) or i18n.DEFAULT_LOCALE
        i18n.activate(scope["app"].state.platform.translations, locale)


def request_context(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            prepare_request_context(scope)
        await app(scope, receive, send)

    return middleware


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: CSP and friends on every response, errors included."""
    if message["type"] == "http.response.start":
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _SECURITY_HEADER_NAMES]
        message["headers"] = headers + SECURITY_HEADERS


def cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            morsel = jar.get(name)
            return morsel.value if morsel else None
    return None


# ---- our cookies: HttpOnly, SameSite=Lax, Path=/; Secure and __Host- behind TLS ----------------


def is_tls(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


def cookie_name(scope: Scope, base: str) -> str:
    return f"__Host-{base}" if is_tls(scope) else base


def cookie_header(scope: Scope, base: str, value: str, *, max_age: int | None = None) -> bytes:
    """A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, and Secure behind TLS."""
    parts = [f"{cookie_name(scope, base)}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if is_tls(scope):
        parts.append("Secure")
    return "; ".join(parts).encode()


def set_cookie(response: Any, scope: Scope, base: str, value: str, *, max_age: int) -> None:
    """Set (``max_age=0``: remove) one of our cookies on a Litestar response."""
    response.set_cookie(
        cookie_name(scope, base), value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_tls(scope)
    )

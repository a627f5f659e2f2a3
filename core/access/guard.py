"""The one guard every route goes through (default deny).

A route declares ``opt={"permission": "<owner>.<verb>"}``, or ``opt={"public": True}`` for the
short public list (signing in and out, static files, health checks, the language switch). A
route that declares neither is refused for everyone. Signed-in people act in a current school;
only routes marked ``"schoolless": True`` (choosing the school) work before one is chosen, and
only routes marked ``"account_setup": True`` while the person must first set a password of
their own or the second factor their school requires.
State-changing requests must carry the CSRF token and, when the browser names an Origin or
Referer, come from this site. A plugin switched off for the current school answers 404 there.
Which *objects* a person reaches is checked in services (``core.access.scope``).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from core.audit.log import record_now
from core.web.sessions import CSRF_FIELD, CSRF_HEADER, csrf_token_matches, current_user

log = logging.getLogger("zhurnal.access")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(NotAuthorizedException):
    """Anonymous visitor on a protected page: sent to the login page."""


class SchoolChoiceRequired(PermissionDeniedException):
    """Signed in with several schools and none chosen yet: sent to the school chooser."""


class AccountSetupRequired(PermissionDeniedException):
    """Signed in with a one-time password, or without the second factor the school requires:
    every page but the account's own setup sends the person there first."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target


class CsrfRefused(PermissionDeniedException):
    """The request lacks a valid CSRF token or comes from another site."""


async def enforce_access(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if handler.http_methods == {"OPTIONS"}:
        return  # Litestar's automatic answer to OPTIONS: no data, nothing changes
    platform = connection.app.state.platform
    opt = handler.opt
    user = current_user(connection)
    plugin = opt.get("plugin")
    if plugin and user is not None and plugin in user.disabled_modules:
        raise NotFoundException()
    if connection.scope.get("method", "GET") not in SAFE_METHODS:
        await check_csrf(connection)
    if opt.get("public"):
        return
    permission = opt.get("permission")
    if permission not in platform.permissions:
        log.error("route %s declares no known permission (%r): refused", handler.name, permission)
        raise PermissionDeniedException()
    if user is None:
        raise SignInRequired()
    if not opt.get("account_setup"):
        if user.must_change_password:
            raise AccountSetupRequired("/account/password")
        if user.second_factor_missing:
            raise AccountSetupRequired("/account/two-factor")
    if user.school_id is None and not user.is_operator and not opt.get("schoolless"):
        raise SchoolChoiceRequired()
    roles = user.all_roles if user.school_id is None and opt.get("schoolless") else user.roles
    if not platform.permissions.allows(roles, permission):
        await record_now(platform, "core.access_denied", result="denied", connection=connection,
                         object_type="route", object_id=handler.name, details={"permission": permission})
        raise PermissionDeniedException()


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    origin = connection.headers.get("origin") or connection.headers.get("referer")
    if origin and not same_origin(origin, connection):
        raise CsrfRefused()
    presented = connection.headers.get(CSRF_HEADER)
    if presented is None and connection.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await connection.form()  # type: ignore[attr-defined]  # cached for the handler
        presented = form.get(CSRF_FIELD)
    if not csrf_token_matches(connection.scope, presented if isinstance(presented, str) else None):
        raise CsrfRefused()


def same_origin(origin: str, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    parts = urlsplit(origin)
    return (parts.scheme, parts.netloc) == (connection.url.scheme, connection.url.netloc)

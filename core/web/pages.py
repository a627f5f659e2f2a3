"""Rendering pages and partials, redirects, flash messages and validation errors.

One URL serves a full page and its partial: the partial only when htmx asks for it
(``HX-Request``), aims at that partial's element (``HX-Target``) and is not restoring history.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from litestar import MediaType, Request, Response
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from core.plugins.calling import call_each
from core.web.middleware import cookie_name, cookie_value, set_cookie
from core.web.sessions import signature
from core.plugins.types import NavItem

if TYPE_CHECKING:
    from core.platform import Platform

FLASH_COOKIE = "zhurnal_flash"
FLASH_KINDS = ("success", "info", "warning", "error")


@dataclass(frozen=True)
class Flash:
    message: str
    kind: str = "success"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def wants_partial(request: Request, target_id: str) -> bool:
    return (
        is_htmx(request)
        and request.headers.get("hx-target") == target_id
        and request.headers.get("hx-history-restore-request") != "true"
    )


def flash(request: Request, message: str, kind: str = "success") -> None:
    """Show ``message`` to the person with the next response (or after the next redirect)."""
    if kind not in FLASH_KINDS:
        raise ValueError(f"flash kind must be one of {FLASH_KINDS}")
    request.state.setdefault("flash_out", []).append(Flash(message, kind))


async def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    partial: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    """The full page ``template``, or ``partial = (template, element id)`` when htmx asks for it."""
    platform: Platform = request.app.state.platform
    values: dict[str, Any] = {"request": request, "platform": platform, **(context or {})}
    headers = {"Vary": "HX-Request"} if partial else {}
    if partial and wants_partial(request, partial[1]):
        html = platform.jinja.get_template(partial[0]).render(values)
        html += _oob_flashes(request, platform)
        return Response(html, status_code=status_code, media_type=MediaType.HTML, headers=headers)
    values["nav"] = await navigation(request, platform)
    values["flashes"] = _incoming_flashes(request, platform) + request.state.get("flash_out", [])
    request.state["flash_out"] = []
    response = Response(
        platform.jinja.get_template(template).render(values), status_code=status_code, media_type=MediaType.HTML, headers=headers
    )
    if cookie_value(request.scope, cookie_name(request.scope, FLASH_COOKIE)):
        set_cookie(response, request.scope, FLASH_COOKIE, "", max_age=0)
    return response


async def render_fragment(request: Request, template: str, context: Mapping[str, Any] | None = None, *, status_code: int = 200) -> Response[str]:
    """Only a fragment (a lazy widget, a row), with any flash messages swapped out of band."""
    platform: Platform = request.app.state.platform
    html = platform.jinja.get_template(template).render({"request": request, "platform": platform, **(context or {})})
    return Response(html + _oob_flashes(request, platform), status_code=status_code, media_type=MediaType.HTML)


async def validation_error(
    request: Request, template: str, context: Mapping[str, Any], *, partial: tuple[str, str]
) -> Response[str]:
    """422: the form again with its messages; htmx swaps the partial in place (the htmx config
    lets 422 swap), a plain post gets the whole page."""
    return await render(request, template, context, partial=partial, status_code=HTTP_422_UNPROCESSABLE_ENTITY)


def local_path(candidate: str, default: str = "/") -> str:
    """``candidate`` if it is a path on this site, else ``default`` (no open redirects: browsers
    read ``//host`` and ``/\\host`` as another site)."""
    if (
        not candidate.startswith("/")
        or candidate.startswith("//")
        or "\\" in candidate
        or any(ord(char) < 32 or ord(char) == 127 for char in candidate)
    ):
        return default
    return candidate


def redirect(request: Request, url: str) -> Response[str]:
    """After a successful post: ``HX-Redirect`` for htmx, 303 otherwise; flashes survive it."""
    if is_htmx(request):
        response: Response[str] = Response("", status_code=200, headers={"HX-Redirect": url})
    else:
        response = Response("", status_code=HTTP_303_SEE_OTHER, headers={"Location": url})
    pending = request.state.get("flash_out", [])
    if pending:
        platform: Platform = request.app.state.platform
        set_cookie(response, request.scope, FLASH_COOKIE, _sign(platform, pending), max_age=300)
        request.state["flash_out"] = []
    return response


async def navigation(request: Request, platform: Platform) -> list[NavItem]:
    user = request.state.get("user")
    if user is not None and (user.must_change_password or user.second_factor_missing):
        return []  # every item would lead back to the account's setup
    hooks = platform.hooks_for(user.disabled_modules if user else frozenset())
    items: list[NavItem] = []
    for plugin, result in await call_each(hooks.nav_items, platform=platform, request=request, user=user):
        items.extend(checked_list(plugin, "nav_items", result, NavItem))
    return sorted(items, key=lambda item: (item.section, item.order, item.label))


def checked_list(plugin: str, hook: str, result: Any, kind: type) -> list[Any]:
    """A hook's list result, or an error naming the plugin that returned something else."""
    if not isinstance(result, (list, tuple)) or not all(isinstance(item, kind) for item in result):
        raise TypeError(f"plugin {plugin!r}: hook {hook} must return a list of {kind.__name__}, got {result!r:.200}")
    return list(result)


def _oob_flashes(request: Request, platform: Platform) -> str:
    pending = request.state.get("flash_out", [])
    if not pending:
        return ""
    request.state["flash_out"] = []
    html = platform.jinja.get_template("core/_flash.html").render({"flashes": pending, "oob": True})
    return html


def _sign(platform: Platform, flashes: list[Flash]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps([[f.message, f.kind] for f in flashes]).encode()).decode()
    return f"{payload}.{_mac(platform, payload)}"


def _mac(platform: Platform, payload: str) -> str:
    return signature(platform.settings.secret_key, "flash", payload, 32)


def _incoming_flashes(request: Request, platform: Platform) -> list[Flash]:
    raw = cookie_value(request.scope, cookie_name(request.scope, FLASH_COOKIE)) or ""
    payload, _, mac = raw.partition(".")
    if not payload or not hmac.compare_digest(mac, _mac(platform, payload)):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return [Flash(str(message), kind if kind in FLASH_KINDS else "info") for message, kind in items][:5]
    except (ValueError, TypeError):
        return []

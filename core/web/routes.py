"""Core pages: the dashboard (the start page) and the language switch."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, Response, get, post

from core import i18n
from core.di import NamedDependency, URLEncodedBody
from core.platform import Platform
from core.plugins.calling import call_each
from core.plugins.types import Widget
from core.web.middleware import LOCALE_COOKIE, set_cookie
from core.web.pages import checked_list, local_path, redirect, render


@get("/", name="core:dashboard", opt={"permission": "core.use_site"})
async def dashboard(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    widgets: list[Widget] = []
    user = request.state.get("user")
    hooks = platform.hooks_for(user.disabled_modules if user else frozenset())
    for plugin, result in await call_each(hooks.dashboard_widgets, platform=platform, request=request, user=user):
        widgets.extend(checked_list(plugin, "dashboard_widgets", result, Widget))
    widgets.sort(key=lambda widget: (widget.order, widget.title))
    return await render(request, "core/dashboard.html", {"widgets": widgets})


@dataclass
class LocaleForm:
    locale: str = ""
    next: str = "/"


@post("/locale", name="core:set_locale", opt={"public": True})
async def set_locale(request: Request, data: URLEncodedBody[LocaleForm]) -> Response[str]:
    """Remember the chosen interface language in a cookie and go back to the page."""
    locale = data.locale if data.locale in i18n.LOCALES else i18n.DEFAULT_LOCALE
    response = redirect(request, local_path(data.next))
    set_cookie(response, request.scope, LOCALE_COOKIE, locale, max_age=365 * 24 * 3600)
    return response


ROUTES = [dashboard, set_locale]

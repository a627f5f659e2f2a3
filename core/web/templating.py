"""The Jinja environment: autoescaped, translated per request, with core's and plugins' templates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup

from core import i18n
from core.errors import StartupError
from core.plugins.calling import implementations, invoke_sync
from core.plugins.types import BADGE_POLL_SECONDS
from core.web.sessions import CSRF_FIELD, csrf_token
from core.web.static import StaticFiles

if TYPE_CHECKING:
    from core.platform import Platform

CORE_TEMPLATES = Path(__file__).parent / "templates"


def plugin_folders(platform: Platform, name: str) -> list[Path]:
    """``<plugin package>/<name>`` for every enabled plugin that has one, in dependency order."""
    found = []
    for plugin in platform.plugins.values():
        if not hasattr(plugin.module, "__path__"):  # a single-module plugin has no folders
            continue
        folder = Path(plugin.module.__file__ or "").parent / name
        if folder.is_dir():
            found.append(folder)
    return found


BROWSERS = (("Edg/", "Edge"), ("YaBrowser", "Яндекс Браузер"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"),
           ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_name(user_agent: str | None) -> str:
    """«Chrome, Android» from a User-Agent header: enough to recognise one's own devices."""
    text = user_agent or ""
    browser = next((name for marker, name in BROWSERS if marker in text), None)
    system = next((name for marker, name in SYSTEMS if marker in text), None)
    return ", ".join(part for part in (browser, system) if part) or i18n.gettext("Unknown browser")


def build_environment(platform: Platform, static: StaticFiles) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(CORE_TEMPLATES), *map(FileSystemLoader, plugin_folders(platform, "templates"))]),
        autoescape=True,  # an Environment built by hand escapes nothing unless told to
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.translate, i18n.translate_plural, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        format_date=i18n.format_date, format_datetime=i18n.format_datetime, format_number=i18n.format_number,
        device_name=device_name,
    )
    env.globals.update(static_url=static.url, current_locale=i18n.current_locale, csrf_token=_csrf_token, csrf_input=_csrf_input,
                       badge_poll_seconds=BADGE_POLL_SECONDS)
    for impl in implementations(platform.hook.prepare_jinja_env):
        before = {**_names(env.filters, "filter"), **_names(env.globals, "global")}
        invoke_sync(impl, platform=platform, env=env)
        after = {**_names(env.filters, "filter"), **_names(env.globals, "global")}
        replaced = sorted(name for name, value in before.items() if after.get(name) is not value)
        if replaced:  # plugins add names (prefixed with their own), never replace others'
            raise StartupError(f"plugin {impl.plugin_name!r} replaced Jinja names it does not own: {', '.join(replaced)}")
    return env


@pass_context
def _csrf_token(context: Any) -> str:
    return csrf_token(context["request"].scope)


@pass_context
def _csrf_input(context: Any) -> Markup:
    """The hidden field plain forms carry (htmx sends the same token in a header)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_token(context["request"].scope))


def _names(mapping: dict[str, object], kind: str) -> dict[str, object]:
    return {f"{kind} {name}": value for name, value in mapping.items()}

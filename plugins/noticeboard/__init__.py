"""The notice board (электронная доска объявлений, regulation 1.13, 4.2, 4.5): announcements of
the administration and teachers for the school, its classes, groups and roles, and automatic
notices of the day's timetable changes.

Hook implementations only; the work is done in the modules they import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import hookimpl

title = "Доска объявлений"


@hookimpl
def register_models(platform: Any) -> list[type]:
    from plugins.noticeboard.models import NOTICEBOARD_MODELS

    return list(NOTICEBOARD_MODELS)


@hookimpl
def register_migrations(platform: Any) -> Path:
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_audit_events(platform: Any) -> list[Any]:
    from plugins.noticeboard.permissions import AUDIT_EVENTS

    return list(AUDIT_EVENTS)


@hookimpl
def register_permissions(platform: Any) -> list[Any]:
    from plugins.noticeboard.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def user_text_fields(platform: Any) -> list[Any]:
    from plugins.noticeboard.permissions import TEXT_FIELDS

    return list(TEXT_FIELDS)


@hookimpl
def register_routes(platform: Any) -> list[Any]:
    from plugins.noticeboard.editor_pages import EDITOR_ROUTES
    from plugins.noticeboard.settings_pages import SETTINGS_ROUTES
    from plugins.noticeboard.web import READER_ROUTES

    return [*READER_ROUTES, *EDITOR_ROUTES, *SETTINGS_ROUTES]


@hookimpl
async def nav_items(platform: Any, request: Any, user: Any) -> list[Any]:
    from plugins.noticeboard.web import noticeboard_nav

    return await noticeboard_nav(platform, user)


@hookimpl
async def dashboard_widgets(platform: Any, request: Any, user: Any) -> list[Any]:
    from plugins.noticeboard.web import noticeboard_widgets

    return noticeboard_widgets(platform, user)


@hookimpl
async def diary_entries(platform: Any, viewer: Any, student: int, start: Any, end: Any) -> list[Any]:
    from plugins.noticeboard.diary import diary_entries as entries

    return await entries(platform, viewer, student, start, end)


@hookimpl
async def on_event(platform: Any, event: Any) -> None:
    from plugins.noticeboard.auto import handle_event

    await handle_event(platform, event)


@hookimpl
async def seed_demo_data(platform: Any, session: Any, school: Any, rng: Any) -> None:
    from plugins.noticeboard.demo import seed_notices

    await seed_notices(platform, session, school, rng)


@hookimpl
def prepare_jinja_env(platform: Any, env: Any) -> None:
    from plugins.noticeboard.web import until_label

    env.globals["noticeboard_until"] = until_label

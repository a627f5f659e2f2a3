"""The electronic diary (электронный дневник, regulation 1.6, 3.1.5, 3.4, 4.7): what a student and
their parents open every evening — the week's lessons with topics, homework, marks and attendance.

The diary shows only the student's own data, or a parent's own children's; what it shows comes
from other plugins through the ``diary_entries`` hook (it never imports the journal).

Hook implementations only; the work is done in the modules they import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import hookimpl

title = "Дневник"


@hookimpl
def register_models(platform: Any) -> list[type]:
    from plugins.diary.models import DIARY_MODELS

    return list(DIARY_MODELS)


@hookimpl
def register_migrations(platform: Any) -> Path:
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_audit_events(platform: Any) -> list[Any]:
    from plugins.diary.permissions import AUDIT_EVENTS

    return list(AUDIT_EVENTS)


@hookimpl
def register_permissions(platform: Any) -> list[Any]:
    from plugins.diary.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def user_text_fields(platform: Any) -> list[Any]:
    from plugins.diary.permissions import TEXT_FIELDS

    return list(TEXT_FIELDS)


@hookimpl
def register_routes(platform: Any) -> list[Any]:
    from plugins.diary.web import ROUTES

    return list(ROUTES)


@hookimpl
def nav_items(platform: Any, request: Any, user: Any) -> list[Any]:
    from plugins.diary.web import diary_nav

    return diary_nav(platform, user)


@hookimpl
async def on_event(platform: Any, event: Any) -> None:
    from plugins.diary.feeds import stop_feeds_without_consent

    await stop_feeds_without_consent(platform, event)


@hookimpl
def prepare_jinja_env(platform: Any, env: Any) -> None:
    from core.web.text import linkify

    env.filters["diary_linkify"] = linkify

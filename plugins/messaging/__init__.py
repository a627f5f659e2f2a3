"""The internal mail (внутренняя почта, regulation 2.7, 2.8, 3.4, 3.8, 4.5, 4.7): class teachers
correspond with parents, subject teachers tell parents of failing or absent students, parents and
students write to their teachers and the administration.

Whom a person may write to comes from the school's dated data (``directory.py``); plugins offer
groups of recipients through ``recipient_groups`` (messaging never imports them).

Hook implementations only; the work is done in the modules they import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import hookimpl

title = "Внутренняя почта"


@hookimpl
def register_models(platform: Any) -> list[type]:
    from plugins.messaging.models import MESSAGING_MODELS

    return list(MESSAGING_MODELS)


@hookimpl
def register_migrations(platform: Any) -> Path:
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_audit_events(platform: Any) -> list[Any]:
    from plugins.messaging.permissions import AUDIT_EVENTS

    return list(AUDIT_EVENTS)


@hookimpl
def register_permissions(platform: Any) -> list[Any]:
    from plugins.messaging.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def user_text_fields(platform: Any) -> list[Any]:
    from plugins.messaging.permissions import TEXT_FIELDS

    return list(TEXT_FIELDS)


@hookimpl
def register_routes(platform: Any) -> list[Any]:
    from plugins.messaging.web import ROUTES

    return list(ROUTES)


@hookimpl
async def nav_items(platform: Any, request: Any, user: Any) -> list[Any]:
    from plugins.messaging.web import messaging_nav

    return await messaging_nav(platform, user)


@hookimpl
async def dashboard_widgets(platform: Any, request: Any, user: Any) -> list[Any]:
    from plugins.messaging.web import messaging_widgets

    return messaging_widgets(platform, user)


@hookimpl
async def on_event(platform: Any, event: Any) -> None:
    from plugins.messaging.copies import handle_event

    await handle_event(platform, event)


@hookimpl
async def housekeeping(platform: Any, now: Any) -> None:
    from plugins.messaging.copies import send_old_waiting
    from plugins.messaging.retention import forget_old_messages

    await forget_old_messages(platform, now)
    await send_old_waiting(platform, now)


@hookimpl
async def seed_demo_data(platform: Any, session: Any, school: Any, rng: Any) -> None:
    from plugins.messaging.demo import seed_messages

    await seed_messages(platform, session, school, rng)


@hookimpl
def prepare_jinja_env(platform: Any, env: Any) -> None:
    from core.web.text import linkify

    env.filters["messaging_linkify"] = linkify

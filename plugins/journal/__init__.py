"""The class journal (электронный журнал): lessons kept in step with the timetable, topics,
homework, attendance and marks, with their history; the grading engine.

Hook implementations only; the work is done in the modules they import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import hookimpl

title = "Журнал"


@hookimpl
def register_models(platform: Any) -> list[type]:
    from plugins.journal.models import JOURNAL_MODELS

    return list(JOURNAL_MODELS)


@hookimpl
def register_migrations(platform: Any) -> Path:
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_audit_events(platform: Any) -> list[Any]:
    from plugins.journal.permissions import AUDIT_EVENTS

    return list(AUDIT_EVENTS)


@hookimpl
def register_permissions(platform: Any) -> list[Any]:
    from plugins.journal.permissions import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def register_routes(platform: Any) -> list[Any]:
    from plugins.journal.web import ROUTES

    return list(ROUTES)


@hookimpl
def prepare_jinja_env(platform: Any, env: Any) -> None:
    from plugins.journal.text import install

    install(env)


@hookimpl
async def on_event(platform: Any, event: Any) -> None:
    from plugins.journal.sync import handle_event

    await handle_event(platform, event)


@hookimpl
async def seed_demo_data(platform: Any, session: Any, school: Any, rng: Any) -> None:
    from plugins.journal.demo import seed_journal

    await seed_journal(platform, session, school, rng)


@hookimpl
def nav_items(platform: Any, request: Any, user: Any) -> list[Any]:
    from plugins.journal.web.common import journal_nav

    return journal_nav(platform, user)


@hookimpl
async def dashboard_widgets(platform: Any, request: Any, user: Any) -> list[Any]:
    from plugins.journal.widgets import today_widget

    return await today_widget(platform, user)


@hookimpl
async def diary_entries(platform: Any, viewer: Any, student: int, start: Any, end: Any) -> list[Any]:
    from plugins.journal.diary import diary_entries as entries

    return await entries(platform, viewer, student, start, end)


@hookimpl
async def diary_marks(platform: Any, viewer: Any, student: int, period_id: int, start: Any, end: Any) -> list[Any]:
    from plugins.journal.diary_subjects import diary_marks as marks

    return await marks(platform, viewer, student, period_id, start, end)


@hookimpl
async def recipient_groups(platform: Any, user: Any) -> list[Any]:
    from plugins.journal.recipients import recipient_groups as groups

    return await groups(platform, user)


@hookimpl
def user_text_fields(platform: Any) -> list[Any]:
    from plugins.journal.permissions import TEXT_FIELDS

    return list(TEXT_FIELDS)

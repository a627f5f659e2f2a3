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
async def on_event(platform: Any, event: Any) -> None:
    from plugins.noticeboard.auto import handle_event

    await handle_event(platform, event)

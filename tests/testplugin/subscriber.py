"""The test plugin's event subscriber: idempotent, and able to fail on demand.

A note whose text starts with ``fail-once`` makes the first delivery fail; ``fail-always`` makes
every delivery fail.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.events import Event, SchoolCreated
from tests.testplugin.events import NoteAdded
from tests.testplugin.models import HandlerAttempt, ReceivedEvent


async def handle(platform: Any, event: Event) -> None:
    if isinstance(event, NoteAdded):
        subject = f"note:{event.note_id}"
        await _maybe_fail(platform, subject, event.text)
    elif isinstance(event, SchoolCreated):
        subject = f"school:{event.school_id}"
    else:
        return
    async with platform.db.writing() as session:
        seen = await session.scalar(
            select(ReceivedEvent.id).where(
                ReceivedEvent.name == event.name, ReceivedEvent.subject == subject
            )
        )
        if seen is None:
            session.add(ReceivedEvent(name=event.name, subject=subject))


async def _maybe_fail(platform: Any, subject: str, text: str) -> None:
    if not text.startswith(("fail-once", "fail-always")):
        return
    async with platform.db.writing() as session:
        earlier = await session.scalar(
            select(func.count()).select_from(HandlerAttempt).where(HandlerAttempt.subject == subject)
        )
        session.add(HandlerAttempt(subject=subject))
    if text.startswith("fail-always") or earlier == 0:
        raise RuntimeError(f"test subscriber refuses {subject} (attempt {earlier + 1})")

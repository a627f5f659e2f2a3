"""Periodic clean-up in every app process: expired sessions, delivered events, week-old uploaded lists.

Each run is a short transaction; running it in several processes at once is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from core.auth.services import SessionService
from core.db.types import utcnow
from core.people.uploads import forget_old_uploads

if TYPE_CHECKING:
    from core.outbox import Dispatcher
    from core.platform import Platform

log = logging.getLogger("zhurnal.housekeeping")
EVERY_SECONDS = 3600
FIRST_AFTER_SECONDS = 60  # not during start-up, when the process is busiest


async def run_once(platform: Platform, dispatcher: Dispatcher) -> tuple[int, int]:
    async with platform.db.writing() as session:
        sessions = await SessionService(session).delete_expired()
        uploads = await forget_old_uploads(session, utcnow())
    if uploads:
        log.info("forgot %d week-old uploaded lists", uploads)
    events = await dispatcher.prune()
    return sessions, events


async def loop(platform: Platform, dispatcher: Dispatcher) -> None:
    await asyncio.sleep(FIRST_AFTER_SECONDS)
    while True:
        try:
            sessions, events = await run_once(platform, dispatcher)
            if sessions or events:
                log.info("removed %d expired sessions and %d delivered events", sessions, events)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("housekeeping failed; trying again later")
        await asyncio.sleep(EVERY_SECONDS)

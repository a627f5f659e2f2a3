"""Periodic clean-up in every app process: expired and idle sessions, day-old failed sign-ins, delivered events, week-old uploaded
lists, and whatever plugins clean up through the ``housekeeping`` hook. It also seals the audit log's new records and removes
those past the school's retention.

Each run is a short transaction; running it in several processes at once is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from core.audit.chain import purge_expired, seal_pending
from core.audit.views import forget_old_views
from core.auth.defences import LoginGuard
from core.auth.services import SessionService
from core.db.types import utcnow
from core.plugins.calling import implementations, invoke, resolve
from core.people.uploads import forget_old_uploads

if TYPE_CHECKING:
    from core.outbox import Dispatcher
    from core.platform import Platform

log = logging.getLogger("zhurnal.housekeeping")
EVERY_SECONDS = 3600
FIRST_AFTER_SECONDS = 60  # not during start-up, when the process is busiest


async def run_once(platform: Platform, dispatcher: Dispatcher) -> tuple[int, int]:
    now = utcnow()
    async with platform.db.writing() as session:
        sessions = await SessionService(session).delete_expired(idle=timedelta(minutes=platform.settings.security.idle_minutes))
        await LoginGuard(session, platform.settings.security).delete_old(now)
        uploads = await forget_old_uploads(session, now)
        await forget_old_views(session, now)
    if uploads:
        log.info("forgot %d week-old uploaded lists", uploads)
    events = await dispatcher.prune()
    for impl in implementations(platform.hook.housekeeping):
        try:
            await resolve(invoke(impl, platform=platform, now=now))
        except Exception:  # one plugin's trouble does not stop the others' clean-up
            log.exception("housekeeping of %s failed; trying again later", impl.plugin_name)
    async with platform.db.writing() as session:  # last: a lock that times out here stops nothing else
        sealed = sum(seal.records for seal in await seal_pending(session))
    async with platform.db.writing() as session:  # not under the sealing lock: writers need not wait for it
        purged = await purge_expired(session, now)
    if sealed or purged:
        log.info("sealed %d audit records; removed %d past their retention", sealed, purged)
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

"""Messages are kept for the school's retention setting (5 years unless it chose otherwise):
conversations whose last message is older go, with their messages, receipts and files; then the
broadcasts and stored files nothing refers to any more. Run hourly by the ``housekeeping`` hook."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select

from core.school.models import School
from plugins.messaging.models import (
    MessagingAttachment, MessagingBroadcast, MessagingFile, MessagingSettings, MessagingThread,
)

DEFAULT_YEARS = 5


def years_before(now: datetime, years: int) -> datetime:
    """The same moment ``years`` calendar years earlier (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


async def forget_old_messages(platform: Any, now: datetime) -> int:
    """Conversations removed, over every school."""
    removed = 0
    async with platform.db.reading() as session:
        schools = (await session.execute(select(School.id, MessagingSettings.retention_years).outerjoin(
            MessagingSettings, MessagingSettings.school_id == School.id))).all()
    for school_id, years in schools:  # a transaction per school: the write lock is held briefly
        async with platform.db.writing() as session:
            result = await session.execute(delete(MessagingThread).where(
                MessagingThread.school_id == school_id, MessagingThread.last_message_at < years_before(now, years or DEFAULT_YEARS)))
            removed += result.rowcount or 0
    if removed:
        async with platform.db.writing() as session:
            await session.execute(delete(MessagingBroadcast).where(~exists(select(MessagingThread.id).where(
                MessagingThread.broadcast_id == MessagingBroadcast.id)), MessagingBroadcast.created_at < now - timedelta(days=1)))
            await session.execute(delete(MessagingFile).where(~exists(select(MessagingAttachment.id).where(
                MessagingAttachment.file_id == MessagingFile.id))))
    return removed

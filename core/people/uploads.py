"""How long an uploaded list is kept: a week. After that an unconfirmed upload is deleted and a
confirmed one keeps its history line (name, time, summary) without the file's personal data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.people.models import ImportUpload

KEEP_FOR = timedelta(days=7)


async def forget_old_uploads(session: AsyncSession, now: datetime) -> int:
    """Delete week-old unconfirmed uploads and empty week-old confirmed ones; returns how many were touched."""
    before = now - KEEP_FOR
    deleted = await session.execute(delete(ImportUpload).where(ImportUpload.uploaded_at < before,
                                                               ImportUpload.applied_at.is_(None)))
    emptied = await session.execute(update(ImportUpload).where(ImportUpload.uploaded_at < before,
                                                               ImportUpload.applied_at.is_not(None),
                                                               ImportUpload.content != b"").values(content=b""))
    return (deleted.rowcount or 0) + (emptied.rowcount or 0)

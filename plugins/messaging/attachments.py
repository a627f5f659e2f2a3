"""Files sent with a message: checked by core (``core.web.uploads``), kept in the database (never in
a web root, one stored copy of a file however many messages carry it) and given back only to the
two people of the thread, always as a download."""

from __future__ import annotations

import hashlib

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.web.uploads import FileLink, Upload, UploadLimits
from plugins.messaging.models import MessagingAttachment, MessagingFile, MessagingMessage, MessagingParticipant, MessagingThread

LIMITS = UploadLimits(files=5, file_size=10 * 2**20, total=20 * 2**20)


async def attach(session: AsyncSession, message_ids: list[int], uploads: list[Upload]) -> None:
    """The files to each message (a broadcast's copies share one stored copy of each file)."""
    if not uploads:
        return
    digests = {upload: hashlib.sha256(upload.content).hexdigest() for upload in uploads}
    stored = dict((await session.execute(select(MessagingFile.digest, MessagingFile.id).where(
        MessagingFile.digest.in_(set(digests.values()))))).all())
    for upload, digest in digests.items():
        if digest in stored:
            continue
        try:
            async with session.begin_nested():  # the same new file sent by someone else at this moment
                row = MessagingFile(digest=digest, size=len(upload.content), content=upload.content)
                session.add(row)
            stored[digest] = row.id
        except IntegrityError:
            stored[digest] = await session.scalar(select(MessagingFile.id).where(MessagingFile.digest == digest))
    session.add_all(MessagingAttachment(message_id=message_id, file_id=stored[digests[upload]], filename=upload.filename,
                                        content_type=upload.content_type, size=len(upload.content))
                    for message_id in message_ids for upload in uploads)


async def attachments_of(session: AsyncSession, message_ids: list[int]) -> dict[int, list[FileLink]]:
    found: dict[int, list[FileLink]] = {}
    if not message_ids:
        return found
    for attachment_id, message_id, filename, size in (await session.execute(
            select(MessagingAttachment.id, MessagingAttachment.message_id, MessagingAttachment.filename, MessagingAttachment.size)
            .where(MessagingAttachment.message_id.in_(message_ids)).order_by(MessagingAttachment.id))).all():
        found.setdefault(message_id, []).append(FileLink(attachment_id, filename, size, "/messaging/attachments"))
    return found


async def download(session: AsyncSession, user: CurrentUser, attachment_id: int) -> tuple[str, str, bytes]:
    """(name, type, bytes) of a file of a thread the person is in, in their current school; else 404."""
    row = (await session.execute(
        select(MessagingAttachment.filename, MessagingAttachment.content_type, MessagingFile.content)
        .join(MessagingFile, MessagingFile.id == MessagingAttachment.file_id)
        .join(MessagingMessage, MessagingMessage.id == MessagingAttachment.message_id)
        .join(MessagingThread, MessagingThread.id == MessagingMessage.thread_id)
        .join(MessagingParticipant, MessagingParticipant.thread_id == MessagingThread.id)
        .where(MessagingAttachment.id == attachment_id, MessagingParticipant.user_id == user.id,
               MessagingThread.school_id == user.school_id))).first()
    if row is None:
        raise NotFoundException()
    return row[0], row[1], row[2]

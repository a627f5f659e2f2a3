"""Copies of new messages by e-mail, for those who ask for them (and only where the installation
has an SMTP server). Sent after the message's transaction committed, by the event handler, once per
message and recipient: each copy is recorded as soon as it is sent, so a retry after a failure sends
only what is left. A failure never touches the message itself, which is already in the mailbox."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core import smtp
from core.auth.models import UserAccount
from core.i18n import gettext as _
from core.school.models import School
from plugins.messaging.attachments import attachments_of
from plugins.messaging.events import MessagesSent
from plugins.messaging.models import (
    MessagingEmailChoice, MessagingEmailCopy, MessagingMessage, MessagingReceipt, MessagingThread,
)

log = logging.getLogger("zhurnal.messaging")


class EmailChoiceError(Exception):
    pass


async def email_choice(session: AsyncSession, user_id: int) -> str:
    return await session.scalar(select(MessagingEmailChoice.address).where(MessagingEmailChoice.user_id == user_id)) or ""


async def choose_email(session: AsyncSession, user_id: int, address: str | None) -> None:
    """Copies to ``address`` from now on; None: no more copies."""
    await session.execute(delete(MessagingEmailChoice).where(MessagingEmailChoice.user_id == user_id))
    if address is None:
        return
    address = address.strip()
    if not smtp.is_address(address):
        raise EmailChoiceError(_("Enter an e-mail address such as name@example.ru."))
    session.add(MessagingEmailChoice(user_id=user_id, address=address))


async def handle_event(platform: Any, event: Any) -> None:
    if not isinstance(event, MessagesSent) or platform.settings.smtp is None or not event.message_ids:
        return
    async with platform.db.reading() as session:
        letters = await _letters(session, event.message_ids)
        files = await attachments_of(session, event.message_ids)
    failures = []
    for letter in letters:
        message_id, recipient_id, address = letter["message_id"], letter["recipient_id"], letter["address"]
        try:
            await smtp.send(platform.settings.smtp, address, letter["subject"], _text(platform, letter, files.get(message_id, [])))
        except Exception as error:  # the server is away or refused: try again later, the rest meanwhile
            failures.append(f"{message_id}→{recipient_id}: {error!r}")
            continue
        try:
            async with platform.db.writing() as session:
                session.add(MessagingEmailCopy(message_id=message_id, recipient_id=recipient_id, address=address))
        except IntegrityError:  # recorded already (a delivery repeated after a crash)
            pass
    if failures:
        raise RuntimeError(f"{len(failures)} e-mail copies were not sent: " + "; ".join(failures[:5]))


async def _letters(session: AsyncSession, message_ids: list[int]) -> list[dict[str, Any]]:
    """What is still to be sent: each message's recipient who asked for copies and has none yet."""
    sender = aliased(UserAccount)
    rows = (await session.execute(
        select(MessagingMessage.id, MessagingMessage.thread_id, MessagingMessage.body, MessagingMessage.about,
               MessagingThread.subject, sender.full_name, School.short_name, MessagingReceipt.recipient_id,
               MessagingEmailChoice.address)
        .join(MessagingReceipt, MessagingReceipt.message_id == MessagingMessage.id)
        .join(MessagingEmailChoice, MessagingEmailChoice.user_id == MessagingReceipt.recipient_id)
        .join(MessagingThread, MessagingThread.id == MessagingMessage.thread_id)
        .join(School, School.id == MessagingThread.school_id)
        .outerjoin(sender, sender.id == MessagingMessage.sender_id)
        .where(MessagingMessage.id.in_(message_ids), ~exists(select(MessagingEmailCopy.id).where(
            MessagingEmailCopy.message_id == MessagingMessage.id, MessagingEmailCopy.recipient_id == MessagingReceipt.recipient_id)))
        .order_by(MessagingMessage.id))).all()
    return [{"message_id": row[0], "thread_id": row[1], "body": row[2], "about": row[3], "subject": row[4],
             "sender": row[5] or "", "school": row[6], "recipient_id": row[7], "address": row[8]} for row in rows]


def _text(platform: Any, letter: dict[str, Any], files: list[Any]) -> str:
    parts = [_("%(sender)s wrote to you in the electronic journal of %(school)s:", sender=letter["sender"], school=letter["school"]), ""]
    if letter["about"]:
        parts += [_("Concerns: %(names)s", names=letter["about"]), ""]
    parts += [letter["body"], ""]
    if files:
        parts += [_("Files (open them in the journal): %(names)s", names=", ".join(file.filename for file in files)), ""]
    address = f"{platform.settings.public_url}/messaging/threads/{letter['thread_id']}" if platform.settings.public_url else ""
    parts.append(_("Answer in the journal, not to this letter: %(address)s", address=address) if address
                 else _("Answer in the journal, not to this letter."))
    parts.append(_("You get these copies because you asked for them; turn them off on the journal's page «Messages by e-mail»."))
    return "\n".join(parts)


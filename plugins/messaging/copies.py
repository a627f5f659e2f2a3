"""Copies of new messages by e-mail, for those who ask for them (and only where the installation
has an SMTP server).

After a message's transaction committed, the event handler queues a copy per recipient who wants
one (``messaging_email_copy``, unique per message and recipient) and sends what is queued over one
connection, for at most a minute. Each copy is marked sent as soon as it is; a server that is away
makes the dispatcher try again with back-off, and the hourly housekeeping sends whatever is still
waiting, for three days. A copy the server refuses for good is given up. The message itself is in
the mailbox all along.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core import i18n, smtp
from core.auth.models import UserAccount
from core.db.types import utcnow
from core.events import ConsentWithdrawn
from core.people.consent import covered_elsewhere, refused
from core.i18n import gettext as _
from core.school.models import School
from plugins.messaging.attachments import attachments_of
from plugins.messaging.events import MessagesSent
from plugins.messaging.models import (
    MessagingEmailChoice, MessagingEmailCopy, MessagingMessage, MessagingReceipt, MessagingThread,
)

log = logging.getLogger("zhurnal.messaging")
CLAIM = timedelta(minutes=5)  # longer than a batch may take
BATCH_SECONDS = 60
BATCH = 200
KEEP_TRYING = timedelta(days=3)


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
    if await refused(session, user_id, "email", utcnow().date()):
        raise EmailChoiceError(_("Your written consent to the processing of personal data does not cover copies by "
                                 "e-mail. Ask the school's secretary to record a new consent."))
    session.add(MessagingEmailChoice(user_id=user_id, address=address))


async def handle_event(platform: Any, event: Any) -> None:
    if isinstance(event, ConsentWithdrawn):
        await stop_copies_without_consent(platform, event)
        return
    if not isinstance(event, MessagesSent) or platform.settings.smtp is None or not event.message_ids:
        return
    await queue_copies(platform, event.message_ids)
    left = await send_waiting(platform, event.message_ids)
    if left:  # the dispatcher tries again with back-off; housekeeping after that
        raise RuntimeError(f"{left} e-mail copies are still waiting")


async def stop_copies_without_consent(platform: Any, event: ConsentWithdrawn) -> None:
    """The consent to e-mail was withdrawn: the person's choice is forgotten and nothing waiting is sent."""
    if "email" not in event.scopes.split(","):
        return
    async with platform.db.writing() as session:
        if await covered_elsewhere(session, event.person_id, "email", event.school_id or 0, utcnow().date()):
            return  # another school's consent still covers the copies
        await session.execute(delete(MessagingEmailChoice).where(MessagingEmailChoice.user_id == event.person_id))
        await session.execute(update(MessagingEmailCopy).where(MessagingEmailCopy.recipient_id == event.person_id,
                                                               MessagingEmailCopy.sent_at.is_(None)).values(given_up=True))


async def queue_copies(platform: Any, message_ids: list[int]) -> None:
    """A waiting copy per message and recipient who asked for copies (and is not blocked)."""
    try:
        async with platform.db.writing() as session:
            rows = (await session.execute(
                select(MessagingReceipt.message_id, MessagingReceipt.recipient_id, MessagingEmailChoice.address)
                .join(MessagingEmailChoice, MessagingEmailChoice.user_id == MessagingReceipt.recipient_id)
                .join(UserAccount, UserAccount.id == MessagingReceipt.recipient_id)
                .where(MessagingReceipt.message_id.in_(message_ids), UserAccount.is_blocked.is_(False),
                       ~exists(select(MessagingEmailCopy.id).where(
                           MessagingEmailCopy.message_id == MessagingReceipt.message_id,
                           MessagingEmailCopy.recipient_id == MessagingReceipt.recipient_id))))).all()
            session.add_all(MessagingEmailCopy(message_id=message_id, recipient_id=recipient_id, address=address)
                            for message_id, recipient_id, address in rows)
    except IntegrityError:  # another process queued them at the same moment
        pass


async def send_waiting(platform: Any, message_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Send the waiting copies (of these messages, or all of the last three days); returns how many
    are still waiting afterwards."""
    settings = platform.settings.smtp
    if settings is None:
        return 0
    now = now or utcnow()
    if not platform.translations:  # a worker process that built no app: the catalogs all the same
        from core.web.templating import plugin_folders

        platform.translations = i18n.load_translations(plugin_folders(platform, "i18n"))
    i18n.activate(platform.translations, i18n.DEFAULT_LOCALE)  # records and letters in Russian
    claimed = await _claim(platform, message_ids, now)
    if not claimed:
        return 0
    letters = [smtp.compose(settings, row["address"], row["subject"], _text(platform, row)) for row in claimed]
    outcomes = await smtp.send(settings, letters, BATCH_SECONDS)
    async with platform.db.writing() as session:
        for row, outcome in zip(claimed, outcomes):
            if outcome.sent:
                values: dict[str, Any] = {"sent_at": utcnow(), "claimed_until": None, "last_error": None}
            else:
                values = {"given_up": outcome.permanent, "claimed_until": None, "last_error": outcome.error}
                log.warning("e-mail copy %s not sent: %s", row["id"], outcome.error)
            await session.execute(update(MessagingEmailCopy).where(MessagingEmailCopy.id == row["id"])
                                  .values(attempts=MessagingEmailCopy.attempts + 1, **values))
        untried = [row["id"] for row in claimed[len(outcomes):]]
        if untried:
            await session.execute(update(MessagingEmailCopy).where(MessagingEmailCopy.id.in_(untried)).values(claimed_until=None))
    return sum(1 for outcome in outcomes if not outcome.sent and not outcome.permanent) + len(claimed) - len(outcomes)


async def send_old_waiting(platform: Any, now: datetime) -> None:
    """Housekeeping: what the dispatcher's retries did not get through; given up after three days."""
    async with platform.db.writing() as session:
        await session.execute(update(MessagingEmailCopy).where(
            MessagingEmailCopy.sent_at.is_(None), MessagingEmailCopy.given_up.is_(False),
            MessagingEmailCopy.created_at < now - KEEP_TRYING).values(given_up=True, last_error="unsent for three days"))
    await send_waiting(platform, None, now)


async def _claim(platform: Any, message_ids: list[int] | None, now: datetime) -> list[dict[str, Any]]:
    """Take the waiting copies for a while, with what their letters say."""
    sender = aliased(UserAccount)
    async with platform.db.writing() as session:
        query = (select(MessagingEmailCopy.id, MessagingEmailCopy.address, MessagingMessage.id, MessagingMessage.thread_id,
                        MessagingMessage.body, MessagingMessage.about, MessagingThread.subject, sender.full_name,
                        School.short_name)
                 .join(MessagingMessage, MessagingMessage.id == MessagingEmailCopy.message_id)
                 .join(MessagingThread, MessagingThread.id == MessagingMessage.thread_id)
                 .join(School, School.id == MessagingThread.school_id)
                 .outerjoin(sender, sender.id == MessagingMessage.sender_id)
                 .where(MessagingEmailCopy.sent_at.is_(None), MessagingEmailCopy.given_up.is_(False),
                        or_(MessagingEmailCopy.claimed_until.is_(None), MessagingEmailCopy.claimed_until < now))
                 .order_by(MessagingEmailCopy.id).limit(BATCH).with_for_update(of=MessagingEmailCopy, skip_locked=True))
        if message_ids is not None:
            query = query.where(MessagingEmailCopy.message_id.in_(message_ids))
        rows = (await session.execute(query)).all()
        if rows:
            await session.execute(update(MessagingEmailCopy).where(MessagingEmailCopy.id.in_([row[0] for row in rows]))
                                  .values(claimed_until=now + CLAIM))
        files = await attachments_of(session, list({row[2] for row in rows}))
    return [{"id": row[0], "address": row[1], "thread_id": row[3], "body": row[4], "about": row[5], "subject": row[6],
             "sender": row[7] or "", "school": row[8], "files": files.get(row[2], [])} for row in rows]


def _text(platform: Any, letter: dict[str, Any]) -> str:
    parts = [_("%(sender)s wrote to you in the electronic journal of %(school)s:", sender=letter["sender"], school=letter["school"]), ""]
    if letter["about"]:
        parts += [_("Concerns: %(names)s", names=letter["about"]), ""]
    parts += [letter["body"], ""]
    if letter["files"]:
        parts += [_("Files (open them in the journal): %(names)s", names=", ".join(file.filename for file in letter["files"])), ""]
    address = f"{platform.settings.public_url}/messaging/threads/{letter['thread_id']}" if platform.settings.public_url else ""
    parts.append(_("Answer in the journal, not to this letter: %(address)s", address=address) if address
                 else _("Answer in the journal, not to this letter."))
    parts.append(_("You get these copies because you asked for them; turn them off on the journal's page «Messages by e-mail»."))
    return "\n".join(parts)

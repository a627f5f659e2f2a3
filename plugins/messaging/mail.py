"""Sending, answering and reading messages.

A new message to one person opens a thread of the two; to several people, or to a group, it is a
broadcast: a thread per recipient, each told only about their own children. An answer stays in its
thread and goes to the other person only. Nothing is sent unless everything checks: the recipients
come from the sender's directory (``directory.py``), the text is there and plain, and the sender
has not sent too much lately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from litestar.exceptions import NotFoundException
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.events import emit
from core.i18n import folded
from core.i18n import gettext as _
from core.i18n import ngettext
from core.web.structure.common import query_id
from core.web.uploads import Upload
from plugins.messaging.attachments import attach
from plugins.messaging.directory import Contact, Directory
from plugins.messaging.events import MessagesSent
from plugins.messaging.models import (
    MessagingBroadcast, MessagingMessage, MessagingParticipant, MessagingReceipt, MessagingThread,
)

SUBJECT_MAX = 200
BODY_MAX = 10_000
RECIPIENTS_MAX = 1000
NAMED = 3  # people chosen one by one that the sender's list names
# Sending, counted per user (a message to a group counts once): enough for a teacher's busiest
# evening, too little for a stolen account to flood the school.
SHORT_WINDOW, SHORT_LIMIT = timedelta(minutes=10), 30
DAY_LIMIT = 300


class MailError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Draft:
    subject: str = ""
    body: str = ""
    to: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sent:
    thread_id: int | None  # a message to one person
    broadcast_id: int | None  # to several
    recipients: int


def plain(text: str) -> str:
    """Typed text as kept: line ends unified, trailing blanks and blank edges gone."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip("\n")


def text_problems(subject: str | None, body: str) -> dict[str, str]:
    """``subject`` None: an answer, which has none of its own."""
    errors: dict[str, str] = {}
    if subject is not None:
        if not subject.strip():
            errors["subject"] = _("Give the message a subject.")
        elif len(subject.strip()) > SUBJECT_MAX:
            errors["subject"] = _("At most %(count)d characters.", count=SUBJECT_MAX)
        elif _has_control(subject):
            errors["subject"] = _("The text holds control characters; type it again.")
    if not body.strip():
        errors["body"] = _("Write the message: it is empty.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("At most %(count)d characters.", count=BODY_MAX)
    elif _has_control(body):
        errors["body"] = _("The text holds control characters; type it again.")
    return errors


def _has_control(text: str) -> bool:
    return any((ord(char) < 32 and char not in "\t\n\r") or char == "\x7f" for char in text)


async def rate_problem(session: AsyncSession, user_id: int, now: datetime) -> str | None:
    """Why the person may not send now, or None: one statement."""
    def sends(since: datetime):  # type: ignore[no-untyped-def]
        messages = select(func.count()).select_from(MessagingMessage).where(
            MessagingMessage.sender_id == user_id, MessagingMessage.broadcast_id.is_(None), MessagingMessage.created_at > since)
        broadcasts = select(func.count()).select_from(MessagingBroadcast).where(
            MessagingBroadcast.sender_id == user_id, MessagingBroadcast.created_at > since)
        return messages.scalar_subquery() + broadcasts.scalar_subquery()

    short, day = (await session.execute(select(sends(now - SHORT_WINDOW), sends(now - timedelta(days=1))))).one()
    if short >= SHORT_LIMIT:
        return ngettext("You have sent %(num)d message in the last ten minutes: wait a little before the next.",
                        "You have sent %(num)d messages in the last ten minutes: wait a little before the next.", short)
    if day >= DAY_LIMIT:
        return ngettext("You have sent %(num)d message in the last 24 hours: that is the most a day allows.",
                        "You have sent %(num)d messages in the last 24 hours: that is the most a day allows.", day)
    return None


def chosen_recipients(directory: Directory, draft: Draft) -> tuple[dict[int, Contact], list[str]]:
    """The recipients the form names, each with the students the message concerns for them, and the
    chosen groups' names; a recipient or group outside the directory is refused, whole."""
    contacts = directory.contacts()
    errors: dict[str, str] = {}
    found: dict[int, Contact] = {}
    labels = []
    for section_id in dict.fromkeys(draft.groups):
        section = directory.section(section_id)
        if section is None:
            errors["to"] = _("You cannot write to one of the chosen groups. Choose recipients from the list.")
            continue
        labels.append(section.label)
        for contact in section.contacts:
            known = found.get(contact.id)
            found[contact.id] = contact if known is None else Contact(
                contact.id, contact.name, known.note, tuple(dict.fromkeys([*known.about, *contact.about])))
    for person in dict.fromkeys(draft.to):
        if person not in contacts:
            errors["to"] = _("You cannot write to one of the chosen people. Choose recipients from the list.")
        elif person not in found:
            found[person] = contacts[person]
    if not errors and not found:
        errors["to"] = (_("Nobody is in the chosen group today.") if draft.groups else _("Choose whom to write to."))
    if len(found) > RECIPIENTS_MAX:
        errors["to"] = _("At most %(count)d recipients at once.", count=RECIPIENTS_MAX)
    if errors:
        raise MailError(errors)
    members = {contact.id for section_id in draft.groups if (section := directory.section(section_id)) for contact in section.contacts}
    chosen = [found[person].name for person in dict.fromkeys(draft.to) if person in found and person not in members]
    labels += chosen[:NAMED]
    if len(chosen) > NAMED:
        labels.append(ngettext("%(num)d more", "%(num)d more", len(chosen) - NAMED))
    return found, labels


async def send_new(session: AsyncSession, user: CurrentUser, directory: Directory, draft: Draft, now: datetime,
                   uploads: list[Upload] | None = None) -> Sent:
    """Check everything, then send; a ``MailError`` changes nothing."""
    errors = text_problems(draft.subject, draft.body)
    try:
        recipients, labels = chosen_recipients(directory, draft)
    except MailError as error:
        errors.update(error.errors)
        recipients, labels = {}, []
    if not errors and (problem := await rate_problem(session, user.id, now)):
        errors["to"] = problem
    if errors:
        raise MailError(errors)
    subject, body = " ".join(draft.subject.split()), plain(draft.body)
    school_id = user.school_id or 0
    broadcast = None
    if len(recipients) > 1 or draft.groups:
        broadcast = MessagingBroadcast(school_id=school_id, sender_id=user.id, subject=subject, body=body,
                                       groups=", ".join(labels)[:1000], recipients=len(recipients), created_at=now)
        session.add(broadcast)
        await session.flush()
    threads = [MessagingThread(school_id=school_id, subject=subject, broadcast_id=broadcast.id if broadcast else None,
                               created_at=now, last_message_at=now) for _person in recipients]
    session.add_all(threads)
    await session.flush()
    messages = [MessagingMessage(thread_id=thread.id, sender_id=user.id, broadcast_id=broadcast.id if broadcast else None,
                                 body=body, about=", ".join(contact.about)[:1000], created_at=now,
                                 search_key=folded(f"{user.full_name} {contact.name} {subject} {body}"))
                for thread, contact in zip(threads, recipients.values())]
    session.add_all(messages)
    for thread, person in zip(threads, recipients):
        session.add_all([MessagingParticipant(thread_id=thread.id, user_id=user.id),
                         MessagingParticipant(thread_id=thread.id, user_id=person, has_incoming=True)])
    await session.flush()
    session.add_all(MessagingReceipt(message_id=message.id, recipient_id=person, school_id=school_id, thread_id=message.thread_id)
                    for message, person in zip(messages, recipients))
    await attach(session, [message.id for message in messages], uploads or [])
    emit(session, MessagesSent(school_id=school_id, message_ids=[message.id for message in messages]))
    return Sent(threads[0].id if broadcast is None else None, broadcast.id if broadcast else None, len(recipients))


async def participation(session: AsyncSession, user: CurrentUser, thread_id: int) -> tuple[MessagingThread, int]:
    """The thread, if the person is in it (in their current school), and the other person; else 404."""
    rows = (await session.execute(select(MessagingThread, MessagingParticipant.user_id)
                                  .join(MessagingParticipant, MessagingParticipant.thread_id == MessagingThread.id)
                                  .where(MessagingThread.id == thread_id, MessagingThread.school_id == user.school_id))).all()
    people = {person for _thread, person in rows}
    if user.id not in people:
        raise NotFoundException()
    others = people - {user.id}
    return rows[0][0], (others.pop() if others else user.id)


async def send_reply(session: AsyncSession, user: CurrentUser, thread_id: int, body: str, now: datetime,
                     uploads: list[Upload] | None = None) -> int:
    """Answer in a thread the person is in: to the other person only. Returns the message's id."""
    thread, other = await participation(session, user, thread_id)
    errors = text_problems(None, body)
    if not errors and (problem := await rate_problem(session, user.id, now)):
        errors["body"] = problem
    if errors:
        raise MailError(errors)
    body = plain(body)
    other_name = await session.scalar(select(UserAccount.full_name).where(UserAccount.id == other)) or ""
    message = MessagingMessage(thread_id=thread.id, sender_id=user.id, body=body, created_at=now,
                               search_key=folded(f"{user.full_name} {other_name} {thread.subject} {body}"))
    session.add(message)
    await session.flush()
    session.add(MessagingReceipt(message_id=message.id, recipient_id=other, school_id=thread.school_id, thread_id=thread.id))
    await attach(session, [message.id], uploads or [])
    thread.last_message_at = now
    # The answer brings the thread back into the other person's inbox, out of their archive.
    await session.execute(update(MessagingParticipant).where(
        MessagingParticipant.thread_id == thread.id, MessagingParticipant.user_id == other)
        .values(has_incoming=True, archived=False))
    emit(session, MessagesSent(school_id=thread.school_id, message_ids=[message.id]))
    return message.id


async def mark_read(session: AsyncSession, user_id: int, thread_id: int, now: datetime) -> int:
    result = await session.execute(update(MessagingReceipt).where(
        MessagingReceipt.thread_id == thread_id, MessagingReceipt.recipient_id == user_id, MessagingReceipt.read_at.is_(None))
        .values(read_at=now))
    return result.rowcount or 0


async def set_archived(session: AsyncSession, user: CurrentUser, thread_id: int, archived: bool) -> None:
    await participation(session, user, thread_id)
    await session.execute(update(MessagingParticipant).where(
        MessagingParticipant.thread_id == thread_id, MessagingParticipant.user_id == user.id).values(archived=archived))


def form_ids(values: Iterable[str]) -> list[int]:
    """Recipient ids as the form sends them; anything that is not one (-1) is refused as outside the list."""
    return [query_id(value) or -1 for value in values]

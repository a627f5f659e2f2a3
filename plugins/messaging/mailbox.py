"""What a person's mailbox shows: the inbox, the archive, what they sent, a thread, a broadcast with
who has read it, and the count of unread messages. Each in a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar.exceptions import NotFoundException
from sqlalchemy import and_, exists, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.i18n import like_pattern
from plugins.messaging.models import (
    MessagingBroadcast, MessagingMessage, MessagingParticipant, MessagingReceipt, MessagingThread,
)

PAGE = 30
SNIPPET = 140


def snippet(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1].rstrip() + "…"


@dataclass(frozen=True)
class ThreadLine:
    id: int
    subject: str
    other: str
    last_at: datetime
    snippet: str
    unread: int
    last_mine: bool  # the last message is the person's own


@dataclass(frozen=True)
class SentLine:
    url: str
    subject: str
    to: str  # a name, or the groups of a broadcast
    at: datetime
    snippet: str
    read: int
    total: int
    read_at: datetime | None = None  # a message to one person: when they read it


async def unread_count(session: AsyncSession, user: CurrentUser) -> int:
    return await session.scalar(select(func.count()).select_from(MessagingReceipt).where(
        MessagingReceipt.recipient_id == user.id, MessagingReceipt.school_id == user.school_id,
        MessagingReceipt.read_at.is_(None))) or 0


async def thread_lines(session: AsyncSession, user: CurrentUser, *, archived: bool, query: str = "", page: int = 0,
                       unread_only: bool = False, limit: int = PAGE) -> tuple[list[ThreadLine], bool]:
    """The person's threads, latest first: the inbox (someone wrote to them) or the archive. Four statements."""
    mine = MessagingParticipant
    conditions = [mine.user_id == user.id, MessagingThread.school_id == user.school_id, mine.archived.is_(archived)]
    if not archived:
        conditions.append(mine.has_incoming.is_(True))
    if query.strip():
        conditions.append(exists(select(MessagingMessage.id).where(
            MessagingMessage.thread_id == MessagingThread.id, MessagingMessage.search_key.like(like_pattern(query), escape="\\"))))
    unread = select(MessagingReceipt.thread_id, func.count().label("unread")).where(
        MessagingReceipt.recipient_id == user.id, MessagingReceipt.read_at.is_(None)).group_by(MessagingReceipt.thread_id).subquery()
    if unread_only:
        conditions.append(unread.c.unread > 0)
    rows = (await session.execute(
        select(MessagingThread.id, MessagingThread.subject, MessagingThread.last_message_at, func.coalesce(unread.c.unread, 0))
        .join(mine, mine.thread_id == MessagingThread.id)
        .outerjoin(unread, unread.c.thread_id == MessagingThread.id)
        .where(*conditions).order_by(MessagingThread.last_message_at.desc(), MessagingThread.id.desc())
        .offset(page * limit).limit(limit + 1))).all()
    more, rows = len(rows) > limit, rows[:limit]
    ids = [row[0] for row in rows]
    others = await _others(session, user.id, ids)
    last = {thread_id: (body, sender) for thread_id, body, sender in (await session.execute(
        select(MessagingMessage.thread_id, MessagingMessage.body, MessagingMessage.sender_id).where(
            MessagingMessage.id.in_(select(func.max(MessagingMessage.id)).where(MessagingMessage.thread_id.in_(ids or [0]))
                                    .group_by(MessagingMessage.thread_id))))).all()}
    return [ThreadLine(thread_id, subject, others.get(thread_id, ""), at, snippet(last.get(thread_id, ("", None))[0]), count,
                       last.get(thread_id, ("", None))[1] == user.id)
            for thread_id, subject, at, count in rows], more


async def _others(session: AsyncSession, user_id: int, thread_ids: list[int]) -> dict[int, str]:
    """Thread → the other person's name (one statement)."""
    if not thread_ids:
        return {}
    return dict((await session.execute(
        select(MessagingParticipant.thread_id, UserAccount.full_name)
        .join(UserAccount, UserAccount.id == MessagingParticipant.user_id)
        .where(MessagingParticipant.thread_id.in_(thread_ids), MessagingParticipant.user_id != user_id))).all())


async def sent_lines(session: AsyncSession, user: CurrentUser, *, query: str = "", page: int = 0) -> tuple[list[SentLine], bool]:
    """What the person sent, latest first: a broadcast as one line with how many have read it. Three statements."""
    pattern = like_pattern(query) if query.strip() else None
    broadcasts = select(literal("b").label("kind"), MessagingBroadcast.id.label("id"), MessagingBroadcast.created_at.label("at")).where(
        MessagingBroadcast.sender_id == user.id, MessagingBroadcast.school_id == user.school_id)
    if pattern:
        broadcasts = broadcasts.where(exists(select(MessagingMessage.id).where(
            MessagingMessage.broadcast_id == MessagingBroadcast.id, MessagingMessage.search_key.like(pattern, escape="\\"))))
    messages = (select(literal("m").label("kind"), MessagingMessage.id.label("id"), MessagingMessage.created_at.label("at"))
                .join(MessagingThread, MessagingThread.id == MessagingMessage.thread_id)
                .where(MessagingMessage.sender_id == user.id, MessagingMessage.broadcast_id.is_(None),
                       MessagingThread.school_id == user.school_id))
    if pattern:
        messages = messages.where(MessagingMessage.search_key.like(pattern, escape="\\"))
    both = union_all(broadcasts, messages).subquery()
    rows = (await session.execute(select(both.c.kind, both.c.id).order_by(both.c.at.desc(), both.c.id.desc())
                                  .offset(page * PAGE).limit(PAGE + 1))).all()
    more, rows = len(rows) > PAGE, rows[:PAGE]
    broadcast_ids = [row_id for kind, row_id in rows if kind == "b"]
    message_ids = [row_id for kind, row_id in rows if kind == "m"]
    lines: dict[tuple[str, int], SentLine] = {}
    if broadcast_ids:
        read = select(MessagingMessage.broadcast_id, func.count(MessagingReceipt.read_at).label("read")).join(
            MessagingReceipt, MessagingReceipt.message_id == MessagingMessage.id).where(
            MessagingMessage.broadcast_id.in_(broadcast_ids)).group_by(MessagingMessage.broadcast_id).subquery()
        for broadcast, count in (await session.execute(select(MessagingBroadcast, func.coalesce(read.c.read, 0)).outerjoin(
                read, read.c.broadcast_id == MessagingBroadcast.id).where(MessagingBroadcast.id.in_(broadcast_ids)))).all():
            lines[("b", broadcast.id)] = SentLine(f"/messaging/sent/{broadcast.id}", broadcast.subject, broadcast.groups,
                                                  broadcast.created_at, snippet(broadcast.body), count, broadcast.recipients)
    if message_ids:
        for message_id, thread_id, subject, body, at, name, read_at in (await session.execute(
                select(MessagingMessage.id, MessagingThread.id, MessagingThread.subject, MessagingMessage.body,
                       MessagingMessage.created_at, UserAccount.full_name, MessagingReceipt.read_at)
                .join(MessagingThread, MessagingThread.id == MessagingMessage.thread_id)
                .join(MessagingReceipt, MessagingReceipt.message_id == MessagingMessage.id)
                .join(UserAccount, UserAccount.id == MessagingReceipt.recipient_id)
                .where(MessagingMessage.id.in_(message_ids)))).all():
            lines[("m", message_id)] = SentLine(f"/messaging/threads/{thread_id}#messaging-message-{message_id}", subject, name,
                                                at, snippet(body), int(read_at is not None), 1, read_at)
    return [lines[(kind, row_id)] for kind, row_id in rows if (kind, row_id) in lines], more


@dataclass(frozen=True)
class MessageView:
    id: int
    mine: bool
    sender: str
    body: str
    about: str
    at: datetime
    read_at: datetime | None  # when its recipient read it


async def thread_messages(session: AsyncSession, thread_id: int, user_id: int) -> list[MessageView]:
    rows = (await session.execute(
        select(MessagingMessage.id, MessagingMessage.sender_id, UserAccount.full_name, MessagingMessage.body,
               MessagingMessage.about, MessagingMessage.created_at, MessagingReceipt.read_at)
        .outerjoin(UserAccount, UserAccount.id == MessagingMessage.sender_id)
        .outerjoin(MessagingReceipt, MessagingReceipt.message_id == MessagingMessage.id)
        .where(MessagingMessage.thread_id == thread_id).order_by(MessagingMessage.id))).all()
    return [MessageView(message_id, sender == user_id, name or "", body, about, at, read_at)
            for message_id, sender, name, body, about, at, read_at in rows]


async def is_archived(session: AsyncSession, thread_id: int, user_id: int) -> bool:
    return bool(await session.scalar(select(MessagingParticipant.archived).where(
        MessagingParticipant.thread_id == thread_id, MessagingParticipant.user_id == user_id)))


@dataclass(frozen=True)
class Delivery:
    message_id: int  # the recipient's copy
    thread_id: int
    name: str
    about: str
    read_at: datetime | None
    answers: int


async def broadcast_view(session: AsyncSession, user: CurrentUser, broadcast_id: int) -> tuple[MessagingBroadcast, list[Delivery]]:
    """A broadcast the person sent, and each recipient's copy: read or not, answered or not; else 404."""
    broadcast = await session.scalar(select(MessagingBroadcast).where(
        MessagingBroadcast.id == broadcast_id, MessagingBroadcast.sender_id == user.id,
        MessagingBroadcast.school_id == user.school_id))
    if broadcast is None:
        raise NotFoundException()
    answers = select(MessagingMessage.thread_id, func.count().label("answers")).join(
        MessagingThread, MessagingThread.id == MessagingMessage.thread_id).where(
        MessagingThread.broadcast_id == broadcast_id, MessagingMessage.sender_id != user.id).group_by(
        MessagingMessage.thread_id).subquery()
    rows = (await session.execute(
        select(MessagingMessage.id, MessagingMessage.thread_id, UserAccount.full_name, MessagingMessage.about, MessagingReceipt.read_at,
               func.coalesce(answers.c.answers, 0))
        .join(MessagingReceipt, MessagingReceipt.message_id == MessagingMessage.id)
        .join(UserAccount, UserAccount.id == MessagingReceipt.recipient_id)
        .outerjoin(answers, answers.c.thread_id == MessagingMessage.thread_id)
        .where(and_(MessagingMessage.broadcast_id == broadcast_id, MessagingMessage.sender_id == user.id))
        .order_by(UserAccount.full_name))).all()
    return broadcast, [Delivery(*row) for row in rows]

"""Private calendar feeds (iCalendar): a student's lessons as events (stable UIDs, the school's time
zone, changes and cancellations applied) and their homework as to-dos with due dates.

The address holds a random token; only its SHA-256 is kept, so the address is shown once, when
made. Making a new one or turning the feed off kills the old address. A feed answers only while
its owner may still open the student's diary (a parent's guardianship ended: 404)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.events import ConsentWithdrawn
from core.i18n import gettext as _
from core.plugins.types import DiaryEntry
from core.school.models import School, SchoolModule
from core.structure.common import school_today
from plugins.diary.family import Child, child_of
from plugins.diary.models import DiaryFeed
from plugins.diary.refusals import standing_refusal

BACK, AHEAD = timedelta(days=7), timedelta(days=21)  # the lessons a feed holds around today
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def active_feed(session: AsyncSession, user: CurrentUser, student_id: int) -> DiaryFeed | None:
    return await session.scalar(select(DiaryFeed).where(
        DiaryFeed.user_id == user.id, DiaryFeed.student_id == student_id, DiaryFeed.school_id == user.school_id,
        DiaryFeed.revoked_at.is_(None)).order_by(DiaryFeed.id.desc()).limit(1))


async def revoke(session: AsyncSession, user: CurrentUser, student_id: int) -> int:
    """Turn off the person's feeds of the student; how many were on."""
    done = await session.execute(update(DiaryFeed).where(
        DiaryFeed.user_id == user.id, DiaryFeed.student_id == student_id, DiaryFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    return done.rowcount or 0


async def stop_feeds_without_consent(platform: Any, event: Any) -> None:
    """The consent to the calendar feed was withdrawn: every feed of the person's lessons stops,
    and every feed the person made (a parent's of their children)."""
    if not isinstance(event, ConsentWithdrawn) or "calendar" not in event.scopes.split(","):
        return
    async with platform.db.writing() as session:
        await session.execute(update(DiaryFeed).where(
            DiaryFeed.school_id == event.school_id, or_(DiaryFeed.student_id == event.person_id, DiaryFeed.user_id == event.person_id),
            DiaryFeed.revoked_at.is_(None)).values(revoked_at=utcnow()))


async def make_feed(session: AsyncSession, user: CurrentUser, student_id: int) -> str:
    """A new feed (any earlier one stops working); its token, to show once."""
    await revoke(session, user, student_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(DiaryFeed(school_id=user.school_id, user_id=user.id, student_id=student_id, token_hash=token_hash(token)))
    await session.flush()
    return token


@dataclass
class FeedOwner:
    feed: DiaryFeed
    viewer: CurrentUser
    child: Child
    today: date
    timezone: str


async def owner_of(session: AsyncSession, token: str) -> FeedOwner | None:
    """The live feed of a token, as its owner sees the student today; None for an unknown, revoked
    or no longer allowed one."""
    if not 20 <= len(token) <= 100:
        return None
    feed = await session.scalar(select(DiaryFeed).where(DiaryFeed.token_hash == token_hash(token),
                                                        DiaryFeed.revoked_at.is_(None)))
    if feed is None:
        return None
    school = await session.get(School, feed.school_id)
    roles = frozenset((await session.execute(select(RoleGrant.role).where(
        RoleGrant.user_id == feed.user_id, RoleGrant.school_id == feed.school_id))).scalars())
    off = frozenset((await session.execute(select(SchoolModule.plugin).where(
        SchoolModule.school_id == feed.school_id, SchoolModule.enabled.is_(False)))).scalars())
    if school is None or "diary" in off or not roles & {"student", "parent"}:
        return None
    if feed.student_id != feed.user_id and await standing_refusal(session, feed.school_id, feed.user_id) is not None:
        return None  # recording a refusal turns the feeds off; this is for a feed made meanwhile
    viewer = CurrentUser(id=feed.user_id, login="", full_name="", session_id="", school_id=feed.school_id, roles=roles,
                         disabled_modules=off)
    today = school_today(school.timezone)
    try:
        child, _children = await child_of(session, viewer, feed.student_id, today)
    except NotFoundException:  # no longer theirs
        return None
    return FeedOwner(feed, viewer, child, today, school.timezone)


def calendar_bytes(owner: FeedOwner, entries: list[DiaryEntry]) -> bytes:
    """The iCalendar text: a VEVENT per lesson (cancelled ones marked), a VTODO per homework."""
    from icalendar import Calendar, Event, Todo

    zone = ZoneInfo(owner.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//zhurnal//diary//RU")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Diary: %(name)s", name=owner.child.name))
    calendar.add("x-wr-timezone", owner.timezone)
    stamp = utcnow()
    for entry in entries:
        if entry.starts_at is not None and entry.ends_at is not None:
            event = Event()
            event.add("uid", f"{entry.key or _fallback_key(entry)}@zhurnal")
            event.add("dtstamp", stamp)
            event.add("dtstart", datetime.combine(entry.day, entry.starts_at, tzinfo=zone))
            event.add("dtend", datetime.combine(entry.day, entry.ends_at, tzinfo=zone))
            event.add("summary", entry.subject + (f" ({_('cancelled')})" if entry.cancelled else ""))
            if entry.room:
                event.add("location", _("room %(room)s", room=entry.room))
            details = [text for text in (entry.topic, entry.teacher, _("substitution") if entry.replaced else "") if text]
            if details:
                event.add("description", "\n".join(details))
            event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
            calendar.add_component(event)
        if entry.homework and not entry.cancelled:
            todo = Todo()
            todo.add("uid", f"{entry.key or _fallback_key(entry)}-homework@zhurnal")
            todo.add("dtstamp", stamp)
            todo.add("summary", _("Homework: %(subject)s", subject=entry.subject))
            todo.add("description", entry.homework)
            todo.add("due", entry.homework_due or entry.day)
            calendar.add_component(todo)
    return calendar.to_ical()


def _fallback_key(entry: DiaryEntry) -> str:
    return f"{entry.source}-{entry.day.isoformat()}-{entry.number}-{entry.subject}"


async def feed_entries(platform: Any, owner: FeedOwner) -> list[DiaryEntry]:
    from plugins.diary.week import diary_entries

    return await diary_entries(platform, owner.viewer, owner.child.id, owner.today - BACK, owner.today + AHEAD)

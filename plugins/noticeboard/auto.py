"""Automatic notices of the day's timetable changes (regulation 4.2).

A school that switched them on (``NoticeboardSettings.auto_timetable``) gets one notice per class
and day listing that day's changed lessons of the class, for its students, parents and teachers.
Each ``TimetableChanged`` rebuilds the notices of the classes and dates it names from the timetable
as it now is, so a later change updates the notice, a withdrawn last change withdraws it, and the
same event delivered twice changes nothing. Notices are records: their text is Russian, and every
value in their HTML body is escaped.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.types import utcnow
from core.events import Event, TimetableChanged
from core.school.models import School
from core.structure.common import lock_school, short_name
from core.timetable.lessons import ACTIVE, CANCELLED, MOVED_AWAY, MOVED_IN, Lesson, TimetableData, load_timetable
from plugins.noticeboard.models import (
    NoticeboardAudience, NoticeboardNotice, NoticeboardRead, NoticeboardRevision, NoticeboardSettings,
)
from plugins.noticeboard.text import search_text

LOOKAHEAD = timedelta(days=14)  # a long-term replacement is announced for the coming days only
AUDIENCE = ("class", "everyone")


async def handle_event(platform: Any, event: Event, *, now: datetime | None = None) -> None:
    """Refresh the automatic notices of the classes and dates a timetable change touched."""
    if not isinstance(event, TimetableChanged) or event.school_id is None or not event.class_group_ids:
        return
    now = now or utcnow()
    async with platform.db.writing() as session:
        if not await auto_timetable_on(session, event.school_id):
            return
        school = await session.get(School, event.school_id)
        assert school is not None
        today = now.astimezone(ZoneInfo(school.timezone)).date()
        await lock_school(session, event.school_id)  # two deliveries for the same class and day: one inserts
        for day in affected_days(event, today):
            data = await load_timetable(session, event.school_id, day, day)  # once for all the day's classes
            for class_id in event.class_group_ids:
                await refresh_class_day(session, event.school_id, class_id, day, data, now=now)


async def auto_timetable_on(session: AsyncSession, school_id: int) -> bool:
    """Whether the school wants the notices (no settings row: it does not)."""
    return bool(await session.scalar(select(NoticeboardSettings.auto_timetable).where(
        NoticeboardSettings.school_id == school_id)))


def affected_days(event: TimetableChanged, today: date) -> list[date]:
    """The event's dates from ``today`` on: a notice of a past day would expire before it is read
    (and a notice must expire after it is published). A long-term replacement counts for the next
    two weeks only."""
    days = {event.on_date} | ({event.to_date} if event.to_date else set())
    if event.kind == "replacement" and event.ends_on:
        start, end = max(event.on_date, today), min(event.ends_on, today + LOOKAHEAD)
        days = {start + timedelta(days=offset) for offset in range((end - start).days + 1)}
    return sorted(day for day in days if day >= today)


async def refresh_class_day(session: AsyncSession, school_id: int, class_id: int, day: date, data: TimetableData, *,
                            now: datetime | None = None) -> NoticeboardNotice | None:
    """Make the class's automatic notice of ``day`` match the day's changed lessons (``data``: the
    day's timetable, read under the school's lock): create, update or withdraw it. Returns the
    notice (None when there is none and nothing to say)."""
    now = now or utcnow()
    changed = sorted((lesson for lesson in data.lessons_on(day) if class_id in lesson.page.class_ids
                      and lesson.status != ACTIVE), key=lambda lesson: (lesson.number, lesson.page.holder, lesson.key))
    key = f"timetable:{class_id}:{day.isoformat()}"
    notice = await session.scalar(select(NoticeboardNotice).where(
        NoticeboardNotice.school_id == school_id, NoticeboardNotice.auto_key == key))
    if not changed:
        if notice is not None and notice.withdrawn_at is None and notice.updated_by is None:
            notice.withdrawn_at = notice.updated_at = now
            notice.version += 1
            _revise(session, notice, "withdrawn", class_id, now)
        return notice
    title = f"Изменения в расписании {data.classes[class_id].name} на {day.strftime('%d.%m.%Y')}"
    body = "<ul>" + "".join(f"<li>{escape(describe(data, lesson))}</li>" for lesson in changed) + "</ul>"
    if notice is None:
        return await _create(session, school_id, class_id, day, key, title, body, now)
    if notice.withdrawn_by is not None or notice.updated_by is not None:
        return notice  # withdrawn or edited by a person: theirs from now on, not ours to overwrite
    if (notice.title, notice.body, notice.withdrawn_at) != (title, body, None):
        await session.execute(delete(NoticeboardRead).where(NoticeboardRead.notice_id == notice.id))  # new to everyone again
        notice.title, notice.body, notice.withdrawn_at, notice.updated_at, notice.updated_by = title, body, None, now, None
        notice.search_key = search_text(title, body)
        notice.version += 1
        _revise(session, notice, "edited", class_id, now)
    return notice


async def _create(session: AsyncSession, school_id: int, class_id: int, day: date, key: str, title: str, body: str,
                  now: datetime) -> NoticeboardNotice:
    notice = NoticeboardNotice(school_id=school_id, title=title, body=body, author_id=None, publish_at=now,
                               expire_at=await _end_of(session, school_id, day), pinned=False, auto_key=key,
                               created_at=now, updated_at=now, version=1,
                               search_key=search_text(title, body))
    session.add(notice)
    await session.flush()  # a second insert of the key fails here, on the unique constraint
    scope, people = AUDIENCE
    session.add(NoticeboardAudience(notice_id=notice.id, scope=scope, scope_id=class_id, people=people))
    _revise(session, notice, "created", class_id, now)
    return notice


async def _end_of(session: AsyncSession, school_id: int, day: date) -> datetime:
    """The end of ``day`` in the school's time zone, in UTC."""
    zone = ZoneInfo(await session.scalar(select(School.timezone).where(School.id == school_id)) or "UTC")
    return datetime.combine(day + timedelta(days=1), time.min, zone).astimezone(timezone.utc)


def _revise(session: AsyncSession, notice: NoticeboardNotice, action: str, class_id: int, now: datetime) -> None:
    scope, people = AUDIENCE
    session.add(NoticeboardRevision(notice_id=notice.id, action=action, changed_by=None, changed_at=now,
                                    title=notice.title, body=notice.body, audience=f"{scope}:{class_id}:{people}",
                                    publish_at=notice.publish_at, expire_at=notice.expire_at, pinned=False))


# ---- the text of one changed lesson ------------------------------------------------------------------


def describe(data: TimetableData, lesson: Lesson) -> str:
    """«2-й урок, Математика: замена — ведёт Запасова В. П., кабинет 205 (причина: болезнь)»: plain
    text, escaped by the caller."""
    subject = lesson.page.subject + (f" ({lesson.page.holder})" if lesson.page.group_id else "")
    parts = [_what(data, lesson)]
    change = lesson.change
    if change is not None and change.room_id is not None and lesson.status != CANCELLED and change.room_id in data.rooms:
        parts.append(f"кабинет {data.rooms[change.room_id].name}")
    text = f"{lesson.number}-й урок, {subject}: " + ", ".join(part for part in parts if part)
    reason = change.reason.strip() if change is not None else ""
    return f"{text} (причина: {reason})" if reason else text


def _what(data: TimetableData, lesson: Lesson) -> str:
    change = lesson.change
    if lesson.status == CANCELLED:
        return "отменён"
    if lesson.status == MOVED_AWAY and change is not None and change.to_date is not None:
        return f"перенесён на {change.to_date.strftime('%d.%m')}, {change.to_number}-й урок"
    if lesson.status == MOVED_IN and change is not None:
        slot = data.slot(change.slot_id)
        return f"перенесён с {change.on_date.strftime('%d.%m')}" + (f" ({slot.number}-й урок)" if slot else "")
    kind = change.kind if change is not None else ""
    teacher = short_name(data.teacher_names.get(lesson.teacher_id or 0, ""))
    if kind in ("substitute", "replacement"):
        return f"замена — ведёт {teacher}"
    if kind == "other_subject":
        instead = f" вместо предмета «{lesson.planned_page.subject}»" if lesson.planned_page else ""
        return f"замена{instead} — ведёт {teacher}"
    if kind == "merge":
        return f"группы объединены — ведёт {teacher}"
    return ""  # a room change: the room says it all

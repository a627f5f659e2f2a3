"""A student's week in the diary: each day with its lessons as the plugins give them through the
``diary_entries`` hook (the diary never imports them), holidays and vacations marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.plugins.calling import call_each
from core.plugins.types import DiaryEntry
from core.structure.models import CalendarDays

DAYS_SHOWN = 6  # Monday to Saturday; Sunday only when something falls on it


@dataclass
class Day:
    day: date
    entries: list[DiaryEntry] = field(default_factory=list)
    day_off: str = ""  # the holiday's or the vacation's name

    @property
    def lessons(self) -> list[DiaryEntry]:
        return [entry for entry in self.entries if entry.number is not None]


@dataclass
class Week:
    monday: date
    days: list[Day]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def following(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def diary_entries(platform: Any, viewer: CurrentUser, student: int, start: date, end: date) -> list[DiaryEntry]:
    """Every plugin's entries of the dates, in the diary's order."""
    found = await call_each(platform.hooks_for(viewer.disabled_modules).diary_entries, platform=platform, viewer=viewer,
                            student=student, start=start, end=end)
    entries = [entry for _plugin, answer in found for entry in answer if isinstance(entry, DiaryEntry)]
    return sorted(entries, key=lambda entry: (entry.day, entry.number is None, entry.number or 0, entry.cancelled,
                                              entry.subject))


async def days_off(session: AsyncSession, school_id: int, grade_level: int, start: date, end: date) -> dict[date, str]:
    """Holidays and vacations of the student's grade level in ``start .. end``: one statement."""
    rows = (await session.execute(select(CalendarDays.starts_on, CalendarDays.ends_on, CalendarDays.name).where(
        CalendarDays.school_id == school_id, CalendarDays.kind.in_(("holiday", "vacation")),
        CalendarDays.starts_on <= end, CalendarDays.ends_on >= start,
        CalendarDays.grade_from <= grade_level, CalendarDays.grade_to >= grade_level))).all()
    found: dict[date, str] = {}
    for starts, ends, name in rows:
        day = max(starts, start)
        while day <= min(ends, end):
            found.setdefault(day, name)
            day += timedelta(days=1)
    return found


def arrange(monday: date, entries: list[DiaryEntry], off: dict[date, str]) -> Week:
    days = [Day(monday + timedelta(days=offset), day_off=off.get(monday + timedelta(days=offset), ""))
            for offset in range(7)]
    for entry in entries:
        days[(entry.day - monday).days].entries.append(entry)
    shown = days[:DAYS_SHOWN] + [day for day in days[DAYS_SHOWN:] if day.entries]
    return Week(monday, shown)

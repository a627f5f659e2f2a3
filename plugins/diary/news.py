"""What is new since a person's last visit to a student's diary: the marks and absences the
plugins posted after it (each ``DiaryGrade.posted_at``, ``DiaryEntry.attendance_at``).

A visit is a stretch of looking: half an hour away starts the next one (on whichever device), and
what came after the previous visit stays highlighted all through the current one (switching weeks
or children does not make it vanish). The end of a visit is written at most every five minutes,
so what was posted in its last minutes may show as new once more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.plugins.types import DiaryEntry, DiaryGrade
from plugins.diary.models import DiaryVisit

NEW_VISIT_AFTER = timedelta(minutes=30)
TOUCH_EVERY = timedelta(minutes=5)  # the current visit's end is written at most this often
# News on lessons of the seven weeks before the week shown (a test marked a week or two later). A
# range that long is also one plugins may answer without the timetable's rooms and cancellations,
# which news need not (the journal does so past six weeks): reading it costs a fraction of the week.
LOOK_BACK = timedelta(weeks=7)


async def visit(platform: Any, viewer: CurrentUser, student: int) -> datetime | None:
    """Note this look at the student's diary; the end of the previous visit (None on the first).
    One read; a write only to start a visit or, at most every few minutes, to extend it (a page
    view never waits for SQLite's write lock otherwise)."""
    now = utcnow()
    async with platform.db.reading() as session:
        row = (await session.execute(select(DiaryVisit.id, DiaryVisit.seen_at, DiaryVisit.since).where(
            DiaryVisit.viewer_id == viewer.id, DiaryVisit.student_id == student))).first()
    if row is not None and now - row.seen_at <= TOUCH_EVERY:
        return row.since
    try:
        async with platform.db.writing() as session:
            if row is None:
                session.add(DiaryVisit(viewer_id=viewer.id, student_id=student, seen_at=now, since=None))
                return None
            new_visit = now - row.seen_at > NEW_VISIT_AFTER
            since = row.seen_at if new_visit else row.since
            await session.execute(update(DiaryVisit).where(DiaryVisit.id == row.id).values(seen_at=now, since=since))
            return since
    except IntegrityError:  # two first looks at once: the other wrote the visit
        return None


@dataclass(frozen=True)
class News:
    entry: DiaryEntry
    grades: tuple[DiaryGrade, ...]  # the marks posted since
    absence: bool  # the absence (or lateness) was marked since


def news_since(entries: list[DiaryEntry], since: datetime | None) -> list[News]:
    """The entries with marks or an absence posted after ``since``, the latest lesson first."""
    if since is None:
        return []
    found = []
    for entry in entries:
        grades = tuple(grade for grade in entry.grades if is_after(grade.posted_at, since))
        absence = bool(entry.attendance) and is_after(entry.attendance_at, since)
        if grades or absence:
            found.append(News(entry, grades, absence))
    return sorted(found, key=lambda news: (news.entry.day, news.entry.number or 0), reverse=True)


def is_after(moment: datetime | None, since: datetime | None) -> bool:
    return moment is not None and since is not None and moment > since


def news_range(monday: date) -> tuple[date, date]:
    """The days before the current week whose entries may hold news."""
    return monday - LOOK_BACK, monday - timedelta(days=1)

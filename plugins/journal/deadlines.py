"""When a lesson must be filled (regulation 4.5: on the lesson's day, by 17:00) and whether it was.

A lesson is *filled* when it has a topic, its attendance was taken and it has homework or an
explicit «без домашнего задания» (the first grade sets no homework). The first moment it became
filled is kept (``journal_lesson.completed_at``): a later change never makes it late or on time
again. Its deadline is the school's time (17:00 by default) on the lesson's day, in the school's
time zone; a second-shift lesson ending later than an hour before that time gets an hour after its
end. Marks of a kind of work may come later: ``journal_work_kind.marks_days`` days after the lesson
(a контрольная is marked within a week).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext as _
from core.school.models import School
from plugins.journal.diary import LessonClock, load_clock
from plugins.journal.models import JournalLesson, JournalSettings

DEFAULT_DEADLINE = time(17, 0)
SECOND_SHIFT_GRACE = timedelta(hours=1)


def is_filled(topic: str, attendance_at: datetime | None, homework: str, no_homework: bool, grade_level: int) -> bool:
    return bool(topic.strip()) and attendance_at is not None and (grade_level == 1 or bool(homework.strip()) or no_homework)


def note_progress(lesson: JournalLesson, grade_level: int, now: datetime, *, attendance_taken: bool) -> None:
    """After a save: when the lesson's attendance was first taken, and when it first became filled."""
    if attendance_taken and lesson.attendance_at is None:
        lesson.attendance_at = now
    if lesson.completed_at is None and lesson.state == "active" and \
            is_filled(lesson.topic, lesson.attendance_at, lesson.homework, lesson.no_homework, grade_level):
        lesson.completed_at = now


@dataclass(frozen=True)
class DeadlineRules:
    """The school's rule and clock: the time of day and zone, and the bells of each page's shift."""

    fill_by: time
    zone: ZoneInfo
    clock: LessonClock

    def deadline(self, page_id: int, day: date, number: int | None) -> datetime:
        """The lesson's deadline, in UTC."""
        local = datetime.combine(day, self.fill_by, tzinfo=self.zone)
        page = self.clock.page(page_id)
        if page is not None and page.shift == 2:
            _starts, ends = self.clock.times(page_id, day, number)
            if ends is not None:
                local = max(local, datetime.combine(day, ends, tzinfo=self.zone) + SECOND_SHIFT_GRACE)
        return local.astimezone(timezone.utc)

    def marks_deadline(self, page_id: int, day: date, number: int | None, marks_days: int | None) -> datetime:
        """When the lesson's marks are due: its deadline, or ``marks_days`` days later for its kind."""
        due = self.deadline(page_id, day, number)
        return due + timedelta(days=marks_days) if marks_days else due


def delay_text(delay: timedelta) -> str:
    """«2 ч 15 мин», «3 дн 4 ч»: how late, for a report's reader."""
    minutes = int(delay.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes) if hours else \
        _("%(minutes)d min", minutes=minutes)


async def deadline_rules(session: AsyncSession, school_id: int, start: date, end: date) -> DeadlineRules:
    """The school's rule and the clock of the lessons from ``start`` to ``end`` (eight statements)."""
    settings = await session.scalar(select(JournalSettings.fill_deadline).where(JournalSettings.school_id == school_id))
    zone = await session.scalar(select(School.timezone).where(School.id == school_id))
    return DeadlineRules(settings or DEFAULT_DEADLINE, ZoneInfo(zone or "UTC"), await load_clock(session, school_id, start, end))

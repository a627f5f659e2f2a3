"""The dashboard's «today's lessons» (the ``dashboard_widgets`` hook): the lessons a teacher gives
today or whose page they hold today, in the day's order, each with its time and whether it is
filled yet (topic, attendance, homework), linked to the lesson's page. A lesson someone else gives (a substitute) is shown
with their name and is theirs to fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.i18n import gettext as _
from core.plugins.types import Widget
from core.school.models import School
from core.structure.common import active_on, school_today, short_name
from core.structure.models import TeachingAssignment
from plugins.journal.diary import LessonClock, load_clock
from plugins.journal.lessons import REPLACEMENT_KINDS
from plugins.journal.models import JournalLesson
from plugins.journal.permissions import FILL
from plugins.journal.sync import sync_through

TEMPLATE = "journal/_widget_today.html"


@dataclass(frozen=True)
class TodayLesson:
    id: int
    number: int | None
    times: str  # «08:00–08:40»; "" when the bells do not say
    subject: str
    holder: str
    filled: bool  # topic, attendance and homework (or «no homework»): as the filling deadline counts it
    replaced: bool  # «замена»
    given_by: str  # the substitute's short name, when someone else gives the lesson; else ""

    @property
    def url(self) -> str:
        return f"/journal/lessons/{self.id}"

    @property
    def to_fill(self) -> bool:
        return not self.filled and not self.given_by


async def today_widget(platform: Any, user: CurrentUser | None) -> list[Widget]:
    if user is None or user.school_id is None or not platform.permissions.allows(user.roles, FILL):
        return []
    async with platform.db.reading() as session:
        timezone = await session.scalar(select(School.timezone).where(School.id == user.school_id))
    today = school_today(timezone or "UTC")
    await sync_through(platform, user.school_id, today)
    async with platform.db.reading() as session:
        lessons = await todays_lessons(session, user, today)
    return [Widget(id="journal-today", title=_("Today's lessons"), template=TEMPLATE, order=10,
                   context={"lessons": lessons, "to_fill": sum(lesson.to_fill for lesson in lessons)})]


async def todays_lessons(session: AsyncSession, user: CurrentUser, today: date) -> list[TodayLesson]:
    """Seven statements: the lessons, and the clock for their subjects and times."""
    held = select(TeachingAssignment.subject_page_id).where(
        TeachingAssignment.teacher_id == user.id, active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, today))
    rows = (await session.execute(
        select(JournalLesson.id, JournalLesson.number, JournalLesson.subject_page_id, JournalLesson.teacher_id,
               JournalLesson.change_kind, JournalLesson.completed_at, UserAccount.full_name)
        .outerjoin(UserAccount, UserAccount.id == JournalLesson.teacher_id)
        .where(JournalLesson.school_id == user.school_id, JournalLesson.day == today, JournalLesson.state == "active",
               or_(JournalLesson.teacher_id == user.id, JournalLesson.subject_page_id.in_(held)))
        .order_by(JournalLesson.id))).all()
    clock = await load_clock(session, user.school_id or 0, today, today)
    lessons = [_today_lesson(row, clock, today, user.id) for row in rows]
    return sorted(lessons, key=lambda lesson: (lesson.number is None, lesson.number or 0, lesson.id))


def _today_lesson(row: Any, clock: LessonClock, today: date, user_id: int) -> TodayLesson:
    page = clock.page(row.subject_page_id)
    starts_at, ends_at = clock.times(row.subject_page_id, today, row.number)
    times = f"{starts_at:%H:%M}–{ends_at:%H:%M}" if starts_at and ends_at else ""
    given_by = short_name(row.full_name or "") if row.teacher_id not in (None, user_id) else ""
    return TodayLesson(id=row.id, number=row.number, times=times, subject=page.subject if page else "",
                       holder=page.holder if page else "", filled=row.completed_at is not None,
                       replaced=row.change_kind in REPLACEMENT_KINDS, given_by=given_by)

"""Notices in a student's diary (the ``diary_entries`` hook): those meant for the student (seen by
the student) or for the student's parents (seen by a parent), each under the day it was published,
linking to its page. Automatic notices of timetable changes stay out: the diary shows the changed
lessons themselves, on their own days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.i18n import gettext as _
from core.plugins.types import DiaryEntry
from core.school.models import School
from core.structure.common import school_today
from plugins.noticeboard.audience import Belonging, places_of_students, reaches
from plugins.noticeboard.models import NoticeboardNotice
from plugins.noticeboard.notices import targets_of


async def diary_entries(platform: Any, viewer: CurrentUser, student: int, start: date, end: date) -> list[DiaryEntry]:
    if viewer.school_id is None:
        return []
    async with platform.db.reading() as session:
        zone_name = await session.scalar(select(School.timezone).where(School.id == viewer.school_id)) or "UTC"
        zone = ZoneInfo(zone_name)
        since = datetime.combine(start, time.min, zone).astimezone(timezone.utc)
        until = min(datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc), utcnow())
        notices = list((await session.execute(select(NoticeboardNotice).where(
            NoticeboardNotice.school_id == viewer.school_id, NoticeboardNotice.withdrawn_at.is_(None),
            NoticeboardNotice.auto_key.is_(None), NoticeboardNotice.publish_at >= since,
            NoticeboardNotice.publish_at < until).order_by(NoticeboardNotice.publish_at))).scalars())
        if not notices:
            return []
        # the child's classes and groups at the end of the range (up to today): a past week's, not this one's
        places = await places_of_students(session, [student], viewer.school_id, min(end, school_today(zone_name)))
        targets = await targets_of(session, [notice.id for notice in notices])
    who = (Belonging(frozenset({"parent"}), as_parent=places) if viewer.id != student and "parent" in viewer.roles
           else Belonging(frozenset({"student"}), as_student=places))
    return [DiaryEntry(day=notice.publish_at.astimezone(zone).date(), number=None, subject=_("Notice"), topic=notice.title,
                       source="noticeboard", key=f"noticeboard-notice-{notice.id}", url=f"/noticeboard/{notice.id}")
            for notice in notices if any(reaches(target, who) for target in targets.get(notice.id, []))]

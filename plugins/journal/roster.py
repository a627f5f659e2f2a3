"""Who is on a subject page on which days: the class's enrollments, or the group's members who
study in the school then. Read for a date range in one statement; each lesson then keeps those
whose dates cover its day, so a student who arrived on Wednesday is not on Monday's lesson."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.people.models import Enrollment, PersonProfile
from core.structure.common import overlapping
from core.structure.models import StudyGroupMember, SubjectPage

FAR = date(9999, 12, 31)


@dataclass(frozen=True)
class RosterLine:
    student_id: int
    name: str
    sort_key: str
    starts_on: date
    ends_on: date  # FAR when open

    def on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def _roster_select(page: SubjectPage, start: date, end: date) -> Select:  # type: ignore[type-arg]
    columns = (UserAccount.id, UserAccount.full_name, func.coalesce(PersonProfile.search_key, UserAccount.full_name))
    if page.class_group_id is not None:
        return (select(*columns, Enrollment.starts_on, Enrollment.ends_on)
                .join(Enrollment, Enrollment.student_id == UserAccount.id)
                .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
                .where(Enrollment.class_group_id == page.class_group_id,
                       overlapping(Enrollment.starts_on, Enrollment.ends_on, start, end)))
    # A group member counts while both the membership and an enrollment in the school hold.
    return (select(*columns, StudyGroupMember.starts_on, StudyGroupMember.ends_on, Enrollment.starts_on, Enrollment.ends_on)
            .join(StudyGroupMember, StudyGroupMember.student_id == UserAccount.id)
            .join(Enrollment, and_(Enrollment.student_id == UserAccount.id, Enrollment.school_id == page.school_id,
                                   overlapping(Enrollment.starts_on, Enrollment.ends_on, start, end)))
            .outerjoin(PersonProfile, PersonProfile.user_id == UserAccount.id)
            .where(StudyGroupMember.study_group_id == page.study_group_id,
                   overlapping(StudyGroupMember.starts_on, StudyGroupMember.ends_on, start, end)))


async def page_roster(session: AsyncSession, page: SubjectPage, start: date, end: date) -> list[RosterLine]:
    """Everyone on the page at some day of ``start .. end``, by name (one line per stay)."""
    rows = (await session.execute(_roster_select(page, start, end))).all()
    lines = []
    for row in rows:
        starts = max(row[3::2])  # the latest start and the earliest end of the stays that must all hold
        ends = min(day or FAR for day in row[4::2])
        if starts <= ends:
            lines.append(RosterLine(row[0], row[1], row[2], starts, ends))
    return sorted(lines, key=lambda line: (line.sort_key, line.student_id, line.starts_on))


def on_day(roster: list[RosterLine], day: date) -> list[RosterLine]:
    """The page's students on ``day``, each once."""
    seen: set[int] = set()
    result = []
    for line in roster:
        if line.on(day) and line.student_id not in seen:
            seen.add(line.student_id)
            result.append(line)
    return result

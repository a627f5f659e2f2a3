"""Conflicts a lesson would make with the other lessons of its day (regulation 3.2; СанПиН's daily
maximum): one teacher or one room in two places at once, the same students in two lessons at once,
more lessons in a class's day than its grade level may have.

Lessons overlap when their bell times overlap (the first shift's last lesson may overlap the
second shift's first); without times, when they share a number in the same shift. A group merged
into another group's lesson shares its teacher and room by design. Two study groups of one class
may study at once when no student belongs to both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext as _
from core.structure.common import short_name
from core.structure.models import StudyGroupMember
from core.timetable.lessons import Lesson, TimetableData, first_weekday
from core.timetable.models import WEEKDAY_LABELS


@dataclass
class Members:
    """Dated members of study groups: group id → (student, starts, ends)."""

    rows: dict[int, list[tuple[int, date, date | None]]] = field(default_factory=dict)

    def share_students(self, first: int, second: int, start: date, end: date) -> bool:
        """Whether a student is in both groups on one same day between ``start`` and ``end`` (a
        student moving from one group to the other is in each on different days)."""
        def during(group_id: int) -> dict[int, list[tuple[date, date]]]:
            found: dict[int, list[tuple[date, date]]] = {}
            for student, starts, ends in self.rows.get(group_id, []):
                low, high = max(starts, start), min(ends or end, end)
                if low <= high:
                    found.setdefault(student, []).append((low, high))
            return found
        ones, others = during(first), during(second)
        return any(low <= other_high and other_low <= high
                   for student in ones.keys() & others.keys()
                   for low, high in ones[student] for other_low, other_high in others[student])


async def load_members(session: AsyncSession, group_ids: set[int]) -> Members:
    found = Members()
    if group_ids:
        for group_id, student, starts, ends in (await session.execute(select(
                StudyGroupMember.study_group_id, StudyGroupMember.student_id, StudyGroupMember.starts_on,
                StudyGroupMember.ends_on).where(StudyGroupMember.study_group_id.in_(group_ids)))).all():
            found.rows.setdefault(group_id, []).append((student, starts, ends))
    return found


def time_text(lesson: Lesson) -> str:
    if lesson.starts_at is None or lesson.ends_at is None:
        return ""
    return f"{lesson.starts_at:%H:%M}–{lesson.ends_at:%H:%M}"


def at_same_time(first: Lesson, second: Lesson) -> bool:
    if None in (first.starts_at, first.ends_at, second.starts_at, second.ends_at):
        return first.number == second.number and first.page.shift == second.page.shift
    return first.starts_at < second.ends_at and second.starts_at < first.ends_at  # type: ignore[operator]


def merged_pair(first: Lesson, second: Lesson) -> bool:
    return (first.merged_into is not None and first.merged_into == second.slot_id) or \
        (second.merged_into is not None and second.merged_into == first.slot_id)


def where(lesson: Lesson) -> str:
    """«6А, Физика, урок 3 (09:50–10:30)»."""
    when = time_text(lesson)
    text = _("%(holder)s, %(subject)s, lesson %(number)s", holder=lesson.page.holder, subject=lesson.page.subject,
             number=lesson.number)
    return f"{text} ({when})" if when else text


def clashes(candidate: Lesson, others: list[Lesson], data: TimetableData, members: Members,
            span: tuple[date, date]) -> list[str]:
    """What ``candidate`` would clash with among ``others`` (the other given lessons of its day).
    ``span``: the dates group memberships are compared over."""
    found: list[str] = []
    for other in others:
        if not other.given or other is candidate or not at_same_time(candidate, other):
            continue
        merged = merged_pair(candidate, other)
        if candidate.teacher_id is not None and candidate.teacher_id == other.teacher_id and not merged:
            found.append(_("%(teacher)s already has a lesson then: %(lesson)s.",
                           teacher=short_name(data.teacher_names.get(candidate.teacher_id, "")), lesson=where(other)))
        if candidate.room_id is not None and candidate.room_id == other.room_id and not merged:
            room = data.rooms.get(candidate.room_id)
            found.append(_("Room %(room)s is taken then: %(lesson)s.", room=room.name if room else "", lesson=where(other)))
        if shared_students(candidate, other, members, span):
            found.append(_("The students of %(holder)s already have a lesson then: %(lesson)s.",
                           holder=candidate.page.holder, lesson=where(other)))
    return found


def shared_students(first: Lesson, second: Lesson, members: Members, span: tuple[date, date]) -> bool:
    """Whether some students would be in both lessons: they share a class, unless both are study
    groups with no student in common (or they are one lesson merged into the other)."""
    if not set(first.page.class_ids) & set(second.page.class_ids) or merged_pair(first, second):
        return False
    if first.page.group_id is not None and second.page.group_id is not None and first.page.group_id != second.page.group_id:
        return members.share_students(first.page.group_id, second.page.group_id, *span)
    return True


def day_length_clashes(candidate: Lesson, lessons: list[Lesson], data: TimetableData, day_text: str) -> list[str]:
    """The classes of ``candidate`` over their grade level's daily maximum, with it among ``lessons``."""
    found = []
    limit = data.daily_limit(candidate.page.year_id, candidate.page.grade_level)
    for class_id in candidate.page.class_ids:
        numbers = {lesson.number for lesson in lessons if lesson.given and class_id in lesson.page.class_ids}
        numbers.add(candidate.number)
        if len(numbers) > limit:
            class_group = data.classes.get(class_id)
            found.append(_("%(holder)s would have %(count)s lessons on %(day)s; grade %(level)s has at most %(limit)s a day.",
                           holder=class_group.name if class_group else candidate.page.holder, count=len(numbers),
                           day=day_text, level=candidate.page.grade_level, limit=limit))
    return found


def timetable_conflicts(data: TimetableData, version_id: int, members: Members, span: tuple[date, date]) -> list[str]:
    """Every conflict inside one weekly timetable, each named once, by weekday: the check a whole
    timetable passes (the demo's, or one built before the rules were in place)."""
    version = next(v for rows in data.versions.values() for v in rows if v.id == version_id)
    found: list[str] = []
    for weekday in range(6):
        reference = first_weekday(version.valid_from, weekday)
        day_text = _(WEEKDAY_LABELS[weekday]).lower()
        for parity in ("odd", "even"):
            lessons = data.weekly_lessons(version, weekday, parity, reference)
            for index, lesson in enumerate(lessons):
                messages = clashes(lesson, lessons[index + 1:], data, members, span)
                messages += day_length_clashes(lesson, [item for item in lessons if item is not lesson], data, day_text)
                for message in messages:
                    text = f"{day_text}: {message}"
                    if text not in found:
                        found.append(text)
    return found

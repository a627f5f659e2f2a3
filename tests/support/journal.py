"""A school with a journal to test against: the timetable school (tests/support/timetable.py)
with 5А of thirty students (Аня, Борис and Вера among them), its class teacher, and lesson rows
created from the timetable up to two weeks after TODAY.

Lessons of 5А's mathematics (``math``) are at lesson 1 every weekday; the English groups at lesson
2 (group 1: Аня and Вера; group 2: Борис); 5А's physics on Mondays at lesson 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text

from core.auth.services import CurrentUser
from core.structure.models import ClassTeacherAppointment
from plugins.journal.models import JournalLesson
from plugins.journal.rules import ensure_defaults
from plugins.journal.sync import ensure_synced
from tests.support.people import add_user
from tests.support.structure import writing
from tests.support.timetable import MONDAY, TODAY, TimetableSchool, add_timetable_school

SURNAMES = ("Абрамов", "Белова", "Васильев", "Гусева", "Данилов", "Егорова", "Жуков", "Зайцева", "Ильин", "Козлова",
            "Лебедев", "Морозова", "Новиков", "Орлова", "Павлов", "Романова", "Семёнов", "Тихонова", "Уткин",
            "Фёдорова", "Харитонов", "Цветкова", "Чернов", "Шарова", "Щукин", "Юдина", "Яковлев")
YEAR_START = date(2026, 9, 1)


@dataclass
class JournalSchool:
    tt: TimetableSchool
    class_teacher: int = 0
    roster: list[int] = field(default_factory=list)  # 5А's thirty students, by name
    names: dict[int, str] = field(default_factory=dict)

    @property
    def school(self) -> int:
        return self.tt.school

    def teacher(self, name: str) -> int:
        return self.tt.teachers[name]

    def student(self, name: str) -> int:
        return self.tt.students[name]


async def add_journal_school(url: str, school_id: int) -> JournalSchool:
    world = JournalSchool(await add_timetable_school(url, school_id))
    world.class_teacher = await add_user(url, f"jr-ct-{school_id}", [("teacher", school_id), ("class_teacher", school_id)],
                                         full_name="Классная Елена Сергеевна")
    for surname in SURNAMES:
        student = await add_user(url, f"jr-{surname}-{school_id}", [("student", school_id)], full_name=f"{surname} Ученик")
        world.names[student] = f"{surname} Ученик"
    world.names.update({world.student(name): f"{name} Ученица" for name in ("Аня", "Борис", "Вера")})
    async with writing(url) as session:
        for student in world.names:
            await session.execute(text(
                "INSERT INTO enrollment (school_id, student_id, class_group_id, starts_on, start_kind, start_order_number, "
                "end_order_number, end_note) VALUES (:school, :student, :class_id, :starts, 'continued', '', '', '')"),
                {"school": school_id, "student": student, "class_id": world.tt.classes["5А"], "starts": YEAR_START})
        session.add(ClassTeacherAppointment(school_id=school_id, class_group_id=world.tt.classes["5А"],
                                            teacher_id=world.class_teacher, starts_on=YEAR_START))
        await ensure_defaults(session, school_id)
        await ensure_synced(session, school_id, TODAY + timedelta(days=14))
    world.roster = sorted(world.names, key=lambda student: world.names[student])
    return world


async def journal_world(url: str) -> tuple[int, JournalSchool]:
    """A fresh school with its journal: (school id, the world)."""
    from tests.support.people import add_school

    school = await add_school(url)
    return school, await add_journal_school(url, school)


async def lesson_id(url: str, page_id: int, day: date, number: int | None = None) -> int:
    async with writing(url) as session:
        query = select(JournalLesson.id).where(JournalLesson.subject_page_id == page_id, JournalLesson.day == day)
        if number is not None:
            query = query.where(JournalLesson.number == number)
        found = (await session.execute(query.order_by(JournalLesson.number))).scalars().first()
    assert found is not None, f"no lesson of page {page_id} on {day}"
    return found


def as_user(user_id: int, school_id: int, *roles: str) -> CurrentUser:
    """A CurrentUser for calling services directly."""
    return CurrentUser(id=user_id, login=f"u{user_id}", full_name="", session_id="", school_id=school_id,
                       roles=frozenset(roles or ("teacher",)))


def lesson_form(stored: dict[str, str], **changes: str) -> dict[str, Any]:
    """A form as the page sends it: every stored value with its ``__was``, then ``changes``."""
    form = {**stored, **{f"{key}__was": value for key, value in stored.items()}}
    form.update(changes)
    return form


__all__ = ["MONDAY", "TODAY", "JournalSchool", "add_journal_school", "as_user", "journal_world", "lesson_form", "lesson_id"]

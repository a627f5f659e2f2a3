"""The weekly timetable's rules, one by one, through the service on SQLite and PostgreSQL: every
conflict is refused with a message naming it and changes nothing; lessons of a date follow the
version in force, the week's parity and the calendar."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.i18n import gettext as _
from core.structure.calendar import CalendarService
from core.structure.common import StructureError
from core.structure.models import AcademicYear
from core.timetable.common import ConflictError
from core.timetable.lessons import load_timetable
from core.timetable.models import Timetable, TimetableSlot
from core.timetable.weekly import TimetableService
from tests.support.people import add_school
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing
from tests.support.timetable import MONDAY, TODAY, TimetableSchool, add_timetable_school, slot


@pytest.fixture
async def world(database_url) -> TimetableSchool:
    return await add_timetable_school(database_url, await add_school(database_url))


async def save(url: str, world: TimetableSchool, data, version: int | None = None):
    async with writing(url) as session:
        service = TimetableService(session, world.school, TODAY)
        found = await session.get(Timetable, version or world.future)
        return await service.save_slot(found, data)


async def conflicts_of(url: str, world: TimetableSchool, data) -> list[str]:
    async with database_unchanged(url):
        with pytest.raises(ConflictError) as caught:
            await save(url, world, data)
    return caught.value.conflicts


async def refusal(url: str, world: TimetableSchool, data, version: int | None = None) -> StructureError:
    async with database_unchanged(url):
        with pytest.raises(StructureError) as caught:
            await save(url, world, data, version)
    return caught.value


async def test_a_new_timetable_starts_as_a_copy_and_keeps_the_old_one_for_the_past(database_url, world):
    async with writing(database_url) as session:
        count = lambda version: session.scalar(select(TimetableSlot.id).where(TimetableSlot.timetable_id == version).limit(1))
        assert await count(world.future)
        timetable = await load_timetable(session, world.school, date(2026, 11, 16), MONDAY)
        assert timetable.version_on(date(2026, 11, 16)).id == world.version
        assert timetable.version_on(MONDAY).id == world.future
        year = await session.get(AcademicYear, world.year)
        with pytest.raises(StructureError, match=re.escape(_(
                "A new timetable starts tomorrow or later: the lessons already given keep the timetable they followed."))):
            await TimetableService(session, world.school, TODAY).create_version(year, date(2026, 11, 16), None)


async def test_a_timetable_in_force_no_longer_changes(database_url, world):
    error = await refusal(database_url, world, slot("5А физика", 4, 1, world, "physics", "102"), version=world.version)
    assert "in force already" in error.message or "уже действует" in error.message


async def test_a_teacher_in_two_places_at_once_is_refused(database_url, world):
    # The mathematics teacher has 5А at lesson 1 on Tuesday: 5Б at lesson 1 too would double-book her.
    found = await conflicts_of(database_url, world, slot("5Б математика", 1, 1, world, "math", "102"))
    assert any("Числова А. П." in text and "5А" in text for text in found), found


async def test_one_room_for_two_lessons_is_refused(database_url, world):
    await save(database_url, world, slot("5А физика", 3, 1, world, "physics", "102"))
    await _remove_5b_maths(database_url, world, weekday=1)
    found = await conflicts_of(database_url, world, slot("5Б математика", 3, 1, world, "math", "102"))
    assert len(found) == 1 and "102" in found[0] and "5А" in found[0], found


async def test_a_group_lesson_over_its_class_lesson_is_refused(database_url, world):
    # English group 1 at lesson 1 on Wednesday, when the whole of 5А has mathematics.
    found = await conflicts_of(database_url, world, slot("гр1", 1, 2, world, "english1", "201", parity="odd"))
    assert any("5А, английский язык, гр. 1" in text and "Математика" in text for text in found), found


async def test_two_groups_of_one_class_study_at_once_unless_they_share_a_student(database_url, world):
    # Groups 1 and 2 share lesson 2 every day: no student is in both.
    async with writing(database_url) as session:
        from core.structure.models import StudyGroup
        from core.structure.organisation import OrganisationService

        group = await session.get(StudyGroup, world.groups["гр2"])
        await OrganisationService(session, world.school).add_member(group, student_id=world.students["Вера"],
                                                                    starts_on=date(2026, 12, 1), ends_on=None)
    # Now Вера is in both groups from December: moving group 2's Thursday lesson onto group 1's is refused.
    async with writing(database_url) as session:
        slots = (await session.execute(select(TimetableSlot).where(
            TimetableSlot.timetable_id == world.future, TimetableSlot.subject_page_id == world.pages["гр2"],
            TimetableSlot.weekday == 3))).scalar_one()
        await session.delete(slots)
    found = await conflicts_of(database_url, world, slot("гр2", 2, 3, world, "english2", "102"))
    assert any("гр. 1" in text for text in found), found


async def test_more_lessons_a_day_than_the_grade_may_have_is_refused(database_url, world):
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, world.year)
        await CalendarService(session, world.school).update_level(year, 5, period_kind="quarter", days_per_week=5,
                                                                  study_weeks=34, weekly_limit=None, daily_limit=2)
    # 5А has lessons 1 and 2 on Tuesday: a third is over the limit of two.
    found = await conflicts_of(database_url, world, slot("5А физика", 3, 1, world, "physics", "102"))
    assert found == [_("%(holder)s would have %(count)s lessons on %(day)s; grade %(level)s has at most %(limit)s a day.",
                       holder="5А", count=3, day=_("Tuesday").lower(), level=5, limit=2)], found


async def test_alternate_weeks_share_a_slot_and_clash_with_every_week(database_url, world):
    await save(database_url, world, slot("5А физика", 4, 1, world, "physics", "102", parity="odd"))
    await save(database_url, world, slot("5А физика", 4, 1, world, "physics", "102", parity="even"))
    found = await conflicts_of(database_url, world, slot("5А физика", 4, 1, world, "physics", "102"))
    assert found, "an every-week lesson over both alternate ones must clash"
    async with writing(database_url) as session:
        timetable = await load_timetable(session, world.school, MONDAY, MONDAY + timedelta(days=14))
        tuesdays = [timetable.lessons_on(MONDAY + timedelta(days=1 + 7 * week)) for week in (0, 1)]
        physics = [[lesson for lesson in day if lesson.page.id == world.pages["5А физика"] and lesson.number == 4] for day in tuesdays]
        assert [len(day) for day in physics] == [1, 1]


@pytest.mark.parametrize("change, field", [
    ({"weekday": 5}, "weekday"),  # grade 5 studies five days a week
    ({"number": 7}, "number"),  # the bells have six lessons
    ({"teacher": "spare"}, "teacher_id"),  # not on the page's load
    ({"parity": "weekly"}, "parity"),
])
async def test_wrong_slots_are_refused_with_a_message(database_url, world, change, field):
    data = slot("5А физика", change.get("number", 5), change.get("weekday", 1), world, change.get("teacher", "physics"), "102")
    data.parity = change.get("parity", "every")
    error = await refusal(database_url, world, data)
    assert error.field == field and error.message


async def test_second_shift_lessons_are_timed_by_their_bells(database_url, world):
    async with writing(database_url) as session:
        timetable = await load_timetable(session, world.school, MONDAY, MONDAY)
        lessons = {lesson.page.holder + str(lesson.number): lesson for lesson in timetable.lessons_on(MONDAY)}
    assert (lessons["6А1"].starts_at.isoformat(), lessons["5А1"].starts_at.isoformat()) == ("13:10:00", "08:00:00")


async def test_no_lessons_on_holidays_vacations_and_days_off(database_url, world):
    async with writing(database_url) as session:
        timetable = await load_timetable(session, world.school, date(2026, 10, 26), date(2027, 2, 28))
        assert timetable.lessons_on(date(2026, 10, 26)) == []  # the autumn vacation
        assert timetable.lessons_on(date(2027, 2, 23)) == []  # a holiday
        assert timetable.lessons_on(date(2027, 2, 27)) == []  # a Saturday of a five-day week
        assert len(timetable.lessons_on(date(2027, 2, 22))) == 6  # Monday: five lessons and physics


async def _remove_5b_maths(url: str, world: TimetableSchool, weekday: int) -> None:
    async with writing(url) as session:
        found = (await session.execute(select(TimetableSlot).where(
            TimetableSlot.timetable_id == world.future, TimetableSlot.subject_page_id == world.pages["5Б математика"],
            TimetableSlot.weekday == weekday))).scalar_one()
        version = await session.get(Timetable, world.future)
        await TimetableService(session, world.school, TODAY).delete_slot(version, found)

"""Journal lessons follow the timetable: created for the period, moved with their data, cancelled
ones kept when they hold data, substitutes recorded, new timetable versions carried over."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.structure.models import AcademicYear
from core.timetable.changes import ChangeInput, ChangeService
from core.timetable.lessons import load_timetable
from core.timetable.weekly import TimetableService
from plugins.journal.filling import LessonFiller
from plugins.journal.models import JournalHistory, JournalLesson
from plugins.journal.sync import resync, sync_lessons
from tests.support.journal import MONDAY, TODAY, add_journal_school, as_user, lesson_form, lesson_id
from tests.support.people import add_school
from tests.support.structure import writing


class FakePlatform:
    class hook:  # noqa: N801 - stands in for pluggy's hook relay
        @staticmethod
        def grade_scale(**kwargs: object) -> None:
            return None


async def _slot_of(url: str, school: int, day: date, page: int) -> int:
    async with writing(url) as session:
        data = await load_timetable(session, school, day, day)
    return next(lesson.slot_id for lesson in data.lessons_on(day) if lesson.page.id == page)


async def _record(url: str, school: int, actor: int, change: ChangeInput) -> None:
    async with writing(url) as session:
        await ChangeService(session, school, TODAY, actor).record(change)
        await resync(session, school, change.day, change.day)
        if change.to_date:
            await resync(session, school, change.to_date, change.to_date)


async def _fill_topic(url: str, world, lesson: int, topic: str) -> None:
    async with writing(url) as session:
        filler = LessonFiller(session, FakePlatform(), as_user(world.teacher("math"), world.school), TODAY)
        ctx = await filler.context(lesson)
        await filler.save(lesson, lesson_form({"topic": ctx.lesson.topic}, topic=topic))


async def test_lessons_are_created_for_the_period_without_the_vacation(database_url):
    world = await add_journal_school(database_url, await add_school(database_url))
    async with writing(database_url) as session:
        days = list((await session.execute(select(JournalLesson.day).where(
            JournalLesson.subject_page_id == world.tt.pages["5А математика"]).order_by(JournalLesson.day))).scalars())
    assert days[0] == date(2026, 9, 1)
    assert date(2026, 10, 26) not in days  # autumn vacation
    assert days[-1] == TODAY + timedelta(days=14) - timedelta(days=(TODAY + timedelta(days=14)).weekday() - 4) \
        if (TODAY + timedelta(days=14)).weekday() > 4 else TODAY + timedelta(days=14)
    assert len(days) == len(set(days))  # one mathematics lesson a weekday


async def test_sync_is_idempotent(database_url):
    world = await add_journal_school(database_url, await add_school(database_url))
    async with writing(database_url) as session:
        report = await sync_lessons(session, world.school, date(2026, 9, 1), TODAY)
    assert (report.created, report.updated, report.deleted, report.cancelled) == (0, 0, 0, 0)


async def test_a_moved_lesson_keeps_its_row_and_data(database_url):
    world = await add_journal_school(database_url, await add_school(database_url))
    page = world.tt.pages["5А математика"]
    source = await lesson_id(database_url, page, TODAY)
    await _fill_topic(database_url, world, source, "Дроби")
    slot = await _slot_of(database_url, world.school, TODAY, page)
    await _record(database_url, world.school, world.teacher("spare"),
                  ChangeInput("move", TODAY, slot, to_date=MONDAY, to_number=4, reason="Экскурсия"))
    async with writing(database_url) as session:
        moved = await session.get(JournalLesson, source)
        assert (moved.day, moved.number, moved.topic, moved.change_kind) == (MONDAY, 4, "Дроби", "move")
        assert await session.scalar(select(func.count()).select_from(JournalLesson).where(
            JournalLesson.subject_page_id == page, JournalLesson.day == TODAY)) == 0


async def test_a_cancelled_lesson_with_data_waits_and_an_empty_one_goes(database_url):
    world = await add_journal_school(database_url, await add_school(database_url))
    page = world.tt.pages["5А математика"]
    filled = await lesson_id(database_url, page, TODAY)
    empty = await lesson_id(database_url, page, TODAY - timedelta(days=1))
    await _fill_topic(database_url, world, filled, "Дроби")
    for day in (TODAY, TODAY - timedelta(days=1)):
        slot = await _slot_of(database_url, world.school, day, page)
        await _record(database_url, world.school, world.teacher("spare"), ChangeInput("cancel", day, slot, reason="Карантин"))
    async with writing(database_url) as session:
        kept = await session.get(JournalLesson, filled)
        assert kept is not None and kept.state == "cancelled" and kept.topic == "Дроби"
        assert await session.get(JournalLesson, empty) is None


async def test_a_withdrawn_cancellation_restores_the_lesson(database_url):
    world = await add_journal_school(database_url, await add_school(database_url))
    page = world.tt.pages["5А математика"]
    filled = await lesson_id(database_url, page, TODAY)
    await _fill_topic(database_url, world, filled, "Дроби")
    slot = await _slot_of(database_url, world.school, TODAY, page)
    await _record(database_url, world.school, world.teacher("spare"), ChangeInput("cancel", TODAY, slot, reason="Карантин"))
    async with writing(database_url) as session:
        service = ChangeService(session, world.school, TODAY, world.teacher("spare"))
        change = (await service.changes_of(TODAY))[-1]
        await service.withdraw(change)
        await resync(session, world.school, TODAY, TODAY)
    async with writing(database_url) as session:
        assert (await session.get(JournalLesson, filled)).state == "active"


async def test_a_substitute_is_recorded_as_the_lessons_teacher(database_url):
    world = await add_journal_school(database_url, await add_school(database_url))
    page = world.tt.pages["5А математика"]
    slot = await _slot_of(database_url, world.school, TODAY, page)
    await _record(database_url, world.school, world.teacher("spare"),
                  ChangeInput("substitute", TODAY, slot, teacher_id=world.teacher("spare"), reason="Болезнь"))
    async with writing(database_url) as session:
        lesson = await session.get(JournalLesson, await lesson_id(database_url, page, TODAY))
        assert (lesson.teacher_id, lesson.replaced_teacher_id, lesson.change_kind) == (
            world.teacher("spare"), world.teacher("math"), "substitute")


async def test_a_new_timetable_version_keeps_the_lessons_rows(database_url):
    world = await add_journal_school(database_url, await add_school(database_url))
    page = world.tt.pages["5А математика"]
    ahead = TODAY + timedelta(days=11)  # after the future version (from MONDAY) begins
    lesson = await lesson_id(database_url, page, ahead)
    async with writing(database_url) as session:
        filler = LessonFiller(session, FakePlatform(), as_user(world.teacher("math"), world.school), TODAY)
        await filler.save(lesson, lesson_form({"topic": ""}, topic="Планирую"))
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, world.tt.year)
        await TimetableService(session, world.school, TODAY).create_version(year, ahead - timedelta(days=2), None)
        await resync(session, world.school, ahead - timedelta(days=2), ahead + timedelta(days=5))
    async with writing(database_url) as session:
        row = await session.get(JournalLesson, lesson)
        assert row is not None and row.state == "active" and row.topic == "Планирую"
        assert await session.scalar(select(func.count()).select_from(JournalHistory).where(
            JournalHistory.lesson_id == lesson)) == 1

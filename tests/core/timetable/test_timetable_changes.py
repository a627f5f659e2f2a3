"""The dispatcher's changes for a date, kind by kind, on SQLite and PostgreSQL: what the day's
lessons become, who is refused and why (each conflict named, nothing changed), the outbox event,
the audit record, and withdrawing a change."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.audit.models import AuditRecord
from core.i18n import gettext as _
from core.outbox import OutboxEvent
from core.structure.common import StructureError
from core.structure.models import TeachingAssignment
from core.timetable.changes import ChangeInput, ChangeService
from core.timetable.common import ConflictError
from core.timetable.lessons import load_timetable
from core.timetable.models import TimetableChange, TimetableSlot
from tests.support.people import add_school
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing
from tests.support.timetable import TODAY, TimetableSchool, add_timetable_school

TUESDAY = date(2026, 11, 24)


@pytest.fixture
async def world(database_url) -> TimetableSchool:
    return await add_timetable_school(database_url, await add_school(database_url))


async def slot_of(url: str, world: TimetableSchool, page: str, day: date, number: int) -> int:
    async with writing(url) as session:
        timetable = await load_timetable(session, world.school, day, day)
        return next(lesson.slot_id for lesson in timetable.lessons_on(day)
                    if lesson.page.id == world.pages[page] and lesson.number == number)


async def record(url: str, world: TimetableSchool, data: ChangeInput, today: date = TODAY) -> int:
    async with writing(url) as session:
        return (await ChangeService(session, world.school, today, world.teachers["spare"]).record(data)).id


async def lessons(url: str, world: TimetableSchool, day: date):
    async with writing(url) as session:
        timetable = await load_timetable(session, world.school, day, day)
        return timetable.lessons_on(day), timetable


async def refused(url: str, world: TimetableSchool, data: ChangeInput, today: date = TODAY) -> StructureError:
    async with database_unchanged(url):
        with pytest.raises(StructureError) as caught:
            await record(url, world, data, today)
    return caught.value


async def test_a_substitution_gives_the_lesson_to_another_teacher_and_tells_the_outbox(database_url, world):
    slot = await slot_of(database_url, world, "5А физика", date(2026, 11, 30), 3)
    change_id = await record(database_url, world, ChangeInput(
        "substitute", date(2026, 11, 30), slot, teacher_id=world.teachers["spare"], reason="болезнь учителя"))
    found, timetable = await lessons(database_url, world, date(2026, 11, 30))
    physics = next(lesson for lesson in found if lesson.slot_id == slot)
    assert (physics.teacher_id, physics.planned_teacher_id, physics.status) == (
        world.teachers["spare"], world.teachers["physics"], "changed")
    async with writing(database_url) as session:
        event = (await session.execute(select(OutboxEvent).where(OutboxEvent.name == "core.timetable_changed"))).scalar_one()
        payload = json.loads(event.payload)
        assert payload["change_id"] == change_id and payload["kind"] == "substitute"
        assert set(payload["teacher_ids"]) == {world.teachers["spare"], world.teachers["physics"]}
        assert payload["class_group_ids"] == [world.classes["5А"]]
        audit = (await session.execute(select(AuditRecord).where(AuditRecord.action == "core.timetable_change_recorded"))).scalar_one()
        assert audit.actor_id == world.teachers["spare"] and "болезнь учителя" in audit.details


async def test_a_substitute_who_teaches_elsewhere_then_is_refused(database_url, world):
    # On Tuesday the mathematics teacher has 5Б at lesson 2; she cannot take 5А's English group at lesson 2.
    slot = await slot_of(database_url, world, "гр1", TUESDAY, 2)
    error = await refused(database_url, world, ChangeInput("substitute", TUESDAY, slot, teacher_id=world.teachers["math"],
                                                           reason="болезнь"))
    assert isinstance(error, ConflictError) and any("Числова А. П." in text and "5Б" in text for text in error.conflicts)


async def test_a_move_lands_on_the_new_number_and_clashes_are_refused(database_url, world):
    slot = await slot_of(database_url, world, "5А математика", TUESDAY, 1)
    error = await refused(database_url, world, ChangeInput("move", TUESDAY, slot, to_number=2, reason="экскурсия"))
    assert isinstance(error, ConflictError)  # 5А's groups have English then; the teacher has 5Б
    assert len(error.conflicts) >= 2
    await record(database_url, world, ChangeInput("move", TUESDAY, slot, to_number=4, reason="экскурсия"))
    found, _data = await lessons(database_url, world, TUESDAY)
    maths = sorted((lesson.number, lesson.status) for lesson in found if lesson.page.id == world.pages["5А математика"])
    assert maths == [(1, "moved_away"), (4, "moved_in")]


async def test_a_lesson_moved_onto_a_holiday_or_a_closed_period_is_refused(database_url, world):
    slot = await slot_of(database_url, world, "5А математика", TUESDAY, 1)
    error = await refused(database_url, world, ChangeInput("move", TUESDAY, slot, to_date=date(2027, 2, 23), to_number=1,
                                                           reason="перенос"))
    assert error.field == "to_date" and "День защитника Отечества" in error.message
    error = await refused(database_url, world, ChangeInput("move", TUESDAY, slot, to_date=date(2026, 11, 28), to_number=1,
                                                           reason="перенос"))
    assert error.field == "to_date"  # a Saturday of a five-day week
    october = date(2026, 10, 20)
    old = await slot_of(database_url, world, "5А математика", october, 1)
    error = await refused(database_url, world, ChangeInput("cancel", october, old, reason="поздно"))
    assert error.field == "day" and "24.10.2026" in error.message


async def test_cancel_room_and_other_subject(database_url, world):
    day = date(2026, 11, 30)
    maths, english, physics = [await slot_of(database_url, world, page, day, number)
                               for page, number in (("5А математика", 1), ("гр2", 2), ("5А физика", 3))]
    await record(database_url, world, ChangeInput("cancel", day, english, reason="экскурсия"))
    await record(database_url, world, ChangeInput("room", day, physics, room_id=world.rooms["101"], reason="ремонт"))
    # The physics teacher gives physics in place of mathematics (another page of the same class).
    await record(database_url, world, ChangeInput("other_subject", day, maths, page_id=world.pages["5А физика"],
                                                  teacher_id=world.teachers["physics"], reason="болезнь учителя"))
    found, _data = await lessons(database_url, world, day)
    by_slot = {lesson.slot_id: lesson for lesson in found}
    assert by_slot[english].status == "cancelled" and not by_slot[english].given
    assert by_slot[physics].room_id == world.rooms["101"]
    assert (by_slot[maths].page.id, by_slot[maths].planned_page.id) == (world.pages["5А физика"], world.pages["5А математика"])
    # A page of other students is refused.
    other = await slot_of(database_url, world, "5А математика", TUESDAY, 1)
    error = await refused(database_url, world, ChangeInput("other_subject", TUESDAY, other, page_id=world.pages["5Б математика"],
                                                           teacher_id=world.teachers["math"], reason="замена"))
    assert error.field == "page_id"


async def test_two_groups_merge_under_one_teacher(database_url, world):
    first = await slot_of(database_url, world, "гр1", TUESDAY, 2)
    second = await slot_of(database_url, world, "гр2", TUESDAY, 2)
    await record(database_url, world, ChangeInput("merge", TUESDAY, second, merged_slot_id=first, reason="болезнь учителя"))
    found, _data = await lessons(database_url, world, TUESDAY)
    merged = next(lesson for lesson in found if lesson.slot_id == second)
    assert (merged.teacher_id, merged.room_id, merged.merged_into) == (world.teachers["english1"], world.rooms["201"], first)


async def test_a_long_term_replacement_reassigns_the_page_for_its_dates(database_url, world):
    await record(database_url, world, ChangeInput("replacement", date(2026, 11, 30), page_id=world.pages["5А физика"],
                                                  teacher_id=world.teachers["spare"], ends_on=date(2026, 12, 11),
                                                  reason="больничный"))
    async with writing(database_url) as session:
        rows = (await session.execute(select(TeachingAssignment.teacher_id, TeachingAssignment.starts_on, TeachingAssignment.ends_on)
                                      .where(TeachingAssignment.subject_page_id == world.pages["5А физика"])
                                      .order_by(TeachingAssignment.starts_on))).all()
    assert [tuple(row) for row in rows] == [
        (world.teachers["physics"], date(2026, 9, 1), date(2026, 11, 29)),
        (world.teachers["spare"], date(2026, 11, 30), date(2026, 12, 11)),
        (world.teachers["physics"], date(2026, 12, 12), None)]
    for day, teacher in ((date(2026, 12, 7), "spare"), (date(2026, 12, 14), "physics")):
        found, _data = await lessons(database_url, world, day)
        assert next(lesson.teacher_id for lesson in found if lesson.page.id == world.pages["5А физика"]) == world.teachers[teacher]


async def test_bad_changes_are_refused_with_a_message(database_url, world):
    slot = await slot_of(database_url, world, "5А физика", date(2026, 11, 30), 3)
    assert (await refused(database_url, world, ChangeInput("substitute", date(2026, 11, 30), slot,
                                                           teacher_id=world.teachers["spare"]))).field == "reason"
    assert (await refused(database_url, world, ChangeInput("explode", date(2026, 11, 30), slot, reason="x"))).field == "kind"
    assert (await refused(database_url, world, ChangeInput("cancel", date(2026, 12, 1), slot, reason="x"))).field == "slot_id"
    await record(database_url, world, ChangeInput("cancel", date(2026, 11, 30), slot, reason="экскурсия"))
    error = await refused(database_url, world, ChangeInput("room", date(2026, 11, 30), slot, room_id=world.rooms["201"], reason="x"))
    # Services speak the caller's language: compare with the message in the locale the test runs in.
    assert error.message == _("This lesson already has a change («%(reason)s»): withdraw it first.", reason="экскурсия")


async def test_withdrawing_a_change_puts_the_lesson_back_unless_that_clashes(database_url, world):
    slot = await slot_of(database_url, world, "5А математика", TUESDAY, 1)
    first = await record(database_url, world, ChangeInput("move", TUESDAY, slot, to_number=4, reason="экскурсия"))
    # 5Б's mathematics takes the freed lesson 1 with the same teacher: 5А's cannot come back now.
    other = await slot_of(database_url, world, "5Б математика", TUESDAY, 2)
    second = await record(database_url, world, ChangeInput("move", TUESDAY, other, to_number=1, reason="перенос"))
    async with database_unchanged(database_url):
        with pytest.raises(ConflictError):
            async with writing(database_url) as session:
                await ChangeService(session, world.school, TODAY).withdraw(await session.get(TimetableChange, first))
    for change_id in (second, first):
        async with writing(database_url) as session:
            await ChangeService(session, world.school, TODAY, world.teachers["spare"]).withdraw(
                await session.get(TimetableChange, change_id))
    found, _data = await lessons(database_url, world, TUESDAY)
    assert all(lesson.status == "planned" for lesson in found)
    async with writing(database_url) as session:
        events = (await session.execute(select(OutboxEvent.payload).where(OutboxEvent.name == "core.timetable_changed"))).scalars()
        assert [json.loads(p)["withdrawn"] for p in events] == [False, False, True, True]
        kept = (await session.execute(select(TimetableChange))).scalars().all()
        assert len(kept) == 2 and all(change.withdrawn_at is not None for change in kept)


async def test_a_slot_with_changes_cannot_be_deleted(database_url, world):
    slot = await slot_of(database_url, world, "5А физика", date(2026, 11, 30), 3)
    await record(database_url, world, ChangeInput("cancel", date(2026, 11, 30), slot, reason="экскурсия"))
    from core.timetable.models import Timetable
    from core.timetable.weekly import TimetableService

    async with database_unchanged(database_url):
        with pytest.raises(StructureError):
            async with writing(database_url) as session:
                await TimetableService(session, world.school, TODAY).delete_slot(
                    await session.get(Timetable, world.future), await session.get(TimetableSlot, slot))


def test_dates_are_used_as_the_tests_expect():
    assert TUESDAY.weekday() == 1 and (TUESDAY - timedelta(days=1)).weekday() == 0


# ---- found in review: each with the scenario that showed it ------------------------------------------


async def test_a_lesson_moved_into_another_timetable_version_shows_and_blocks_its_place(database_url, world):
    # The timetable from 23 November follows the one from 1 September: a lesson moved from Friday
    # 20 November to Tuesday 24 November is on Tuesday's list, and the teacher is busy then.
    friday = date(2026, 11, 20)
    slot = await slot_of(database_url, world, "5А математика", friday, 1)
    await record(database_url, world, ChangeInput("move", friday, slot, to_date=TUESDAY, to_number=4, reason="перенос"),
                 today=date(2026, 11, 19))
    found, _data = await lessons(database_url, world, TUESDAY)
    assert [(lesson.number, lesson.status) for lesson in found if lesson.page.id == world.pages["5А математика"]] == [
        (1, "planned"), (4, "moved_in")]
    other = await slot_of(database_url, world, "5Б математика", TUESDAY, 2)
    error = await refused(database_url, world, ChangeInput("move", TUESDAY, other, to_number=4, reason="перенос"))
    assert isinstance(error, ConflictError) and any("Числова А. П." in text for text in error.conflicts)


async def test_a_lesson_moved_onto_its_own_place_a_week_later_clashes(database_url, world):
    slot = await slot_of(database_url, world, "5А математика", date(2026, 11, 23), 1)
    error = await refused(database_url, world, ChangeInput("move", date(2026, 11, 23), slot, to_date=date(2026, 11, 30),
                                                           to_number=1, reason="перенос"))
    assert isinstance(error, ConflictError) and error.conflicts


async def test_a_new_timetable_keeps_the_changes_recorded_for_its_days(database_url, world):
    from core.structure.models import AcademicYear
    from core.timetable.weekly import TimetableService

    day = date(2026, 12, 7)
    slot = await slot_of(database_url, world, "5А физика", day, 3)
    await record(database_url, world, ChangeInput("substitute", day, slot, teacher_id=world.teachers["spare"], reason="курсы"))
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, world.year)
        await TimetableService(session, world.school, TODAY).create_version(year, date(2026, 12, 1), None)
    found, _data = await lessons(database_url, world, day)
    physics = next(lesson for lesson in found if lesson.page.id == world.pages["5А физика"])
    assert (physics.teacher_id, physics.status) == (world.teachers["spare"], "changed")


async def test_a_merged_group_follows_its_host_and_the_host_cannot_change_under_it(database_url, world):
    first = await slot_of(database_url, world, "гр1", TUESDAY, 2)
    second = await slot_of(database_url, world, "гр2", TUESDAY, 2)
    await record(database_url, world, ChangeInput("substitute", TUESDAY, first, teacher_id=world.teachers["spare"], reason="болезнь"))
    await record(database_url, world, ChangeInput("merge", TUESDAY, second, merged_slot_id=first, reason="болезнь"))
    found, _data = await lessons(database_url, world, TUESDAY)
    assert next(lesson.teacher_id for lesson in found if lesson.slot_id == second) == world.teachers["spare"]
    wednesday = TUESDAY + timedelta(days=1)
    host, guest = [await slot_of(database_url, world, page, wednesday, 2) for page in ("гр1", "гр2")]
    await record(database_url, world, ChangeInput("merge", wednesday, guest, merged_slot_id=host, reason="болезнь"))
    error = await refused(database_url, world, ChangeInput("cancel", wednesday, host, reason="экскурсия"))
    assert (error.field, error.message) == ("slot_id", _("Another group is merged into this lesson: withdraw the merge first."))


async def test_a_replacement_on_a_page_of_two_teachers_names_whom_it_replaces(database_url, world):
    from core.structure.curriculum import PageService
    from core.structure.models import SubjectPage

    async with writing(database_url) as session:
        page = await session.get(SubjectPage, world.pages["5А математика"])
        held = (await session.execute(select(TeachingAssignment).where(TeachingAssignment.subject_page_id == page.id))).scalar_one()
        held.half_hours = 6
        await session.flush()
        await PageService(session, world.school).assign(page, teacher_id=world.teachers["english2"], half_hours=4,
                                                         starts_on=date(2026, 9, 1), ends_on=None)
    data = ChangeInput("replacement", date(2026, 11, 30), page_id=world.pages["5А математика"], teacher_id=world.teachers["spare"],
                       ends_on=date(2026, 12, 4), reason="больничный")
    assert (await refused(database_url, world, data)).field == "replaced_teacher_id"
    data.replaced_teacher_id = world.teachers["math"]
    await record(database_url, world, data)
    found, _data = await lessons(database_url, world, date(2026, 12, 1))
    maths = next(lesson for lesson in found if lesson.page.id == world.pages["5А математика"])
    assert (maths.teacher_id, maths.planned_teacher_id) == (world.teachers["spare"], world.teachers["math"])


async def test_a_student_moving_between_groups_is_in_neither_twice(database_url, world):
    from core.timetable.conflicts import Members

    members = Members({1: [(7, date(2026, 9, 1), date(2026, 12, 31))], 2: [(7, date(2027, 1, 1), None)]})
    assert not members.share_students(1, 2, date(2026, 9, 1), date(2027, 5, 31))
    members.rows[2].append((7, date(2026, 12, 31), date(2026, 12, 31)))
    assert members.share_students(1, 2, date(2026, 9, 1), date(2027, 5, 31))

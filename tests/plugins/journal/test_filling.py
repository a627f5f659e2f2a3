"""Filling a lesson: everything saved together with its history and events, or nothing at all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core.i18n import gettext as _
from core.outbox import OutboxEvent
from core.structure.curriculum import PageService
from core.structure.models import AcademicYear, SubjectPage
from plugins.journal.filling import FillRefused, LessonFiller
from plugins.journal.lessons import LessonError, LessonService
from plugins.journal.models import JournalAttendance, JournalGrade, JournalHistory, JournalLesson, JournalWorkKind
from plugins.journal.web.lesson_pages import form_values
from tests.support.journal import TODAY, add_journal_school, as_user, lesson_form, lesson_id
from tests.support.people import add_school
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing
from tests.plugins.journal.test_sync import FakePlatform


async def _save(url: str, world, lesson: int, user_id: int, today: date = TODAY, **changes: str):
    async with writing(url) as session:
        filler = LessonFiller(session, FakePlatform(), as_user(user_id, world.school), today)
        ctx = await filler.context(lesson)
        return await filler.save(lesson, lesson_form(_stored(ctx), **changes))


_stored = form_values  # the stored values as the page's form shows them


@pytest.fixture
async def world(database_url):
    return await add_journal_school(database_url, await add_school(database_url))


async def test_a_teacher_fills_the_whole_class_in_one_save(database_url, world):
    page = world.tt.pages["5А математика"]
    lesson = await lesson_id(database_url, page, TODAY)
    marks = {f"new-{student}": "5" for student in world.roster[1:20]} | {f"new-{world.roster[0]}": "4 3/5"}
    absent = {f"att-{student}": "Н" for student in world.roster[20:22]}
    _ctx, summary = await _save(database_url, world, lesson, world.teacher("math"), topic="Сложение дробей",
                                homework="§12, № 245 https://resh.edu.ru/subject/12", **marks, **absent)
    assert (summary.marks_added, summary.attendance) == (21, 2)  # «4 3/5»: two marks
    async with writing(database_url) as session:
        row = await session.get(JournalLesson, lesson)
        assert row.topic == "Сложение дробей" and row.filled_at is not None
        assert row.homework_due == TODAY + timedelta(days=3)  # Friday's homework is due on Monday's lesson
        grades = list((await session.execute(select(JournalGrade.mark).where(
            JournalGrade.lesson_id == lesson, JournalGrade.student_id == world.roster[0]))).scalars())
        assert sorted(grades) == ["3/5", "4"]
        assert len(list((await session.execute(select(JournalAttendance).where(JournalAttendance.lesson_id == lesson))).scalars())) == 2
        history = list((await session.execute(select(JournalHistory.field).where(JournalHistory.lesson_id == lesson))).scalars())
        assert history.count("mark") == 21 and history.count("code") == 2 and "topic" in history and "homework" in history
        events = [name for name in (await session.execute(select(OutboxEvent.name))).scalars()]
    assert events.count("journal.grade_posted") == 21 and events.count("journal.attendance_marked") == 2
    assert "journal.lesson_filled" in events and "journal.homework_set" in events


async def test_a_stale_write_is_refused_with_the_current_value(database_url, world):
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    student = world.roster[3]
    async with writing(database_url) as session:
        filler = LessonFiller(session, FakePlatform(), as_user(world.teacher("math"), world.school), TODAY)
        shown = _stored(await filler.context(lesson))  # the form as the first teacher opened it
    await _save(database_url, world, lesson, world.teacher("math"), **{f"att-{student}": "Б"})  # another tab saves first
    async with database_unchanged(database_url):
        with pytest.raises(FillRefused) as refused:
            async with writing(database_url) as session:
                filler = LessonFiller(session, FakePlatform(), as_user(world.teacher("math"), world.school), TODAY)
                await filler.save(lesson, lesson_form(shown, **{f"att-{student}": "Н"}, topic="Новая тема"))
    assert refused.value.status == 409
    assert refused.value.conflicts[f"att-{student}"].current == "Б"


async def test_an_untouched_field_changed_by_someone_else_is_no_conflict(database_url, world):
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with writing(database_url) as session:
        filler = LessonFiller(session, FakePlatform(), as_user(world.teacher("math"), world.school), TODAY)
        shown = _stored(await filler.context(lesson))
    await _save(database_url, world, lesson, world.teacher("math"), **{f"att-{world.roster[0]}": "ОП"})
    async with writing(database_url) as session:
        filler = LessonFiller(session, FakePlatform(), as_user(world.teacher("math"), world.school), TODAY)
        await filler.save(lesson, lesson_form(shown, topic="Тема"))
    async with writing(database_url) as session:
        assert (await session.get(JournalLesson, lesson)).topic == "Тема"
        assert await session.scalar(select(JournalAttendance.code).where(JournalAttendance.lesson_id == lesson)) == "ОП"


@pytest.mark.parametrize("field, value, message", [
    ("new", "6", None), ("new", "5/4/3", None), ("new", "", None), ("att", "Х", "Choose an attendance code from the list."),
])
async def test_bad_marks_and_codes_change_nothing(database_url, world, field, value, message):
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    key = f"{field}-{world.roster[0]}"
    if not value:  # a mark for a student who is not in the page: Борис studies English in group 2 only
        lesson = await lesson_id(database_url, world.tt.pages["гр1"], TODAY)
        key, value = f"new-{world.student('Борис')}", "5"
        message = "This student is not on the page on the lesson's day."
    teacher = world.teacher("english1") if key.endswith(str(world.student("Борис"))) else world.teacher("math")
    async with database_unchanged(database_url):
        with pytest.raises(FillRefused) as refused:
            await _save(database_url, world, lesson, teacher, topic="Тема", **{key: value})
    assert refused.value.status == 422 and key in refused.value.errors
    if message:
        assert refused.value.errors[key] == _(message)


async def test_an_ungraded_page_accepts_attendance_but_no_marks(database_url, world):
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, world.tt.year)
        page = await session.get(SubjectPage, world.tt.pages["5А физика"])
        await PageService(session, world.school).add_ungraded(year, subject_id=page.subject_id, grade_level=5,
                                                                class_group_id=None, study_period_id=None)
    monday = TODAY - timedelta(days=4)
    lesson = await lesson_id(database_url, world.tt.pages["5А физика"], monday)
    async with database_unchanged(database_url):
        with pytest.raises(FillRefused) as refused:
            await _save(database_url, world, lesson, world.teacher("physics"), **{f"new-{world.roster[0]}": "5"})
    assert refused.value.errors[f"new-{world.roster[0]}"] == _("This page is «without marks»: attendance and topics only.")
    await _save(database_url, world, lesson, world.teacher("physics"), topic="Тела и вещества", **{f"att-{world.roster[0]}": "Б"})


async def test_another_teachers_lesson_is_not_found(database_url, world):
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with database_unchanged(database_url):
        with pytest.raises(NotFoundException):
            await _save(database_url, world, lesson, world.teacher("physics"), topic="Чужая тема")


async def test_a_forged_mark_id_from_another_lesson_changes_nothing(database_url, world):
    page = world.tt.pages["5А математика"]
    other = await lesson_id(database_url, page, TODAY - timedelta(days=1))
    await _save(database_url, world, other, world.teacher("math"), **{f"new-{world.roster[0]}": "2"})
    async with writing(database_url) as session:
        grade = await session.scalar(select(JournalGrade.id).where(JournalGrade.lesson_id == other))
    lesson = await lesson_id(database_url, page, TODAY)
    async with database_unchanged(database_url):
        with pytest.raises(FillRefused) as refused:
            await _save(database_url, world, lesson, world.teacher("math"), **{f"grade-{grade}": "5", f"grade-{grade}__was": "2"})
    assert refused.value.errors[f"grade-{grade}"] == _("This mark is no longer on the lesson: reload the page.")


async def test_marks_wait_for_the_lesson_day_and_homework_is_one_or_the_other(database_url, world):
    page = world.tt.pages["5А математика"]
    future = await lesson_id(database_url, page, TODAY + timedelta(days=3))
    async with database_unchanged(database_url):
        with pytest.raises(FillRefused) as refused:
            await _save(database_url, world, future, world.teacher("math"), **{f"new-{world.roster[0]}": "5"})
        assert refused.value.errors["lesson"] == _("Attendance and marks are entered on the day of the lesson or later.")
        with pytest.raises(FillRefused) as refused:
            await _save(database_url, world, future, world.teacher("math"), homework="№ 1", no_homework="1")
        assert refused.value.errors["homework"] == _("Either enter homework or tick «no homework», not both.")
        with pytest.raises(FillRefused) as refused:
            await _save(database_url, world, future, world.teacher("math"), homework="№ 1", homework_due="01.09.2027")
        assert "homework_due" in refused.value.errors
    await _save(database_url, world, future, world.teacher("math"), topic="Заранее", homework="№ 1")


async def test_editing_and_removing_a_mark_keeps_the_history(database_url, world):
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    student = world.roster[5]
    await _save(database_url, world, lesson, world.teacher("math"), **{f"new-{student}": "3"})
    async with writing(database_url) as session:
        grade = await session.scalar(select(JournalGrade.id).where(JournalGrade.lesson_id == lesson))
    await _save(database_url, world, lesson, world.teacher("math"), **{f"grade-{grade}": "4"})
    await _save(database_url, world, lesson, world.teacher("math"), **{f"grade-{grade}": ""})
    async with writing(database_url) as session:
        assert await session.get(JournalGrade, grade) is None
        rows = list((await session.execute(select(JournalHistory.old_value, JournalHistory.new_value).where(
            JournalHistory.student_id == student).order_by(JournalHistory.id))).all())
    assert [(old and old.split()[0], new and new.split()[0]) for old, new in rows] == [(None, "3"), ("3", "4"), ("4", None)]


async def test_a_cancelled_lesson_with_data_is_decided_by_its_teacher(database_url, world):
    page = world.tt.pages["5А математика"]
    lesson = await lesson_id(database_url, page, TODAY)
    target = await lesson_id(database_url, page, TODAY - timedelta(days=1))
    await _save(database_url, world, lesson, world.teacher("math"), topic="Дроби", **{f"new-{world.roster[0]}": "5"})
    async with writing(database_url) as session:
        row = await session.get(JournalLesson, lesson)
        row.state = "cancelled"
    async with writing(database_url) as session:
        await LessonService(session, as_user(world.teacher("math"), world.school), TODAY).decide(lesson, "transferred", target)
    async with writing(database_url) as session:
        assert await session.get(JournalLesson, lesson) is None
        moved = await session.get(JournalLesson, target)
        assert moved.topic == "Дроби"
        assert await session.scalar(select(JournalGrade.mark).where(JournalGrade.lesson_id == target)) == "5"
        decisions = list((await session.execute(select(JournalHistory.new_value).where(
            JournalHistory.lesson_id == lesson, JournalHistory.field == "decision"))).scalars())
    assert decisions == ["transferred"]


async def test_a_corrected_mark_keeps_its_weight_and_new_marks_take_the_kind_chosen_with_them(database_url, world):
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with writing(database_url) as session:
        kinds = {kind.code: kind for kind in (await session.execute(select(JournalWorkKind))).scalars()}
    test, answer = kinds["test"], kinds["answer"]
    await _save(database_url, world, lesson, world.teacher("math"), work_kind=str(test.id),
                **{f"new-{world.roster[0]}": "3"})  # the lesson becomes a контрольная in the same save
    async with writing(database_url) as session:
        grade = await session.scalar(select(JournalGrade).where(JournalGrade.lesson_id == lesson))
        assert (grade.work_kind_id, grade.weight_hundredths) == (test.id, 200)
        (await session.get(JournalWorkKind, test.id)).weight_hundredths = 300  # the school reweighs
        (await session.get(JournalWorkKind, test.id)).is_archived = True  # and retires the kind
        grade_id = grade.id
    await _save(database_url, world, lesson, world.teacher("math"), **{f"grade-{grade_id}": "4"})
    async with writing(database_url) as session:
        grade = await session.get(JournalGrade, grade_id)
        assert (grade.mark, grade.work_kind_id, grade.weight_hundredths) == ("4", test.id, 200)
    await _save(database_url, world, lesson, world.teacher("math"), **{f"grade-{grade_id}-kind": str(answer.id)})
    async with writing(database_url) as session:
        assert (await session.get(JournalGrade, grade_id)).weight_hundredths == 100  # a new kind: its weight


async def test_a_transfer_never_overwrites_and_tells_where_the_data_went(database_url, world):
    page = world.tt.pages["5А математика"]
    lesson = await lesson_id(database_url, page, TODAY)
    busy = await lesson_id(database_url, page, TODAY - timedelta(days=1))
    empty = await lesson_id(database_url, page, TODAY - timedelta(days=2))
    future = await lesson_id(database_url, page, TODAY + timedelta(days=3))
    await _save(database_url, world, lesson, world.teacher("math"), topic="Дроби", **{f"new-{world.roster[0]}": "5",
                                                                                   f"att-{world.roster[1]}": "Н"})
    await _save(database_url, world, busy, world.teacher("math"), homework="стр. 45")
    async with writing(database_url) as session:
        (await session.get(JournalLesson, lesson)).state = "cancelled"
    teacher = as_user(world.teacher("math"), world.school)
    for target, message in ((busy, "That lesson already holds data: choose an empty one."),
                            (future, "Choose a lesson given on or before today.")):
        async with database_unchanged(database_url):
            with pytest.raises(LessonError) as refused:
                async with writing(database_url) as session:
                    await LessonService(session, teacher, TODAY).decide(lesson, "transferred", target)
        assert refused.value.message == _(message)
    async with writing(database_url) as session:
        await LessonService(session, teacher, TODAY).decide(lesson, "transferred", empty)
    async with writing(database_url) as session:
        fields = set((await session.execute(select(JournalHistory.field).where(JournalHistory.lesson_id == empty))).scalars())
        events = list((await session.execute(select(OutboxEvent.name).order_by(OutboxEvent.id.desc()).limit(4))).scalars())
    assert {"topic", "lesson", "decision"} <= fields  # the target's history tells where its data came from
    assert sorted(events) == ["journal.attendance_marked", "journal.attendance_marked", "journal.grade_changed",
                              "journal.grade_changed"]


async def test_an_extra_lesson_goes_on_an_own_page_within_the_year(database_url, world):
    page, teacher = world.tt.pages["5А математика"], as_user(world.teacher("math"), world.school)
    refusals = [
        (world.tt.pages["5А физика"], TODAY, None, "Choose one of your subject pages (you must teach it on that day)."),
        (page, date(2027, 6, 10), None, ("The date must lie within the school year %(year)s.", {"year": "2026/2027"})),
        (page, TODAY + timedelta(days=20), None, "An extra lesson is added at most two weeks ahead."),
        (page, TODAY, 1, ("This page already has lesson %(number)d on %(date)s.", {"number": 1, "date": "20.11.2026"})),
        (page, None, None, "Enter the date of the lesson."),
    ]
    for page_id, day, number, message in refusals:
        async with database_unchanged(database_url):
            with pytest.raises(LessonError) as refused:
                async with writing(database_url) as session:
                    await LessonService(session, teacher, TODAY).add_extra(page_id, day, number)
        text, values = message if isinstance(message, tuple) else (message, {})
        assert refused.value.message == _(text, **values), (day, number)
    async with writing(database_url) as session:
        extra = await LessonService(session, teacher, TODAY).add_extra(page, TODAY, 7)
        extra_id = extra.id
    await _save(database_url, world, extra_id, world.teacher("math"), topic="Консультация", **{f"new-{world.roster[0]}": "5"})
    async with writing(database_url) as session:
        from plugins.journal.sync import sync_lessons

        await sync_lessons(session, world.school, TODAY, TODAY)  # the timetable never touches an extra lesson
        kept = await session.get(JournalLesson, extra_id)
    assert (kept.origin, kept.state, kept.topic) == ("extra", "active", "Консультация")

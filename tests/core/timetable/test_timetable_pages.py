"""The timetable pages through the app: the weeks of a class, a teacher and a room, the school's
day, and the dispatcher's changes — recorded, refused with each conflict named, checked without
saving, withdrawn — with fixed SQL statement counts."""

from __future__ import annotations

import re
from datetime import date, timedelta


from core.structure.common import school_today
from tests.support.people import add_user, signed_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing
from tests.support.timetable import add_timetable_school
from tests.core.structure.test_subject_pages import count_statements, statements


def next_lesson_day(after: date) -> date:
    """The next Monday–Friday after ``after`` (the test school studies five days a week)."""
    day = after + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


TOMORROW = next_lesson_day(school_today("Asia/Yekaterinburg"))


async def group_slot(url: str, school_id: int, page_id: int, day: date) -> int:
    from core.timetable.lessons import load_timetable

    async with writing(url) as session:
        data = await load_timetable(session, school_id, day, day)
        return next(lesson.slot_id for lesson in data.lessons_on(day) if lesson.page.id == page_id)


async def test_the_dispatcher_records_a_substitution_and_the_substitute_sees_it(make_client, database_url):
    async with signed_in(make_client, database_url, role="dispatcher") as (dispatcher, school_id):
        world = await add_timetable_school(database_url, school_id)
        slot = await group_slot(database_url, school_id, world.pages["гр1"], TOMORROW)
        form = await dispatcher.get(f"/timetable/changes?day={TOMORROW.isoformat()}")
        assert form.status_code == 200 and 'id="core-change-form"' in form.text and "Инглиш М. И." in form.text
        answer = await dispatcher.post("/timetable/changes", data={
            "day": TOMORROW.isoformat(), "kind": "substitute", "slot_id": slot, "teacher_id": world.teachers["spare"],
            "reason": "болезнь учителя"}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/timetable/changes?day={TOMORROW.isoformat()}"
        listed = await dispatcher.get(answer.headers["location"])
        assert "болезнь учителя" in listed.text and "Запасова Вера Павловна" in listed.text
        week = await dispatcher.get(f"/timetable/teachers/{world.teachers['spare']}?week={TOMORROW.isoformat()}")
        cell = re.search(rf'id="core-lesson-{TOMORROW.isoformat()}-s{slot}".*?</div>', week.text, re.S)[0]
        assert "Англ. яз." in cell and "Инглиш М. И." in cell  # the substitute's week: whose lesson it is
        absent = await dispatcher.get(f"/timetable/teachers/{world.teachers['english1']}?week={TOMORROW.isoformat()}")
        cell = re.search(rf'id="core-lesson-{TOMORROW.isoformat()}-s{slot}".*?</div>', absent.text, re.S)[0]
        assert "Запасова В. П." in cell  # the absent teacher's week: who gives it


async def test_a_conflicting_change_is_refused_naming_the_conflict_and_the_check_saves_nothing(make_client, database_url):
    async with signed_in(make_client, database_url, role="dispatcher") as (dispatcher, school_id):
        world = await add_timetable_school(database_url, school_id)
        slot = await group_slot(database_url, school_id, world.pages["гр1"], TOMORROW)
        busy = {"day": TOMORROW.isoformat(), "kind": "substitute", "slot_id": slot, "teacher_id": world.teachers["math"],
                "reason": "болезнь"}
        async with database_unchanged(database_url):
            check = await dispatcher.post("/timetable/changes/check", data=busy, headers={"HX-Request": "true"})
            assert check.status_code == 200 and "Числова А. П." in check.text and "5Б" in check.text
            refused = await dispatcher.post("/timetable/changes", data=busy)
            assert refused.status_code == 422 and 'id="core-change-conflicts"' in refused.text and "5Б" in refused.text
            assert 'value="болезнь"' in refused.text  # what was typed stays
            bad = await dispatcher.post("/timetable/changes", data={**busy, "reason": "", "teacher_id": world.teachers["spare"]})
            assert bad.status_code == 422 and "core-change-reason-error" in bad.text
            junk = await dispatcher.post("/timetable/changes", data={**busy, "slot_id": "x1", "reason": "r"})
            assert junk.status_code == 422 and "core-change-slot-error" in junk.text
        free = await dispatcher.post("/timetable/changes/check", data={**busy, "teacher_id": world.teachers["spare"]})
        assert "no-conflicts" in free.text


async def test_a_change_is_withdrawn_and_stays_in_the_list(make_client, database_url):
    async with signed_in(make_client, database_url, role="dispatcher") as (dispatcher, school_id):
        world = await add_timetable_school(database_url, school_id)
        slot = await group_slot(database_url, school_id, world.pages["гр2"], TOMORROW)
        await dispatcher.post("/timetable/changes", data={"day": TOMORROW.isoformat(), "kind": "cancel", "slot_id": slot,
                                                          "reason": "экскурсия"})
        change_id = (await fetch(database_url, "SELECT max(id) FROM timetable_change"))[0][0]
        answer = await dispatcher.post(f"/timetable/changes/{change_id}/withdraw", follow_redirects=False)
        assert answer.status_code == 303
        again = await dispatcher.post(f"/timetable/changes/{change_id}/withdraw")
        assert again.status_code == 422 and "Это изменение уже отменено." in again.text
        listed = await dispatcher.get(f"/timetable/changes?day={TOMORROW.isoformat()}")
        assert f'id="core-change-{change_id}" class="change-withdrawn"' in listed.text


async def test_teachers_read_the_weeks_and_the_day(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (teacher, school_id):
        world = await add_timetable_school(database_url, school_id)
        week = await teacher.get(f"/timetable/classes/{world.classes['5А']}?week={TOMORROW.isoformat()}")
        assert week.status_code == 200 and "Матем." in week.text and "5А, английский язык, гр. 1" in week.text
        room = await teacher.get(f"/timetable/rooms/{world.rooms['201']}?week={TOMORROW.isoformat()}")
        assert room.status_code == 200 and "Инглиш М. И." in room.text
        day = await teacher.get(f"/timetable?day={TOMORROW.isoformat()}")
        assert day.status_code == 200 and 'id="core-timetable-day-class-' in day.text and "6А" in day.text
        changes = await teacher.get(f"/timetable/changes?day={TOMORROW.isoformat()}")
        assert changes.status_code == 200 and 'id="core-change-form"' not in changes.text
        chosen = await teacher.get(f"/timetable/classes/{world.classes['5А']}?open={world.classes['5Б']}&week=2026-11-23",
                                   follow_redirects=False)
        assert chosen.status_code == 303 and chosen.headers["location"] == f"/timetable/classes/{world.classes['5Б']}?week=2026-11-23"
        mine = await teacher.get("/timetable/my")
        assert mine.status_code == 200 and "Моё расписание" in mine.text


async def test_a_wrong_date_says_so_and_another_schools_objects_are_not_found(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (teacher, school_id):
        world = await add_timetable_school(database_url, school_id)
        from tests.support.people import add_school

        other_school = await add_school(database_url, "Чужая")
        other = await add_timetable_school(database_url, other_school)
        page = await teacher.get("/timetable?day=31.02.2027")
        assert page.status_code == 200 and 'id="core-timetable-day-error"' in page.text
        for path in (f"/timetable/classes/{other.classes['5А']}", f"/timetable/rooms/{other.rooms['101']}",
                     f"/timetable/teachers/{other.teachers['math']}", f"/timetable/teachers/{world.students['Аня']}"):
            assert (await teacher.get(path)).status_code == 404, path


async def test_timetable_pages_take_a_fixed_number_of_statements(make_client, database_url):
    async with signed_in(make_client, database_url, role="dispatcher") as (dispatcher, school_id):
        world = await add_timetable_school(database_url, school_id)
        seen = count_statements(dispatcher)
        day = TOMORROW.isoformat()
        pages = [f"/timetable/classes/{world.classes['5А']}?week={day}", f"/timetable/teachers/{world.teachers['math']}?week={day}",
                 f"/timetable?day={day}", f"/timetable/changes?day={day}"]
        first = await group_slot(database_url, school_id, world.pages["гр1"], TOMORROW)
        await dispatcher.post("/timetable/changes", data={"day": day, "kind": "substitute", "slot_id": first, "reason": "r",
                                                          "teacher_id": world.teachers["spare"]})
        before = [await statements(dispatcher, seen, path) for path in pages]
        second = await group_slot(database_url, school_id, world.pages["5Б математика"], TOMORROW)
        await dispatcher.post("/timetable/changes", data={"day": day, "kind": "cancel", "slot_id": second, "reason": "r"})
        await add_user(database_url, f"more-{school_id}", [("teacher", school_id)])
        assert [await statements(dispatcher, seen, path) for path in pages] == before
        assert max(before) <= 24, before


async def test_a_teacher_cannot_record_changes(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (teacher, school_id):
        world = await add_timetable_school(database_url, school_id)
        slot = await group_slot(database_url, school_id, world.pages["гр1"], TOMORROW)
        async with database_unchanged(database_url):
            answer = await teacher.post("/timetable/changes", data={"day": TOMORROW.isoformat(), "kind": "cancel",
                                                                    "slot_id": slot, "reason": "x"})
        assert answer.status_code == 403

"""The demo school's timetable: clean by the timetable's own check in both versions, every page
with its curriculum's lessons, each class's days within its limits and without gaps, one change of
each kind recorded by the dispatcher in the past weeks, and the same timetable for the same seed."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from datetime import date, time, timedelta

from sqlalchemy import select

from core.demo import DEMO_USERS, owner_rng
from core.people.demo import seed_people
from core.structure.demo import seed_structure
from core.structure.models import AcademicYear, CurriculumLine
from core.timetable.conflicts import Members, clashes, load_members, timetable_conflicts
from core.timetable.demo import ClassWeek, WeekBuilder, blocks_of, seed_timetable
from core.timetable.lessons import PageInfo, TimetableData, load_timetable
from core.timetable.models import CHANGE_KINDS
from core.timetable.lessons import first_weekday
from core.timetable.weekly import TimetableService
from tests.support.people import add_school, add_user, fast_passwords
from tests.support.snapshot import fetch
from tests.support.structure import writing

TODAY = date(2026, 11, 28)  # a Saturday in the second quarter
START, SECOND_HALF = date(2026, 9, 1), date(2027, 1, 11)
SECOND_QUARTER = date(2026, 11, 5)
ENGLISH = "Иностранный язык (английский)"


async def seeded(url: str, seed: int = 2026, today: date = TODAY) -> int:
    """The demo school as ``core.demo`` makes it: the demo logins, the structure, the people, the timetable."""
    school = await add_school(url)
    for login, role, name in DEMO_USERS:
        await add_user(url, login, [(role, None if role == "operator" else school)], full_name=name)
    async with writing(url) as session:
        year = await seed_structure(session, school, owner_rng(seed, "core"), today, fast_passwords().hash("x"))
        await seed_people(session, school, year, rng=owner_rng(seed, "core.people"), today=today)
        await seed_timetable(session, school, year, rng=owner_rng(seed, "core.timetable"), today=today)
    return school


async def test_the_demo_timetable_keeps_every_rule(database_url):
    school = await seeded(database_url)
    async with writing(database_url) as session:
        year = await session.scalar(select(AcademicYear).where(AcademicYear.school_id == school))
        assert year is not None
        versions = await TimetableService(session, school, TODAY).versions(year)
        assert [version.valid_from for version in versions] == [START, SECOND_HALF]
        lines = {(grade, subject): (half_hours, pattern) for grade, subject, half_hours, pattern in (await session.execute(
            select(CurriculumLine.grade_level, CurriculumLine.subject_id, CurriculumLine.half_hours, CurriculumLine.pattern)
            .where(CurriculumLine.academic_year_id == year.id))).all()}
        for index, version in enumerate(versions):
            end = versions[index + 1].valid_from - timedelta(days=1) if index + 1 < len(versions) else year.ends_on
            data = await load_timetable(session, school, version.valid_from, end)
            members = await load_members(session, {p.group_id for p in data.pages.values() if p.group_id})
            assert timetable_conflicts(data, version.id, members, (version.valid_from, end)) == []
            every_page_has_its_lessons(data, version.id, lines, first=index == 0)
            days_are_full_and_short_enough(data, version, year)
            groups_study_together_and_rooms_follow_teachers(data, version.id)
    names = sorted(room.name for room in data.rooms.values())
    assert len(names) == len(set(names)) == 40
    assert {"Спортзал", "Малый спортзал", "Спортзал 2", "Кабинет информатики", "101", "215", "301"} <= set(names)


def every_page_has_its_lessons(data: TimetableData, version_id: int, lines: dict[tuple[int, int], tuple[int, str]],
                               first: bool) -> None:
    """Its curriculum hours: whole hours every week, a half hour in odd weeks; grade 10's
    first-half project in the first timetable only."""
    counts = Counter((slot.page_id, slot.parity) for slot in data.slots[version_id])
    pages = [page for page in data.pages.values() if (page.grade_level, page.subject_id) in lines]
    assert len(pages) > 300
    for page in pages:
        half_hours, pattern = lines[(page.grade_level, page.subject_id)]
        if pattern == "first_half" and not first:
            half_hours = 0
        found = (counts[(page.id, "every")], counts[(page.id, "odd")], counts[(page.id, "even")])
        assert found == (half_hours // 2, half_hours % 2, 0), (page.holder, page.subject, found)
    assert sum(counts.values()) > 650


def days_are_full_and_short_enough(data: TimetableData, version, year: AcademicYear) -> None:  # type: ignore[no-untyped-def]
    """Every class, every day, odd and even weeks: within its week's days and its daily limit, from
    the first lesson without gaps, at the bells of its shift, one subject at most twice."""
    studied: Counter[int] = Counter()
    for weekday in range(6):
        reference = first_weekday(version.valid_from, weekday)
        for parity in ("odd", "even"):
            by_class: dict[int, list] = {}
            for lesson in data.weekly_lessons(version, weekday, parity, reference):
                for class_id in lesson.page.class_ids:
                    by_class.setdefault(class_id, []).append(lesson)
            for class_id, lessons in by_class.items():
                class_group = data.classes[class_id]
                level = data.levels[(year.id, class_group.grade_level)]
                numbers = sorted({lesson.number for lesson in lessons})
                where = (class_group.name, weekday, parity, numbers)
                assert weekday < level.days_per_week, where
                assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) <= level.daily_limit, where
                assert all(lesson.starts_at is not None for lesson in lessons), where
                first_bell = time(8, 0) if class_group.shift == 1 else time(13, 10)
                assert min(lesson.starts_at for lesson in lessons) == first_bell, where
                twice = Counter(subject for subject, _number in {(lesson.page.subject_id, lesson.number) for lesson in lessons})
                assert max(twice.values()) <= 2, where
                studied[class_id] += 1
    sixth_day = {c.id for c in data.classes.values() if c.grade_level >= 10}
    assert all(studied[c] == (12 if c in sixth_day else 10) for c in data.classes), "every class studies every day of its week"


def groups_study_together_and_rooms_follow_teachers(data: TimetableData, version_id: int) -> None:
    """The groups of a split at the same times (their teachers differ in the demo), each lesson in
    its teacher's room: PE in a gym, informatics in the computer room, primary classes downstairs."""
    times: dict[int, set[tuple[int, int, str]]] = {}
    room_of: dict[int, set[int | None]] = {}
    for slot in data.slots[version_id]:
        times.setdefault(slot.page_id, set()).add((slot.weekday, slot.number, slot.parity))
        room_of.setdefault(slot.teacher_id, set()).add(slot.room_id)
        page, room = data.pages[slot.page_id], data.rooms[slot.room_id]  # type: ignore[index]
        if page.subject == "Физическая культура":
            assert "зал" in room.name
        elif page.subject == "Информатика":
            assert room.name == "Кабинет информатики"
        elif page.grade_level <= 4 and page.subject not in (ENGLISH, "Музыка"):
            assert room.name.startswith("1"), (page.holder, page.subject, room.name)
    assert all(len(rooms) == 1 for rooms in room_of.values()), "one room per teacher"
    splits: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for page in data.pages.values():
        if page.group_id is not None:
            splits.setdefault((page.subject_id, page.class_ids), []).append(page.id)
    assert len(splits) == 30
    for split in splits.values():
        assert len({frozenset(times[page_id]) for page_id in split}) == 1, [data.pages[p].holder for p in split]


async def test_the_dispatcher_made_one_change_of_each_kind(database_url):
    school = await seeded(database_url)
    (dispatcher,), = await fetch(database_url, "SELECT id FROM user_account WHERE login = 'dispatcher'")
    rows = await fetch(database_url, "SELECT kind, on_date, ends_on, reason, created_by, withdrawn_at, id "
                                     "FROM timetable_change ORDER BY id")
    assert sorted(row[0] for row in rows) == sorted(CHANGE_KINDS)
    assert all(row[3] and row[4] == dispatcher and row[5] is None for row in rows)
    days = {row[0]: date.fromisoformat(str(row[1])) for row in rows}
    assert all(max(SECOND_QUARTER, TODAY - timedelta(days=21)) <= day < TODAY for day in days.values()), days
    ends_on, = [date.fromisoformat(str(row[2])) for row in rows if row[0] == "replacement"]
    assert days["replacement"] <= TODAY - timedelta(days=7) and TODAY < ends_on and (ends_on - days["replacement"]).days == 13
    audited = await fetch(database_url, "SELECT count(*) FROM audit_record WHERE action = 'core.timetable_change_recorded'")
    assert audited == [(len(CHANGE_KINDS),)]

    # The days as the dispatcher sees them: each change applied, and no lesson clashing with another.
    async with writing(database_url) as session:
        start = min(days.values())
        data = await load_timetable(session, school, start, ends_on)
        members = await load_members(session, {p.group_id for p in data.pages.values() if p.group_id})
        statuses: Counter[tuple[str, str]] = Counter()
        day = start
        while day <= ends_on:
            lessons = data.lessons_on(day)
            for index, lesson in enumerate(lessons):
                if lesson.change is not None:
                    statuses[(lesson.change.kind, lesson.status)] += 1
                assert not lesson.given or clashes(lesson, lessons[index + 1:], data, members, (day, day)) == [], (day, lesson)
            day += timedelta(days=1)
    assert {("cancel", "cancelled"), ("move", "moved_away"), ("move", "moved_in"), ("room", "changed"), ("substitute", "changed"),
            ("other_subject", "changed"), ("merge", "changed"), ("replacement", "changed")} <= set(statuses)


async def test_the_same_seed_gives_the_same_timetable(sqlite_template, tmp_path):
    urls = []
    for name in ("first.db", "second.db"):
        shutil.copyfile(sqlite_template, tmp_path / name)
        urls.append(f"sqlite+aiosqlite:///{tmp_path / name}")
        await seeded(urls[-1])
    for query in ("SELECT * FROM room ORDER BY id", "SELECT * FROM timetable_slot ORDER BY id",
                  "SELECT kind, on_date, slot_id, subject_page_id, teacher_id, room_id, to_date, to_number, merged_slot_id, "
                  "ends_on, reason FROM timetable_change ORDER BY id"):
        first, second = [await fetch(url, query) for url in urls]
        assert first and first == second, query


def test_groups_of_one_teacher_study_at_different_times():
    """Two groups of one class with the same teacher cannot study at once: they get lessons of
    their own; the groups of another class, with two teachers, study together."""
    year = AcademicYear(id=1, school_id=1, name="2026/2027", starts_on=START, ends_on=date(2027, 5, 31))

    def page(page_id: int, class_id: int, subject_id: int, group_id: int | None) -> PageInfo:
        return PageInfo(id=page_id, subject_id=subject_id, subject=str(subject_id), short="", holder=f"5{class_id}",
                        class_ids=(class_id,), group_id=group_id, grade_level=5, shift=1, year_id=1)

    pages = {1: page(1, 1, 10, 100), 2: page(2, 1, 10, 101), 3: page(3, 2, 10, 200), 4: page(4, 2, 10, 201),
             5: page(5, 1, 11, None), 6: page(6, 2, 11, None)}
    teachers = {1: 7, 2: 7, 3: 7, 4: 8, 5: 9, 6: 9}
    data = TimetableData(years=[year], levels={}, versions={}, slots={}, pages=pages,
                         days_off=[], bells=[], assignments={p: [(t, START, None)] for p, t in teachers.items()}, changes=[])
    blocks = blocks_of(data, year, {(5, 10): (6, "weekly"), (5, 11): (9, "alternate_weeks")}, Members())
    assert sorted(len(block.pages) for block in blocks) == [1, 1, 1, 1, 2]
    bells = {number: (480 + 50 * number, 520 + 50 * number) for number in range(1, 7)}
    placements = WeekBuilder(blocks, {c: ClassWeek(c, 5, 6, bells) for c in (1, 2)}).build(random.Random(1))
    times: dict[int, set[tuple[int, int]]] = {}
    for placement in placements:
        for page_info in blocks[placement.block].pages:
            times.setdefault(page_info.id, set()).add((placement.weekday, placement.number))
    assert not times[1] & times[2] and times[3] == times[4], times
    by_teacher = Counter((teachers[p], day, number) for p, found in times.items() for day, number in found)
    assert set(by_teacher.values()) == {1}, "no teacher in two places at once"
    assert [len(times[p]) for p in range(1, 7)] == [3, 3, 3, 3, 5, 5]  # 4.5 hours: 4 every week, 1 in odd weeks
    assert sorted(p.parity for p in placements if blocks[p.block].pages[0].id == 5) == ["every"] * 4 + ["odd"]



async def test_a_timetable_of_some_pages_gives_their_lessons_as_the_whole_schools_does(database_url):
    """``load_timetable(page_ids=…)`` (a student's diary reads its classes only) builds, for each
    class of the demo school, the same lessons of its pages as the whole school's timetable, over
    the weeks of the dispatcher's changes of every kind (a merged group follows its host)."""
    school = await seeded(database_url)
    start, end = TODAY - timedelta(days=21), TODAY + timedelta(days=7)

    def lessons(data: TimetableData, pages: set[int]) -> list[tuple]:
        found = []
        day = start
        while day <= end:
            found += [(lesson.day, lesson.number, lesson.page.id, lesson.status, lesson.teacher_id, lesson.room_id,
                       lesson.slot_id, lesson.starts_at, lesson.merged_into) for lesson in data.lessons_on(day)
                      if lesson.page.id in pages]
            day += timedelta(days=1)
        return sorted(found, key=repr)

    async with writing(database_url) as session:
        whole = await load_timetable(session, school, start, end)
        kinds: set[str] = set()
        for class_id in whole.classes:  # a student's pages: the class's own and one group's of each split
            own = {page.id for page in whole.pages.values() if page.group_id is None and class_id in page.class_ids}
            groups = sorted({page.group_id for page in whole.pages.values() if page.group_id and class_id in page.class_ids})
            for group in groups or [None]:
                pages = own | {page.id for page in whole.pages.values() if page.group_id == group and group is not None}
                some = await load_timetable(session, school, start, end, page_ids=pages)
                assert lessons(some, pages) == lessons(whole, pages), (whole.classes[class_id].name, group)
                assert set(some.pages) < set(whole.pages)
                kinds |= {lesson.change.kind for day in range((end - start).days + 1)
                          for lesson in some.lessons_on(start + timedelta(days=day)) if lesson.change and lesson.page.id in pages}
    assert kinds == set(CHANGE_KINDS)

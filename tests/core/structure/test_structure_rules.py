"""The structure's rules, through the services, on SQLite and PostgreSQL: what a school may enter
and what is refused with a message naming the problem (nothing half-saved)."""

from __future__ import annotations

from datetime import date

import pytest

from core.structure import rules
from core.structure.calendar import CalendarService, count_study_weeks
from core.structure.common import StructureError
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import AcademicYear, ClassGroup, StudyGroup, SubjectPage
from core.structure.organisation import OrganisationService
from tests.support.people import add_school, add_user
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import add_small_school, writing


@pytest.fixture
async def school(database_url):
    school_id = await add_school(database_url)
    teacher = await add_user(database_url, "teacher", [("teacher", school_id)])
    return school_id, teacher, await add_small_school(database_url, school_id, teacher)


async def refused(url: str, action, field: str, words: str) -> None:
    """``action(session)`` raises StructureError by ``field`` whose message has ``words``; nothing changes."""
    async with database_unchanged(url):
        with pytest.raises(StructureError) as caught:
            async with writing(url) as session:
                await action(session)
    assert caught.value.field == field and words in caught.value.message, (caught.value.field, caught.value.message)


# ---- pure rules --------------------------------------------------------------------------------


def test_hours_are_written_as_schools_write_them():
    assert [rules.hours_text(h) for h in (1, 2, 7, 10)] == ["0,5", "1", "3,5", "5"]
    assert [rules.parse_hours(t) for t in ("3", "3,5", "0.5", "", " 2 ")] == [6, 7, 1, 0, 4]
    assert [rules.parse_hours(t) for t in ("3,3", "abc", "-1", "21", "1e3")] == [None] * 5


def test_sanpin_limits_and_defaults():
    assert rules.weekly_limit(1, 5) == 21 and rules.weekly_limit(1, 6) is None
    assert (rules.weekly_limit(5, 5), rules.weekly_limit(5, 6), rules.weekly_limit(11, 6)) == (29, 32, 37)
    assert [rules.default_study_weeks(level) for level in (1, 2, 11)] == [33, 34, 34]
    assert rules.half_weeks(33) == (16, 17) and rules.half_weeks(34) == (17, 17)


def test_curriculum_totals_of_a_five_day_grade_five_equal_hand_computed_figures():
    # Русский 5, Литература 3, Английский 3, Математика 5, История 2, География 1, Биология 1,
    # ОДНКНР 0,5 (1 hour every other week): 20,5 hours a week; 20,5 × 34 weeks = 697 hours a year.
    lines = [(10, "weekly"), (6, "weekly"), (6, "weekly"), (10, "weekly"), (4, "weekly"), (2, "weekly"), (2, "weekly"),
             (1, "alternate_weeks")]
    load = rules.level_load(lines, 34)
    assert (load.weekly, load.yearly) == (41, 1394)  # in halves: 20,5 h and 697 h
    assert rules.weekly_limit(5, 5) * 2 >= load.weekly


def test_curriculum_totals_of_a_six_day_grade_ten_with_a_half_year_subject():
    # 6-day week, 34 weeks: 33 hours every week, plus an individual project 2 h in the first
    # half-year only (17 weeks). Weekly load 35 in the first half; a year: 33 × 34 + 2 × 17 = 1156.
    load = rules.level_load([(66, "weekly"), (4, "first_half")], 34)
    assert (load.first_half, load.second_half, load.weekly, load.yearly) == (70, 66, 70, 2312)
    assert load.weekly <= 2 * rules.weekly_limit(10, 6) and load.weekly > 2 * rules.weekly_limit(10, 5)


def test_study_weeks_counted_from_the_calendar():
    # 1–30 September 2026: 22 weekdays = 4,4 weeks of five days → 4; a week's vacation leaves 17 → 3,4 → 3;
    # a 6-day week has 26 lesson days = 4,3 → 4.
    assert count_study_weeks(date(2026, 9, 1), date(2026, 9, 30), [], 5) == 4
    assert count_study_weeks(date(2026, 9, 1), date(2026, 9, 30), [(date(2026, 9, 14), date(2026, 9, 20))], 5) == 3
    assert count_study_weeks(date(2026, 9, 1), date(2026, 9, 30), [], 6) == 4


# ---- calendar ----------------------------------------------------------------------------------


async def test_a_new_year_has_settings_for_every_grade_level(database_url, school):
    school_id, _teacher, small = school
    settings = await fetch(database_url, "SELECT grade_level, period_kind, days_per_week, study_weeks, weekly_limit "
                                         "FROM grade_level_settings WHERE academic_year_id = :y ORDER BY grade_level", y=small.year)
    assert settings[0] == (1, "quarter", 5, 33, 21) and settings[4] == (5, "quarter", 5, 34, 29)
    assert settings[10] == (11, "half_year", 5, 34, 34) and len(settings) == 11


async def test_overlapping_years_and_reversed_dates_are_refused(database_url, school):
    school_id, _teacher, _small = school
    await refused(database_url, lambda s: CalendarService(s, school_id).create_year(date(2027, 5, 1), date(2028, 5, 31)),
                  "starts_on", "2026/2027")
    await refused(database_url, lambda s: CalendarService(s, school_id).create_year(date(2028, 9, 1), date(2028, 5, 31)),
                  "ends_on", "")
    other = await add_school(database_url, "Другая школа")  # another school's years do not clash
    async with writing(database_url) as session:
        await CalendarService(session, other).create_year(date(2026, 9, 1), date(2027, 5, 31))


async def test_periods_stay_inside_their_year_and_apart(database_url, school):
    school_id, _teacher, small = school

    async def add(kind, number, starts, ends):
        async def action(session):
            year = await session.get(AcademicYear, small.year)
            await CalendarService(session, school_id).add_period(year, kind, number, starts, ends)
        return action

    await refused(database_url, await add("quarter", 4, date(2027, 4, 1), date(2027, 6, 30)), "starts_on", "31.05.2027")
    await refused(database_url, await add("quarter", 2, date(2026, 10, 1), date(2026, 12, 27)), "starts_on", "1")
    await refused(database_url, await add("quarter", 5, date(2027, 4, 1), date(2027, 5, 20)), "number", "4")
    await refused(database_url, await add("quarter", 2, date(2026, 12, 27), date(2026, 11, 5)), "ends_on", "")
    async with writing(database_url) as session:  # half-years run beside the quarters
        year = await session.get(AcademicYear, small.year)
        await CalendarService(session, school_id).add_period(year, "half_year", 1, date(2026, 9, 1), date(2026, 12, 27))


async def test_first_grade_studies_five_days_and_limits_follow_the_week(database_url, school):
    school_id, _teacher, small = school

    async def six_days_for(level):
        async def action(session):
            year = await session.get(AcademicYear, small.year)
            await CalendarService(session, school_id).update_level(year, level, period_kind="quarter", days_per_week=6,
                                                                   study_weeks=34, weekly_limit=None)
        return action

    await refused(database_url, await six_days_for(1), "days_per_week", "")
    async with writing(database_url) as session:
        await (await six_days_for(5))(session)
    assert await fetch(database_url, "SELECT weekly_limit FROM grade_level_settings WHERE academic_year_id = :y AND grade_level = 5",
                       y=small.year) == [(32,)]


# ---- organisation ------------------------------------------------------------------------------


async def test_a_class_needs_a_grade_level_and_a_unique_letter(database_url, school):
    school_id, _teacher, small = school

    def add(level, letter):
        async def action(session):
            year = await session.get(AcademicYear, small.year)
            await OrganisationService(session, school_id).add_class(year, grade_level=level, letter=letter)
        return action

    await refused(database_url, add(None, "Б"), "grade_level", "")
    await refused(database_url, add(12, "Б"), "grade_level", "")
    await refused(database_url, add(5, "а"), "letter", "5А")
    await refused(database_url, add(5, "<b>"), "letter", "")


async def test_a_group_draws_on_classes_of_one_grade_level(database_url, school):
    school_id, _teacher, small = school
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, small.year)
        service = OrganisationService(session, school_id)
        tenth = [await service.add_class(year, grade_level=10, letter=letter) for letter in "АБ"]
        profile = await service.add_group(year, name="10 классы, профильная математика", class_ids=[c.id for c in tenth], subject_id=None)
        assert profile.grade_level == 10
        ids = [tenth[0].id, small.class_5a]

    async def mixed(session):
        year = await session.get(AcademicYear, small.year)
        await OrganisationService(session, school_id).add_group(year, name="Смешанная", class_ids=ids, subject_id=None)

    await refused(database_url, mixed, "class_ids", "5, 10")


async def test_one_class_teacher_at_a_time_and_dated_memberships(database_url, school):
    school_id, teacher, small = school
    other_teacher = await add_user(database_url, "other", [("teacher", school_id)])
    student = await add_user(database_url, "student", [("student", school_id)])

    async def appoint(session):
        class_5a = await session.get(ClassGroup, small.class_5a)
        await OrganisationService(session, school_id).appoint_class_teacher(
            class_5a, teacher_id=other_teacher, starts_on=date(2026, 11, 1), ends_on=None)

    await refused(database_url, appoint, "starts_on", "01.09.2026")
    async with writing(database_url) as session:  # after the first appointment ends, the next may start
        service = OrganisationService(session, school_id)
        (first,) = await service.appointments(small.class_5a)
        await service.end_appointment(first, date(2026, 10, 31))
        await appoint(session)
        group = await session.get(StudyGroup, small.group)
        await service.add_member(group, student_id=student, starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31))

    async def join_again(session):
        group = await session.get(StudyGroup, small.group)
        await OrganisationService(session, school_id).add_member(group, student_id=student, starts_on=date(2026, 12, 1), ends_on=None)

    async def teacher_as_member(session):
        group = await session.get(StudyGroup, small.group)
        await OrganisationService(session, school_id).add_member(group, student_id=teacher, starts_on=date(2027, 1, 1), ends_on=None)

    await refused(database_url, join_again, "student_id", "")
    await refused(database_url, teacher_as_member, "student_id", "")


# ---- curriculum, pages and load ----------------------------------------------------------------


async def test_the_curriculum_refuses_hours_over_the_weekly_maximum(database_url, school):
    school_id, _teacher, small = school
    async with writing(database_url) as session:
        organisation = OrganisationService(session, school_id)
        year = await session.get(AcademicYear, small.year)
        extra = [await organisation.save_subject(None, name=f"Предмет {n}", short_name="", sort_order=None) for n in range(3)]
        curriculum = CurriculumService(session, school_id)
        for subject in extra[:2]:  # 5 + 3 + 10 + 10 = 28 of 29
            await curriculum.set_hours(year, grade_level=5, subject_id=subject.id, half_hours=20)
        subject_id = extra[2].id

    async def over(session):
        year = await session.get(AcademicYear, small.year)
        await CurriculumService(session, school_id).set_hours(year, grade_level=5, subject_id=subject_id, half_hours=3)

    await refused(database_url, over, "hours", "29,5")
    async with writing(database_url) as session:  # half an hour still fits; a first-half subject of 1 h too
        year = await session.get(AcademicYear, small.year)
        curriculum = CurriculumService(session, school_id)
        await curriculum.set_hours(year, grade_level=5, subject_id=subject_id, half_hours=2, pattern="first_half")
        table = await curriculum.table(year)
        assert table.loads[5].weekly == 58 and table.loads[5].yearly == (10 + 6 + 20 + 20) * 34 + 2 * 17
        assert not table.warnings


async def test_pages_come_from_the_curriculum_and_groups(database_url, school):
    school_id, _teacher, small = school
    pages = await fetch(database_url, "SELECT subject_id, class_group_id, study_group_id FROM subject_page ORDER BY id")
    # Mathematics for the class; English for its group (the class is split), not for the class.
    assert pages == [(small.mathematics, small.class_5a, None), (small.english, None, small.group)]
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, small.year)
        assert await PageService(session, school_id).generate(year) == 0


async def test_the_load_never_exceeds_the_curriculum_and_a_page_survives_a_teacher_change(database_url, school):
    school_id, teacher, small = school
    second = await add_user(database_url, "second", [("teacher", school_id)])

    def assign(who, hours, starts, ends=None, page=None):
        async def action(session):
            subject_page = await session.get(SubjectPage, page or small.math_page)
            await PageService(session, school_id).assign(subject_page, teacher_id=who, half_hours=hours, starts_on=starts, ends_on=ends)
        return action

    await refused(database_url, assign(second, 1, date(2026, 10, 1)), "hours", "5,5")
    await refused(database_url, assign(second, 2, date(2026, 10, 1), date(2026, 9, 1)), "ends_on", "")
    await refused(database_url, assign(second, 2, date(2027, 6, 1)), "starts_on", "")
    stranger = await add_user(database_url, "stranger", [("teacher", await add_school(database_url, "Чужая"))])
    await refused(database_url, assign(stranger, 2, date(2026, 10, 1), page=small.group_page), "teacher_id", "")
    async with writing(database_url) as session:  # the teacher leaves on 15 November; the second takes over
        pages = PageService(session, school_id)
        (assignment, _name), = await pages.assignments(small.math_page)
        await pages.end_assignment(assignment, date(2026, 11, 15))
        await assign(second, 10, date(2026, 11, 16))(session)
    rows = await fetch(database_url, "SELECT subject_page_id, teacher_id, starts_on, ends_on FROM teaching_assignment ORDER BY id")
    assert [(row[0], row[1]) for row in rows] == [(small.math_page, teacher), (small.math_page, second)]
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, small.year)
        before = await PageService(session, school_id).rows(year, date(2026, 11, 15), class_group_id=small.class_5a)
        after = await PageService(session, school_id).rows(year, date(2026, 11, 16))
    assert before[0].teachers[0][0] == teacher and after[0].teachers[0][0] == second and before[0].id == after[0].id


async def test_hours_cannot_fall_below_the_load_already_given(database_url, school):
    school_id, _teacher, small = school

    async def cut(session):
        year = await session.get(AcademicYear, small.year)
        await CurriculumService(session, school_id).set_hours(year, grade_level=5, subject_id=small.mathematics, half_hours=8)

    await refused(database_url, cut, "hours", "5")


async def test_ungraded_rules_by_grade_subject_class_and_period(database_url, school):
    school_id, _teacher, small = school
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, small.year)
        pages = PageService(session, school_id)
        math_page = await session.get(SubjectPage, small.math_page)
        group_page = await session.get(SubjectPage, small.group_page)
        assert not await pages.is_ungraded(math_page, date(2026, 9, 10))
        await pages.add_ungraded(year, subject_id=small.english, grade_level=None, class_group_id=small.class_5a,
                                 study_period_id=small.period)
        assert await pages.is_ungraded(group_page, date(2026, 9, 10))  # the group of 5А, in the first quarter
        assert not await pages.is_ungraded(group_page, date(2026, 11, 10))  # after it
        assert not await pages.is_ungraded(math_page, date(2026, 9, 10))  # another subject
        await pages.add_ungraded(year, subject_id=None, grade_level=5, class_group_id=None, study_period_id=None)
        assert await pages.is_ungraded(math_page, date(2027, 3, 1))
        with pytest.raises(StructureError):
            await pages.add_ungraded(year, subject_id=None, grade_level=None, class_group_id=None, study_period_id=None)

"""A school's structure for tests, written through the real services in one transaction."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.session import Database
from core.structure.calendar import CalendarService
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import SubjectPage
from core.structure.organisation import OrganisationService


@asynccontextmanager
async def writing(url: str) -> AsyncIterator[AsyncSession]:
    """A write transaction on the test's database, through its own unpooled engine."""
    database = Database(url, pooled=False)
    try:
        async with database.writing() as session:
            yield session
    finally:
        await database.dispose()


@dataclass
class SmallSchool:
    """Ids of a year 2026/2027 with 5А (class teacher: ``teacher``), an English group of 5А,
    Mathematics 5 h and English 3 h in grade 5, their pages, and ``teacher`` on the mathematics page."""

    year: int = 0
    class_5a: int = 0
    group: int = 0
    mathematics: int = 0
    english: int = 0
    math_page: int = 0
    group_page: int = 0
    assignment: int = 0
    appointment: int = 0
    period: int = 0
    days: int = 0
    bells: int = 0


async def add_small_school(url: str, school_id: int, teacher_id: int) -> SmallSchool:
    found = SmallSchool()
    async with writing(url) as session:
        calendar = CalendarService(session, school_id)
        year = await calendar.create_year(date(2026, 9, 1), date(2027, 5, 31))
        found.year = year.id
        found.period = (await calendar.add_period(year, "quarter", 1, date(2026, 9, 1), date(2026, 10, 24))).id
        found.days = (await calendar.add_days(year, kind="vacation", name="Осенние каникулы",
                                              starts_on=date(2026, 10, 25), ends_on=date(2026, 11, 4))).id
        from core.structure.calendar import BellInput
        from datetime import time
        found.bells = (await calendar.add_bell_schedule(
            year, name="1 смена", shift=1, kind="regular", grade_level=None, valid_from=None, valid_to=None,
            bells=[BellInput(time(8, 0), time(8, 40)), BellInput(time(8, 50), time(9, 30))])).id
        organisation = OrganisationService(session, school_id)
        mathematics = await organisation.save_subject(None, name="Математика", short_name="Матем.", sort_order=10)
        english = await organisation.save_subject(None, name="Иностранный язык (английский)", short_name="Англ. яз.", sort_order=20)
        found.mathematics, found.english = mathematics.id, english.id
        class_5a = await organisation.add_class(year, grade_level=5, letter="А")
        found.class_5a = class_5a.id
        found.appointment = (await organisation.appoint_class_teacher(
            class_5a, teacher_id=teacher_id, starts_on=date(2026, 9, 1), ends_on=None)).id
        group = await organisation.add_group(year, name="5А, английский язык, гр. 1", class_ids=[class_5a.id], subject_id=english.id)
        found.group = group.id
        curriculum = CurriculumService(session, school_id)
        await curriculum.set_hours(year, grade_level=5, subject_id=mathematics.id, half_hours=10)
        await curriculum.set_hours(year, grade_level=5, subject_id=english.id, half_hours=6)
        pages = PageService(session, school_id)
        await pages.generate(year)
        rows = await pages.rows(year, date(2026, 9, 1))
        found.math_page = next(row.id for row in rows if row.subject == "Математика")
        found.group_page = next(row.id for row in rows if row.study_group_id == group.id)
        math_page = await session.get(SubjectPage, found.math_page)
        assert math_page is not None
        found.assignment = (await pages.assign(math_page, teacher_id=teacher_id, half_hours=10,
                                               starts_on=date(2026, 9, 1), ends_on=None)).id
    return found


async def add_structure_targets(url: str, school_id: int, small: SmallSchool, roles: tuple[str, ...], *, student: int,
                                teachers: tuple[int, int], own_load: tuple[int, ...] = ()) -> dict[str, dict[str, object]]:
    """For each role that may change the structure, objects of its own to change, delete or end,
    and form values that do not clash with another role's (the matrix posts every row per role).
    ``own_load``: teachers given half an hour on the group's page, so they have a load to see."""
    from core.structure.models import AcademicYear, StudyGroup

    found: dict[str, dict[str, object]] = {}
    async with writing(url) as session:
        year = await session.get(AcademicYear, small.year)
        group = await session.get(StudyGroup, small.group)
        assert year is not None and group is not None
        calendar, organisation = CalendarService(session, school_id), OrganisationService(session, school_id)
        pages = PageService(session, school_id)
        from datetime import time

        from core.structure.calendar import BellInput
        group_page = await session.get(SubjectPage, small.group_page)
        assert group_page is not None
        for teacher in own_load:
            await pages.assign(group_page, teacher_id=teacher, half_hours=1, starts_on=date(2026, 9, 1), ends_on=None)
        await CurriculumService(session, school_id).set_hours(year, grade_level=6, subject_id=small.mathematics, half_hours=10)
        for number, role in enumerate(roles):
            quarter = 2 + number  # quarters 2 and 3 to delete
            starts = (date(2026, 11, 5), date(2027, 1, 11))[number]
            period = await calendar.add_period(year, "quarter", quarter, starts, starts + timedelta(days=40))
            days = await calendar.add_days(year, kind="holiday", name=f"Праздник {role}", starts_on=date(2027, 2, 23), ends_on=None)
            bells = await calendar.add_bell_schedule(year, name=f"Звонки {role}", shift=2, kind="regular", grade_level=None,
                                                     valid_from=None, valid_to=None, bells=[BellInput(time(13, 0), time(13, 40))])
            led_class = await organisation.add_class(year, grade_level=6, letter="АБВГ"[number])
            subject = await organisation.save_subject(None, name=f"Элективный курс {number + 1}", short_name="", sort_order=None)
            rule = await pages.add_ungraded(year, subject_id=subject.id, grade_level=5, class_group_id=None, study_period_id=None)
            member = await organisation.add_member(group, student_id=student, starts_on=date(2026, 9, 1 + number * 10),
                                                   ends_on=date(2026, 9, 5 + number * 10))
            replaced_page = await pages.add_page(year, subject_id=small.mathematics, holder=f"c{led_class.id}")
            replaced = await pages.assign(replaced_page, teacher_id=teachers[0], half_hours=4, starts_on=date(2026, 9, 1), ends_on=None)
            found[role] = {
                "own_assignment": replaced.id, "replaced_page": replaced_page.id, "own_member_end": f"2026-09-{3 + number * 10:02d}",
                "own_period": period.id, "own_days": days.id, "own_bells": bells.id, "own_class": led_class.id,
                "own_subject": subject.id, "own_rule": rule.id, "own_member": member.id,
                "new_year_start": f"{2030 + 2 * number}-09-01", "new_year_end": f"{2031 + 2 * number}-05-31",
                "new_letter": "ЯЮ"[number], "trimester": number + 1,
                "trimester_start": ("2026-09-01", "2026-12-01")[number], "trimester_end": ("2026-11-30", "2027-02-28")[number], "member_start": f"2027-0{3 + number}-01", "member_end": f"2027-0{3 + number}-20",
                "assign_teacher": teachers[number], "assign_start": "2026-09-01",
                "replace_teacher": teachers[1],
            }
    return found

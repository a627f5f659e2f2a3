"""Object scope from dated links, as of a day: a parent's own children, a class teacher's class,
a teacher's pages. A miss is a 404 that looks like a missing object."""

from __future__ import annotations

from datetime import date

import pytest
from litestar.exceptions import NotFoundException

from core.access.scope import (
    led_classes, own_children, require_led_class, require_own_child, require_taught_page, taught_pages,
)
from core.auth.services import CurrentUser
from core.people.services import PeopleService
from core.structure.curriculum import PageService
from core.structure.models import ClassGroup, SubjectPage, TeachingAssignment
from core.structure.organisation import OrganisationService
from tests.support.people import add_school, add_user
from tests.support.structure import add_small_school, writing

ORDER = {"order_number": "1-у", "order_date": date(2026, 8, 28)}


def as_user(user_id: int, school_id: int) -> CurrentUser:
    return CurrentUser(id=user_id, login="x", full_name="x", session_id="s", school_id=school_id, roles=frozenset({"parent"}),
                       schools=((school_id, "школа"),), last_seen_at=None, disabled_modules=frozenset())


async def test_a_parent_reaches_their_children_while_they_study_here(database_url):
    school = await add_school(database_url)
    teacher = await add_user(database_url, "teacher", [("teacher", school)])
    small = await add_small_school(database_url, school, teacher)
    other_school = await add_school(database_url, "Другая школа")
    async with writing(database_url) as session:
        people = PeopleService(session, school)
        class_5a = await session.get(ClassGroup, small.class_5a)
        child, other_child, parent = [await people.add_person(last_name=last, first_name=first) for last, first in
                                      (("Орлов", "Иван"), ("Сидоров", "Пётр"), ("Орлова", "Светлана"))]
        for student in (child, other_child):
            await people.enroll(student.id, class_5a, starts_on=date(2026, 9, 1), **ORDER)
        await people.add_guardian(child.id, parent.id, kind="mother")
        await people.leave(child.id, last_day=date(2027, 1, 20), order_number="7-у", order_date=date(2027, 1, 20))
        assert await own_children(session, parent.id, school, date(2026, 12, 1)) == [child.id]
        assert await own_children(session, parent.id, school, date(2027, 2, 1)) == []  # left the school
        me = as_user(parent.id, school)
        await require_own_child(session, me, child.id, date(2026, 12, 1))
        for student, day in ((other_child.id, date(2026, 12, 1)), (child.id, date(2027, 2, 1)), (10**9, date(2026, 12, 1))):
            with pytest.raises(NotFoundException):
                await require_own_child(session, me, student, day)
        assert await own_children(session, parent.id, other_school, date(2026, 12, 1)) == []


async def test_teachers_reach_their_pages_and_classes_as_of_the_day(database_url):
    school = await add_school(database_url)
    teacher = await add_user(database_url, "teacher", [("teacher", school)])
    successor = await add_user(database_url, "successor", [("teacher", school)])
    small = await add_small_school(database_url, school, teacher)
    async with writing(database_url) as session:
        assignment = await session.get(TeachingAssignment, small.assignment)
        pages = PageService(session, school)
        await pages.end_assignment(assignment, date(2026, 11, 15))
        page = assignment.subject_page_id
        await pages.assign(await session.get(SubjectPage, page), teacher_id=successor, half_hours=10,
                           starts_on=date(2026, 11, 16), ends_on=None)
        (appointment,) = await OrganisationService(session, school).appointments(small.class_5a)
        await OrganisationService(session, school).end_appointment(appointment, date(2026, 12, 31))
        assert await taught_pages(session, teacher, school, date(2026, 11, 15)) == [page]
        assert await taught_pages(session, teacher, school, date(2026, 11, 16)) == []
        assert await taught_pages(session, successor, school, date(2026, 11, 16)) == [page]
        assert await led_classes(session, teacher, school, date(2026, 12, 31)) == [small.class_5a]
        assert await led_classes(session, teacher, school, date(2027, 1, 1)) == []
        await require_taught_page(session, as_user(successor, school), page, date(2026, 12, 1))
        await require_led_class(session, as_user(teacher, school), small.class_5a, date(2026, 12, 1))
        with pytest.raises(NotFoundException):
            await require_taught_page(session, as_user(teacher, school), page, date(2026, 12, 1))
        with pytest.raises(NotFoundException):
            await require_taught_page(session, as_user(teacher, school), small.group_page, date(2026, 10, 1))
        with pytest.raises(NotFoundException):
            await require_led_class(session, as_user(teacher, school), small.class_5a, date(2027, 1, 1))

"""People and their history through the services, on SQLite and PostgreSQL: admissions,
transfers and departures with their orders, families, class lists, occupancy and movement."""

from __future__ import annotations

from datetime import date

import pytest

from core.people.services import PeopleService, children_of, guardians_of, login_stem
from core.structure.common import StructureError
from core.structure.models import AcademicYear, ClassGroup
from core.structure.organisation import OrganisationService
from tests.support.people import add_school, add_user
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import add_small_school, writing

ORDER = {"order_number": "45-у", "order_date": date(2026, 8, 28)}


@pytest.fixture
async def school(database_url):
    school_id = await add_school(database_url)
    teacher = await add_user(database_url, "teacher", [("teacher", school_id)])
    small = await add_small_school(database_url, school_id, teacher)
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, small.year)
        class_5b = await OrganisationService(session, school_id).add_class(year, grade_level=5, letter="Б")
    return school_id, small, class_5b.id


async def refused(url, action, field):
    async with database_unchanged(url):
        with pytest.raises(StructureError) as caught:
            async with writing(url) as session:
                await action(session)
    assert caught.value.field == field, (caught.value.field, caught.value.message)
    return caught.value.message


def test_logins_are_transliterated_from_names():
    assert login_stem("Иванова", "Мария", "Петровна") == "ivanova.mp"
    assert login_stem("Щукин-Жуков", "Юрий") == "shchukinzhukov.i"  # initials: one letter each
    assert login_stem("Ёлкин", "Эдуард", "Ильич") == "elkin.ei"


async def test_admission_transfer_and_departure_keep_the_history(database_url, school):
    school_id, small, class_5b = school
    async with writing(database_url) as session:
        people = PeopleService(session, school_id)
        anna = await people.add_person(last_name="Смирнова", first_name="Анна", middle_name="Игоревна", birth_date=date(2015, 3, 4))
        twin = await people.add_person(last_name="Смирнова", first_name="Алёна", middle_name="Игоревна")
        assert (anna.login, twin.login) == ("smirnova.ai", "smirnova.ai2")
        class_5a = await session.get(ClassGroup, small.class_5a)
        await people.enroll(anna.id, class_5a, starts_on=date(2026, 9, 1), **ORDER)
        await people.enroll(twin.id, class_5a, starts_on=date(2026, 9, 1), **ORDER)
        await people.transfer(anna.id, await session.get(ClassGroup, class_5b), on_day=date(2026, 11, 16),
                              order_number="112-у", order_date=date(2026, 11, 13))
        await people.leave(twin.id, last_day=date(2027, 1, 20), order_number="7-у", order_date=date(2027, 1, 20),
                           note="МАОУ СОШ № 1 г. Екатеринбурга")
        year = await session.get(AcademicYear, small.year)
        assert await people.class_list(small.class_5a, date(2026, 11, 15)) == [(twin.id, "Смирнова Алёна Игоревна"),
                                                                              (anna.id, "Смирнова Анна Игоревна")]
        assert await people.class_list(small.class_5a, date(2026, 11, 16)) == [(twin.id, "Смирнова Алёна Игоревна")]
        # Hand-counted: on 1 October both in 5А; on 1 December one in each; on 1 February Anna alone in 5Б.
        assert await people.occupancy(year, date(2026, 10, 1)) == {small.class_5a: 2, class_5b: 0}
        assert await people.occupancy(year, date(2026, 12, 1)) == {small.class_5a: 1, class_5b: 1}
        assert await people.occupancy(year, date(2027, 2, 1)) == {small.class_5a: 0, class_5b: 1}
        moves = await people.movements(date(2026, 9, 1), date(2027, 5, 31))
    assert [(m.day, m.kind, m.from_class, m.to_class, m.order_number) for m in moves] == [
        (date(2026, 9, 1), "admitted", "", "5А", "45-у"),
        (date(2026, 9, 1), "admitted", "", "5А", "45-у"),
        (date(2026, 11, 16), "transferred", "5А", "5Б", "112-у"),
        (date(2027, 1, 20), "left", "5А", "", "7-у"),
    ]
    assert moves[-1].note == "МАОУ СОШ № 1 г. Екатеринбурга"
    roles = await fetch(database_url, "SELECT role FROM role_grant WHERE user_id = :id", id=anna.id)
    assert roles == [("student",)]


async def test_a_student_is_never_in_two_classes_and_transfers_follow_admission(database_url, school):
    school_id, small, class_5b = school
    async with writing(database_url) as session:
        people = PeopleService(session, school_id)
        student = (await people.add_person(last_name="Петров", first_name="Илья")).id
        await people.enroll(student, await session.get(ClassGroup, small.class_5a), starts_on=date(2026, 9, 1), **ORDER)

    async def second_class(session):
        await PeopleService(session, school_id).enroll(student, await session.get(ClassGroup, class_5b),
                                                       starts_on=date(2026, 10, 1), **ORDER)

    async def early_transfer(session):
        await PeopleService(session, school_id).transfer(student, await session.get(ClassGroup, class_5b),
                                                         on_day=date(2026, 9, 1), **ORDER)

    async def no_order(session):
        await PeopleService(session, school_id).transfer(student, await session.get(ClassGroup, class_5b),
                                                         on_day=date(2026, 10, 1), order_number=" ", order_date=None)

    async def before_anything(session):
        await PeopleService(session, school_id).leave(student, last_day=date(2026, 8, 31), **ORDER)

    assert "5А" in await refused(database_url, second_class, "starts_on")
    assert "01.09.2026" in await refused(database_url, early_transfer, "starts_on")
    await refused(database_url, no_order, "order_number")
    await refused(database_url, before_anything, "ends_on")


async def test_siblings_share_a_parent_and_guardians_name_their_decision(database_url, school):
    school_id, small, _class_5b = school
    async with writing(database_url) as session:
        people = PeopleService(session, school_id)
        class_5a = await session.get(ClassGroup, small.class_5a)
        children = []
        for first in ("Иван", "Мария"):
            child = await people.add_person(last_name="Орлов" if first == "Иван" else "Орлова", first_name=first)
            await people.enroll(child.id, class_5a, starts_on=date(2026, 9, 1), **ORDER)
            children.append(child.id)
        mother = await people.add_person(last_name="Орлова", first_name="Светлана", middle_name="Юрьевна", phone="+7 900 123-45-67")
        for child in children:
            await people.add_guardian(child, mother.id, kind="mother")
        assert [name for _id, name in await children_of(session, mother.id)] == ["Орлов Иван", "Орлова Мария"]
        assert [(link.kind, name) for link, name in await guardians_of(session, children[0])] == [("mother", "Орлова Светлана Юрьевна")]
        guardian = (await people.add_person(last_name="Кравец", first_name="Олег")).id
    assert await fetch(database_url, "SELECT role FROM role_grant WHERE user_id = :id", id=mother.id) == [("parent",)]

    async def without_decision(session):
        await PeopleService(session, school_id).add_guardian(children[1], guardian, kind="guardian")

    async def twice(session):
        await PeopleService(session, school_id).add_guardian(children[0], mother.id, kind="mother")

    async def of_a_stranger(session):
        await PeopleService(session, school_id).add_guardian(guardian, mother.id, kind="mother")

    await refused(database_url, without_decision, "document")
    await refused(database_url, twice, "guardian_id")
    await refused(database_url, of_a_stranger, "student_id")
    async with writing(database_url) as session:
        await PeopleService(session, school_id).add_guardian(children[1], guardian, kind="guardian",
                                                             document="Постановление администрации № 512 от 03.02.2026")


async def test_names_and_dates_are_checked(database_url, school):
    school_id, _small, _class_5b = school

    def person(**values):
        async def action(session):
            await PeopleService(session, school_id).add_person(**{"last_name": "Иванов", "first_name": "Иван", **values})
        return action

    await refused(database_url, person(last_name="  "), "last_name")
    await refused(database_url, person(first_name="<script>"), "first_name")
    await refused(database_url, person(birth_date=date(2090, 1, 1)), "birth_date")
    other = await add_school(database_url, "Другая школа")
    async with writing(database_url) as session:  # another school cannot enroll into this school's class
        student = (await PeopleService(session, other).add_person(last_name="Чужой", first_name="Ученик")).id
    refusal = await refused(database_url, lambda s: _enroll_elsewhere(s, other, student, _small.class_5a), "class_group_id")
    assert refusal


async def _enroll_elsewhere(session, school_id, student, class_id):
    await PeopleService(session, school_id).enroll(student, await session.get(ClassGroup, class_id),
                                                   starts_on=date(2026, 9, 1), **ORDER)


async def test_a_transfer_before_a_recorded_departure_keeps_the_departure(database_url, school):
    school_id, small, class_5b = school
    async with writing(database_url) as session:
        people = PeopleService(session, school_id)
        student = await people.add_person(last_name="Уезжающий", first_name="Пётр")
        await people.enroll(student.id, await session.get(ClassGroup, small.class_5a), starts_on=date(2026, 9, 1), **ORDER)
        await people.leave(student.id, last_day=date(2026, 12, 25), order_number="130-у", order_date=date(2026, 12, 20),
                           note="переезд в г. Екатеринбург")
        await people.transfer(student.id, await session.get(ClassGroup, class_5b), on_day=date(2026, 11, 16),
                              order_number="120-у", order_date=date(2026, 11, 13))
        found = await people.movements(date(2026, 9, 1), date(2026, 12, 31))
    assert [(m.kind, m.from_class, m.to_class, m.order_number) for m in found if m.student_id == student.id] == [
        ("admitted", "", "5А", "45-у"), ("transferred", "5А", "5Б", "120-у"), ("left", "5Б", "", "130-у")]

"""Whom a notice reaches and who may address whom, from dated data (regulation 1.13, 4.2, 4.5)."""

from __future__ import annotations

from datetime import date

import pytest

from core.i18n import gettext as _
from core.people.models import Guardianship
from plugins.noticeboard.audience import AudienceError, Target, belonging, check_rights, reaches
from tests.support.journal import TODAY, as_user, journal_world
from tests.support.people import add_user
from tests.support.structure import writing


@pytest.fixture
async def world(database_url):
    school, found = await journal_world(database_url)
    found.parent = await add_user(database_url, f"nb-parent-{school}", [("parent", school)], full_name="Мама Ани")
    async with writing(database_url) as session:
        session.add(Guardianship(student_id=found.student("Аня"), guardian_id=found.parent, kind="mother"))
    return found


async def who(url: str, user_id: int, school: int, *roles: str):
    async with writing(url) as session:
        return await belonging(session, as_user(user_id, school, *roles), TODAY)


async def test_a_notice_for_the_parents_of_5a_reaches_them_and_nobody_else(database_url, world):
    five_a = Target("class", "parents", world.tt.classes["5А"])
    mother = await who(database_url, world.parent, world.school, "parent")
    anya = await who(database_url, world.student("Аня"), world.school, "student")
    teacher = await who(database_url, world.teacher("math"), world.school, "teacher")
    assert reaches(five_a, mother) and not reaches(five_a, anya) and not reaches(five_a, teacher)
    assert reaches(Target("class", "everyone", world.tt.classes["5А"]), teacher)  # math is taught in 5А
    assert not reaches(Target("class", "everyone", world.tt.classes["6А"]), mother)
    assert reaches(Target("grade_level", "students", 5), anya) and not reaches(Target("grade_level", "students", 6), anya)
    assert reaches(Target("group", "students", world.tt.groups["гр1"]), anya)
    assert not reaches(Target("group", "students", world.tt.groups["гр2"]), anya)
    assert reaches(Target("school", "staff"), teacher) and not reaches(Target("school", "staff"), mother)
    assert reaches(Target("role", "everyone", role="parent"), mother)


async def test_who_may_address_whom(database_url, world):
    async def refused(user_id: int, roles: tuple[str, ...], *targets: Target) -> str | None:
        async with writing(database_url) as session:
            try:
                await check_rights(session, as_user(user_id, world.school, *roles), list(targets), TODAY)
            except AudienceError as error:
                return error.message
        return None

    deputy = await add_user(database_url, f"nb-deputy-{world.school}", [("deputy", world.school)])
    five_a, six_a = world.tt.classes["5А"], world.tt.classes["6А"]
    beyond = _("You may address the classes and groups you teach, your own class and the staff.")
    assert await refused(deputy, ("deputy",), Target("school", "everyone"), Target("grade_level", "parents", 9)) is None
    assert await refused(world.teacher("math"), ("teacher",), Target("class", "parents", five_a), Target("school", "staff")) is None
    assert await refused(world.teacher("math"), ("teacher",), Target("class", "parents", six_a)) == beyond
    assert await refused(world.teacher("math"), ("teacher",), Target("school", "parents")) == beyond
    assert await refused(world.class_teacher, ("class_teacher",), Target("class", "everyone", five_a)) is None
    assert await refused(world.teacher("english1"), ("teacher",), Target("group", "students", world.tt.groups["гр1"])) is None
    assert await refused(world.teacher("english1"), ("teacher",), Target("group", "students", world.tt.groups["гр2"])) == beyond
    # a group's teacher addresses the group, not the whole class it is part of (the other group's families)
    assert await refused(world.teacher("english1"), ("teacher",), Target("class", "parents", five_a)) == beyond
    assert await refused(deputy, ("deputy",)) == _("Choose whom the notice is for.")
    assert await refused(deputy, ("deputy",), Target("class", "everyone", 10**6)) == _("Choose whom the notice is for from the list.")


def test_a_target_is_well_formed():
    with pytest.raises(AudienceError):
        Target("planet", "everyone")
    with pytest.raises(AudienceError):
        Target("class", "everyone")  # which class?
    with pytest.raises(AudienceError):
        Target("role", "everyone", role="emperor")
    with pytest.raises(AudienceError):
        Target("class", "staff", 1)  # a class has no staff: a notice for nobody
    with pytest.raises(AudienceError):
        Target("school", "everyone", 1)  # the school is the current one, never an id
    with pytest.raises(AudienceError):
        Target("role", "parents", role="teacher")
    assert Target("school", "staff").scope_id is None and date(2026, 11, 20) == TODAY

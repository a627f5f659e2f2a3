"""The notice board's tests speak Russian, as its pages do: ``_`` answers what a page shows. Their
school is the journal's (5А of thirty, its class teacher, the timetable's teachers) with a deputy,
Аня's mother and a father of a 6А child."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

import plugins.noticeboard
from core import i18n
from core.people.models import Enrollment, Guardianship
from tests.support.journal import YEAR_START, journal_world
from tests.support.people import add_user
from tests.support.structure import writing


@lru_cache(maxsize=1)
def catalogs() -> dict:
    return i18n.load_translations([i18n.CORE_CATALOGS, Path(plugins.noticeboard.__file__).parent / "i18n"])


@pytest.fixture(autouse=True)
def in_russian():
    i18n.activate(catalogs(), "ru")
    yield
    i18n.activate({}, "ru")


@pytest.fixture
async def world(database_url):
    school, found = await journal_world(database_url)
    found.deputy = await add_user(database_url, f"nb-deputy-{school}", [("deputy", school)])
    found.mother = await add_user(database_url, f"nb-mother-{school}", [("parent", school)], full_name="Мама Ани")
    found.other_parent = await add_user(database_url, f"nb-other-{school}", [("parent", school)], full_name="Папа из 6А")
    other_child = await add_user(database_url, f"nb-child-{school}", [("student", school)], full_name="Ребёнок Шестиклассник")
    async with writing(database_url) as session:
        session.add(Guardianship(student_id=found.student("Аня"), guardian_id=found.mother, kind="mother"))
        session.add(Guardianship(student_id=other_child, guardian_id=found.other_parent, kind="father"))
        session.add(Enrollment(school_id=school, student_id=other_child, class_group_id=found.tt.classes["6А"],
                               starts_on=YEAR_START, start_kind="continued"))
    return found

"""The demo school's structure: the size the issue asks for, the same every time, and within the
rules a real school must keep."""

from __future__ import annotations

import asyncio
import random
from datetime import date

from core.structure.curriculum import CurriculumService, PageService, peak_hours
from core.structure.demo import demo_year_start, seed_structure, working_day
from core.structure.models import AcademicYear
from tests.conftest import _migrate
from tests.support.people import add_school, add_user, fast_passwords
from tests.support.snapshot import fetch
from tests.support.structure import writing

TODAY = date(2026, 11, 28)
TABLES = ("academic_year", "study_period", "calendar_days", "bell_schedule", "bell", "class_group", "class_teacher_appointment",
          "study_group", "study_group_class", "curriculum_line", "subject_page", "teaching_assignment", "ungraded_rule")


async def seeded(url: str, seed: int = 2026) -> dict[str, list[tuple]]:
    school = await add_school(url)
    for login, role in (("teacher", "teacher"), ("class-teacher", "class_teacher"), ("student", "student")):
        await add_user(url, login, [(role, school)])
    async with writing(url) as session:
        await seed_structure(session, school, random.Random(seed), TODAY, fast_passwords().hash("x"))
    return {table: await fetch(url, f"SELECT * FROM {table} ORDER BY id") for table in TABLES}


def test_the_demo_year_is_the_current_one():
    assert demo_year_start(date(2026, 11, 28)) == date(2026, 9, 1)
    assert demo_year_start(date(2027, 3, 1)) == date(2026, 9, 1)
    assert demo_year_start(date(2027, 8, 20)) == date(2027, 9, 1)
    assert working_day(date(2027, 5, 9)) == date(2027, 5, 10)  # a Sunday's holiday moves to Monday


async def test_the_demo_structure_is_complete_and_deterministic(database_url, tmp_path):
    first = await seeded(database_url)
    counts = {table: len(rows) for table, rows in first.items()}
    assert counts["academic_year"] == 1 and 24 <= counts["class_group"] <= 26
    assert {row[3] for row in first["class_group"]} == set(range(1, 12))  # grade levels 1–11
    assert counts["subject_page"] > 300 and counts["teaching_assignment"] >= counts["subject_page"]
    assert counts["study_period"] == 6 and counts["bell_schedule"] == 6 and counts["ungraded_rule"] == 2
    kinds = {(row[3], row[7], row[8]) for row in first["calendar_days"]}
    assert ("vacation", 1, 1) in kinds  # the February week of first grade
    # Same seed, same day: the same rows (another database, so ids start again).
    if database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
        await asyncio.to_thread(_migrate, url, tmp_path / "other")
        assert await seeded(url) == first


async def test_the_demo_obeys_the_rules(database_url):
    await seeded(database_url)
    (year_id,), = await fetch(database_url, "SELECT id FROM academic_year")
    (school_id,), = await fetch(database_url, "SELECT school_id FROM academic_year")
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, year_id)
        table = await CurriculumService(session, school_id).table(year)
        assert not table.warnings  # every grade level within its СанПиН weekly maximum
        rows = await PageService(session, school_id).rows(year, TODAY)
    assert all(row.teachers for row in rows), "every page has a teacher today"
    assert all(row.assigned == row.curriculum for row in rows), "the load equals the curriculum on every page"
    assignments = await fetch(database_url, "SELECT subject_page_id, starts_on, ends_on, half_hours FROM teaching_assignment")
    by_page: dict[int, list] = {}
    for page, starts, ends, hours in assignments:
        by_page.setdefault(page, []).append((starts, ends, hours))
    changed = [page for page, ranges in by_page.items() if len(ranges) > 1]
    assert len(changed) == 1  # 8А physics changed its teacher; its page stayed one page
    assert peak_hours(by_page[changed[0]]) == 4  # 2 hours of physics in grade 8, never both teachers at once

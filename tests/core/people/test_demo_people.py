"""The demo school's people: the size the issue asks for, families with several children, every
staff role held, the year's movements with their orders, and the same school for the same seed."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from datetime import date, timedelta

from core.access.roles import STAFF
from core.demo import DEMO_USERS
from core.people.demo import female_surname, free_login, male_surname, on_day, seed_people
from core.people.services import PeopleService
from core.structure.demo import seed_structure
from core.structure.models import AcademicYear
from tests.support.people import add_school, add_user, fast_passwords
from tests.support.snapshot import fetch
from tests.support.structure import writing

TODAY = date(2026, 11, 28)
START = date(2026, 9, 1)


async def seeded(url: str, seed: int = 2026, today: date = TODAY) -> int:
    """The demo school as ``core.demo`` makes it: the demo logins, the structure, the people."""
    school = await add_school(url)
    for login, role, name in DEMO_USERS:
        await add_user(url, login, [(role, None if role == "operator" else school)], full_name=name)
    async with writing(url) as session:
        year = await seed_structure(session, school, random.Random(seed), today, fast_passwords().hash("x"))
        await seed_people(session, school, year, rng=random.Random(f"{seed}:core.people"), today=today)
    return school


def test_names_take_the_gender_forms():
    assert [female_surname(name) for name in ("Иванов", "Соловьёв", "Ильин", "Покровский", "Высоцкий", "Шевченко", "Черных")] == [
        "Иванова", "Соловьёва", "Ильина", "Покровская", "Высоцкая", "Шевченко", "Черных"]
    assert [male_surname(name) for name in ("Иванова", "Кузьмина", "Покровская", "Шевченко")] == [
        "Иванов", "Кузьмин", "Покровский", "Шевченко"]
    taken = {"ivanov.ps", "ivanov.ps2"}
    assert (free_login(taken, "ivanov.ps"), free_login(taken, "petrov.i")) == ("ivanov.ps3", "petrov.i")
    assert (on_day(START, (10, 15)), on_day(START, (1, 12))) == (date(2026, 10, 15), date(2027, 1, 12))


async def test_the_demo_school_has_its_students_families_and_staff(database_url):
    school = await seeded(database_url)
    (year_id,), = await fetch(database_url, "SELECT id FROM academic_year")
    first_day = await fetch(database_url, "SELECT student_id, class_group_id, start_kind, start_order_number, start_order_date "
                                          "FROM enrollment WHERE starts_on = :day", day=START)
    students = Counter(row[0] for row in first_day)
    assert 600 <= len(students) <= 700 and set(students.values()) == {1}, "each student in exactly one class on the first day"
    assert {(row[2], row[3]) for row in first_day} == {("admitted", "45-у"), ("continued", "112-у")}
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, year_id)
        people = PeopleService(session, school)
        for day in (START, TODAY):
            sizes = (await people.occupancy(year, day)).values()
            assert len(sizes) == 25 and all(18 <= size <= 30 for size in sizes), sorted(sizes)
        movements = await people.movements(START + timedelta(days=1), TODAY)

    # Every student has a representative; families with several children share their parents.
    without = await fetch(database_url, "SELECT g.user_id FROM role_grant g WHERE g.role = 'student' AND NOT EXISTS "
                                        "(SELECT 1 FROM guardianship l WHERE l.student_id = g.user_id)")
    assert without == []
    children = Counter(guardian for guardian, in await fetch(database_url, "SELECT guardian_id FROM guardianship"))
    assert sum(1 for number in children.values() if number >= 2) >= 50
    kinds = Counter(kind for kind, in await fetch(database_url, "SELECT kind FROM guardianship"))
    assert {"mother", "father", "guardian", "other"} <= set(kinds) and kinds["mother"] > kinds["father"]
    assert all(document for document, in await fetch(database_url, "SELECT document FROM guardianship WHERE kind = 'guardian'"))
    demo_children = await fetch(database_url, "SELECT s.full_name FROM guardianship l JOIN user_account p "
                                              "ON p.id = l.guardian_id JOIN user_account s ON s.id = l.student_id "
                                              "WHERE p.login = 'parent' ORDER BY s.full_name")
    assert len(demo_children) == 2 and ("Петров Илья",) in demo_children
    (ilya_class,), = await fetch(database_url, "SELECT c.grade_level || c.letter FROM enrollment e JOIN class_group c "
                                               "ON c.id = e.class_group_id JOIN user_account a ON a.id = e.student_id "
                                               "WHERE a.login = 'student'")
    assert ilya_class == "5А"

    # Staff: every role of the regulation, each with a profile and a position.
    staff = await fetch(database_url, "SELECT DISTINCT g.user_id, g.role FROM role_grant g WHERE g.school_id = :school "
                                      "AND g.role NOT IN ('student', 'parent')", school=school)
    assert {role for _user, role in staff} == STAFF
    staff_ids = {user for user, _role in staff}
    assert 45 <= len(staff_ids) <= 60
    positions = dict(await fetch(database_url, "SELECT user_id, title FROM staff_position WHERE school_id = :school",
                                 school=school))
    assert set(positions) == staff_ids and "Педагог-психолог" in positions.values() and "Учитель математики" in positions.values()
    profiled = {user for user, in await fetch(database_url, "SELECT user_id FROM person_profile")}
    assert staff_ids <= profiled and set(students) <= profiled
    (with_password,), = await fetch(database_url, "SELECT count(*) FROM user_account WHERE password_hash IS NOT NULL")
    assert with_password == 38 + len(DEMO_USERS), "only the demo logins and the structure's teachers can sign in"

    # Names in their gender forms: a daughter's surname is her family's female form.
    for last, middle in await fetch(database_url, "SELECT last_name, middle_name FROM person_profile WHERE middle_name <> ''"):
        if middle.endswith("вна") or middle.endswith("чна"):
            assert not last.endswith(("ов", "ев", "ин", "ский")), (last, middle)
        else:
            assert not last.endswith(("ова", "ева", "ина", "ская")), (last, middle)
    ages = await fetch(database_url, "SELECT p.birth_date FROM person_profile p JOIN enrollment e ON e.student_id = p.user_id "
                                     "JOIN class_group c ON c.id = e.class_group_id WHERE c.grade_level = 1")
    assert all(6 <= (START - date.fromisoformat(str(born))).days // 365 <= 8 for born, in ages)

    # The year's movements so far, each with its order; nothing after "today".
    by_kind = {kind: [m for m in movements if m.kind == kind] for kind in ("admitted", "transferred", "left")}
    assert all(by_kind.values()) and all(m.order_number and m.order_date for m in movements)
    assert all(m.from_class and m.to_class and m.from_class[:-1] == m.to_class[:-1] for m in by_kind["transferred"])
    assert all(m.note for m in by_kind["left"])
    assert await fetch(database_url, "SELECT id FROM enrollment WHERE starts_on > :day OR ends_on >= :day", day=TODAY) == []
    await one_class_a_day_and_groups_follow(database_url)


async def one_class_a_day_and_groups_follow(database_url: str) -> None:
    """No student in two classes on any day; a moved student's groups follow the class."""
    overlaps = await fetch(database_url, "SELECT a.student_id FROM enrollment a JOIN enrollment b ON a.student_id = b.student_id "
                                         "AND a.id < b.id WHERE a.starts_on <= COALESCE(b.ends_on, '9999-12-31') "
                                         "AND b.starts_on <= COALESCE(a.ends_on, '9999-12-31')")
    assert overlaps == []
    empty = await fetch(database_url, "SELECT g.name FROM study_group g WHERE NOT EXISTS "
                                      "(SELECT 1 FROM study_group_member m WHERE m.study_group_id = g.id)")
    assert empty == [], "every group has students, so its journal page has a list"
    for day in (START, date(2026, 10, 1), TODAY):
        # On any day a student is in a group only while their class is one of the group's classes ...
        strays = await fetch(database_url, """
            SELECT m.student_id, g.name FROM study_group_member m JOIN study_group g ON g.id = m.study_group_id
            WHERE m.starts_on <= :day AND (m.ends_on IS NULL OR m.ends_on >= :day) AND NOT EXISTS (
                SELECT 1 FROM enrollment e JOIN study_group_class k ON k.class_group_id = e.class_group_id
                WHERE e.student_id = m.student_id AND k.study_group_id = g.id
                  AND e.starts_on <= :day AND (e.ends_on IS NULL OR e.ends_on >= :day))""", day=day)
        assert strays == [], (day, strays)
        # ... and from grade 2 on in exactly one English group.
        english = await fetch(database_url, """
            SELECT e.student_id, count(m.id) FROM enrollment e JOIN class_group c ON c.id = e.class_group_id
            LEFT JOIN study_group_member m ON m.student_id = e.student_id
                 AND m.starts_on <= :day AND (m.ends_on IS NULL OR m.ends_on >= :day)
                 AND m.study_group_id IN (SELECT id FROM study_group WHERE name LIKE '%английский%')
            WHERE c.grade_level >= 2 AND e.starts_on <= :day AND (e.ends_on IS NULL OR e.ends_on >= :day)
            GROUP BY e.student_id""", day=day)
        assert {number for _student, number in english} == {1}, day


async def test_the_same_seed_gives_the_same_people(sqlite_template, tmp_path):
    query = ("SELECT a.login, a.full_name, p.birth_date, p.phone, p.email FROM user_account a "
             "LEFT JOIN person_profile p ON p.user_id = a.id ORDER BY a.id")
    urls = []
    for name in ("first.db", "second.db"):
        shutil.copyfile(sqlite_template, tmp_path / name)
        urls.append(f"sqlite+aiosqlite:///{tmp_path / name}")
        await seeded(urls[-1])
    first, second = [await fetch(url, query) for url in urls]
    assert len(first) > 1500 and first == second
    enrollments = [await fetch(url, "SELECT * FROM enrollment ORDER BY id") for url in urls]
    assert enrollments[0] == enrollments[1]

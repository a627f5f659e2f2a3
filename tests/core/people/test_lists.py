"""Class lists and the staff list through plan → apply, on SQLite and PostgreSQL: a real CSV in
Windows-1251, bad rows with their rows and columns, families shared by siblings, readmission, the
school's representative rule, and the acceptance test: export → plan → nothing to change."""

from __future__ import annotations

import io
import time
from contextlib import contextmanager
from datetime import date
from typing import Iterator

import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core import i18n
from core.auth.models import RoleGrant
from core.people.list_export import class_list_xlsx, staff_list_xlsx
from core.people.list_apply import apply_list
from core.people.lists import ListDefaults, class_key, plan_list
from core.people.models import StaffPosition
from core.people.services import PeopleService
from core.structure.common import StructureError, lock_school
from core.structure.models import AcademicYear, ClassGroup
from core.structure.organisation import OrganisationService
from tests.support.people import add_school, add_user
from tests.support.snapshot import database_unchanged, execute, fetch
from tests.support.structure import add_small_school, writing

TODAY = date(2026, 8, 30)
ORDER = {"order_number": "45-у", "order_date": date(2026, 8, 28)}
HEADER = "№;ФИО;Дата рождения;Класс;Телефон;Родитель;Кем приходится;Телефон родителя"
COUNTED_TABLES = ("person_profile", "enrollment", "guardianship", "user_account", "staff_position", "role_grant")


@pytest.fixture(autouse=True)
def english_messages():
    """Messages as msgids whatever locale an earlier test left active (restored afterwards)."""
    before = (i18n._catalogs.get(), i18n.current_locale())
    i18n.activate({}, "en")
    yield
    i18n._catalogs.set(before[0])
    i18n._current_locale.set(before[1])


@pytest.fixture
async def school(database_url):
    """(school id, year id, 5А id, 5Б id)."""
    school_id = await add_school(database_url)
    teacher = await add_user(database_url, "teacher", [("teacher", school_id)])
    small = await add_small_school(database_url, school_id, teacher)
    async with writing(database_url) as session:
        year = await session.get(AcademicYear, small.year)
        class_5b = await OrganisationService(session, school_id).add_class(year, grade_level=5, letter="Б")
    return school_id, small.year, small.class_5a, class_5b.id


async def defaults_for(session, year_id: int, class_id: int | None = None, **values) -> ListDefaults:
    year = await session.get(AcademicYear, year_id)
    class_group = await session.get(ClassGroup, class_id) if class_id else None
    return ListDefaults(**{"year": year, "class_group": class_group, "starts_on": date(2026, 9, 1), "order_number": "12-у",
                           "order_date": date(2026, 8, 29), **values})


async def plan_only(url, school_id, year_id, data, filename, kind="students", class_id=None, **values):
    """A plan made in a read-only way: the database must not change."""
    async with database_unchanged(url):
        async with writing(url) as session:
            return await plan_list(session, school_id, kind, data, filename,
                                   await defaults_for(session, year_id, class_id, **values), TODAY)


async def confirm(url, school_id, year_id, data, filename, kind="students", class_id=None, **values):
    """What the confirmation page does: lock, plan again in the write transaction, apply."""
    async with writing(url) as session:
        await lock_school(session, school_id)
        defaults = await defaults_for(session, year_id, class_id, **values)
        plan = await plan_list(session, school_id, kind, data, filename, defaults, TODAY)
        return plan, await apply_list(session, school_id, plan, defaults, actor_id=None)


async def table_counts(url) -> dict[str, int]:
    return {table: (await fetch(url, f"SELECT count(*) FROM {table}"))[0][0] for table in COUNTED_TABLES}


def class_csv(rows: list[str], encoding: str = "cp1251") -> bytes:
    return "\r\n".join([HEADER, *rows]).encode(encoding)


SURNAMES = ("Алексеев", "Белов", "Волков", "Григорьев", "Дмитриев", "Ёлкин", "Жуков", "Зуев", "Ильин", "Козлов", "Лебедев",
            "Морозов", "Никитин", "Орехов", "Павлов", "Романов", "Соловьёв", "Тихонов", "Уваров", "Фёдоров", "Харитонов",
            "Цветков", "Чернов", "Шилов", "Щербаков", "Юдин", "Яковлев", "Абрамов")
FIRST_NAMES = ("Иван", "Пётр", "Семён", "Артём", "Глеб", "Лев", "Марк")


def thirty_students() -> list[str]:
    """30 students of 5А, each with a mother; the Орловы are siblings with one mother on both rows."""
    rows = []
    for number, surname in enumerate(SURNAMES, start=1):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        rows.append(f"{number};{surname} {first} Сергеевич;{number:02d}.0{1 + number % 9}.2015;{'5А' if number % 3 else ''};;"
                    f"{surname}а Мария Ивановна;мать;+7 900 000-00-{number:02d}")
    rows.append("29;ОРЛОВ Иван Петрович;01.02.2015;5 а;+7 912 111-11-11;Орлова Светлана Юрьевна;мать;+7 900 123-45-67")
    rows.append("30;Орлова Мария Петровна;03.04.2016;5-A;;Орлова Светлана Юрьевна;Мать;+7 (900) 123-45-67")
    return rows


# ---- the class list from a CSV ---------------------------------------------------------------------


async def test_a_30_row_cp1251_csv_imports_and_again_changes_nothing(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    data = class_csv(thirty_students())
    plan = await plan_only(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)
    assert plan.ok, plan.problems
    assert plan.counts() == {"new": 30}
    assert plan.columns["full_name"] == "ФИО" and plan.ignored_columns == ["№"]
    orlov = plan.rows[28]
    assert (orlov.row, orlov.name, orlov.class_name) == (30, "Орлов Иван Петрович", "5А")
    assert orlov.changes == ["enroll in 5А from 01.09.2026, order 12-у of 29.08.2026",
                             "add a representative: Орлова Светлана Юрьевна (mother)"]
    _plan, done = await confirm(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)
    assert done == {"new": 30}
    enrolled = await fetch(database_url, "SELECT student_id, start_kind, start_order_number FROM enrollment "
                                         "WHERE class_group_id = :c", c=class_5a)
    assert len(enrolled) == 30 and {row[1:] for row in enrolled} == {("admitted", "12-у")}
    # The siblings share one mother; every other student's mother is a person of her own (other phones).
    mothers = await fetch(database_url, "SELECT guardian_id, count(*) FROM guardianship GROUP BY guardian_id ORDER BY 2 DESC")
    assert len(mothers) == 29 and mothers[0][1] == 2
    assert await fetch(database_url, "SELECT role FROM role_grant WHERE user_id = :id", id=mothers[0][0]) == [("parent",)]
    assert await fetch(database_url, "SELECT phone FROM person_profile WHERE search_key = 'орлов иван петрович'") == [
        ("+7 912 111-11-11",)]
    audit = await fetch(database_url, "SELECT action, details FROM audit_record WHERE action = 'core.list_imported'")
    assert len(audit) == 1 and '"filename": "5А.csv"' in audit[0][1] and '"new": 30' in audit[0][1]

    before = await table_counts(database_url)
    again = await plan_only(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)
    assert again.ok and again.counts() == {"unchanged": 30}
    assert all(row.changes == [] for row in again.rows)
    async with database_unchanged(database_url, ignore=frozenset({"audit_record", "school"})):
        assert (await confirm(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a))[1] == {"unchanged": 30}
    assert await table_counts(database_url) == before


async def test_bad_rows_are_named_and_nothing_is_written(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    rows = thirty_students()
    rows[4] = "5;Дмитриев Иван;31.02.2015;5А;;;;"  # no such date
    rows[9] = "10;Лебедев Пётр;01.02.2015;7Г;;Лебедева Мария;бабушка;"  # no class 7Г, unknown relation
    data = class_csv(rows)
    plan = await plan_only(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)
    assert not plan.ok
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (6, "Дата рождения", "There is no such date."),
        (11, "Класс", "There is no class 7Г in the school year 2026/2027."),
        (11, "Кем приходится", "Write mother, father, guardian, trustee, foster parent or other."),
    ]
    assert [row.action for row in plan.rows].count("error") == 2 and plan.counts()["new"] == 28
    async with database_unchanged(database_url):
        with pytest.raises(StructureError) as refusal:
            await confirm(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)
    assert refusal.value.field == "file"


async def test_class_dates_and_orders_come_from_the_row_or_the_defaults(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    data = "\r\n".join(["Фамилия;Имя;Дата рождения;Класс;Дата зачисления;Номер приказа;Дата приказа",
                        "Белов;Олег;01.01.2015;;;;",
                        "Белова;Ольга;01.01.2015;;15.06.2027;;",
                        "Белкин;Пётр;01.01.2015;5Б;10.09.2026;77-у;09.09.2026",
                        "Белкина;Вера;;5Б;;;"]).encode()
    plan = await plan_only(database_url, school_id, year_id, data, "list.csv", order_number="", order_date=None)
    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "Класс"), (3, "Класс"), (3, "Дата зачисления"), (5, "Дата рождения")]
    assert plan.rows[2].changes == ["enroll in 5Б from 10.09.2026, order 77-у of 09.09.2026"]
    plan = await plan_only(database_url, school_id, year_id, data, "list.csv", class_id=class_5a, order_number="",
                           order_date=None)
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, "Номер приказа", "Enter the number and date of the order."),
        (3, "Дата зачисления", "The dates must lie within the school year 2026/2027 (01.09.2026 – 31.05.2027)."),
        (5, "Дата рождения", "Enter the date of birth: it tells namesakes apart."),
    ]


# ---- matching stored students ----------------------------------------------------------------------


async def add_student(url, school_id, class_id, last, first, birth, **enrollment):
    async with writing(url) as session:
        people = PeopleService(session, school_id)
        student = await people.add_person(last_name=last, first_name=first, birth_date=birth, phone="+7 900 555-55-55")
        await people.enroll(student.id, await session.get(ClassGroup, class_id),
                            **{"starts_on": date(2026, 9, 1), **ORDER, **enrollment})
        return student.id


async def test_a_student_of_another_class_is_a_problem_and_contacts_update(database_url, school):
    school_id, year_id, class_5a, class_5b = school
    ilya = await add_student(database_url, school_id, class_5b, "Петров", "Илья", date(2015, 5, 5))
    anna = await add_student(database_url, school_id, class_5a, "Смирнова", "Анна", date(2015, 6, 6))
    header = "Фамилия;Имя;Дата рождения;Класс;Телефон;Эл. почта"
    elsewhere = f"{header}\r\nПетров;Илья;05.05.2015;5А;;\r\n".encode()
    plan = await plan_only(database_url, school_id, year_id, elsewhere, "5А.csv")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [(2, "Класс", (
        "Already studies in 5Б from 01.09.2026: a transfer is made in the student's card."))]
    assert plan.rows[0].action == "error"
    # Anna's phone: the same digits are no change; another number and a new email are; empty cells erase nothing.
    same = f"{header}\r\nСМИРНОВА;анна;06.06.2015;5А;+7 (900) 555-55-55;\r\n".encode()
    assert (await plan_only(database_url, school_id, year_id, same, "5А.csv")).counts() == {"unchanged": 1}
    changed = f"{header}\r\nСмирнова;Анна;06.06.2015;5А;+7 912 000-00-00;anna@example.ru\r\n".encode()
    plan, done = await confirm(database_url, school_id, year_id, changed, "5А.csv")
    assert done == {"updated": 1}
    assert plan.rows[0].changes == ["phone: +7 900 555-55-55 → +7 912 000-00-00", "email: — → anna@example.ru"]
    assert await fetch(database_url, "SELECT phone, email FROM person_profile WHERE user_id = :id", id=anna) == [
        ("+7 912 000-00-00", "anna@example.ru")]
    audit = await fetch(database_url, "SELECT object_id, details FROM audit_record WHERE action = 'core.person_updated'")
    assert audit == [(str(anna), '{"email": ["", "anna@example.ru"], "phone": ["+7 900 555-55-55", "+7 912 000-00-00"]}')]
    assert ilya


async def test_a_student_who_left_is_readmitted_unless_enrolled_later(database_url, school):
    school_id, year_id, class_5a, class_5b = school
    student = await add_student(database_url, school_id, class_5a, "Кузнецов", "Глеб", date(2015, 7, 7))
    async with writing(database_url) as session:
        await PeopleService(session, school_id).leave(student, last_day=date(2026, 10, 1), order_number="80-у",
                                                      order_date=date(2026, 10, 1))
    row = "Фамилия;Имя;Дата рождения;Класс;Дата зачисления\r\nКузнецов;Глеб;07.07.2015;5Б;{day}\r\n"
    early = row.format(day="15.09.2026").encode()
    plan = await plan_only(database_url, school_id, year_id, early, "5Б.csv")
    assert [p.message for p in plan.problems] == [
        "Already studies in 5А from 01.09.2026: a transfer is made in the student's card."]
    back = row.format(day="01.12.2026").encode()
    plan, done = await confirm(database_url, school_id, year_id, back, "5Б.csv")
    assert done == {"readmitted": 1} and plan.rows[0].changes == ["enroll in 5Б from 01.12.2026, order 12-у of 29.08.2026"]
    enrollments = await fetch(database_url, "SELECT class_group_id, starts_on FROM enrollment WHERE student_id = :s "
                                            "ORDER BY starts_on", s=student)
    assert [(class_id, str(day)) for class_id, day in enrollments] == [(class_5a, "2026-09-01"), (class_5b, "2026-12-01")]
    assert await fetch(database_url, "SELECT count(*) FROM user_account WHERE full_name = 'Кузнецов Глеб'") == [(1,)]
    # Left again in December; a list admitting him in November would overlap the December enrollment.
    async with writing(database_url) as session:
        await PeopleService(session, school_id).leave(student, last_day=date(2026, 12, 20), order_number="90-у",
                                                      order_date=date(2026, 12, 20))
    plan = await plan_only(database_url, school_id, year_id, row.format(day="01.11.2026").encode(), "5Б.csv")
    assert [p.message for p in plan.problems] == ["The student is already enrolled in 5Б from 01.12.2026."]


# ---- families ----------------------------------------------------------------------------------


async def test_siblings_in_two_files_share_their_parent_and_guardians_need_the_card(database_url, school):
    school_id, year_id, class_5a, class_5b = school
    header = "Фамилия;Имя;Дата рождения;Класс;Родитель;Кем приходится;Телефон родителя"
    first = f"{header}\r\nЗайцев;Артём;01.03.2015;5А;Зайцева Нина Олеговна;;+7 900 777-77-77\r\n".encode()
    await confirm(database_url, school_id, year_id, first, "5А.csv")
    second = (f"{header}\r\nЗайцева;Ева;02.04.2015;5Б;ЗАЙЦЕВА нина олеговна;мать;8 (900) 777-77-77\r\n"
              "Зайцева;Ева;02.04.2015;5Б;Зайцев Павел Ильич;отец;+7 900 888-88-88\r\n"
              "Лисин;Кирилл;03.05.2015;5Б;Лисина Алла;опекун;\r\n").encode()
    plan = await plan_only(database_url, school_id, year_id, second, "5Б.csv")
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (4, "Кем приходится", "Add a guardian in the student's card, with the decision that appointed them.")]
    plan, done = await confirm(database_url, school_id, year_id, second.rsplit(b"\r\n", 2)[0] + b"\r\n", "5Б.csv")
    assert done == {"new": 2}  # Ева's second row adds her father to a student the file creates
    assert plan.rows[1].changes == ["add a representative: Зайцев Павел Ильич (father)"]
    # «8 (900) …» is «+7 900 …»: with the same name she is the mother the first file created.
    nina = await fetch(database_url, "SELECT u.id, count(*) FROM user_account u JOIN guardianship g ON g.guardian_id = u.id "
                                     "WHERE u.full_name = 'Зайцева Нина Олеговна' GROUP BY u.id")
    assert [count for _id, count in nina] == [2]
    # A namesake with another phone is another person.
    third = f"{header}\r\nЛисин;Кирилл;03.05.2015;5Б;Зайцева Нина Олеговна;мать;+7 900 000-00-00\r\n".encode()
    await confirm(database_url, school_id, year_id, third, "5Б.csv")
    assert await fetch(database_url, "SELECT count(*) FROM user_account WHERE full_name = 'Зайцева Нина Олеговна'") == [(2,)]


async def test_the_schools_rule_on_representatives_of_minors(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    data = ("Фамилия;Имя;Дата рождения;Класс;Родитель\r\n"
            "Соколов;Ян;01.01.2015;5А;\r\n"
            "Соколова;Яна;01.01.2015;5А;Соколов Пётр\r\n"
            "Взрослый;Иван;01.01.2007;5А;\r\n").encode()
    assert (await plan_only(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)).ok
    await execute(database_url, "UPDATE school SET representative_required = :on WHERE id = :id", on=True, id=school_id)
    plan = await plan_only(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, "Родитель", "A minor student must have a legal representative.")]



async def test_a_representatives_name_part_longer_than_a_profile_keeps_is_a_problem(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    data = f"Фамилия;Имя;Дата рождения;Родитель\r\nСоколов;Ян;01.01.2015;Соколова Анна {'Я' * 120}\r\n".encode()
    plan = await plan_only(database_url, school_id, year_id, data, "5А.csv", class_id=class_5a)
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, "Родитель", "Enter a name of letters, spaces and hyphens (at most 100 characters).")]

# ---- the staff list ----------------------------------------------------------------------------


async def test_staff_list_new_updated_unchanged(database_url, school):
    school_id, year_id, _class_5a, _class_5b = school
    header = "Фамилия;Имя;Отчество;Дата рождения;Должность;Телефон"
    first = (f"{header}\r\nГромова;Ирина;Львовна;12.03.1980;Учитель математики;+7 901 000-00-01\r\n"
             "Громова;Ирина;Львовна;12.03.1980;заместитель директора по УВР;\r\n"
             "Седов;Антон;;;Инженер;\r\n").encode()
    plan, done = await confirm(database_url, school_id, year_id, first, "staff.csv", kind="staff", starts_on=None)
    assert done == {"new": 3}
    assert plan.rows[0].changes == ["add the position «Учитель математики» from 30.08.2026", "give the role «Teacher»"]
    irina = (await fetch(database_url, "SELECT user_id FROM person_profile WHERE last_name = 'Громова'"))[0][0]
    assert await fetch(database_url, "SELECT role FROM role_grant WHERE user_id = :id", id=irina) == [("teacher",)]
    assert len(await fetch(database_url, "SELECT id FROM staff_position WHERE user_id = :id", id=irina)) == 2
    second = (f"{header}\r\nгромова;ирина;львовна;12.03.1980;Учитель математики;\r\n"
              "Седов;Антон;;;Инженер;\r\n"
              "Седов;Антон;;21.01.1990;Учитель информатики;+7 902 000-00-02\r\n").encode()
    plan, done = await confirm(database_url, school_id, year_id, second, "staff.csv", kind="staff",
                               starts_on=date(2026, 9, 1))
    assert done == {"unchanged": 2, "updated": 1}
    assert plan.rows[2].changes == ["phone: — → +7 902 000-00-02", "date of birth: — → 21.01.1990",
                                    "add the position «Учитель информатики» from 01.09.2026"]
    # A second Антон Седов joins the staff: without a birth date the list cannot tell which one it means.
    async with writing(database_url) as session:
        namesake = await PeopleService(session, school_id).add_person(last_name="Седов", first_name="Антон")
        session.add(RoleGrant(user_id=namesake.id, school_id=school_id, role="engineer"))
    plan = await plan_only(database_url, school_id, year_id, second, "staff.csv", kind="staff", starts_on=date(2026, 9, 1))
    assert [(p.row, p.column, p.message) for p in plan.problems] == [(3, "Дата рождения", (
        "The school has several staff members of this name: add the date of birth to tell them apart."))]
    assert [row.action for row in plan.rows] == ["unchanged", "error", "unchanged"]


async def test_accounts_without_a_profile_and_parents_phones(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    engineer = await add_user(database_url, "engineer", [("engineer", school_id)], full_name="Иванов Пётр Сергеевич")
    data = "Фамилия;Имя;Отчество;Должность;Телефон\r\nИванов;Пётр;Сергеевич;Инженер;+7 904 444-44-44\r\n".encode()
    plan, done = await confirm(database_url, school_id, year_id, data, "staff.csv", kind="staff")
    assert done == {"updated": 1} and plan.rows[0].changes[0] == "phone: — → +7 904 444-44-44"
    assert await fetch(database_url, "SELECT last_name, first_name, middle_name, phone FROM person_profile WHERE user_id = :id",
                       id=engineer) == [("Иванов", "Пётр", "Сергеевич", "+7 904 444-44-44")]
    # A parent's new number, given on a child's row, updates the parent once; the sibling's row then agrees.
    header = "Фамилия;Имя;Дата рождения;Родитель;Кем приходится;Телефон родителя"
    first = (f"{header}\r\nМухин;Олег;01.01.2015;Мухина Ада;мать;+7 905 000-00-00\r\n"
             "Мухина;Ия;01.01.2016;Мухина Ада;мать;+7 905 000-00-00\r\n").encode()
    await confirm(database_url, school_id, year_id, first, "5А.csv", class_id=class_5a)
    moved = first.replace(b"000-00-00", b"111-11-11")
    plan, done = await confirm(database_url, school_id, year_id, moved, "5А.csv", class_id=class_5a)
    assert done == {"updated": 1, "unchanged": 1}
    assert plan.rows[0].changes == ["phone of Мухина Ада: +7 905 000-00-00 → +7 905 111-11-11"]
    ada = await fetch(database_url, "SELECT user_id, phone FROM person_profile WHERE last_name = 'Мухина' AND first_name = 'Ада'")
    assert [phone for _id, phone in ada] == ["+7 905 111-11-11"]
    updates = await fetch(database_url, "SELECT object_id FROM audit_record WHERE action = 'core.person_updated'")
    assert sorted(updates) == sorted([(str(engineer),), (str(ada[0][0]),)])
    # The file may not turn a mother into a guardian: that is the card's business.
    plan = await plan_only(database_url, school_id, year_id, moved.replace(b"\xd0\xbc\xd0\xb0\xd1\x82\xd1\x8c", "отец".encode()),
                           "5А.csv", class_id=class_5a)
    assert [p.message for p in plan.problems] == ["The student's card says mother: change the link in the card."] * 2


# ---- export and the round trip -----------------------------------------------------------------


async def test_export_then_import_changes_nothing(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    await confirm(database_url, school_id, year_id, class_csv(thirty_students()[-6:]), "5А.csv", class_id=class_5a)
    account_only = await add_user(database_url, "engineer", [("engineer", school_id)], full_name="Иванов Пётр Сергеевич")
    async with writing(database_url) as session:
        people = PeopleService(session, school_id)
        loner = await people.add_person(last_name="Одинокий", first_name="Лев", birth_date=date(2014, 1, 1),
                                        email="lev@example.ru")
        await people.enroll(loner.id, await session.get(ClassGroup, class_5a), starts_on=date(2026, 9, 15),
                            order_number="=1+2", order_date=date(2026, 9, 14))
        guardian = await people.add_person(last_name="Опекунова", first_name="Зоя", phone="+7 903 333-33-33")
        await people.add_guardian(loner.id, guardian.id, kind="guardian", document="Постановление № 5 от 01.02.2026")
        teacher = await people.add_person(last_name="Громова", first_name="Ирина", birth_date=date(1980, 3, 12))
        session.add_all([StaffPosition(school_id=school_id, user_id=user_id, title=title, starts_on=date(2026, 9, 1))
                         for user_id, title in ((teacher.id, "Учитель математики"), (teacher.id, "Классный руководитель"),
                                                (account_only, "Инженер"))])
    async with writing(database_url) as session:
        exported = await class_list_xlsx(session, school_id, await session.get(ClassGroup, class_5a), date(2026, 10, 1))
        staff = await staff_list_xlsx(session, school_id, date(2026, 10, 1))
    sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "5А"
    assert list(rows[0]) == ["Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Дата зачисления", "Номер приказа",
                             "Дата приказа", "Телефон", "Эл. почта", "Родитель", "Кем приходится", "Телефон родителя"]
    loner_row = next(row for row in rows if row[0] == "Одинокий")
    assert len(rows) == 1 + 7 and loner_row[:3] == ("Одинокий", "Лев", None) and loner_row[6] == "'=1+2"
    assert loner_row[9:] == ("lev@example.ru", "Опекунова Зоя", "опекун", "+7 903 333-33-33")
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])
    before = await table_counts(database_url)
    for data, kind in ((exported, "students"), (staff, "staff")):
        plan = await plan_only(database_url, school_id, year_id, data, f"{kind}.xlsx", kind=kind)
        assert plan.ok, plan.problems
        assert plan.counts() == {"unchanged": len(plan.rows)} and len(plan.rows) == (7 if kind == "students" else 3)
        await confirm(database_url, school_id, year_id, data, f"{kind}.xlsx", kind=kind)
    assert await table_counts(database_url) == before


# ---- cost and small parts ----------------------------------------------------------------------


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


async def test_a_700_row_plan_takes_a_fixed_number_of_statements(database_url, school):
    school_id, year_id, class_5a, _class_5b = school
    rows = [f"{n};{SURNAMES[n % 28]} {FIRST_NAMES[n % 7]} {FIRST_NAMES[n // 7 % 7]}ович;{1 + n % 28:02d}.{1 + n // 28 % 12:02d}."
            f"{2010 + n // 336};5А;;{SURNAMES[n % 28]} Иван;отец;+7 900 {n:07d}" for n in range(1, 701)]
    data = class_csv(rows)
    await confirm(database_url, school_id, year_id, class_csv(rows[:5]), "first.csv")
    async with writing(database_url) as session:
        defaults = await defaults_for(session, year_id)
        started = time.perf_counter()
        with counted_statements() as statements:
            plan = await plan_list(session, school_id, "students", data, "big.csv", defaults, TODAY)
        elapsed = time.perf_counter() - started
    assert plan.ok and plan.counts() == {"new": 695, "unchanged": 5}
    assert len(statements) <= 6, statements
    assert elapsed < 3  # loosely: well under a second on a laptop


def test_class_names_are_read_the_way_secretaries_write_them():
    assert class_key("5А") == class_key("5 а") == class_key("5-А") == class_key("5A") == class_key("5 «а»") == (5, "А")
    assert class_key("11Б") == (11, "Б") and class_key("5") is None and class_key("А5") is None


def numbered_rows(numbers: range) -> list[str]:
    """One row per number: a new student of 5А with a father of their own (distinct phones)."""
    return [f"{n};{SURNAMES[n % 28]} {FIRST_NAMES[n % 7]} {FIRST_NAMES[n // 7 % 7]}ович;{1 + n % 28:02d}.{1 + n // 28 % 12:02d}."
            f"{2010 + n // 336 % 6};5А;;{SURNAMES[n % 28]} Иван;отец;+7 900 {n:07d}" for n in numbers]


async def test_a_700_row_apply_writes_in_bulk(database_url, school):
    """Confirming the whole school's list on 1 September is one request holding the school's lock:
    the statements do not grow with the rows (70 rows and 700 take the same), and it is quick."""
    school_id, year_id, _class_5a, _class_5b = school
    statements_for: dict[int, int] = {}
    for numbers in (range(2001, 2071), range(1, 701)):
        async with writing(database_url) as session:
            await lock_school(session, school_id)
            defaults = await defaults_for(session, year_id)
            plan = await plan_list(session, school_id, "students", class_csv(numbered_rows(numbers)), "big.csv", defaults, TODAY)
            assert plan.ok, plan.problems[:3]
            started = time.perf_counter()
            with counted_statements() as statements:
                assert await apply_list(session, school_id, plan, defaults, actor_id=None) == {"new": len(numbers)}
            elapsed = time.perf_counter() - started
        statements_for[len(numbers)] = len(statements)
    assert await fetch(database_url, "SELECT count(*) FROM enrollment") == [(770,)]
    assert await fetch(database_url, "SELECT count(*) FROM guardianship") == [(770,)]
    assert await fetch(database_url, "SELECT role, count(*) FROM role_grant WHERE role IN ('student', 'parent') "
                                     "GROUP BY role ORDER BY role") == [("parent", 770), ("student", 770)]
    assert statements_for[700] <= statements_for[70] + 2 and statements_for[700] <= 10, statements_for
    assert elapsed < 2  # 0.15 s on SQLite, 0.25 s on PostgreSQL on a laptop (one by one: 12 s)


ACCOUNT_ROWS = {
    "user_account": "SELECT login, full_name, password_hash, is_blocked, last_login_at, created_at IS NOT NULL "
                    "FROM user_account WHERE id = :id",
    "person_profile": "SELECT last_name, first_name, middle_name, birth_date, phone, email, search_key "
                      "FROM person_profile WHERE user_id = :id",
    "enrollment": "SELECT school_id, class_group_id, starts_on, ends_on, start_kind, start_order_number, start_order_date, "
                  "end_kind, end_order_number, end_order_date, end_note FROM enrollment WHERE student_id = :id",
    "guardianship": "SELECT kind, document, starts_on, ends_on FROM guardianship WHERE student_id = :id OR guardian_id = :id",
    "role_grant": "SELECT school_id, role, granted_by, granted_at IS NOT NULL FROM role_grant WHERE user_id = :id",
}


async def rows_of(url, person_id: int) -> dict[str, list[tuple]]:
    return {table: [tuple(row) for row in await fetch(url, query, id=person_id)] for table, query in ACCOUNT_ROWS.items()}


async def test_a_list_writes_what_the_service_writes(database_url, school):
    """Value for value what PeopleService.add_person, enroll and add_guardian make; namesakes' logins numbered."""
    school_id, year_id, class_5a, _class_5b = school
    async with writing(database_url) as session:
        people = PeopleService(session, school_id)
        student = await people.add_person(last_name="Орлов", first_name="Иван", middle_name="Петрович",
                                          birth_date=date(2015, 2, 1), phone="+7 912 111-11-11")
        await people.enroll(student.id, await session.get(ClassGroup, class_5a), starts_on=date(2026, 9, 1),
                            order_number="12-у", order_date=date(2026, 8, 29))
        mother = await people.add_person(last_name="Орлова", first_name="Светлана", middle_name="Юрьевна",
                                         phone="+7 900 123-45-67")
        await people.add_guardian(student.id, mother.id, kind="mother")
        by_service = student.id, mother.id
    # A namesake born a year later, whose mother is a namesake with another phone: two new people.
    await confirm(database_url, school_id, year_id, class_csv([
        "1;Орлов Иван Петрович;01.02.2016;5А;+7 912 111-11-11;Орлова Светлана Юрьевна;мать;+7 900 123-45-68"]), "5А.csv")
    by_list = [(await fetch(database_url, "SELECT id FROM user_account WHERE full_name = :name AND id <> :id",
                            name=name, id=known))[0][0]
               for name, known in (("Орлов Иван Петрович", by_service[0]), ("Орлова Светлана Юрьевна", by_service[1]))]
    for service_made, list_made in zip(by_service, by_list):
        expected = await rows_of(database_url, service_made)
        found = await rows_of(database_url, list_made)
        assert found["user_account"][0][0] == expected["user_account"][0][0] + "2"
        assert found["user_account"][0][1:] == expected["user_account"][0][1:]
        for table in ("enrollment", "guardianship", "role_grant"):
            assert found[table] == expected[table], table
    student_profile = (await rows_of(database_url, by_list[0]))["person_profile"]
    mother_profile = (await rows_of(database_url, by_list[1]))["person_profile"]
    assert [tuple(str(value) for value in row) for row in student_profile + mother_profile] == [
        ("Орлов", "Иван", "Петрович", "2016-02-01", "+7 912 111-11-11", "", "орлов иван петрович"),
        ("Орлова", "Светлана", "Юрьевна", "None", "+7 900 123-45-68", "", "орлова светлана юрьевна")]

"""The movement of students and class occupancy (regulation 4.2): the pages and their XLSX, with
figures checked against hand-computed ones on a small school built through the services."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import load_workbook

from core.people.services import PeopleService
from core.structure.common import school_today
from core.structure.models import AcademicYear, ClassGroup
from core.structure.organisation import OrganisationService
from tests.core.structure.test_organisation_pages import counted_statements
from tests.support.exports import FORMULAS, checked_xlsx, quoted
from tests.support.people import add_user, signed_in
from tests.support.structure import SmallSchool, add_small_school, writing

HTMX = {"HX-Request": "true"}
NOTE = "=СУММ(1) <b>МАОУ СОШ № 1</b>"  # a formula for the spreadsheet and markup for the page: both stay text


@dataclass
class School:
    """Year 2026/2027 with 1А, 5А (class teacher «Аксёнова Анна Ильинична»), 5Б and 10А, and:

    Анна Смирнова: 5А from 01.09.2026, transferred to 5Б from 16.11.2026 (order 112-у of 13.11.2026);
    Алёна Смирнова: 5А from 01.09.2026, left after 20.01.2027 (order 7-у), the note says where to;
    Борис Петров: 5Б from 05.10.2026; Дарья Лебедева: 1А from 01.09.2026;
    Вера Ким: 10А from 01.09.2026, «continued» (studied here last year: no arrival).
    """

    id: int
    year: int
    class_1a: int
    class_5a: int
    class_5b: int
    class_10a: int
    anna: int
    alena: int


async def build_school(url: str, school_id: int, small: SmallSchool | None = None) -> School:
    if small is None:
        teacher = await add_user(url, f"teacher-{school_id}", [("class_teacher", school_id)], full_name="Аксёнова Анна Ильинична")
        small = await add_small_school(url, school_id, teacher)
    async with writing(url) as session:
        year = await session.get(AcademicYear, small.year)
        organisation = OrganisationService(session, school_id)
        class_1a, class_5b, class_10a = [await organisation.add_class(year, grade_level=level, letter="А" if level != 5 else "Б")
                                         for level in (1, 5, 10)]
        class_5a = await session.get(ClassGroup, small.class_5a)
        people = PeopleService(session, school_id)

        async def student(last: str, first: str, class_group: ClassGroup, starts_on: date, **extra: str) -> int:
            person = await people.add_person(last_name=last, first_name=first)
            await people.enroll(person.id, class_group, starts_on=starts_on, order_number=extra.get("order", "45-у"),
                                order_date=date(2026, 8, 28) if starts_on.month == 9 else date(2026, 10, 2),
                                kind=extra.get("kind", "admitted"))
            return person.id

        anna = await student("Смирнова", "Анна", class_5a, date(2026, 9, 1))
        alena = await student("Смирнова", "Алёна", class_5a, date(2026, 9, 1))
        await student("Петров", "Борис", class_5b, date(2026, 10, 5), order="80-у")
        await student("Лебедева", "Дарья", class_1a, date(2026, 9, 1))
        await student("Ким", "Вера", class_10a, date(2026, 9, 1), kind="continued")
        await people.transfer(anna, class_5b, on_day=date(2026, 11, 16), order_number="112-у", order_date=date(2026, 11, 13))
        await people.leave(alena, last_day=date(2027, 1, 20), order_number="7-у", order_date=date(2027, 1, 20), note=NOTE)
    return School(school_id, small.year, class_1a.id, class_5a.id, class_5b.id, class_10a.id, anna, alena)


def cells(html: str, row_id: str) -> list[str]:
    """The figures of one table row, by its id."""
    row = html.split(f'id="{row_id}"')[1].split("</tr>")[0]
    return [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]]


def movement_rows(html: str) -> list[str]:
    """Each movement as «date kind student from to order», tags stripped."""
    import re

    body = html.split('id="core-movement-rows"')[1].split("</tbody>")[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row.split(">", 1)[1]).split()) for row in body.split('<tr class="movement')[1:]]


# ---- services: the figures -----------------------------------------------------------------------


async def test_figures_equal_hand_computed_ones_on_each_day(make_client, database_url):
    async with signed_in(make_client, database_url, role="secretary") as (_client, school_id):
        school = await build_school(database_url, school_id)
    async with writing(database_url) as session:
        people = PeopleService(session, school_id)
        year = await session.get(AcademicYear, school.year)
        by_day = {day: await people.occupancy(year, day) for day in (
            date(2026, 9, 1), date(2026, 10, 4), date(2026, 10, 5), date(2026, 11, 15), date(2026, 11, 16), date(2027, 1, 20),
            date(2027, 1, 21))}
        whole_year = await people.movement_by_class(date(2026, 8, 1), date(2027, 8, 31))  # clipped to the year
        transfer_day = await people.movement_by_class(date(2026, 11, 16), date(2026, 11, 16))
        quiet = await people.movement_by_class(date(2026, 11, 17), date(2027, 1, 19))
        moves = await people.movements(date(2026, 11, 16), date(2026, 11, 16))
    order = (school.class_1a, school.class_5a, school.class_5b, school.class_10a)
    assert {day: [counts[class_id] for class_id in order] for day, counts in by_day.items()} == {
        date(2026, 9, 1): [1, 2, 0, 1],  # before Борис's admission
        date(2026, 10, 4): [1, 2, 0, 1],
        date(2026, 10, 5): [1, 2, 1, 1],
        date(2026, 11, 15): [1, 2, 1, 1],  # the day before the transfer
        date(2026, 11, 16): [1, 1, 2, 1],  # the transfer's first day
        date(2027, 1, 20): [1, 1, 2, 1],  # Алёна's last day
        date(2027, 1, 21): [1, 0, 2, 1],  # after her departure
    }

    def figures(rows):
        return {row.class_name: (row.at_start, row.arrived, row.transferred_in, row.transferred_out, row.left, row.at_end)
                for row in rows}

    #                        start, arrived, in, out, left, end
    assert figures(whole_year) == {"1А": (0, 1, 0, 0, 0, 1), "5А": (0, 2, 0, 1, 1, 0), "5Б": (0, 1, 1, 0, 0, 2),
                                   "10А": (1, 0, 0, 0, 0, 1)}  # Вера continued: at the start, no arrival
    assert figures(transfer_day) == {"1А": (1, 0, 0, 0, 0, 1), "5А": (2, 0, 0, 1, 0, 1), "5Б": (1, 0, 1, 0, 0, 2),
                                     "10А": (1, 0, 0, 0, 0, 1)}
    assert figures(quiet) == {"1А": (1, 0, 0, 0, 0, 1), "5А": (1, 0, 0, 0, 0, 1), "5Б": (2, 0, 0, 0, 0, 2),
                              "10А": (1, 0, 0, 0, 0, 1)}
    for rows in (whole_year, transfer_day, quiet):
        for row in rows:
            assert row.at_start + row.arrived + row.transferred_in - row.transferred_out - row.left == row.at_end, row
    # A transfer on the range's first day still names the class it came from (its old enrollment ended the day before).
    assert [(m.kind, m.from_class, m.to_class, m.order_number) for m in moves] == [("transferred", "5А", "5Б", "112-у")]


async def test_continued_enrollments_are_no_arrivals(make_client, database_url):
    async with signed_in(make_client, database_url, role="secretary") as (_client, school_id):
        await build_school(database_url, school_id)
    async with writing(database_url) as session:
        moves = await PeopleService(session, school_id).movements(date(2026, 9, 1), date(2026, 9, 1))
    assert [(m.student, m.kind, m.to_class) for m in moves] == [
        ("Лебедева Дарья", "admitted", "1А"), ("Смирнова Алёна", "admitted", "5А"), ("Смирнова Анна", "admitted", "5А")]


# ---- the movement page ---------------------------------------------------------------------------


async def test_the_movement_page_lists_movements_with_orders_and_figures_that_add_up(make_client, database_url):
    async with signed_in(make_client, database_url, role="deputy") as (deputy, school_id):
        school = await build_school(database_url, school_id)
        page = await deputy.get("/people/movement", params={"from": "2026-09-01", "to": "2027-05-31"})
        dotted = await deputy.get("/people/movement", params={"from": "16.11.2026", "to": "16.11.2026"})
        partial = await deputy.get("/people/movement", params={"from": "2026-11-17", "to": "2027-01-19"},
                                   headers={**HTMX, "HX-Target": "core-movement"})
        default = await deputy.get("/people/movement")
    assert page.status_code == 200 and "<h1>Движение обучающихся</h1>" in page.text
    assert 'aria-current="page">Движение обучающихся</a>' in page.text
    summary = page.text.split('id="core-movement-summary"')[1].split("</ul>")[0]
    assert "прибыло 4 обучающихся" in summary and "переведён в другой класс 1 обучающийся" in summary
    assert "выбыл 1 обучающийся" in summary and "окончил" not in summary
    assert movement_rows(page.text) == [
        "01.09.2026 прибыл Лебедева Дарья — 1А № 45-у от 28.08.2026",
        "01.09.2026 прибыл Смирнова Алёна — 5А № 45-у от 28.08.2026",
        "01.09.2026 прибыл Смирнова Анна — 5А № 45-у от 28.08.2026",
        "05.10.2026 прибыл Петров Борис — 5Б № 80-у от 02.10.2026",
        "16.11.2026 переведён Смирнова Анна 5А 5Б № 112-у от 13.11.2026",
        "20.01.2027 выбыл Смирнова Алёна 5А — № 7-у от 20.01.2027 =СУММ(1) &lt;b&gt;МАОУ СОШ № 1&lt;/b&gt;",
    ]
    assert "Ким Вера" not in page.text.split('id="core-movement-rows"')[1]  # continued: no arrival
    assert f'href="/people/students/{school.anna}"' in page.text and "<b>МАОУ" not in page.text
    #                                                     start, arrived, in, out, left, end
    assert cells(page.text, f"core-movement-class-{school.class_5a}") == ["0", "2", "0", "1", "1", "0"]
    assert cells(page.text, f"core-movement-class-{school.class_5b}") == ["0", "1", "1", "0", "0", "2"]
    assert cells(page.text, f"core-movement-class-{school.class_10a}") == ["1", "0", "0", "0", "0", "1"]
    assert cells(page.text, "core-movement-total") == ["1", "4", "1", "1", "1", "4"]
    assert 'href="/people/movement.xlsx?from=2026-09-01&amp;to=2027-05-31"' in page.text

    assert movement_rows(dotted.text) == ["16.11.2026 переведён Смирнова Анна 5А 5Б № 112-у от 13.11.2026"]
    assert "прибыло 0 обучающихся" in dotted.text and "выбыло 0 обучающихся" in dotted.text
    assert cells(dotted.text, f"core-movement-class-{school.class_5a}") == ["2", "0", "0", "1", "0", "1"]

    assert partial.text.startswith('<div id="core-movement">') and "<h1>" not in partial.text
    assert "За эти дни движения обучающихся не было." in partial.text and 'id="core-movement-rows"' not in partial.text
    assert cells(partial.text, "core-movement-total") == ["5", "0", "0", "0", "0", "5"]

    today = school_today("Asia/Yekaterinburg")
    expected_end = min(max(today, date(2026, 9, 1)), date(2027, 5, 31))
    assert 'name="from" value="2026-09-01"' in default.text and f'name="to" value="{expected_end.isoformat()}"' in default.text


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from": "32.13.2026", "to": "2026-11-01"}, "from", "Укажите дату в формате дд.мм.гггг."),
    ({"from": "2026-09-01", "to": "завтра"}, "to", "Укажите дату в формате дд.мм.гггг."),
    ({"from": "2026-12-01", "to": "2026-11-01"}, "to", "Последний день раньше первого: проверьте даты."),
    ({"from": "2024-01-01", "to": "2026-11-01"}, "to", "Выберите период не длиннее двух лет."),
    ({"from": "0001-01-01", "to": "2026-11-01"}, "from", "Введите дату между 1900 и 2199 годами."),
    ({"from": "1950-01-01", "to": "2026-11-01"}, "from", "Выберите дату от 1990 до 2100 года."),
])
async def test_a_bad_range_is_refused_by_its_field(make_client, database_url, query, field, message):
    async with signed_in(make_client, database_url, role="secretary") as (secretary, _school):
        page = await secretary.get("/people/movement", params=query)
        partial = await secretary.get("/people/movement", params=query, headers={**HTMX, "HX-Target": "core-movement"})
        export = await secretary.get("/people/movement.xlsx", params=query)
    for response in (page, partial, export):
        assert response.status_code == 422 and message in response.text
        assert f'aria-describedby="core-movement-{field}-error"' in response.text
        assert 'id="core-movement-summary"' not in response.text and "core-movement-export" not in response.text
    assert "<h1>Движение обучающихся</h1>" in page.text and partial.text.startswith('<div id="core-movement">')
    assert "<script" not in page.text.split('id="core-movement"')[1]


async def test_the_movement_export_has_the_rows_and_the_class_table(make_client, database_url):
    async with signed_in(make_client, database_url, role="secretary") as (secretary, school_id):
        await build_school(database_url, school_id)
        response = await secretary.get("/people/movement.xlsx", params={"from": "01.09.2026", "to": "2027-05-31"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.headers["content-disposition"] == 'attachment; filename="movement-2026-09-01-2027-05-31.xlsx"'
    assert "no-store" in response.headers["cache-control"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Движение 01.09.2026–31.05.2027", "По классам"]
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("Дата", "Движение", "Обучающийся", "Из класса", "В класс", "Номер приказа", "Дата приказа",
                       "Куда выбыл (примечание)")
    assert len(rows) == 7
    day, kind, student, origin, target, number, order_day, note = rows[5]
    assert (day.date(), kind, student, origin, target, number, order_day.date(), note) == (
        date(2026, 11, 16), "переведён", "Смирнова Анна", "5А", "5Б", "112-у", date(2026, 11, 13), None)
    assert rows[6][1] == "выбыл" and rows[6][7] == "'" + NOTE  # never run as a formula
    by_class = workbook.worksheets[1]
    assert [list(row) for row in by_class.iter_rows(values_only=True)] == [
        ["Класс", "На начало", "Прибыло", "Переведено в класс", "Переведено из класса", "Выбыло", "На конец"],
        ["1А", 0, 1, 0, 0, 0, 1], ["5А", 0, 2, 0, 1, 1, 0], ["5Б", 0, 1, 1, 0, 0, 2], ["10А", 1, 0, 0, 0, 0, 1],
        ["Всего по школе", 1, 4, 1, 1, 1, 4]]
    assert all(cell.font.bold for cell in by_class[6]) and not by_class["A2"].font.bold


async def test_the_movement_export_keeps_formula_like_orders_and_notes_as_text(make_client, database_url):
    async with signed_in(make_client, database_url, role="secretary") as (secretary, school_id):
        school = await build_school(database_url, school_id)
        async with writing(database_url) as session:
            people, class_5b = PeopleService(session, school_id), await session.get(ClassGroup, school.class_5b)
            for first_name, formula in zip(("Анна", "Вера", "Олег", "Иван", "Лев", "Яна"), FORMULAS):
                person = await people.add_person(last_name="Формулов", first_name=first_name)
                await people.enroll(person.id, class_5b, starts_on=date(2026, 10, 1), order_number=formula,
                                    order_date=date(2026, 9, 30))
                await people.leave(person.id, last_day=date(2026, 12, 1), order_number=formula, order_date=date(2026, 12, 1),
                                   note=formula)
        response = await secretary.get("/people/movement.xlsx", params={"from": "01.09.2026", "to": "2027-05-31"})
    values = checked_xlsx(response.content)
    assert all(quoted(values, formula) for formula in FORMULAS) and "'" + NOTE in values
    assert values[-7:] == ["Всего по школе", 1, 10, 1, 1, 7, 4]  # the class table's figures stay numbers


# ---- the occupancy page --------------------------------------------------------------------------


async def test_occupancy_on_a_day_with_subtotals_by_grade_level_stage_and_school(make_client, database_url):
    async with signed_in(make_client, database_url, role="secretary") as (secretary, school_id):
        school = await build_school(database_url, school_id)
        page = await secretary.get("/people/occupancy", params={"day": "2026-11-16"})
        before = await secretary.get("/people/occupancy", params={"day": "15.11.2026"})
        partial = await secretary.get("/people/occupancy", params={"day": "2027-01-21"},
                                      headers={**HTMX, "HX-Target": "core-occupancy"})
        summer = await secretary.get("/people/occupancy", params={"day": "2026-08-31"})
    assert page.status_code == 200 and "<h1>Наполняемость классов</h1>" in page.text
    assert "На 16.11.2026, 2026/2027 учебный год" in page.text
    row_5a = page.text.split(f'id="core-occupancy-class-{school.class_5a}"')[1].split("</tr>")[0]
    assert "Аксёнова Анна Ильинична" in row_5a and cells(page.text, f"core-occupancy-class-{school.class_5a}") == ["1"]
    assert "не назначен" in page.text.split(f'id="core-occupancy-class-{school.class_5b}"')[1].split("</tr>")[0]
    assert cells(page.text, f"core-occupancy-class-{school.class_5b}") == ["2"]
    assert cells(page.text, "core-occupancy-level-5") == ["3"] and "Итого по 5-м классам" in page.text
    assert "2 класса" in page.text.split('id="core-occupancy-level-5"')[1].split("</tr>")[0]
    stages = [page.text.split(f'id="core-occupancy-stage-{n}"')[1].split("</tr>")[0] for n in (1, 2, 3)]
    assert "Начальное общее образование (1–4 классы)" in stages[0] and cells(page.text, "core-occupancy-stage-1") == ["1"]
    assert "Основное общее образование (5–9 классы)" in stages[1] and cells(page.text, "core-occupancy-stage-2") == ["3"]
    assert "Среднее общее образование (10–11 классы)" in stages[2] and cells(page.text, "core-occupancy-stage-3") == ["1"]
    assert cells(page.text, "core-occupancy-total") == ["5"] and "4 класса" in page.text.split('id="core-occupancy-total"')[1]
    assert 'href="/people/occupancy.xlsx?day=2026-11-16"' in page.text

    assert cells(before.text, f"core-occupancy-class-{school.class_5a}") == ["2"]
    assert cells(before.text, f"core-occupancy-class-{school.class_5b}") == ["1"]
    assert partial.text.startswith('<div id="core-occupancy">') and "<h1>" not in partial.text
    assert cells(partial.text, f"core-occupancy-class-{school.class_5a}") == ["0"]
    assert cells(partial.text, "core-occupancy-total") == ["4"]
    assert summer.status_code == 200 and "31.08.2026 не входит ни в один учебный год школы." in summer.text
    assert "core-occupancy-export" not in summer.text


@pytest.mark.parametrize("day", ["31.02.2026", "сегодня", "0001-01-01"])
async def test_a_bad_day_is_refused(make_client, database_url, day):
    async with signed_in(make_client, database_url, role="director") as (director, _school):
        page = await director.get("/people/occupancy", params={"day": day})
        export = await director.get("/people/occupancy.xlsx", params={"day": day})
    for response in (page, export):
        assert response.status_code == 422 and 'aria-describedby="core-occupancy-day-error"' in response.text
        assert "core-occupancy-export" not in response.text


async def test_the_occupancy_export_has_the_classes_then_bold_subtotals(make_client, database_url):
    async with signed_in(make_client, database_url, role="secretary") as (secretary, school_id):
        await build_school(database_url, school_id)
        response = await secretary.get("/people/occupancy.xlsx", params={"day": "2026-11-16"})
    assert response.headers["content-disposition"] == 'attachment; filename="occupancy-2026-11-16.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.title == "Наполняемость на 16.11.2026"
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Класс", "Классный руководитель", "Обучающиеся"],
        ["1А", None, 1], ["5А", "Аксёнова Анна Ильинична", 1], ["5Б", None, 2], ["10А", None, 1],
        ["Итого по 1-м классам", "1 класс", 1], ["Итого по 5-м классам", "2 класса", 3], ["Итого по 10-м классам", "1 класс", 1],
        ["Начальное общее образование (1–4 классы)", "1 класс", 1], ["Основное общее образование (5–9 классы)", "2 класса", 3],
        ["Среднее общее образование (10–11 классы)", "1 класс", 1], ["Всего по школе", "4 класса", 5]]
    assert not sheet["A2"].font.bold and all(sheet.cell(row, column).font.bold for row in range(6, 13) for column in (1, 2, 3))


async def test_the_occupancy_export_keeps_a_formula_like_teacher_name_as_text(make_client, database_url):
    async with signed_in(make_client, database_url, role="secretary") as (secretary, school_id):
        teacher = await add_user(database_url, f"teacher-{school_id}", [("class_teacher", school_id)], full_name=FORMULAS[0])
        await build_school(database_url, school_id, await add_small_school(database_url, school_id, teacher))
        response = await secretary.get("/people/occupancy.xlsx", params={"day": "2026-11-16"})
    values = checked_xlsx(response.content)
    assert quoted(values, FORMULAS[0]) and values[-1] == 5  # the school's total stays a number


async def test_the_pages_take_a_fixed_number_of_statements_however_large_the_school(make_client, database_url):
    async with signed_in(make_client, database_url, role="deputy") as (deputy, school_id):
        teacher = await add_user(database_url, "teacher-x", [("class_teacher", school_id)], full_name="Аксёнова Анна Ильинична")
        small = await add_small_school(database_url, school_id, teacher)
        urls = ("/people/occupancy?day=2026-11-16", "/people/movement?from=2026-09-01&to=2027-05-31")
        for url in urls:
            await deputy.get(url)  # warm-up: first-request work is not the page's
        counts = []
        for url in urls:
            with counted_statements() as seen:
                assert (await deputy.get(url)).status_code == 200
            counts.append(len(seen))
        await build_school(database_url, school_id, small)  # more classes, students, appointments and movements
        async with writing(database_url) as session:
            year = await session.get(AcademicYear, small.year)
            people = PeopleService(session, school_id)
            for letter in "ВГД":
                class_group = await OrganisationService(session, school_id).add_class(year, grade_level=7, letter=letter)
                for n in range(3):
                    person = await people.add_person(last_name=f"Ученик{letter}", first_name=f"Номер{n}")
                    await people.enroll(person.id, class_group, starts_on=date(2026, 9, 1), order_number="1-у",
                                        order_date=date(2026, 8, 28))
        for url, small_count in zip(urls, counts):
            with counted_statements() as seen:
                assert (await deputy.get(url)).status_code == 200
            assert 3 < len(seen) == small_count, "\n".join(seen)


@pytest.mark.parametrize("role", ["class_teacher", "teacher", "parent", "student", "dispatcher"])
async def test_only_the_administration_and_the_secretary_see_the_reports(make_client, database_url, role):
    async with signed_in(make_client, database_url, role=role) as (client, _school):
        answers = [(await client.get(url)).status_code for url in (
            "/people/movement", "/people/movement.xlsx", "/people/occupancy", "/people/occupancy.xlsx?day=2026-10-01")]
    assert answers == [403, 403, 403, 403]

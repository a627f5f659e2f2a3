"""Reading a teacher's КТП from XLSX/CSV and writing one back: pure, no database."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest

from core.i18n import gettext as _
from core.people.spreadsheets import sheet_title
from plugins.journal.plan_import import (MAX_ITEMS, TOPIC_LIMIT, PlanRow, field_of_header, plan_xlsx,
                                         read_plan)
from plugins.journal.plan_kinds import LESSON_KINDS

MATHS = "Математика"
SUBJECTS = ("Математика", "Физика", "Физическая культура", "Русский язык", "Литература")


def xlsx(rows, merges=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    for cells in merges:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig", delimiter=","):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def read(data, filename="plan.xlsx", **options):
    options.setdefault("subject", MATHS)
    return read_plan(data, filename, **options)


def errors(plan):
    return {outcome.row: outcome.message for outcome in plan.outcomes if outcome.status == "error"}


def assert_refused(plan, *rows):
    """Not importable, nothing to import, and the errors on exactly these rows."""
    assert not plan.valid
    assert plan.items == []
    assert set(errors(plan)) == set(rows)


def statuses(plan):
    return {outcome.row: outcome.status for outcome in plan.outcomes}


SIMPLE_HEADER = ("№", "Тема урока", "Кол-во часов")


# ---- good files ----------------------------------------------------------------------------------


def test_xlsx_with_title_rows_merged_sections_two_row_header_and_two_hour_items():
    data = xlsx([
        ("Календарно-тематическое планирование по математике, 5 класс",),
        ("Учитель: Иванова М. П.",),
        (),
        ("№ п/п", "Тема урока", "Кол-во часов", "Дата", None, "Д/з", "Примечание"),
        (None, None, None, "план", "факт"),
        ("Раздел 1. Натуральные числа (20 ч)",),
        (1, "Ряд натуральных чисел", 1, datetime(2026, 9, 1), None, "§1, № 5"),
        ("2–3", "Сложение и вычитание", None, "03.09.2026", "04.09.2026"),
        ("4", "Контрольная работа № 1", "1 ч", "1.09.26"),
        ("Раздел 2. Дроби", None, 12),
        (5, "Понятие дроби", 2.0, "07.09"),
        ("Итого", None, 5),
    ], merges=("A1:G1", "D4:E4", "A6:G6"))
    plan = read(data, subjects=SUBJECTS, grade_level=5)

    assert plan.valid, (plan.problems, plan.outcomes)
    assert plan.problems == []
    first, second = "Раздел 1. Натуральные числа (20 ч)", "Раздел 2. Дроби"
    assert plan.items == [
        PlanRow(first, "Ряд натуральных чисел", 1, "lesson", "§1, № 5", date(2026, 9, 1)),
        PlanRow(first, "Сложение и вычитание", 2, "lesson", "", date(2026, 9, 3)),
        PlanRow(first, "Контрольная работа № 1", 1, "test", "", date(2026, 9, 1)),
        PlanRow(second, "Понятие дроби", 2, "lesson", "", None),  # «07.09» has no year
    ]
    assert statuses(plan) == {6: "section", 7: "item", 8: "item", 9: "item", 10: "section", 11: "item", 12: "skipped"}
    assert plan.total_hours == 6
    assert plan.columns == {"number": "№ п/п", "topic": "Тема урока", "hours": "Кол-во часов",
                            "planned_on": "Дата (план)", "actual_on": "Дата (факт)", "homework": "Д/з"}
    assert plan.unknown_columns == ["Примечание"]
    item = plan.outcomes[1]
    assert item.message.startswith("Ряд натуральных чисел, ") and item.item == plan.items[0]
    assert _(LESSON_KINDS["lesson"]) in item.message


def test_csv_in_utf8_with_bom_and_a_section_column():
    data = csv_bytes([
        ("Раздел", "Тема", "Часы", "Тип урока"),
        ("Числа", "Сравнение чисел", "2ч.", "Урок открытия нового знания"),
        ("", "Округление", "", "К/р"),  # a merged section cell reads blank: the section above goes on
        ("Дроби", "Доли", "1", ""),
    ])
    assert data.startswith(b"\xef\xbb\xbf")
    plan = read(data, "plan.csv")

    assert plan.valid, plan.outcomes
    assert plan.items == [
        PlanRow("Числа", "Сравнение чисел", 2, "lesson"),
        PlanRow("Числа", "Округление", 1, "test"),
        PlanRow("Дроби", "Доли", 1, "lesson"),
    ]


def test_csv_in_windows_1251_with_semicolons():
    data = csv_bytes([
        ("КТП по математике; 6 класс",),
        ("№", "Содержание", "Количество часов", "Вид контроля"),
        ("1", "Делимость чисел", "1", ""),
        ("2", "Проверочная работа по теме «Делители»", "1", ""),
    ], encoding="cp1251", delimiter=";")
    plan = read(data, "plan.csv", subjects=SUBJECTS, grade_level=6)

    assert plan.valid, (plan.problems, plan.outcomes)
    assert [(item.topic, item.kind) for item in plan.items] == [
        ("Делимость чисел", "lesson"), ("Проверочная работа по теме «Делители»", "quiz")]


def test_unknown_columns_are_reported_not_refused():
    plan = read(xlsx([("№", "Тема урока", "УУД", "Оборудование", "Примечание"),
                      (1, "Числа", "познавательные", "проектор", "")]))
    assert plan.valid
    assert plan.unknown_columns == ["УУД", "Оборудование", "Примечание"]
    assert "topic" in plan.columns and "number" in plan.columns


def test_a_plan_without_a_number_column_keeps_file_order_and_counts_blank_hours_as_one():
    plan = read(csv_bytes([("Тема урока",), ("Первая тема",), ("",), ("Вторая тема",)]), "plan.csv")
    assert plan.valid
    assert [(item.topic, item.hours) for item in plan.items] == [("Первая тема", 1), ("Вторая тема", 1)]
    assert [outcome.row for outcome in plan.outcomes] == [2, 4]  # blank rows are not listed


def test_kinds_come_from_the_column_else_from_the_topic():
    plan = read(xlsx([
        ("№", "Тема урока", "Тип урока"),
        (1, "Строение атома", "Лаб. раб."),
        (2, "Контрольная работа № 2 по теме «Атомы»", None),
        (3, "Диктант с грамматическим заданием", ""),
        (4, "Повторение", "повторение"),
        (5, "Практическая работа «Измерения»", None),
    ]))
    assert plan.valid
    assert [item.kind for item in plan.items] == ["laboratory", "test", "dictation", "review", "practical"]


def test_gaps_in_numbers_and_a_part_of_a_plan_are_fine():
    plan = read(xlsx([SIMPLE_HEADER, (35, "Повторение", 1), (38, "Итоговое повторение", 1)]))
    assert plan.valid
    assert len(plan.items) == 2


@pytest.mark.parametrize("label", ["Итого", "Всего: 68 ч", "Резерв", "ИТОГО:"])
def test_totals_and_reserve_rows_are_skipped(label):
    plan = read(xlsx([SIMPLE_HEADER, (1, "Итоговая контрольная работа", 1), (label, None, 68)]))
    assert plan.valid
    assert statuses(plan) == {2: "item", 3: "skipped"}
    assert plan.items[0].topic == "Итоговая контрольная работа"  # «Итоговая» is not a total


def test_a_row_of_column_numbers_under_the_header_is_not_a_lesson():
    plan = read(xlsx([SIMPLE_HEADER, (1, 2, 3), (1, "Числа", 1)]))
    assert plan.valid
    assert [item.topic for item in plan.items] == ["Числа"]


def test_sections_in_the_topic_column_with_hours_or_a_roman_number():
    plan = read(xlsx([
        ("№", "Наименование разделов и тем", "Кол-во часов"),
        (None, "Натуральные числа", "20 ч"),
        (1, "Сложение", 1),
        ("II", "Дроби", 12),
        (2, "Доли", None),
    ]))
    assert plan.valid, plan.outcomes
    assert statuses(plan) == {2: "section", 3: "item", 4: "section", 5: "item"}
    assert [item.section for item in plan.items] == ["Натуральные числа", "II. Дроби"]


def test_without_numbers_a_lone_topic_is_an_item_unless_it_looks_like_a_section():
    plan = read(xlsx([("Тема урока", "Часы", "Примечание"), ("Тема 1. Числа (10 ч)",), ("Сложение", 1),
                      (None, None, "перенос на 12.09")]))
    assert plan.valid
    assert statuses(plan) == {2: "section", 3: "item", 4: "skipped"}
    assert plan.items == [PlanRow("Тема 1. Числа (10 ч)", "Сложение", 1, "lesson")]


# ---- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    ("№", "number"), ("№ п/п", "number"), ("№ урока", "number"), ("No.", "number"),
    ("Раздел", "section"), ("Тема раздела", "section"), ("Модуль", "section"), ("Глава", "section"),
    ("Тема урока", "topic"), ("ТЕМА", "topic"), ("Содержание", "topic"), ("Наименование темы", "topic"),
    ("Наименование разделов и тем", "topic"), ("Lesson topic", "topic"),
    ("Кол-во часов", "hours"), ("Количество часов", "hours"), ("Часы", "hours"), ("Ч.", "hours"),
    ("Дата", "planned_on"), ("Дата (план)", "planned_on"), ("Дата по плану", "planned_on"), ("План", "planned_on"),
    ("Дата (факт)", "actual_on"), ("Факт", "actual_on"),
    ("Д/з", "homework"), ("Домашнее задание", "homework"), ("Д.з.", "homework"),
    ("Тип урока", "kind"), ("Вид урока", "kind"), ("Форма урока", "kind"), ("Вид контроля", "kind"),
    ("Примечание", None), ("УУД", None), ("Оборудование", None), ("Виды деятельности", None),
    ("Планируемые результаты", None),
])
def test_headers_are_matched_flexibly(header, expected):
    assert field_of_header(header) == expected


def test_a_file_without_a_topic_column_is_refused():
    plan = read(xlsx([("№", "Часы", "Дата"), (1, 1, "01.09.2026")]))
    assert_refused(plan)
    assert plan.problems == [_("The file has no column for the lesson topic: add one headed «%(header)s».",
                               header=_("Lesson topic"))]


# ---- bad rows -----------------------------------------------------------------------------------


def test_a_row_with_a_number_or_hours_but_no_topic_is_an_error():
    plan = read(xlsx([SIMPLE_HEADER, (1, "Числа", 1), (2, None, 1), (None, None, 2)]))
    assert_refused(plan, 3, 4)
    assert errors(plan)[3] == _("The lesson topic is missing.")


@pytest.mark.parametrize("hours", ["два", "1,5", 1.5, 0, -1, "0", 21, "-1"])
def test_hours_must_be_a_whole_number_of_lessons(hours):
    plan = read(xlsx([SIMPLE_HEADER, (1, "Числа", 1), (2, "Дроби", hours)]))
    assert_refused(plan, 3)
    assert _("Hours must be a whole number of lessons from 1 to %(limit)s.", limit=20) in errors(plan)[3]


def test_duplicate_numbers_and_overlapping_ranges_name_the_earlier_row():
    plan = read(xlsx([SIMPLE_HEADER, (1, "Числа", 1), ("2-3", "Дроби", 2), (1, "Ещё раз числа", 1),
                      ("3–4", "Проценты", None)]))
    assert_refused(plan, 4, 5)
    assert _("Lesson %(number)s is already in row %(row)s.", number=1, row=2) in errors(plan)[4]
    assert _("Lesson %(number)s is already in row %(row)s.", number=3, row=3) in errors(plan)[5]


def test_a_range_must_match_the_hours():
    plan = read(xlsx([SIMPLE_HEADER, ("5-6", "Числа", 3)]))
    assert_refused(plan, 2)
    assert _("Lessons %(first)s–%(last)s are %(count)s lessons, but the hours say %(hours)s.",
             first=5, last=6, count=2, hours=3) in errors(plan)[2]


def test_excel_turning_a_typed_range_into_a_date_is_undone():
    plan = read(xlsx([SIMPLE_HEADER, (datetime(2026, 6, 5), "Числа", None)]))  # «5-6» typed in a Russian Excel
    assert plan.valid
    assert plan.items[0].hours == 2


def test_formulas_are_refused():
    plan = read(xlsx([SIMPLE_HEADER, (1, "Числа", "=1+1"), (2, "=A2", 1), ("=A2+1", "Дроби", 1)]))
    assert_refused(plan, 2, 3, 4)
    assert _("Formulas are not accepted: enter the value itself.") in errors(plan)[2]


def test_a_too_long_topic_is_an_error():
    plan = read(xlsx([SIMPLE_HEADER, (1, "Числа", 1), (2, "т" * (TOPIC_LIMIT + 1), 1)]))
    assert_refused(plan, 3)
    assert _("The value is longer than %(limit)s characters.", limit=TOPIC_LIMIT) in errors(plan)[3]


def test_planned_dates():
    header = ("№", "Тема урока", "Дата")
    good = read(xlsx([header, (1, "А", "1-2.09.2026"), (2, "Б", "01.09, 03.09"), (3, "В", "2026-09-05")]))
    assert [item.planned_on for item in good.items] == [date(2026, 9, 1), None, date(2026, 9, 5)]
    bad = read(xlsx([header, (1, "А", "31.09.2026"), (2, "Б", "сентябрь")]))
    assert_refused(bad, 2, 3)
    assert _("There is no such date.") in errors(bad)[2]


def test_an_unknown_kind_lists_the_allowed_ones():
    plan = read(xlsx([("№", "Тема урока", "Вид урока"), (1, "Числа", "беседа у костра")]))
    assert_refused(plan, 2)
    assert _(LESSON_KINDS["laboratory"]) in errors(plan)[2]


def test_too_many_items():
    plan = read(csv_bytes([("Тема урока",)] + [(f"Тема {n}",) for n in range(MAX_ITEMS + 1)]), "plan.csv")
    assert_refused(plan)
    assert plan.problems


# ---- another subject, another grade --------------------------------------------------------------


def test_a_plan_of_another_subject_is_refused():
    plan = read(xlsx([("Календарно-тематическое планирование по физике, 7 класс",), SIMPLE_HEADER,
                      (1, "Строение вещества", 1)], merges=("A1:C1",)), subjects=SUBJECTS, grade_level=7)
    assert_refused(plan)
    assert plan.problems == [_("The file is a plan for the subject «%(found)s», but this plan is for «%(subject)s».",
                               found="Физика", subject=MATHS)]
    assert statuses(plan) == {3: "item"}  # the rows are still shown


def test_a_plan_of_another_grade_is_refused():
    plan = read(xlsx([("Рабочая программа по математике для 6-х классов",), SIMPLE_HEADER, (1, "Дроби", 1)]),
                subjects=SUBJECTS, grade_level=5)
    assert_refused(plan)
    assert plan.problems == [_("The file is a plan for grade %(found)s, but this plan is for grade %(grade)s.",
                               found=6, grade=5)]


@pytest.mark.parametrize("title", [
    "КТП по математике, 7 кл.",  # the subject itself
    "Физическая культура",  # not a subject of the list... for «Физика»
    "Учебник для 5–9 классов",  # a range names no grade
])
def test_no_false_alarms_from_titles(title):
    plan = read(xlsx([(title,), SIMPLE_HEADER, (1, "Числа", 1)]), subjects=("Математика", "Физика"), grade_level=7)
    assert plan.valid, plan.problems


def test_topics_in_the_body_do_not_name_the_subject():
    plan = read(xlsx([SIMPLE_HEADER, (1, "Физика в 9 классе: законы движения", 1)]), subjects=SUBJECTS, grade_level=5)
    assert plan.valid


# ---- unreadable files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "filename"), [
    ("Тема урока\nЧисла\n".encode("utf-16"), "plan.csv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "plan.xls"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "plan.xlsx"),
    ("Тема урока".encode(), "plan.txt"),
    (b"PK\x03\x04 not really a document", "plan.docx"),
    (b"PK\x03\x04 broken", "plan.xlsx"),
    (b"", "plan.csv"),
])
def test_unreadable_files_are_refused_with_a_message(data, filename):
    plan = read(data, filename)
    assert_refused(plan)
    assert len(plan.problems) == 1 and plan.problems[0]
    assert plan.outcomes == []


# ---- export ------------------------------------------------------------------------------------


ROWS = [
    PlanRow("Раздел 1. Числа", "Натуральные числа", 1, "lesson", "§1, № 3", date(2026, 9, 1)),
    PlanRow("Раздел 1. Числа", "=SUM(A1:A3)", 2, "test", "+повторить", date(2026, 9, 3)),
    PlanRow("", "@тема", 1, "laboratory", "-", None),
    PlanRow("Раздел 2", "Проект «Дроби»", 3, "project", "=1+1", date(2026, 9, 10)),
]


def test_the_export_reads_back_as_the_same_plan():
    data = plan_xlsx("Математика 5А: КТП", ROWS)
    plan = read(data, "export.xlsx", subjects=SUBJECTS, grade_level=5)
    assert plan.valid, (plan.problems, plan.outcomes)
    expected = [row if row.homework != "-" else PlanRow(row.section, row.topic, row.hours, row.kind) for row in ROWS]
    assert plan.items == expected  # a lone «-» in a cell means «nothing»
    assert plan.total_hours == 7


def test_the_export_sheet():
    sheet = openpyxl.load_workbook(io.BytesIO(plan_xlsx("Математика 5А: КТП", ROWS))).active
    assert sheet.title == sheet_title("Математика 5А: КТП")
    assert sheet["A1"].value == "Математика 5А: КТП"
    assert [cell.value for cell in sheet[2]] == [_("No."), _("Section"), _("Lesson topic"), _("Hours"),
                                                 _("Lesson kind"), _("Planned date"), _("Homework")]
    assert sheet["A2"].font.bold
    assert [sheet.cell(row, 1).value for row in range(3, 7)] == [1, "2–3", 4, "5–7"]
    assert sheet["C4"].value == "'=SUM(A1:A3)" and sheet["C4"].data_type == "s"  # text, never a formula
    assert sheet["F3"].value == datetime(2026, 9, 1) and sheet["F3"].number_format == "DD.MM.YYYY"
    assert sheet["E4"].value == _(LESSON_KINDS["test"])
    assert sheet["B5"].value == "—"  # no section after a section: a dash, not a blank that would inherit
    assert [sheet["C7"].value, sheet["D7"].value] == [_("Total"), 7] and sheet["C7"].font.bold


def test_the_export_without_planned_dates():
    data = plan_xlsx("План", ROWS[:1], planned_dates=False)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert _("Planned date") not in [cell.value for cell in sheet[2]]
    plan = read(data, "export.xlsx")
    assert plan.items == [PlanRow("Раздел 1. Числа", "Натуральные числа", 1, "lesson", "§1, № 3")]

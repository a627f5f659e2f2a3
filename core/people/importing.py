"""Reading the secretary's class lists and staff lists from an uploaded XLSX or CSV file.

Pure: bytes and a file name in, rows and problems out; nothing touches the database. The caller
shows the preview (each row and every problem with its row and column) and writes nothing unless
``ImportResult.ok``.

Accepted: ``.xlsx`` (first sheet; XML parsed by openpyxl through defusedxml) and ``.csv`` (UTF-8
with or without BOM, else Windows-1251; comma, semicolon or tab). Refused with a message: old
``.xls``, other types, empty or oversized files, formulas, text that a spreadsheet would run as a
formula, impossible dates, overlong values.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from core.i18n import N_, folded
from core.i18n import gettext as _

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_VALUE_LENGTH = 200
MAX_COLUMNS = 100
# A title line or two may sit above the header; further down it is not a list of people.
HEADER_SEARCH_ROWS = 10
# Blank rows are skipped, but a sheet of endless blank rows is still refused.
MAX_SHEET_ROWS = 10 * MAX_ROWS
# An XLSX is a zip: bound what it unpacks to, whatever its packed size (zip bombs).
MAX_UNPACKED_XLSX_BYTES = 50 * 1024 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class CellProblem:
    """One error shown to the secretary; file-level problems have row 0 and column ""."""

    row: int  # as the spreadsheet shows it: 1-based, the header is (usually) row 1
    column: str  # the column's header as written in the file
    message: str  # already translated


@dataclass
class ImportedRow:
    row: int
    values: dict[str, Any]  # every canonical field except full_name → str, date or None


@dataclass
class ImportResult:
    rows: list[ImportedRow] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → its header as written
    ignored_columns: list[str] = field(default_factory=list)  # headers we do not know, as written

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_by_row(self) -> dict[int, list[CellProblem]]:
        """For the preview: each row's problems (row 0 holds the file's own)."""
        grouped: dict[int, list[CellProblem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.row, []).append(problem)
        return grouped


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # English msgid; its Russian is the column title we suggest
    spellings: tuple[str, ...]  # headers accepted besides the label and the name itself
    kind: str = "text"  # text, name, full_name, date, birth_date, email, phone, snils
    max_length: int = MAX_VALUE_LENGTH  # as long as the column that will keep it


FIELDS: tuple[Field, ...] = (
    Field("last_name", N_("Last name"), ("Фамилия", "Surname"), "name", 100),
    Field("first_name", N_("First name"), ("Имя", "Name"), "name", 100),
    Field("middle_name", N_("Middle name"), ("Отчество", "Patronymic"), "name", 100),
    Field("full_name", N_("Full name"), ("ФИО", "Ф.И.О.", "Фамилия Имя Отчество", "Фамилия, имя, отчество"),
          "full_name"),
    Field("birth_date", N_("Date of birth"), ("Дата рождения", "Дата рожд.", "Birth date", "Birthday"), "birth_date"),
    Field("class_name", N_("Class"), ("Класс",), "text"),
    Field("admitted_on", N_("Admission date"), ("Дата зачисления", "Дата прибытия", "Зачислен", "Admitted on"), "date"),
    Field("order_number", N_("Order number"), ("Номер приказа", "Приказ №", "№ приказа", "Приказ"), "text", 40),
    Field("order_date", N_("Order date"), ("Дата приказа",), "date"),
    Field("email", N_("Email"), ("Эл. почта", "Электронная почта", "E-mail", "Почта"), "email"),
    Field("phone", N_("Phone"), ("Телефон", "Тел.", "Номер телефона", "Мобильный телефон"), "phone", 40),
    Field("snils", N_("SNILS"), ("СНИЛС", "Номер СНИЛС"), "snils"),
    Field("position", N_("Position"), ("Должность",), "text"),
    Field("guardian_full_name", N_("Parent"), ("Родитель", "ФИО родителя", "Законный представитель",
                                               "Родитель (законный представитель)", "ФИО законного представителя",
                                               "Guardian"), "full_name"),
    Field("guardian_kind", N_("Relation to the student"), ("Кем приходится", "Степень родства"), "text"),
    Field("guardian_phone", N_("Parent's phone"), ("Телефон родителя", "Телефон законного представителя",
                                                   "Guardian phone"), "phone", 40),
)
FIELDS_BY_NAME = {one.name: one for one in FIELDS}
NAME_PARTS = ("last_name", "first_name", "middle_name")


def header_key(text: str) -> str:
    """How headers are compared: case, ё/е, spaces and punctuation do not matter."""
    return re.sub(r"[\s.,№*:()_\-/]+", "", folded(text))


def _build_header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for one in FIELDS:
        for spelling in (one.name, one.label, *one.spellings):
            key = header_key(spelling)
            if index.setdefault(key, one.name) != one.name:
                raise ValueError(f"header {spelling!r} would mean both {index[key]} and {one.name}")
    return index


HEADER_INDEX = _build_header_index()


class Refused(Exception):
    """The file as a whole cannot be read; carries the translated message."""


# ---- entry point ---------------------------------------------------------------------------------


def read_table(data: bytes, filename: str, *, required: Iterable[str] = ("last_name", "first_name"),
               today: date | None = None) -> ImportResult:
    """Rows and problems of an uploaded list. ``today`` is for the birth-date checks (tests pin it)."""
    required = tuple(required)
    unknown = [name for name in required if name not in FIELDS_BY_NAME]
    if unknown:
        raise ValueError(f"unknown required fields: {unknown}")
    try:
        cells = _open(data, filename)
        try:
            return _Reader(required, today or date.today()).read(cells)
        finally:
            cells.close()  # the reader may stop early; this closes the workbook
    except Refused as refusal:
        return ImportResult(problems=[CellProblem(0, "", str(refusal))])


def _open(data: bytes, filename: str) -> Generator[Sequence[Any], None, None]:
    """The file's rows of raw cell values, whatever its format."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused(_("The file is larger than %(limit)s MB: split the list into several files.",
                        limit=MAX_FILE_BYTES // (1024 * 1024)))
    if not data.strip():
        raise Refused(_("The file is empty."))
    extension = filename.rpartition(".")[2].casefold() if "." in filename else ""
    if data.startswith(OLE2_MAGIC) and extension == "xlsx":
        # Excel keeps a password-protected .xlsx in the old container format.
        raise Refused(_("The workbook is password-protected or is an old .xls file renamed: "
                        "save it without a password as .xlsx (Excel 2007 or newer)."))
    if data.startswith(OLE2_MAGIC) or extension == "xls":
        raise Refused(_("Old Excel files (.xls) are not accepted: save the list as .xlsx (Excel 2007 or newer) or .csv."))
    if extension == "xlsx":
        return _xlsx_rows(data)
    if extension == "csv" and not data.startswith(ZIP_MAGIC):
        return _csv_rows(data)
    raise Refused(_("Only .xlsx and .csv files are accepted: save the list in one of these formats."))


def open_rows(data: bytes, filename: str) -> Generator[Sequence[Any], None, None]:
    """For other importers: an upload's rows of raw cell values (formulas as "=..."), with the same
    checks; raises ``Refused``, also while iterating. Close the generator when stopping early."""
    return _open(data, filename)


# ---- XLSX ----------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> Generator[Sequence[Any], None, None]:
    _check_xlsx_package(data)
    import openpyxl  # only an XLSX upload pays for importing it

    if not openpyxl.DEFUSEDXML:
        # Without defusedxml openpyxl would parse entity tricks in uploaded XML; refuse instead.
        raise Refused(_("XLSX files cannot be read safely on this server: save the list as .csv."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl, zipfile and defusedxml each raise their own kinds
        raise _unreadable_workbook()
    return _sheet_rows(workbook)


def _unreadable_workbook() -> Refused:
    return Refused(_("The file could not be read as an XLSX workbook: open it in Excel and save it again."))


def _check_xlsx_package(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
    except zipfile.BadZipFile:
        raise _unreadable_workbook()
    if "[Content_Types].xml" not in {entry.filename for entry in entries}:
        raise _unreadable_workbook()
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_XLSX_BYTES:
        raise Refused(_("The workbook is too large: keep only the list on its first sheet."))


def _sheet_rows(workbook: Any) -> Generator[Sequence[Any], None, None]:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    try:
        if not workbook.worksheets:
            raise Refused(_("The file is empty."))
        rows = workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
        while True:
            try:
                row = next(rows, None)
            except Exception:  # damaged sheet XML, or XML that defusedxml forbids
                raise _unreadable_workbook()
            if row is None:
                return
            # Array and table formulas come as objects: make them look like any other formula.
            yield tuple("=" if isinstance(cell, (ArrayFormula, DataTableFormula)) else cell for cell in row)
    finally:
        workbook.close()


# ---- CSV -----------------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Generator[Sequence[Any], None, None]:
    text = _decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error:
        raise Refused(_("The CSV file is damaged near row %(row)s: check its quotes.", row=reader.line_num))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Any byte decodes as *something* in cp1251; control characters betray a binary file.
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
            return text
    raise Refused(_("The file's text is neither UTF-8 nor Windows-1251: save the list as CSV in one of these encodings."))


def _delimiter(text: str) -> str:
    """The separator that splits the first non-blank line into the most cells (ties: ; , tab)."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")

    def cells(candidate: str) -> int:
        return len(next(csv.reader([first_line], delimiter=candidate), []))

    return max((";", ",", "\t"), key=cells)


# ---- from raw rows to values ---------------------------------------------------------------------


@dataclass
class _Column:
    index: int
    field: str
    header: str


class _Reader:
    def __init__(self, required: tuple[str, ...], today: date) -> None:
        self.required = required
        self.today = today
        self.result = ImportResult()

    def read(self, raw_rows: Iterator[Sequence[Any]]) -> ImportResult:
        rows = enumerate(raw_rows, start=1)
        columns = self._find_header(rows)
        if columns is None or self.result.problems:
            return self.result
        for number, cells in rows:
            if number > MAX_SHEET_ROWS:
                return _too_many_rows()
            if _is_blank(cells, columns):
                continue
            if len(self.result.rows) == MAX_ROWS:
                return _too_many_rows()
            self.result.rows.append(self._read_row(number, cells, columns))
        if not self.result.rows:
            self._file_problem(_("The file has a header but no rows below it."))
        return self.result

    # -- header

    def _find_header(self, rows: Iterator[tuple[int, Sequence[Any]]]) -> list[_Column] | None:
        for number, cells in rows:
            headers = [_header_text(cell) for cell in cells]
            if any(header_key(header) in HEADER_INDEX for header in headers if header):
                return self._columns_of(headers)
            if number >= HEADER_SEARCH_ROWS:
                break
        self._file_problem(_("No header row found: the first row must name the columns, "
                             "e.g. Last name, First name, Middle name, Date of birth."))
        return None

    def _columns_of(self, headers: list[str]) -> list[_Column]:
        columns: list[_Column] = []
        for index, header in enumerate(headers):
            name = HEADER_INDEX.get(header_key(header)) if header else None
            if name is None:
                if header:
                    self.result.ignored_columns.append(header)
                continue
            if name in self.result.columns:
                self._file_problem(_("The column %(column)s appears twice.", column=header))
                continue
            self.result.columns[name] = header
            columns.append(_Column(index, name, header))
        self._check_required_columns()
        return columns

    def _check_required_columns(self) -> None:
        present = set(self.result.columns)
        if "full_name" in present:
            present |= {"last_name", "first_name", "middle_name"}
        names_missing = {"last_name", "first_name"} & set(self.required) - present
        if names_missing:
            self._file_problem(_("The file has no name columns: add Last name and First name, or one Full name column."))
        for name in self.required:
            if name not in present and name not in names_missing:
                self._file_problem(_("The file has no column %(column)s.",
                                     column=_(FIELDS_BY_NAME[name].label)))

    # -- rows

    def _read_row(self, number: int, cells: Sequence[Any], columns: list[_Column]) -> ImportedRow:
        values: dict[str, Any] = {one.name: None for one in FIELDS if one.name != "full_name"}
        failed: set[str] = set()
        for column in columns:
            raw = cells[column.index] if column.index < len(cells) else None
            try:
                values[column.field] = self._value(column.field, raw)
            except ValueError as problem:
                failed.add(column.field)
                self._problem(number, column.header, str(problem))
        self._split_full_name(number, values, failed)
        self._check_required_values(number, values, failed)
        return ImportedRow(number, values)

    def _value(self, name: str, raw: Any) -> Any:
        kind, max_length = FIELDS_BY_NAME[name].kind, FIELDS_BY_NAME[name].max_length
        if kind in ("date", "birth_date"):
            value = _date_value(raw)
            if kind == "birth_date" and value is not None:
                _check_birth_date(value, self.today)
            return value
        text = _text_value(raw, max_length)
        if text is None:
            return None
        return PARSERS[kind](text)

    def _split_full_name(self, number: int, values: dict[str, Any], failed: set[str]) -> None:
        """A full name fills the name parts that have no column of their own (or are empty)."""
        full_name = values.pop("full_name", None)
        if full_name is None:
            return
        parts = split_full_name(full_name)
        if parts is None:
            failed.add("full_name")
            self._problem(number, self.result.columns["full_name"], _("Enter at least the last name and the first name."))
            return
        for name, part in zip(NAME_PARTS, parts):
            if values[name] is None:
                values[name] = part

    def _check_required_values(self, number: int, values: dict[str, Any], failed: set[str]) -> None:
        for name in self.required:
            if values.get(name) is not None or name in failed or "full_name" in failed and name in NAME_PARTS:
                continue
            header = self.result.columns.get(name) or self.result.columns.get("full_name", "")
            self._problem(number, header, _("This field is required."))

    # -- problems

    def _problem(self, row: int, column: str, message: str) -> None:
        self.result.problems.append(CellProblem(row, column, message))

    def _file_problem(self, message: str) -> None:
        self._problem(0, "", message)


def _too_many_rows() -> ImportResult:
    message = _("The file has more than %(limit)s rows: split the list into several files.", limit=MAX_ROWS)
    return ImportResult(problems=[CellProblem(0, "", message)])


def _header_text(cell: Any) -> str:
    return " ".join(str(cell).split()) if cell is not None else ""


def _is_blank(cells: Sequence[Any], columns: list[_Column]) -> bool:
    """Only the columns we read count: a lone running number (№ п/п) is still a blank row."""
    for column in columns:
        cell = cells[column.index] if column.index < len(cells) else None
        if cell is not None and str(cell).strip():
            return False
    return True


# ---- cell values ---------------------------------------------------------------------------------

# A leading + - = @ makes a spreadsheet run the cell as a formula; a phone number is the exception.
FORMULA_START = ("=", "+", "-", "@")
PHONE_LIKE = re.compile(r"\+[\d\s()\-]*\d[\d\s()\-]*")
DASHES = {"-", "–", "—"}  # a lone dash in a list means "none"


def _text_value(raw: Any, max_length: int = MAX_VALUE_LENGTH) -> str | None:
    """A cell as trimmed text, refusing formulas, control characters and overlong values."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw.startswith("="):  # how openpyxl gives a formula (data_only=False)
        raise ValueError(_("Formulas are not accepted: enter the value itself."))
    text = _plain_text(raw).strip()
    if not text or text in DASHES:
        return None
    if text.startswith(FORMULA_START) and not PHONE_LIKE.fullmatch(text):
        raise ValueError(_("Formulas are not accepted: enter the value itself."))
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise ValueError(_("Line breaks and tabs are not accepted inside a cell."))
    if len(text) > max_length:
        raise ValueError(_("The value is longer than %(limit)s characters.", limit=max_length))
    return text


def _plain_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # a phone or an order number typed as a number
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return raw.strftime("%d.%m.%Y")  # Excel turned "5.1" or an order number into a date
    return str(raw)


DATE_PATTERNS = (
    re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})(?:\s*г\.?)?"),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),
)


def _date_value(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()  # a real date cell of a workbook
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float, time, timedelta)):
        raise ValueError(_("Enter the date as DD.MM.YYYY, e.g. 01.09.2026."))
    text = _text_value(raw)
    return parse_date(text) if text is not None else None


def parse_date(text: str) -> date:
    """дд.мм.гггг (also д.м.гггг, with "г." after it) or гггг-мм-дд; ValueError with a message."""
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match["year"]), int(match["month"]), int(match["day"]))
            except ValueError:
                raise ValueError(_("There is no such date."))
    raise ValueError(_("Enter the date as DD.MM.YYYY, e.g. 01.09.2026."))


def _check_birth_date(value: date, today: date) -> None:
    if value > today:
        raise ValueError(_("The date of birth is in the future."))
    if value < _years_before(today, 100):
        raise ValueError(_("The date of birth is more than 100 years ago."))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


NAME_PUNCTUATION = frozenset(" -'’.")


def normalise_name(text: str) -> str:
    """One name part: spaces collapsed; title case only for a value typed in one case."""
    return _fix_case(_clean_name(text))


def normalise_full_name(text: str) -> str:
    """Cased part by part, so that "ИВАНОВ Иван" and "Ильхам оглы" both come out right."""
    cleaned = _clean_name(text)
    parts = split_full_name(cleaned)
    if parts is None:
        return _fix_case(cleaned)
    return " ".join(_fix_case(part) for part in parts if part)


def split_full_name(full_name: str) -> tuple[str, str, str | None] | None:
    """Last, first and middle name; everything after the second word is the middle name
    ("Мамедов Рашид Ильхам оглы"). None when there are fewer than two words."""
    words = full_name.split()
    if len(words) < 2:
        return None
    return words[0], words[1], " ".join(words[2:]) or None


def _clean_name(text: str) -> str:
    text = re.sub(r"\s*-\s*", "-", " ".join(text.split()))  # "Петрова - Водкина" is one surname
    if not text[0].isalpha() or not all(char.isalpha() or char in NAME_PUNCTUATION for char in text):
        raise ValueError(_("A name may contain only letters, spaces, hyphens and apostrophes."))
    return text


def _fix_case(text: str) -> str:
    return text.title() if text in (text.upper(), text.lower()) else text


def _plain(text: str) -> str:
    return " ".join(text.split())


def _email(text: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", text):
        raise ValueError(_("This does not look like an email address."))
    return text


def _phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if not re.fullmatch(r"[\d\s()+\-]+", text) or not 10 <= len(digits) <= 15:
        raise ValueError(_("This does not look like a phone number."))
    return _plain(text)


def _snils(text: str) -> str:
    """Kept as 123-456-789 01; the check digits catch a mistyped number."""
    digits = re.sub(r"[\s\-]", "", text)
    if not re.fullmatch(r"\d{11}", digits):
        raise ValueError(_("A SNILS number has 11 digits, e.g. 112-233-445 95."))
    if not snils_checksum_ok(digits):
        raise ValueError(_("The SNILS number has a typo: its check digits do not match."))
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def snils_checksum_ok(digits: str) -> bool:
    """The Pension Fund's rule; numbers up to 001-001-998 were issued before it and are not checked."""
    if int(digits[:9]) <= 1001998:
        return True
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(9, 0, -1)))
    expected = total % 101 % 100
    return int(digits[9:]) == expected


PARSERS = {"text": _plain, "name": normalise_name, "full_name": normalise_full_name,
           "email": _email, "phone": _phone, "snils": _snils}

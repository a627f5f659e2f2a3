"""Reading a teacher's calendar-thematic plan (КТП) from an uploaded XLSX or CSV, and writing one.

Pure: bytes in, results out; nothing touches the database. The caller shows every row's outcome
and imports nothing unless ``PlanFile.valid``.

Files come in many shapes: title rows above the header, a two-row header («Дата» over «план» and
«факт»), sections as rows merged across the table («Раздел 1. Натуральные числа (20 ч)») or as a
column, two-hour items numbered «5–6», totals at the bottom. Opening the file (encodings, old
.xls, zip bombs, defusedxml) is shared with the people import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from core.i18n import N_, folded
from core.i18n import gettext as _
from core.people.importing import Refused, open_rows
from core.people.spreadsheets import cell_value, sheet_title
from plugins.journal.plan_kinds import LESSON_KINDS, kind_from_text, kind_from_topic

MAX_ITEMS = 400
TOPIC_LIMIT = 500
SECTION_LIMIT = 300
HOMEWORK_LIMIT = 1000
MAX_ITEM_HOURS = 20

# Title rows (school, subject, teacher ...) may sit above the header.
HEADER_SEARCH_ROWS = 12
MAX_SHEET_ROWS = 50_000  # blank rows included: a sheet of endless blank rows is still refused
MAX_FILLED_ROWS = 4 * MAX_ITEMS  # items, sections, totals and notes together

# Columns whose cells are values, never a section title or a total label.
VALUE_FIELDS = ("hours", "planned_on", "actual_on", "homework", "kind")
DASHES = {"-", "–", "—"}


@dataclass(frozen=True)
class PlanRow:
    """One item of a plan, as imported or exported."""

    section: str  # раздел ("" when none)
    topic: str
    hours: int  # whole lessons, 1..MAX_ITEM_HOURS
    kind: str  # a LESSON_KINDS code
    homework: str = ""
    planned_on: date | None = None


@dataclass(frozen=True)
class RowOutcome:
    row: int  # the file's row number, 1-based as a spreadsheet shows it
    status: str  # "item" | "section" | "skipped" | "error"
    message: str  # translated: what was understood, or every problem of the row joined by "; "
    item: PlanRow | None = None


@dataclass
class PlanFile:
    outcomes: list[RowOutcome] = field(default_factory=list)  # every non-blank row after the header
    items: list[PlanRow] = field(default_factory=list)  # in file order; empty when not valid
    problems: list[str] = field(default_factory=list)  # the file's own problems, translated
    unknown_columns: list[str] = field(default_factory=list)  # headers not understood, as written
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written
    total_hours: int = 0  # of the rows read as items

    @property
    def valid(self) -> bool:
        return not self.problems and bool(self.items) and all(one.status != "error" for one in self.outcomes)


# ---- headers -------------------------------------------------------------------------------------

SECTION_WORDS = ("раздел", "модул", "глав", "блок", "section", "unit", "chapter", "module")
TOPIC_WORDS = ("тем", "урок", "заняти", "topic", "lesson")
KIND_QUALIFIERS = ("урок", "заняти", "контрол", "провед", "работ")
HOUR_WORDS = {"ч", "час", "часа", "часов", "часы", "hours", "hour", "h"}


def _words(text: str) -> list[str]:
    return re.findall(r"[№#]|[^\W_]+", folded(text))


def field_of_header(text: str) -> str | None:
    """The field a header names; its first words decide, further words are qualifiers."""
    words = _words(text)
    if not words or len(words) > 8:
        return None
    first, rest = words[0], words[1:]
    if first in ("№", "#", "n", "no", "nn", "number") or first.startswith("номер") or words == ["п", "п"]:
        return "number"
    dated = first.startswith(("дат", "срок"))
    if first.startswith("факт") or "actual" in words or dated and _has(rest, "факт"):
        return "actual_on"
    if dated or first in ("план", "плановая", "planned", "date") or words[:2] == ["по", "плану"]:
        return "planned_on"
    if words[:2] == ["д", "з"] or first in ("дз", "homework") or first.startswith("домашн"):
        return "homework"
    if first in ("тип", "вид", "виды", "форма", "формы") and (not rest or rest[0].startswith(KIND_QUALIFIERS)):
        return "kind"  # but not «Виды деятельности»
    if first in ("контроль", "kind", "type") or "kind" in words:
        return "kind"
    if first in HOUR_WORDS or words[:2] == ["кол", "во"] or first.startswith(("колич", "числ", "всего")) and (
            any(word in HOUR_WORDS or word.startswith("урок") for word in rest)):
        return "hours"
    if first.startswith(SECTION_WORDS):
        return "section"
    if first in ("тема", "темы", "тем") or first.startswith(("наименован", "название", "содержан")):
        # «Тема раздела» is a section; «Наименование разделов и тем» holds both, topics mostly.
        if _has(rest, *SECTION_WORDS) and not _has(rest, *TOPIC_WORDS):
            return "section"
        return "topic"
    if "topic" in words:
        return "topic"
    return None


def _has(words: Sequence[str], *stems: str) -> bool:
    return any(word.startswith(stems) for word in words)


# The words of a second header row: «план»/«факт» under «Дата», «всего»/«к/р» under hours.
SUBHEADER_STEMS = ("план", "факт", "дат", "всего", "теори", "практ", "контр", "лаборат", "работ", "plan", "actual")


def _is_subheader(cells: Sequence[Any], header: Sequence[Any]) -> bool:
    """A second header row: qualifiers only, two of them or one under a merged top cell (a lone
    «Практикум» under «№» is a section)."""
    filled = [position for position, cell in enumerate(cells) if not _blank(cell)]
    under_merged = any(position >= len(header) or _blank(header[position]) for position in filled)
    return (len(filled) >= 2 or under_merged) and all(
        isinstance(cells[position], str) and all(word.startswith(SUBHEADER_STEMS) or len(word) <= 2
                                                 for word in _words(cells[position])) for position in filled)


@dataclass
class _Layout:
    index: dict[str, int] = field(default_factory=dict)  # field → cell index
    headers: dict[str, str] = field(default_factory=dict)  # field → header as written
    unknown: list[str] = field(default_factory=list)

    def add(self, position: int, header: str) -> None:
        name = field_of_header(header)
        if name == "planned_on" and name in self.index and "actual_on" not in self.index:
            name = "actual_on"  # «Дата» twice: the plan's, then the real one
        if name is None or name in self.index:
            self.unknown.append(header)
            return
        self.index[name] = position
        self.headers[name] = header


def _layout(header: Sequence[Any], below: Sequence[Any] | None) -> _Layout:
    """Columns of a header row, joined with a second header row («Дата» over «план», «факт»)."""
    layout = _Layout()
    top = ""
    for position in range(max(len(header), len(below or ()))):
        own = _header_text(header[position] if position < len(header) else None)
        sub = _header_text(below[position] if below and position < len(below) else None)
        top = own or (top if sub else "")  # a merged top cell is blank over its later columns
        text = f"{top} ({sub})" if top and sub else top or sub
        if text:
            layout.add(position, text)
    return layout


def _header_text(cell: Any) -> str:
    return " ".join(str(cell).split()) if not _blank(cell) else ""


def _recognised(cells: Sequence[Any]) -> set[str]:
    return {name for cell in cells if isinstance(cell, str) and (name := field_of_header(cell))}


def _header_position(rows: list[tuple[int, tuple[Any, ...]]]) -> int | None:
    """The header: the first early row naming two columns, else one naming the topic."""
    early = [position for position, (number, _cells) in enumerate(rows) if number <= HEADER_SEARCH_ROWS]
    for position in early:
        if len(_recognised(rows[position][1])) >= 2:
            return position
    return next((position for position in early if "topic" in _recognised(rows[position][1])), None)


# ---- cell values ---------------------------------------------------------------------------------


def _blank(cell: Any) -> bool:
    return cell is None or isinstance(cell, str) and not cell.strip()


def _has_letters(cell: Any) -> bool:
    return isinstance(cell, str) and re.search(r"[^\W\d_]", cell) is not None


def _text(cell: Any, limit: int = TOPIC_LIMIT) -> str:
    """A cell as one line of text ("" when blank or a dash); refuses formulas and overlong text."""
    if _blank(cell):
        return ""
    if isinstance(cell, str):
        if cell.startswith("="):  # how openpyxl (data_only=False) and a CSV give a formula
            raise ValueError(_("Formulas are not accepted: enter the value itself."))
        if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@"):
            cell = cell[1:]  # neutralised by a spreadsheet export, ours included
    elif isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    elif isinstance(cell, date):
        cell = cell.strftime("%d.%m.%Y")
    text = " ".join(str(cell).split())
    if text in DASHES:
        return ""
    if len(text) > limit:
        raise ValueError(_("The value is longer than %(limit)s characters.", limit=limit))
    return text


def _section_text(cell: Any) -> str:
    return _text(cell, SECTION_LIMIT)


def _homework(cell: Any) -> str:
    return _text(cell, HOMEWORK_LIMIT)


def _hours_problem() -> ValueError:
    return ValueError(_("Hours must be a whole number of lessons from 1 to %(limit)s.", limit=MAX_ITEM_HOURS))


HOURS = re.compile(r"(\d{1,3})(?:[.,]0+)?\s*(?:ч|час|часа|часов)?\.?")


def _hours(cell: Any) -> int | None:
    """«2», 2, 2.0, «2 ч», «2ч.»; None when blank."""
    if _blank(cell):
        return None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and float(cell).is_integer():
        hours = int(cell)
    elif isinstance(cell, str) and (match := HOURS.fullmatch(folded(cell).strip())):
        hours = int(match[1])
    else:
        raise _hours_problem()
    if not 1 <= hours <= MAX_ITEM_HOURS:
        raise _hours_problem()
    return hours


LESSON_NUMBERS = re.compile(r"(\d{1,4})\.?(?:\s*[-–—]\s*(\d{1,4})\.?)?")


def _lesson_numbers(cell: Any) -> tuple[int, int] | None:
    """«5», 5 or «5–6»: the first and last lesson; None when blank."""
    if _blank(cell):
        return None
    first = last = 0
    if isinstance(cell, date):
        if cell.month == cell.day + 1:  # Excel turns a typed «5-6» into the 5th of June
            first, last = cell.day, cell.month
    elif isinstance(cell, (int, float)) and not isinstance(cell, bool) and float(cell).is_integer():
        first = last = int(cell)
    elif isinstance(cell, str) and (match := LESSON_NUMBERS.fullmatch(cell.strip())):
        first, last = int(match[1]), int(match[2] or match[1])
    if not 1 <= first <= last or last - first >= MAX_ITEM_HOURS:
        raise ValueError(_("Write the lesson number as a whole number or a range such as 5–6."))
    return first, last


def _hours_like(cell: Any) -> bool:
    """Blank or a count of hours, however large (a section's «20 ч», «34»)."""
    return _blank(cell) or isinstance(cell, (int, float)) or isinstance(cell, str) and bool(
        re.fullmatch(r"\(?\d+([.,]\d+)?\s*(ч|час\w*)?\.?\)?", folded(cell).strip()))


def _is_numbered(cell: Any) -> bool:
    """Whether a number cell tries to be a number (text such as «Итого» or a section title is not)."""
    return not _blank(cell) and not _has_letters(cell)


# «01.09.2026», «1.09.26», «01.09», «1-2.09», «01.09, 03.09»: the first date counts.
DATE_START = re.compile(r"(\d{1,2})(?:\s*[-–,]\s*\d{1,2})?\.(\d{1,2})(?:\.(\d{4}|\d{2})(?!\d))?")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _planned_on(cell: Any) -> date | None:
    """None when blank or without a year (the journal cannot guess which)."""
    if _blank(cell):
        return None
    if isinstance(cell, date):
        return cell.date() if isinstance(cell, datetime) else cell
    text = cell.strip() if isinstance(cell, str) else ""
    if iso := ISO_DATE.match(text):
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    elif found := DATE_START.match(text):
        day, month = int(found[1]), int(found[2])
        year = int(found[3]) if found[3] else None
    else:
        raise ValueError(_("Enter the date as DD.MM.YYYY, e.g. 01.09.2026."))
    if year is not None and year < 100:
        year += 2000
    try:
        planned = date(year or 2000, month, day)  # 2000 is a leap year: 29.02 without a year passes
    except ValueError:
        raise ValueError(_("There is no such date."))
    return planned if year is not None else None


def _kind_labels() -> str:
    return ", ".join(_(label) for label in LESSON_KINDS.values())


def _kind(cell: Any, topic: str) -> str:
    text = _text(cell)
    if not text:
        return kind_from_topic(topic)
    key = folded(text).rstrip(".")
    for code, label in LESSON_KINDS.items():
        if key == folded(_(label)):  # our own export writes the translated label
            return code
    code = kind_from_text(text)
    if code is None:
        raise ValueError(_("Unknown lesson kind «%(text)s»: write one of %(kinds)s.", text=text, kinds=_kind_labels()))
    return code


# ---- title rows: another subject, another grade --------------------------------------------------


def _stems(name: str) -> list[str]:
    """Word stems of a subject name: «Русский язык» → русск, язык; short words (ОБЖ) stay whole."""
    return [word[:5] for word in re.findall(r"[^\W\d_]+", folded(name)) if len(word) >= 3]


def _names(title_words: Sequence[str], subject: str) -> bool:
    stems = _stems(subject)
    return bool(stems) and all(
        any(word == stem if len(stem) < 4 else word.startswith(stem) for word in title_words) for stem in stems)


def _other_subject(title: str, subject: str, subjects: Sequence[str]) -> str | None:
    words = re.findall(r"[^\W\d_]+", folded(title))
    if _names(words, subject):
        return None
    named = [one for one in subjects if folded(one) != folded(subject) and _names(words, one)]
    return max(named, key=lambda one: len(_stems(one)), default=None)  # the most specific name


# «7 класс», «7-х классов», «7 «А» класс», «7 кл.»; not a range («5–9 классы»).
GRADE_BEFORE = re.compile(r"(?<![\d\-–])(\d{1,2})(?!\s*[-–]\s*\d)"
                          r"\s*(?:-?\s*[а-я]{1,3}\b\.?|[«\"“][а-я][»\"”])?\s*(?:класс|кл\b)")
GRADE_AFTER = re.compile(r"класс\w*\s*[:\-–—]?\s*(\d{1,2})(?!\d|\s*[-–]\s*\d)")


def _grades(title: str) -> set[int]:
    """Grade levels a title names («7 класс», «7 кл.», «для 7-х классов», «класс: 7А»); ranges do not count."""
    text = folded(title)
    found = {int(match[1]) for pattern in (GRADE_BEFORE, GRADE_AFTER) for match in pattern.finditer(text)}
    return {grade for grade in found if 1 <= grade <= 11}


# ---- reading -------------------------------------------------------------------------------------


def read_plan(data: bytes, filename: str, *, subject: str, subjects: Sequence[str] = (),
              grade_level: int | None = None) -> PlanFile:
    """Every row's outcome and the plan's items; never raises for a bad file."""
    try:
        rows = _filled_rows(data, filename)
    except Refused as refusal:
        return PlanFile(problems=[str(refusal)])
    position = _header_position(rows)
    if position is None:
        return PlanFile(problems=[_no_topic_column()])
    title = " ".join(_header_text(cell) for _number, cells in rows[:position] for cell in cells)
    plan = _PlanReader(rows, position).read()
    plan.problems[:0] = _title_problems(title, subject, subjects, grade_level)
    if not plan.valid:
        plan.items = []
    return plan


def _no_topic_column() -> str:
    return _("The file has no column for the lesson topic: add one headed «%(header)s».", header=_("Lesson topic"))


def _too_many() -> Refused:
    return Refused(_("The plan has more than %(limit)s topics: split it into several files.", limit=MAX_ITEMS))


def _filled_rows(data: bytes, filename: str) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, cells without trailing blanks) of every non-blank row."""
    filled: list[tuple[int, tuple[Any, ...]]] = []
    rows = open_rows(data, filename)
    try:
        for number, cells in enumerate(rows, start=1):
            cells = tuple(cells)
            while cells and _blank(cells[-1]):
                cells = cells[:-1]
            if cells:
                filled.append((number, cells))
            if number > MAX_SHEET_ROWS or len(filled) > MAX_FILLED_ROWS:
                raise _too_many()
    finally:
        rows.close()  # closes the workbook when we stop early
    return filled


def _title_problems(title: str, subject: str, subjects: Sequence[str], grade_level: int | None) -> list[str]:
    problems = []
    other = _other_subject(title, subject, subjects)
    if other:
        problems.append(_("The file is a plan for the subject «%(found)s», but this plan is for «%(subject)s».",
                          found=other, subject=subject))
    grades = _grades(title)
    if grade_level is not None and grades and grade_level not in grades:
        problems.append(_("The file is a plan for grade %(found)s, but this plan is for grade %(grade)s.",
                          found=min(grades), grade=grade_level))
    return problems


SECTION_HINT = re.compile(r"^(раздел|модул|глава|блок|тема\s*№?\s*\d|часть\s*\d)|\(\s*\d+\s*ч")
ROMAN = re.compile(r"\s*[ivxх]+\.?\s*")  # a section's number; Cyrillic х typed for X too
TOTAL = re.compile(r"^(итого|всего|резерв|резервн\w*|total)\b")  # not «Итоговая контрольная работа»


class _PlanReader:
    def __init__(self, rows: list[tuple[int, tuple[Any, ...]]], header: int) -> None:
        below = rows[header + 1] if header + 1 < len(rows) else None
        two_rows = below is not None and below[0] == rows[header][0] + 1 and _is_subheader(below[1], rows[header][1])
        self.layout = _layout(rows[header][1], below[1] if two_rows else None)
        self.body = rows[header + (2 if two_rows else 1):]
        self.plan = PlanFile(unknown_columns=self.layout.unknown, columns=dict(self.layout.headers))
        # Without numbers, a lone text in the topic column is an item unless it looks like a section.
        self.numbered = any(_is_numbered(self._cell(cells, "number")) for _number, cells in self.body)
        self.section = ""
        self.lessons: dict[int, int] = {}  # lesson number → the row that has it
        self.items: list[PlanRow] = []

    def read(self) -> PlanFile:
        if "topic" not in self.layout.index:
            self.plan.problems.append(_no_topic_column())
            return self.plan
        body = self.body
        if body and _is_column_numbering(body[0][1]):
            body = body[1:]
        for number, cells in body:
            self.plan.outcomes.append(self._outcome(number, cells))
        self.plan.items = self.items
        self.plan.total_hours = sum(item.hours for item in self.items)
        if len(self.items) > MAX_ITEMS:
            self.plan.problems.append(str(_too_many()))
        elif not self.items and not self.plan.problems and all(one.status != "error" for one in self.plan.outcomes):
            self.plan.problems.append(_("The file has no lessons under its header."))
        return self.plan

    def _cell(self, cells: Sequence[Any], name: str) -> Any:
        position = self.layout.index.get(name)
        return cells[position] if position is not None and position < len(cells) else None

    def _outcome(self, number: int, cells: tuple[Any, ...]) -> RowOutcome:
        numbered = _is_numbered(self._cell(cells, "number"))
        label = self._label(cells)
        if not numbered and TOTAL.match(folded(label)):
            return RowOutcome(number, "skipped", _("A total or reserve row: not imported."))
        if not numbered and (section := self._section_title(cells)) is not None:
            return self._section_row(number, *section)
        used = {position for name, position in self.layout.index.items() if name != "actual_on"}
        if not any(not _blank(cell) for position, cell in enumerate(cells) if position in used):
            return RowOutcome(number, "skipped", _("Only columns that are not imported are filled in."))
        return self._item_row(number, cells)

    def _label(self, cells: Sequence[Any]) -> str:
        """The row's first text outside the value columns (where a section title or «Итого» sits)."""
        values = {self.layout.index[name] for name in VALUE_FIELDS if name in self.layout.index}
        return next((str(cell).strip() for position, cell in enumerate(cells)
                     if position not in values and _has_letters(cell)), "")

    def _section_title(self, cells: Sequence[Any]) -> tuple[str, Any] | None:
        """A section row's (Roman number, title cell): its only text besides the hours («Раздел 1 … | 20»)."""
        index = self.layout.index
        filled = [position for position, cell in enumerate(cells)
                  if not _blank(cell) and position != index.get("hours")]
        roman = ""
        if len(filled) == 2 and filled[0] == index.get("number") and ROMAN.fullmatch(folded(str(cells[filled[0]]))):
            roman = str(cells[filled.pop(0)]).strip().rstrip(".") + "."  # «II | Дроби | 12»
        if len(filled) != 1 or not _has_letters(cells[filled[0]]) or not _hours_like(self._cell(cells, "hours")):
            return None
        position = filled[0]
        # Merged across the row, its text sits left of the topic (or in it); a lone note further right is no section.
        if position > index["topic"] and position != index.get("section"):
            return None
        if position == index["topic"] and not (self.numbered or roman or SECTION_HINT.search(folded(cells[position]))):
            return None
        return roman, cells[position]

    def _section_row(self, number: int, roman: str, cell: Any) -> RowOutcome:
        try:
            text = _section_text(cell)
        except ValueError as problem:
            return RowOutcome(number, "error", self._column_problem("section", str(problem)))
        self.section = f"{roman} {text}" if roman else text
        return RowOutcome(number, "section", _("Section: %(section)s", section=self.section))

    def _column_problem(self, name: str, problem: str) -> str:
        header = self.layout.headers.get(name)
        return _("%(column)s: %(problem)s", column=header, problem=problem) if header else problem

    def _item_row(self, number: int, cells: Sequence[Any]) -> RowOutcome:
        problems: list[str] = []
        failed: set[str] = set()

        def value(name: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
            cell = self._cell(cells, name)
            try:
                if isinstance(cell, str) and cell.startswith("="):
                    raise ValueError(_("Formulas are not accepted: enter the value itself."))
                return parse(cell)
            except ValueError as problem:
                failed.add(name)
                problems.append(self._column_problem(name, str(problem)))
                return default

        topic = value("topic", _text, "")
        if not topic and "topic" not in failed:
            problems.append(_("The lesson topic is missing."))
        section = value("section", self._item_section, self.section)
        hours = self._item_hours(number, value("number", _lesson_numbers), value("hours", _hours), problems)
        kind = value("kind", lambda cell: _kind(cell, topic))
        homework = value("homework", _homework, "")
        planned_on = value("planned_on", _planned_on)
        if problems:
            return RowOutcome(number, "error", "; ".join(problems))
        item = PlanRow(section, topic, hours, kind, homework, planned_on)
        self.items.append(item)
        return RowOutcome(number, "item", _item_message(item), item)

    def _item_section(self, cell: Any) -> str:
        """The section column's text; a blank cell (a merged one reads blank) keeps the last section."""
        text = _section_text(cell)
        if text or isinstance(cell, str) and cell.strip() in DASHES:  # a dash: no section from here on
            self.section = text
        return self.section

    def _item_hours(self, number: int, lessons: tuple[int, int] | None, hours: int | None,
                    problems: list[str]) -> int:
        """The hours, from the hours column or the lesson range («5–6»); also finds duplicate numbers."""
        if lessons is None:
            return hours or 1
        first, last = lessons
        for lesson in range(first, last + 1):
            earlier = self.lessons.setdefault(lesson, number)
            if earlier != number:
                problems.append(self._column_problem("number", _("Lesson %(number)s is already in row %(row)s.",
                                                                 number=lesson, row=earlier)))
                break
        if first == last:  # a single number may count topics rather than lessons: the hours decide
            return hours or 1
        count = last - first + 1
        if hours is not None and hours != count:
            problems.append(self._column_problem("hours", _(
                "Lessons %(first)s–%(last)s are %(count)s lessons, but the hours say %(hours)s.",
                first=first, last=last, count=count, hours=hours)))
        return count


def _is_column_numbering(cells: Sequence[Any]) -> bool:
    """The row of column numbers 1, 2, 3 … that official forms put under the header."""
    filled = [cell for cell in cells if not _blank(cell)]
    return len(filled) >= 3 and all(str(cell).strip() in (str(index), f"{index}.0")
                                    for index, cell in enumerate(filled, start=1))


def _item_message(item: PlanRow) -> str:
    parts = [item.topic, _("%(hours)s h.", hours=item.hours), _(LESSON_KINDS[item.kind])]
    if item.planned_on:
        parts.append(item.planned_on.strftime("%d.%m.%Y"))
    return ", ".join(parts)


# ---- writing -------------------------------------------------------------------------------------

# field, header (msgid), width in characters
EXPORT_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("number", N_("No."), 7),
    ("section", N_("Section"), 28),
    ("topic", N_("Lesson topic"), 50),
    ("hours", N_("Hours"), 8),
    ("kind", N_("Lesson kind"), 22),
    ("planned_on", N_("Planned date"), 13),
    ("homework", N_("Homework"), 40),
)


def plan_xlsx(title: str, rows: Sequence[PlanRow], *, planned_dates: bool = True) -> bytes:
    """The plan as a workbook that ``read_plan`` reads back: title row, bold header, items, «Итого»."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = [column for column in EXPORT_COLUMNS if planned_dates or column[0] != "planned_on"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title)
    sheet.append([cell_value(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    sheet.append([_(label) for _name, label, _width in columns])
    for values in _export_values(rows):
        sheet.append([cell_value(values.get(name)) for name, _label, _width in columns])
    sheet.append([cell_value(_("Total")) if name == "topic" else sum(row.hours for row in rows) if name == "hours"
                  else None for name, _label, _width in columns])
    for row in (2, sheet.max_row):
        for cell in sheet[row]:
            cell.font = Font(bold=True)
    for position, (name, _label, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
        if name == "planned_on":
            for (cell,) in sheet.iter_rows(min_row=3, min_col=position, max_col=position):
                cell.number_format = "DD.MM.YYYY"
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export_values(rows: Sequence[PlanRow]) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = []
    lesson, section = 1, ""
    for row in rows:
        last = lesson + row.hours - 1
        # A blank section cell reads back as the section above (merged cells): a dash ends it.
        shown_section = row.section or ("—" if section else None)
        values.append({"number": f"{lesson}–{last}" if last > lesson else lesson, "section": shown_section,
                       "topic": row.topic, "hours": row.hours, "kind": _(LESSON_KINDS[row.kind]),
                       "planned_on": row.planned_on, "homework": row.homework or None})
        lesson, section = last + 1, row.section
    return values

"""Writing XLSX files people open in Excel or LibreOffice: class lists, staff lists, the movement
of students, class occupancy, and the plugins' reports and plans (every export's cells go through
``cell_value``).

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, their
full-width forms, a tab or a carriage return; CWE-1236) is written with a leading apostrophe: it
is a text cell, never a formula (openpyxl writes any string starting with ``=`` as one), and it
stays text when someone edits the cell or saves the sheet as CSV. A phone number such as
``+7 912 555-12-34`` is the one exception, because it is only digits and punctuation and a stored
text cell is never evaluated. Numbers stay numbers, dates are real dates shown as дд.мм.гггг.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")  # full-width: IME input, Excel's East Asian locales
PHONE = re.compile(r"\+?[\d\s()\-]+")
SHEET_TITLE_LIMIT = 31  # Excel's limit
TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[int] = field(default_factory=tuple)  # characters per column; missing ones are guessed
    footer: Sequence[Sequence[Any]] = field(default_factory=tuple)  # totals, written bold under the rows


def safe_text(value: str) -> str:
    """A text cell's value that a spreadsheet shows and never evaluates."""
    if value.startswith(FORMULA_START) and not PHONE.fullmatch(value):
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "да" if value else ""
    if isinstance(value, (int, float, date, datetime)):
        return value
    return safe_text(str(value))


def sheet_title(text: str) -> str:
    return TITLE_FORBIDDEN.sub(" ", text)[:SHEET_TITLE_LIMIT].strip() or "Лист"


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook's bytes: a bold, frozen header row with a filter, dates as дд.мм.гггг."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet_title(sheet.title))
        worksheet.append([cell_value(header) for header in sheet.headers])
        for cell in worksheet[1]:
            cell.font = bold
        for row in sheet.rows:
            worksheet.append([cell_value(value) for value in row])
        for row in sheet.footer:
            worksheet.append([cell_value(value) for value in row])
            for cell in worksheet[worksheet.max_row]:
                cell.font = bold
        for column in worksheet.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "DD.MM.YYYY"
        worksheet.freeze_panes = "A2"
        if sheet.headers:
            worksheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet.headers))}{max(1, 1 + len(sheet.rows))}"
        for index, header in enumerate(sheet.headers, start=1):
            width = sheet.widths[index - 1] if index - 1 < len(sheet.widths) else _guess_width(header, sheet.rows, index - 1)
            worksheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _guess_width(header: str, rows: Sequence[Sequence[Any]], index: int) -> int:
    longest = max([len(header)] + [len(_shown(row[index])) for row in rows[:200] if index < len(row)])
    return min(60, max(8, longest + 2))


def _shown(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return "00.00.0000"
    return "" if value is None else str(value)

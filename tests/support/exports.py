"""Reading an export back the way a spreadsheet would, for the formula-injection checks (CWE-1236):
every filled cell is counted for the security battery, and a cell is unsafe when it is a formula
or a text that Excel or LibreOffice could take for one once someone edits it or saves it as CSV."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import load_workbook

from tests.support.battery import TALLY

# What users type into the exported text fields; each must come back as text, never as a formula.
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "＝1+1", "\t=1+1")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
PHONE_LIKE = re.compile(r"\+?[\d\s()\-]+")  # digits and punctuation: nothing to call, nothing to compute but a phone


def unsafe(cell: Any) -> bool:
    """A formula, or text starting like one that neither an apostrophe nor Excel's quote prefix keeps text."""
    if cell.data_type == "f":
        return True
    text = cell.value
    return (isinstance(text, str) and text.startswith(TRIGGERS) and not cell.quotePrefix
            and not PHONE_LIKE.fullmatch(text))


def checked_xlsx(content: bytes) -> list[Any]:
    """The values of the workbook's filled cells, after counting them for the battery and asserting
    that none can run as a formula."""
    book = load_workbook(io.BytesIO(content))  # not read-only: a cell's quotePrefix is its style's
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    bad = [f"{cell.parent.title}!{cell.coordinate}: {cell.value!r}" for cell in cells if unsafe(cell)]
    TALLY["export cells checked"] += len(cells)
    TALLY["unsafe export cells"] += len(bad)
    assert not bad, bad
    return [cell.value for cell in cells]


def quoted(values: list[Any], text: str) -> bool:
    """Whether the user's ``text`` came through, neutralised: a cell holds it (trimmed, as the forms
    keep it) after the apostrophe that makes it text."""
    return any(isinstance(value, str) and value.startswith("'") and text.strip() in value for value in values)

"""The XLSX writer every export uses: text a spreadsheet would run as a formula comes back as text,
numbers, dates and phones as they were; the checker of tests/support/exports.py catches a formula."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook, load_workbook

from core.people.spreadsheets import Sheet, xlsx_bytes
from tests.support.exports import FORMULAS, checked_xlsx, unsafe


def test_formula_text_is_written_as_text_and_numbers_stay_numbers():
    rows = [[formula, index, -index, 2.5, date(2026, 9, 1), "+7 912 345-67-89"] for index, formula in enumerate(FORMULAS, 1)]
    values = checked_xlsx(xlsx_bytes([Sheet("=Лист", ["=Заголовок", "№", "Минус", "Дробь", "Дата", "Телефон"], rows,
                                            footer=[["@Итого", len(rows)]])]))
    assert values[:6] == ["'=Заголовок", "№", "Минус", "Дробь", "Дата", "Телефон"]
    assert values[6:12] == ["'" + FORMULAS[0], 1, -1, 2.5, values[10], "+7 912 345-67-89"]  # a phone is no formula
    assert [value for value in values if isinstance(value, str) and value.startswith("'")] == [
        "'=Заголовок", *["'" + formula for formula in FORMULAS], "'@Итого"]
    assert values[10].date() == date(2026, 9, 1) and values[-1] == len(FORMULAS)


def test_the_checker_catches_a_formula_and_formula_like_text():
    book = Workbook()
    sheet = book.active
    sheet.append(["=1+1", "ok", 5, "+7 (900) 123-45-67"])
    sheet["E1"].value, sheet["E1"].data_type = "@SUM(1)", "s"  # text, but it would run once edited or saved as CSV
    sheet["F1"].value, sheet["F1"].data_type = "=2+2", "s"
    sheet["F1"].quotePrefix = True  # Excel's own way to keep it text
    buffer = io.BytesIO()
    book.save(buffer)
    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).active[1])
    assert [unsafe(cell) for cell in cells] == [True, False, False, False, True, False]

"""A grid row's cells as HTML.

The grid's hot loop: a quarter of a class is a thousand cells, and a template's per-value
escaping cost more than everything else on the page (4 ms of a 15 ms page). Here each cell is
one string; every value that is not a number we made is escaped. The single cell a save
answers with is the template ``journal/_grid_cell.html``: keep the two alike.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from plugins.journal.grid import GridRow


def row_cells(row: GridRow, off_text: str) -> Markup:
    """``row``'s cells: an input labelled by the row's and the column's headers where the reader
    types, the text where they read, a hatched cell where the student was not on the page."""
    label = f"journal-student-{int(row.student_id)}"
    off = f'<td class="journal-cell journal-cell--off"><span class="visually-hidden">{escape(off_text)}</span></td>'
    parts = []
    for lesson, text, state in row.cells:
        if state == "edit":
            value = f' value="{escape(text)}"' if text else ""
            parts.append(f'<td class="journal-cell"><input aria-labelledby="{label} journal-col-{int(lesson.id)}"{value}></td>')
        elif state == "off":
            parts.append(off)
        else:
            parts.append(f'<td class="journal-cell">{escape(text)}</td>')
    return Markup("".join(parts))  # nosec B704 # every value above is escaped or an int

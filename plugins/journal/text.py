"""Showing text people typed: escaped always; web links made clickable (homework)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.i18n import N_
from core.i18n import gettext as _
from core.structure.common import format_day
from core.web.text import linkify


def weight_text(weight: Decimal) -> str:
    """«1», «1,5», «0,25»: a weight as Russian schools write it."""
    text = format(weight.normalize(), "f")
    return text.replace(".", ",")


def change_kind_label(kind: str | None) -> str:
    from core.timetable.models import CHANGE_KIND_LABELS

    return _(CHANGE_KIND_LABELS[kind]) if kind in CHANGE_KIND_LABELS else ""


DECISION_LABELS = {"kept": N_("kept as given"), "transferred": N_("data moved to another lesson"),
                   "discarded": N_("removed with its data"), "extra": N_("extra lesson added")}


def decision_label(value: str) -> str:
    return _(DECISION_LABELS[value]) if value in DECISION_LABELS else value


def install(env: Any) -> None:
    """The journal's filters and globals (prefixed, so they never clash with another plugin's)."""
    from plugins.journal.grid_cells import row_cells
    from plugins.journal.settings import shown_as

    from core.structure.rules import hours_text
    from plugins.journal.plan_kinds import LESSON_KINDS

    env.filters["journal_linkify"] = linkify
    env.filters["journal_hours"] = hours_text
    env.globals["journal_lesson_kind"] = lambda code: _(LESSON_KINDS[code]) if code in LESSON_KINDS else code
    env.globals.update(journal_day=format_day, journal_weight=weight_text, journal_change_kind=change_kind_label,
                       journal_decision=decision_label, journal_shown=shown_as, journal_grid_cells=row_cells)

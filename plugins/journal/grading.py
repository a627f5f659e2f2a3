"""The grading engine: marks on a scale, the weighted average, its formula and the school's
rounding rules.

Pure: no database, no I/O, no web. Decimal arithmetic throughout (never floats, never Python's
``round()``, whose half-to-even on binary floats turns 2.675 into 2.67).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Iterable, Sequence

from core.i18n import gettext as _
from core.plugins.types import GradeScale

DOUBLE_MARK_SEPARATOR = "/"
EXACT = Context(prec=28)
HALF_UP = Decimal("0.5")
MULTIPLY_SIGN = "·"

# Kinds of work a new school starts with: (code, name, weight). The school changes them.
DEFAULT_WORK_KINDS: tuple[tuple[str, str, Decimal], ...] = (
    ("answer", "Ответ на уроке", Decimal(1)),
    ("homework", "Домашняя работа", Decimal(1)),
    ("classwork", "Работа на уроке", Decimal(1)),
    ("dictation", "Словарный диктант", Decimal(1)),
    ("independent", "Самостоятельная работа", Decimal("1.5")),
    ("quiz", "Проверочная работа", Decimal("1.5")),
    ("lab", "Лабораторная работа", Decimal("1.5")),
    ("practical", "Практическая работа", Decimal("1.5")),
    ("essay", "Сочинение", Decimal(2)),
    ("summary", "Изложение", Decimal(2)),
    ("test", "Контрольная работа", Decimal(2)),
    ("final_test", "Итоговая контрольная работа", Decimal(3)),
)

# Kinds of work whose marks may come later than the lesson's filling deadline: days after the lesson.
DEFAULT_MARKS_DAYS = {"test": 7, "final_test": 7, "essay": 7, "summary": 7}

# Attendance codes a new school starts with: (code, name, is an absence, excused). «ОП» (late)
# is not an absence.
DEFAULT_ATTENDANCE_CODES: tuple[tuple[str, str, bool, bool], ...] = (
    ("Н", "Отсутствовал", True, False),
    ("Б", "Болел", True, True),
    ("У", "Уважительная причина", True, True),
    ("ОП", "Опоздал", False, False),
)


class MarkError(ValueError):
    """A mark that cannot be posted; ``message`` is translated, ready to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Mark:
    """A mark as posted: ``text`` is canonical ("3/5", "зач"), ``parts`` its single marks."""

    text: str
    parts: tuple[str, ...]

    @property
    def is_double(self) -> bool:
        return len(self.parts) > 1


def parse_mark(text: str, scale: GradeScale, *, allow_double: bool) -> Mark:
    """The mark a teacher typed, checked against ``scale``; ``allow_double`` is the school's choice.

    Spaces are ignored ("3 / 5" is "3/5") and word marks are case-insensitive ("ЗАЧ" is "зач").
    """
    typed = "".join(text.split())
    if not typed:
        raise MarkError(_("Write a mark."))
    pieces = typed.split(DOUBLE_MARK_SEPARATOR)
    if len(pieces) > 1 and not (allow_double and scale.allows_double):
        raise MarkError(_("Double marks like 3/5 are not used here: write one mark."))
    if len(pieces) > 2:
        raise MarkError(_("A double mark has two parts, like 3/5."))
    parts = tuple(_mark_of_scale(piece, typed, scale) for piece in pieces)
    return Mark(DOUBLE_MARK_SEPARATOR.join(parts), parts)


def _mark_of_scale(piece: str, typed: str, scale: GradeScale) -> str:
    for mark in scale.marks:
        if mark.casefold() == piece.casefold():
            return mark
    raise MarkError(_("%(mark)s is not a mark of the %(scale)s scale (allowed: %(marks)s).",
                      mark=typed, scale=_(scale.title), marks=", ".join(scale.marks)))


@dataclass(frozen=True)
class WeightedMark:
    """A mark's numbers and its kind of work's weight. Each part of a double mark is an
    assessment of its own, so each counts with the full weight."""

    values: tuple[Decimal, ...]
    weight: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.weight, Decimal) or not all(isinstance(v, Decimal) for v in self.values):
            raise TypeError("weights and values are Decimals (a float would make averages inexact)")
        if self.weight < 0:
            raise ValueError(f"a weight cannot be negative, got {self.weight}")

    @classmethod
    def of(cls, mark: Mark, scale: GradeScale, weight: Decimal) -> WeightedMark:
        """A posted mark on ``scale``; on a scale that does not average it has no values."""
        values = (scale.value(part) for part in mark.parts)
        return cls(tuple(value for value in values if value is not None), weight)


def weighted_average(marks: Iterable[WeightedMark]) -> Decimal | None:
    """Σ value·weight / Σ weight over every part of every mark (28 significant digits);
    None without values or when every weight is zero."""
    with localcontext(EXACT):
        total = weights = Decimal(0)
        for mark in marks:
            for value in mark.values:
                total += value * mark.weight
                weights += mark.weight
        return total / weights if weights else None


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """``value`` to ``places`` decimals, halves away from zero, as schools round (2.675 → 2.68)."""
    with localcontext(EXACT):
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def average_text(value: Decimal | None) -> str:
    """An average as the journal shows it: two decimals, half up, a decimal comma ("4,33"); "" for None."""
    return "" if value is None else f"{round_half_up(value):f}".replace(".", ",")


def formula(marks: Sequence[WeightedMark]) -> str:
    """How the average was computed, for a teacher or parent to check: "(5·2 + 3·1)/3 = 4,33".

    A double mark gives a term per part; the denominator is the sum of the weights of the terms.
    "" when there is no average.
    """
    average = weighted_average(marks)
    if average is None:
        return ""
    terms = [f"{_plain(value)}{MULTIPLY_SIGN}{_plain(mark.weight)}" for mark in marks for value in mark.values]
    weights = sum((mark.weight * len(mark.values) for mark in marks), Decimal(0))
    return f"({' + '.join(terms)})/{_plain(weights)} = {average_text(average)}"


def _plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros after a fraction, with a comma: 2, 1,5, 4,33."""
    if number == number.to_integral_value():
        return f"{number.to_integral_value():f}"
    text = f"{number:f}"
    return text.rstrip("0").replace(".", ",") if "." in text else text


def final_mark(average: Decimal, *, threshold: Decimal = HALF_UP) -> int:
    """A period's mark from its average by the school's rule: up when the fraction reaches
    ``threshold`` (0.5 is half up: 3.5 → 4, 3.49 → 3; some schools use 0.6: 3.5 → 3, 3.6 → 4)."""
    if not Decimal(0) < threshold <= Decimal(1):
        raise ValueError(f"the rounding threshold lies in (0, 1], got {threshold}")
    whole = average.to_integral_value(rounding=ROUND_FLOOR)
    return int(whole) + (1 if average - whole >= threshold else 0)


def is_failing(average: Decimal | None, scale: GradeScale, *, threshold: Decimal = HALF_UP) -> bool:
    """Whether the average rounds to a mark below the scale's lowest passing one (under 2.5 on
    the five-point scale). No average, or a scale that does not average, is not failing."""
    passing = [scale.value(mark) for mark in scale.passing]
    lowest = min((value for value in passing if value is not None), default=None)
    if average is None or lowest is None:
        return False
    return final_mark(average, threshold=threshold) < lowest

"""Final marks: what the journal proposes for a study period, the year and the final (итоговая)
mark, what a teacher may write, and when an override needs a comment.

Pure: no database, no web. The proposals follow the school's rules and the law's defaults:

- a period: the weighted average of the period's marks, rounded by the school's threshold (half
  up by default); «н/а» when the student has fewer marks than the school's minimum;
- the year: the mean of the period marks, rounded the same way;
- the final mark: in grade 9, where there is an exam mark, the mean of the year and exam marks;
  in grade 11, the mean of the half-year and year marks of grades 10 and 11; otherwise the year
  mark. These are rounded half up, as the certificate rules say (Приказ Минпросвещения № 371).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Iterable

from core.i18n import gettext as _
from core.plugins.types import GradeScale
from plugins.journal.grading import EXACT, HALF_UP, MarkError, WeightedMark, average_text, final_mark, weighted_average

NOT_ASSESSED, EXEMPT, PASSED, FAILED = "н/а", "осв", "зач", "незач"
SPECIAL_VALUES = (NOT_ASSESSED, EXEMPT, PASSED, FAILED)
# How people type the special values: «на», «н а», «н\а» are «н/а».
_SPELLINGS = {"н/а": NOT_ASSESSED, "на": NOT_ASSESSED, "н\\а": NOT_ASSESSED, "н.а": NOT_ASSESSED, "н.а.": NOT_ASSESSED,
              "осв": EXEMPT, "осв.": EXEMPT, "зач": PASSED, "зачет": PASSED, "зачёт": PASSED, "незач": FAILED,
              "незачет": FAILED, "незачёт": FAILED}
_LATIN_LAYOUT = str.maketrans("qwertyuiop[]asdfghjkl;'zxcvbnm,.`", "йцукенгшщзхъфывапролджэячсмитьбюё")
FINAL_MARK_MAX = 20


@dataclass(frozen=True)
class Proposal:
    """What the journal proposes: ``mark`` ("" when it has nothing to propose), the number it came
    from (an average; None for a special value) and a short reason to show beside it."""

    mark: str
    basis: Decimal | None = None
    reason: str = ""


NOTHING = Proposal("")


def parse_final(text: str, scale: GradeScale) -> str:
    """A final mark as typed: a mark of the page's scale or a special value («н/а», «осв», «зач»,
    «незач»); letters typed with the Latin layout on are read as the Russian keys. "" clears."""
    typed = "".join(text.split()).casefold()
    if not typed:
        return ""
    if len(typed) > FINAL_MARK_MAX:
        raise MarkError(_("Too long for a final mark."))
    for candidate in dict.fromkeys((typed, typed.translate(_LATIN_LAYOUT) if typed.isascii() else typed)):
        for mark in scale.marks:
            if mark.casefold() == candidate:
                return mark
        if candidate in _SPELLINGS:
            return _SPELLINGS[candidate]
    raise MarkError(_("%(mark)s is not a final mark: write a mark of the scale (%(marks)s) or н/а, осв, зач, незач.",
                      mark=text.strip(), marks=", ".join(scale.marks)))


def numeric_value(mark: str, scale: GradeScale) -> Decimal | None:
    """The number a final mark counts as, if it is a numeric mark of the scale."""
    return scale.value(mark) if scale.numeric and mark in scale.marks else None


def propose_period(marks: list[WeightedMark], count: int, scale: GradeScale, *, threshold: Decimal,
                   minimum: int, last_mark: str = "") -> Proposal:
    """A period's mark from its ``count`` marks (``last_mark``: the latest, for a pass/fail scale)."""
    if count < minimum:
        return Proposal(NOT_ASSESSED, None, _("fewer marks than %(count)d", count=minimum))
    if not scale.numeric:
        return Proposal(last_mark, None, _("the latest mark")) if last_mark else NOTHING
    average = weighted_average(marks)
    if average is None:
        return NOTHING
    return Proposal(_clamped(final_mark(average, threshold=threshold), scale), average,
                    _("average %(average)s", average=average_text(average)))


def propose_year(period_marks: Iterable[str], scale: GradeScale, *, threshold: Decimal) -> Proposal:
    """The year's mark from the period marks given so far: their mean; without numbers, the
    special values decide (any «незач» fails, any «зач» passes, then «н/а», then «осв»)."""
    marks = [mark for mark in period_marks if mark]
    mean = _mean(numeric_value(mark, scale) for mark in marks)
    if mean is not None:
        return Proposal(_clamped(final_mark(mean, threshold=threshold), scale), mean,
                        _("mean of the period marks %(average)s", average=average_text(mean)))
    for special in (FAILED, PASSED, NOT_ASSESSED):
        if special in marks:
            return Proposal(special, None, _("from the period marks"))
    if marks and all(mark == EXEMPT for mark in marks):
        return Proposal(EXEMPT, None, _("from the period marks"))
    return NOTHING


def propose_final(grade_level: int, year_mark: str, exam_mark: str, senior_marks: Iterable[str],
                  scale: GradeScale) -> Proposal:
    """The final (итоговая) mark. ``senior_marks``: the half-year and year marks of grades 10–11
    (grade 11 only)."""
    year, exam = numeric_value(year_mark, scale), numeric_value(exam_mark, scale)
    if grade_level == 9 and year is not None and exam is not None:
        mean = _mean((year, exam))
        assert mean is not None
        return Proposal(_clamped(final_mark(mean, threshold=HALF_UP), scale), mean,
                        _("mean of the year and exam marks %(average)s", average=average_text(mean)))
    if grade_level == 11:
        mean = _mean(numeric_value(mark, scale) for mark in senior_marks)
        if mean is not None:
            return Proposal(_clamped(final_mark(mean, threshold=HALF_UP), scale), mean,
                            _("mean of the half-year and year marks of grades 10–11 %(average)s",
                              average=average_text(mean)))
    return Proposal(year_mark, year, _("the year mark")) if year_mark else NOTHING


def needs_comment(mark: str, proposal: Proposal, scale: GradeScale, gap: Decimal) -> bool:
    """Whether ``mark`` is far enough from the proposal to need the teacher's comment: a number
    ``gap`` or more from the average it was proposed from, or a special value instead of a mark
    (or the other way round)."""
    if not mark or not proposal.mark or mark == proposal.mark:
        return False
    value = numeric_value(mark, scale)
    basis = proposal.basis if proposal.basis is not None else numeric_value(proposal.mark, scale)
    if value is None or basis is None:
        return True
    return abs(value - basis) >= gap


def _mean(values: Iterable[Decimal | None]) -> Decimal | None:
    numbers = [value for value in values if value is not None]
    if not numbers:
        return None
    with localcontext(EXACT):
        return sum(numbers, Decimal(0)) / len(numbers)


def _clamped(mark: int, scale: GradeScale) -> str:
    """The rounded number as a mark of the scale (within its lowest and highest marks)."""
    values = sorted(int(value) for value in (scale.value(m) for m in scale.marks) if value is not None)
    return str(min(max(mark, values[0]), values[-1]))

"""The grading engine: invariants pinned by hypothesis, numbers pinned by real schools' examples."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.i18n import gettext as _
from core.plugins.types import FIVE_POINT, PASS_FAIL
from plugins.journal.grading import (
    DEFAULT_ATTENDANCE_CODES,
    DEFAULT_WORK_KINDS,
    Mark,
    MarkError,
    WeightedMark,
    average_text,
    final_mark,
    formula,
    is_failing,
    parse_mark,
    round_half_up,
    weighted_average,
)

D = Decimal
WEIGHTS = dict((code, weight) for code, _name, weight in DEFAULT_WORK_KINDS)


def marks_of(*pairs: tuple[str, str]) -> list[WeightedMark]:
    """``("3/5", "answer")`` pairs: marks on the five-point scale with a default kind of work's weight."""
    return [WeightedMark.of(parse_mark(text, FIVE_POINT, allow_double=True), FIVE_POINT, WEIGHTS[kind])
            for text, kind in pairs]


values = st.sampled_from([D(m) for m in FIVE_POINT.marks])
weights = st.decimals(min_value=D("0.1"), max_value=D("10"), places=1)
weighted_marks = st.builds(WeightedMark, values=st.lists(values, min_size=1, max_size=2).map(tuple), weight=weights)
mark_lists = st.lists(weighted_marks, min_size=1, max_size=30)
averages = st.decimals(min_value=D(1), max_value=D(5), places=4)


# Invariants


@given(mark_lists)
def test_the_average_lies_between_the_lowest_and_the_highest_value(marks):
    every = [value for mark in marks for value in mark.values]
    assert min(every) <= weighted_average(marks) <= max(every)


@given(mark_lists, st.randoms(use_true_random=False))
def test_the_order_of_marks_does_not_matter(marks, rng):
    shuffled = list(marks)
    rng.shuffle(shuffled)
    assert weighted_average(shuffled) == weighted_average(marks)


@given(mark_lists, st.decimals(min_value=D("0.01"), max_value=D("100"), places=2))
def test_scaling_every_weight_leaves_the_average(marks, k):
    scaled = [WeightedMark(mark.values, mark.weight * k) for mark in marks]
    assert weighted_average(scaled) == weighted_average(marks)


@given(mark_lists, weights)
def test_a_mark_equal_to_the_average_leaves_it(marks, weight):
    average = weighted_average(marks)
    assert abs(weighted_average([*marks, WeightedMark((average,), weight)]) - average) < D("1e-20")


@given(mark_lists)
def test_the_formula_shows_the_computation_and_its_result(marks):
    left, right = formula(marks).split(" = ")
    assert right == average_text(weighted_average(marks))
    terms, denominator = re.fullmatch(r"\((.*)\)/([\d,]+)", left).groups()
    number = lambda text: D(text.replace(",", "."))  # noqa: E731
    products = [term.split("·") for term in terms.split(" + ")]
    recomputed = sum(number(v) * number(w) for v, w in products) / number(denominator)
    assert average_text(recomputed) == right
    assert len(products) == sum(len(mark.values) for mark in marks)


@given(averages, averages)
def test_the_final_mark_grows_with_the_average(a, b):
    low, high = sorted((a, b))
    for threshold in (D("0.5"), D("0.6")):
        assert final_mark(low, threshold=threshold) <= final_mark(high, threshold=threshold)


@given(averages, st.decimals(min_value=D("0.01"), max_value=D(1), places=2))
def test_the_final_mark_is_the_average_rounded_down_or_up(average, threshold):
    floor, ceiling = (average.to_integral_value(rounding=rule) for rule in (ROUND_FLOOR, ROUND_CEILING))
    assert floor <= final_mark(average, threshold=threshold) <= ceiling


@given(st.decimals(min_value=D(-1000), max_value=D(1000), places=6))
def test_rounding_moves_a_value_by_half_a_hundredth_at_most(value):
    rounded = round_half_up(value)
    assert abs(rounded - value) <= D("0.005")
    assert rounded.as_tuple().exponent == -2


def test_rounding_is_half_up_in_decimal_not_pythons_round():
    assert round(2.675, 2) == 2.67  # the binary float is 2.67499999...
    assert round_half_up(D("2.675")) == D("2.68")
    assert round_half_up(D("2.665")) == D("2.67")  # not half to even
    assert round_half_up(D("4.5"), 0) == D(5)


# Real schools' examples


@pytest.mark.parametrize(("marks", "expected_formula"), [
    ([("5", "test"), ("3", "answer")], "(5·2 + 3·1)/3 = 4,33"),
    ([("5", "answer"), ("4", "homework"), ("4", "classwork"), ("3", "dictation")], "(5·1 + 4·1 + 4·1 + 3·1)/4 = 4,00"),
    ([("2", "test"), ("3", "answer")], "(2·2 + 3·1)/3 = 2,33"),
    ([("3", "test"), ("2", "answer")], "(3·2 + 2·1)/3 = 2,67"),
    ([("3/5", "answer")], "(3·1 + 5·1)/2 = 4,00"),
    ([("5", "independent"), ("4", "answer")], "(5·1,5 + 4·1)/2,5 = 4,60"),
    ([("5", "answer")], "(5·1)/1 = 5,00"),
    ([("4", "final_test"), ("5", "essay"), ("3/4", "quiz")], "(4·3 + 5·2 + 3·1,5 + 4·1,5)/8 = 4,06"),
])
def test_examples_from_real_schools(marks, expected_formula):
    assert formula(marks_of(*marks)) == expected_formula


def test_a_test_paper_decides_between_failing_and_passing():
    failing = weighted_average(marks_of(("2", "test"), ("3", "answer")))  # 2,33
    passing = weighted_average(marks_of(("3", "test"), ("2", "answer")))  # 2,67
    assert (final_mark(failing), is_failing(failing, FIVE_POINT)) == (2, True)
    assert (final_mark(passing), is_failing(passing, FIVE_POINT)) == (3, False)


@pytest.mark.parametrize(("average", "threshold", "expected"), [
    ("4.5", "0.5", 5), ("4.49", "0.5", 4), ("2.5", "0.5", 3), ("3.5", "0.5", 4), ("3.49", "0.5", 3),
    ("3.5", "0.6", 3), ("3.6", "0.6", 4), ("5", "0.5", 5), ("1", "0.5", 1), ("4.4999", "0.5", 4),
])
def test_final_marks(average, threshold, expected):
    assert final_mark(D(average), threshold=D(threshold)) == expected


def test_failing_is_an_average_that_rounds_below_three():
    assert is_failing(D("2.49"), FIVE_POINT) is True
    assert is_failing(D("2.5"), FIVE_POINT) is False
    assert is_failing(D("2.5"), FIVE_POINT, threshold=D("0.6")) is True
    assert is_failing(None, FIVE_POINT) is False  # no marks yet is not a failing average
    assert is_failing(D(1), PASS_FAIL) is False  # pass/fail has no average


def test_no_marks_have_no_average_and_no_formula():
    assert weighted_average([]) is None
    assert weighted_average([WeightedMark((D(5),), D(0))]) is None
    assert average_text(None) == "" and formula([]) == ""
    pass_fail = WeightedMark.of(parse_mark("зач", PASS_FAIL, allow_double=False), PASS_FAIL, D(1))
    assert pass_fail.values == () and weighted_average([pass_fail]) is None


def test_weights_and_values_are_decimals():
    with pytest.raises(TypeError):
        WeightedMark((D(5),), 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        WeightedMark((D(5),), D(-1))
    with pytest.raises(ValueError):
        final_mark(D("3.5"), threshold=D(0))


def test_the_defaults_a_school_starts_with():
    assert [(code, weight) for code, _name, weight in DEFAULT_WORK_KINDS][::4] == [
        ("answer", 1), ("independent", D("1.5")), ("essay", 2)]
    assert dict((code, name) for code, name, _weight in DEFAULT_WORK_KINDS)["test"] == "Контрольная работа"
    assert WEIGHTS["final_test"] == 3
    absences = {code for code, _name, absence, _excused in DEFAULT_ATTENDANCE_CODES if absence}
    assert absences == {"Н", "Б", "У"}  # «ОП» (late) is not an absence


# Parsing marks


@pytest.mark.parametrize(("typed", "scale", "expected"), [
    ("5", FIVE_POINT, Mark("5", ("5",))),
    (" 4 ", FIVE_POINT, Mark("4", ("4",))),
    ("3/5", FIVE_POINT, Mark("3/5", ("3", "5"))),
    ("3 / 5", FIVE_POINT, Mark("3/5", ("3", "5"))),
    ("ЗАЧ", PASS_FAIL, Mark("зач", ("зач",))),
    ("Незач", PASS_FAIL, Mark("незач", ("незач",))),
])
def test_marks_are_read_as_written(typed, scale, expected):
    mark = parse_mark(typed, scale, allow_double=True)
    assert mark == expected
    assert mark.is_double == (len(expected.parts) == 2)


def off_scale(typed: str, scale=FIVE_POINT):
    """The expected message, made when the test runs (in the locale active then)."""
    return lambda: _("%(mark)s is not a mark of the %(scale)s scale (allowed: %(marks)s).",
                     mark=typed, scale=_(scale.title), marks=", ".join(scale.marks))


def message(msgid: str):
    return lambda: _(msgid)


NO_DOUBLES = message("Double marks like 3/5 are not used here: write one mark.")


@pytest.mark.parametrize(("typed", "scale", "allow_double", "expected"), [
    ("", FIVE_POINT, True, message("Write a mark.")),
    ("  ", FIVE_POINT, True, message("Write a mark.")),
    ("6", FIVE_POINT, True, off_scale("6")),
    ("0", FIVE_POINT, True, off_scale("0")),
    ("4.5", FIVE_POINT, True, off_scale("4.5")),
    ("5+", FIVE_POINT, True, off_scale("5+")),
    ("н", FIVE_POINT, True, off_scale("н")),
    ("3/7", FIVE_POINT, True, off_scale("3/7")),
    ("3/", FIVE_POINT, True, off_scale("3/")),
    ("/", FIVE_POINT, True, off_scale("/")),
    ("3/5", FIVE_POINT, False, NO_DOUBLES),
    ("зач/незач", PASS_FAIL, True, NO_DOUBLES),
    ("3/4/5", FIVE_POINT, True, message("A double mark has two parts, like 3/5.")),
    ("5", PASS_FAIL, False, off_scale("5", PASS_FAIL)),
])
def test_a_mark_off_the_scale_is_refused_with_a_message(typed, scale, allow_double, expected):
    with pytest.raises(MarkError) as refused:
        parse_mark(typed, scale, allow_double=allow_double)
    assert refused.value.message == expected()

"""The school's rules that need no database: defaults from the law, yearly hours, weekly load.

All hours are in halves (``half_hours``): 3.5 hours a week is 7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

# СанПиН 1.2.3685-21, table 6.6: the most lessons a week by grade level, for a 5- and a 6-day week.
# First grade studies five days a week only.
SANPIN_WEEKLY_LIMIT: dict[int, dict[int, int]] = {
    5: {1: 21, 2: 23, 3: 23, 4: 23, 5: 29, 6: 30, 7: 32, 8: 33, 9: 33, 10: 34, 11: 34},
    6: {2: 26, 3: 26, 4: 26, 5: 32, 6: 33, 7: 35, 8: 36, 9: 36, 10: 37, 11: 37},
}


def daily_limit(grade_level: int) -> int:
    """СанПиН 1.2.3685-21, 3.4.16: at most 4 lessons a day in first grade (5 once a week, with
    physical education), 5 in 2–4 (6 once a week), 6 in 5–6, 7 in 7–11. The limit is the day's
    ceiling; the once-a-week allowance is the school's to keep."""
    return 5 if grade_level == 1 else 6 if grade_level <= 6 else 7


def default_study_weeks(grade_level: int) -> int:
    """33 study weeks in first grade, 34 in the others."""
    return 33 if grade_level == 1 else 34


def default_period_kind(grade_level: int) -> str:
    """Quarters in grades 1–9, half-years in 10–11: the commonest scheme."""
    return "half_year" if grade_level >= 10 else "quarter"


def weekly_limit(grade_level: int, days_per_week: int) -> int | None:
    """The СанПиН weekly maximum, or None when the week is not allowed (6 days in first grade)."""
    return SANPIN_WEEKLY_LIMIT.get(days_per_week, {}).get(grade_level)


def half_weeks(study_weeks: int) -> tuple[int, int]:
    """Study weeks of the first and the second half-year: the first gets the smaller half."""
    first = study_weeks // 2
    return first, study_weeks - first


def yearly_half_hours(half_hours: int, pattern: str, study_weeks: int) -> int:
    """Hours in a year (in halves) of a curriculum line."""
    first, second = half_weeks(study_weeks)
    weeks = {"first_half": first, "second_half": second}.get(pattern, study_weeks)
    return half_hours * weeks


@dataclass
class LevelLoad:
    """A grade level's curriculum summed up: the weekly load it puts on a week and its year."""

    weekly: int = 0  # half-hours in a week of the busier half-year
    yearly: int = 0  # half-hours in the year
    first_half: int = 0
    second_half: int = 0
    lines: int = 0
    subjects: list[int] = field(default_factory=list)


def level_load(lines: Iterable[tuple[int, str]], study_weeks: int) -> LevelLoad:
    """``lines``: (half_hours, pattern) of one grade level. A subject of one half-year counts in
    that half only; the weekly load is the busier half's."""
    load = LevelLoad()
    for half_hours, pattern in lines:
        load.lines += 1
        if pattern != "second_half":
            load.first_half += half_hours
        if pattern != "first_half":
            load.second_half += half_hours
        load.yearly += yearly_half_hours(half_hours, pattern, study_weeks)
    load.weekly = max(load.first_half, load.second_half)
    return load


def hours_text(half_hours: int) -> str:
    """7 → «3,5», 6 → «3»: hours as schools write them."""
    whole, half = divmod(half_hours, 2)
    return f"{whole},5" if half else str(whole)


def parse_hours(text: str) -> int | None:
    """«3», «3,5», «3.5», «0,5» → half-hours; None when it is not a number of whole or half hours."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return 0
    try:
        value = float(cleaned)
    except ValueError:
        return None
    doubled = value * 2
    if value < 0 or doubled != int(doubled) or value > 20:
        return None
    return int(doubled)


def overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Whether two inclusive date ranges share a day; ``None`` is an open end."""
    return (end is None or other_start <= end) and (other_end is None or start <= other_end)

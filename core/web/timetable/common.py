"""What the timetable pages share: permissions, the section's tabs, the day or week asked for, and
the week grid (lesson numbers × days) every timetable view is drawn on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Callable

from litestar import Request

from core.access.scope import current_school
from core.i18n import N_
from core.i18n import gettext as _
from core.structure.common import StructureError, format_day, short_name
from core.timetable.conflicts import time_text
from core.timetable.lessons import Lesson, TimetableData, monday_of
from core.timetable.models import CHANGE_KIND_LABELS, WEEK_PARITY_LABELS, WEEKDAY_LABELS
from core.web.sessions import current_user
from core.web.structure.common import parse_date

VIEW = {"permission": "core.view_timetable"}
MANAGE = {"permission": "core.manage_timetable"}
CHANGES = {"permission": "core.manage_timetable_changes"}

# The section's tabs: (id, label, url, permission).
TABS = (
    ("day", N_("School day"), "/timetable", "core.view_timetable"),
    ("changes", N_("Changes"), "/timetable/changes", "core.view_timetable"),
    ("edit", N_("Weekly timetable"), "/timetable/edit", "core.manage_timetable"),
    ("rooms", N_("Rooms"), "/timetable/rooms", "core.view_timetable"),
)


def allows(request: Request, permission: str) -> bool:
    user = current_user(request)
    return user is not None and request.app.state.platform.permissions.allows(user.roles, permission)


def school_of(request: Request) -> int:
    return current_school(current_user(request))


def asked_day(text: str, today: date) -> tuple[date, str]:
    """The ``?day=`` or ``?week=`` of the address, or today; with a message when it was not a date."""
    try:
        return parse_date(text) or today, ""
    except StructureError as error:
        return today, error.message


def next_school_day(today: date) -> date:
    """The day a timetable page opens on: today, or Monday when today is a Sunday (the week and
    the changes people look for then are the coming ones)."""
    return today + timedelta(days=1) if today.weekday() == 6 else today


@dataclass
class Row:
    """A row of a week grid: a lesson number of a shift, with its bell time."""

    shift: int
    number: int
    starts_at: time | None = None
    ends_at: time | None = None

    @property
    def label(self) -> str:
        return str(self.number) if self.shift == 1 else _("%(number)s (shift 2)", number=self.number)

    @property
    def times(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}" if self.starts_at and self.ends_at else ""


@dataclass
class WeekGrid:
    """Lessons of the days × rows; ``cells[(day, shift, number)]`` lists the lessons there."""

    days: list[date]
    rows: list[Row] = field(default_factory=list)
    cells: dict[tuple[date, int, int], list[Lesson]] = field(default_factory=dict)

    def at(self, day: date, row: Row) -> list[Lesson]:
        return self.cells.get((day, row.shift, row.number), [])


def week_days(monday: date, data: TimetableData) -> list[date]:
    """Monday to Friday, and Saturday when some grade level studies six days that week."""
    six = any(level.days_per_week == 6 for level in data.levels.values())
    return [monday + timedelta(days=offset) for offset in range(6 if six else 5)]


def week_grid(data: TimetableData, monday: date, shown: Callable[[Lesson], bool], *,
              shifts: tuple[int, ...] = (), grade_level: int | None = None) -> WeekGrid:
    """The week's lessons that ``shown`` keeps, on rows for every number used (and every number of
    ``shifts``' bells, so a class's empty lessons show too)."""
    grid = WeekGrid(days=week_days(monday, data))
    rows: dict[tuple[int, int], Row] = {}
    for day in grid.days:
        for lesson in data.lessons_on(day):
            if shown(lesson):
                grid.cells.setdefault((day, lesson.page.shift, lesson.number), []).append(lesson)
                row = rows.setdefault((lesson.page.shift, lesson.number), Row(lesson.page.shift, lesson.number))
                row.starts_at, row.ends_at = row.starts_at or lesson.starts_at, row.ends_at or lesson.ends_at
    for shift in shifts:
        bells = data.bell_times(monday, shift, grade_level or 5, regular_only=True)
        for number, (starts, ends) in bells.items():
            rows.setdefault((shift, number), Row(shift, number, starts, ends))
    grid.rows = sorted(rows.values(), key=lambda row: (row.shift, row.number))
    return grid


def room_label(name: str) -> str:
    """«каб. 205» for a numbered room; a named one («Спортзал») as it is."""
    return _("room %(name)s", name=name) if name[:1].isdigit() else name


def timetable_context(request: Request, tab: str, **values: Any) -> dict[str, Any]:
    """What every timetable page's template expects besides its own values."""
    tabs = [(tab_id, label, url) for tab_id, label, url, permission in TABS if allows(request, permission)]
    return {"tab": tab, "tabs": tabs, "can_manage": allows(request, "core.manage_timetable"),
            "can_change": allows(request, "core.manage_timetable_changes"), "format_day": format_day,
            "short_name": short_name, "time_text": time_text, "room_label": room_label, "weekday_labels": WEEKDAY_LABELS,
            "kind_labels": CHANGE_KIND_LABELS, "parity_labels": WEEK_PARITY_LABELS, "monday_of": monday_of,
            "errors": values.pop("errors", {}), "form": values.pop("form", {}), **values}

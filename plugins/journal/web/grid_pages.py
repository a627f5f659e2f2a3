"""The subject page as a grid (students × lessons of a period), its cells saved one at a time as
they are typed, and the journal's start page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException

from sqlalchemy import select

from core.access.scope import led_classes
from core.audit.views import note_view
from core.di import FromPath, FromQuery, NamedDependency
from core.structure.models import ClassGroup
from core.i18n import N_, format_date, gettext as _
from core.platform import Platform
from core.web.guards import MAX_ID
from core.web.pages import render
from core.structure.common import school_today
from core.web.structure.common import school_day
from plugins.journal.cells import CellRefused, CellSaver
from plugins.journal.checks import CheckService
from plugins.journal.closing import PeriodsService, term_name
from plugins.journal.grid import WHOLE, GridReader, choose_period
from plugins.journal.lessons import held_pages, teacher_week
from plugins.journal.rules import finals_open_days
from plugins.journal.permissions import FILL, REASONS
from plugins.journal.scope import reads_everything
from plugins.journal.sync import sync_through
from plugins.journal.timeliness import overdue_lessons
from plugins.journal.web.common import FILL_OPT, JOURNAL_CSS, VIEW_OPT, allows, user_of
from plugins.journal.web.list_pages import page_choices

GRID, CELL = "journal/grid.html", "journal/_grid_cell.html"
MONTH_TEXT_LENGTH = 7  # "YYYY-MM"


def _asked_month(text: str) -> str:
    text = text.strip()
    if text in ("", WHOLE):
        return text
    if len(text) != MONTH_TEXT_LENGTH or not text[:4].isdigit() or text[4] != "-" or not text[5:].isdigit():
        raise NotFoundException()
    return text


@get("/pages/{page_id:int}", name="journal:grid", opt=VIEW_OPT)
async def grid_page(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                    period: FromQuery[int | None] = None, month: FromQuery[str] = "") -> Response[str]:
    """The page's students × lessons of a period (a month of it, for long periods); its own
    teachers type into the cells, everyone else who may read it sees the same grid without inputs."""
    user = user_of(request)
    if not 1 <= page_id <= MAX_ID or (period is not None and not 1 <= period <= MAX_ID):
        raise NotFoundException()
    month_asked = _asked_month(month)
    grid = None
    async with platform.db.reading() as session:  # one read session when the period's lessons exist
        reader = GridReader(session, platform, user)
        head, access, periods = await reader.periods(page_id, allows(request, FILL))
        today = school_today(head.school.timezone)
        chosen = choose_period(periods, period, today)
        if head.synced_through(chosen):
            grid = await reader.grid(head, access, periods, chosen, month_asked, today)
    if grid is None:  # the first look at the period creates its lessons (a write), then reads
        await sync_through(platform, user.school_id or 0, chosen.ends_on)
        async with platform.db.reading() as session:
            grid = await GridReader(session, platform, user).grid(head, access, periods, chosen, month_asked, today)
    values = {"grid": grid, "page_title": grid.title, "extra_css": JOURNAL_CSS, "period_names": _period_names(grid),
              "month_names": {month: _month_name(month) for month in grid.months},
              "column_days": {lesson.id: lesson.day.strftime("%d.%m") for lesson in grid.lessons},
              "may_amend": grid.rules.finals.may_amend(user.roles)}
    await note_view(platform, user, kind="page", object_id=page_id, what=N_("the class journal"))
    return await render(request, GRID, values)


def _period_names(grid: Any) -> dict[int, str]:
    return {period.id: term_name(period) for period in grid.periods}


def _month_name(month: str) -> str:
    return format_date(date(int(month[:4]), int(month[5:]), 1), "LLLL")


@post("/lessons/{lesson_id:int}/cells/{student_id:int}", name="journal:cell_save", opt=FILL_OPT)
async def cell_save(request: Request, lesson_id: FromPath[int], student_id: FromPath[int],
                    platform: NamedDependency[Platform]) -> Response[str]:
    """Save one cell; the answer is the cell again (and the row's average), under 2 KB. Refused
    input (422) and a cell changed by someone else (409) come back in place with the message."""
    user = user_of(request)
    if not 1 <= lesson_id <= MAX_ID or not 1 <= student_id <= MAX_ID:
        raise NotFoundException()
    form = await request.form()
    value, was, reason = str(form.get("value", "")), str(form.get("was", "")), str(form.get("reason", ""))
    values: dict[str, Any] = {"lesson_id": lesson_id, "student_id": student_id}
    try:
        async with platform.db.writing() as session:
            saved = await CellSaver(session, platform, user).save(lesson_id, student_id, value, was, reason)
    except CellRefused as refused:
        shown = refused.current if refused.current is not None else " ".join(was.split())
        values.update(text=shown, typed=value, error=refused.message, saved=None)
        return await render(request, CELL, values, status_code=refused.status)
    values.update(text=saved.text, typed=None, error="", saved=saved)
    return await render(request, CELL, values)


@get("/home", name="journal:home", opt=VIEW_OPT)
async def journal_home(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """Where the journal opens: a teacher's pages and today's lessons (those still to fill marked);
    for the administration and class teachers, the pages they may open."""
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
    await sync_through(platform, user.school_id or 0, today + timedelta(days=1))
    teaches = allows(request, FILL)
    async with platform.db.reading() as session:
        held = await held_pages(session, user, today) if teaches else []
        lessons = await teacher_week(session, user, today, today) if teaches else []
        choices = await page_choices(session, user, today) \
            if reads_everything(user) or allows(request, REASONS) else []
        finals = await PeriodsService(session, user.school_id or 0, user.id).teacher_due(
            today, await finals_open_days(session, user.school_id or 0), user.id) if teaches else []
        overdue = await overdue_lessons(session, user.school_id or 0, user.id, today) if teaches else []
        notes = await CheckService(session, user).unread_notes()
        led = await led_class_labels(session, user, today) if allows(request, REASONS) else []
    values = {"held": held, "lessons": lessons, "choices": choices, "today": today, "teaches": teaches, "finals": finals,
              "overdue": overdue, "notes": notes, "led": led,
              "term_names": {line.term.key: term_name(line.term) for line in finals},
              "to_fill": sum(1 for line in lessons if line.state == "active" and not line.filled),
              "page_title": _("Journal"), "extra_css": JOURNAL_CSS}
    return await render(request, "journal/home.html", values)


async def led_class_labels(session: Any, user: Any, today: date) -> list[tuple[int, str]]:
    """(class id, «5А») of the classes the person leads today: their summary sheets' way in."""
    classes = await led_classes(session, user.id, user.school_id or 0, today)
    rows = (await session.execute(select(ClassGroup.id, ClassGroup.grade_level, ClassGroup.letter).where(
        ClassGroup.id.in_(classes or [0])).order_by(ClassGroup.grade_level, ClassGroup.letter))).all()
    return [(row[0], f"{row[1]}{row[2]}") for row in rows]


ROUTES = [grid_page, cell_save, journal_home]

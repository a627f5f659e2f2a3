"""The journal's lists: a teacher's lessons of a week, a subject page's lessons, the pages the
administration and class teachers choose from; adding an extra lesson."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import led_classes
from core.auth.services import CurrentUser
from core.di import FromQuery, NamedDependency
from core.i18n import gettext as _
from core.platform import Platform
from core.structure.common import StructureError, format_day
from core.structure.models import ClassGroup, StudyGroup, StudyGroupClass, Subject, SubjectPage
from core.timetable.lessons import monday_of
from core.web.guards import MAX_ID
from core.web.pages import flash, redirect, render
from core.web.structure.common import parse_date, school_day
from core.web.timetable.common import asked_day
from plugins.journal.lessons import LessonError, grade_level_of, holder_label, LessonLine, LessonService, held_pages, page_lessons, teacher_week
from plugins.journal.permissions import FILL, REASONS
from plugins.journal.scope import reads_everything
from plugins.journal.web.common import FILL_OPT, JOURNAL_CSS, REASONS_OPT, VIEW_OPT, allows, day_label, user_of
from plugins.journal.web.lesson_pages import ensure_lessons


@dataclass(frozen=True)
class PageChoice:
    id: int
    subject: str
    holder: str
    grade_level: int


def asked_week(text: str, today: date) -> tuple[date, str]:
    """The Monday of the week asked for (any day of it), or this week's with a message."""
    day, error = asked_day(text, today)
    return monday_of(day), error


async def page_choices(session: AsyncSession, user: CurrentUser, today: date) -> list[PageChoice]:
    """The pages a reader may open: all of the school for the administration; a class teacher's
    class's pages (and its groups') otherwise."""
    holder = holder_label()
    level = grade_level_of()
    query = (select(SubjectPage.id, Subject.name, holder, level).join(Subject, Subject.id == SubjectPage.subject_id)
             .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
             .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
             .where(SubjectPage.school_id == user.school_id))
    if not reads_everything(user):
        classes = await led_classes(session, user.id, user.school_id or 0, today)
        groups = select(StudyGroupClass.study_group_id).where(StudyGroupClass.class_group_id.in_(classes or [0]))
        query = query.where(or_(SubjectPage.class_group_id.in_(classes or [0]), SubjectPage.study_group_id.in_(groups)))
    rows = (await session.execute(query.order_by(level, holder, Subject.sort_order, Subject.name))).all()
    return [PageChoice(*row) for row in rows]


def by_day(lines: list[LessonLine], monday: date) -> list[tuple[date, str, list[LessonLine]]]:
    days = [monday + timedelta(days=offset) for offset in range(6)]
    return [(day, day_label(day), [line for line in lines if line.day == day]) for day in days]


@get("/lessons", name="journal:lessons", opt=VIEW_OPT)
async def lessons_page(request: Request, platform: NamedDependency[Platform], week: FromQuery[str] = "",
                       page: FromQuery[int | None] = None) -> Response[str]:
    """A teacher's week; with ``page``, that page's week (for whoever may read it); the
    administration and class teachers without ``page`` choose a page."""
    user = user_of(request)
    if page is not None and not 1 <= page <= MAX_ID:
        raise NotFoundException()
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
    monday, week_error = asked_week(week, today)
    await ensure_lessons(platform, user.school_id or 0, max(monday + timedelta(days=6), today))
    teaches = allows(request, FILL)
    values: dict[str, Any] = {"monday": monday, "today": today, "week_error": week_error, "page_id": page,
                              "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
                              "extra_css": JOURNAL_CSS, "teaches": teaches, "choices": [], "held": [], "page_name": ""}
    async with platform.db.reading() as session:
        if page is not None:
            lines = await page_lessons(session, user, page, monday, monday + timedelta(days=6), today)
            values["page_name"] = await _page_name(session, page)
        elif teaches:
            lines = await teacher_week(session, user, monday, monday + timedelta(days=6))
        else:
            lines = []
        if page is None and (reads_everything(user) or allows(request, REASONS)):
            values["choices"] = await page_choices(session, user, today)
        if teaches:
            values["held"] = await held_pages(session, user, today)
    values.update(days=by_day(lines, monday), lines=lines, page_title=values.get("page_name") or _("Lessons"),
                  to_fill=sum(1 for line in lines if not line.filled and line.state == "active" and line.day <= today),
                  awaiting=sum(1 for line in lines if line.state == "cancelled"))
    return await render(request, "journal/lessons.html", values)


async def _page_name(session: AsyncSession, page_id: int) -> str:
    row = (await session.execute(
        select(Subject.name, holder_label())
        .join(SubjectPage, SubjectPage.subject_id == Subject.id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id).where(SubjectPage.id == page_id))).first()
    return f"{row[0]}, {row[1]}" if row else ""


@post("/lessons/extra", name="journal:extra_lesson_create", opt=FILL_OPT)
async def extra_lesson_create(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """An extra lesson on one of the teacher's pages; a wrong field comes back as a message."""
    user = user_of(request)
    form = await request.form()
    page_text, day_text, number_text = (str(form.get(name, "")).strip() for name in ("page_id", "day", "number"))
    try:
        day = parse_date(day_text)
    except StructureError:
        day, day_text = None, ""
    number = int(number_text) if number_text.isascii() and number_text.isdigit() and len(number_text) < 3 else None
    page_id = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 10 else None
    try:
        if number_text and number is None:
            raise LessonError("number", _("The lesson number is from 0 to 12."))
        async with platform.db.writing() as session:
            lesson = await LessonService(session, user, await school_day(session, user.school_id or 0)).add_extra(
                page_id, day, number)
            lesson_id = lesson.id
    except LessonError as error:
        flash(request, error.message, "error")
        return redirect(request, f"/journal/lessons?week={day_text}")
    flash(request, _("An extra lesson on %(date)s is added.", date=format_day(day)))
    return redirect(request, f"/journal/lessons/{lesson_id}")


@get("/absences", name="journal:absences_home", opt=REASONS_OPT)
async def absences_home(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """A class teacher's absences: their class's page, or a choice when they lead several."""
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        classes = await led_classes(session, user.id, user.school_id or 0, today)
        names = [(group.id, f"{group.grade_level}{group.letter}") for group in (await session.execute(
            select(ClassGroup).where(ClassGroup.id.in_(classes or [0])).order_by(ClassGroup.grade_level, ClassGroup.letter)))
            .scalars()]
    if len(classes) == 1:
        return redirect(request, f"/journal/classes/{classes[0]}/absences")
    return await render(request, "journal/absences_home.html", {"page_title": _("Absences"), "extra_css": JOURNAL_CSS,
                                                                "classes": names})


ROUTES = [lessons_page, extra_lesson_create, absences_home]

"""The day's changes of the timetable (regulation 4.3): the list everyone on the staff reads (and
prints for the staff room), and for the dispatcher the form that records a change — checked
against the day's lessons before it is saved — and the button that withdraws one."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.di import FromPath, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.platform import Platform
from core.structure.common import StructureError, format_day, owned, staff_choices
from core.timetable.changes import ChangeInput, ChangeService
from core.timetable.common import ConflictError
from core.timetable.lessons import MOVED_IN, Lesson, TimetableData, load_timetable
from core.timetable.models import TimetableChange
from core.web.pages import flash, redirect, render, render_fragment
from core.web.sessions import current_user
from core.web.structure.common import form_date, form_int, refusal_errors, school_day
from core.web.timetable.common import CHANGES, VIEW, next_school_day, asked_day, school_of, timetable_context

TEMPLATES = "core/timetable/"
DayParam = Annotated[str, QueryParameter(name="day")]
CHECK = TEMPLATES + "_change_check.html"  # swapped into the form's answer area


@dataclass
class ChangeForm:
    """The dispatcher's form, as typed: parsed and checked by ``change_input``."""

    day: str = ""
    kind: str = ""
    slot_id: str = ""
    teacher_id: str = ""
    page_id: str = ""
    room_id: str = ""
    to_date: str = ""
    to_number: str = ""
    merged_slot_id: str = ""
    ends_on: str = ""
    reason: str = ""
    replaced_teacher_id: str = ""


def change_input(form: ChangeForm) -> ChangeInput:
    """The form's values as the service takes them; a malformed number or date names its field."""
    def number(field: str) -> int | None:
        return form_int(getattr(form, field), field, _("Choose from the list."))
    return ChangeInput(
        kind=form.kind.strip(), day=form_date(form.day, "day"), slot_id=number("slot_id"), teacher_id=number("teacher_id"),
        page_id=number("page_id"), room_id=number("room_id"), to_date=form_date(form.to_date, "to_date"),
        to_number=form_int(form.to_number, "to_number", _("Enter a lesson number.")), merged_slot_id=number("merged_slot_id"),
        ends_on=form_date(form.ends_on, "ends_on"), reason=form.reason, replaced_teacher_id=number("replaced_teacher_id"))


@dataclass
class ChangeRow:
    """A recorded change as the list shows it."""

    change: TimetableChange
    lesson: Lesson | None
    author: str
    withdrawn_by: str


async def changes_page(request: Request, platform: Platform, day_text: str, *, form: dict[str, str] | None = None,
                       errors: dict[str, str] | None = None, conflicts: list[str] | None = None,
                       status_code: int = 200) -> Response[str]:
    school_id = school_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, school_id)
        day, date_error = asked_day(day_text, next_school_day(today))
        data = await load_timetable(session, school_id, day, day)
        recorded = await ChangeService(session, school_id, today).changes_of(day)
        authors = await _names(session, {c.created_by for c in recorded} | {c.withdrawn_by for c in recorded})
        staff = await staff_choices(session, school_id)
    lessons = data.lessons_on(day)
    rows = [ChangeRow(change, _lesson_of(change, lessons, data), authors.get(change.created_by or 0, ""),
                      authors.get(change.withdrawn_by or 0, "")) for change in recorded]
    choices = [lesson for lesson in lessons if lesson.status != MOVED_IN and lesson.slot_id is not None]
    values = form or {"day": day.isoformat(), "kind": "substitute"}
    return await render(request, TEMPLATES + "changes.html", timetable_context(
        request, "changes", day=day, today=today, date_error=date_error, rows=rows, data=data, lessons=choices,
        staff=staff, pages=sorted(data.pages.values(), key=lambda p: (p.grade_level, p.holder, p.subject)),
        rooms=[room for room in data.rooms.values() if not room.is_archived], previous=day - timedelta(days=1),
        next=day + timedelta(days=1), form=values, errors=errors or {}, conflicts=conflicts or []), status_code=status_code)


def _lesson_of(change: TimetableChange, lessons: list[Lesson], data: TimetableData) -> Lesson | None:
    """The lesson the change is about, as the day shows it (a withdrawn change: the planned lesson)."""
    if change.kind == "replacement":
        return None
    return next((lesson for lesson in lessons if lesson.change is change), None) or \
        next((lesson for lesson in lessons if lesson.slot_id == change.slot_id and lesson.status != MOVED_IN), None)


async def _names(session: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict((await session.execute(select(UserAccount.id, UserAccount.full_name).where(UserAccount.id.in_(wanted)))).all())


@get("/timetable/changes", name="core:timetable_changes", opt=VIEW)
async def changes_list(request: Request, platform: NamedDependency[Platform], day: DayParam = "") -> Response[str]:
    return await changes_page(request, platform, day)


@post("/timetable/changes", name="core:timetable_change_create", opt=CHANGES)
async def change_create(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[ChangeForm]) -> Response[str]:
    """Record a change; a wrong field or a conflict shows the form again with the message, nothing saved."""
    school_id, user = school_of(request), current_user(request)
    try:
        async with platform.db.writing() as session:
            today = await school_day(session, school_id)
            change = await ChangeService(session, school_id, today, user.id if user else None).record(change_input(data))
            day = change.on_date
    except ConflictError as error:
        return await changes_page(request, platform, data.day, form=asdict(data), errors={"conflicts": error.message},
                                  conflicts=error.conflicts, status_code=422)
    except StructureError as error:
        return await changes_page(request, platform, data.day, form=asdict(data), errors=refusal_errors(error), status_code=422)
    flash(request, _("The change for %(date)s is recorded.", date=format_day(day)))
    return redirect(request, f"/timetable/changes?day={day.isoformat()}")


@post("/timetable/changes/check", name="core:timetable_change_check", opt=CHANGES)
async def change_check(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[ChangeForm]) -> Response[str]:
    """What saving the form would meet: its conflicts, or a wrong field. Nothing is saved."""
    school_id = school_of(request)
    values: dict[str, Any] = {"conflicts": [], "error": ""}
    try:
        async with platform.db.reading() as session:
            today = await school_day(session, school_id)
            plan = await ChangeService(session, school_id, today).plan(change_input(data))
            values["conflicts"] = plan.conflicts
    except StructureError as error:
        values["error"] = error.message
    return await render_fragment(request, CHECK, values)


@post("/timetable/changes/{change_id:int}/withdraw", name="core:timetable_change_withdraw", opt=CHANGES)
async def change_withdraw(request: Request, change_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    school_id, user = school_of(request), current_user(request)
    day: date | None = None
    try:
        async with platform.db.writing() as session:
            change = await owned(session, TimetableChange, change_id, school_id)
            day = change.on_date
            today = await school_day(session, school_id)
            await ChangeService(session, school_id, today, user.id if user else None).withdraw(change)
    except ConflictError as error:
        return await changes_page(request, platform, day.isoformat() if day else "", errors={"withdraw": error.message},
                                  conflicts=error.conflicts, status_code=422)
    except StructureError as error:
        return await changes_page(request, platform, day.isoformat() if day else "", errors={"withdraw": error.message},
                                  status_code=422)
    flash(request, _("The change is withdrawn: the lesson is as the timetable has it."))
    return redirect(request, f"/timetable/changes?day={day.isoformat() if day else ''}")


ROUTES = [changes_list, change_create, change_check, change_withdraw]

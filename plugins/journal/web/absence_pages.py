"""The class teacher's absences page: a week of the class's attendance entries across subjects, by
student and day, each with a small form (code and reason) swapped in place by htmx, and per student
a form that sets one code and reason on every absence of a range of days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar import Request, Response, get, post

from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import gettext as _
from core.i18n import ngettext
from core.platform import Platform
from core.structure.common import StructureError, format_day, short_name
from core.web.pages import flash, redirect, render, render_fragment, wants_partial
from core.web.structure.common import form_date, form_int, school_day
from core.web.timetable.common import asked_day
from core.timetable.lessons import monday_of
from plugins.journal.absences import REASON_MAX, AbsenceService, AbsenceWeek, BulkInput
from plugins.journal.filling import FillRefused
from plugins.journal.web.common import JOURNAL_CSS, REASONS_OPT, day_label, user_of

PAGE, ROW = "journal/absences.html", "journal/_absence_row.html"


@dataclass
class ReasonForm:
    code: str = ""
    reason: str = ""
    version: str = ""


@dataclass
class BulkForm:
    student_id: str = ""
    starts_on: str = ""
    ends_on: str = ""
    code: str = ""
    reason: str = ""
    week: str = ""


@dataclass
class Refusal:
    """A refused form, shown again where it was: what was typed, the messages, a current value."""

    typed: dict[str, str]
    errors: dict[str, str]
    conflict: Any = None


def week_url(class_id: int, monday: date) -> str:
    return f"/journal/classes/{class_id}/absences?week={monday.isoformat()}"


async def week_context(request: Request, platform: Platform, class_id: int, week_text: str,
                       rows: dict[int, Refusal] | None = None, bulk: dict[int, Refusal] | None = None) -> dict[str, Any]:
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        day, date_error = asked_day(week_text, today)
        week = await AbsenceService(session, user, today).week(class_id, monday_of(day))
    return {
        "week": week, "today": today, "date_error": date_error, "previous": week.monday - timedelta(days=7),
        "next": week.monday + timedelta(days=7), "this_week": monday_of(today), "refused_rows": rows or {},
        "refused_bulk": bulk or {}, "reason_max": REASON_MAX, "day_label": day_label, "format_day": format_day,
        "short_name": short_name, "page_title": _("Absences of %(holder)s", holder=week.holder),
        "extra_css": JOURNAL_CSS,
        **codes_context(week),
    }


def codes_context(week: AbsenceWeek) -> dict[str, Any]:
    return {"codes": {code.code: code for code in week.codes},
            "active_codes": [code for code in week.codes if not code.is_archived],
            "absence_codes": [code for code in week.codes if not code.is_archived and code.is_absence]}


@get("/classes/{class_id:int}/absences", name="journal:absences", opt=REASONS_OPT)
async def absences_page(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                        week: FromQuery[str] = "") -> Response[str]:
    return await render(request, PAGE, await week_context(request, platform, class_id, week))


@post("/attendance/{attendance_id:int}/reason", name="journal:absence_reason", opt=REASONS_OPT)
async def absence_reason(request: Request, attendance_id: FromPath[int], platform: NamedDependency[Platform],
                         data: URLEncodedBody[ReasonForm]) -> Response[str]:
    """Save one entry's code and reason; htmx gets its row back (refused: 422, or 409 with the
    value stored now), a plain form the week again."""
    user = user_of(request)
    refusal, status = None, 200
    try:
        async with platform.db.writing() as session:
            service = AbsenceService(session, user, await school_day(session, user.school_id or 0))
            changed = await service.set_reason(attendance_id, data.code, data.reason, data.version)
    except FillRefused as refused:
        refusal = Refusal({"code": data.code, "reason": data.reason}, refused.errors, refused.conflicts.get("entry"))
        status = refused.status
        flash(request, _("Nothing was saved: someone changed this entry meanwhile. The current value is shown.")
              if status == 409 else _("Nothing was saved: correct the marked fields."), "error")
    else:
        flash(request, _("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    async with platform.db.reading() as session:
        row = await AbsenceService(session, user, await school_day(session, user.school_id or 0)).find(attendance_id)
    target = f"journal-absence-{attendance_id}"
    if row is None:  # marked present meanwhile: the entry is gone
        if wants_partial(request, target):
            return await render_fragment(request, ROW, {"row": None, "gone_id": attendance_id}, status_code=status)
        return redirect(request, "/journal/absences")
    if refusal is None and not wants_partial(request, target):
        return redirect(request, week_url(row.class_id, monday_of(row.day)))
    context = await week_context(request, platform, row.class_id, row.day.isoformat(),
                                 rows={row.id: refusal} if refusal else None)
    return await render(request, PAGE, {**context, "row": row, "refused": refusal}, partial=(ROW, target),
                        status_code=status)


def bulk_input(form: BulkForm) -> BulkInput:
    """The bulk form as the service takes it; a malformed date or id names its field."""
    try:
        return BulkInput(student_id=form_int(form.student_id, "student_id", _("Choose a student.")),
                         starts_on=form_date(form.starts_on, "starts_on"), ends_on=form_date(form.ends_on, "ends_on"),
                         code=form.code, reason=form.reason)
    except StructureError as error:
        raise FillRefused({error.field or "form": error.message}) from None


@post("/classes/{class_id:int}/absences", name="journal:absence_reasons_bulk", opt=REASONS_OPT)
async def absence_reasons_bulk(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                               data: URLEncodedBody[BulkForm]) -> Response[str]:
    """One code and reason on every absence of a student in a range of days: all or nothing."""
    user = user_of(request)
    try:
        wanted = bulk_input(data)
        async with platform.db.writing() as session:
            service = AbsenceService(session, user, await school_day(session, user.school_id or 0))
            changed = await service.bulk(class_id, wanted)
    except FillRefused as refused:
        student = form_int_or_zero(data.student_id)
        context = await week_context(request, platform, class_id, data.week or data.starts_on,
                                     bulk={student: Refusal(_typed(data), refused.errors)})
        flash(request, _("Nothing was saved: correct the marked fields."), "error")
        return await render(request, PAGE, context, status_code=refused.status)
    if changed:
        flash(request, ngettext("%(num)d entry was changed.", "%(num)d entries were changed.", changed))
    else:
        flash(request, _("Nothing changed."), "info")
    assert wanted.starts_on is not None
    return redirect(request, week_url(class_id, monday_of(asked_day(data.week, wanted.starts_on)[0])))


def form_int_or_zero(text: str) -> int:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


def _typed(form: BulkForm) -> dict[str, str]:
    return {"starts_on": form.starts_on, "ends_on": form.ends_on, "code": form.code, "reason": form.reason}


ROUTES = [absences_page, absence_reason, absence_reasons_bulk]

"""The per-lesson page: one form for the whole class (topic, homework, attendance, marks), saved
with htmx; a student's cell history; the decision about a cancelled lesson."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Mapping

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException

from core.di import FromPath, FromQuery, NamedDependency
from core.i18n import gettext as _
from core.platform import Platform
from core.structure.common import format_day
from core.web.pages import flash, redirect, render
from core.web.structure.common import school_day
from plugins.journal.filling import FillRefused, LessonContext, LessonFiller
from plugins.journal.history import FIELD_LABELS, history_of
from plugins.journal.lessons import REPLACEMENT_KINDS, LessonError, LessonService
from plugins.journal.scope import lesson_of, may_write, visible_students
from plugins.journal.sync import sync_after_lesson, sync_through
from plugins.journal.web.common import FILL_OPT, JOURNAL_CSS, VIEW_OPT, day_label, user_of

PAGE, FORM = "journal/lesson.html", "journal/_lesson_form.html"
FORM_ID = "journal-lesson"
HISTORY = "journal/_history.html"
FOLLOWING = timedelta(days=30)


def form_values(ctx: LessonContext) -> dict[str, str]:
    """The stored values as the form shows them (and sends back as ``__was``)."""
    lesson = ctx.lesson
    values = {"topic": lesson.topic, "homework": lesson.homework, "note": lesson.note,
              "homework_due": lesson.homework_due.isoformat() if lesson.homework_due else "",
              "no_homework": "1" if lesson.no_homework else "", "work_kind": str(lesson.work_kind_id or "")}
    for line in ctx.students:
        row = ctx.attendance.get(line.student_id)
        values[f"att-{line.student_id}"] = row.code if row else ""
    for grade in ctx.grades:
        values[f"grade-{grade.id}"] = grade.mark
        values[f"grade-{grade.id}-kind"] = str(grade.work_kind_id)
    return values


async def read_context(platform: Platform, user: Any, lesson_id: int) -> tuple[LessonContext, date]:
    """The lesson as the person may read it, and the school's today, in one read session."""
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        return await LessonFiller(session, platform, user, today).context(lesson_id), today


def lesson_context(ctx: LessonContext, today: date, *, can_write: bool, typed: Mapping[str, str] | None = None,
                   errors: dict[str, str] | None = None, conflicts: dict[str, Any] | None = None) -> dict[str, Any]:
    stored = form_values(ctx)
    lesson = ctx.lesson
    return {
        "ctx": ctx, "lesson": lesson, "stored": stored, "values": {**stored, **(typed or {})},
        "errors": errors or {}, "conflicts": conflicts or {}, "can_write": can_write and lesson.state == "active",
        "is_replacement": lesson.change_kind in REPLACEMENT_KINDS, "day_label": day_label(lesson.day),
        "future": lesson.day > today, "today": today, "page_title": f"{ctx.subject.name}, {ctx.holder}",
        "extra_css": JOURNAL_CSS, "field_labels": FIELD_LABELS,
    }


async def ensure_following(platform: Platform, user: Any, lesson_id: int) -> None:
    """The page's lessons a month past this one exist, so the homework's due date defaults to the
    next one even across a holiday (one statement; written only the first time)."""
    await sync_after_lesson(platform, user.school_id or 0, lesson_id, FOLLOWING)


@get("/lessons/{lesson_id:int}", name="journal:lesson", opt=VIEW_OPT)
async def lesson_page(request: Request, lesson_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    user = user_of(request)
    await ensure_following(platform, user, lesson_id)
    async with platform.db.reading() as session:
        filler = LessonFiller(session, platform, user, await school_day(session, user.school_id or 0))
        ctx = await filler.context(lesson_id)
        can_write = await may_write(session, user, ctx.lesson)
        narrow(ctx, await visible_students(session, user, ctx.lesson, can_write=can_write))
        choices = await LessonService(session, user, filler.today).transfer_choices(ctx.lesson) \
            if can_write and ctx.lesson.state == "cancelled" else []
    values = lesson_context(ctx, filler.today, can_write=can_write)
    return await render(request, PAGE, {**values, "transfer_choices": choices, "can_decide": can_write},
                        partial=(FORM, FORM_ID))


@post("/lessons/{lesson_id:int}", name="journal:lesson_save", opt=FILL_OPT)
async def lesson_save(request: Request, lesson_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    """Save the whole form, or nothing: bad input (422) and stale values (409) show the form again
    with what was typed and, by each refused value, the message or the value stored now."""
    user = user_of(request)
    typed = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    await ensure_following(platform, user, lesson_id)
    try:
        async with platform.db.writing() as session:
            filler = LessonFiller(session, platform, user, await school_day(session, user.school_id or 0))
            ctx, summary = await filler.save(lesson_id, typed)
    except FillRefused as refused:
        ctx, today = await read_context(platform, user, lesson_id)
        values = lesson_context(ctx, today, can_write=True, typed=_refused_form(typed), errors=refused.errors,
                                conflicts=refused.conflicts)
        flash(request, _("Nothing was saved: someone changed this lesson meanwhile. The current values are shown "
                         "beside yours.") if refused.status == 409 else _("Nothing was saved: correct the marked fields."),
              "error")
        return await render(request, PAGE, values, partial=(FORM, FORM_ID), status_code=refused.status)
    if not request.headers.get("hx-request"):
        flash(request, _("The lesson is saved."))
        return redirect(request, f"/journal/lessons/{lesson_id}")
    ctx, today = await read_context(platform, user, lesson_id)
    flash(request, _("The lesson is saved.") if summary.anything else _("Nothing changed."), "success" if summary.anything else "info")
    return await render(request, PAGE, lesson_context(ctx, today, can_write=True), partial=(FORM, FORM_ID))


def narrow(ctx: LessonContext, visible: set[int] | None) -> None:
    """Only the cells the reader may see (a class teacher reading a group of several classes)."""
    if visible is None:
        return
    ctx.students = [line for line in ctx.students if line.student_id in visible]
    ctx.grades = [grade for grade in ctx.grades if grade.student_id in visible]
    ctx.attendance = {student: row for student, row in ctx.attendance.items() if student in visible}


def _refused_form(typed: Mapping[str, str]) -> dict[str, str]:
    """What the person changed, to show again over the values stored now. A field they left as it
    was shows its stored value: sending the stale one back would undo someone else's change."""
    shown = {key[:-5]: was for key, was in typed.items() if key.endswith("__was")}
    changed = {key: typed.get(key, "") for key, was in shown.items() if typed.get(key, "") != was}
    typed_new = {key: value for key, value in typed.items() if key.startswith("new-") or key in ("new_kind", "reason")}
    return {**changed, **typed_new}


@get("/lessons/{lesson_id:int}/history", name="journal:cell_history", opt=VIEW_OPT)
async def cell_history(request: Request, lesson_id: FromPath[int], platform: NamedDependency[Platform],
                       student: FromQuery[int | None] = None) -> Response[str]:
    """The history of a student's cell of the lesson (attendance and marks), or of the lesson's fields."""
    user = user_of(request)
    async with platform.db.reading() as session:
        ctx = await LessonFiller(session, platform, user, await school_day(session, user.school_id or 0)).context(lesson_id)
        visible = await visible_students(session, user, ctx.lesson)
        if student is not None and (student not in ctx.on_page and not any(g.student_id == student for g in ctx.grades)
                                    or visible is not None and student not in visible):
            raise NotFoundException()
        lines = await history_of(session, lesson_id, student)
    name = next((line.name for line in ctx.students if line.student_id == student), "") if student else ""
    values = {"ctx": ctx, "lesson": ctx.lesson, "lines": lines, "student_name": name, "field_labels": FIELD_LABELS,
              "day_label": day_label(ctx.lesson.day), "page_title": _("History"), "extra_css": JOURNAL_CSS}
    return await render(request, "journal/history.html", values, partial=(HISTORY, "journal-history"))


@post("/lessons/{lesson_id:int}/decision", name="journal:lesson_decide", opt=FILL_OPT)
async def lesson_decide(request: Request, lesson_id: FromPath[int], platform: NamedDependency[Platform]) -> Response[str]:
    user = user_of(request)
    form = await request.form()
    decision, target = str(form.get("decision", "")), str(form.get("target_id", ""))
    target_id = int(target) if target.isascii() and target.isdigit() and len(target) < 10 else None
    try:
        async with platform.db.writing() as session:
            service = LessonService(session, user, await school_day(session, user.school_id or 0))
            lesson, _page = await lesson_of(session, user, lesson_id, write=True)
            page_id, day = lesson.subject_page_id, lesson.day
            kept = await service.decide(lesson_id, decision, target_id)
    except LessonError as error:
        flash(request, error.message, "error")
        return redirect(request, f"/journal/lessons/{lesson_id}")
    if kept is not None:
        flash(request, _("The lesson stays in the journal as given."))
        return redirect(request, f"/journal/lessons/{lesson_id}")
    flash(request, _("The data of the cancelled lesson of %(date)s is transferred.", date=format_day(day))
          if decision == "transferred" else _("The cancelled lesson of %(date)s is removed; its history is kept.",
                                               date=format_day(day)))
    return redirect(request, f"/journal/lessons?page={page_id}&week={day.isoformat()}")


async def ensure_lessons(platform: Platform, school_id: int, through: Any) -> None:
    """Lessons exist up to ``through`` (and two weeks ahead, for homework due dates)."""
    await sync_through(platform, school_id, through + timedelta(days=14))


ROUTES = [lesson_page, lesson_save, cell_history, lesson_decide]

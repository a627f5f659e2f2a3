"""The journal's reports: the timeliness report and the substitutions of a month (the deputy and
the director), a class's summary sheets (they and the class's class teacher), a page's results of a
period (whoever reads the page); each on screen and as XLSX."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.di import FromPath, FromQuery, NamedDependency
from core.audit.views import note_view
from core.i18n import N_
from core.i18n import gettext as _
from core.people.spreadsheets import Sheet, xlsx_bytes
from core.platform import Platform
from core.structure.common import overlapping
from core.structure.models import AcademicYear, ClassGroup, ClassTeacherAppointment
from core.timetable.models import CHANGE_KIND_LABELS
from core.web.guards import MAX_ID
from core.web.pages import render
from core.web.people.reports_pages import RangeEnd, RangeStart, asked_range, attachment
from core.web.structure.common import school_day
from plugins.journal.closing import YEAR, Term, current_year, term_name, year_terms
from plugins.journal.final_marks import FinalsService
from plugins.journal.web.final_pages import term_key
from plugins.journal.grid import choose_period
from plugins.journal.scope import reads_everything
from plugins.journal.substitutions import substitutions
from plugins.journal.summaries import attendance_summary, grades_summary, page_results
from plugins.journal.timeliness import state_name, timeliness, timeliness_sheets
from plugins.journal.permissions import CLOSE, FILL
from plugins.journal.web.common import JOURNAL_CSS, REPORTS_OPT, SUMMARIES_OPT, VIEW_OPT, allows, user_of

TEMPLATES = "journal/"


# ---- the reports' start page ---------------------------------------------------------------------


@get("/reports", name="journal:reports", opt=REPORTS_OPT)
async def reports_home(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    """The reports, and the classes whose summary sheets to open."""
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        year = await current_year(session, user.school_id or 0, today)
        classes = list((await session.execute(select(ClassGroup).where(ClassGroup.academic_year_id == year.id)
                                               .order_by(ClassGroup.grade_level, ClassGroup.letter))).scalars())
    return await render(request, TEMPLATES + "reports.html", {
        "classes": classes, "year": year, "today": today, "may_close": allows(request, CLOSE),
        "page_title": _("Journal reports"), "extra_css": JOURNAL_CSS})


# ---- timeliness ----------------------------------------------------------------------------------


async def _timeliness_context(request: Request, platform: Platform, start: str, end: str) -> dict[str, Any]:
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        year = await current_year(session, user.school_id or 0, today)
        starts_on, ends_on, errors = asked_range(start, end, (max(year.starts_on, today.replace(day=1)), today))
        report = None if errors else await timeliness(session, user.school_id or 0, starts_on, ends_on)
    form = {"from": start[:20] if errors.get("from") else starts_on.isoformat(),
            "to": end[:20] if errors.get("to") else ends_on.isoformat()}
    return {"report": report, "errors": errors, "form": form, "state_name": state_name,
            "page_title": _("Journal access report"), "extra_css": JOURNAL_CSS}


@get("/reports/timeliness", name="journal:timeliness", opt=REPORTS_OPT)
async def timeliness_page(request: Request, platform: NamedDependency[Platform], start: RangeStart = "",
                          end: RangeEnd = "", teacher: FromQuery[int | None] = None,
                          page: FromQuery[int | None] = None) -> Response[str]:
    """«Отчет о доступе к классному журналу»: per teacher and page, lessons due, on time, late,
    not filled; ``teacher`` (and ``page``) lists the lessons behind the figures."""
    context = await _timeliness_context(request, platform, start, end)
    report = context["report"]
    context["shown"] = report.of(teacher, page) if report is not None and teacher is not None else None
    context["shown_teacher"], context["shown_page"] = teacher, page
    return await render(request, TEMPLATES + "timeliness.html", context, status_code=422 if context["errors"] else 200)


@get("/reports/timeliness.xlsx", name="journal:timeliness_export", opt=REPORTS_OPT)
async def timeliness_export(request: Request, platform: NamedDependency[Platform], start: RangeStart = "",
                            end: RangeEnd = "") -> Response[Any]:
    context = await _timeliness_context(request, platform, start, end)
    if context["errors"]:
        return await render(request, TEMPLATES + "timeliness.html", context, status_code=422)
    report = context["report"]
    return attachment(xlsx_bytes(timeliness_sheets(report)), report.filename())


# ---- substitutions -------------------------------------------------------------------------------


def _month(text: str, today: date) -> tuple[date, dict[str, str]]:
    text = text.strip()
    if not text:
        return today.replace(day=1), {}
    parts = text.split("-")
    if len(parts) == 2 and all(part.isascii() and part.isdigit() for part in parts) and len(parts[0]) == 4 \
            and 1 <= int(parts[1]) <= 12 and 1990 <= int(parts[0]) <= 2100:
        return date(int(parts[0]), int(parts[1]), 1), {}
    return today.replace(day=1), {"month": _("Choose a month, e.g. 2026-11.")}


async def _substitutions_context(request: Request, platform: Platform, month: str) -> dict[str, Any]:
    user = user_of(request)
    async with platform.db.reading() as session:
        today = await school_day(session, user.school_id or 0)
        first, errors = _month(month, today)
        report = await substitutions(session, user.school_id or 0, first)
    return {"report": report, "errors": errors, "month": first.strftime("%Y-%m"), "change_kind_labels": CHANGE_KIND_LABELS,
            "today": today,
            "page_title": _("Substitutions"), "extra_css": JOURNAL_CSS}


@get("/reports/substitutions", name="journal:substitutions", opt=REPORTS_OPT)
async def substitutions_page(request: Request, platform: NamedDependency[Platform], month: FromQuery[str] = "") -> Response[str]:
    """A month's substitutions: per teacher, the lessons given in place of another, by kind."""
    context = await _substitutions_context(request, platform, month)
    return await render(request, TEMPLATES + "substitutions.html", context, status_code=422 if context["errors"] else 200)


@get("/reports/substitutions.xlsx", name="journal:substitutions_export", opt=REPORTS_OPT)
async def substitutions_export(request: Request, platform: NamedDependency[Platform], month: FromQuery[str] = "") -> Response[Any]:
    context = await _substitutions_context(request, platform, month)
    if context["errors"]:
        return await render(request, TEMPLATES + "substitutions.html", context, status_code=422)
    return attachment(xlsx_bytes(context["report"].sheets()), context["report"].filename())


# ---- a class's summary sheets --------------------------------------------------------------------


async def readable_class(session: AsyncSession, user: CurrentUser, class_id: int) -> ClassGroup:
    """The class, if the reader reads every journal of the school or led it some day of its year."""
    if not 1 <= class_id <= MAX_ID:
        raise NotFoundException()
    found = await session.get(ClassGroup, class_id)
    if found is None or found.school_id != user.school_id:
        raise NotFoundException()
    if reads_everything(user):
        return found
    year = await session.get(AcademicYear, found.academic_year_id)
    assert year is not None
    led = await session.scalar(select(ClassTeacherAppointment.id).where(
        ClassTeacherAppointment.class_group_id == class_id, ClassTeacherAppointment.teacher_id == user.id,
        overlapping(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, year.starts_on, year.ends_on)).limit(1))
    if led is None or "class_teacher" not in user.roles:
        raise NotFoundException()
    return found


async def _class_terms(session: AsyncSession, class_group: ClassGroup) -> list[Term]:
    year = await session.get(AcademicYear, class_group.academic_year_id)
    assert year is not None
    terms, kinds = await year_terms(session, year)
    kind = kinds.get(class_group.grade_level)
    return [term for term in terms if term.period_id is None or not kind or term.kind == kind]


def _chosen_term(terms: list[Term], key: str, today: date) -> Term:
    if key:
        found = next((term for term in terms if term.key == key), None)
        if found is None:
            raise NotFoundException()
        return found
    ended = [term for term in terms if term.period_id is not None and term.ends_on <= today]
    current = [term for term in terms if term.period_id is not None and term.starts_on <= today <= term.ends_on]
    return (current or ended or terms)[-1]


async def _grades_context(request: Request, platform: Platform, class_id: int, term: str) -> dict[str, Any]:
    user = user_of(request)
    async with platform.db.reading() as session:
        class_group = await readable_class(session, user, class_id)
        today = await school_day(session, user.school_id or 0)
        terms = await _class_terms(session, class_group)
        chosen = _chosen_term(terms, term_key(term), today)
        summary = await grades_summary(session, class_group, chosen)
    holder = f"{class_group.grade_level}{class_group.letter}"
    return {"summary": summary, "terms": terms, "term": chosen, "term_names": {t.key: term_name(t) for t in terms},
            "holder": holder, "page_title": _("Summary of marks: %(holder)s", holder=holder), "extra_css": JOURNAL_CSS}


@get("/classes/{class_id:int}/summary", name="journal:grades_summary", opt=SUMMARIES_OPT)
async def grades_summary_page(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                              term: FromQuery[str] = "") -> Response[str]:
    """«Сводная ведомость учета успеваемости»: the class's marks of a period or the year by subject."""
    context = await _grades_context(request, platform, class_id, term)
    await note_view(platform, user_of(request), kind="class", object_id=class_id, what=N_("the summary of marks"))
    return await render(request, TEMPLATES + "grades_summary.html", context)


@get("/classes/{class_id:int}/summary.xlsx", name="journal:grades_summary_export", opt=SUMMARIES_OPT)
async def grades_summary_export(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                                term: FromQuery[str] = "") -> Response[bytes]:
    context = await _grades_context(request, platform, class_id, term)
    await note_view(platform, user_of(request), kind="class", object_id=class_id, what=N_("the summary of marks (XLSX)"))
    sheet = context["summary"].sheet(context["holder"], context["term_names"][context["term"].key])
    return attachment(xlsx_bytes([sheet]), f"marks-{class_id}-{context['term'].key}.xlsx")


async def _attendance_context(request: Request, platform: Platform, class_id: int, start: str, end: str) -> dict[str, Any]:
    user = user_of(request)
    async with platform.db.reading() as session:
        class_group = await readable_class(session, user, class_id)
        today = await school_day(session, user.school_id or 0)
        year = await session.get(AcademicYear, class_group.academic_year_id)
        assert year is not None
        starts_on, ends_on, errors = asked_range(start, end, (year.starts_on, min(max(today, year.starts_on), year.ends_on)))
        summary = None if errors else await attendance_summary(session, class_group, starts_on, ends_on)
    holder = f"{class_group.grade_level}{class_group.letter}"
    form = {"from": start[:20] if errors.get("from") else starts_on.isoformat(),
            "to": end[:20] if errors.get("to") else ends_on.isoformat()}
    return {"summary": summary, "errors": errors, "form": form, "holder": holder, "class_group": class_group,
            "page_title": _("Summary of attendance: %(holder)s", holder=holder), "extra_css": JOURNAL_CSS}


@get("/classes/{class_id:int}/attendance", name="journal:attendance_summary", opt=SUMMARIES_OPT)
async def attendance_summary_page(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                                  start: RangeStart = "", end: RangeEnd = "") -> Response[str]:
    """«Сводная ведомость учета посещаемости»: lessons and days missed per student and month."""
    context = await _attendance_context(request, platform, class_id, start, end)
    await note_view(platform, user_of(request), kind="class", object_id=class_id, what=N_("the summary of attendance"))
    return await render(request, TEMPLATES + "attendance_summary.html", context,
                        status_code=422 if context["errors"] else 200)


@get("/classes/{class_id:int}/attendance.xlsx", name="journal:attendance_summary_export", opt=SUMMARIES_OPT)
async def attendance_summary_export(request: Request, class_id: FromPath[int], platform: NamedDependency[Platform],
                                    start: RangeStart = "", end: RangeEnd = "") -> Response[Any]:
    context = await _attendance_context(request, platform, class_id, start, end)
    if context["errors"]:
        return await render(request, TEMPLATES + "attendance_summary.html", context, status_code=422)
    summary = context["summary"]
    await note_view(platform, user_of(request), kind="class", object_id=class_id, what=N_("the summary of attendance (XLSX)"))
    return attachment(xlsx_bytes([summary.sheet(context["holder"])]),
                      f"attendance-{class_id}-{summary.starts_on.isoformat()}-{summary.ends_on.isoformat()}.xlsx")


# ---- a page's results of a period ----------------------------------------------------------------


async def _results_context(request: Request, platform: Platform, page_id: int, term: str) -> dict[str, Any]:
    user = user_of(request)
    if not 1 <= page_id <= MAX_ID:
        raise NotFoundException()
    key = term_key(term)
    async with platform.db.reading() as session:
        service = FinalsService(session, platform, user)
        if not key:
            head, _access, periods = await service.reader().periods(page_id, allows(request, FILL))
            chosen = choose_period(periods, None, await school_day(session, user.school_id or 0))
            key = str(chosen.id) if chosen.id else YEAR
        sheet = await service.sheet(page_id, key, allows(request, FILL))
    main = sheet.kinds[0]
    needed = [line for line in sheet.lines if line.needed]
    results = page_results([line.mark(main) for line in needed], len(needed))
    terms = [period for period in sheet.periods if period.id]
    return {"sheet": sheet, "results": results, "terms": terms, "term_title": term_name(sheet.term),
            "term_names": {period.id: term_name(period) for period in terms},
            "page_title": _("Results: %(page)s", page=sheet.title), "extra_css": JOURNAL_CSS}


@get("/pages/{page_id:int}/results", name="journal:page_results", opt=VIEW_OPT)
async def page_results_page(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                            term: FromQuery[str] = "") -> Response[str]:
    """«Итоги успеваемости по предмету за период»: the marks of a term, their counts, the rates, the average."""
    context = await _results_context(request, platform, page_id, term)
    return await render(request, TEMPLATES + "page_results.html", context)


@get("/pages/{page_id:int}/results.xlsx", name="journal:page_results_export", opt=VIEW_OPT)
async def page_results_export(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                              term: FromQuery[str] = "") -> Response[bytes]:
    context = await _results_context(request, platform, page_id, term)
    sheet, results = context["sheet"], context["results"]
    main = sheet.kinds[0]
    marks = results.shown_marks
    rows = [[index, line.name, line.mark(main), line.average] for index, line in
            enumerate((line for line in sheet.lines if line.needed), start=1)]
    footer = [["", _("Marks"), *[f"«{mark}»: {results.counts[mark]}" for mark in marks]],
              ["", _("Success rate"), results.rates.success], ["", _("Quality rate"), results.rates.quality],
              ["", _("Average"), results.average], ["", _("Without a mark"), results.without]]
    workbook = Sheet(f"{sheet.head.holder} {context['term_title']}", ["№", _("Student"), context["term_title"], _("Average")],
                     rows, footer=footer)
    return attachment(xlsx_bytes([workbook]), f"results-{page_id}-{sheet.term.key}.xlsx")


ROUTES = [reports_home, timeliness_page, timeliness_export, substitutions_page, substitutions_export, grades_summary_page,
          grades_summary_export, attendance_summary_page, attendance_summary_export, page_results_page, page_results_export]

"""Final marks: a page's sheet for a term (a study period, or the year with its exam and final
marks), and the deputy's page of deadlines and closed periods."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException

from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency
from core.i18n import gettext as _, ngettext
from core.platform import Platform
from core.school.models import School
from core.structure.common import school_today
from core.web.guards import MAX_ID
from core.web.pages import flash, redirect, render
from core.web.structure.common import school_day
from plugins.journal.closing import YEAR, ClosingRefused, PeriodsService, current_year, term_name
from plugins.journal.final_marks import FinalsRefused, FinalsService
from plugins.journal.grid import GridReader, choose_period
from plugins.journal.history import final_history_of
from plugins.journal.permissions import FILL
from plugins.journal.rules import finals_open_days
from plugins.journal.web.common import CLOSE_OPT, FILL_OPT, JOURNAL_CSS, VIEW_OPT, allows, user_of

SHEET, PERIODS = "journal/finals.html", "journal/periods.html"
TERM_KEY_LENGTH = 10


def term_key(text: str) -> str:
    """A term's key from the address: "" (not chosen), «year» or a study period's id; else 404."""
    text = text.strip()
    if text == YEAR or text == "":
        return text
    if not (text.isascii() and text.isdigit() and len(text) <= TERM_KEY_LENGTH and 1 <= int(text) <= MAX_ID):
        raise NotFoundException()
    return text


async def _sheet_page(request: Request, platform: Platform, page_id: int, key: str, *,
                      refused: FinalsRefused | None = None, typed: dict[str, str] | None = None) -> Response[str]:
    user = user_of(request)
    async with platform.db.reading() as session:
        service = FinalsService(session, platform, user)
        if not key:
            head, _access, periods = await GridReader(session, platform, user).periods(page_id, allows(request, FILL))
            chosen = choose_period(periods, None, school_today(head.school.timezone))
            key = str(chosen.id) if chosen.id else YEAR
        sheet = await service.sheet(page_id, key, allows(request, FILL))
    terms = [period for period in sheet.periods if period.id]
    values = {"sheet": sheet, "term_names": {period.id: term_name(period) for period in terms}, "terms": terms,
              "term_title": term_name(sheet.term), "refused": refused,
              "may_amend": sheet.rules.finals.may_amend(user.roles), "typed": typed or {},
              "page_title": _("Final marks: %(page)s", page=sheet.title), "extra_css": JOURNAL_CSS}
    status = refused.status if refused else 200
    return await render(request, SHEET, values, status_code=status)


@get("/pages/{page_id:int}/finals", name="journal:finals", opt=VIEW_OPT)
async def finals_sheet(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                       term: FromQuery[str] = "") -> Response[str]:
    """The page's final marks for a term: the marks and averages, the proposals, the marks given;
    the page's teacher fills them, everyone else who may read the page reads them."""
    if not 1 <= page_id <= MAX_ID:
        raise NotFoundException()
    return await _sheet_page(request, platform, page_id, term_key(term))


@post("/pages/{page_id:int}/finals", name="journal:finals_save", opt=FILL_OPT)
async def finals_save(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                      term: FromQuery[str] = "") -> Response[str]:
    """Save the sheet (all or nothing); a refused one comes back with what was typed and why."""
    user = user_of(request)
    key = term_key(term)
    if not 1 <= page_id <= MAX_ID or not key:
        raise NotFoundException()
    form = {name: str(value) for name, value in (await request.form()).items()}
    try:
        async with platform.db.writing() as session:
            changed = await FinalsService(session, platform, user).save(page_id, key, form)
    except FinalsRefused as refused:
        flash(request, _("Nothing was saved: someone else changed some marks meanwhile.") if refused.status == 409
              else _("Nothing was saved: correct the marked fields."), "error")
        return await _sheet_page(request, platform, page_id, key, refused=refused, typed=_changed(form))
    flash(request, ngettext("%(num)d final mark saved.", "%(num)d final marks saved.", changed) if changed
          else _("Nothing changed."))
    return redirect(request, f"/journal/pages/{page_id}/finals?term={key}")


def _changed(form: dict[str, str]) -> dict[str, str]:
    """What the teacher changed, to show again over the marks stored now: a field left as it was
    shows what is stored, so saving again never sends back a value someone else has replaced."""
    changed = {name: value for name, value in form.items()
               if f"{name}__was" in form and value.strip() != form[f"{name}__was"].strip()}
    return {**changed, "reason": form.get("reason", "")}


@get("/pages/{page_id:int}/finals/history", name="journal:finals_history", opt=VIEW_OPT)
async def finals_history(request: Request, page_id: FromPath[int], platform: NamedDependency[Platform],
                         student: FromQuery[int], term: FromQuery[str] = "") -> Response[str]:
    """Every change of a student's final marks on the page: who, when, the old and new mark and
    comment, and the reason of a change in a closed period."""
    user = user_of(request)
    if not 1 <= page_id <= MAX_ID or not 1 <= student <= MAX_ID:
        raise NotFoundException()
    key = term_key(term) or YEAR
    async with platform.db.reading() as session:
        sheet = await FinalsService(session, platform, user).sheet(page_id, key, allows(request, FILL))
        line = next((line for line in sheet.lines if line.student_id == student), None)
        if line is None:
            raise NotFoundException()  # not on the page in the term
        lines = await final_history_of(session, page_id, student)
    names = {f"period:{period.id}": term_name(period) for period in sheet.periods if period.id}
    names.update({"year": _("Year mark"), "exam": _("Exam"), "final": _("Final mark")})
    return await render(request, "journal/finals_history.html", {
        "sheet": sheet, "line": line, "lines": lines, "names": names, "timezone": sheet.head.school.timezone,
        "page_title": _("History: %(name)s", name=line.name), "extra_css": JOURNAL_CSS})


# ---- the deputy's periods ---------------------------------------------------------------------------


async def _periods_page(request: Request, platform: Platform, year_id: int | None, *, shown: str = "",
                        refused: tuple[str, ClosingRefused] | None = None) -> Response[str]:
    user = user_of(request)
    async with platform.db.reading() as session:
        service = PeriodsService(session, user.school_id or 0, user.id)
        today = await school_day(session, user.school_id or 0)
        year = await service.year_by_id(year_id) if year_id else await current_year(session, user.school_id or 0, today)
        lines = await service.lines(year, today)
        school = await session.get(School, user.school_id)
        open_days = await finals_open_days(session, user.school_id or 0)
    values = {"lines": lines, "year": year, "today": today, "shown": shown, "refused": refused,
              "timezone": school.timezone if school else "UTC", "open_days": open_days,
              "names": {line.term.key: term_name(line.term) for line in lines},
              "page_title": _("Study periods and final marks"), "extra_css": JOURNAL_CSS}
    return await render(request, PERIODS, values, status_code=refused[1].status if refused else 200)


@get("/periods", name="journal:periods", opt=CLOSE_OPT)
async def periods_view(request: Request, platform: NamedDependency[Platform], year: FromQuery[int | None] = None,
                       term: FromQuery[str] = "") -> Response[str]:
    """The year's periods: the deadline for final marks, which pages still lack them, closing."""
    if year is not None and not 1 <= year <= MAX_ID:
        raise NotFoundException()
    return await _periods_page(request, platform, year, shown=term_key(term))


async def _period_action(request: Request, platform: Platform, action: str) -> Response[str]:
    user = user_of(request)
    form = {name: str(value) for name, value in (await request.form()).items()}
    year_text, key = form.get("year", "").strip(), term_key(form.get("term", ""))
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) <= 10 and 1 <= int(year_text) <= MAX_ID) or not key:
        raise NotFoundException()
    try:
        async with platform.db.writing() as session:
            service = PeriodsService(session, user.school_id or 0, user.id)
            year = await service.year_by_id(int(year_text))
            if action == "due":
                term, state = await service.set_due(year, key, form.get("finals_due", ""), form.get("version", ""))
            else:
                term, state = await service.close(year, key, form.get("version", ""), close=action == "close",
                                                  today=await school_day(session, user.school_id or 0),
                                                  open_days=await finals_open_days(session, user.school_id or 0))
            record(session, f"journal.period_{action}", connection=request, object_type="journal_period_state",
                   object_id=state.id, details={"term": key, "finals_due": str(state.finals_due or ""),
                                                "closed": state.closed_at is not None})
    except ClosingRefused as refused:
        flash(request, refused.errors.get("form") or _("Nothing was saved: correct the marked fields."), "error")
        return await _periods_page(request, platform, int(year_text), refused=(key, refused))
    name = term_name(term)
    flash(request, _("The deadline for %(term)s is saved.", term=name) if action == "due" else
          _("%(term)s is closed.", term=name) if action == "close" else _("%(term)s is open again.", term=name))
    return redirect(request, f"/journal/periods?year={year_text}")


@post("/periods/due", name="journal:period_due", opt=CLOSE_OPT)
async def period_due(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    return await _period_action(request, platform, "due")


@post("/periods/close", name="journal:period_close", opt=CLOSE_OPT)
async def period_close(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    return await _period_action(request, platform, "close")


@post("/periods/reopen", name="journal:period_reopen", opt=CLOSE_OPT)
async def period_reopen(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    return await _period_action(request, platform, "reopen")


ROUTES = [finals_sheet, finals_save, finals_history, periods_view, period_due, period_close, period_reopen]

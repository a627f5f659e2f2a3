"""The curriculum (учебный план) and the «без отметок» rules (regulation 3.7, 3.10).

One page: subjects × grade levels with hours a week, the weekly load of each level against its
maximum, the study weeks and the yearly hours; then the rules for teaching without marks.
A cell saves itself when changed (htmx): the answer replaces the cell and, out of band, the
totals and warnings — the rest of the grid stays as it is, so a value being typed in the next
cell is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import current_school
from core.audit.log import record
from core.di import FromPath, FromQuery, NamedDependency, URLEncodedBody
from core.i18n import N_
from core.i18n import gettext as _
from core.platform import Platform
from core.structure import rules
from core.structure.calendar import CalendarService
from core.structure.common import StructureError, owned
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import (
    CURRICULUM_PATTERNS, PERIOD_NAMES, ClassGroup, CurriculumLine, StudyPeriod, Subject, UngradedRule,
)
from core.web.pages import flash, is_htmx, redirect, render, render_fragment, wants_partial
from core.web.sessions import current_user
from core.web.structure.common import MANAGE, VIEW, choose_year, form_int, refusal_errors, structure_context, year_param

PAGE = "core/structure/curriculum.html"
TABLE = ("core/structure/_curriculum_table.html", "core-curriculum-table")
UNGRADED = ("core/structure/_ungraded.html", "core-ungraded")

# Bands of grade levels a deputy looks at: primary, basic and secondary school.
BANDS = {"1-4": range(1, 5), "5-9": range(5, 10), "10-11": range(10, 12)}
VIEWS = ("week", "year")
# How a subject runs through the year: the label of the choice and the mark schools write by the hours.
PATTERN_LABELS = {
    "weekly": N_("Every week"),
    "alternate_weeks": N_("Every other week (alt. wk)"),
    "first_half": N_("First half-year only (1st h.)"),
    "second_half": N_("Second half-year only (2nd h.)"),
}
PATTERN_MARKS = {"alternate_weeks": N_("alt. wk"), "first_half": N_("1st h."), "second_half": N_("2nd h.")}


def band_levels(levels: str) -> range:
    return BANDS.get(levels, range(1, 12))




def parse_cell(text: str, pattern: str) -> tuple[int | None, str]:
    """Hours as typed in a cell («3», «0,5», «0,5 ч/н», «2 1 п/г») → (half-hours or None, pattern).
    A mark after the number sets the pattern; without one, ``pattern`` stays."""
    match = re.fullmatch(r"\s*([0-9.,]*)\s*(.*?)\s*", text[:40])
    assert match is not None  # the pattern matches any text
    number, mark = match[1], match[2]
    if mark:
        found = mark_patterns().get(_folded_mark(mark))
        if found is None or not number:
            raise StructureError("hours", _(
                "Write the hours a week as 3 or 0,5; after them «ч/н» for every other week, «1 п/г» or «2 п/г» "
                "for one half-year only."))
        pattern = found
    return rules.parse_hours(number), pattern


def _folded_mark(mark: str) -> str:
    return re.sub(r"[\s.]", "", mark).casefold()


def mark_patterns() -> dict[str, str]:
    """The marks a person may type, in Russian and in the current language."""
    marks = {"ч/н": "alternate_weeks", "чн": "alternate_weeks", "1п/г": "first_half", "2п/г": "second_half"}
    marks.update({_folded_mark(_(mark)): pattern for pattern, mark in PATTERN_MARKS.items()})
    return marks


def period_name(period: StudyPeriod) -> str:
    return _(PERIOD_NAMES.get(period.kind, "%(number)s"), number=period.number)


def rule_words(rule: UngradedRule, subjects: dict[int, str], classes: dict[int, ClassGroup],
               periods: dict[int, StudyPeriod]) -> str:
    """«1 класс — все предметы, весь год», «5Б — Музыка, 2 четверть»."""
    if rule.class_group_id is not None and rule.class_group_id in classes:
        holder = classes[rule.class_group_id].name
    elif rule.grade_level is not None:
        holder = _("grade %(level)s", level=rule.grade_level)
    else:
        holder = _("every grade")
    subject = subjects.get(rule.subject_id, "?") if rule.subject_id is not None else _("all subjects")
    period = period_name(periods[rule.study_period_id]) if rule.study_period_id in periods else _("the whole year")
    return _("%(holder)s — %(subject)s, %(period)s", holder=holder, subject=subject, period=period)


# ---- the page -----------------------------------------------------------------------------------


@dataclass
class CellForm:
    grade_level: str = ""
    subject_id: str = ""
    hours: str = ""
    pattern: str = ""
    levels: str = ""
    view: str = ""


@dataclass
class UngradedForm:
    subject_id: str = ""  # empty: all subjects
    holder: str = ""  # «l5» (grade level 5) or «c12» (class 12)
    study_period_id: str = ""  # empty: the whole year


async def curriculum_context(request: Request, session: AsyncSession, year_id: int | None, *, levels: str = "",
                             view: str = "", errors: dict[str, str] | None = None, cell_form: CellForm | None = None,
                             ungraded_errors: dict[str, str] | None = None, ungraded_form: UngradedForm | None = None,
                             invalid: tuple[int, int] | None = None, saved: tuple[int, int] | None = None) -> dict[str, Any]:
    """Everything the page shows, in a fixed number of statements."""
    choice = await choose_year(request, session, year_id)
    levels = levels if levels in BANDS else "all"
    view = view if view in VIEWS else "week"
    context = structure_context(choice, "curriculum", hide_year_choice=False, errors=errors or {}, levels=levels, view=view,
                                bands=[("all", _("All grades")), *((band, band.replace("-", "–")) for band in BANDS)],
                                cell_form=cell_form or CellForm(), ungraded_form=ungraded_form or UngradedForm(),
                                ungraded_errors=ungraded_errors or {},
                                invalid=invalid, saved=saved, hours_text=rules.hours_text, pattern_labels=PATTERN_LABELS,
                                pattern_marks=PATTERN_MARKS, half_weeks=rules.half_weeks)
    if choice.year is None:
        return context
    school_id = current_school(current_user(request))
    table = await CurriculumService(session, school_id).table(choice.year)
    shown = [level for level in table.levels if level.grade_level in band_levels(levels)]
    subjects = table.subjects
    if not choice.can_manage:  # readers see the subjects taught in the shown grades only
        subjects = [s for s in subjects if any((s.id, level.grade_level) in table.cells for level in shown)]
    names = dict((await session.execute(select(Subject.id, Subject.name).where(Subject.school_id == school_id))).all())
    classes = {c.id: c for c in (await session.execute(select(ClassGroup).where(
        ClassGroup.academic_year_id == choice.year.id).order_by(ClassGroup.grade_level, ClassGroup.letter))).scalars()}
    periods = {p.id: p for p in await CalendarService(session, school_id).periods(choice.year)}
    ungraded = await PageService(session, school_id).ungraded_rules(choice.year)

    def rule_order(rule: UngradedRule) -> tuple[int, str, int]:
        holder = classes.get(rule.class_group_id or 0)
        return (holder.grade_level if holder else rule.grade_level or 0, holder.letter if holder else "", rule.id)

    context.update(
        table=table, shown=shown, subjects=subjects, warnings=[table.warnings[level.grade_level] for level in shown
                                                                if level.grade_level in table.warnings],
        ungraded=[(rule.id, rule_words(rule, names, classes, periods)) for rule in sorted(ungraded, key=rule_order)],
        subject_choices=[(s.id, s.name) for s in table.subjects if not s.is_archived],
        classes=list(classes.values()), periods=sorted(periods.values(), key=lambda p: (p.starts_on, p.kind)),
        period_name=period_name,
    )
    return context


@get("/structure/curriculum", name="core:curriculum", opt=VIEW)
async def curriculum_page(request: Request, platform: NamedDependency[Platform], year: FromQuery[str] = "",
                          levels: FromQuery[str] = "", view: FromQuery[str] = "") -> Response[str]:
    async with platform.db.reading() as session:
        context = await curriculum_context(request, session, year_param(year), levels=levels, view=view)
    return await render(request, PAGE, context, partial=TABLE)


def page_url(year_id: int, levels: str = "", view: str = "", anchor: str = "") -> str:
    query = f"?year={year_id}"
    if levels in BANDS:
        query += f"&levels={levels}"
    if view == "year":
        query += "&view=year"
    return f"/structure/curriculum{query}{anchor}"


# ---- setting the hours --------------------------------------------------------------------------


@post("/structure/years/{year_id:int}/curriculum", name="core:curriculum_set", opt=MANAGE)
async def set_curriculum(request: Request, year_id: FromPath[int], platform: NamedDependency[Platform],
                         data: URLEncodedBody[CellForm]) -> Response[str]:
    """Hours of a subject in a grade level; empty or 0 removes them. Refused (422, nothing saved)
    over the level's weekly maximum, below the load already given, or for a malformed number."""
    school_id = current_school(current_user(request))
    cell: tuple[int, int] | None = None
    try:
        async with platform.db.writing() as session:
            choice = await choose_year(request, session, year_id)
            assert choice.year is not None  # a year id always names a year (or it was a 404)
            grade_level = form_int(data.grade_level, "grade_level", _("Choose a grade level from 1 to 11."))
            subject_id = form_int(data.subject_id, "subject_id", _("Choose a subject."))
            if grade_level is not None and subject_id is not None:
                cell = (subject_id, grade_level)
            half_hours, pattern = parse_cell(data.hours, data.pattern or "weekly")
            old = (await session.execute(select(CurriculumLine.half_hours, CurriculumLine.pattern).where(
                CurriculumLine.academic_year_id == year_id, CurriculumLine.grade_level == grade_level,
                CurriculumLine.subject_id == subject_id))).one_or_none()
            line = await CurriculumService(session, school_id).set_hours(
                choice.year, grade_level=grade_level, subject_id=subject_id, half_hours=half_hours, pattern=pattern)
            new = (line.half_hours, line.pattern) if line is not None else None
            if (tuple(old) if old else None) != new:
                record(session, "core.curriculum_changed", connection=request, object_type="academic_year", object_id=year_id,
                       details={"grade_level": grade_level, "subject_id": subject_id,
                                "old": {"hours": rules.hours_text(old[0]), "pattern": old[1]} if old else None,
                                "new": {"hours": rules.hours_text(new[0]), "pattern": new[1]} if new else None})
    except StructureError as error:
        return await _hours_answer(request, platform, year_id, data, cell, refusal_errors(error), status_code=422)
    if not is_htmx(request):
        flash(request, _("Saved."))
        return redirect(request, page_url(year_id, data.levels, data.view))
    return await _hours_answer(request, platform, year_id, data, cell, {})


async def _hours_answer(request: Request, platform: Platform, year_id: int, data: CellForm, cell: tuple[int, int] | None,
                        errors: dict[str, str], status_code: int = 200) -> Response[str]:
    """From a grid cell: the cell again with the totals out of band; from the form: the table
    partial; a plain post that was refused: the whole page."""
    async with platform.db.reading() as session:
        context = await curriculum_context(
            request, session, year_id, levels=data.levels, view=data.view, errors=errors,
            cell_form=data if errors else CellForm(), invalid=cell if errors else None, saved=None if errors else cell)
    target = request.headers.get("hx-target", "")
    if is_htmx(request) and cell is not None and target == f"core-curriculum-cell-{cell[0]}-{cell[1]}":
        subject = next((s for s in context["table"].subjects if s.id == cell[0]), None)
        level = next((level for level in context["table"].levels if level.grade_level == cell[1]), None)
        if subject is not None and level is not None:
            context.update(subject=subject, level=level)
            return await render_fragment(request, "core/structure/_curriculum_cell_answer.html", context, status_code=status_code)
    if wants_partial(request, TABLE[1]) or not is_htmx(request):
        return await render(request, PAGE, context, partial=TABLE, status_code=status_code)
    return await render_fragment(request, TABLE[0], context, status_code=status_code)


# ---- «без отметок» ------------------------------------------------------------------------------


@post("/structure/years/{year_id:int}/ungraded", name="core:ungraded_create", opt=MANAGE)
async def create_ungraded(request: Request, year_id: FromPath[int], platform: NamedDependency[Platform],
                          data: URLEncodedBody[UngradedForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    try:
        async with platform.db.writing() as session:
            choice = await choose_year(request, session, year_id)
            assert choice.year is not None
            subject_id = form_int(data.subject_id, "subject_id", _("Choose a subject."))
            period_id = form_int(data.study_period_id, "study_period_id", _("Choose a period of this school year."))
            kind, raw = data.holder[:1], data.holder[1:]
            holder = int(raw) if raw.isdigit() and len(raw) < 10 else None
            if kind not in ("l", "c") or holder is None:
                raise StructureError("holder", _("Choose a grade level or a class."))
            rule = await PageService(session, school_id).add_ungraded(
                choice.year, subject_id=subject_id, grade_level=holder if kind == "l" else None,
                class_group_id=holder if kind == "c" else None, study_period_id=period_id)
            words = await _rule_in_words(session, school_id, rule)
            record(session, "core.ungraded_added", connection=request, object_type="ungraded_rule", object_id=rule.id,
                   details={"academic_year_id": year_id, "rule": words})
    except StructureError as error:
        async with platform.db.reading() as session:
            context = await curriculum_context(request, session, year_id, ungraded_errors=refusal_errors(error),
                                               ungraded_form=data)
        return await render(request, PAGE, context, partial=UNGRADED, status_code=422)
    flash(request, _("Added: %(rule)s.", rule=words))
    return redirect(request, page_url(year_id, anchor="#core-ungraded"))


@post("/structure/years/{year_id:int}/ungraded/{rule_id:int}/delete", name="core:ungraded_delete", opt=MANAGE)
async def delete_ungraded(request: Request, year_id: FromPath[int], rule_id: FromPath[int],
                          platform: NamedDependency[Platform]) -> Response[str]:
    school_id = current_school(current_user(request))
    async with platform.db.writing() as session:
        choice = await choose_year(request, session, year_id)
        assert choice.year is not None
        rule = await owned(session, UngradedRule, rule_id, school_id)
        if rule.academic_year_id != year_id:
            raise NotFoundException()
        words = await _rule_in_words(session, school_id, rule)
        await PageService(session, school_id).delete_ungraded(choice.year, rule_id)
        record(session, "core.ungraded_removed", connection=request, object_type="ungraded_rule", object_id=rule_id,
               details={"academic_year_id": year_id, "rule": words})
    flash(request, _("Removed: %(rule)s.", rule=words))
    return redirect(request, page_url(year_id, anchor="#core-ungraded"))


async def _rule_in_words(session: AsyncSession, school_id: int, rule: UngradedRule) -> str:
    subjects = {rule.subject_id: (await owned(session, Subject, rule.subject_id, school_id)).name} if rule.subject_id else {}
    classes = {rule.class_group_id: await owned(session, ClassGroup, rule.class_group_id, school_id)} if rule.class_group_id else {}
    periods = {rule.study_period_id: await owned(session, StudyPeriod, rule.study_period_id, school_id)} if rule.study_period_id else {}
    return rule_words(rule, subjects, classes, periods)  # type: ignore[arg-type]


assert set(PATTERN_LABELS) == set(CURRICULUM_PATTERNS)

ROUTES = [curriculum_page, set_curriculum, create_ungraded, delete_ungraded]

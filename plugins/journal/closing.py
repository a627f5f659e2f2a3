"""Closing study periods (regulation 4.5, 6.3): the deputy sets the deadline for final marks and
closes a period; the year's own final marks (year, exam, final) close as «the year».

A closed period's marks and attendance change only with a reason and only for the roles the
school lets do it (``FinalsRules.amend_roles``); every such change is in the journal's history.
Which final marks are still missing is counted here for the deputy and for each teacher.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.db.types import utcnow
from core.i18n import gettext as _
from core.people.models import Enrollment
from core.school.models import School
from core.structure.common import StructureError, lock_school, overlapping
from core.structure.models import (
    PERIOD_NAMES, AcademicYear, ClassGroup, GradeLevelSettings, StudyGroup, StudyGroupClass, StudyGroupMember, StudyPeriod, Subject,
    SubjectPage, TeachingAssignment, UngradedRule,
)
from core.web.structure.common import parse_date
from plugins.journal.lessons import grade_level_of, holder_label
from plugins.journal.models import JournalFinalGrade, JournalLesson, JournalPeriodState

YEAR = "year"  # the key of the year's own final marks, beside the periods' ids
CERTIFICATE_LEVELS = (9, 11)  # the grades whose final (итоговая) marks go to a certificate


class ClosingRefused(ValueError):
    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors, self.status = errors, status


@dataclass(frozen=True)
class Term:
    """What final marks are given for: a study period (``period_id``), or the year (None)."""

    period_id: int | None
    kind: str  # quarter, trimester, half_year; "year"
    number: int
    starts_on: date
    ends_on: date

    @property
    def key(self) -> str:
        return YEAR if self.period_id is None else str(self.period_id)

    def opens_on(self, days: int) -> date:
        return self.ends_on - timedelta(days=days)


def term_name(term: Any) -> str:
    """«1 четверть», «полугодие 2» (a term or a grid's period); «Учебный год» for the year's own marks."""
    label = PERIOD_NAMES.get(term.kind)
    return _(label, number=term.number) if label else _("School year")


def closed_at_day(year_id: Any, level: Any, day: Any) -> Any:
    """SQL: the study period holding ``day`` for the grade level ``level`` is closed. The
    arguments are values or SQL expressions (a cell's save checks it in the statement that reads
    the lesson)."""
    settings = (GradeLevelSettings.academic_year_id == year_id, GradeLevelSettings.grade_level == level)
    kind = select(GradeLevelSettings.period_kind).where(*settings).correlate_except(GradeLevelSettings).scalar_subquery()
    unset = ~select(GradeLevelSettings.id).where(*settings).correlate_except(GradeLevelSettings).exists()
    return select(JournalPeriodState.id).join(StudyPeriod, StudyPeriod.id == JournalPeriodState.study_period_id).where(
        JournalPeriodState.academic_year_id == year_id, JournalPeriodState.closed_at.is_not(None),
        or_(StudyPeriod.kind == kind, unset),  # a level without settings studies by every period of the year
        StudyPeriod.starts_on <= day, StudyPeriod.ends_on >= day) \
        .correlate_except(JournalPeriodState, StudyPeriod).exists()


async def hold_against_closing(session: AsyncSession, school_id: int | None) -> None:
    """PostgreSQL: a save of marks or attendance holds the school row (key share) until it
    commits, so a period cannot close between the save's check and its write (closing takes the
    row for update). Taken before any lesson lock, in the order every writer takes them. SQLite's
    writes are one at a time already."""
    if session.bind.dialect.name != "sqlite":
        await session.execute(select(School.id).where(School.id == school_id).with_for_update(read=True, key_share=True))


async def closed_lessons(session: AsyncSession, lesson_ids: set[int]) -> set[int]:
    """Those of the lessons whose study period (for their page's grade level) is closed."""
    if not lesson_ids:
        return set()
    level = grade_level_of()
    return set((await session.execute(
        select(JournalLesson.id).join(SubjectPage, SubjectPage.id == JournalLesson.subject_page_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .where(JournalLesson.id.in_(lesson_ids), closed_at_day(SubjectPage.academic_year_id, level, JournalLesson.day))
    )).scalars())


async def state_of(session: AsyncSession, year_id: int, period_id: int | None) -> JournalPeriodState | None:
    found = JournalPeriodState.study_period_id.is_(None) if period_id is None \
        else JournalPeriodState.study_period_id == period_id
    return await session.scalar(select(JournalPeriodState).where(JournalPeriodState.academic_year_id == year_id, found))


def amend_refusal(roles: frozenset[str], amend_roles: frozenset[str], reason: str) -> dict[str, str]:
    """Why a change of a closed period is refused ({} when it may go ahead): the reader's roles
    must be among those the school lets amend, and a reason must be given."""
    if not roles & amend_roles:
        return {"reason": _("The period is closed: only the deputy can reopen it for changes.")}
    if not reason.strip():
        return {"reason": _("The period is closed: write the reason for the change.")}
    return {}


REASON_MAX = 300


# ---- the deputy's page ---------------------------------------------------------------------------


@dataclass
class MissingFinals:
    """A page that still lacks final marks of a term."""

    page_id: int
    title: str  # «Математика, 5А»
    teachers: list[str]
    needed: int  # students on the page at the term's end
    missing: int


@dataclass
class TermLine:
    term: Term
    state: JournalPeriodState | None
    levels: list[int]  # the grade levels that study by this period's kind
    pages: list[MissingFinals]  # pages lacking marks (all the pages when ``missing_only`` is off)

    @property
    def missing(self) -> int:
        return sum(page.missing for page in self.pages)

    @property
    def closed(self) -> bool:
        return bool(self.state and self.state.closed_at)


async def year_terms(session: AsyncSession, year: AcademicYear) -> tuple[list[Term], dict[int, str]]:
    """The year's study periods of the kinds its grade levels use, in order, then the year; and
    each grade level's period kind."""
    kinds = dict((await session.execute(select(GradeLevelSettings.grade_level, GradeLevelSettings.period_kind).where(
        GradeLevelSettings.academic_year_id == year.id))).all())
    periods = (await session.execute(select(StudyPeriod).where(StudyPeriod.academic_year_id == year.id)
                                     .order_by(StudyPeriod.kind, StudyPeriod.starts_on))).scalars()
    used = set(kinds.values())
    terms = [Term(p.id, p.kind, p.number, p.starts_on, p.ends_on) for p in periods if not used or p.kind in used]
    terms.sort(key=lambda term: (term.ends_on, term.kind))
    last = max((term.ends_on for term in terms), default=year.ends_on)
    return terms + [Term(None, YEAR, 1, year.starts_on, min(last, year.ends_on))], kinds


async def current_year(session: AsyncSession, school_id: int, today: date) -> AcademicYear:
    """The school's year holding today; else the latest begun; else the first; 404 without any."""
    years = list((await session.execute(select(AcademicYear).where(AcademicYear.school_id == school_id)
                                        .order_by(AcademicYear.starts_on))).scalars())
    if not years:
        raise NotFoundException()
    return next((y for y in years if y.starts_on <= today <= y.ends_on), None) or \
        next((y for y in reversed(years) if y.starts_on <= today), years[0])


class PeriodsService:
    """The deputy's deadlines and closings, with the counts of missing final marks."""

    def __init__(self, session: AsyncSession, school_id: int, user_id: int) -> None:
        self.session, self.school_id, self.user_id = session, school_id, user_id

    async def year_by_id(self, year_id: int) -> AcademicYear:
        year = await self.session.get(AcademicYear, year_id)
        if year is None or year.school_id != self.school_id:
            raise NotFoundException()
        return year

    async def lines(self, year: AcademicYear, today: date, *, teacher_id: int | None = None,
                    missing_only: bool = True) -> list[TermLine]:
        terms, kinds = await year_terms(self.session, year)
        states = {state.study_period_id: state for state in (await self.session.execute(
            select(JournalPeriodState).where(JournalPeriodState.academic_year_id == year.id))).scalars()}
        counts = await missing_finals(self.session, self.school_id, year, terms, kinds, teacher_id=teacher_id)
        lines = []
        for term in terms:
            levels = sorted(level for level, kind in kinds.items()  # the first grade gives no marks (regulation 3.10)
                            if level > 1 and (term.period_id is None or kind == term.kind))
            pages = [page for page in counts.get(term.key, []) if page.missing or not missing_only]
            lines.append(TermLine(term, states.get(term.period_id), levels, pages))
        return lines

    async def teacher_due(self, today: date, open_days: int, teacher_id: int) -> list[TermLine]:
        """The terms whose final marks are open (by the calendar) and not closed, each with the
        teacher's pages still lacking marks; nothing to read outside those weeks."""
        try:
            year = await current_year(self.session, self.school_id, today)
        except NotFoundException:
            return []
        terms, kinds = await year_terms(self.session, year)
        states = {state.study_period_id: state for state in (await self.session.execute(
            select(JournalPeriodState).where(JournalPeriodState.academic_year_id == year.id))).scalars()}
        due = [term for term in terms if today >= term.opens_on(open_days)
               and not (states.get(term.period_id) and states[term.period_id].closed_at)]
        if not due:
            return []
        counts = await missing_finals(self.session, self.school_id, year, due, kinds, teacher_id=teacher_id, today=today)
        lines = [TermLine(term, states.get(term.period_id), [], [page for page in counts[term.key] if page.missing])
                 for term in due]
        return [line for line in lines if line.pages]

    async def _term(self, year: AcademicYear, key: str) -> Term:
        terms, _kinds = await year_terms(self.session, year)
        term = next((term for term in terms if term.key == key), None)
        if term is None:
            raise NotFoundException()
        return term

    async def _locked_state(self, year: AcademicYear, term: Term, version: str) -> JournalPeriodState:
        """The term's row, created on first use; a form shown before someone else's change is refused."""
        await lock_school(self.session, self.school_id)
        state = await state_of(self.session, year.id, term.period_id)
        stored = state.version if state else 0
        if version.strip() != str(stored):
            raise ClosingRefused({"form": _("Nothing was saved: someone changed this period meanwhile. Look again.")}, 409)
        if state is None:
            state = JournalPeriodState(school_id=self.school_id, academic_year_id=year.id, study_period_id=term.period_id,
                                       version=0)
            self.session.add(state)
        state.version = stored + 1
        state.updated_by, state.updated_at = self.user_id, utcnow()
        return state

    async def set_due(self, year: AcademicYear, key: str, due_text: str, version: str) -> tuple[Term, JournalPeriodState]:
        term = await self._term(year, key)
        try:
            due = parse_date(due_text)
        except StructureError as error:
            raise ClosingRefused({"finals_due": error.message}) from None
        if due is not None and not (term.starts_on <= due <= year.ends_on + timedelta(days=61)):
            raise ClosingRefused({"finals_due": _("The deadline lies between the period's start and two months after "
                                                  "the school year.")})
        state = await self._locked_state(year, term, version)
        state.finals_due = due
        await self.session.flush()
        return term, state

    async def close(self, year: AcademicYear, key: str, version: str, *, close: bool = True, today: date,
                    open_days: int) -> tuple[Term, JournalPeriodState]:
        term = await self._term(year, key)
        if close and today < term.opens_on(open_days):
            raise ClosingRefused({"form": _("A period closes once its final marks are open, from %(day)s.",
                                            day=term.opens_on(open_days).strftime("%d.%m.%Y"))})
        state = await self._locked_state(year, term, version)
        if close and state.closed_at is not None:
            raise ClosingRefused({"form": _("The period is closed already.")}, 409)
        if not close and state.closed_at is None:
            raise ClosingRefused({"form": _("The period is open already.")}, 409)
        state.closed_at, state.closed_by = (utcnow(), self.user_id) if close else (None, None)
        await self.session.flush()
        return term, state


# ---- which final marks are missing ----------------------------------------------------------------


async def missing_finals(session: AsyncSession, school_id: int, year: AcademicYear, terms: list[Term],
                         kinds: dict[int, str], *, teacher_id: int | None = None,
                         today: date | None = None) -> dict[str, list[MissingFinals]]:
    """Per term key, each page that gives final marks for it (its grade level studies by the
    period's kind; not «без отметок») with the students on it at the term's end and how many
    marks are missing: the term's mark (for the year: the year mark, and in grades 9 and 11 the
    final mark too). Six statements whatever the size of the school. ``teacher_id`` keeps the
    pages the teacher holds on the term's last day (or ``today``, before it), as the sheet lets
    them give marks."""
    pages = (await session.execute(
        select(SubjectPage.id, SubjectPage.subject_id, SubjectPage.class_group_id, SubjectPage.study_group_id,
               Subject.name, holder_label(), grade_level_of())
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .where(SubjectPage.school_id == school_id, SubjectPage.academic_year_id == year.id)
        .order_by(grade_level_of(), holder_label(), Subject.sort_order, Subject.name, SubjectPage.id))).all()
    assignments: dict[int, list[tuple[int, str, date, date | None]]] = defaultdict(list)
    for page_id, *held in (await session.execute(
            select(TeachingAssignment.subject_page_id, TeachingAssignment.teacher_id, UserAccount.full_name,
                   TeachingAssignment.starts_on, TeachingAssignment.ends_on)
            .join(UserAccount, UserAccount.id == TeachingAssignment.teacher_id)
            .join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id)
            .where(SubjectPage.academic_year_id == year.id, SubjectPage.school_id == school_id))).all():
        assignments[page_id].append(tuple(held))  # type: ignore[arg-type]
    group_classes: dict[int, list[int]] = defaultdict(list)
    for group_id, class_id in (await session.execute(
            select(StudyGroupClass.study_group_id, StudyGroupClass.class_group_id).join(
                StudyGroup, StudyGroup.id == StudyGroupClass.study_group_id).where(
                StudyGroup.academic_year_id == year.id))).all():
        group_classes[group_id].append(class_id)
    ungraded = (await session.execute(select(UngradedRule).where(UngradedRule.academic_year_id == year.id))).scalars().all()
    given: dict[tuple[str, int], set[int]] = defaultdict(set)  # (term key or «final», page) → students with the mark
    for page_id, student_id, kind, period_id in (await session.execute(
            select(JournalFinalGrade.subject_page_id, JournalFinalGrade.student_id, JournalFinalGrade.kind,
                   JournalFinalGrade.study_period_id).join(SubjectPage, SubjectPage.id == JournalFinalGrade.subject_page_id)
            .where(SubjectPage.academic_year_id == year.id, SubjectPage.school_id == school_id,
                   JournalFinalGrade.kind.in_(("period", "year", "final"))))).all():
        given[(str(period_id) if kind == "period" else kind, page_id)].add(student_id)
    stays = await _stays(session, school_id, year)
    result: dict[str, list[MissingFinals]] = {}
    for term in terms:
        day = min(today, term.ends_on) if today else term.ends_on
        lines = []
        for page_id, subject_id, class_id, group_id, subject, holder, level in pages:
            if level == 1 or (term.period_id is not None and kinds and kinds.get(level) != term.kind):
                continue
            held = assignments.get(page_id, [])
            if teacher_id is not None and not any(who == teacher_id and s <= day and (e is None or e >= day)
                                                  for who, _n, s, e in held):
                continue
            classes = [class_id] if class_id else group_classes.get(group_id, [])
            if any(rule_matches(rule, subject_id, level, classes, term) for rule in ungraded):
                continue
            key = ("c", class_id) if class_id else ("g", group_id)
            on_page = {student for student, s, e in stays.get(key, []) if s <= term.ends_on <= e}
            missing = len(on_page - given[(term.key, page_id)])
            if term.period_id is None and level in CERTIFICATE_LEVELS:
                missing += len(on_page - given[("final", page_id)])
            teachers = sorted({name for _w, name, s, e in held if s <= term.ends_on and (e is None or e >= term.starts_on)})
            lines.append(MissingFinals(page_id, f"{subject}, {holder}", teachers, len(on_page), missing))
        result[term.key] = lines
    return result


async def takes_no_finals(session: AsyncSession, page: SubjectPage, level: int, term: Term) -> bool:
    """Whether a page takes no final marks for the term: the first grade, or a «без отметок» rule
    of the term's period or of the whole year (the year's own marks: only a whole-year rule);
    the same test as the deputy's count above."""
    if level == 1:
        return True
    classes = [page.class_group_id] if page.class_group_id else list((await session.execute(
        select(StudyGroupClass.class_group_id).where(StudyGroupClass.study_group_id == page.study_group_id))).scalars())
    rules = (await session.execute(select(UngradedRule).where(UngradedRule.academic_year_id == page.academic_year_id,
                                                              UngradedRule.school_id == page.school_id))).scalars()
    return any(rule_matches(rule, page.subject_id, level, classes, term) for rule in rules)


def rule_matches(rule: UngradedRule, subject_id: int, level: int, classes: list[int], term: Term) -> bool:
    """A «без отметок» rule covers the page for the whole term (a rule of another period does not)."""
    return ((rule.subject_id is None or rule.subject_id == subject_id)
            and (rule.grade_level is None or rule.grade_level == level)
            and (rule.class_group_id is None or rule.class_group_id in classes)
            and (rule.study_period_id is None or rule.study_period_id == term.period_id))


async def _stays(session: AsyncSession, school_id: int, year: AcademicYear) -> dict[tuple[str, int], list[tuple[int, date, date]]]:
    """Who is on each class («c», id) and group («g», id) of the year, when: one statement."""
    far = date(9999, 12, 31)
    in_class = select(Enrollment.class_group_id, Enrollment.student_id, Enrollment.starts_on, Enrollment.ends_on,
                      Enrollment.starts_on, Enrollment.ends_on).join(
        ClassGroup, ClassGroup.id == Enrollment.class_group_id).where(
        ClassGroup.academic_year_id == year.id, overlapping(Enrollment.starts_on, Enrollment.ends_on, year.starts_on,
                                                            year.ends_on))
    in_group = select(-StudyGroupMember.study_group_id, StudyGroupMember.student_id, StudyGroupMember.starts_on,
                      StudyGroupMember.ends_on, Enrollment.starts_on, Enrollment.ends_on).join(
        StudyGroup, StudyGroup.id == StudyGroupMember.study_group_id).join(
        Enrollment, and_(Enrollment.student_id == StudyGroupMember.student_id, Enrollment.school_id == school_id,
                         overlapping(Enrollment.starts_on, Enrollment.ends_on, year.starts_on, year.ends_on))).where(
        StudyGroup.academic_year_id == year.id)
    stays: dict[tuple[str, int], list[tuple[int, date, date]]] = defaultdict(list)
    for holder, student, s1, e1, s2, e2 in (await session.execute(in_class.union_all(in_group))).all():
        starts, ends = max(s1, s2), min(e1 or far, e2 or far)
        if starts <= ends:
            stays[("c", holder) if holder > 0 else ("g", -holder)].append((student, starts, ends))
    return stays


"""A page's final marks for a term: the sheet the teacher fills (each student's marks of the term,
the journal's proposal and the mark given) and its save.

Period marks are given for a study period; the year's sheet holds the year mark, and on the
pages of grades 9 and 11 the exam mark and the final (итоговая) mark. Marks open a number of days
before the term ends (the school's rule); a closed term changes only with a reason, by the roles
the school lets. Like the lesson form, the sheet sends beside each value the value it showed: a
mark someone else changed meanwhile is never overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.i18n import gettext as _, ngettext
from core.plugins.types import GradeScale
from core.structure.common import school_today
from core.structure.models import AcademicYear, ClassGroup, StudyGroup, StudyPeriod, SubjectPage
from plugins.journal.closing import (
    CERTIFICATE_LEVELS, REASON_MAX, YEAR, Term, amend_refusal, hold_against_closing, state_of, takes_no_finals,
    term_name,
)
from plugins.journal.filling import FillRefused
from plugins.journal.finals import (
    NOT_ASSESSED, NOTHING, Proposal, needs_comment, parse_final, propose_final, propose_period, propose_year,
)
from plugins.journal.grading import DOUBLE_MARK_SEPARATOR, Mark, MarkError, WeightedMark, average_text, formula, \
    weighted_average
from plugins.journal.grid import Access, GridReader, PageHead, Period, entries_in_period
from plugins.journal.history import HistoryWriter
from plugins.journal.lessons import grade_level_of
from plugins.journal.models import JournalFinalGrade, JournalPeriodState
from plugins.journal.roster import RosterLine, page_roster
from plugins.journal.rules import JournalRules, rules_at, scale_for
from plugins.journal.scope import WRITERS

COMMENT_MAX = 500


class FinalsRefused(FillRefused):
    """Nothing was saved: ``errors`` (field → message) are bad input (422); ``conflicts`` (field →
    the mark stored now) are stale writes (409)."""


@dataclass
class StoredFinal:
    id: int
    mark: str
    proposed: str
    comment: str
    by: str
    at: datetime


@dataclass
class FinalLine:
    """A student on the sheet: the term's marks, the proposals and the final marks given."""

    student_id: int
    name: str
    needed: bool  # on the page at the term's end: a mark is due
    left: date | None  # left the page during the term
    arrived: date | None = None  # came to the page during the term
    stays: list[tuple[date, date]] = field(default_factory=list)
    marks: int = 0  # marks of the term (period sheets)
    average: str = ""
    formula: str = ""
    period_marks: list[str] = field(default_factory=list)  # the year's sheet: each period's mark
    senior_marks: list[str] = field(default_factory=list)  # grade 11: the half-year and year marks of grade 10
    proposals: dict[str, Proposal] = field(default_factory=dict)  # kind → proposal
    finals: dict[str, StoredFinal] = field(default_factory=dict)  # kind → the mark given

    def mark(self, kind: str) -> str:
        stored = self.finals.get(kind)
        return stored.mark if stored else ""


@dataclass
class FinalsSheet:
    head: PageHead
    access: Access
    periods: list[Period]
    term: Term
    kinds: tuple[str, ...]  # the marks given on this sheet: ("period",) or ("year", "exam", "final")
    lines: list[FinalLine]
    rules: JournalRules
    scale: GradeScale
    ungraded: bool
    state: JournalPeriodState | None
    today: date
    writable: bool  # the reader holds the page for the term

    @property
    def opens_on(self) -> date:
        return self.term.opens_on(self.rules.finals.open_days)

    @property
    def is_open(self) -> bool:
        return self.rules.finals.early or self.today >= self.opens_on

    @property
    def closed(self) -> bool:
        return bool(self.state and self.state.closed_at)

    @property
    def due(self) -> date | None:
        return self.state.finals_due if self.state else None

    @property
    def missing(self) -> int:
        """Marks still due: the term's (the year's and, in grades 9 and 11, the final one; an exam
        mark only where there is an exam)."""
        due = [kind for kind in self.kinds if kind != "exam"]
        return sum(1 for line in self.lines if line.needed for kind in due if not line.mark(kind))

    @property
    def title(self) -> str:
        return f"{self.head.subject.name}, {self.head.holder}"


def _field(kind: str, period_id: int | None) -> str:
    """How a final mark is named in the history: «period:<id>», «year», «exam», «final»."""
    return f"period:{period_id}" if kind == "period" else kind


class FinalsService:
    def __init__(self, session: AsyncSession, platform: Any, user: CurrentUser) -> None:
        self.session, self.platform, self.user = session, platform, user

    def reader(self) -> GridReader:
        return GridReader(self.session, self.platform, self.user)

    async def sheet(self, page_id: int, key: str, can_fill: bool) -> FinalsSheet:
        reader = self.reader()
        head, access, periods = await reader.periods(page_id, can_fill)
        term = _term_of(head, periods, key)
        as_period = Period(term.period_id or 0, term.kind, term.number, term.starts_on, term.ends_on)
        if not access.reads(as_period):
            raise NotFoundException()
        visible = await reader.visible(access, head, as_period)  # a class teacher: their class's students only
        today = school_today(head.school.timezone)
        rules = await rules_at(self.session, self.platform.db, head.page.school_id, head.rules_version)
        scale = scale_for(self.platform, rules, head.school, head.subject, head.grade_level)
        ungraded = await takes_no_finals(self.session, head.page, head.grade_level, term)
        roster = await page_roster(self.session, head.page, term.starts_on, term.ends_on)
        finals = await self._finals(head.page.id)
        kinds: tuple[str, ...] = ("period",) if term.period_id is not None else \
            ("year", "exam", "final") if head.grade_level in CERTIFICATE_LEVELS else ("year",)
        lines = [line for line in _lines(roster, term) if visible is None or line.student_id in visible]
        if term.period_id is not None:
            await self._period_marks(head, term, lines, rules, scale)
        else:
            senior = await self._senior_marks(head, [line.student_id for line in lines]) if head.grade_level == 11 else {}
            _year_marks(lines, periods, finals, senior, head.grade_level, rules, scale)
        for line in lines:
            for kind in kinds:
                stored = finals.get((line.student_id, kind, term.period_id if kind == "period" else None))
                if stored is not None:
                    line.finals[kind] = stored
        writable = access.can_fill and bool(self.user.roles & WRITERS) and \
            any(s <= min(today, term.ends_on) <= e for s, e in access.held)
        return FinalsSheet(head=head, access=access, periods=periods, term=term, kinds=kinds, lines=lines, rules=rules,
                           scale=scale, ungraded=ungraded, state=await state_of(self.session, head.year.id, term.period_id),
                           today=today, writable=writable)

    async def _finals(self, page_id: int) -> dict[tuple[int, str, int | None], StoredFinal]:
        rows = (await self.session.execute(
            select(JournalFinalGrade, UserAccount.full_name).outerjoin(UserAccount, UserAccount.id == JournalFinalGrade.updated_by)
            .where(JournalFinalGrade.subject_page_id == page_id))).all()
        return {(row.student_id, row.kind, row.study_period_id): StoredFinal(row.id, row.mark, row.proposed, row.comment,
                                                                            name or "", row.updated_at)
                for row, name in rows}

    async def _period_marks(self, head: PageHead, term: Term, lines: list[FinalLine], rules: JournalRules,
                            scale: GradeScale) -> None:
        """Each student's marks of the period, their average and the proposal."""
        marks: dict[int, list[WeightedMark]] = defaultdict(list)
        counts: dict[int, int] = defaultdict(int)
        last: dict[int, str] = {}
        for _lesson, student_id, mark, weight in await entries_in_period(self.session, head.page.id, term.starts_on,
                                                                          term.ends_on, marks_only=True):
            parsed = Mark(mark, tuple(mark.split(DOUBLE_MARK_SEPARATOR)))
            marks[student_id].append(WeightedMark.of(parsed, scale, Decimal(weight) / 100))
            counts[student_id] += 1
            last[student_id] = parsed.parts[-1]
        finals = rules.finals
        for line in lines:
            weighted = marks.get(line.student_id, [])
            line.marks = counts[line.student_id]
            if scale.numeric:
                line.average, line.formula = average_text(weighted_average(weighted)), formula(weighted)
            proposal = propose_period(weighted, line.marks, scale, threshold=rules.final_threshold,
                                      minimum=finals.min_marks, last_mark=last.get(line.student_id, ""))
            if line.arrived and proposal.mark == NOT_ASSESSED:  # their marks of the term are on another page
                proposal = Proposal("", None, _("arrived %(day)s: the marks from before are not on this page",
                                                day=line.arrived.strftime("%d.%m")))
            line.proposals["period"] = proposal

    async def _senior_marks(self, head: PageHead, students: list[int]) -> dict[int, list[str]]:
        """Grade 11: each student's half-year and year marks of the subject in grade 10 (earlier years)."""
        rows = (await self.session.execute(
            select(JournalFinalGrade.student_id, JournalFinalGrade.mark)
            .join(SubjectPage, SubjectPage.id == JournalFinalGrade.subject_page_id)
            .join(AcademicYear, AcademicYear.id == SubjectPage.academic_year_id)
            .outerjoin(StudyPeriod, StudyPeriod.id == JournalFinalGrade.study_period_id)
            .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
            .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
            .where(SubjectPage.school_id == head.page.school_id, SubjectPage.subject_id == head.page.subject_id,
                   AcademicYear.starts_on < head.year.starts_on, grade_level_of() == 10,
                   JournalFinalGrade.student_id.in_(students or [0]),
                   (JournalFinalGrade.kind == "year") | (StudyPeriod.kind == "half_year")))).all()
        found: dict[int, list[str]] = defaultdict(list)
        for student_id, mark in rows:
            found[student_id].append(mark)
        return found

    # ---- saving ------------------------------------------------------------------------------------

    async def save(self, page_id: int, key: str, form: Mapping[str, str]) -> int:
        """Apply the sheet's changes (all or nothing); the number of marks given, changed or removed."""
        if self.session.bind.dialect.name != "sqlite":  # one save of a page's finals at a time
            await hold_against_closing(self.session, self.user.school_id)
            await self.session.execute(select(SubjectPage.id).where(SubjectPage.id == page_id).with_for_update())
        sheet = await self.sheet(page_id, key, can_fill=True)
        if not sheet.writable:
            raise NotFoundException()  # reading the page is not giving its marks
        plan = _Plan(sheet, form, self.user.roles)
        plan.check()
        if plan.errors or plan.conflicts:
            raise FinalsRefused(plan.errors, plan.conflicts)
        return await self._apply(sheet, plan)

    async def _apply(self, sheet: FinalsSheet, plan: "_Plan") -> int:
        page, term = sheet.head.page, sheet.term
        history = HistoryWriter(self.session, page.school_id, self.user.id)
        added: list[tuple[Change, JournalFinalGrade]] = []
        for change in plan.changes:
            period_id = term.period_id if change.kind == "period" else None
            what, stored, student_id = _field(change.kind, period_id), change.stored, change.line.student_id
            if stored is None:
                added.append((change, JournalFinalGrade(
                    school_id=page.school_id, subject_page_id=page.id, student_id=student_id, kind=change.kind,
                    study_period_id=period_id, mark=change.mark, proposed=change.proposal.mark, comment=change.comment,
                    updated_by=self.user.id)))
                continue
            found = await self.session.get(JournalFinalGrade, stored.id)
            assert found is not None
            if not change.mark:
                history.add_final(page.id, student_id, what, stored.mark, None, record_id=found.id, reason=plan.reason)
                await self.session.delete(found)
                continue
            history.add_final(page.id, student_id, what, stored.mark, change.mark, record_id=found.id, reason=plan.reason,
                              comment=change.comment if change.comment != stored.comment else "")
            found.mark, found.comment, found.proposed = change.mark, change.comment, change.proposal.mark
            found.updated_by, found.updated_at, found.version = self.user.id, utcnow(), found.version + 1
        self.session.add_all(row for _change, row in added)
        await self.session.flush()  # one round trip gives the new marks their ids, for the history
        for change, row in added:
            history.add_final(page.id, change.line.student_id, _field(change.kind, row.study_period_id), None, change.mark,
                              record_id=row.id, reason=plan.reason, comment=change.comment)
        await self.session.flush()
        return len(plan.changes)

def _term_of(head: PageHead, periods: list[Period], key: str) -> Term:
    if key == YEAR:
        real = [period for period in periods if period.id]
        last = max((period.ends_on for period in real), default=head.year.ends_on)
        return Term(None, YEAR, 1, head.year.starts_on, min(last, head.year.ends_on))
    period = next((period for period in periods if period.id and str(period.id) == key), None)
    if period is None:
        raise NotFoundException()
    return Term(period.id, period.kind, period.number, period.starts_on, period.ends_on)


def _lines(roster: list[RosterLine], term: Term) -> list[FinalLine]:
    """One line per student on the page some day of the term, in the roster's order (by name)."""
    lines: dict[int, FinalLine] = {}
    last_day: dict[int, date] = {}
    for stay in roster:
        line = lines.setdefault(stay.student_id, FinalLine(stay.student_id, stay.name, False, None))
        line.needed = line.needed or stay.on(term.ends_on)
        line.stays.append((stay.starts_on, stay.ends_on))
        last_day[stay.student_id] = max(last_day.get(stay.student_id, stay.ends_on), stay.ends_on)
    for line in lines.values():
        if not line.needed:
            line.left = last_day[line.student_id]
        first = min(starts for starts, _ends in line.stays)
        line.arrived = first if first > term.starts_on else None
    return list(lines.values())


def _year_marks(lines: list[FinalLine], periods: list[Period], finals: dict[tuple[int, str, int | None], StoredFinal],
                senior: dict[int, list[str]], grade_level: int, rules: JournalRules, scale: GradeScale) -> None:
    """The year's sheet: each period's mark, and the year and final proposals from them."""
    real = [period for period in periods if period.id]
    for line in lines:
        marks = [finals.get((line.student_id, "period", period.id)) for period in real]
        line.period_marks = [stored.mark if stored else "" for stored in marks]
        line.senior_marks = senior.get(line.student_id, [])
        owed = [period for period, mark in zip(real, line.period_marks)
                if not mark and any(s <= period.ends_on <= e for s, e in line.stays)]
        line.proposals["year"] = _waiting(owed) if owed else \
            propose_year(line.period_marks, scale, threshold=rules.final_threshold)
        year = finals.get((line.student_id, "year", None))
        exam = finals.get((line.student_id, "exam", None))
        line.proposals["final"] = _final_proposal(line, grade_level, year.mark if year else "", exam.mark if exam else "",
                                                  scale, real)


def _waiting(owed: list[Period]) -> Proposal:
    """No year proposal yet: the periods whose marks it waits for."""
    if len(owed) == 1:
        return Proposal("", None, _("first the marks of %(periods)s", periods=term_name(owed[0])))
    return Proposal("", None, ngettext("first the marks of %(num)d period", "first the marks of %(num)d periods", len(owed)))


def _final_proposal(line: FinalLine, grade_level: int, year: str, exam: str, scale: GradeScale,
                    real: list[Period]) -> Proposal:
    """Grade 11 counts the half-year marks of grades 10 and 11 and both year marks (with the year
    mark: without it there is nothing to propose yet). In grade 9 without an exam mark the year
    mark is proposed, but not accepted wholesale: the exam may still come."""
    half_years = [mark for mark, period in zip(line.period_marks, real) if period.kind == "half_year" and mark]
    senior = [*line.senior_marks, *half_years, year] if year else []
    return propose_final(grade_level, year, exam, senior, scale)

@dataclass(frozen=True)
class Change:
    line: FinalLine
    kind: str
    mark: str  # "" removes the mark
    comment: str
    proposal: Proposal
    stored: StoredFinal | None


class _Plan:
    """The checked changes of one save of a sheet."""

    def __init__(self, sheet: FinalsSheet, form: Mapping[str, str], roles: frozenset[str]) -> None:
        self.sheet, self.form, self.roles = sheet, form, roles
        self.errors: dict[str, str] = {}
        self.conflicts: dict[str, str] = {}
        self.changes: list[Change] = []
        self.reason = " ".join(form.get("reason", "").split())

    def check(self) -> None:
        sheet = self.sheet
        if sheet.ungraded:
            self.errors["form"] = _("This page is «without marks»: it takes no final marks.")
            return
        if not sheet.is_open:
            self.errors["form"] = _("Final marks for this period open on %(day)s.", day=sheet.opens_on.strftime("%d.%m.%Y"))
            return
        accept = self.form.get("accept") == "1"
        for line in sheet.lines:
            if line.needed:
                for kind in sheet.kinds:  # year and exam before final: the final's proposal follows them
                    self._check(line, kind, accept)
        if len(self.reason) > REASON_MAX:
            self.errors["reason"] = _("Too long: at most %(count)d characters.", count=REASON_MAX)
        if self.changes and sheet.closed:
            self.errors.update(amend_refusal(self.roles, sheet.rules.finals.amend_roles, self.reason))

    def _check(self, line: FinalLine, kind: str, accept: bool) -> None:
        name = f"{kind}-{line.student_id}"
        stored = line.finals.get(kind)
        shown, shown_comment = (stored.mark, stored.comment) if stored else ("", "")
        proposal = self._proposal(line, kind)
        typed, was = self.form.get(name), self.form.get(f"{name}__was", "")
        comment = " ".join(self.form.get(f"{name}-comment", "").split())
        comment_was = " ".join(self.form.get(f"{name}-comment__was", "").split())
        if accept and not shown and not (typed or "").strip() and self._accepts(line, kind, proposal):
            typed, was, comment_was = proposal.mark, "", ""  # «accept the proposals»: where nothing is given or typed
        if typed is None:
            return
        try:
            mark, mark_was = parse_final(typed, self.sheet.scale), _normal(was, self.sheet.scale)
        except MarkError as error:
            self.errors[name] = error.message
            return
        if mark == mark_was and comment == comment_was:
            return  # untouched: whatever is stored now stays, even if someone changed it meanwhile
        if len(comment) > COMMENT_MAX:
            self.errors[f"{name}-comment"] = _("Too long: at most %(count)d characters.", count=COMMENT_MAX)
            return
        if (shown, shown_comment) != (mark_was, comment_was):
            if (mark, comment) != (shown, shown_comment):
                self.conflicts[name] = shown
            return
        if mark and needs_comment(mark, proposal, self.sheet.scale, self.sheet.rules.finals.comment_gap) and not comment:
            self.errors[f"{name}-comment"] = _(
                "The proposed mark is «%(proposed)s» (%(reason)s): say in a comment why you give «%(mark)s».",
                proposed=proposal.mark, reason=proposal.reason, mark=mark)
            return
        self.changes.append(Change(line, kind, mark, comment if mark else "", proposal, stored))

    def _accepts(self, line: FinalLine, kind: str, proposal: Proposal) -> bool:
        """Whether «accept the proposals» gives this mark: not an exam mark (nothing is proposed),
        not a grade-9 final while the exam mark is missing (it may still come)."""
        if not proposal.mark or kind == "exam":
            return False
        return not (kind == "final" and self.sheet.head.grade_level == 9 and not self._planned(line, "exam"))

    def _proposal(self, line: FinalLine, kind: str) -> Proposal:
        """The proposal as this save leaves the sheet: the final mark follows a year or exam mark
        given in the same save."""
        if kind != "final":
            return line.proposals.get(kind, NOTHING)
        real = [period for period in self.sheet.periods if period.id]
        return _final_proposal(line, self.sheet.head.grade_level, self._planned(line, "year"),
                               self._planned(line, "exam"), self.sheet.scale, real)

    def _planned(self, line: FinalLine, kind: str) -> str:
        for change in self.changes:
            if change.line is line and change.kind == kind:
                return change.mark
        return line.mark(kind)

def _normal(text: str, scale: GradeScale) -> str:
    try:
        return parse_final(text, scale)
    except MarkError:
        return text.strip()

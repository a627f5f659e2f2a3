"""Calendar-thematic plans (КТП, regulation 2.2, 4.2, 4.5): the school's base of plans by subject
and grade level, one plan's items and their editing, copying, and the hours check against the
curriculum.

A plan belongs to a school year, a subject and a grade level and is shared by that level's subject
pages; a page may have its own variant instead. Teachers of the subject edit its plans (in the
plan's year, or in the year before it while the next year's load is not yet set); a variant is
edited by the page's teachers. The administration reads every plan and writes none. Each change
raises the plan's version, so an edit made on a stale copy is refused, and re-feeds the lessons of
the pages that use the plan (``plugins.journal.plan_feed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Sequence

from litestar.exceptions import NotFoundException
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.i18n import gettext as _
from core.structure import rules
from core.structure.common import overlapping
from core.structure.models import (
    AcademicYear, ClassGroup, CurriculumLine, GradeLevelSettings, StudyGroup, Subject, SubjectPage, TeachingAssignment,
)
from plugins.journal.lessons import grade_level_of, holder_label
from plugins.journal.models import JournalLesson, JournalLessonPlan, JournalLessonPlanItem, JournalPlanAdjustment
from plugins.journal.plan_import import (
    HOMEWORK_LIMIT, MAX_ITEM_HOURS, MAX_ITEMS, SECTION_LIMIT, TOPIC_LIMIT, PlanFile, PlanRow, RowOutcome,
)
from plugins.journal.plan_kinds import LESSON_KINDS
from plugins.journal.scope import WRITERS

# The states of the hours check, worst first (the deputy's check sorts by them).
MISSING, EMPTY, NO_CURRICULUM, MISMATCH, READY = "missing", "empty", "no_curriculum", "mismatch", "ready"


class PlanRefused(Exception):
    """A change that was not made: field → message; 409 when the plan changed meanwhile."""

    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(next(iter(errors.values()), ""))
        self.errors, self.status = errors, status


@dataclass(frozen=True)
class PlanKey:
    year_id: int
    subject_id: int
    grade_level: int


@dataclass
class HoursCheck:
    """The plan's total against the curriculum's hours a year (both in half-hours for exactness)."""

    planned: int  # whole lessons
    curriculum_half_hours: int | None  # None: the curriculum has no such line

    @property
    def state(self) -> str:
        if self.curriculum_half_hours is None:
            return NO_CURRICULUM
        return READY if self.planned * 2 == self.curriculum_half_hours else MISMATCH

    @property
    def curriculum_text(self) -> str:
        return rules.hours_text(self.curriculum_half_hours) if self.curriculum_half_hours is not None else ""

    @property
    def difference_text(self) -> str:
        """«+2», «−1,5»: the plan's hours over (or under) the curriculum's."""
        if self.curriculum_half_hours is None:
            return ""
        difference = self.planned * 2 - self.curriculum_half_hours
        return ("+" if difference > 0 else "−") + rules.hours_text(abs(difference)) if difference else "0"


@dataclass
class PlanSummary:
    """A plan in lists: its identity, size and hours check."""

    plan_id: int
    subject_id: int
    subject: str
    grade_level: int
    page_id: int | None
    page_label: str
    items: int
    hours: HoursCheck
    updated_at: datetime | None

    @property
    def state(self) -> str:
        return EMPTY if self.items == 0 else self.hours.state


@dataclass
class PlanView:
    plan: JournalLessonPlan
    year: AcademicYear
    subject: str
    page_label: str  # «5А» for a page's variant, "" for the shared plan
    items: list[JournalLessonPlanItem]
    hours: HoursCheck
    may_edit: bool
    pages: list[tuple[int, str]]  # the pages that use the plan
    sources: list[PlanSummary] = field(default_factory=list)  # plans it may be copied from

    @property
    def numbers(self) -> dict[int, str]:
        """Each item's lesson numbers as a КТП shows them: «5» or «5–6»."""
        return lesson_numbers(self.items)

    @property
    def sections(self) -> set[int]:
        """Items that start a section (the first, and each whose section differs from the one before)."""
        starts, previous = set(), None
        for item in self.items:
            if item.section and item.section != previous:
                starts.add(item.id)
            previous = item.section
        return starts


def lesson_numbers(items: Sequence[JournalLessonPlanItem | PlanRow]) -> dict[int, str]:
    numbers, first = {}, 1
    for index, item in enumerate(items):
        last = first + item.hours - 1
        numbers[getattr(item, "id", index)] = str(first) if last == first else f"{first}–{last}"
        first = last + 1
    return numbers


# ---- reading ---------------------------------------------------------------------------------------


async def curriculum_hours(session: AsyncSession, year_id: int) -> dict[tuple[int, int], int]:
    """(subject id, grade level) → the curriculum's half-hours in the year. Two statements."""
    weeks = dict((await session.execute(select(GradeLevelSettings.grade_level, GradeLevelSettings.study_weeks).where(
        GradeLevelSettings.academic_year_id == year_id))).all())
    lines = (await session.execute(select(CurriculumLine.subject_id, CurriculumLine.grade_level, CurriculumLine.half_hours,
                                          CurriculumLine.pattern).where(CurriculumLine.academic_year_id == year_id))).all()
    return {(line.subject_id, line.grade_level): rules.yearly_half_hours(
        line.half_hours, line.pattern, weeks.get(line.grade_level, rules.default_study_weeks(line.grade_level)))
        for line in lines}


async def plan_summaries(session: AsyncSession, school_id: int, *conditions: object) -> list[PlanSummary]:
    """Plans of the school matching ``conditions``, with their sizes: three statements."""
    rows = (await session.execute(
        select(JournalLessonPlan, Subject.name, holder_label(), func.count(JournalLessonPlanItem.id),
               func.coalesce(func.sum(JournalLessonPlanItem.hours), 0))
        .join(Subject, Subject.id == JournalLessonPlan.subject_id)
        .outerjoin(SubjectPage, SubjectPage.id == JournalLessonPlan.subject_page_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .outerjoin(JournalLessonPlanItem, JournalLessonPlanItem.plan_id == JournalLessonPlan.id)
        .where(JournalLessonPlan.school_id == school_id, *conditions)
        .group_by(JournalLessonPlan.id, Subject.name, Subject.sort_order, ClassGroup.grade_level, ClassGroup.letter,
                  StudyGroup.name)
        .order_by(Subject.sort_order, Subject.name, JournalLessonPlan.grade_level, JournalLessonPlan.subject_page_id))).all()
    hours: dict[int, dict[tuple[int, int], int]] = {}
    for year_id in {row[0].academic_year_id for row in rows}:
        hours[year_id] = await curriculum_hours(session, year_id)
    return [PlanSummary(
        plan_id=plan.id, subject_id=plan.subject_id, subject=subject, grade_level=plan.grade_level,
        page_id=plan.subject_page_id, page_label=str(label) if plan.subject_page_id else "", items=count,
        hours=HoursCheck(int(total), hours[plan.academic_year_id].get((plan.subject_id, plan.grade_level))),
        updated_at=plan.updated_at) for plan, subject, label, count, total in rows]


async def page_labels(session: AsyncSession, *conditions: object) -> list[tuple[int, int, int, str]]:
    """(page id, subject id, grade level, «5А») of the subject pages matching ``conditions``."""
    rows = (await session.execute(
        select(SubjectPage.id, SubjectPage.subject_id, grade_level_of(), holder_label())
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .where(*conditions).order_by(grade_level_of(), holder_label(), SubjectPage.id))).all()
    return [(row[0], row[1], int(row[2]), str(row[3])) for row in rows]


async def plan_of_page(session: AsyncSession, page_id: int) -> JournalLessonPlan | None:
    """The plan a page follows: its own variant, else its level's shared plan."""
    page = await session.get(SubjectPage, page_id)
    if page is None:
        return None
    level = await session.scalar(select(grade_level_of()).select_from(SubjectPage)
                                 .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
                                 .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
                                 .where(SubjectPage.id == page_id))
    return await session.scalar(select(JournalLessonPlan).where(
        JournalLessonPlan.academic_year_id == page.academic_year_id, JournalLessonPlan.subject_id == page.subject_id,
        JournalLessonPlan.grade_level == level,
        or_(JournalLessonPlan.subject_page_id == page_id, JournalLessonPlan.subject_page_id.is_(None)))
        .order_by(JournalLessonPlan.subject_page_id.is_(None)).limit(1))


async def pages_using(session: AsyncSession, plan: JournalLessonPlan) -> list[tuple[int, str]]:
    """The pages a plan feeds: its own page, or the level's pages that have no variant of their own."""
    if plan.subject_page_id is not None:
        return [(page_id, label) for page_id, _s, _l, label in await page_labels(session, SubjectPage.id == plan.subject_page_id)]
    variants = select(JournalLessonPlan.subject_page_id).where(
        JournalLessonPlan.academic_year_id == plan.academic_year_id, JournalLessonPlan.subject_page_id.is_not(None))
    return [(page_id, label) for page_id, _s, _l, label in await page_labels(
        session, SubjectPage.academic_year_id == plan.academic_year_id, SubjectPage.subject_id == plan.subject_id,
        grade_level_of() == plan.grade_level, SubjectPage.id.not_in(variants))]


# ---- who may edit ----------------------------------------------------------------------------------


def editing_window(year: AcademicYear, today: date) -> date:
    """From when a teacher's load counts for a year's plans: the year before, too, until the year
    starts (plans are made before it, often before its load is set); then the year itself."""
    return year.starts_on - timedelta(days=366) if today < year.starts_on else year.starts_on


async def teaches_subject(session: AsyncSession, user: CurrentUser, year: AcademicYear, subject_id: int,
                          today: date) -> bool:
    """Whether the person teaches the subject in the plan's editing window."""
    if not user.roles & WRITERS:
        return False
    return await session.scalar(select(TeachingAssignment.id).join(
        SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id).where(
        TeachingAssignment.teacher_id == user.id, SubjectPage.school_id == user.school_id,
        SubjectPage.subject_id == subject_id,
        overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, editing_window(year, today),
                    year.ends_on)).limit(1)) is not None


async def holds_page_in_year(session: AsyncSession, user: CurrentUser, page_id: int, year: AcademicYear) -> bool:
    if not user.roles & WRITERS:
        return False
    return await session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.subject_page_id == page_id, TeachingAssignment.teacher_id == user.id,
        overlapping(TeachingAssignment.starts_on, TeachingAssignment.ends_on, year.starts_on, year.ends_on))
        .limit(1)) is not None


async def may_edit(session: AsyncSession, user: CurrentUser, plan: JournalLessonPlan, year: AcademicYear,
                   today: date) -> bool:
    if plan.subject_page_id is not None:
        return await holds_page_in_year(session, user, plan.subject_page_id, year)
    return await teaches_subject(session, user, year, plan.subject_id, today)


# ---- items -----------------------------------------------------------------------------------------


@dataclass
class ItemInput:
    section: str = ""
    topic: str = ""
    hours: str = "1"
    kind: str = "lesson"
    homework: str = ""
    planned_on: str = ""


def parse_item(values: ItemInput, year: AcademicYear) -> tuple[PlanRow | None, dict[str, str]]:
    """An item typed in the editor, checked as an imported row is."""
    errors: dict[str, str] = {}
    topic, section, homework = values.topic.strip(), values.section.strip(), values.homework.strip()
    if not topic:
        errors["topic"] = _("Enter the topic of the lesson.")
    elif len(topic) > TOPIC_LIMIT:
        errors["topic"] = _("The topic is longer than %(limit)s characters.", limit=TOPIC_LIMIT)
    if len(section) > SECTION_LIMIT:
        errors["section"] = _("The section is longer than %(limit)s characters.", limit=SECTION_LIMIT)
    if len(homework) > HOMEWORK_LIMIT:
        errors["homework"] = _("The homework is longer than %(limit)s characters.", limit=HOMEWORK_LIMIT)
    hours = values.hours.strip()
    if not hours.isdigit() or not 1 <= int(hours) <= MAX_ITEM_HOURS:
        errors["hours"] = _("Hours: a whole number of lessons from 1 to %(limit)s.", limit=MAX_ITEM_HOURS)
    if values.kind not in LESSON_KINDS:
        errors["kind"] = _("Choose the kind of lesson from the list.")
    planned_on = None
    if values.planned_on.strip():
        try:
            planned_on = date.fromisoformat(values.planned_on.strip())
        except ValueError:
            errors["planned_on"] = _("Enter the date as dd.mm.yyyy.")
        else:
            if not year.starts_on <= planned_on <= year.ends_on:
                errors["planned_on"] = _("The date must lie within the school year %(year)s.", year=year.name)
    if errors:
        return None, errors
    return PlanRow(section=section, topic=topic, hours=int(hours), kind=values.kind, homework=homework,
                   planned_on=planned_on), {}


def _row_values(row: PlanRow) -> dict[str, object]:
    return {"section": row.section, "topic": row.topic, "hours": row.hours, "kind": row.kind, "homework": row.homework,
            "planned_on": row.planned_on}


def as_row(item: JournalLessonPlanItem) -> PlanRow:
    return PlanRow(section=item.section, topic=item.topic, hours=item.hours, kind=item.kind, homework=item.homework,
                   planned_on=item.planned_on)


ACTIONS = ("save", "up", "down", "split", "merge", "delete", "insert")


class PlanService:
    def __init__(self, session: AsyncSession, user: CurrentUser, today: date) -> None:
        self.session, self.user, self.today = session, user, today
        self._gone: list[JournalLessonPlanItem] = []  # items a merge or a delete removes

    async def _plan(self, plan_id: int, *, lock: bool = False) -> tuple[JournalLessonPlan, AcademicYear]:
        query = select(JournalLessonPlan).where(JournalLessonPlan.id == plan_id,
                                                JournalLessonPlan.school_id == self.user.school_id)
        plan = await self.session.scalar(query.with_for_update() if lock else query)
        year = await self.session.get(AcademicYear, plan.academic_year_id) if plan else None
        if plan is None or year is None:
            raise NotFoundException()
        return plan, year

    async def view(self, plan_id: int) -> PlanView:
        plan, year = await self._plan(plan_id)
        items = await self.items(plan.id)
        subject = await self.session.scalar(select(Subject.name).where(Subject.id == plan.subject_id)) or ""
        label = ""
        if plan.subject_page_id is not None:
            label = next((found for _id, _s, _l, found in await page_labels(
                self.session, SubjectPage.id == plan.subject_page_id)), "")
        hours = (await curriculum_hours(self.session, year.id)).get((plan.subject_id, plan.grade_level))
        editable = await may_edit(self.session, self.user, plan, year, self.today)
        view = PlanView(plan=plan, year=year, subject=subject, page_label=label, items=items,
                        hours=HoursCheck(sum(item.hours for item in items), hours), may_edit=editable,
                        pages=await pages_using(self.session, plan))
        if editable and not items:
            view.sources = await self.copy_sources(plan, year)
        return view

    async def items(self, plan_id: int) -> list[JournalLessonPlanItem]:
        return list((await self.session.execute(select(JournalLessonPlanItem).where(
            JournalLessonPlanItem.plan_id == plan_id).order_by(JournalLessonPlanItem.position))).scalars())

    async def writable(self, plan_id: int, version: str) -> tuple[JournalLessonPlan, AcademicYear]:
        """The plan, locked, if the person may edit it and edits the version they saw."""
        plan, year = await self._plan(plan_id, lock=True)
        if not await may_edit(self.session, self.user, plan, year, self.today):
            raise NotFoundException()
        if version != str(plan.version):
            raise PlanRefused({"form": _("The plan was changed meanwhile (by you in another window or by a colleague): "
                                         "the page now shows it as it is. Make your change again.")}, status=409)
        return plan, year

    def _touch(self, plan: JournalLessonPlan) -> None:
        plan.version += 1
        plan.updated_by, plan.updated_at = self.user.id, utcnow()

    async def create(self, year_id: int, subject_id: int, grade_level: int, page_id: int | None) -> JournalLessonPlan:
        """An empty plan of a subject for a level (or a page's variant, a copy of the level's plan)."""
        year = await self.session.scalar(select(AcademicYear).where(
            AcademicYear.id == year_id, AcademicYear.school_id == self.user.school_id))
        subject = await self.session.scalar(select(Subject).where(
            Subject.id == subject_id, Subject.school_id == self.user.school_id))
        if year is None or subject is None or not 1 <= grade_level <= 11:
            raise NotFoundException()
        if page_id is not None:
            found = await page_labels(self.session, SubjectPage.id == page_id, SubjectPage.academic_year_id == year.id,
                                      SubjectPage.subject_id == subject.id, SubjectPage.school_id == self.user.school_id)
            if not found or found[0][2] != grade_level or not await holds_page_in_year(self.session, self.user, page_id, year):
                raise NotFoundException()
        elif not await teaches_subject(self.session, self.user, year, subject.id, self.today):
            raise NotFoundException()
        existing = await self.session.scalar(select(JournalLessonPlan.id).where(
            JournalLessonPlan.academic_year_id == year.id, JournalLessonPlan.subject_id == subject.id,
            JournalLessonPlan.grade_level == grade_level,
            JournalLessonPlan.subject_page_id == page_id if page_id is not None else JournalLessonPlan.subject_page_id.is_(None)))
        if existing is not None:
            raise PlanRefused({"form": _("This plan already exists: open it from the list.")}, status=409)
        plan = JournalLessonPlan(school_id=self.user.school_id, academic_year_id=year.id, subject_id=subject.id,
                                 grade_level=grade_level, subject_page_id=page_id, created_by=self.user.id,
                                 updated_by=self.user.id)
        self.session.add(plan)
        await self.session.flush()
        if page_id is not None:  # a variant starts as a copy of the plan the page followed
            shared = await self.session.scalar(select(JournalLessonPlan).where(
                JournalLessonPlan.academic_year_id == year.id, JournalLessonPlan.subject_id == subject.id,
                JournalLessonPlan.grade_level == grade_level, JournalLessonPlan.subject_page_id.is_(None)))
            if shared is not None:
                shared_items = await self.items(shared.id)
                await self._write_rows(plan, [as_row(item) for item in shared_items])
                await carry_page_over(self.session, page_id, shared_items, await self.items(plan.id))
        return plan

    async def copy_sources(self, plan: JournalLessonPlan, year: AcademicYear) -> list[PlanSummary]:
        """Plans of the same subject with items: other levels this year, any level last year, and the
        level's shared plan for a variant."""
        previous = select(AcademicYear.id).where(AcademicYear.school_id == plan.school_id,
                                                 AcademicYear.starts_on < year.starts_on,
                                                 AcademicYear.starts_on >= year.starts_on - timedelta(days=400))
        found = await plan_summaries(self.session, plan.school_id, JournalLessonPlan.subject_id == plan.subject_id,
                                     JournalLessonPlan.id != plan.id,
                                     or_(JournalLessonPlan.academic_year_id == year.id,
                                         JournalLessonPlan.academic_year_id.in_(previous)))
        return [summary for summary in found if summary.items]

    async def copy_from(self, plan_id: int, version: str, source_id: int) -> JournalLessonPlan:
        """Fill an empty plan with another plan's items (one of ``copy_sources``)."""
        plan, year = await self.writable(plan_id, version)
        if await self.items(plan.id):
            raise PlanRefused({"source": _("The plan already has items: copying would replace them. Delete them first.")})
        if source_id not in {summary.plan_id for summary in await self.copy_sources(plan, year)}:
            raise PlanRefused({"source": _("Choose a plan to copy from the list.")})
        rows = [as_row(item) for item in await self.items(source_id)]
        await self._write_rows(plan, [_within(row, year) for row in rows])
        self._touch(plan)
        return plan

    async def replace_rows(self, plan_id: int, version: str, rows: Sequence[PlanRow]) -> JournalLessonPlan:
        """The plan's items become ``rows`` (an import): the n-th item keeps its row, so lessons that
        covered it keep covering it."""
        plan, year = await self.writable(plan_id, version)
        if not rows or len(rows) > MAX_ITEMS:
            raise PlanRefused({"form": _("A plan has from 1 to %(limit)s items.", limit=MAX_ITEMS)})
        for row in rows:
            _checked, errors = parse_item(ItemInput(row.section, row.topic, str(row.hours), row.kind, row.homework,
                                                    row.planned_on.isoformat() if row.planned_on else ""), year)
            if errors:
                raise PlanRefused(errors)
        await self._write_rows(plan, rows)
        self._touch(plan)
        return plan

    async def _write_rows(self, plan: JournalLessonPlan, rows: Sequence[PlanRow]) -> None:
        existing = await self.items(plan.id)
        for position, row in enumerate(rows, start=1):
            if position <= len(existing):
                item = existing[position - 1]
                for name, value in _row_values(row).items():
                    setattr(item, name, value)
                item.position = position
            else:
                self.session.add(JournalLessonPlanItem(plan_id=plan.id, position=position, **_row_values(row)))
        if len(existing) > len(rows):
            await self.session.execute(delete(JournalLessonPlanItem).where(
                JournalLessonPlanItem.id.in_([item.id for item in existing[len(rows):]])))
        await self.session.flush()

    async def act(self, plan_id: int, version: str, item_id: int | None, action: str,
                  values: ItemInput | None = None) -> JournalLessonPlan:
        """One edit of the items: save (or add, without ``item_id``), insert after, up, down, split,
        merge with the next, delete."""
        plan, year = await self.writable(plan_id, version)
        items = await self.items(plan.id)
        index = next((i for i, item in enumerate(items) if item.id == item_id), None)
        if item_id is not None and index is None or action not in ACTIONS or \
                index is None and action not in ("save", "insert"):
            raise NotFoundException()
        if action in ("save", "insert"):
            row, errors = parse_item(values or ItemInput(), year)
            if row is None:
                raise PlanRefused(errors)
            if action == "save" and index is not None:
                for name, value in _row_values(row).items():
                    setattr(items[index], name, value)
            else:
                if len(items) >= MAX_ITEMS:
                    raise PlanRefused({"form": _("A plan has from 1 to %(limit)s items.", limit=MAX_ITEMS)})
                new = JournalLessonPlanItem(plan_id=plan.id, position=0, **_row_values(row))
                self.session.add(new)
                items.insert(len(items) if index is None else index + 1, new)
        else:
            assert index is not None
            self._rearrange(items, index, action)
        await self._renumber(items)
        self._touch(plan)
        return plan

    def _rearrange(self, items: list[JournalLessonPlanItem], index: int, action: str) -> None:
        item = items[index]
        if action == "up" and index > 0:
            items[index - 1], items[index] = item, items[index - 1]
        elif action == "down" and index < len(items) - 1:
            items[index + 1], items[index] = item, items[index + 1]
        elif action == "split":
            if item.hours < 2:
                raise PlanRefused({"form": _("Only an item of two or more hours can be split.")})
            first = (item.hours + 1) // 2
            copy = JournalLessonPlanItem(plan_id=item.plan_id, position=0, section=item.section, topic=item.topic,
                                         hours=item.hours - first, kind=item.kind, homework=item.homework,
                                         planned_on=None)
            item.hours = first
            self.session.add(copy)
            items.insert(index + 1, copy)
        elif action == "merge":
            if index == len(items) - 1:
                raise PlanRefused({"form": _("The last item has no next item to merge with.")})
            following = items[index + 1]
            if item.hours + following.hours > MAX_ITEM_HOURS:
                raise PlanRefused({"form": _("Merged, the items would have more than %(limit)s hours: split the topic instead.",
                                             limit=MAX_ITEM_HOURS)})
            item.hours += following.hours
            if following.topic != item.topic:
                item.topic = f"{item.topic}. {following.topic}"[:TOPIC_LIMIT]
            if following.homework and following.homework != item.homework:
                item.homework = "; ".join(text for text in (item.homework, following.homework) if text)[:HOMEWORK_LIMIT]
            items.pop(index + 1)
            self._gone.append(following)
        elif action == "delete":
            items.pop(index)
            self._gone.append(item)

    async def _renumber(self, items: list[JournalLessonPlanItem]) -> None:
        for item in self._gone:
            await self.session.delete(item)
        self._gone = []
        for position, item in enumerate(items, start=1):
            item.position = position
        await self.session.flush()

    async def delete_plan(self, plan_id: int, version: str) -> JournalLessonPlan:
        """Delete a plan; a variant's page goes back to its level's plan, keeping its progress."""
        plan, _year = await self.writable(plan_id, version)
        if plan.subject_page_id is not None:
            shared = await self.session.scalar(select(JournalLessonPlan).where(
                JournalLessonPlan.academic_year_id == plan.academic_year_id, JournalLessonPlan.subject_id == plan.subject_id,
                JournalLessonPlan.grade_level == plan.grade_level, JournalLessonPlan.subject_page_id.is_(None)))
            if shared is not None:
                await carry_page_over(self.session, plan.subject_page_id, await self.items(plan.id),
                                      await self.items(shared.id))
        await self.session.delete(plan)
        await self.session.flush()
        return plan


async def carry_page_over(session: AsyncSession, page_id: int, old: Sequence[JournalLessonPlanItem],
                          new: Sequence[JournalLessonPlanItem]) -> None:
    """A page moving from one plan to another (its own variant, or back to the level's) keeps its
    progress: its lessons and its skips and repeats move from the n-th item of the old plan to the
    n-th of the new one."""
    pairs = [{"page": page_id, "old": before.id, "new": after.id} for before, after in zip(old, new)]
    if not pairs:
        return
    lessons, adjustments = JournalLesson.__table__, JournalPlanAdjustment.__table__
    await session.execute(update(lessons).where(lessons.c.subject_page_id == bindparam("page"),
                                                lessons.c.plan_item_id == bindparam("old"))
                          .values(plan_item_id=bindparam("new")), pairs)
    await session.execute(update(adjustments).where(adjustments.c.subject_page_id == bindparam("page"),
                                                    adjustments.c.item_id == bindparam("old"))
                          .values(item_id=bindparam("new")), pairs)


def check_dates(found: PlanFile, year: AcademicYear) -> None:
    """An imported plan's planned dates must lie in the plan's school year (last year's file keeps
    last year's dates): each row outside is an error of its own, and the file is then refused."""
    for index, outcome in enumerate(found.outcomes):
        day = outcome.item.planned_on if outcome.item else None
        if day is not None and not year.starts_on <= day <= year.ends_on:
            found.outcomes[index] = RowOutcome(outcome.row, "error", _(
                "The planned date %(date)s is outside the school year %(year)s: correct or clear it.",
                date=day.strftime("%d.%m.%Y"), year=year.name))
    if not found.valid:
        found.items = []


def _within(row: PlanRow, year: AcademicYear) -> PlanRow:
    """A copied item keeps its date only when the date lies in the new plan's year."""
    if row.planned_on is None or year.starts_on <= row.planned_on <= year.ends_on:
        return row
    return PlanRow(section=row.section, topic=row.topic, hours=row.hours, kind=row.kind, homework=row.homework)


def year_of_today(years: Sequence[AcademicYear], today: date) -> AcademicYear | None:
    return next((year for year in years if year.starts_on <= today <= year.ends_on), None)


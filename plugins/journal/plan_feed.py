"""How a page's lessons take their topics (and, if the teacher chooses, homework) from its plan, and
how far the page is ahead of or behind the plan (отставание от программы, ``plan_lag``).

The plan unrolls into a sequence of lesson *slots*: an item of two hours is two slots, an item the
page skipped is none, an item it repeats is one more (``journal_plan_adjustment``). The page's
active lessons, in order, walk along the sequence:

- a lesson *follows* the plan when it is still to be given (today or later, attendance not yet
  taken) and its topic is the plan's or empty: it takes the next slot;
- any other lesson keeps what it holds; if it covers a plan item, the walk continues after that
  item's hour (so a lesson given or typed over is never rewritten and still counts as covered).

A topic the teacher typed is never overwritten, and given lessons never change. Every change a
feed makes goes to the history with the plan as its reason and raises the lesson's version, so a
lesson form open meanwhile is refused rather than overwriting it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Sequence

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.types import utcnow
from core.i18n import gettext as _
from core.school.models import School
from core.structure.common import school_today
from core.structure.models import ClassGroup, StudyGroup, SubjectPage
from plugins.journal.history import HistoryWriter
from plugins.journal.lessons import grade_level_of
from plugins.journal.models import (
    JournalLesson, JournalLessonPlan, JournalLessonPlanItem, JournalPlanAdjustment, JournalPlanPage,
)


# The reason of the changes a feed makes, in the history: a record, so in the school's language
# whatever the locale of the request (or of no request) that caused it.
PLAN_REASON = "из КТП"


@dataclass(frozen=True)
class Slot:
    item_id: int
    hour: int  # 1 .. the item's hours on the page
    last: bool  # the item's last hour: where its homework goes
    topic: str
    homework: str
    planned_on: date | None


@dataclass
class LessonState:
    id: int
    day: date
    taken: bool  # attendance taken: the lesson was given
    topic: str
    homework: str
    plan_item_id: int | None
    plan_hour: int | None
    plan_topic: bool
    plan_homework: bool
    version: int = 1
    no_homework: bool = False
    saved: bool = False  # its teacher has saved it (its homework is theirs from then on)

    def to_come(self, today: date) -> bool:
        return self.day >= today and not self.taken

    def follows(self, today: date) -> bool:
        return self.to_come(today) and (self.plan_topic or (not self.topic.strip() and self.plan_item_id is None))


def sequence(items: Sequence[JournalLessonPlanItem], adjustments: dict[int, int]) -> list[Slot]:
    slots = []
    for item in items:
        hours = adjustments.get(item.id, item.hours)
        slots.extend(Slot(item.id, hour, hour == hours, item.topic, item.homework, item.planned_on)
                     for hour in range(1, hours + 1))
    return slots


def walk(slots: Sequence[Slot], lessons: Iterable[LessonState], today: date
         ) -> tuple[dict[int, Slot | None], dict[int, Slot | None], list[int]]:
    """The slot each following lesson takes (None past the plan's end); the slot each lesson to
    come whose plan topic the teacher typed over now covers (its text stays); and the cursor after
    each lesson: how many slots the page has covered by then. A given lesson that covered an item
    moves the walk on past that item's hour."""
    position = {(slot.item_id, slot.hour): index for index, slot in enumerate(slots)}
    last_of_item = {slot.item_id: index for index, slot in enumerate(slots)}
    taken: dict[int, Slot | None] = {}
    relinked: dict[int, Slot | None] = {}
    cursors, cursor = [], 0
    for lesson in lessons:
        if lesson.follows(today):
            taken[lesson.id] = slots[cursor] if cursor < len(slots) else None
            cursor += 1
        elif lesson.plan_item_id is not None and lesson.to_come(today):
            relinked[lesson.id] = slots[cursor] if cursor < len(slots) else None
            cursor += 1
        elif lesson.plan_item_id is not None:
            found = position.get((lesson.plan_item_id, lesson.plan_hour or 1))
            if found is None:
                found = last_of_item.get(lesson.plan_item_id)
            if found is not None:
                cursor = max(cursor, found + 1)
        cursors.append(cursor)
    return taken, relinked, cursors


# ---- loading ---------------------------------------------------------------------------------------


@dataclass
class PagePlan:
    page_id: int
    plan: JournalLessonPlan | None
    items: list[JournalLessonPlanItem] = field(default_factory=list)
    adjustments: dict[int, int] = field(default_factory=dict)
    homework_from_plan: bool = False

    @property
    def slots(self) -> list[Slot]:
        return sequence(self.items, self.adjustments)


async def load_page_plans(session: AsyncSession, page_ids: Sequence[int]) -> dict[int, PagePlan]:
    """Each page's plan (its variant, else its level's), items, adjustments and choices: five statements."""
    pages = (await session.execute(
        select(SubjectPage.id, SubjectPage.academic_year_id, SubjectPage.subject_id, grade_level_of())
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .where(SubjectPage.id.in_(page_ids)))).all()
    if not pages:
        return {}
    plans = list((await session.execute(select(JournalLessonPlan).where(
        or_(JournalLessonPlan.subject_page_id.in_(page_ids),
            and_(JournalLessonPlan.subject_page_id.is_(None),
                 JournalLessonPlan.academic_year_id.in_({page.academic_year_id for page in pages}),
                 JournalLessonPlan.subject_id.in_({page.subject_id for page in pages})))))).scalars())
    variants = {plan.subject_page_id: plan for plan in plans if plan.subject_page_id is not None}
    shared = {(plan.academic_year_id, plan.subject_id, plan.grade_level): plan for plan in plans
              if plan.subject_page_id is None}
    items: dict[int, list[JournalLessonPlanItem]] = defaultdict(list)
    for item in (await session.execute(select(JournalLessonPlanItem).where(
            JournalLessonPlanItem.plan_id.in_([plan.id for plan in plans] or [0]))
            .order_by(JournalLessonPlanItem.plan_id, JournalLessonPlanItem.position))).scalars():
        items[item.plan_id].append(item)
    adjustments: dict[int, dict[int, int]] = defaultdict(dict)
    for page_id, item_id, hours in (await session.execute(select(
            JournalPlanAdjustment.subject_page_id, JournalPlanAdjustment.item_id, JournalPlanAdjustment.hours).where(
            JournalPlanAdjustment.subject_page_id.in_(page_ids)))).all():
        adjustments[page_id][item_id] = hours
    homework = set((await session.execute(select(JournalPlanPage.subject_page_id).where(
        JournalPlanPage.subject_page_id.in_(page_ids), JournalPlanPage.homework_from_plan))).scalars())
    found = {}
    for page in pages:
        plan = variants.get(page.id) or shared.get((page.academic_year_id, page.subject_id, page[3]))
        found[page.id] = PagePlan(page.id, plan, items.get(plan.id, []) if plan else [],
                                  adjustments.get(page.id, {}), page.id in homework)
    return found


async def lesson_states(session: AsyncSession, page_ids: Sequence[int], *conditions: object) -> dict[int, list[LessonState]]:
    """The pages' active lessons in order, as the walk needs them: one statement."""
    rows = (await session.execute(
        select(JournalLesson.id, JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.attendance_at,
               JournalLesson.topic, JournalLesson.homework, JournalLesson.plan_item_id, JournalLesson.plan_hour,
               JournalLesson.plan_topic, JournalLesson.plan_homework, JournalLesson.version, JournalLesson.no_homework,
               JournalLesson.filled_at)
        .where(JournalLesson.subject_page_id.in_(page_ids), JournalLesson.state == "active", *conditions)
        .order_by(JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.number, JournalLesson.id))).all()
    found: dict[int, list[LessonState]] = defaultdict(list)
    for row in rows:
        found[row.subject_page_id].append(LessonState(
            row.id, row.day, row.attendance_at is not None, row.topic, row.homework, row.plan_item_id, row.plan_hour,
            row.plan_topic, row.plan_homework, row.version, row.no_homework, row.filled_at is not None))
    return found


# ---- feeding ---------------------------------------------------------------------------------------


async def feed_pages(session: AsyncSession, school_id: int, page_ids: Iterable[int], *, user_id: int | None = None,
                     today: date | None = None, now: datetime | None = None) -> int:
    """Bring the following lessons of ``page_ids`` in step with their plans; returns how many changed.
    A fixed number of statements to read, one update per changed lesson. ``now``: when the changes
    are recorded as made (the demo pins it)."""
    page_ids = sorted(set(page_ids))
    if not page_ids:
        return 0
    if today is None:
        zone = await session.scalar(select(School.timezone).where(School.id == school_id))
        today = school_today(zone or "Europe/Moscow")
    plans = await load_page_plans(session, page_ids)
    # Only lessons still to come, or covering an item, matter to the walk: given lessons of their own
    # topic change nothing.
    lessons = await lesson_states(session, page_ids, or_(JournalLesson.day >= today, JournalLesson.plan_item_id.is_not(None)))
    history = HistoryWriter(session, school_id, user_id, PLAN_REASON)
    history.at = now or history.at
    changed = 0
    for page_id in page_ids:
        page_plan = plans.get(page_id)
        if page_plan is None:
            continue
        states = lessons.get(page_id, [])
        taken, relinked, _cursors = walk(page_plan.slots, states, today)
        following_day = _following_days(states)
        for lesson in states:
            if lesson.id in taken:
                values = _fed_values(lesson, taken[lesson.id], page_plan.homework_from_plan, following_day.get(lesson.id))
            elif lesson.id in relinked:
                slot = relinked[lesson.id]
                values = {"plan_item_id": slot.item_id if slot else None, "plan_hour": slot.hour if slot else None}
            else:
                continue
            changed += await _apply(session, lesson, values, history)
    return changed


def _following_days(lessons: Sequence[LessonState]) -> dict[int, date]:
    """Each lesson's next lesson day of the page, on a later day (where its homework is due)."""
    found: dict[int, date] = {}
    later: date | None = None  # the day of the nearest lesson on a later day than the current one
    following: date | None = None  # the day of the lesson after the current one
    for lesson in reversed(lessons):
        if following is not None and following > lesson.day:
            later = following
        if later is not None:
            found[lesson.id] = later
        following = lesson.day
    return found


def _fed_values(lesson: LessonState, slot: Slot | None, homework_from_plan: bool, due: date | None) -> dict[str, object]:
    """What a following lesson holds from its slot: the topic; the item's homework on its last hour
    when the page takes homework from the plan and the teacher has not decided it themselves."""
    values: dict[str, object] = {
        "topic": slot.topic if slot else "", "plan_item_id": slot.item_id if slot else None,
        "plan_hour": slot.hour if slot else None, "plan_topic": slot is not None}
    teachers = lesson.no_homework or (lesson.saved or bool(lesson.homework.strip())) and not lesson.plan_homework
    if homework_from_plan and slot is not None and not teachers:
        homework = slot.homework if slot.last else ""
        values.update(homework=homework, plan_homework=True, homework_due=due if homework else None)
    elif lesson.plan_homework:  # the plan's homework is no longer wanted here
        values.update(homework="", plan_homework=False, homework_due=None)
    return values


async def _apply(session: AsyncSession, lesson: LessonState, values: dict[str, object], history: HistoryWriter) -> int:
    """Write ``values`` if they change the lesson and nobody changed it since it was read (a
    teacher's save meanwhile wins: the lesson stays as they saved it)."""
    current = {"topic": lesson.topic, "plan_item_id": lesson.plan_item_id, "plan_hour": lesson.plan_hour,
               "plan_topic": lesson.plan_topic, "homework": lesson.homework, "plan_homework": lesson.plan_homework}
    if all(current[name] == value for name, value in values.items() if name in current):
        return 0
    written = await session.execute(update(JournalLesson).where(
        JournalLesson.id == lesson.id, JournalLesson.version == lesson.version).values(
        **values, version=lesson.version + 1, updated_at=history.at))
    if not written.rowcount:
        return 0
    for name in ("topic", "homework"):
        if name in values and values[name] != current[name]:
            history.add(lesson.id, "lesson", name, current[name] or None, values[name] or None)
    return 1


async def has_plans(session: AsyncSession, school_id: int) -> bool:
    return await session.scalar(select(JournalLessonPlan.id).where(JournalLessonPlan.school_id == school_id).limit(1)) \
        is not None


async def feed_plan(session: AsyncSession, plan: JournalLessonPlan, user_id: int | None) -> int:
    """After a change of a plan (or its deletion): the pages it feeds (fed)."""
    from plugins.journal.plans import pages_using

    return await feed_pages(session, plan.school_id, [page_id for page_id, _label in await pages_using(session, plan)],
                            user_id=user_id)


# ---- progress --------------------------------------------------------------------------------------


@dataclass
class ItemProgress:
    item: JournalLessonPlanItem
    hours: int  # on this page
    adjusted: bool
    given: list[date]  # days of the lessons before today that covered it
    coming: list[date]  # days of the lessons from today on that will


@dataclass
class Progress:
    """Where a page stands in its plan by today."""

    page_plan: PagePlan
    total: int  # lessons the plan gives the page
    covered: int  # slots covered by the lessons before today
    given: int  # lessons before today
    expected: int  # slots the plan expected covered by today: by its dates, else one for each lesson given since
    # the first lesson that covered the plan
    by_dates: bool
    items: list[ItemProgress]
    next_item_id: int | None = None  # the item the next lesson takes

    @property
    def lag(self) -> int:
        """Lessons behind the plan (negative: ahead)."""
        return self.expected - self.covered


async def page_progress(session: AsyncSession, page_id: int, today: date) -> Progress | None:
    """The page's plan, item by item with its lessons, and the lag by today. Seven statements."""
    page_plan = (await load_page_plans(session, [page_id])).get(page_id)
    if page_plan is None or page_plan.plan is None:
        return None
    lessons = (await lesson_states(session, [page_id])).get(page_id, [])
    return progress_of(page_plan, lessons, today)


def progress_of(page_plan: PagePlan, lessons: Sequence[LessonState], today: date) -> Progress:
    slots = page_plan.slots
    _taken, _relinked, cursors = walk(slots, lessons, today)
    before = [index for index, lesson in enumerate(lessons) if lesson.day < today]
    covered = cursors[before[-1]] if before else 0
    by_dates = bool(slots) and all(slot.planned_on is not None for slot in slots)
    if by_dates:
        expected = sum(1 for slot in slots if slot.planned_on and slot.planned_on < today)
    else:  # one slot a lesson, from the first lesson that covered the plan (a plan may come mid-year)
        first = next((index for index in before if lessons[index].plan_item_id is not None), None)
        expected = 0 if first is None else cursors[first] - 1 + len(before) - before.index(first)
    days: dict[int, tuple[list[date], list[date]]] = defaultdict(lambda: ([], []))
    for lesson in lessons:
        if lesson.plan_item_id is not None:
            days[lesson.plan_item_id][0 if lesson.day < today else 1].append(lesson.day)
    items = [ItemProgress(item, page_plan.adjustments.get(item.id, item.hours), item.id in page_plan.adjustments,
                          *days[item.id]) for item in page_plan.items]
    following = slots[covered].item_id if covered < len(slots) else None
    return Progress(page_plan, len(slots), covered, len(before), min(expected, len(slots)), by_dates, items, following)


async def page_lags(session: AsyncSession, page_ids: Sequence[int], today: date) -> dict[int, Progress]:
    """Progress of several pages (the deputy's and the teacher's lists): six statements."""
    plans = await load_page_plans(session, page_ids)
    lessons = await lesson_states(session, [page_id for page_id, found in plans.items() if found.plan is not None] or [0])
    return {page_id: progress_of(found, lessons.get(page_id, []), today)
            for page_id, found in plans.items() if found.plan is not None}


# ---- a page's own choices --------------------------------------------------------------------------

PAGE_ACTIONS = ("skip", "repeat", "reset", "homework_on", "homework_off")


class AdjustRefused(ValueError):
    """A page's choice that cannot be made; carries the translated message."""


async def adjust_page(session: AsyncSession, page_id: int, user_id: int, action: str, item_id: int | None,
                      today: date | None = None, shown_hours: str = "") -> PagePlan:
    """A page skips or repeats an item of its plan (or goes back to the plan's hours), or chooses
    whether its lessons take homework from the plan; then its lessons follow. The caller has
    checked that the person holds the page and has locked it."""
    page_plan = (await load_page_plans(session, [page_id])).get(page_id)
    if page_plan is None or page_plan.plan is None or action not in PAGE_ACTIONS:
        raise LookupError(action)
    if action.startswith("homework"):
        setting = await session.scalar(select(JournalPlanPage).where(JournalPlanPage.subject_page_id == page_id))
        if setting is None:
            setting = JournalPlanPage(subject_page_id=page_id)
            session.add(setting)
        setting.homework_from_plan, setting.updated_by, setting.updated_at = action == "homework_on", user_id, utcnow()
    else:
        item = next((item for item in page_plan.items if item.id == item_id), None)
        if item is None:
            raise LookupError(item_id)
        hours_now = page_plan.adjustments.get(item.id, item.hours)
        if shown_hours and shown_hours != str(hours_now):
            raise AdjustRefused(_("The item was changed meanwhile (in another window or by a colleague): "
                                  "the page now shows it as it is."))
        if action == "skip" and today is not None and any(
                lesson.plan_item_id == item.id and lesson.day < today
                for lesson in (await lesson_states(session, [page_id], JournalLesson.plan_item_id == item.id)).get(page_id, [])):
            raise AdjustRefused(_("Lessons of this item have been given: it cannot be skipped any more."))
        row = await session.scalar(select(JournalPlanAdjustment).where(
            JournalPlanAdjustment.subject_page_id == page_id, JournalPlanAdjustment.item_id == item.id))
        hours = {"skip": 0, "repeat": min(40, hours_now + 1)}.get(action)
        if hours is None or hours == item.hours:
            if row is not None:
                await session.delete(row)
        elif row is None:
            session.add(JournalPlanAdjustment(subject_page_id=page_id, item_id=item.id, hours=hours, updated_by=user_id))
        else:
            row.hours, row.updated_by, row.updated_at = hours, user_id, utcnow()
    await session.flush()
    school_id = await session.scalar(select(SubjectPage.school_id).where(SubjectPage.id == page_id))
    await feed_pages(session, school_id or 0, [page_id], user_id=user_id, today=today)
    return page_plan

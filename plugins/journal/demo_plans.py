"""The demo's calendar-thematic plans: one per subject and grade level, its hours those of the
curriculum, its topics the programme the demo's lessons follow (a контрольная closing each larger
topic), in sections of four topics; the lessons given so far cover the plan in order.

So the deputy's check has something to find: one subject has no plans («Музыка», if taught), one
plan is two hours short of the curriculum (the first level's «Физика», or else the first plan), and
one group page follows its own variant. A few pages (one in seven) spent their last two lessons on
topics of their own and are two lessons behind the plan.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.structure.models import AcademicYear
from plugins.journal.demo_programmes import programme
from plugins.journal.models import JournalLesson, JournalLessonPlan, JournalLessonPlanItem
from plugins.journal.plan_feed import feed_pages, load_page_plans, sequence
from plugins.journal.plans import curriculum_hours

SKIPPED_SUBJECT = "Музыка"
SHORT_SUBJECT = "Физика"
SECTION_TOPICS = 4
TEST_FROM_HOURS = 4  # a topic of this many hours or more ends with a контрольная
BEHIND_EVERY, BEHIND_BY = 7, 2
STUDY_STEPS = ("решение задач", "практикум", "закрепление")
NO_BOOK = frozenset({"pe", "music", "art", "technology"})


def plan_items(family: str, grade_level: int, total: int) -> list[dict[str, Any]]:
    """A plan of ``total`` lessons: the programme's topics in order, hours spread evenly; each topic
    in items of one or two lessons, as teachers write КТП, a larger one closed by a revision and a
    контрольная."""
    topics, start = programme(family, grade_level)
    ordered = [topics[(start + index) % len(topics)] for index in range(len(topics))]
    items: list[dict[str, Any]] = []
    given = 0
    for index, topic in enumerate(ordered):
        hours = round(total * (index + 1) / len(ordered)) - given
        given += hours
        section = f"Раздел {index // SECTION_TOPICS + 1}. {ordered[index - index % SECTION_TOPICS]}"
        closing = [("review", f"Обобщение по теме «{topic}»"), ("test", f"Контрольная работа по теме «{topic}»")] \
            if hours >= TEST_FROM_HOURS else []
        study = hours - len(closing)
        for part, step in enumerate(range(0, study, 2)):
            name = topic if part == 0 else f"{topic}: {STUDY_STEPS[(part - 1) % len(STUDY_STEPS)]}"
            items.append({"section": section, "topic": name, "hours": min(2, study - step), "kind": "lesson",
                          "homework": f"§{index + 1}, № {part * 4 + 1}–{part * 4 + 4}" if family not in NO_BOOK else ""})
        items += [{"section": section, "topic": name, "hours": 1, "kind": kind, "homework": ""} for kind, name in closing]
    return items


async def seed_plans(session: AsyncSession, school_id: int, year: AcademicYear, pages: dict[int, Any], today: date,
                     author: int | None = None) -> int:
    """Plans for the levels and subjects of ``pages`` (the demo's PageFacts), the lessons given
    linked to them, the lessons to come fed. Returns how many plans."""
    hours = await curriculum_hours(session, year.id)
    # Made before the year; the lessons to come take the plan's topics on the morning of ``today``
    # (both pinned: the same seed gives the same rows).
    made = datetime.combine(year.starts_on - timedelta(days=7), time(7), tzinfo=timezone.utc)
    morning = datetime.combine(today, time(7), tzinfo=timezone.utc)
    levels: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for page in pages.values():
        if page.info.subject != SKIPPED_SUBJECT:
            levels[(page.info.subject_id, page.info.grade_level)].append(page)
    short = next((key for key in sorted(levels) if levels[key][0].info.subject == SHORT_SUBJECT), min(levels, default=None))
    count = 0
    for key in sorted(levels):
        first = levels[key][0]
        total = hours.get(key, 0) // 2 or len(first.lessons)
        items = plan_items(first.family, key[1], total - 2 if key == short else total)
        await _add_plan(session, school_id, year.id, key, None, items, author, made)
        count += 1
    variant = next((page for key in sorted(levels) for page in levels[key] if page.info.group_id and key != short), None)
    if variant is not None:
        total = hours.get((variant.info.subject_id, variant.info.grade_level), 0) // 2 or len(variant.lessons)
        await _add_plan(session, school_id, year.id, (variant.info.subject_id, variant.info.grade_level), variant.info.id,
                        plan_items(variant.family, variant.info.grade_level, total), author, made)
        count += 1
    await _link_given(session, [page for pages_of in levels.values() for page in pages_of])
    await feed_pages(session, school_id, [page.info.id for pages_of in levels.values() for page in pages_of], today=today,
                     now=morning)
    return count


async def _add_plan(session: AsyncSession, school_id: int, year_id: int, key: tuple[int, int], page_id: int | None,
                    items: list[dict[str, Any]], author: int | None, made: datetime) -> None:
    plan = JournalLessonPlan(school_id=school_id, academic_year_id=year_id, subject_id=key[0], grade_level=key[1],
                             subject_page_id=page_id, created_by=author, updated_by=author, created_at=made, updated_at=made)
    session.add(plan)
    await session.flush()
    await session.execute(JournalLessonPlanItem.__table__.insert(), [
        {"plan_id": plan.id, "position": position, "planned_on": None, **item} for position, item in enumerate(items, start=1)])


async def _link_given(session: AsyncSession, pages: list[Any]) -> None:
    """The lessons given cover the plan's lessons in order, keeping their own topics; a page in
    BEHIND_EVERY spent its last BEHIND_BY lessons on something else."""
    plans = await load_page_plans(session, [page.info.id for page in pages])
    links = []
    for page in pages:
        found = plans.get(page.info.id)
        if found is None or found.plan is None:
            continue
        slots = sequence(found.items, {})
        given = page.lessons
        if page.info.id % BEHIND_EVERY == 0:
            given = given[:-BEHIND_BY]
        links += [{"lesson": lesson.id, "item": slot.item_id, "hour": slot.hour} for lesson, slot in zip(given, slots)]
    if links:
        table = JournalLesson.__table__
        await session.execute(update(table).where(table.c.id == bindparam("lesson"))
                              .values(plan_item_id=bindparam("item"), plan_hour=bindparam("hour")), links)

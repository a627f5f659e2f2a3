"""The journal's demo: every lesson of the current school year before the school's today, filled;
today's lessons wait for their teachers.

Topics follow each subject's programme through the year; homework is due at the page's next
lesson (about one lesson in ten «без домашнего задания»); a контрольная or another larger piece
of work about every eighth lesson. Attendance: illnesses of two to five school days («Б» at all
the day's lessons), a family day («У») now and then, a scattered «Н», a late «ОП» at the first
lesson: about 6 % of student-lessons absent. Marks: about 200 a student a year (scaled by the part
of the year gone), each student keeping their level, everyone present marked at a larger piece of
work, «4/5» marks for Russian dictations; none on pages «без отметок», none for the absent. About
one lesson in twenty is filled a day or more late. Written in bulk with the history rows, and no
events (the demo is the past, not news). Deterministic: only ``rng`` draws, in sorted order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.types import GradeScale
from core.school.models import School
from core.structure.common import school_today
from core.structure.models import AcademicYear, Subject, SubjectPage
from core.timetable.lessons import PageInfo, TimetableData, load_timetable
from plugins.journal.demo_programmes import (
    DOUBLE_MARKED, HOMEWORK, NO_HOMEWORK, NO_HOMEWORK_AFTER_WORK, NO_HOMEWORK_OTHERS, OTHER_WORK_KINDS, TEXTBOOK, WORK_KINDS,
    WORK_TOPICS, family_of, programme,
)
from plugins.journal.models import JournalAttendance, JournalGrade, JournalHistory, JournalLesson, JournalWorkKind
from plugins.journal.roster import on_day, page_roster
from plugins.journal.demo_finals import seed_finals
from plugins.journal.demo_plans import seed_plans
from plugins.journal.rules import JournalRules, ensure_defaults, is_ungraded, load_rules, scale_for
from plugins.journal.sync import ensure_synced

MARKS_PER_YEAR = 200
WORK_EVERY = 8  # lessons between two larger pieces of work (a контрольная, a dictation ...)
FILLED_LATE = 0.05
UNFINISHED_PERCENT, UNFINISHED_DAYS = 2, 14  # lessons of the last two weeks left without homework
ILLNESS_START = 0.0125  # the chance a healthy student falls ill on a school day (before their frailty)
ILLNESS_DAYS = (2, 5)
FAMILY_DAY = 0.006  # a day away for a family reason («У»)
SKIPPED = 0.011  # a single lesson missed («Н»), before the student's level
LATE_FIRST = 0.03  # late for the day's first lesson («ОП»)
HOMEWORK_SEARCH = timedelta(days=21)  # how far ahead the last lessons look for the page's next one


class Level(NamedTuple):
    """A student's level: their share among students, the chances of a 5, 4, 3 and 2, how often they skip."""

    share: int
    chances: tuple[int, int, int, int]
    skipping: float


# Strong, average and weak students.
LEVELS = (Level(30, (62, 32, 6, 0), 0.6), Level(50, (28, 48, 22, 2), 1.0), Level(20, (8, 32, 48, 12), 1.8))
FIVE_POINT_MARKS = ("5", "4", "3", "2")
REGULAR_KINDS = (("answer", 50), ("classwork", 38), ("independent", 7), ("homework", 5))


@dataclass
class PageFacts:
    info: PageInfo
    family: str
    graded: bool
    scale: GradeScale
    lessons: list[LessonRow] = field(default_factory=list)


@dataclass
class LessonRow:
    id: int
    page_id: int
    day: date
    number: int | None
    teacher_id: int | None
    students: list[int] = field(default_factory=list)  # on the page's roster that day
    kind: JournalWorkKind | None = None
    larger_work: bool = False  # a контрольная or the like: everyone present gets a mark
    topic: str = ""
    homework: str = ""
    homework_due: date | None = None
    no_homework: bool = False
    filled_at: datetime | None = None
    unfinished: bool = False  # the homework was never entered: the lesson is not filled

    @property
    def work_kind(self) -> JournalWorkKind:
        assert self.kind is not None, "a lesson's kind is chosen before it is written"
        return self.kind


@dataclass
class Seeded:
    """How many rows the demo wrote (lessons filled, attendance entries, marks, history rows)."""

    lessons: int = 0
    attendance: int = 0
    marks: int = 0
    history: int = 0


async def seed_journal(platform: Any, session: AsyncSession, school: School, rng: random.Random,
                       today: date | None = None) -> Seeded:
    """Fill the demo school's lessons of the current year up to yesterday (the school's; in the
    summer, the whole year just ended). Today's lessons exist but wait for their teachers."""
    today = today or school_today(school.timezone)
    in_year_today = today
    year = await session.scalar(select(AcademicYear).where(AcademicYear.school_id == school.id, AcademicYear.starts_on <= today)
                                .order_by(AcademicYear.starts_on.desc()).limit(1))
    if year is None:
        return Seeded()
    today = min(today, year.ends_on)
    await ensure_defaults(session, school.id)
    await ensure_synced(session, school.id, today)
    if today == in_year_today:
        today -= timedelta(days=1)
    rules = await load_rules(session, school.id)
    data = await load_timetable(session, school.id, year.starts_on, year.ends_on)
    pages = await _pages(platform, session, school, rules, data, year, today)
    lessons = [lesson for page in pages.values() for lesson in page.lessons]
    levels = {student: rng.choices(LEVELS, weights=[level.share for level in LEVELS])[0]
              for student in sorted({student for lesson in lessons for student in lesson.students})}
    codes = _attendance(rng, lessons, levels)
    shares = {level: _year_share(data, year, today, level) for level in {page.info.grade_level for page in pages.values()}}
    _fill_lessons(rng, pages, rules, _next_lesson_days(data, today), shares, today, ZoneInfo(school.timezone))
    absent = {seat for seat, code in codes.items() if _is_absence(rules, code)}
    marks = _marks(rng, pages, rules, levels, absent, shares)
    seeded = await _write(session, school.id, lessons, codes, marks)
    await seed_finals(session, school.id, year, pages, marks, rules, today, random.Random(f"{rng.random()}-finals"))
    await seed_plans(session, school.id, year, pages, min(in_year_today, year.ends_on))
    return seeded


# ---- what the demo needs to know ---------------------------------------------------------------


async def _pages(platform: Any, session: AsyncSession, school: School, rules: JournalRules, data: TimetableData,
                 year: AcademicYear, today: date) -> dict[int, PageFacts]:
    """The pages with active lessons up to today: their family, scale, whether they take marks
    (checked once a page), and each lesson's students."""
    rows = (await session.execute(select(
        JournalLesson.id, JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.number, JournalLesson.teacher_id)
        .where(JournalLesson.school_id == school.id, JournalLesson.academic_year_id == year.id,
               JournalLesson.state == "active", JournalLesson.day <= today)
        .order_by(JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.number, JournalLesson.id))).all()
    page_rows = {page.id: page for page in (await session.execute(select(SubjectPage).where(
        SubjectPage.id.in_({row.subject_page_id for row in rows} or {0})))).scalars()}
    subjects = {subject.id: subject for subject in (await session.execute(
        select(Subject).where(Subject.school_id == school.id))).scalars()}
    pages: dict[int, PageFacts] = {}
    for row in rows:
        if row.subject_page_id not in pages:
            page, info = page_rows[row.subject_page_id], data.pages[row.subject_page_id]
            pages[page.id] = PageFacts(
                info, family_of(info.subject), not await is_ungraded(session, page, info.grade_level, today),
                scale_for(platform, rules, school, subjects[page.subject_id], info.grade_level))
        pages[row.subject_page_id].lessons.append(LessonRow(*row))
    for page_id, page in pages.items():
        roster = await page_roster(session, page_rows[page_id], page.lessons[0].day, today)
        for lesson in page.lessons:
            lesson.students = sorted(line.student_id for line in on_day(roster, lesson.day))
    return pages


def _year_share(data: TimetableData, year: AcademicYear, today: date, grade_level: int) -> float:
    """The part of the grade level's lesson days that is behind us (today included)."""
    days = [year.starts_on + timedelta(days=n) for n in range((year.ends_on - year.starts_on).days + 1)]
    studied = [day for day in days if data.studies_on(day, grade_level)]
    return sum(day <= today for day in studied) / len(studied) if studied else 0.0


def _is_absence(rules: JournalRules, code: str) -> bool:
    found = rules.code(code)
    return found is not None and found.is_absence


# ---- attendance --------------------------------------------------------------------------------


def _attendance(rng: random.Random, lessons: list[LessonRow],
                levels: dict[int, Level]) -> dict[tuple[int, int], str]:
    """(lesson id, student id) → code, for those not simply present."""
    timetable: dict[int, list[tuple[date, int, int]]] = {}
    for lesson in lessons:
        for student in lesson.students:
            timetable.setdefault(student, []).append((lesson.day, lesson.number or 0, lesson.id))
    codes = {}
    for student in sorted(timetable):
        own = sorted(timetable[student])
        away = _days_away(rng, sorted({day for day, _number, _id in own}))
        for index, (day, _number, lesson_id) in enumerate(own):
            first = index == 0 or own[index - 1][0] != day
            code = away.get(day) or _lesson_code(rng, levels[student].skipping, first)
            if code:
                codes[(lesson_id, student)] = code
    return codes


def _days_away(rng: random.Random, days: list[date]) -> dict[date, str]:
    """A student's days away: illnesses of a few school days in a row, a family day now and then."""
    frailty = rng.uniform(0.4, 1.6)
    away: dict[date, str] = {}
    index = 0
    while index < len(days):
        draw = rng.random()
        if draw < ILLNESS_START * frailty:
            length = rng.randint(*ILLNESS_DAYS)
            away.update((day, "Б") for day in days[index:index + length])
            index += length
            continue
        if draw < ILLNESS_START * frailty + FAMILY_DAY:
            away[days[index]] = "У"
        index += 1
    return away


def _lesson_code(rng: random.Random, skipping: float, first: bool) -> str:
    draw = rng.random()
    if draw < SKIPPED * skipping:
        return "Н"
    return "ОП" if first and draw < SKIPPED * skipping + LATE_FIRST else ""


# ---- topics, homework, kinds of work, when filled ----------------------------------------------


def _fill_lessons(rng: random.Random, pages: dict[int, PageFacts], rules: JournalRules, after_today: dict[int, date],
                  shares: dict[int, float], today: date, zone: ZoneInfo) -> None:
    """Each page's lessons in order: the programme spread over the year, a larger piece of work
    every WORK_EVERY lessons, homework due at the page's next lesson."""
    kinds = {kind.code: kind for kind in rules.active_kinds}
    for page_id in sorted(pages):
        page = pages[page_id]
        topics, start = programme(page.family, page.info.grade_level)
        year_lessons = len(page.lessons) / max(shares.get(page.info.grade_level, 1.0), 0.01)
        per_topic = max(1.0, year_lessons / len(topics))  # the programme spread over the year
        templates = HOMEWORK.get(f"{page.family}_primary" if page.info.grade_level <= 4 else page.family) \
            or HOMEWORK.get(page.family, TEXTBOOK)
        work_kinds = WORK_KINDS.get(page.family, OTHER_WORK_KINDS)
        first_work = rng.randrange(3, 3 + WORK_EVERY)
        taught = works = 0
        due = _next_days(page.lessons, after_today.get(page_id))
        for index, lesson in enumerate(page.lessons):
            current = min(int(taught / per_topic), len(topics) - 1)
            position = (start + current) % len(topics)
            lesson.larger_work = index >= first_work and (index - first_work) % WORK_EVERY == 0
            if lesson.larger_work:
                code = work_kinds[works % len(work_kinds)]
                template = WORK_TOPICS.get((page.family, code)) or WORK_TOPICS[code]
                lesson.topic = template.format(number=works // len(work_kinds) + 1, topic=topics[position])
                works += 1
            else:
                code = rng.choices([kind for kind, _weight in REGULAR_KINDS], weights=[w for _kind, w in REGULAR_KINDS])[0]
                closing = per_topic >= 3 and int((taught + 1) / per_topic) != current
                lesson.topic = f"Обобщение по теме «{topics[position]}»" if closing else topics[position]
                taught += 1
            lesson.kind = kinds.get(code) or rules.default_kind
            no_homework = NO_HOMEWORK.get(page.family, NO_HOMEWORK_OTHERS) + NO_HOMEWORK_AFTER_WORK * lesson.larger_work
            if rng.random() < no_homework:
                lesson.no_homework = True
            else:
                lesson.homework = _homework(rng, templates, position, taught)
                lesson.homework_due = due[index]
            lesson.filled_at = _filled_at(rng, lesson.day, page.info.shift, today, zone)
            if page.info.grade_level > 1 and _left_unfinished(lesson, today):  # the first grade sets no homework
                lesson.homework, lesson.homework_due, lesson.no_homework, lesson.unfinished = "", None, False, True


def _left_unfinished(lesson: LessonRow, today: date) -> bool:
    """A few recent lessons a teacher forgot to finish (chosen by id: the other choices stay as they were)."""
    return (today - lesson.day).days <= UNFINISHED_DAYS and (lesson.id * 2654435761) % 100 < UNFINISHED_PERCENT


def _next_days(lessons: list[LessonRow], after: date | None) -> list[date | None]:
    """For each lesson of a page (in order), the day of the page's next lesson on a later day."""
    found: list[date | None] = []
    following, later = after, None  # later: the day of the lesson after this one
    for lesson in reversed(lessons):
        if later is not None and lesson.day < later:
            following = later
        found.append(following)
        later = lesson.day
    return found[::-1]


def _next_lesson_days(data: TimetableData, today: date) -> dict[int, date]:
    """Each page's first lesson after today (for the homework of its last lessons)."""
    found: dict[int, date] = {}
    for offset in range(1, HOMEWORK_SEARCH.days + 1):
        day = today + timedelta(days=offset)
        for lesson in data.lessons_on(day):
            if lesson.given:
                found.setdefault(lesson.page.id, day)
    return found


def _homework(rng: random.Random, templates: tuple[str, ...], topic: int, taught: int) -> str:
    exercise, page = 8 + 4 * taught + rng.randrange(4), 6 + 2 * taught
    return rng.choice(templates).format(para=topic + 1, ex=exercise, ex2=exercise + 2, ex3=exercise + 5, page=page,
                                        page2=page + 3, n=1 + taught % 9, n2=3 + taught % 9)


def _filled_at(rng: random.Random, day: date, shift: int, today: date, zone: ZoneInfo) -> datetime:
    """After the day's lessons (the second shift's end later); now and then a day or more late."""
    if rng.random() < FILLED_LATE:
        later = day + timedelta(days=rng.randint(1, 3))
        if later <= today:
            return _moment(later, time(15, 0), rng.randrange(360), zone)
    return _moment(day, time(14, 0) if shift == 1 else time(18, 40), rng.randrange(150 if shift == 1 else 60), zone)


def _moment(day: date, start: time, minutes: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, start, tzinfo=zone) + timedelta(minutes=minutes)
    return local.astimezone(timezone.utc)


# ---- marks -------------------------------------------------------------------------------------


def _marks(rng: random.Random, pages: dict[int, PageFacts], rules: JournalRules,
           levels: dict[int, Level], absent: set[tuple[int, int]],
           shares: dict[int, float]) -> list[tuple[LessonRow, int, str]]:
    """(lesson, student, mark) on the pages that take marks, for those present: at every larger
    piece of work, and at other lessons by a chance that gives each student about MARKS_PER_YEAR
    marks a year (the year's share gone so far)."""
    graded = [pages[page_id] for page_id in sorted(pages) if pages[page_id].graded]
    at_work: dict[int, int] = {}
    at_others: dict[int, int] = {}
    grade_of: dict[int, int] = {}
    for page in graded:
        for lesson in page.lessons:
            for student in lesson.students:
                if (lesson.id, student) not in absent:
                    counted = at_work if lesson.larger_work else at_others
                    counted[student] = counted.get(student, 0) + 1
                    grade_of[student] = page.info.grade_level
    chance = {student: (MARKS_PER_YEAR * shares[level] - at_work.get(student, 0)) / at_others[student]
              if at_others.get(student) else 0.0 for student, level in grade_of.items()}
    marks = []
    for page in graded:
        for lesson in page.lessons:
            double = rules.allow_double_marks and page.scale.allows_double \
                and (page.family, lesson.work_kind.code) == DOUBLE_MARKED
            for student in lesson.students:
                if (lesson.id, student) in absent or not (lesson.larger_work or rng.random() < chance[student]):
                    continue
                marks.append((lesson, student, _mark(rng, levels[student].chances, page.scale, double)))
    return marks


def _mark(rng: random.Random, chances: tuple[int, ...], scale: GradeScale, double: bool) -> str:
    """A mark of the student's level; on a scale other than five points, mostly a passing one."""
    if scale.marks[:len(FIVE_POINT_MARKS)] != FIVE_POINT_MARKS:
        passing = [mark for mark in scale.marks if mark in scale.passing]
        failing = [mark for mark in scale.marks if mark not in scale.passing]
        return rng.choice(failing if failing and rng.random() < 0.05 else passing or list(scale.marks))
    single = [rng.choices(FIVE_POINT_MARKS, weights=chances)[0] for _part in range(2 if double else 1)]
    return "/".join(single)


# ---- writing -----------------------------------------------------------------------------------


async def _write(session: AsyncSession, school_id: int, lessons: list[LessonRow], codes: dict[tuple[int, int], str],
                 marks: list[tuple[LessonRow, int, str]]) -> Seeded:
    """Everything in bulk, with a history row for each value written."""
    table = JournalLesson.__table__
    if lessons:
        await session.execute(table.update().where(table.c.id == bindparam("lesson_id")), [
            {"lesson_id": lesson.id, "topic": lesson.topic, "homework": lesson.homework, "homework_due": lesson.homework_due,
             "no_homework": lesson.no_homework, "work_kind_id": lesson.work_kind.id,
             "created_by": lesson.teacher_id, "filled_at": lesson.filled_at, "updated_at": lesson.filled_at,
             "attendance_at": lesson.filled_at, "completed_at": None if lesson.unfinished else lesson.filled_at}
            for lesson in lessons])
    for row in list(session.identity_map.values()):  # rows the sync loaded no longer hold what the database does
        if isinstance(row, JournalLesson):
            session.expire(row)
    history = [entry for lesson in lessons for entry in _lesson_history(school_id, lesson)]
    by_id = {lesson.id: lesson for lesson in lessons}
    seats = sorted(codes)
    attendance_ids = await _insert(session, JournalAttendance, school_id, [
        {"school_id": school_id, "lesson_id": lesson_id, "student_id": student, "code": codes[(lesson_id, student)],
         "reason": "", "updated_by": by_id[lesson_id].teacher_id, "updated_at": by_id[lesson_id].filled_at,
         "marked_at": by_id[lesson_id].filled_at, "version": 1}
        for lesson_id, student in seats])
    history += [_history(school_id, by_id[lesson_id], "attendance", "code", codes[(lesson_id, student)], student,
                         attendance_ids[(lesson_id, student)]) for lesson_id, student in seats]
    grade_ids = await _insert(session, JournalGrade, school_id, [
        {"school_id": school_id, "lesson_id": lesson.id, "student_id": student, "mark": mark,
         "work_kind_id": lesson.work_kind.id, "weight_hundredths": lesson.work_kind.weight_hundredths,
         "created_by": lesson.teacher_id, "created_at": lesson.filled_at, "updated_by": lesson.teacher_id,
         "updated_at": lesson.filled_at, "version": 1} for lesson, student, mark in marks])
    history += [_history(school_id, lesson, "grade", "mark", f"{mark} ({lesson.work_kind.name})", student,
                         grade_ids[(lesson.id, student)]) for lesson, student, mark in marks]
    if history:
        await session.execute(JournalHistory.__table__.insert(), history)
    await session.flush()
    return Seeded(lessons=len(lessons), attendance=len(seats), marks=len(grade_ids), history=len(history))


async def _insert(session: AsyncSession, model: type[JournalAttendance] | type[JournalGrade], school_id: int,
                  rows: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """Insert the rows; their ids by (lesson, student), read back in one select (one row a seat)."""
    if not rows:
        return {}
    await session.execute(model.__table__.insert(), rows)
    found = await session.execute(select(model.id, model.lesson_id, model.student_id).where(model.school_id == school_id))
    return {(lesson_id, student): row_id for row_id, lesson_id, student in found.all()}


def _lesson_history(school_id: int, lesson: LessonRow) -> list[dict[str, Any]]:
    """What the teacher entered, as the lesson page records it (values as ``history`` shows them)."""
    values = [("topic", lesson.topic), ("homework", lesson.homework or None),
              ("homework_due", lesson.homework_due.strftime("%d.%m.%Y") if lesson.homework_due else None),
              ("no_homework", "1" if lesson.no_homework else None), ("work_kind", lesson.work_kind.name)]
    return [_history(school_id, lesson, "lesson", name, value) for name, value in values if value]


def _history(school_id: int, lesson: LessonRow, record: str, field_name: str, value: str, student: int | None = None,
             record_id: int | None = None) -> dict[str, Any]:
    return {"school_id": school_id, "lesson_id": lesson.id, "student_id": student, "record": record, "record_id": record_id,
            "field": field_name, "old_value": None, "new_value": value, "reason": "", "changed_by": lesson.teacher_id,
            "changed_at": lesson.filled_at}

"""The journal's demo: every lesson of the year before today filled (topics, homework due at the
page's next lesson, a kind of work), about 6 % of student-lessons absent with illnesses of a few
days, about 200 marks a student a year — valid on their scale, of students on the roster who were
there, none on pages «без отметок» — each with its history, no events, and the same journal for
the same seed.

The demo is seeded once a backend (core's demo school, then the journal) and read by every test."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.db.session import Database
from core.demo import owner_rng
from core.platform import Platform
from core.plugins.types import FIVE_POINT
from core.school.models import School
from core.settings import normalize_database_url
from core.structure.models import AcademicYear, ClassGroup, SubjectPage
from core.timetable.lessons import PageInfo, load_timetable
from plugins.journal.demo import UNFINISHED_DAYS, Seeded, seed_journal
from plugins.journal.demo_programmes import family_of, programme
from plugins.journal.grading import WeightedMark, parse_mark, weighted_average
from plugins.journal.closing import year_terms
from plugins.journal.models import (
    JournalAttendance, JournalFinalGrade, JournalGrade, JournalHistory, JournalLesson, JournalWorkKind,
)
from plugins.journal.roster import on_day, page_roster
from plugins.journal.rules import JournalRules, load_rules
from plugins.journal.summaries import grades_summary, page_results
from plugins.journal.timeliness import timeliness
from tests.conftest import _migrate, backends, create_pg_database, drop_pg_database, settings_for
from tests.core.timetable.test_demo_timetable import seeded as seed_core
from tests.support.snapshot import fetch

TODAY = date(2026, 11, 28)  # a Saturday in the second quarter, as in the timetable's demo test
SEED = 2026
ZONE = ZoneInfo("Asia/Yekaterinburg")
ORKSE = "Основы религиозных культур и светской этики"
JOURNAL_TABLES = ("journal_lesson", "journal_attendance", "journal_grade", "journal_history", "journal_lesson_plan",
                  "journal_lesson_plan_item")


@dataclass
class Demo:
    backend: str
    url: str
    school_id: int
    seeded: Seeded
    core_copy: Path | None  # SQLite: the database before the journal's seed, to seed it again


def seed_the_journal(url: str, school_id: int, data_dir: Path) -> Seeded:
    async def run() -> Seeded:
        platform = Platform(settings_for(url, data_dir))
        try:
            async with platform.db.writing() as session:
                school = await session.get(School, school_id)
                assert school is not None
                return await seed_journal(platform, session, school, owner_rng(SEED, "journal"), today=TODAY)
        finally:
            await platform.close()

    return asyncio.run(run())


@pytest.fixture(scope="module", params=backends())
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("journal-demo")
    sqlite = request.param == "sqlite"
    if sqlite:
        path = folder / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = normalize_database_url(f"sqlite:///{path}")
    else:
        url = create_pg_database()
        _migrate(url, folder)
    try:
        school_id = asyncio.run(seed_core(url, SEED, TODAY))
        core_copy = folder / "core.db" if sqlite else None
        if core_copy is not None:
            shutil.copyfile(path, core_copy)
        yield Demo(request.param, url, school_id, seed_the_journal(url, school_id, folder), core_copy)
    finally:
        if not sqlite:
            drop_pg_database(url)


@dataclass
class Facts:
    """The seeded journal as the tests read it."""

    rules: JournalRules
    pages: dict[int, PageInfo]
    lessons: list[JournalLesson]
    attendance: dict[tuple[int, int], JournalAttendance]
    grades: list[JournalGrade]
    history: list[JournalHistory]
    kinds: dict[int, JournalWorkKind]
    students: dict[int, set[int]] = field(default_factory=dict)  # lesson id → the page's students that day
    shares: dict[int, float] = field(default_factory=dict)  # grade level → the part of its lesson days gone by today
    outbox: list[str] = field(default_factory=list)

    def active(self) -> list[JournalLesson]:
        return [lesson for lesson in self.lessons if lesson.state == "active" and lesson.day < TODAY]

    def absent(self, lesson_id: int, student: int) -> bool:
        row = self.attendance.get((lesson_id, student))
        code = self.rules.code(row.code) if row else None
        return code is not None and code.is_absence


@pytest.fixture(scope="module")
def facts(demo: Demo) -> Facts:
    return asyncio.run(read_facts(demo))


async def read_facts(demo: Demo) -> Facts:
    database = Database(demo.url, pooled=False)
    try:
        async with database.reading() as session:
            year = await session.scalar(select(AcademicYear).where(AcademicYear.school_id == demo.school_id))
            assert year is not None
            data = await load_timetable(session, demo.school_id, year.starts_on, year.ends_on)
            found = Facts(
                rules=await load_rules(session, demo.school_id), pages=data.pages,
                lessons=list((await session.execute(select(JournalLesson).order_by(JournalLesson.id))).scalars()),
                attendance={(row.lesson_id, row.student_id): row
                            for row in (await session.execute(select(JournalAttendance))).scalars()},
                grades=list((await session.execute(select(JournalGrade).order_by(JournalGrade.id))).scalars()),
                history=list((await session.execute(select(JournalHistory).order_by(JournalHistory.id))).scalars()),
                kinds={kind.id: kind for kind in (await session.execute(select(JournalWorkKind))).scalars()})
            by_page: dict[int, list[JournalLesson]] = {}
            for lesson in found.active():
                by_page.setdefault(lesson.subject_page_id, []).append(lesson)
            for page_id, lessons in sorted(by_page.items()):
                page = await session.get(SubjectPage, page_id)
                assert page is not None
                roster = await page_roster(session, page, year.starts_on, TODAY)
                for lesson in lessons:
                    found.students[lesson.id] = {line.student_id for line in on_day(roster, lesson.day)}
            days = [year.starts_on + timedelta(days=n) for n in range((year.ends_on - year.starts_on).days + 1)]
            for level in range(1, 12):
                studied = [day for day in days if data.studies_on(day, level)]
                found.shares[level] = sum(day <= TODAY for day in studied) / len(studied)
    finally:
        await database.dispose()
    found.outbox = [name for (name,) in await fetch(demo.url, "SELECT name FROM outbox_event ORDER BY id")]
    return found


def local_day(moment: Any) -> date:
    return moment.astimezone(ZONE).date()


# ---- lessons ------------------------------------------------------------------------------------


def test_every_lesson_before_today_is_filled(demo: Demo, facts: Facts):
    active = facts.active()
    assert len(active) > 7000 and demo.seeded.lessons == len(active)
    unfinished = [lesson for lesson in active if lesson.completed_at is None]
    for lesson in active:
        assert lesson.topic and lesson.work_kind_id in facts.kinds, lesson.id
        assert lesson.created_by == lesson.teacher_id and lesson.filled_at == lesson.updated_at == lesson.attendance_at
        assert lesson.filled_at is not None and local_day(lesson.filled_at) >= lesson.day
        if lesson.completed_at is None:  # a few recent lessons were left without homework, for the overdue lists
            assert not lesson.homework and not lesson.no_homework and (TODAY - lesson.day).days <= 1 + UNFINISHED_DAYS, lesson.id
        else:
            assert bool(lesson.homework) != lesson.no_homework and (lesson.homework_due is None or lesson.homework), lesson.id
            assert lesson.completed_at == lesson.filled_at
    assert 0 < len(unfinished) < len(active) / 100, len(unfinished)
    # today's wait for their teachers, with the plan's topics
    assert not [lesson.id for lesson in facts.lessons if lesson.day >= TODAY and (lesson.topic and not lesson.plan_topic
                                                                                   or lesson.filled_at)]
    without_homework = sum(lesson.no_homework for lesson in active) / len(active)
    late = sum(local_day(lesson.filled_at) > lesson.day for lesson in active) / len(active)
    assert 0.07 <= without_homework <= 0.13 and 0.03 <= late <= 0.07, (without_homework, late)
    kinds = Counter(facts.kinds[lesson.work_kind_id].code for lesson in active)
    assert kinds["answer"] + kinds["classwork"] > len(active) / 2
    assert 0.06 <= (kinds["test"] + kinds["quiz"]) / len(active) <= 0.12, kinds


def test_homework_is_due_at_the_pages_next_lesson(facts: Facts):
    days: dict[int, list[date]] = {}
    for lesson in facts.active():
        days.setdefault(lesson.subject_page_id, []).append(lesson.day)
    checked = 0
    for lesson in facts.active():
        later = [day for day in days[lesson.subject_page_id] if day > lesson.day]
        if lesson.homework and later:
            assert lesson.homework_due == min(later), (lesson.id, lesson.day, lesson.homework_due)
            checked += 1
        elif lesson.homework:  # the page's last lessons: due at its first lesson from today on
            assert lesson.homework_due is None or lesson.homework_due >= TODAY
    assert checked > 6000


def test_topics_follow_each_subjects_programme():
    assert family_of("Физическая культура") == "pe" and family_of("Физика") == "physics"
    assert family_of("Литературное чтение") == "reading" and family_of("Литература") == "literature"
    assert family_of("Основы духовно-нравственной культуры народов России") == "odnkr"
    assert family_of("Астрономия") == "other"
    topics, start = programme("algebra", 10)
    assert (topics[0], start) == ("Действительные числа", 0)
    topics, start = programme("math", 6)
    assert "Сложение и вычитание дробей" in topics and 0 < start < len(topics)
    assert programme("other", 5)[0][0] == "Вводный урок"


# ---- attendance ---------------------------------------------------------------------------------


def test_about_six_percent_of_student_lessons_are_absences(demo: Demo, facts: Facts):
    seats = [(lesson.id, student) for lesson in facts.active() for student in facts.students[lesson.id]]
    rate = sum(facts.absent(*seat) for seat in seats) / len(seats)
    assert 0.05 <= rate <= 0.07, rate
    assert set(facts.attendance) <= set(seats), "attendance only for students on the page that day"
    assert Counter(row.code for row in facts.attendance.values()).keys() == {"Н", "Б", "У", "ОП"}
    assert demo.seeded.attendance == len(facts.attendance)
    lessons = {lesson.id: lesson for lesson in facts.lessons}
    for row in facts.attendance.values():
        lesson = lessons[row.lesson_id]
        assert row.updated_by == lesson.teacher_id and row.updated_at == lesson.filled_at


def test_illnesses_last_a_few_school_days(facts: Facts):
    """«Б» at every lesson of the days a student is ill, in spells of about two to five of their school days."""
    days_of: dict[int, dict[date, set[str]]] = {}
    for lesson in facts.active():
        for student in facts.students[lesson.id]:
            row = facts.attendance.get((lesson.id, student))
            days_of.setdefault(student, {}).setdefault(lesson.day, set()).add(row.code if row else "")
    spells, ill_days = 0, 0
    for days in days_of.values():
        ill = [day for day, codes in sorted(days.items()) if "Б" in codes]
        assert all(days[day] == {"Б"} for day in ill), "an ill student is ill at every lesson of the day"
        school_days = sorted(days)
        spells += sum(1 for day in ill if school_days.index(day) == 0 or school_days[school_days.index(day) - 1] not in ill)
        ill_days += len(ill)
    assert spells > 100 and 2.5 <= ill_days / spells <= 4.5, (spells, ill_days)


# ---- marks --------------------------------------------------------------------------------------


def test_about_two_hundred_marks_a_student_a_year(demo: Demo, facts: Facts):
    lessons = {lesson.id: lesson for lesson in facts.lessons}
    graded_students = {student: facts.pages[lesson.subject_page_id].grade_level for lesson in facts.active()
                       if facts.pages[lesson.subject_page_id].grade_level > 1 for student in facts.students[lesson.id]}
    count = Counter(grade.student_id for grade in facts.grades)
    yearly = [count[student] / facts.shares[level] for student, level in graded_students.items()]
    assert 170 <= sum(yearly) / len(yearly) <= 230 and demo.seeded.marks == len(facts.grades)
    marks = Counter(grade.mark for grade in facts.grades)
    singles = Counter(part for grade in facts.grades for part in grade.mark.split("/"))
    total = sum(singles.values())
    assert (singles["5"] + singles["4"]) / total > 0.6 and 0.1 < singles["3"] / total < 0.35 and singles["2"] / total < 0.08
    doubles = [grade for grade in facts.grades if "/" in grade.mark]
    assert doubles and len(doubles) / len(facts.grades) < 0.05, len(doubles)
    assert {(facts.pages[lessons[grade.lesson_id].subject_page_id].subject, facts.kinds[grade.work_kind_id].code)
            for grade in doubles} == {("Русский язык", "test")}, "double marks for the Russian dictations"
    assert sum(marks[f"{a}/{b}"] for a in "2345" for b in "2345") == len(doubles)


def test_each_student_keeps_a_level(facts: Facts):
    marks: dict[int, list[WeightedMark]] = {}
    for grade in facts.grades:
        mark = parse_mark(grade.mark, FIVE_POINT, allow_double=True)
        marks.setdefault(grade.student_id, []).append(WeightedMark.of(mark, FIVE_POINT, grade.weight))
    averages = sorted(weighted_average(found) for found in marks.values() if len(found) > 30)
    tenth = len(averages) // 10  # one student's marks are of one level: the best and the worst tenth far apart
    assert averages[-tenth] >= Decimal("4.4") and averages[tenth] <= Decimal("3.6"), (averages[-tenth], averages[tenth])


def test_marks_are_valid_and_given_to_those_present(facts: Facts):
    lessons = {lesson.id: lesson for lesson in facts.lessons}
    assert not facts.rules.subject_scales, "every subject on the five-point scale"
    for grade in facts.grades:
        lesson = lessons[grade.lesson_id]
        assert parse_mark(grade.mark, FIVE_POINT, allow_double=facts.rules.allow_double_marks).text == grade.mark
        assert grade.work_kind_id == lesson.work_kind_id, "the lesson's kind of work"
        assert grade.weight_hundredths == facts.kinds[grade.work_kind_id].weight_hundredths, "the kind's weight, copied"
        assert grade.created_by == grade.updated_by == lesson.teacher_id and grade.created_at == lesson.filled_at
        assert lesson.state == "active" and lesson.day <= TODAY
        assert grade.student_id in facts.students[lesson.id], "on the page's roster that day"
        assert not facts.absent(lesson.id, grade.student_id), "no mark for an absent student"
    ill = [seat for seat, row in facts.attendance.items() if row.code == "Б"]
    marked = {(grade.lesson_id, grade.student_id) for grade in facts.grades}
    assert ill and not marked & set(ill)
    assert any(row.code == "ОП" and seat in marked for seat, row in facts.attendance.items()), "late, yet marked"


def test_no_marks_on_pages_without_marks(facts: Facts):
    """First grade (regulation 3.10) and ОРКСЭ in grade 4 (the demo school's choice): lessons and
    attendance, no marks."""
    lessons = {lesson.id: lesson for lesson in facts.lessons}
    ungraded = {page.id for page in facts.pages.values()
                if page.grade_level == 1 or (page.grade_level == 4 and page.subject == ORKSE)}
    assert not [grade.id for grade in facts.grades if lessons[grade.lesson_id].subject_page_id in ungraded]
    filled = [lesson for lesson in facts.active() if lesson.subject_page_id in ungraded]
    assert len({facts.pages[lesson.subject_page_id].subject for lesson in filled}) >= 8 and all(lesson.topic for lesson in filled)
    assert any(lessons[lesson_id].subject_page_id in ungraded for lesson_id, _student in facts.attendance)


# ---- history, events, the same seed -------------------------------------------------------------


def test_everything_written_is_in_the_history(demo: Demo, facts: Facts):
    planned = [entry for entry in facts.history if entry.reason]  # lessons to come took the plan's topics: «из КТП»
    assert {(entry.field, entry.reason) for entry in planned} == {("topic", "из КТП")}
    assert demo.seeded.history == len(facts.history) - len(planned)
    assert all(entry.old_value is None for entry in facts.history)
    found = {(entry.record, entry.record_id, entry.lesson_id, entry.student_id, entry.field): entry for entry in facts.history}
    for grade in facts.grades:
        entry = found[("grade", grade.id, grade.lesson_id, grade.student_id, "mark")]
        assert entry.new_value == f"{grade.mark} ({facts.kinds[grade.work_kind_id].name})"
        assert (entry.changed_by, entry.changed_at) == (grade.created_by, grade.created_at)
    for row in facts.attendance.values():
        entry = found[("attendance", row.id, row.lesson_id, row.student_id, "code")]
        assert (entry.new_value, entry.changed_by, entry.changed_at) == (row.code, row.updated_by, row.updated_at)
    for lesson in facts.active():
        kind = facts.kinds[lesson.work_kind_id or 0]
        assert found[("lesson", None, lesson.id, None, "topic")].new_value == lesson.topic
        assert found[("lesson", None, lesson.id, None, "work_kind")].new_value == kind.name
        due = found.get(("lesson", None, lesson.id, None, "homework_due"))
        assert (due.new_value if due else None) == (lesson.homework_due.strftime("%d.%m.%Y") if lesson.homework_due else None)


def test_the_demo_emits_no_journal_events(facts: Facts):
    assert not [name for name in facts.outbox if name.startswith("journal.")]


def test_the_same_seed_gives_the_same_journal(demo: Demo, tmp_path: Path):
    if demo.core_copy is None:
        pytest.skip("a PostgreSQL database is not copied; the SQLite run shows it")
    shutil.copyfile(demo.core_copy, tmp_path / "again.db")
    again = normalize_database_url(f"sqlite:///{tmp_path / 'again.db'}")
    assert seed_the_journal(again, demo.school_id, tmp_path) == demo.seeded
    for table in JOURNAL_TABLES:
        first, second = [fetch_now(url, f"SELECT * FROM {table} ORDER BY id") for url in (demo.url, again)]
        assert first and first == second, table


def fetch_now(url: str, sql: str) -> list[tuple[Any, ...]]:
    return asyncio.run(fetch(url, sql))


# ---- the reports on the demo's data --------------------------------------------------------------


def test_the_timeliness_report_on_the_demo_counts_what_the_lessons_say(demo: Demo, facts: Facts):
    """A week of the demo (lessons filled late and left unfinished on purpose), each lesson's state
    computed here from its page's shift and the bells: 17:00, or a second-shift lesson's end + 1 h."""
    week = (date(2026, 11, 16), date(2026, 11, 21))
    ends = {(shift, number): ends for shift, number, ends in (
        (row[0], row[1], row[2]) for row in asyncio.run(fetch(
            demo.url, "SELECT s.shift, b.number, b.ends_at FROM bell b JOIN bell_schedule s ON s.id = b.bell_schedule_id "
                      "WHERE s.kind = 'regular' AND s.grade_level IS NULL")))}
    expected: dict[str, int] = Counter()
    for lesson in facts.active():
        if not week[0] <= lesson.day <= week[1]:
            continue
        due = datetime.combine(lesson.day, time(17), tzinfo=ZONE)
        end = ends.get((facts.pages[lesson.subject_page_id].shift, lesson.number))
        if facts.pages[lesson.subject_page_id].shift == 2 and end is not None:
            end = end if isinstance(end, time) else time.fromisoformat(str(end))
            due = max(due, datetime.combine(lesson.day, end, tzinfo=ZONE) + timedelta(hours=1))
        expected["due"] += 1
        state = "missing" if lesson.completed_at is None else "on_time" if lesson.completed_at <= due else "late"
        expected[state] += 1

    async def report():
        database = Database(demo.url, pooled=False)
        try:
            async with database.reading() as session:
                return await timeliness(session, demo.school_id, *week)
        finally:
            await database.dispose()

    total = asyncio.run(report()).total
    assert (total.due, total.on_time, total.late, total.missing) == \
        (expected["due"], expected["on_time"], expected["late"], expected["missing"])
    assert expected["late"] > 0 and expected["missing"] > 0  # the demo's late and unfinished lessons are in it


def test_the_summary_sheet_and_a_pages_results_on_the_demo_match_its_final_marks(demo: Demo, facts: Facts):
    """5А's first quarter: success and quality counted here from the final marks of the students in
    the class at the quarter's end, and one page's distribution and average."""
    async def read():
        database = Database(demo.url, pooled=False)
        try:
            async with database.reading() as session:
                class_group = await session.scalar(select(ClassGroup).where(
                    ClassGroup.school_id == demo.school_id, ClassGroup.grade_level == 5, ClassGroup.letter == "А"))
                year = await session.get(AcademicYear, class_group.academic_year_id)
                terms, _kinds = await year_terms(session, year)
                term = next(term for term in terms if term.kind == "quarter" and term.number == 1)
                summary = await grades_summary(session, class_group, term)
                finals = (await session.execute(select(JournalFinalGrade).where(
                    JournalFinalGrade.study_period_id == term.period_id))).scalars().all()
                return class_group, term, summary, finals
        finally:
            await database.dispose()

    class_group, term, summary, finals = asyncio.run(read())
    students = {student.id for student in summary.students if student.left is None}
    pages = {page.id: page for page in facts.pages.values() if class_group.id in page.class_ids}
    marks: dict[int, list[str]] = {student: [] for student in students}
    by_page: dict[int, list[str]] = {}
    for row in finals:
        if row.subject_page_id in pages and row.student_id in students:
            marks[row.student_id].append(row.mark)
            by_page.setdefault(row.subject_page_id, []).append(row.mark)
    counted = {student: [m for m in found if m != "осв"] for student, found in marks.items()}
    listed = [student for student, found in counted.items() if found]
    succeeding = [s for s in listed if not {"1", "2", "н/а", "незач"} & set(counted[s])]
    good = [s for s in succeeding if all(m in ("4", "5", "зач") for m in counted[s])]
    assert (summary.rates.listed, summary.rates.succeeding, summary.rates.good) == (len(listed), len(succeeding), len(good))
    assert 0 <= len(good) <= len(succeeding) <= len(listed) and succeeding
    page_id, given = max(by_page.items(), key=lambda item: len(item[1]))
    numbers = [int(mark) for mark in given if mark.isdigit()]
    results = page_results(given, len(given))
    assert dict(results.counts) == dict(Counter(given))
    average = (Decimal(sum(numbers)) / len(numbers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert results.average == f"{average}".replace(".", ",")


def test_the_demo_gives_the_proposed_final_marks_but_the_teachers_own(demo: Demo, facts: Facts):
    rows = asyncio.run(fetch(demo.url, "SELECT f.mark, f.proposed, f.comment, f.updated_by FROM journal_final_grade f"))
    teacher = asyncio.run(fetch(demo.url, "SELECT id FROM user_account WHERE login = 'teacher'"))[0][0]
    assert len(rows) > 3000 and all(row[3] != teacher for row in rows)
    assert all(row[0] == row[1] or row[2] for row in rows)  # a mark other than the proposal has a comment


def test_the_demo_has_a_plan_for_each_subject_and_level_but_music_and_the_deputys_check_finds_them(demo: Demo, facts: Facts):
    from plugins.journal.plan_feed import page_lags
    from plugins.journal.plan_readiness import counts, readiness

    async def check():
        database = Database(demo.url, pooled=False)
        try:
            async with database.reading() as session:
                year = await session.scalar(select(AcademicYear).where(AcademicYear.school_id == demo.school_id))
                lines = await readiness(session, demo.school_id, year)
                lags = await page_lags(session, [line.page_id for line in lines], TODAY)
            return lines, lags
        finally:
            await database.dispose()

    lines, lags = asyncio.run(check())
    found = counts(lines)
    music = [line for line in lines if line.subject == "Музыка"]
    assert music and all(line.state == "missing" for line in music) and found["missing"] == len(music)
    short = [line for line in lines if line.state == "mismatch"]
    assert short and {line.subject for line in short} == {"Физика"} and {line.hours.difference_text for line in short} == {"−2"}
    assert found["ready"] == len(lines) - len(music) - len(short) and found["empty"] == found["no_curriculum"] == 0
    assert sum(1 for line in lines if line.plan and line.plan.page_id) == 1  # one page's own variant
    behind = {page_id: progress.lag for page_id, progress in lags.items() if progress.lag}
    assert behind and set(behind.values()) == {2} and all(page_id % 7 == 0 for page_id in behind)
    fed = [lesson for lesson in facts.lessons if lesson.day >= TODAY and lesson.state == "active"]
    assert all(lesson.plan_topic == bool(lesson.topic) for lesson in fed)

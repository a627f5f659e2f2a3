"""The journal's hooks called the way their callers call them: a student's diary as each viewer may
see it, the recipient groups a teacher and a class teacher are offered, and the dashboard's
«today's lessons» — on the journal school (5А of thirty) with a week of marks and absences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from core.auth.services import CurrentUser
from core.i18n import gettext as _
from core.people.models import Guardianship
from core.people.services import PeopleService
from core.plugins.calling import call_each
from core.plugins.types import DiaryEntry, DiaryGrade, RecipientGroup
from core.timetable.changes import ChangeInput, ChangeService
from core.timetable.lessons import load_timetable
from plugins.journal import diary, recipients, widgets
from plugins.journal.models import JournalAttendance, JournalGrade, JournalLesson, JournalWorkKind
from plugins.journal.sync import sync_lessons
from plugins.journal.widgets import TodayLesson
from tests.core.structure.test_organisation_pages import counted_statements
from tests.support.journal import JournalSchool, add_journal_school, as_user
from tests.support.people import add_school, add_user, sign_in
from tests.support.structure import writing
from tests.support.timetable import TODAY, add_timetable_school

JOURNAL = ("journal",)
THIS_MONDAY = TODAY - timedelta(days=TODAY.weekday())  # 16 November 2026; TODAY is Friday the 20th


@dataclass
class World:
    journal: JournalSchool
    people: dict[str, int] = field(default_factory=dict)  # parents and the director
    lessons: dict[tuple[str, date], int] = field(default_factory=dict)  # (page, day) → lesson id

    @property
    def school(self) -> int:
        return self.journal.school

    @property
    def pages(self) -> dict[str, int]:
        return self.journal.tt.pages

    def student(self, name: str) -> int:
        return self.journal.student(name)

    def teacher(self, name: str) -> int:
        return self.journal.teacher(name)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The hooks see the school's today as the timetable school's Friday."""
    for module in (diary, recipients, widgets):
        monkeypatch.setattr(module, "school_today", lambda timezone: TODAY)


@pytest.fixture
async def world(database_url) -> World:
    found = World(await add_journal_school(database_url, await add_school(database_url)))
    await _add_people(database_url, found)
    await _substitute_today(database_url, found)
    async with writing(database_url) as session:
        names = {page_id: name for name, page_id in found.pages.items()}
        for lesson_id, page_id, day in (await session.execute(select(
                JournalLesson.id, JournalLesson.subject_page_id, JournalLesson.day))).all():
            found.lessons[(names[page_id], day)] = lesson_id
    await _fill_the_week(database_url, found)
    return found


async def _add_people(url: str, world: World) -> None:
    """Аня's mother, and a representative of hers until Tuesday; Борис's father; Вера's mother; the director."""
    school = world.school
    for login, role in (("mother_anya", "parent"), ("former_anya", "parent"), ("father_boris", "parent"),
                        ("mother_vera", "parent"), ("director", "director")):
        world.people[login] = await add_user(url, f"{login}-{school}", [(role, school)], full_name=f"{login.title()} Тестовый")
    async with writing(url) as session:
        people = PeopleService(session, school)
        for guardian, student, kind in (("mother_anya", "Аня", "mother"), ("father_boris", "Борис", "father"),
                                        ("mother_vera", "Вера", "mother"), ("former_anya", "Аня", "other")):
            await people.add_guardian(world.student(student), world.people[guardian], kind=kind)
        await session.execute(update(Guardianship).where(Guardianship.guardian_id == world.people["former_anya"])
                              .values(ends_on=THIS_MONDAY + timedelta(days=1)))


async def _substitute_today(url: str, world: World) -> None:
    """The spare teacher gives 5А's mathematics today instead of the mathematics teacher."""
    async with writing(url) as session:
        timetable = await load_timetable(session, world.school, TODAY, TODAY)
        slot = next(lesson.slot_id for lesson in timetable.lessons_on(TODAY)
                    if lesson.page.id == world.pages["5А математика"] and lesson.number == 1)
        await ChangeService(session, world.school, TODAY, world.teacher("spare")).record(ChangeInput(
            "substitute", TODAY, slot, teacher_id=world.teacher("spare"), reason="болезнь учителя"))
        await sync_lessons(session, world.school, TODAY, TODAY)  # as the change's event would


async def _fill_the_week(url: str, world: World) -> None:
    """Marks in 5А's mathematics: Аня 2 (test) and 3 — failing; Борис 5 and 2 — 3,5 passes; Вера 2 (test)
    in the first quarter but 4 in the second. Absences: Борис «Н» (unexcused) this week, Аня «Б»,
    Вера «ОП» (late, not an absence) this week and «Н» last week."""
    math = "5А математика"
    async with writing(url) as session:
        kinds = {kind.code: kind for kind in (await session.execute(select(JournalWorkKind).where(
            JournalWorkKind.school_id == world.school))).scalars()}

        def grade(page: str, day: date, student: str, mark: str, kind: str) -> JournalGrade:
            return JournalGrade(school_id=world.school, lesson_id=world.lessons[(page, day)], student_id=world.student(student),
                                mark=mark, work_kind_id=kinds[kind].id, weight_hundredths=kinds[kind].weight_hundredths)

        def absence(page: str, day: date, student: str, code: str) -> JournalAttendance:
            return JournalAttendance(school_id=world.school, lesson_id=world.lessons[(page, day)],
                                     student_id=world.student(student), code=code)

        tuesday, wednesday, thursday = (THIS_MONDAY + timedelta(days=offset) for offset in (1, 2, 3))
        session.add_all([
            grade(math, wednesday, "Аня", "2", "test"), grade(math, thursday, "Аня", "3", "answer"),
            grade(math, wednesday, "Борис", "5", "answer"), grade(math, thursday, "Борис", "2", "answer"),
            grade(math, date(2026, 10, 20), "Вера", "2", "test"), grade(math, tuesday, "Вера", "4", "answer"),
            absence(math, thursday, "Борис", "Н"), absence("гр1", wednesday, "Аня", "Б"), absence(math, TODAY, "Вера", "ОП"),
            absence(math, THIS_MONDAY - timedelta(days=4), "Вера", "Н"),
        ])
        await session.execute(update(JournalLesson).where(JournalLesson.id == world.lessons[(math, wednesday)]).values(
            topic="Сложение дробей", homework="№ 212, https://example.org/drobi", homework_due=thursday))
        await session.execute(update(JournalLesson).where(JournalLesson.id == world.lessons[(math, tuesday)])
                              .values(topic="Дроби", homework="забытое задание", no_homework=True))
        filled = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)  # topic, attendance and «no homework»: filled
        await session.execute(update(JournalLesson).where(JournalLesson.id == world.lessons[("5Б математика", TODAY)])
                              .values(topic="Проценты", no_homework=True, attendance_at=filled, completed_at=filled))


def viewer(school_id: int, user_id: int, *roles: str) -> CurrentUser:
    return as_user(user_id, school_id, *roles)


async def diary_of(platform, who: CurrentUser, student: int, start: date = THIS_MONDAY, end: date = TODAY) -> list[DiaryEntry]:
    found = await call_each(platform.hooks_for(who.disabled_modules).diary_entries, platform=platform, viewer=who,
                            student=student, start=start, end=end)
    return [entry for plugin, entries in found if plugin == "journal" for entry in entries]


def lines(entries: list[DiaryEntry]) -> list[tuple[date, int | None, str]]:
    return [(entry.day, entry.number, entry.subject) for entry in entries]


# ---- the diary ------------------------------------------------------------------------------------


MATH, ENGLISH, PHYSICS = "Математика", "Иностранный язык (английский)", "Физика"
ANYAS_WEEK = [(THIS_MONDAY, 1, MATH), (THIS_MONDAY, 2, ENGLISH), (THIS_MONDAY, 3, PHYSICS)] + [
    (THIS_MONDAY + timedelta(days=offset), number, subject)
    for offset in range(1, 5) for number, subject in ((1, MATH), (2, ENGLISH))]


async def test_a_student_sees_their_lessons_with_topic_homework_their_own_marks_and_attendance(make_platform, world):
    platform = make_platform(plugins=JOURNAL)
    anya = world.student("Аня")
    entries = await diary_of(platform, viewer(world.school, anya, "student"), anya)
    assert lines(entries) == ANYAS_WEEK  # not 5Б's mathematics, not the other English group
    wednesday = THIS_MONDAY + timedelta(days=2)
    posted = entries[5].grades[0].posted_at
    assert posted is not None
    assert entries[5] == DiaryEntry(
        day=wednesday, number=1, subject=MATH, starts_at=time(8, 0), ends_at=time(8, 40), topic="Сложение дробей",
        homework="№ 212, https://example.org/drobi", homework_due=wednesday + timedelta(days=1),
        grades=(DiaryGrade(mark="2", work_kind="Контрольная работа", weight=Decimal(2), posted_at=posted),), source="journal",
        key=f"journal-lesson-{world.lessons[('5А математика', wednesday)]}", teacher="Числова Анна Петровна", room="101")
    assert entries[6].attendance == "Б" and entries[6].starts_at == time(8, 50) and entries[6].room == "201"
    assert entries[6].excused  # «Б», an illness: a good reason by its code
    assert len({entry.key for entry in entries}) == len(entries)
    tuesday_math = entries[3]
    assert (tuesday_math.topic, tuesday_math.homework, tuesday_math.homework_due) == ("Дроби", "", None)  # «без д/з»
    assert [entry.replaced for entry in entries] == [False] * 9 + [True, False]  # today's mathematics: a substitute
    marks = [grade.mark for entry in entries for grade in entry.grades]
    assert marks == ["2", "3"]  # Борис's and Вера's marks on the same lessons are not hers


async def test_a_lesson_the_timetable_cancels_shows_as_cancelled_with_nothing_in_it(make_platform, database_url, world):
    platform = make_platform(plugins=JOURNAL)
    anya, next_monday = world.student("Аня"), THIS_MONDAY + timedelta(days=7)
    async with writing(database_url) as session:
        timetable = await load_timetable(session, world.school, next_monday, next_monday)
        slot = next(lesson.slot_id for lesson in timetable.lessons_on(next_monday) if lesson.page.id == world.pages["5А физика"])
        await ChangeService(session, world.school, TODAY, world.teacher("spare")).record(ChangeInput(
            "cancel", next_monday, slot, reason="Карантин"))
        await sync_lessons(session, world.school, next_monday, next_monday)
    entries = await diary_of(platform, viewer(world.school, world.people["mother_anya"], "parent"), anya, next_monday, next_monday)
    assert [(entry.subject, entry.cancelled, entry.topic, entry.room) for entry in entries] == [
        (MATH, False, "", "101"), (ENGLISH, False, "", "201"), (PHYSICS, True, "", "")]
    assert entries[2].starts_at is not None and entries[2].key.startswith("journal-cancelled-")
    other = await diary_of(platform, viewer(world.school, world.student("Борис"), "student"), anya, next_monday, next_monday)
    assert other == []  # a classmate sees nothing of hers, cancellations included


async def test_a_parent_sees_their_child_while_representing_them_and_other_families_nothing(make_platform, database_url,
                                                                                           world):
    platform = make_platform(plugins=JOURNAL)
    anya = world.student("Аня")
    own = await diary_of(platform, viewer(world.school, anya, "student"), anya)
    assert await diary_of(platform, viewer(world.school, world.people["mother_anya"], "parent"), anya) == own
    assert await diary_of(platform, viewer(world.school, world.people["father_boris"], "parent"), anya) == []
    former = await diary_of(platform, viewer(world.school, world.people["former_anya"], "parent"), anya)
    assert lines(former) == ANYAS_WEEK[:5]  # Monday and Tuesday
    elsewhere = await add_school(database_url, "Другая школа")
    assert await diary_of(platform, viewer(elsewhere, world.people["mother_anya"], "parent"), anya) == []
    boris = world.student("Борис")
    assert await diary_of(platform, viewer(world.school, boris, "student"), anya) == []  # a classmate


async def test_staff_see_what_they_may_read(make_platform, database_url, world):
    platform = make_platform(plugins=JOURNAL)
    anya, school = world.student("Аня"), world.school

    async def seen(user_id: int, *roles: str) -> list[tuple[date, int | None, str]]:
        return lines(await diary_of(platform, viewer(school, user_id, *roles), anya))

    assert await seen(world.people["director"], "director") == ANYAS_WEEK
    assert await seen(world.journal.class_teacher, "teacher", "class_teacher") == ANYAS_WEEK
    assert await seen(world.teacher("english1"), "teacher") == [line for line in ANYAS_WEEK if line[2] == ENGLISH]
    assert await seen(world.teacher("math"), "teacher") == [line for line in ANYAS_WEEK if line[2] == MATH]
    assert await seen(world.teacher("spare"), "teacher") == [(TODAY, 1, MATH)]  # the lesson they give as a substitute
    assert await seen(world.teacher("english2"), "teacher") == []  # another group's teacher
    assert await seen(world.journal.class_teacher, "parent") == []  # the role, not the person, reads the class
    other = await add_school(database_url, "Другая школа")
    assert lines(await diary_of(platform, viewer(other, world.people["director"], "director"), anya)) == []


async def test_the_diary_reads_a_fixed_number_of_statements_whatever_the_dates(make_platform, world):
    platform = make_platform(plugins=JOURNAL)
    anya = world.student("Аня")
    mother = viewer(world.school, world.people["mother_anya"], "parent")
    await diary_of(platform, mother, anya, THIS_MONDAY, THIS_MONDAY)  # warm-up
    with counted_statements() as one_day:
        assert len(await diary_of(platform, mother, anya, THIS_MONDAY, THIS_MONDAY)) == 3
    with counted_statements() as weeks:  # up to six weeks: with rooms and cancelled lessons
        assert len(await diary_of(platform, mother, anya, THIS_MONDAY - timedelta(days=35), TODAY)) > 30
    assert len(one_day) == len(weeks), "\n".join(weeks)
    with counted_statements() as quarter:  # longer: lessons, marks and attendance only
        assert len(await diary_of(platform, mother, anya, date(2026, 9, 1), TODAY)) > 100
    with counted_statements() as half_year:
        assert len(await diary_of(platform, mother, anya, date(2026, 9, 1), date(2026, 12, 31))) > 100
    assert len(quarter) == len(half_year), "\n".join(half_year)


async def test_the_diary_is_absent_where_the_school_switched_the_journal_off(make_platform, world):
    platform = make_platform(plugins=JOURNAL)
    anya = world.student("Аня")
    off = CurrentUser(id=anya, login="anya", full_name="Аня", session_id="s", school_id=world.school,
                      roles=frozenset({"student"}), disabled_modules=frozenset({"journal"}))
    assert await diary_of(platform, off, anya) == []


# ---- recipient groups -------------------------------------------------------------------------------


async def groups_of(platform, who: CurrentUser) -> list[RecipientGroup]:
    found = await call_each(platform.hooks_for(who.disabled_modules).recipient_groups, platform=platform, user=who)
    return [group for plugin, groups in found if plugin == "journal" for group in groups]


def failing_label(page: str) -> str:
    return _("Parents of students with a failing average: %(page)s, %(period)s", page=page,
             period=_("quarter %(number)s", number=2))


async def test_a_teacher_is_offered_the_parents_of_students_failing_each_page(make_platform, world):
    platform = make_platform(plugins=JOURNAL)
    pages = world.pages
    found = await groups_of(platform, viewer(world.school, world.teacher("math"), "teacher"))
    # Аня's average (2·2 + 3·1)/3 = 2,33 fails; Борис's 3,50 rounds to 4; Вера's failing mark was last quarter.
    # Her former representative is no longer one; 5Б has nobody failing, and is offered all the same.
    assert found == [
        RecipientGroup(f"journal-failing-page-{pages['5А математика']}", failing_label("Математика, 5А"),
                       (world.people["mother_anya"],), {world.people["mother_anya"]: (world.student("Аня"),)}),
        RecipientGroup(f"journal-failing-page-{pages['5Б математика']}", failing_label("Математика, 5Б"), ()),
    ]
    english = await groups_of(platform, viewer(world.school, world.teacher("english1"), "teacher"))
    assert [(group.id, group.user_ids) for group in english] == [(f"journal-failing-page-{pages['гр1']}", ())]


async def test_a_class_teacher_is_offered_the_parents_of_students_absent_without_reason_this_week(make_platform, world):
    platform = make_platform(plugins=JOURNAL)
    found = await groups_of(platform, viewer(world.school, world.journal.class_teacher, "teacher", "class_teacher"))
    # Борис's «Н» this week; not Аня's «Б» (excused), Вера's «ОП» (late) or her «Н» of last week.
    assert found == [RecipientGroup(
        f"journal-unexcused-class-{world.journal.tt.classes['5А']}",
        _("Parents of students absent without a good reason this week: %(name)s", name="5А"), (world.people["father_boris"],),
        {world.people["father_boris"]: (world.student("Борис"),)})]


async def test_parents_and_the_administration_are_offered_no_journal_groups(make_platform, world):
    platform = make_platform(plugins=JOURNAL)
    assert await groups_of(platform, viewer(world.school, world.people["mother_anya"], "parent")) == []
    assert await groups_of(platform, viewer(world.school, world.people["director"], "director")) == []
    assert await groups_of(platform, viewer(world.school, world.teacher("spare"), "teacher")) == []  # no load


# ---- today's lessons --------------------------------------------------------------------------------


async def widgets_of(platform, who: CurrentUser) -> list:
    found = await call_each(platform.hooks_for(who.disabled_modules).dashboard_widgets, platform=platform,
                            request=None, user=who)
    return [widget for plugin, widgets in found if plugin == "journal" for widget in widgets]


async def test_the_widget_lists_the_teachers_lessons_of_today(make_platform, world):
    platform = make_platform(plugins=JOURNAL)
    math_5a, math_5b = world.lessons[("5А математика", TODAY)], world.lessons[("5Б математика", TODAY)]
    [widget] = await widgets_of(platform, viewer(world.school, world.teacher("math"), "teacher"))
    assert (widget.id, widget.title, widget.template) == ("journal-today", _("Today's lessons"), "journal/_widget_today.html")
    assert widget.context == {"to_fill": 0, "lessons": [
        TodayLesson(math_5a, 1, "08:00–08:40", MATH, "5А", filled=False, replaced=True, given_by="Запасова В. П."),
        TodayLesson(math_5b, 2, "08:50–09:30", MATH, "5Б", filled=True, replaced=False, given_by=""),
    ]}
    [spare] = await widgets_of(platform, viewer(world.school, world.teacher("spare"), "teacher"))
    assert spare.context == {"to_fill": 1, "lessons": [
        TodayLesson(math_5a, 1, "08:00–08:40", MATH, "5А", filled=False, replaced=True, given_by="")]}
    [physics] = await widgets_of(platform, viewer(world.school, world.teacher("physics"), "teacher"))
    assert [(lesson.times, lesson.holder) for lesson in physics.context["lessons"]] == [("13:10–13:50", "6А")]  # second shift
    assert await widgets_of(platform, viewer(world.school, world.people["director"], "director")) == []
    assert await widgets_of(platform, viewer(world.school, world.people["mother_anya"], "parent")) == []


async def test_the_widget_creates_todays_lessons_and_says_when_there_are_none(make_platform, database_url, monkeypatch):
    tt = await add_timetable_school(database_url, await add_school(database_url))  # no lesson rows yet
    platform = make_platform(plugins=JOURNAL)
    [widget] = await widgets_of(platform, viewer(tt.school, tt.teachers["english2"], "teacher"))
    assert [(lesson.number, lesson.holder, lesson.filled) for lesson in widget.context["lessons"]] == [
        (2, "5А, английский язык, гр. 2", False)]
    monkeypatch.setattr(widgets, "school_today", lambda timezone: TODAY + timedelta(days=1))  # a Saturday
    [saturday] = await widgets_of(platform, viewer(tt.school, tt.teachers["english2"], "teacher"))
    assert saturday.context == {"lessons": [], "to_fill": 0}


async def test_the_dashboard_shows_the_widget(make_client, world):
    async with make_client(plugins=JOURNAL) as client:
        await sign_in(client, f"tt-math-{world.school}")
        page = (await client.get("/")).text
    block = page.split('id="widget-journal-today"')[1].split("</section>")[0]
    assert str(escape(_("Today's lessons"))) in block and "Запасова В. П." in block
    assert str(escape(_("Nothing left to fill today."))) in block  # 5А's lesson is the substitute's to fill
    assert f'href="/journal/lessons/{world.lessons[("5Б математика", TODAY)]}"' in block
    assert block.index("5А") < block.index("5Б") and "style=" not in block

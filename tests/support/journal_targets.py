"""The security battery's class journal, built through the journal's own services.

On the world's timetable (tests/support/timetable.py ``add_timetable_targets``) the group page of
5А's English has a lesson on Mondays at lesson 2, given by the «teacher» account; the «teacher»
and «class_teacher» accounts both hold the page, and ``target`` gives 5А's mathematics at lesson 1
every day. Here, besides the lessons of the year up to SYNCED_TO:

- the group page's lesson of 16 November is filled (topic «Тема мира»): everyone reads it;
- 7А, the class teacher's class, gets a mathematics page held by the «teacher» account alone, with
  an extra lesson in each of two weeks where «Руководимый Ученик Классович» was absent; the first
  entry has a reason from the class teacher («Заявление мира»);
- a 5А mathematics lesson of ``target`` with the student account absent: another class's entry;
- a kind of work and an attendance code of the world's own, for the settings' update forms;
- the first half-year, closed: the deputy reopens it;
- two checks of the class teacher's class by the deputy: one with its note sent, one to send;
- per writer («teacher», «class_teacher»): a lesson of the group page to fill and a cancelled one
  (it held a topic when the dispatcher cancelled it) to decide about; a student of the group on
  both lessons (the student account, in the group in October–December), whose cell the writers type
  a mark into.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.scope import led_classes
from core.db.session import Database
from core.people.models import Enrollment
from core.structure.calendar import CalendarService
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import AcademicYear, StudyGroup, SubjectPage
from core.structure.organisation import OrganisationService
from core.timetable.changes import ChangeInput, ChangeService
from core.timetable.lessons import load_timetable
from plugins.journal.absences import AbsenceService
from plugins.journal.checks import CheckInput, CheckService
from plugins.journal.filling import LessonFiller
from plugins.journal.lessons import LessonService
from plugins.journal.models import JournalAttendance, JournalLesson, JournalPeriodState
from plugins.journal.plan_import import PlanRow
from plugins.journal.plans import PlanService
from plugins.journal.roster import page_roster
from plugins.journal.rules import ensure_defaults
from plugins.journal.settings import CodeInput, KindInput, SettingsService
from plugins.journal.sync import ensure_synced, sync_lessons, sync_through
from tests.support.journal import as_user
from tests.support.structure import SmallSchool, writing

SYNCED_TO = date(2026, 11, 28)  # the lessons the world starts with: all in the past
TODAY = SYNCED_TO  # "today" for the services that fill lessons
WEEK = date(2026, 11, 16)  # the week the read rows show
TOPIC, REASON = "Тема мира", "Заявление мира"
WRITERS = ("teacher", "class_teacher")
OWN_LESSONS = {"teacher": date(2026, 11, 9), "class_teacher": date(2026, 11, 23)}  # Mondays: the group page's lesson 2
CANCELLED = {"teacher": date(2026, 10, 5), "class_teacher": date(2026, 10, 12)}
CLASS_LESSONS = (date(2026, 11, 17), date(2026, 11, 24))  # 7А's extra lessons (Tuesdays, lesson 3)


class CoreScales:
    """Stands in for the platform where the journal asks for a subject's scale: the core's
    five-point default (no plugin offers another)."""

    class hook:  # noqa: N801 - the shape of pluggy's hook relay
        @staticmethod
        def grade_scale(**kwargs: object) -> None:
            return None


async def add_journal_targets(url: str, school_id: int, small: SmallSchool, accounts: dict[str, int],
                              target: int) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(values every role shares, values per writing role); the journal administrator's set (which
    the roles that write nothing are filled with) is the teacher's."""
    teacher, class_teacher = accounts["teacher"], accounts["class_teacher"]
    async with writing(url) as session:
        led_student, class_page = await _class_page(session, school_id, small, teacher, class_teacher)
        await ensure_defaults(session, school_id)
        await ensure_synced(session, school_id, SYNCED_TO)
        settings = SettingsService(session, school_id)
        kind = await settings.create_kind(KindInput("Проект мира", "2"))
        code = await settings.create_code(CodeInput("СП", "Соревнования", is_absence=True, excused=True))
        common: dict[str, Any] = {"jr_week": WEEK.isoformat(), "jr_kind": kind.id, "jr_code": code.id,
                                  "jr_lesson": await _lesson_of(session, small.group_page, WEEK),
                                  "jr_math_lesson": await _lesson_of(session, small.math_page, WEEK)}
        own = {role: {"jr_own_lesson": await _lesson_of(session, small.group_page, OWN_LESSONS[role]),
                      "jr_cancelled": await _lesson_of(session, small.group_page, CANCELLED[role])} for role in WRITERS}
        group = await session.get(StudyGroup, small.group)
        assert group is not None
        await OrganisationService(session, school_id).add_member(group, student_id=accounts["student"],
                                                                 starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31))
        common["jr_cell_student"] = await _on_group_page(session, small.group_page)
        common["jr_closed_term"] = await _closed_term(session, school_id, small.year)
        common["jr_check"], common["jr_unsent_check"] = await _checks(session, school_id, accounts["deputy"], class_page)
        class_lessons = [(await LessonService(session, as_user(teacher, school_id), TODAY).add_extra(class_page, day, 3)).id
                         for day in CLASS_LESSONS]
    await _fill(url, school_id, teacher, common["jr_lesson"], topic=TOPIC, homework="Упражнение мира", note="Заметка мира")
    for role in WRITERS:
        await _fill(url, school_id, accounts[role], own[role]["jr_cancelled"], topic=f"Отменённая тема {role}")
        await _cancel(url, school_id, small.group_page, CANCELLED[role], accounts["dispatcher"])
    entries = [await _absent(url, school_id, teacher, lesson, led_student) for lesson in class_lessons]
    async with writing(url) as session:
        await AbsenceService(session, as_user(class_teacher, school_id, "class_teacher"), TODAY).set_reason(
            entries[0], "У", REASON, "1")
    bulk_week = CLASS_LESSONS[1] - timedelta(days=CLASS_LESSONS[1].weekday())  # the second entry's week
    common.update(jr_class_lesson=class_lessons[0], jr_attendance=entries[0], jr_attendance_version=2,
                  jr_bulk_from=bulk_week.isoformat(), jr_bulk_to=(bulk_week + timedelta(days=6)).isoformat(),
                  jr_other_attendance=await _absent(url, school_id, target, common["jr_math_lesson"], accounts["student"]))
    common["jr_plan"], plans = await _plans(url, school_id, small, accounts)
    for role in WRITERS:
        own[role].update(plans[role])
    return common, {**own, "journal_admin": own["teacher"]}


PLAN_ROW = PlanRow("Раздел мира", "Тема плана мира", 2, "lesson", "Д/з плана мира")
# The plans each writer edits in the matrix, one (subject, grade level) apiece: the «teacher»
# account teaches mathematics (7А), the class teacher only the English group.
PLAN_LEVELS = {"teacher": {"own": 1, "import": 2, "empty": 3, "doomed": 4, "new": 6},
               "class_teacher": {"own": 6, "import": 7, "empty": 8, "doomed": 9, "new": 10}}


async def _plans(url: str, school_id: int, small: SmallSchool, accounts: dict[str, int]) -> tuple[int, dict[str, dict[str, Any]]]:
    """The English plan of grade 5 (the group page follows it) and, per writer, plans to edit, to
    import into, to copy into (empty), to delete, and a grade level to make a new plan for."""
    per_role: dict[str, dict[str, Any]] = {}
    async with writing(url) as session:
        teacher = PlanService(session, as_user(accounts["class_teacher"], school_id, "class_teacher"), TODAY)
        shared = await teacher.create(small.year, small.english, 5, None)
        await teacher.replace_rows(shared.id, "1", [PLAN_ROW])
        for role in WRITERS:
            service = PlanService(session, as_user(accounts[role], school_id, role), TODAY)
            subject = small.mathematics if role == "teacher" else small.english
            levels = PLAN_LEVELS[role]
            made = {name: await service.create(small.year, subject, level, None)
                    for name, level in levels.items() if name != "new"}
            for name in ("own", "import", "doomed"):
                await service.replace_rows(made[name].id, "1", [PLAN_ROW])
            per_role[role] = {
                "jr_own_plan": made["own"].id, "jr_import_plan": made["import"].id, "jr_empty_plan": made["empty"].id,
                "jr_doomed_plan": made["doomed"].id, "jr_plan_version": 2, "jr_new_plan_level": levels["new"],
                "jr_plan_subject": subject, "jr_own_item": (await service.items(made["own"].id))[0].id,
                "jr_copy_source": made["own"].id if role == "teacher" else shared.id}
    return shared.id, per_role


async def sync_ahead(url: str, school_ids: Iterable[int]) -> None:
    """Every lesson of the schools' latest year, as the journal's pages create them when they
    show a week or a lesson: inside a «nothing changes» check, reading a page then writes nothing."""
    database = Database(url, pooled=False)
    try:
        for school_id in school_ids:
            await sync_through(SimpleNamespace(db=database), school_id, date.max - timedelta(days=1))
    finally:
        await database.dispose()


async def _checks(session: AsyncSession, school_id: int, deputy: int, class_page: int) -> tuple[int, int]:
    """Two checks of the class teacher's class (its class teacher and the «teacher» account, who
    holds its mathematics, are concerned): one whose note is sent, one still to send."""
    page = await session.get(SubjectPage, class_page)
    assert page is not None and page.class_group_id is not None
    service = CheckService(session, as_user(deputy, school_id, "deputy"))
    found = []
    for number in (1, 2):
        check = await service.create(CheckInput(WEEK.isoformat(), f"class-{page.class_group_id}", f"Проверка мира {number}",
                                                "Темы уроков заполнены", "Заполнять вовремя"), TODAY)
        found.append(check.id)
    await service.send(found[0], "1")
    return found[0], found[1]


async def _closed_term(session: AsyncSession, school_id: int, year_id: int) -> int:
    """The first half-year, closed by the deputy (version 1): the one the deputy reopens."""
    year = await session.get(AcademicYear, year_id)
    assert year is not None
    period = await CalendarService(session, school_id).add_period(year, "half_year", 1, date(2026, 9, 1), date(2026, 12, 25))
    session.add(JournalPeriodState(school_id=school_id, academic_year_id=year_id, study_period_id=period.id,
                                   closed_at=datetime(2026, 11, 1, tzinfo=timezone.utc), version=1))
    return period.id


async def _class_page(session: AsyncSession, school_id: int, small: SmallSchool, teacher: int,
                      class_teacher: int) -> tuple[int, int]:
    """(the student of the class teacher's class, the class's mathematics page held by ``teacher``)."""
    year = await session.get(AcademicYear, small.year)
    assert year is not None
    led_class = (await led_classes(session, class_teacher, school_id, WEEK))[0]
    student = await session.scalar(select(Enrollment.student_id).where(Enrollment.class_group_id == led_class))
    assert student is not None
    await CurriculumService(session, school_id).set_hours(year, grade_level=7, subject_id=small.mathematics, half_hours=10)
    pages = PageService(session, school_id)
    page = await pages.add_page(year, subject_id=small.mathematics, holder=f"c{led_class}")
    await pages.assign(page, teacher_id=teacher, half_hours=10, starts_on=year.starts_on, ends_on=None)
    return student, page.id


async def _on_group_page(session: AsyncSession, page_id: int) -> int:
    """A student on the group page on both writers' own lessons' days: whose cell they type into."""
    page = await session.get(SubjectPage, page_id)
    assert page is not None
    days = list(OWN_LESSONS.values())
    roster = await page_roster(session, page, min(days), max(days))
    found = next((line.student_id for line in roster if all(line.on(day) for day in days)), None)
    assert found is not None, "nobody on the group page on the writers' lesson days"
    return found


async def _lesson_of(session: AsyncSession, page_id: int, day: date) -> int:
    found = await session.scalar(select(JournalLesson.id).where(JournalLesson.subject_page_id == page_id,
                                                                JournalLesson.day == day).order_by(JournalLesson.number))
    assert found is not None, f"no lesson of page {page_id} on {day}"
    return found


async def _fill(url: str, school_id: int, user_id: int, lesson_id: int, **fields: str) -> None:
    """Save a lesson's form as its teacher would: each field with the value it showed."""
    form = {**fields, **{f"{name}__was": "" for name in fields}}
    async with writing(url) as session:
        await LessonFiller(session, CoreScales(), as_user(user_id, school_id), TODAY).save(lesson_id, form)


async def _absent(url: str, school_id: int, user_id: int, lesson_id: int, student_id: int) -> int:
    """Mark ``student_id`` absent («Н») at the lesson; the attendance entry's id."""
    await _fill(url, school_id, user_id, lesson_id, **{f"att-{student_id}": "Н"})
    async with writing(url) as session:
        found = await session.scalar(select(JournalAttendance.id).where(JournalAttendance.lesson_id == lesson_id,
                                                                        JournalAttendance.student_id == student_id))
    assert found is not None
    return found


async def _cancel(url: str, school_id: int, page_id: int, day: date, dispatcher: int) -> None:
    """The dispatcher cancels the page's lesson of ``day`` the day before; the journal follows
    (as the event would make it): the lesson holds a topic, so it waits for its teacher."""
    async with writing(url) as session:
        timetable = await load_timetable(session, school_id, day, day)
        slot = next(lesson.slot_id for lesson in timetable.lessons_on(day) if lesson.page.id == page_id)
        await ChangeService(session, school_id, day - timedelta(days=1), dispatcher).record(
            ChangeInput("cancel", day, slot, reason="Отмена мира"))
        await sync_lessons(session, school_id, day, day)
        state = await session.scalar(select(JournalLesson.state).where(JournalLesson.subject_page_id == page_id,
                                                                       JournalLesson.day == day))
    assert state == "cancelled", (page_id, day, state)

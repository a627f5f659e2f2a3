"""Calendar-thematic plans: the feeding rules (pure, then on a page's lessons), the plan's editing
and hours check, import through the pages with nothing saved from a bad file, copying, a page's
skips and repeats, the deputy's check before the year."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update

from core.auth.models import UserAccount
from core.i18n import gettext as _
from core.structure.models import SubjectPage
from plugins.journal.models import JournalHistory, JournalLesson, JournalLessonPlan, JournalLessonPlanItem
from plugins.journal.plan_feed import LessonState, Slot, adjust_page, feed_plan, page_progress, walk
from plugins.journal.plan_import import PlanRow
from plugins.journal.plans import PlanRefused, PlanService
from tests.support.exports import FORMULAS, checked_xlsx, quoted
from tests.support.journal import TODAY, as_user, journal_world, lesson_id
from tests.support.people import add_user, sign_in
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing

PLUGINS = ("journal",)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    import core.web.structure.common
    import plugins.journal.plan_feed

    for module in (core.web.structure.common, plugins.journal.plan_feed):
        monkeypatch.setattr(module, "school_today", lambda timezone: TODAY)


# ---- the walk, pure --------------------------------------------------------------------------------


def slots(*hours: int) -> list[Slot]:
    found = []
    for item, count in enumerate(hours, start=1):
        found += [Slot(item, hour, hour == count, f"Тема {item}", f"Д/з {item}", None) for hour in range(1, count + 1)]
    return found


def lesson(number: int, day: date, *, topic: str = "", item: int | None = None, hour: int | None = None,
           fed: bool = False, taken: bool = False) -> LessonState:
    return LessonState(number, day, taken, topic, "", item, hour, fed, False)


def test_lessons_still_to_come_take_the_next_slots_and_an_item_of_two_hours_covers_two_lessons():
    past, today = TODAY - timedelta(days=1), TODAY
    lessons = [lesson(1, past, topic="Тема 1", item=1, hour=1, fed=True, taken=True), lesson(2, today), lesson(3, today),
               lesson(4, today + timedelta(days=1))]
    taken, _relinked, cursors = walk(slots(1, 2, 1), lessons, today)
    assert [(slot.item_id, slot.hour) for slot in taken.values()] == [(2, 1), (2, 2), (3, 1)]
    assert cursors == [1, 2, 3, 4]


def test_a_typed_topic_and_a_given_lesson_are_never_taken_and_the_plan_ends_with_empty_topics():
    today = TODAY
    lessons = [lesson(1, today - timedelta(days=2), topic="Своя тема"),  # given, typed: covers nothing
               lesson(2, today, topic="Экскурсия в музей"),  # typed ahead: kept, covers nothing
               lesson(3, today + timedelta(days=1), topic="Тема 1", item=1, hour=1, fed=True),
               lesson(4, today + timedelta(days=2), topic="Тема 2", item=2, hour=1, fed=True)]
    taken, _relinked, _cursors = walk(slots(1), lessons, today)
    assert set(taken) == {3, 4}
    assert taken[3].item_id == 1 and taken[4] is None  # past the plan's end


def test_a_lesson_to_come_typed_over_counts_as_one_plan_lesson_and_no_item_is_lost_when_one_is_inserted():
    today = TODAY
    lessons = [lesson(1, today, topic="Тема 1, с. 12", item=1, hour=1), lesson(2, today + timedelta(days=1))]
    taken, relinked, _cursors = walk(slots(1, 1), lessons, today)
    assert relinked[1].item_id == 1 and taken[2].item_id == 2
    # items 1 2 3 4, the third lesson's topic typed over; an item is inserted at the start: the typed
    # lesson keeps its text and takes the next plan lesson, and nothing of the plan is skipped
    typed = [lesson(1, today, fed=True, topic="Тема 1", item=1, hour=1), lesson(2, today, fed=True, topic="Тема 2", item=2, hour=1),
             lesson(3, today, topic="Своя тема", item=3, hour=1), lesson(4, today, fed=True, topic="Тема 4", item=4, hour=1)]
    inserted = [Slot(9, 1, True, "Новая", "", None)] + slots(1, 1, 1, 1)
    taken, relinked, _cursors = walk(inserted, typed, today)
    assert [taken[1].item_id, taken[2].item_id, relinked[3].item_id, taken[4].item_id] == [9, 1, 2, 3]


# ---- on a page -------------------------------------------------------------------------------------


ROWS = [PlanRow("Натуральные числа", "Обозначение натуральных чисел", 1, "lesson", "§1, № 1–5"),
        PlanRow("Натуральные числа", "Отрезок. Длина отрезка", 2, "lesson", "§2"),
        PlanRow("Натуральные числа", "Контрольная работа № 1", 1, "test"),
        PlanRow("Сложение и вычитание", "Сложение натуральных чисел", 2, "lesson", "§5")]


async def world_plan(url: str, rows=ROWS):
    school, world = await journal_world(url)
    page_id = world.tt.pages["5А математика"]
    teacher = world.teacher("math")
    async with writing(url) as session:
        page = await session.get(SubjectPage, page_id)
        service = PlanService(session, as_user(teacher, school), TODAY)
        plan = await service.create(page.academic_year_id, page.subject_id, 5, None)
        await service.replace_rows(plan.id, "1", rows)
        await feed_plan(session, plan, teacher)
        plan_id = plan.id
    return school, world, page_id, plan_id


async def page_topics(url: str, page_id: int, since: date) -> list[tuple[date, str, bool]]:
    async with writing(url) as session:
        rows = (await session.execute(select(JournalLesson.day, JournalLesson.topic, JournalLesson.plan_topic).where(
            JournalLesson.subject_page_id == page_id, JournalLesson.day >= since, JournalLesson.state == "active")
            .order_by(JournalLesson.day, JournalLesson.number))).all()
    return [tuple(row) for row in rows]


async def test_a_pages_lessons_from_today_take_the_plans_topics_in_order_and_given_lessons_keep_theirs(database_url):
    school, world, page_id, _plan = await world_plan(database_url)
    before = await page_topics(database_url, page_id, TODAY - timedelta(days=7))
    assert all(topic == "" for day, topic, _fed in before if day < TODAY)  # the world's past lessons: untouched
    coming = [topic for day, topic, _fed in before if day >= TODAY]
    assert coming[:7] == ["Обозначение натуральных чисел", "Отрезок. Длина отрезка", "Отрезок. Длина отрезка",
                          "Контрольная работа № 1", "Сложение натуральных чисел", "Сложение натуральных чисел", ""]
    async with writing(database_url) as session:
        reasons = set((await session.execute(select(JournalHistory.reason).where(
            JournalHistory.school_id == school, JournalHistory.field == "topic"))).scalars())
    assert reasons == {"из КТП"}


async def test_skipping_an_item_moves_only_the_plan_fed_topics_and_a_typed_topic_stays(database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    teacher = world.teacher("math")
    days = [day for day, _topic, _fed in await page_topics(database_url, page_id, TODAY)]
    typed = await lesson_id(database_url, page_id, days[2])
    async with writing(database_url) as session:
        row = await session.get(JournalLesson, typed)
        row.topic, row.plan_topic = "Решение задач на отрезки (своя тема)", False
    async with writing(database_url) as session:
        items = list((await session.execute(select(JournalLessonPlanItem).where(
            JournalLessonPlanItem.plan_id == plan_id).order_by(JournalLessonPlanItem.position))).scalars())
        await adjust_page(session, page_id, teacher, "skip", items[0].id)
    topics = [topic for _day, topic, _fed in await page_topics(database_url, page_id, TODAY)]
    assert topics[:5] == ["Отрезок. Длина отрезка", "Отрезок. Длина отрезка", "Решение задач на отрезки (своя тема)",
                          "Сложение натуральных чисел", "Сложение натуральных чисел"]
    async with writing(database_url) as session:
        await adjust_page(session, page_id, teacher, "reset", items[0].id)
        await adjust_page(session, page_id, teacher, "repeat", items[2].id)  # the контрольная gets a second lesson
    topics = [topic for _day, topic, _fed in await page_topics(database_url, page_id, TODAY)]
    # the typed-over lesson to come counts as one plan lesson: the one after «Отрезок»
    assert topics[:6] == ["Обозначение натуральных чисел", "Отрезок. Длина отрезка", "Решение задач на отрезки (своя тема)",
                          "Контрольная работа № 1", "Контрольная работа № 1", "Сложение натуральных чисел"]


async def test_changing_an_item_changes_the_lessons_that_took_it_and_homework_follows_when_chosen(database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    teacher = world.teacher("math")
    async with writing(database_url) as session:
        await adjust_page(session, page_id, teacher, "homework_on", None)
        plan = await session.get(JournalLessonPlan, plan_id)
        items = list((await session.execute(select(JournalLessonPlanItem).where(
            JournalLessonPlanItem.plan_id == plan_id).order_by(JournalLessonPlanItem.position))).scalars())
        from plugins.journal.plans import ItemInput

        await PlanService(session, as_user(teacher, school), TODAY).act(
            plan_id, str(plan.version), items[1].id, "save",
            ItemInput("Натуральные числа", "Отрезок и его длина", "2", "lesson", "§2, № 40", ""))
        await feed_plan(session, plan, teacher)
    async with writing(database_url) as session:
        rows = (await session.execute(select(JournalLesson.topic, JournalLesson.homework).where(
            JournalLesson.subject_page_id == page_id, JournalLesson.day >= TODAY, JournalLesson.state == "active")
            .order_by(JournalLesson.day, JournalLesson.number).limit(4))).all()
    # the item's homework goes to its last lesson
    assert [tuple(row) for row in rows] == [("Обозначение натуральных чисел", "§1, № 1–5"), ("Отрезок и его длина", ""),
                                            ("Отрезок и его длина", "§2, № 40"), ("Контрольная работа № 1", "")]


async def test_a_teacher_typing_over_a_plan_topic_keeps_it_through_later_plan_changes(make_client, database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    days = [day for day, _topic, _fed in await page_topics(database_url, page_id, TODAY)]
    lesson_at = await lesson_id(database_url, page_id, days[0])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        from tests.plugins.journal.test_lesson_pages import shown_form

        form = shown_form((await client.get(f"/journal/lessons/{lesson_at}")).text)
        assert form["topic"] == "Обозначение натуральных чисел"
        form["topic"] = "Натуральные числа на практике"
        saved = await client.post(f"/journal/lessons/{lesson_at}", data=form,
                                  headers={"hx-request": "true", "hx-target": "journal-lesson"})
        assert saved.status_code == 200, saved.text
        page = await client.get(f"/journal/plans/{plan_id}")
        version = re.search(r'name="version" value="(\d+)"', page.text)[1]
        moved = await client.post(f"/journal/plans/{plan_id}/items", data={
            "version": version, "action": "down", "item_id": str(await first_item(database_url, plan_id))},
            follow_redirects=False)
        assert moved.status_code == 303
    topics = [topic for _day, topic, _fed in await page_topics(database_url, page_id, TODAY)]
    assert topics[:3] == ["Натуральные числа на практике", "Обозначение натуральных чисел", "Контрольная работа № 1"] or \
        topics[0] == "Натуральные числа на практике"


async def first_item(url: str, plan_id: int) -> int:
    async with writing(url) as session:
        return await session.scalar(select(JournalLessonPlanItem.id).where(
            JournalLessonPlanItem.plan_id == plan_id).order_by(JournalLessonPlanItem.position).limit(1))


async def test_the_lag_counts_lessons_given_against_plan_lessons_covered(database_url):
    school, world, page_id, _plan = await world_plan(database_url)
    async with writing(database_url) as session:
        progress = await page_progress(session, page_id, TODAY + timedelta(days=3))
    # three days on (Monday), Friday's lesson was given and covered the first slot: on schedule, though the
    # page gave fifty lessons before the plan came
    assert (progress.total, progress.covered, progress.lag) == (6, 1, 0) and progress.given > 40
    async with writing(database_url) as session:
        friday = await session.get(JournalLesson, await lesson_id(database_url, page_id, TODAY))
        monday = await session.scalar(select(JournalLesson).where(JournalLesson.subject_page_id == page_id,
                                                                  JournalLesson.day == TODAY + timedelta(days=3)))
        monday.topic, monday.plan_topic, monday.plan_item_id, monday.plan_hour = "Экскурсия", False, None, None
        monday.attendance_at = friday.filled_at or monday.updated_at or friday.updated_at
    async with writing(database_url) as session:
        progress = await page_progress(session, page_id, TODAY + timedelta(days=4))
    # Monday's lesson went on an excursion: the plan is a lesson behind
    assert (progress.covered, progress.lag) == (1, 1)


# ---- editing rules ---------------------------------------------------------------------------------


async def test_a_stale_version_is_refused_and_a_teacher_of_another_subject_may_not_edit(database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    async with writing(database_url) as session:
        with pytest.raises(PlanRefused) as refused:
            await PlanService(session, as_user(world.teacher("math"), school), TODAY).act(plan_id, "1", None, "split")
        assert refused.value.status == 409
    from litestar.exceptions import NotFoundException

    async with writing(database_url) as session:
        with pytest.raises(NotFoundException):
            await PlanService(session, as_user(world.teacher("english1"), school), TODAY).act(plan_id, "2", None, "delete")


# ---- import and export through the pages -----------------------------------------------------------


def ktp_xlsx(rows: list[tuple], title: str = "Календарно-тематическое планирование по математике, 5 класс") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([title])
    sheet.append(["№", "Тема урока", "Кол-во часов", "Дата (план)", "Д/з", "Примечание"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sixty_eight() -> list[tuple]:
    rows, number = [], 1
    for index in range(34):
        rows.append((f"{number}-{number + 1}", f"Тема {index + 1}", 2, None, f"§{index + 1}", ""))
        number += 2
    return rows


async def test_a_teacher_imports_a_68_hour_plan_that_matches_the_curriculum_and_the_lessons_take_it(make_client, database_url):
    school, world = await journal_world(database_url)
    page_id = world.tt.pages["5А физика"]  # 2 h. a week × 34 weeks = 68 h. in the world's curriculum
    async with writing(database_url) as session:
        page = await session.get(SubjectPage, page_id)
        year_id, subject_id = page.academic_year_id, page.subject_id
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-physics-{school}")
        made = await client.post("/journal/plans", data={"year_id": year_id, "subject_id": subject_id, "grade_level": 5},
                                 follow_redirects=False)
        assert made.status_code == 303
        plan_url = made.headers["location"]
        page = await client.get(plan_url)
        version = re.search(r'name="version" value="(\d+)"', page.text)[1]
        preview = await client.post(f"{plan_url}/import", data={"version": version},
                                    files={"file": ("ktp.xlsx", ktp_xlsx(sixty_eight(), "КТП по физике, 5 класс"))})
        assert preview.status_code == 200, preview.text
        assert "Примечание" in preview.text and 'id="journal-plan-import-apply"' in preview.text
        rows = re.search(r'name="rows" value="([^"]*)"', preview.text)[1]
        import html

        applied = await client.post(f"{plan_url}/import/apply", data={"version": version, "rows": html.unescape(rows)},
                                    follow_redirects=False)
        assert applied.status_code == 303
        shown = await client.get(plan_url)
        assert _("matches the curriculum: %(hours)s h. a year", hours="68") in shown.text
        exported = await client.get(f"{plan_url}/xlsx")
        book = load_workbook(io.BytesIO(exported.content))
        topics = [row[2] for row in book.active.iter_rows(values_only=True) if re.fullmatch(r"Тема \d+", str(row[2]))]
        assert topics == [f"Тема {index}" for index in range(1, 35)]
        progress = await client.get(f"/journal/pages/{page_id}/plan")
        assert progress.status_code == 200 and "Тема 1" in progress.text
    topics = [topic for _day, topic, _fed in await page_topics(database_url, page_id, TODAY)]
    assert topics == ["Тема 1", "Тема 1"]  # the two Monday lessons created so far: the first item of 2 hours


@pytest.mark.parametrize("rows, filename, content, problem", [
    ([("1", "", 1, None, "", "")], "ktp.xlsx", None, "row"),
    ([("1", "Тема", "два", None, "", "")], "ktp.xlsx", None, "row"),
    ([("1", "Тема", 1, None, "", ""), ("1", "Другая", 1, None, "", "")], "ktp.xlsx", None, "row"),
    ([], "ktp.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "file"),
    ([], "ktp.csv", "№;Тема урока\n1;Тема\n".encode("utf-16"), "file"),
])
async def test_a_bad_file_is_refused_with_its_problems_listed_and_nothing_saved(make_client, database_url, rows, filename,
                                                                                 content, problem):
    school, world, page_id, plan_id = await world_plan(database_url)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        page = await client.get(f"/journal/plans/{plan_id}")
        version = re.search(r'name="version" value="(\d+)"', page.text)[1]
        async with database_unchanged(database_url):
            preview = await client.post(f"/journal/plans/{plan_id}/import", data={"version": version},
                                        files={"file": (filename, content or ktp_xlsx(rows))})
        assert preview.status_code == 422
        assert 'id="journal-plan-import-refused"' in preview.text and 'id="journal-plan-import-apply"' not in preview.text
        if problem == "row":
            assert 'class="journal-overdue"' in preview.text


async def test_a_file_of_another_subject_is_refused(make_client, database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        page = await client.get(f"/journal/plans/{plan_id}")
        version = re.search(r'name="version" value="(\d+)"', page.text)[1]
        preview = await client.post(f"/journal/plans/{plan_id}/import", data={"version": version}, files={
            "file": ("ktp.xlsx", ktp_xlsx([("1", "Тема", 1, None, "", "")], "КТП по физике, 5 класс"))})
        assert preview.status_code == 422 and "Физика" in preview.text


# ---- reuse and the deputy's check ------------------------------------------------------------------


async def test_a_plan_is_copied_from_another_level_and_the_deputy_sees_every_page_with_its_state(make_client, database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    deputy = await add_user(database_url, f"pl-deputy-{school}", [("deputy", school)])
    async with writing(database_url) as session:
        page = await session.get(SubjectPage, page_id)
        six = await session.scalar(select(SubjectPage.id).where(SubjectPage.id == world.tt.pages["6А математика"]))
        service = PlanService(session, as_user(world.teacher("math"), school), TODAY)
        other = await service.create(page.academic_year_id, page.subject_id, 6, None)
        await service.copy_from(other.id, "1", plan_id)
        copied = [item.topic for item in await service.items(other.id)]
    assert copied == [row.topic for row in ROWS] and six
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"pl-deputy-{school}")
        check = await client.get(f"/journal/plan-check?year={page.academic_year_id}")
        assert check.status_code == 200
        row = re.search(rf'<tr id="journal-plan-check-{page_id}">.*?</tr>', check.text, re.S)[0]
        assert _("hours differ from the curriculum") in row  # 6 hours against 170
        physics = re.search(rf'<tr id="journal-plan-check-{world.tt.pages["5А физика"]}">.*?</tr>', check.text, re.S)[0]
        assert _("no plan") in physics
        sheet = await client.get(f"/journal/plan-check.xlsx?year={page.academic_year_id}")
        rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
        states = [row[rows[0].index(_("State"))] for row in rows[1:]]
        assert _("no plan") in states and _("hours differ from the curriculum") in states
        refused = await client.post(f"/journal/plans/{plan_id}/items", data={"version": "2", "action": "delete",
                                                                             "item_id": "1"})
        assert refused.status_code == 403
    assert deputy


# ---- the cases a school would hit ------------------------------------------------------------------


async def test_a_plan_fed_lesson_the_timetable_cancels_simply_goes_and_the_next_lesson_takes_its_topic(database_url):
    from core.timetable.changes import ChangeInput
    from tests.plugins.journal.test_sync import _record, _slot_of

    school, world, page_id, _plan = await world_plan(database_url)
    days = [day for day, _topic, _fed in await page_topics(database_url, page_id, TODAY)]
    cancelled = await lesson_id(database_url, page_id, days[1])
    slot = await _slot_of(database_url, school, days[1], page_id)
    await _record(database_url, school, world.teacher("spare"), ChangeInput("cancel", days[1], slot, reason="Карантин"))
    async with writing(database_url) as session:
        assert await session.get(JournalLesson, cancelled) is None  # it held only the plan's topic: not data
    topics = [topic for _day, topic, _fed in await page_topics(database_url, page_id, TODAY)]
    assert topics[:4] == ["Обозначение натуральных чисел", "Отрезок. Длина отрезка", "Отрезок. Длина отрезка",
                          "Контрольная работа № 1"]


async def test_a_variant_made_mid_year_keeps_the_pages_progress_and_deleting_it_goes_back(database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    teacher = world.teacher("math")
    later = TODAY + timedelta(days=4)  # the lessons of TODAY .. +3 have been given by then
    async with writing(database_url) as session:
        before = await page_progress(session, page_id, later)
        page = await session.get(SubjectPage, page_id)
        variant = await PlanService(session, as_user(teacher, school), later).create(
            page.academic_year_id, page.subject_id, 5, page_id)
        await feed_plan(session, variant, teacher)
        variant_id = variant.id
    async with writing(database_url) as session:
        after = await page_progress(session, page_id, later)
        assert after.page_plan.plan.id == variant_id
        assert (after.covered, after.lag, after.next_item_id is not None) == (before.covered, before.lag, True)
        await PlanService(session, as_user(teacher, school), later).delete_plan(variant_id, "1")
        await feed_plan(session, variant, teacher)
    async with writing(database_url) as session:
        back = await page_progress(session, page_id, later)
    assert back.page_plan.plan.id == plan_id and (back.covered, back.lag) == (before.covered, before.lag)


async def test_a_lesson_marked_without_homework_and_homework_the_teacher_cleared_keep_no_homework(database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    teacher = world.teacher("math")
    days = [day for day, _topic, _fed in await page_topics(database_url, page_id, TODAY)]
    first = await lesson_id(database_url, page_id, days[0])
    async with writing(database_url) as session:
        row = await session.get(JournalLesson, first)
        row.no_homework = True
    async with writing(database_url) as session:
        await adjust_page(session, page_id, teacher, "homework_on", None)
    async with writing(database_url) as session:
        rows = (await session.execute(select(JournalLesson.id, JournalLesson.homework, JournalLesson.homework_due).where(
            JournalLesson.subject_page_id == page_id, JournalLesson.day >= TODAY, JournalLesson.state == "active")
            .order_by(JournalLesson.day, JournalLesson.number).limit(3))).all()
    assert rows[0].homework == "" and rows[1].homework == ""  # no homework there; the item's first of two hours
    assert rows[2].homework == "§2" and rows[2].homework_due == days[3]  # due at the page's next lesson


async def test_an_import_with_last_years_dates_and_forged_ids_are_refused(make_client, database_url):
    school, world, page_id, plan_id = await world_plan(database_url)
    _other_school, _other_world, _other_page, other_plan = await world_plan(database_url)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        page = await client.get(f"/journal/plans/{plan_id}")
        version = re.search(r'name="version" value="(\d+)"', page.text)[1]
        async with database_unchanged(database_url):
            preview = await client.post(f"/journal/plans/{plan_id}/import", data={"version": version}, files={
                "file": ("ktp.xlsx", ktp_xlsx([("1", "Тема", 1, "02.09.2025", "", "")]))})
            assert preview.status_code == 422 and "2026/2027" in preview.text
            assert 'id="journal-plan-import-apply"' not in preview.text
            for form in ({"action": "delete"}, {"action": "up", "item_id": "abc"}, {"action": "save", "item_id": "0"},
                         {"action": "explode", "item_id": "1"}):
                answer = await client.post(f"/journal/plans/{plan_id}/items", data={"version": version, **form})
                assert answer.status_code == 404, form
            answer = await client.post(f"/journal/plans/{other_plan}/items", data={
                "version": "2", "action": "save", "topic": "Чужая тема", "hours": "1", "kind": "lesson"})
            assert answer.status_code == 404


async def test_the_plan_pages_read_a_fixed_number_of_statements_whatever_the_plans_size(make_client, database_url):
    from tests.core.structure.test_subject_pages import count_statements, statements

    school, world, page_id, plan_id = await world_plan(database_url, ROWS[:2])
    deputy = await add_user(database_url, f"pl-count-{school}", [("deputy", school)])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        seen = count_statements(client)
        pages = (f"/journal/plans/{plan_id}", f"/journal/pages/{page_id}/plan", "/journal/plans")
        small = [await statements(client, seen, url) for url in pages]
        async with writing(database_url) as session:
            await PlanService(session, as_user(world.teacher("math"), school), TODAY).replace_rows(plan_id, "2", ROWS * 20)
        large = [await statements(client, seen, url) for url in pages]
        assert small == large, (small, large)
        await sign_in(client, f"pl-count-{school}")
        check = await statements(client, seen, "/journal/plan-check")
        async with writing(database_url) as session:
            page = await session.get(SubjectPage, page_id)
            await PlanService(session, as_user(world.teacher("math"), school), TODAY).create(
                page.academic_year_id, page.subject_id, 6, None)
        assert await statements(client, seen, "/journal/plan-check") == check
    assert deputy


async def test_a_feed_computed_before_a_teachers_save_leaves_the_lesson_as_the_teacher_saved_it(database_url):
    """The race of a plan change with a teacher's save, in two steps: the feed read the lesson, the
    teacher's save committed, then the feed writes — and changes nothing."""
    from plugins.journal.history import HistoryWriter
    from plugins.journal.plan_feed import _apply, lesson_states

    school, world, page_id, _plan = await world_plan(database_url)
    days = [day for day, _topic, _fed in await page_topics(database_url, page_id, TODAY)]
    target = await lesson_id(database_url, page_id, days[0])
    async with writing(database_url) as session:
        seen = next(state for state in (await lesson_states(session, [page_id]))[page_id] if state.id == target)
    async with writing(database_url) as session:  # the teacher's save, committed meanwhile
        row = await session.get(JournalLesson, target)
        row.topic, row.plan_topic, row.version = "Тема учителя", False, row.version + 1
    async with writing(database_url) as session:
        written = await _apply(session, seen, {"topic": "Тема из плана", "plan_topic": True},
                               HistoryWriter(session, school, None, "из КТП"))
    async with writing(database_url) as session:
        row = await session.get(JournalLesson, target)
        assert (written, row.topic, row.plan_topic) == (0, "Тема учителя", False)


# ---- the exports keep formulas as text (CWE-1236) ------------------------------------------------


async def test_the_plan_export_keeps_formula_like_sections_topics_and_homework_as_text(make_client, database_url):
    rows = [PlanRow(formula, formula, 1, "lesson", formula) for formula in FORMULAS]
    school, _world, _page_id, plan_id = await world_plan(database_url, rows)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        values = checked_xlsx((await client.get(f"/journal/plans/{plan_id}/xlsx")).content)
    assert all(quoted(values, formula) for formula in FORMULAS)
    assert values[-1] == len(FORMULAS)  # «Итого»: the hours stay a number


async def test_the_plan_check_export_keeps_formula_like_teacher_names_as_text(make_client, database_url):
    school, world, page_id, _plan_id = await world_plan(database_url)
    await add_user(database_url, f"pl-deputy-{school}", [("deputy", school)])
    async with writing(database_url) as session:
        for teacher, name in zip(("math", "physics"), FORMULAS):
            await session.execute(update(UserAccount).where(UserAccount.id == world.teacher(teacher)).values(full_name=name))
        year_id = (await session.get(SubjectPage, page_id)).academic_year_id
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"pl-deputy-{school}")
        values = checked_xlsx((await client.get(f"/journal/plan-check.xlsx?year={year_id}")).content)
    assert quoted(values, FORMULAS[0]) and quoted(values, FORMULAS[1]) and 6 in values  # the plan's hours stay a number

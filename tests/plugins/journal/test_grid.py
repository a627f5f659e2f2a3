"""The grid: a subject page's students × lessons of a period, saved cell by cell; read-only for the
class teacher and the administration; a fixed number of statements whatever its size."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from core.i18n import gettext as _
from core.outbox import OutboxEvent
from plugins.journal.models import JournalAttendance, JournalGrade, JournalHistory
from tests.core.structure.test_subject_pages import count_statements, statements
from tests.support.journal import TODAY, journal_world, lesson_id
from tests.support.people import add_user, sign_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing

PLUGINS = ("journal",)
HTMX = {"hx-request": "true"}


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The app's today is TODAY (a Friday in the second quarter), whatever the date."""
    import core.web.structure.common
    import plugins.journal.cells
    import plugins.journal.web.grid_pages

    for module in (core.web.structure.common, plugins.journal.cells, plugins.journal.web.grid_pages):
        monkeypatch.setattr(module, "school_today", lambda timezone: TODAY)


def cell_url(lesson: int, student: int) -> str:
    return f"/journal/lessons/{lesson}/cells/{student}"


async def save(client, lesson: int, student: int, value: str, was: str = ""):
    return await client.post(cell_url(lesson, student), data={"value": value, "was": was}, headers=HTMX)


async def marks_of(url: str, lesson: int, student: int) -> list[tuple[int, str]]:
    async with writing(url) as session:
        return [tuple(row) for row in (await session.execute(
            select(JournalGrade.id, JournalGrade.mark).where(JournalGrade.lesson_id == lesson, JournalGrade.student_id == student)
            .order_by(JournalGrade.id))).all()]


async def test_the_teacher_sees_the_class_by_lessons_of_the_quarter_and_types_into_past_lessons(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    today, tomorrow_lesson = await lesson_id(database_url, page, TODAY), await lesson_id(database_url, page, TODAY + timedelta(days=3))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        grid = await client.get(f"/journal/pages/{page}")
    assert grid.status_code == 200
    html = grid.text
    assert html.count('<tr id="journal-row-') == 30
    # the second quarter (5 November – 29 December), every weekday at lesson 1
    columns = re.findall(r'<th scope="col" id="journal-col-(\d+)"', html)
    assert len(columns) == 39 and str(today) in columns and str(tomorrow_lesson) in columns
    # each input is labelled by its student's and its lesson's headers
    assert f'<input aria-labelledby="journal-student-{world.roster[0]} journal-col-{today}">' in html
    assert f' journal-col-{tomorrow_lesson}"' not in html  # marks wait for the lesson's day
    assert _("Lessons given: %(given)d of %(planned)d in the period", given=12, planned=39) in html


async def test_a_typed_cell_is_saved_with_its_history_and_event_and_the_average_comes_back(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    lesson, earlier = await lesson_id(database_url, page, TODAY), await lesson_id(database_url, page, TODAY - timedelta(days=1))
    student = world.roster[3]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        first = await save(client, earlier, student, "4")
        assert first.status_code == 200, first.text
        saved = await save(client, lesson, student, "5 3")
        assert saved.status_code == 200, saved.text
        assert len(saved.content) < 2048
        assert f'id="journal-cell-{lesson}-{student}"' in saved.text and 'value="5 3"' in saved.text
        assert f'id="journal-avg-{student}"' in saved.text and 'hx-swap-oob="true"' in saved.text
        assert ">4,00<" in saved.text and "(4·1 + 5·1 + 3·1)/3 = 4,00" in saved.text
        # «5 3» → «5»: the 5 stays the same mark, the 3 is removed
        before = await marks_of(database_url, lesson, student)
        again = await save(client, lesson, student, "5", was="5 3")
        assert again.status_code == 200 and 'value="5"' in again.text
        assert await marks_of(database_url, lesson, student) == [before[0]]
        absent = await save(client, lesson, student, "н 5", was="5")
        assert absent.status_code == 200 and 'value="Н 5"' in absent.text
    async with writing(database_url) as session:
        assert await session.scalar(select(JournalAttendance.code).where(
            JournalAttendance.lesson_id == lesson, JournalAttendance.student_id == student)) == "Н"
        changes = (await session.execute(select(JournalHistory.field, JournalHistory.old_value, JournalHistory.new_value).where(
            JournalHistory.lesson_id == lesson, JournalHistory.student_id == student).order_by(JournalHistory.id))).all()
        assert [tuple(row) for row in changes] == [
            ("mark", None, "5 (Ответ на уроке)"), ("mark", None, "3 (Ответ на уроке)"),
            ("mark", "3 (Ответ на уроке)", None), ("code", None, "Н")]
        names = (await session.execute(select(OutboxEvent.name).where(OutboxEvent.school_id == school)
                                       .order_by(OutboxEvent.id))).scalars().all()
        assert names[-5:] == ["journal.grade_posted", "journal.grade_posted", "journal.grade_posted", "journal.grade_changed",
                              "journal.attendance_marked"]


async def test_bad_input_is_refused_in_place_and_changes_nothing(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    lesson, future = await lesson_id(database_url, page, TODAY), await lesson_id(database_url, page, TODAY + timedelta(days=3))
    student = world.roster[0]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, lesson, student, "4")).status_code == 200
        for typed, message in [("7", None), ("Н Б", _("One attendance code per cell.")), ("x1", None),
                               ("5 5 5 5 5 5", _("At most five marks at once.")), ("ё" * 41, None)]:
            async with database_unchanged(database_url):
                refused = await save(client, lesson, student, typed, was="4")
            assert refused.status_code == 422, typed
            assert 'value="4"' in refused.text and 'role="alert"' in refused.text  # the previous value is kept
            assert message is None or message in refused.text
        async with database_unchanged(database_url):
            assert (await save(client, future, student, "5")).status_code == 422
            assert (await save(client, lesson, 999_999_999, "5")).status_code == 404
            assert (await save(client, lesson, 10**12, "5")).status_code == 404


async def test_a_cell_changed_meanwhile_is_a_conflict_not_an_overwrite(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    student = world.roster[1]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, lesson, student, "3")).status_code == 200
        async with database_unchanged(database_url):
            stale = await save(client, lesson, student, "5", was="")  # another tab still shows the cell empty
        assert stale.status_code == 409
        assert 'value="3"' in stale.text and _("Someone else changed this cell meanwhile: it now holds «%(value)s».",
                                                value="3") in stale.text
        same = await save(client, lesson, student, "3", was="")  # the same value typed twice is no conflict
        assert same.status_code == 200
    assert [mark for _id, mark in await marks_of(database_url, lesson, student)] == ["3"]


async def test_latin_letters_are_read_as_the_russian_keys_they_were_typed_on(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        late = await save(client, lesson, world.roster[0], "jg 5")
        assert late.status_code == 200 and 'value="ОП 5"' in late.text


async def test_readers_get_the_grid_without_inputs_and_cannot_write(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    lesson = await lesson_id(database_url, page, TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, lesson, world.roster[0], "5")).status_code == 200
    deputy = await add_user(database_url, f"grid-deputy-{school}", [("deputy", school)])
    director = await add_user(database_url, f"grid-director-{school}", [("director", school)])
    for login, refused in [(f"jr-ct-{school}", 404), (f"grid-deputy-{school}", 403), (f"grid-director-{school}", 403)]:
        async with make_client(plugins=PLUGINS) as client:
            await sign_in(client, login)
            grid = await client.get(f"/journal/pages/{page}")
            assert grid.status_code == 200, login
            assert grid.text.count('<tr id="journal-row-') == 30 and "<input aria-labelledby" not in grid.text
            assert f'<td class="journal-cell">5</td>' in grid.text
            async with database_unchanged(database_url):
                assert (await save(client, lesson, world.roster[0], "2", was="5")).status_code == refused, login
    assert deputy and director
    async with make_client(plugins=PLUGINS) as client:  # a teacher of another page reads nothing here
        await sign_in(client, f"tt-physics-{school}")
        assert (await client.get(f"/journal/pages/{page}")).status_code == 404
        assert (await client.get(f"/journal/pages/{world.tt.pages['5А физика']}")).status_code == 200
        async with database_unchanged(database_url):
            assert (await save(client, lesson, world.roster[0], "2", was="5")).status_code == 404


async def test_a_student_who_arrived_in_the_quarter_has_no_cells_before_arriving(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    newcomer = await add_user(database_url, f"grid-new-{school}", [("student", school)], full_name="Новенький Пётр")
    async with writing(database_url) as session:
        await session.execute(text(
            "INSERT INTO enrollment (school_id, student_id, class_group_id, starts_on, start_kind, start_order_number, "
            "end_order_number, end_note) VALUES (:school, :student, :class_id, :starts, 'arrived', '', '', '')"),
            {"school": school, "student": newcomer, "class_id": world.tt.classes["5А"], "starts": date(2026, 11, 16)})
    before, after = (await lesson_id(database_url, page, date(2026, 11, 13)), await lesson_id(database_url, page, TODAY))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        html = (await client.get(f"/journal/pages/{page}")).text
        row = re.search(rf'<tr id="journal-row-{newcomer}">.*?</tr>', html, re.S)[0]
        assert _("from %(date)s", date="16.11") in row
        assert f"journal-student-{newcomer} journal-col-{after}" in row
        assert f"journal-student-{newcomer} journal-col-{before}" not in row and "journal-cell--off" in row
        async with database_unchanged(database_url):
            assert (await save(client, before, newcomer, "5")).status_code == 404


async def test_the_grid_reads_a_fixed_number_of_statements_whatever_its_size(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        seen = count_statements(client)
        await client.get(f"/journal/pages/{page}")  # the lessons of the quarter are created once
        empty = await statements(client, seen, f"/journal/pages/{page}")
        small = await statements(client, seen, f"/journal/pages/{world.tt.pages['5Б математика']}")  # no students
        for offset in range(8):
            lesson = await lesson_id(database_url, page, TODAY - timedelta(days=offset + (2 if offset > 4 else 0)))
            for student in world.roster[:20]:
                assert (await save(client, lesson, student, "н" if student == world.roster[0] else "5 4")).status_code == 200
        full = await statements(client, seen, f"/journal/pages/{page}")
        month = await statements(client, seen, f"/journal/pages/{page}?month=2026-11")
    assert empty == small == full == month, (empty, small, full, month)
    # the session; the page (with its school, year, rules version and how far its lessons exist);
    # its teachers and the reader's appointments; the periods; the lessons, the roster, the marks
    # and absences, the year's hours, «без отметок» rules and whether the period is closed; the
    # period's final marks; the look, counted for the families («who viewed my child's data»)
    assert full == 10


async def test_saving_a_mark_takes_a_fixed_handful_of_statements(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        seen = count_statements(client)
        counts = []
        for student in world.roster[:3]:
            seen.clear()
            assert (await save(client, lesson, student, "5")).status_code == 200
            counts.append(len([s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]))
    # the session; the lesson, the right to write it, the cell and the period's marks; the mark, its
    # history line, its audit record and its event. The school's rules are read by the first save only, which also
    # notes that the lesson's attendance was taken (later saves find it noted).
    locks = 0 if database_url.startswith("sqlite") else 2  # PostgreSQL holds the school (against closing) and the lesson
    assert counts == [11 + locks, 6 + locks, 6 + locks], counts


async def test_the_average_after_a_save_is_the_lessons_period_and_ungraded_rules_are_the_pages(make_client, database_url):
    from core.structure.models import SubjectPage, UngradedRule

    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    first_quarter, lesson = await lesson_id(database_url, page, date(2026, 10, 20)), await lesson_id(database_url, page, TODAY)
    student = world.roster[0]
    async with writing(database_url) as session:
        other = await session.get(SubjectPage, world.tt.pages["5А физика"])
        session.add(UngradedRule(school_id=school, academic_year_id=world.tt.year, subject_id=other.subject_id))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, first_quarter, student, "2")).status_code == 200
        saved = await save(client, lesson, student, "5")
        assert saved.status_code == 200 and "(5·1)/1 = 5,00" in saved.text  # the first quarter's 2 is not in it
        async with writing(database_url) as session:
            math = await session.get(SubjectPage, page)
            session.add(UngradedRule(school_id=school, academic_year_id=world.tt.year, subject_id=math.subject_id,
                                     class_group_id=world.tt.classes["5А"]))
        async with database_unchanged(database_url):
            refused = await save(client, lesson, world.roster[1], "4")
        assert refused.status_code == 422 and _("This page is «without marks»: attendance and topics only.") in refused.text
        assert (await save(client, lesson, world.roster[1], "Н")).status_code == 200  # attendance still goes in


async def test_a_save_uses_the_rules_as_they_are_now(make_client, database_url):
    """Saves reuse the rules they read; a change of the rules (here a weight) is seen at once."""
    from plugins.journal.models import JournalWorkKind
    from plugins.journal.settings import KindInput, SettingsService, shown_as

    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, lesson, world.roster[0], "5")).status_code == 200
        async with writing(database_url) as session:
            kind = await session.scalar(select(JournalWorkKind).where(JournalWorkKind.school_id == school)
                                        .order_by(JournalWorkKind.sort_order).limit(1))
            await SettingsService(session, school).update_kind(kind.id, KindInput(kind.name, "2", shown=shown_as(kind)))
        assert (await save(client, lesson, world.roster[1], "4")).status_code == 200
    async with writing(database_url) as session:
        weights = dict((await session.execute(select(JournalGrade.student_id, JournalGrade.weight_hundredths).where(
            JournalGrade.lesson_id == lesson))).all())
    assert weights == {world.roster[0]: 100, world.roster[1]: 200}


async def test_the_start_page_shows_a_teachers_pages_and_todays_lessons_to_fill(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    lesson = await lesson_id(database_url, page, TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        home = await client.get("/journal/home")
        assert home.status_code == 200
        assert f'href="/journal/pages/{page}"' in home.text and f'id="journal-home-lesson-{lesson}"' in home.text
        assert _("to fill") in home.text
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        home = await client.get("/journal/home")
        assert home.status_code == 200 and f'href="/journal/pages/{page}"' in home.text
    async with writing(database_url) as session:
        assert await session.scalar(select(func.count()).select_from(JournalGrade)) == 0


async def test_a_refused_first_save_leaves_the_grid_and_the_next_saves_working(make_client, database_url):
    """The first save after a start reads the school's rules; refused, it must not spoil them."""
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    lesson = await lesson_id(database_url, page, TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, lesson, world.roster[0], "7")).status_code == 422
        assert (await save(client, lesson, world.roster[1], "5")).status_code == 200
        assert (await client.get(f"/journal/pages/{page}")).status_code == 200


async def test_a_cell_comes_back_as_it_is_stored_so_the_next_edit_is_no_conflict(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    student = world.roster[0]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, lesson, student, "5")).status_code == 200
        both = await save(client, lesson, student, "4 5", was="5")
        assert both.status_code == 200 and 'value="5 4"' in both.text  # the 5 was there first
        assert (await save(client, lesson, student, "5 3", was="5 4")).status_code == 200  # the 4 becomes a 3
        assert (await save(client, lesson, student, "", was="5 3")).status_code == 200
        async with database_unchanged(database_url):
            refused = await save(client, lesson, student, ",", was="")
        assert refused.status_code == 422
        assert _("Type a mark or an attendance code; to clear the cell, leave it empty.") in refused.text
    assert await marks_of(database_url, lesson, student) == []


async def test_what_a_cell_holds_stays_editable_when_the_rules_change(make_client, database_url):
    from plugins.journal.models import JournalAttendanceCode
    from plugins.journal.settings import CodeInput, SettingsService, shown_as

    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    student = world.roster[0]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await save(client, lesson, student, "у")).status_code == 200
        async with writing(database_url) as session:
            code = await session.scalar(select(JournalAttendanceCode).where(
                JournalAttendanceCode.school_id == school, JournalAttendanceCode.code == "У"))
            await SettingsService(session, school).update_code(code.id, CodeInput(
                code.code, code.name, is_absence=True, excused=True, archived=True, shown=shown_as(code)))
        kept = await save(client, lesson, student, "У 5", was="У")  # the archived code stays where it is
        assert kept.status_code == 200 and 'value="У 5"' in kept.text
        async with database_unchanged(database_url):
            assert (await save(client, lesson, world.roster[1], "У")).status_code == 422  # but is not given anew


async def test_a_deputy_who_teaches_types_into_their_own_page(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    async with writing(database_url) as session:
        await session.execute(text("INSERT INTO role_grant (user_id, school_id, role, granted_at) "
                                   "VALUES (:user, :school, 'deputy', :at)"),
                              {"user": world.teacher("math"), "school": school, "at": TODAY})
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        own = await client.get(f"/journal/pages/{page}")
        assert own.status_code == 200 and "<input aria-labelledby" in own.text
        other = await client.get(f"/journal/pages/{world.tt.pages['5А физика']}")  # read as the deputy
        assert other.status_code == 200 and "<input aria-labelledby" not in other.text


async def test_a_long_period_opens_on_its_month_and_can_be_shown_whole(make_client, database_url, monkeypatch):
    import plugins.journal.grid

    monkeypatch.setattr(plugins.journal.grid, "LONG_PERIOD", 10)
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        month = await client.get(f"/journal/pages/{page}")
        whole = await client.get(f"/journal/pages/{page}?month=all")
        assert (await client.get(f"/journal/pages/{page}?month=2027-13")).status_code == 404
    columns = [len(re.findall(r'<th scope="col" id="journal-col-', answer.text)) for answer in (month, whole)]
    assert columns == [18, 39], columns  # the weekdays of November from the 5th; the quarter's


async def test_a_group_page_shows_its_members(make_client, database_url):
    school, world = await journal_world(database_url)
    group = world.tt.pages["гр1"]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-english1-{school}")
        grid = await client.get(f"/journal/pages/{group}")
    assert grid.status_code == 200
    assert [world.student(name) for name in ("Аня", "Вера")] == [
        int(found) for found in re.findall(r'<tr id="journal-row-(\d+)"', grid.text)]


async def test_a_class_teacher_reads_only_their_own_students_in_a_group_of_two_classes(make_client, database_url):
    from core.structure.curriculum import PageService
    from core.structure.models import AcademicYear, Subject
    from core.structure.organisation import OrganisationService
    from plugins.journal.lessons import LessonService
    from tests.support.journal import as_user

    school, world = await journal_world(database_url)
    other = await add_user(database_url, f"grid-5b-{school}", [("student", school)], full_name="Бэшкин Пётр")
    async with writing(database_url) as session:
        await session.execute(text(
            "INSERT INTO enrollment (school_id, student_id, class_group_id, starts_on, start_kind, start_order_number, "
            "end_order_number, end_note) VALUES (:school, :student, :class_id, :starts, 'continued', '', '', '')"),
            {"school": school, "student": other, "class_id": world.tt.classes["5Б"], "starts": date(2026, 9, 1)})
        year = await session.get(AcademicYear, world.tt.year)
        subject = await session.scalar(select(Subject).where(Subject.school_id == school, Subject.name == "Физика"))
        organisation = OrganisationService(session, school)
        group = await organisation.add_group(year, name="Физика, 5-е, профиль", subject_id=subject.id,
                                             class_ids=[world.tt.classes["5А"], world.tt.classes["5Б"]])
        for student in (world.roster[0], other):
            await organisation.add_member(group, student_id=student, starts_on=date(2026, 9, 1), ends_on=None)
        page = await PageService(session, school).add_page(year, subject_id=subject.id, holder=f"g{group.id}")
        await PageService(session, school).assign(page, teacher_id=world.teacher("physics"), half_hours=2,
                                                  starts_on=date(2026, 9, 1), ends_on=None)
    async with writing(database_url) as session:  # the group has no timetable yet: an extra lesson
        await LessonService(session, as_user(world.teacher("physics"), school), TODAY).add_extra(page.id, TODAY, 7)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-physics-{school}")
        taught = await client.get(f"/journal/pages/{page.id}")
        await sign_in(client, f"jr-ct-{school}")
        led = await client.get(f"/journal/pages/{page.id}")
    rows = [re.findall(r'<tr id="journal-row-(\d+)"', answer.text) for answer in (taught, led)]
    assert rows == [[str(world.roster[0]), str(other)], [str(world.roster[0])]], rows  # by name


async def test_opening_the_journal_is_noted_for_the_families_who_viewed_page(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        for _ in range(3):
            assert (await client.get(f"/journal/pages/{page}")).status_code == 200
    assert await fetch(database_url, "SELECT kind, object_id, what, times FROM data_view") == [("page", page, "the class journal", 3)]

"""The filling deadline, the timeliness report, the summary sheets, a page's results, the
substitutions and the deputy's checks — each figure checked against one computed here from the rows
the test wrote, on screen and in the XLSX read back with openpyxl."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select, update

from core.auth.models import UserAccount
from core.i18n import gettext as _
from plugins.journal.deadlines import deadline_rules
from plugins.journal.models import (
    JournalAttendance, JournalCheckRecipient, JournalFinalGrade, JournalLesson, JournalSettings,
)
from tests.plugins.journal.test_finals import first_quarter
from tests.support.exports import FORMULAS, checked_xlsx, quoted
from tests.support.journal import TODAY, journal_world, lesson_form, lesson_id
from tests.support.people import add_user, sign_in
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing

PLUGINS = ("journal",)
ZONE = ZoneInfo("Asia/Yekaterinburg")
WEEK = [date(2026, 11, 9) + timedelta(days=offset) for offset in range(5)]  # Monday to Friday


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    import core.web.structure.common
    import plugins.journal.cells
    import plugins.journal.final_marks
    import plugins.journal.web.final_pages
    import plugins.journal.web.grid_pages

    for module in (core.web.structure.common, plugins.journal.cells, plugins.journal.web.grid_pages,
                   plugins.journal.final_marks, plugins.journal.web.final_pages):
        monkeypatch.setattr(module, "school_today", lambda timezone: TODAY)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(timezone.utc)


async def xlsx(response) -> list[list]:
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


# ---- the deadline --------------------------------------------------------------------------------


async def test_a_lesson_is_due_at_the_schools_time_and_a_late_second_shift_lesson_an_hour_after_its_end(database_url):
    school, world = await journal_world(database_url)
    async with writing(database_url) as session:
        rules = await deadline_rules(session, school, WEEK[0], WEEK[-1])
    first_shift, second_shift = world.tt.pages["5А математика"], world.tt.pages["6А математика"]
    assert rules.deadline(first_shift, WEEK[0], 1) == local(WEEK[0], 17)
    assert rules.deadline(second_shift, WEEK[0], 1) == local(WEEK[0], 17)  # ends 13:50: the school's time is later
    assert rules.deadline(second_shift, WEEK[0], 6) == local(WEEK[0], 19)  # ends 18:00
    assert rules.marks_deadline(first_shift, WEEK[0], 1, 7) == local(WEEK[0] + timedelta(days=7), 17)


async def test_the_first_moment_a_lesson_is_filled_is_kept(make_client, database_url):
    school, world = await journal_world(database_url)
    yesterday = TODAY - timedelta(days=1)  # begun, whatever the time of day the test runs at
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], yesterday)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        stored = {"topic": "", "homework": "", "no_homework": ""}
        saved = await client.post(f"/journal/lessons/{lesson}", data=lesson_form(stored, topic="Дроби"), follow_redirects=False)
        assert saved.status_code in (200, 303)
        async with writing(database_url) as session:
            row = await session.get(JournalLesson, lesson)
            assert row.topic == "Дроби" and row.attendance_at is None and row.completed_at is None
        student = world.roster[0]
        form = lesson_form({"topic": "Дроби", "homework": "", "no_homework": ""}, no_homework="1")
        form.update({f"att-{student}": "", f"att-{student}__was": ""})  # the class's attendance, all present
        assert (await client.post(f"/journal/lessons/{lesson}", data=form, follow_redirects=False)).status_code in (200, 303)
        async with writing(database_url) as session:
            row = await session.get(JournalLesson, lesson)
            completed = row.completed_at
            assert row.attendance_at is not None and completed is not None
        form = lesson_form({"topic": "Дроби", "homework": "", "no_homework": "1"}, topic="Обыкновенные дроби")
        form.update({f"att-{student}": "", f"att-{student}__was": ""})
        assert (await client.post(f"/journal/lessons/{lesson}", data=form, follow_redirects=False)).status_code in (200, 303)
    async with writing(database_url) as session:
        assert (await session.get(JournalLesson, lesson)).completed_at == completed


# ---- the timeliness report -----------------------------------------------------------------------


async def fill_week(url: str, world) -> dict[str, object]:
    """5А's mathematics of WEEK: Monday and Tuesday on time, Wednesday 26 hours late, Thursday
    90 minutes late, Friday not filled; the expected figures."""
    page = world.tt.pages["5А математика"]
    moments = [local(WEEK[0], 15), local(WEEK[1], 16, 59), local(WEEK[2] + timedelta(days=1), 19),
               local(WEEK[3], 18, 30), None]
    async with writing(url) as session:
        for day, moment in zip(WEEK, moments):
            await session.execute(update(JournalLesson).where(JournalLesson.subject_page_id == page, JournalLesson.day == day)
                                  .values(topic="Тема", attendance_at=moment, completed_at=moment))
    return {"due": 5, "on_time": 2, "late": 2, "missing": 1, "longest": "1 дн 2 ч", "average": "13 ч 45 мин"}


async def test_the_timeliness_report_counts_on_time_late_and_missing_lessons(make_client, database_url):
    school, world = await journal_world(database_url)
    expected = await fill_week(database_url, world)
    await add_user(database_url, f"dep-{school}", [("deputy", school)])
    query = f"from={WEEK[0].isoformat()}&to={WEEK[-1].isoformat()}"
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dep-{school}")
        page = await client.get(f"/journal/reports/timeliness?{query}")
        assert page.status_code == 200
        teacher = world.teacher("math")
        block = re.search(rf'id="journal-timeliness-teacher-{teacher}">(.*?)</tbody>', page.text, re.S)[1]
        row = re.search(r'Математика, 5А</a></td>\s*((?:<td[^>]*>[^<]*</td>\s*)+)', block)[1]
        cells = re.findall(r'<td[^>]*>([^<]*)</td>', row)
        assert cells[:8] == [str(expected["due"]), str(expected["on_time"]), str(expected["late"]), expected["average"],
                             expected["longest"], str(expected["missing"]), "40 %", ""]
        lessons = await client.get(f"/journal/reports/timeliness?{query}&teacher={teacher}&page={world.tt.pages['5А математика']}")
        assert lessons.text.count("journal-overdue") >= 3 and _("not filled") in lessons.text
        rows = await xlsx(await client.get(f"/journal/reports/timeliness.xlsx?{query}"))
        sheet_row = next(r for r in rows if r[0] == "Числова Анна Петровна" and r[1] == "Математика, 5А")
        assert sheet_row[2:8] == [5, 2, 2, expected["average"], expected["longest"], 1]
        async with database_unchanged(database_url):
            bad = await client.get(f"/journal/reports/timeliness?from={WEEK[-1].isoformat()}&to={WEEK[0].isoformat()}")
        assert bad.status_code == 422 and _("The last day comes before the first one: check the dates.") in bad.text
        await sign_in(client, f"tt-math-{school}")
        assert (await client.get(f"/journal/reports/timeliness?{query}")).status_code == 403


async def test_a_teacher_sees_their_overdue_lessons(make_client, database_url):
    school, world = await journal_world(database_url)
    await fill_week(database_url, world)
    friday = await lesson_id(database_url, world.tt.pages["5А математика"], WEEK[-1])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        home = await client.get("/journal/home")
    overdue = re.search(r'id="journal-home-overdue">(.*?)</section>', home.text, re.S)[1]
    assert f"/journal/lessons/{friday}" in overdue
    assert f"/journal/lessons/{await lesson_id(database_url, world.tt.pages['5А математика'], WEEK[0])}\"" not in overdue


async def test_a_non_time_deadline_setting_is_refused(make_client, database_url):
    school, _world = await journal_world(database_url)
    await add_user(database_url, f"adm-{school}", [("journal_admin", school)])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"adm-{school}")
        async with writing(database_url) as session:
            version = await session.scalar(select(JournalSettings.version).where(JournalSettings.school_id == school))
        form = {"allow_double_marks": "1", "final_threshold": "0,5", "finals_open_days": "7", "finals_min_marks": "3",
                "finals_comment_gap": "1", "amend_teacher": "1", "amend_class_teacher": "1", "version": str(version or 0),
                "finals_form": "1"}
        async with database_unchanged(database_url):
            bad = await client.post("/journal/settings", data={**form, "fill_deadline": "25:70"}, follow_redirects=False)
        assert bad.status_code == 422 and _("Enter the time as hours and minutes, e.g. 17:00.") in bad.text
        good = await client.post("/journal/settings", data={**form, "fill_deadline": "18.30"}, follow_redirects=False)
        assert good.status_code == 303
    async with writing(database_url) as session:
        assert await session.scalar(select(JournalSettings.fill_deadline).where(JournalSettings.school_id == school)) == time(18, 30)


# ---- summaries and results -----------------------------------------------------------------------


async def test_the_summary_of_marks_and_the_pages_results_compute_success_and_quality(make_client, database_url):
    school, world = await journal_world(database_url)
    period = await first_quarter(database_url, world)
    math, physics = world.tt.pages["5А математика"], world.tt.pages["5А физика"]
    roster = world.roster
    math_marks = ["5", "4", "3", "2", "н/а", "осв"] + ["4"] * (len(roster) - 6)
    physics_marks = ["5", "5", "4", "4", "3", "5"] + ["5"] * (len(roster) - 6)
    async with writing(database_url) as session:
        for page, marks in ((math, math_marks), (physics, physics_marks)):
            for student, mark in zip(roster, marks):
                session.add(JournalFinalGrade(school_id=school, subject_page_id=page, student_id=student, kind="period",
                                              study_period_id=period, mark=mark))
    # success: not «2», «н/а»: everyone but students 3 and 4 → 28/30; quality: only 4 and 5 (and осв): 0, 1, 5 and
    # the last 24 → 27/30; student 5 («осв» and 5) counts on physics alone
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        summary = await client.get(f"/journal/classes/{world.tt.classes['5А']}/summary?term={period}")
        assert summary.status_code == 200
        rates = re.search(r'id="journal-summary-rates">(.*?)</p>', summary.text, re.S)[1]
        assert "93 %" in rates and "90 %" in rates  # 28/30, 27/30
        rows = await xlsx(await client.get(f"/journal/classes/{world.tt.classes['5А']}/summary.xlsx?term={period}"))
        header = rows[0]
        math_column = header.index("Математика")
        assert [row[math_column] for row in rows[1:31]] == math_marks
        footer = [row for row in rows if row[1] == "Успеваемость"][0]
        assert footer[math_column] == "93 %"  # 27 of 29 listed («осв» is not listed): 93 %
        results = await client.get(f"/journal/pages/{math}/results?term={period}")
        assert results.status_code == 200
        figures = dict(re.findall(r'<dt>([^<]+)</dt><dd>([^<]+)</dd>', results.text))
        assert figures["«4»"] == str(len(roster) - 5) and figures["«2»"] == "1" and figures["«н/а»"] == "1"
        assert figures[_("Success rate")] == "93 %" and figures[_("Quality rate")] == "90 %"  # 26 of 29
        assert figures[_("Average")] == "3,93"  # (5 + 4·25 + 3 + 2)/28 = 3,928…
        sheet = await xlsx(await client.get(f"/journal/pages/{math}/results.xlsx?term={period}"))
        assert [row[2] for row in sheet[1:31]] == math_marks  # each student's mark, as on the sheet
        footer = {row[1]: row[2:] for row in sheet[31:]}
        assert footer[_("Success rate")][0] == "93 %" and footer[_("Quality rate")][0] == "90 %"
        assert footer[_("Average")][0] == "3,93" and "«4»: 25" in footer[_("Marks")]
        await sign_in(client, f"tt-physics-{school}")
        assert (await client.get(f"/journal/classes/{world.tt.classes['5А']}/summary")).status_code == 403


async def test_the_summary_of_attendance_counts_lessons_and_whole_days_by_reason(make_client, database_url):
    school, world = await journal_world(database_url)
    student = world.roster[0]
    monday = date(2026, 11, 16)  # 5А: mathematics (1), English (2, a group Абрамов is not in), physics (3)
    math, physics = world.tt.pages["5А математика"], world.tt.pages["5А физика"]
    entries = [(math, monday, "Б"), (physics, monday, "Б"), (math, monday + timedelta(days=1), "Н"),
               (math, monday + timedelta(days=2), "У"), (math, monday + timedelta(days=3), "ОП")]
    async with writing(database_url) as session:
        for page, day, code in entries:
            lesson = await session.scalar(select(JournalLesson.id).where(JournalLesson.subject_page_id == page,
                                                                         JournalLesson.day == day))
            session.add(JournalAttendance(school_id=school, lesson_id=lesson, student_id=student, code=code))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        page = await client.get(f"/journal/classes/{world.tt.classes['5А']}/attendance?from=2026-11-01&to=2026-11-30")
        assert page.status_code == 200
        row = re.search(rf'id="journal-attendance-{student}">(.*?)</tr>', page.text, re.S)[1]
        cells = re.findall(r'<td[^>]*>([^<]*)</td>', row)
        # November: 4 lessons (2 ill, 1 excused, 1 unexcused; «ОП» is not an absence); 3 whole days: Monday (both
        # his lessons), Tuesday and Wednesday (mathematics is his only lesson)
        assert cells[1:6] == ["4", "2", "1", "1", "3"]
        rows = await xlsx(await client.get(f"/journal/classes/{world.tt.classes['5А']}/attendance.xlsx?from=2026-11-01&to=2026-11-30"))
        line = next(r for r in rows if r[1] == world.names[student])
        assert line[2:7] == [4, 2, 1, 1, 3]
        async with database_unchanged(database_url):
            bad = await client.get(f"/journal/classes/{world.tt.classes['5А']}/attendance?from=2026-11-30&to=2026-11-01")
        assert bad.status_code == 422


# ---- substitutions and checks --------------------------------------------------------------------


async def test_the_months_substitutions_are_listed_by_teacher_and_kind(make_client, database_url):
    school, world = await journal_world(database_url)
    await add_user(database_url, f"dep-{school}", [("deputy", school)])
    page = world.tt.pages["5А математика"]
    async with writing(database_url) as session:
        await session.execute(update(JournalLesson).where(JournalLesson.subject_page_id == page,
                                                          JournalLesson.day.in_(WEEK[:2])).values(
            teacher_id=world.teacher("spare"), replaced_teacher_id=world.teacher("math"), change_kind="substitute"))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dep-{school}")
        shown = await client.get("/journal/reports/substitutions?month=2026-11")
        assert shown.status_code == 200
        row = re.search(r'Запасова Вера Павловна</a></th><td>(\d+)</td>', shown.text)
        assert row and row[1] == "2"
        rows = await xlsx(await client.get("/journal/reports/substitutions.xlsx?month=2026-11"))
        assert rows[1][:2] == ["Запасова Вера Павловна", 2]
        assert (await client.get("/journal/reports/substitutions?month=2026-13")).status_code == 422


async def test_a_check_note_reaches_the_teachers_concerned_who_mark_it_read(make_client, database_url):
    school, world = await journal_world(database_url)
    await add_user(database_url, f"dep-{school}", [("deputy", school)])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dep-{school}")
        async with database_unchanged(database_url):
            future = await client.post("/journal/checks", data={
                "checked_on": (TODAY + timedelta(days=1)).isoformat(), "scope": f"class-{world.tt.classes['5А']}",
                "subject": "", "findings": "x", "recommendations": ""}, follow_redirects=False)
            assert future.status_code == 422
            empty = await client.post("/journal/checks", data={
                "checked_on": TODAY.isoformat(), "scope": "class-999999", "subject": "", "findings": "",
                "recommendations": ""}, follow_redirects=False)
            assert empty.status_code == 422
        made = await client.post("/journal/checks", data={
            "checked_on": TODAY.isoformat(), "scope": f"class-{world.tt.classes['5А']}", "subject": "Домашние задания",
            "findings": "На 3 уроках нет д/з", "recommendations": "Заполнять в день урока"}, follow_redirects=False)
        assert made.status_code == 303
        check_id = int(made.headers["location"].rsplit("/", 1)[1])
        async with writing(database_url) as session:
            readers = set((await session.execute(select(JournalCheckRecipient.teacher_id).where(
                JournalCheckRecipient.check_id == check_id))).scalars())
        # 5А's class teacher and the teachers of its pages that day: mathematics, physics, both English groups
        assert readers == {world.class_teacher, world.teacher("math"), world.teacher("physics"), world.teacher("english1"),
                           world.teacher("english2")}
        await sign_in(client, f"tt-math-{school}")
        assert (await client.get(f"/journal/checks/{check_id}")).status_code == 404  # not sent yet
        await sign_in(client, f"dep-{school}")
        assert (await client.post(f"/journal/checks/{check_id}/send", data={"version": "1"}, follow_redirects=False)).status_code == 303
        await sign_in(client, f"tt-math-{school}")
        home = await client.get("/journal/home")
        assert f"/journal/checks/{check_id}" in home.text
        note = await client.get(f"/journal/checks/{check_id}")
        assert "На 3 уроках нет д/з" in note.text
        assert (await client.post(f"/journal/checks/{check_id}/read", follow_redirects=False)).status_code == 303
        assert f"/journal/checks/{check_id}" not in (await client.get("/journal/home")).text
        await sign_in(client, f"tt-spare-{school}")
        assert (await client.get(f"/journal/checks/{check_id}")).status_code == 404


# ---- the exports keep formulas as text (CWE-1236) ------------------------------------------------


async def rename(url: str, people: list[int], names=FORMULAS) -> None:
    """Names as a school's import could store them (the forms refuse them): each a formula."""
    async with writing(url) as session:
        for person, name in zip(people, names):
            await session.execute(update(UserAccount).where(UserAccount.id == person).values(full_name=name))


async def test_the_timeliness_export_keeps_formula_like_names_and_topics_as_text(make_client, database_url):
    school, world = await journal_world(database_url)
    await fill_week(database_url, world)
    await rename(database_url, [world.teacher("math")], FORMULAS[-1:])
    async with writing(database_url) as session:
        for day, topic in zip(WEEK, FORMULAS):
            await session.execute(update(JournalLesson).where(JournalLesson.subject_page_id == world.tt.pages["5А математика"],
                                                              JournalLesson.day == day).values(topic=topic))
    await add_user(database_url, f"dep-{school}", [("deputy", school)])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dep-{school}")
        response = await client.get(f"/journal/reports/timeliness.xlsx?from={WEEK[0].isoformat()}&to={WEEK[-1].isoformat()}")
    values = checked_xlsx(response.content)
    assert all(quoted(values, formula) for formula in FORMULAS) and 5 in values  # the lessons due stay a number


async def test_the_substitutions_export_keeps_formula_like_names_as_text(make_client, database_url):
    school, world = await journal_world(database_url)
    await add_user(database_url, f"dep-{school}", [("deputy", school)])
    await rename(database_url, [world.teacher("spare"), world.teacher("math")])
    async with writing(database_url) as session:
        await session.execute(update(JournalLesson).where(JournalLesson.subject_page_id == world.tt.pages["5А математика"],
                                                          JournalLesson.day.in_(WEEK[:2])).values(
            teacher_id=world.teacher("spare"), replaced_teacher_id=world.teacher("math"), change_kind="substitute"))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dep-{school}")
        values = checked_xlsx((await client.get("/journal/reports/substitutions.xlsx?month=2026-11")).content)
    assert quoted(values, FORMULAS[0]) and quoted(values, FORMULAS[1]) and 2 in values


async def students_with_formula_names(url: str, world) -> int:
    """The first students of 5А named as formulas, everyone with a «5» in the first quarter: the quarter."""
    period = await first_quarter(url, world)
    await rename(url, world.roster)
    async with writing(url) as session:
        for student in world.roster:
            session.add(JournalFinalGrade(school_id=world.school, subject_page_id=world.tt.pages["5А математика"],
                                          student_id=student, kind="period", study_period_id=period, mark="5"))
    return period


async def test_the_marks_summary_export_keeps_formula_like_names_as_text(make_client, database_url):
    school, world = await journal_world(database_url)
    period = await students_with_formula_names(database_url, world)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        values = checked_xlsx((await client.get(f"/journal/classes/{world.tt.classes['5А']}/summary.xlsx?term={period}")).content)
    assert all(quoted(values, formula) for formula in FORMULAS)
    assert values.count("5") == len(world.roster) and 30 in values  # marks as given, the row numbers numbers


async def test_the_page_results_export_keeps_formula_like_names_as_text(make_client, database_url):
    school, world = await journal_world(database_url)
    period = await students_with_formula_names(database_url, world)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        response = await client.get(f"/journal/pages/{world.tt.pages['5А математика']}/results.xlsx?term={period}")
    values = checked_xlsx(response.content)
    assert all(quoted(values, formula) for formula in FORMULAS)
    assert values.count("5") == len(world.roster) and 30 in values


async def test_the_attendance_summary_export_keeps_formula_like_names_as_text(make_client, database_url):
    school, world = await journal_world(database_url)
    await rename(database_url, world.roster)
    async with writing(database_url) as session:
        lesson = await session.scalar(select(JournalLesson.id).where(
            JournalLesson.subject_page_id == world.tt.pages["5А математика"], JournalLesson.day == date(2026, 11, 17)))
        session.add(JournalAttendance(school_id=school, lesson_id=lesson, student_id=world.roster[0], code="Н"))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        response = await client.get(f"/journal/classes/{world.tt.classes['5А']}/attendance.xlsx?from=2026-11-01&to=2026-11-30")
    values = checked_xlsx(response.content)
    assert all(quoted(values, formula) for formula in FORMULAS)
    assert values[values.index("'" + FORMULAS[0]) + 1] == 1  # the lesson the first student missed stays a number

"""Absence reasons: the class teacher changes codes and gives reasons for their class's entries across
subjects (one entry, or a student's range of days, all or nothing); the subject teacher's code stays
in the history; a stale form, a bad code and anything outside the class or the enrollment change nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from core.i18n import gettext as _
from core.i18n import ngettext
from plugins.journal.history import HistoryWriter
from plugins.journal.models import JournalAttendance, JournalAttendanceCode
from tests.core.structure.test_subject_pages import count_statements, statements
from tests.support.journal import TODAY, JournalSchool, journal_world, lesson_id
from tests.support.people import add_user, sign_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing

PLUGINS = ("journal",)
MONDAY = TODAY - timedelta(days=TODAY.weekday())  # 16 November 2026
NOTE = "справка от врача № 123"


async def mark(url: str, world: JournalSchool, page: str, day: date, student: int, code: str = "Н",
               teacher: str = "math") -> int:
    """The subject teacher's attendance entry, with its history line: the entry's id."""
    lesson = await lesson_id(url, world.tt.pages[page], day)
    by = world.teacher(teacher)
    async with writing(url) as session:
        row = JournalAttendance(school_id=world.school, lesson_id=lesson, student_id=student, code=code, updated_by=by)
        session.add(row)
        await session.flush()
        HistoryWriter(session, world.school, by).add(lesson, "attendance", "code", None, code, student_id=student,
                                                     record_id=row.id)
        return row.id


async def entry(url: str, attendance_id: int) -> tuple:
    rows = await fetch(url, "SELECT code, reason, version, updated_by FROM journal_attendance WHERE id = :id", id=attendance_id)
    return rows[0]


def row_htmx(attendance_id: int) -> dict[str, str]:
    return {"hx-request": "true", "hx-target": f"journal-absence-{attendance_id}"}


async def test_a_class_teacher_changes_an_absence_with_a_reason_and_the_history_keeps_both(make_client, database_url):
    school, world = await journal_world(database_url)
    student = world.roster[0]
    absent = await mark(database_url, world, "5А математика", TODAY, student)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        page = await client.get(f"/journal/classes/{world.tt.classes['5А']}/absences?week={TODAY.isoformat()}")
        assert page.status_code == 200 and f'id="journal-absence-{absent}"' in page.text
        assert world.names[student] in page.text and "Математика" in page.text and "Числова А. П." in page.text
        saved = await client.post(f"/journal/attendance/{absent}/reason", data={"code": "Б", "reason": NOTE, "version": "1"},
                                  headers=row_htmx(absent))
        assert saved.status_code == 200, saved.text
        assert saved.text.lstrip().startswith(f'<tr id="journal-absence-{absent}"') and f'value="{NOTE}"' in saved.text
        assert '<option value="Б" selected>' in saved.text and _("Saved.") in saved.text
        history = await client.get(f"/journal/lessons/{await lesson_id(database_url, world.tt.pages['5А математика'], TODAY)}"
                                   f"/history?student={student}")
        assert history.status_code == 200 and "Числова" in history.text and "Классная" in history.text and NOTE in history.text
    assert await entry(database_url, absent) == ("Б", NOTE, 2, world.class_teacher)
    lines = await fetch(database_url, "SELECT field, old_value, new_value, reason, changed_by FROM journal_history "
                                      "WHERE record_id = :id ORDER BY id", id=absent)
    assert lines == [("code", None, "Н", "", world.teacher("math")), ("code", "Н", "Б", NOTE, world.class_teacher),
                     ("reason", None, NOTE, "", world.class_teacher)]
    events = await fetch(database_url, "SELECT payload FROM outbox_event WHERE name = 'journal.attendance_marked'")
    payload = json.loads(events[0][0]) if isinstance(events[0][0], str) else events[0][0]
    assert len(events) == 1 and (payload["code"], payload["old_code"], payload["is_absence"]) == ("Б", "Н", True)


async def test_the_week_groups_entries_by_student_and_day_across_subjects_in_fixed_statements(make_client, database_url):
    school, world = await journal_world(database_url)
    anya = world.student("Аня")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        seen = count_statements(client)
        url = f"/journal/classes/{world.tt.classes['5А']}/absences?week={MONDAY.isoformat()}"
        empty = await statements(client, seen, url)
        await mark(database_url, world, "гр1", MONDAY, anya, "Н", teacher="english1")
        await mark(database_url, world, "5А математика", MONDAY, anya)
        for student in world.roster[:10]:
            await mark(database_url, world, "5А математика", MONDAY + timedelta(days=2), student, "ОП")
        assert await statements(client, seen, url) == empty
        page = (await client.get(url)).text
    section = page.split(f'id="journal-absences-student-{anya}"')[1].split("</section>")[0]
    assert "Иностранный язык (английский)" in section and "Математика" in section  # across subjects
    assert section.count('class="journal-absences-day"') == 2  # Monday, Wednesday
    assert ngettext("%(num)d entry", "%(num)d entries", 3) in section


async def test_other_classes_and_days_outside_the_enrollment_are_out_of_reach(make_client, database_url):
    school, world = await journal_world(database_url)
    other = await add_user(database_url, f"ct-5b-{school}", [("class_teacher", school)], full_name="Другая Классная")
    moved = await add_user(database_url, f"moved-{school}", [("student", school)], full_name="Переведённый Ученик")
    async with writing(database_url) as session:
        from core.people.models import Enrollment
        from core.structure.models import ClassTeacherAppointment

        session.add(ClassTeacherAppointment(school_id=school, class_group_id=world.tt.classes["5Б"], teacher_id=other,
                                            starts_on=date(2026, 9, 1)))
        for class_id, starts, ends in ((world.tt.classes["5Б"], date(2026, 9, 1), TODAY - timedelta(days=2)),
                                       (world.tt.classes["5А"], TODAY - timedelta(days=1), None)):
            session.add(Enrollment(school_id=school, student_id=moved, class_group_id=class_id, starts_on=starts, ends_on=ends,
                                   start_kind="continued"))
    in_5b = await mark(database_url, world, "5Б математика", TODAY - timedelta(days=2), moved)
    in_5a = await mark(database_url, world, "5А математика", TODAY - timedelta(days=1), moved)
    ours = await mark(database_url, world, "5А математика", TODAY, world.roster[0])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        page = await client.get(f"/journal/classes/{world.tt.classes['5А']}/absences?week={TODAY.isoformat()}")
        assert f'id="journal-absence-{in_5a}"' in page.text and f'id="journal-absence-{in_5b}"' not in page.text
        async with database_unchanged(database_url):
            assert (await client.get(f"/journal/classes/{world.tt.classes['5Б']}/absences")).status_code == 404
            answer = await client.post(f"/journal/attendance/{in_5b}/reason", data={"code": "Б", "reason": "x", "version": "1"})
            assert answer.status_code == 404
            bulk = await client.post(f"/journal/classes/{world.tt.classes['5Б']}/absences", data={
                "student_id": moved, "starts_on": MONDAY.isoformat(), "ends_on": TODAY.isoformat(), "code": "Б"})
            assert bulk.status_code == 404
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"ct-5b-{school}")
        async with database_unchanged(database_url):
            assert (await client.get(f"/journal/classes/{world.tt.classes['5А']}/absences")).status_code == 404
            answer = await client.post(f"/journal/attendance/{ours}/reason", data={"code": "Б", "reason": "x", "version": "1"})
            assert answer.status_code == 404
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")  # the subject teacher is not a class teacher: not allowed at all
        async with database_unchanged(database_url):
            answer = await client.post(f"/journal/attendance/{ours}/reason", data={"code": "Б", "reason": "x", "version": "1"})
            assert answer.status_code == 403


async def test_a_stale_form_is_refused_with_the_current_value_and_changes_nothing(make_client, database_url):
    school, world = await journal_world(database_url)
    absent = await mark(database_url, world, "5А математика", TODAY, world.roster[0])
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        first = await client.post(f"/journal/attendance/{absent}/reason", data={"code": "Б", "reason": NOTE, "version": "1"},
                                  headers=row_htmx(absent))
        assert first.status_code == 200
        async with database_unchanged(database_url):
            stale = await client.post(f"/journal/attendance/{absent}/reason",
                                      data={"code": "У", "reason": "заявление родителей", "version": "1"}, headers=row_htmx(absent))
        assert stale.status_code == 409
        assert _("Changed meanwhile; now: %(value)s", value=f"Б — {NOTE}") in stale.text and "Классная Елена Сергеевна" in stale.text
        assert 'value="заявление родителей"' in stale.text  # what was typed stays in the form
        plain = await client.post(f"/journal/attendance/{absent}/reason", data={"code": "У", "reason": "", "version": "1"})
        assert plain.status_code == 409 and 'id="journal-absences-week"' in plain.text  # a plain form: the whole week
        same = await client.post(f"/journal/attendance/{absent}/reason", data={"code": "Б", "reason": NOTE, "version": "1"},
                                 headers=row_htmx(absent))
        assert same.status_code == 200 and _("Nothing changed.") in same.text  # another tab saved the same: no conflict
    assert await entry(database_url, absent) == ("Б", NOTE, 2, world.class_teacher)


async def test_a_reason_given_later_leaves_the_time_the_absence_was_marked(make_client, database_url):
    """Families see an absence as new when its code was set, not when the class teacher adds a reason."""
    from datetime import datetime, timezone

    from sqlalchemy import update

    school, world = await journal_world(database_url)
    absent = await mark(database_url, world, "5А математика", TODAY, world.roster[0])
    old = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    async with writing(database_url) as session:
        await session.execute(update(JournalAttendance).where(JournalAttendance.id == absent).values(marked_at=old))

    async def marked_at() -> datetime:
        async with writing(database_url) as session:
            return await session.scalar(select(JournalAttendance.marked_at).where(JournalAttendance.id == absent))

    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        reason = await client.post(f"/journal/attendance/{absent}/reason", data={"code": "Н", "reason": NOTE, "version": "1"},
                                   headers=row_htmx(absent))
        assert reason.status_code == 200 and await marked_at() == old
        code = await client.post(f"/journal/attendance/{absent}/reason", data={"code": "Б", "reason": NOTE, "version": "2"},
                                 headers=row_htmx(absent))
        assert code.status_code == 200 and await marked_at() > old


async def test_a_bad_code_or_reason_is_refused_and_changes_nothing(make_client, database_url):
    school, world = await journal_world(database_url)
    absent = await mark(database_url, world, "5А математика", TODAY, world.roster[0])
    async with writing(database_url) as session:
        archived = await session.scalar(select(JournalAttendanceCode).where(
            JournalAttendanceCode.school_id == school, JournalAttendanceCode.code == "У"))
        archived.is_archived = True
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        async with database_unchanged(database_url):
            for code, reason in (("Х", ""), ("", ""), ("У", ""), ("Б", "я" * 301)):
                answer = await client.post(f"/journal/attendance/{absent}/reason",
                                           data={"code": code, "reason": reason, "version": "1"}, headers=row_htmx(absent))
                assert answer.status_code == 422, (code, answer.text)
                field = "reason" if reason else "code"
                assert f'id="journal-absence-form-{absent}-{field}-error"' in answer.text
        bad = await client.post(f"/journal/attendance/{absent}/reason", data={"code": "Х", "version": "1"}, headers=row_htmx(absent))
        assert _("Choose an attendance code from the list.") in bad.text
    assert await entry(database_url, absent) == ("Н", "", 1, world.teacher("math"))


async def test_one_reason_for_a_range_of_days_is_all_or_nothing(make_client, database_url):
    school, world = await journal_world(database_url)
    anya, other = world.student("Аня"), world.roster[5]
    monday = await mark(database_url, world, "5А математика", MONDAY, anya)
    english = await mark(database_url, world, "гр1", MONDAY + timedelta(days=1), anya, teacher="english1")
    late = await mark(database_url, world, "5А математика", MONDAY + timedelta(days=2), anya, "ОП")
    later = await mark(database_url, world, "5А математика", TODAY, anya)
    someone_else = await mark(database_url, world, "5А математика", MONDAY, other)
    url = f"/journal/classes/{world.tt.classes['5А']}/absences"
    form = {"student_id": anya, "starts_on": MONDAY.isoformat(), "ends_on": (MONDAY + timedelta(days=2)).isoformat(),
            "code": "Б", "reason": NOTE, "week": MONDAY.isoformat()}
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        async with database_unchanged(database_url):
            for wrong, field in (({"code": "ОП"}, "code"), ({"code": "Х"}, "code"), ({"ends_on": "2026-11-01"}, "ends_on"),
                                 ({"starts_on": "31.02.2026"}, "starts_on"), ({"reason": "я" * 301}, "reason")):
                answer = await client.post(url, data={**form, **wrong})
                assert answer.status_code == 422, (wrong, answer.text)
                assert f'id="journal-absences-bulk-{anya}-{field}-error"' in answer.text
            nothing = await client.post(url, data={**form, "starts_on": "2026-11-07", "ends_on": "2026-11-08"})
            assert nothing.status_code == 422 and _("The student has no absences on these days: there is nothing to change.") in nothing.text
        answer = await client.post(url, data=form, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"{url}?week={MONDAY.isoformat()}"
        shown = await client.get(answer.headers["location"])
        assert ngettext("%(num)d entry was changed.", "%(num)d entries were changed.", 2) in shown.text
    assert [(await entry(database_url, row))[:2] for row in (monday, english, late, later, someone_else)] == [
        ("Б", NOTE), ("Б", NOTE), ("ОП", ""), ("Н", ""), ("Н", "")]
    events = await fetch(database_url, "SELECT count(*) FROM outbox_event WHERE name = 'journal.attendance_marked'")
    assert events[0][0] == 2


async def test_a_late_student_is_not_made_absent_by_the_class_teacher(make_client, database_url):
    school, world = await journal_world(database_url)
    late = await mark(database_url, world, "5А математика", TODAY, world.roster[1], code="ОП")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        async with database_unchanged(database_url):
            refused = await client.post(f"/journal/attendance/{late}/reason", data={"code": "Н", "reason": "", "version": "1"},
                                        headers=row_htmx(late))
        assert refused.status_code == 422
        assert _("The student was at the lesson: the subject teacher marks absences.") in refused.text


async def test_a_teacher_of_two_classes_chooses_one(make_client, database_url):
    from core.structure.models import ClassTeacherAppointment

    school, world = await journal_world(database_url)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        one = await client.get("/journal/absences", follow_redirects=False)
        assert one.status_code == 303 and one.headers["location"] == f"/journal/classes/{world.tt.classes['5А']}/absences"
        async with writing(database_url) as session:
            session.add(ClassTeacherAppointment(school_id=school, class_group_id=world.tt.classes["5Б"],
                                                teacher_id=world.class_teacher, starts_on=date(2026, 9, 1)))
        choice = await client.get("/journal/absences")
        assert choice.status_code == 200
        assert f'href="/journal/classes/{world.tt.classes["5А"]}/absences">5А' in choice.text
        assert f'href="/journal/classes/{world.tt.classes["5Б"]}/absences">5Б' in choice.text

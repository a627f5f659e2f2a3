"""The journal's pages through the app: a teacher's week, the per-lesson form saved with htmx,
refusals shown in place with nothing saved, a cell's history, read-only for the administration."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from core.i18n import gettext as _
from plugins.journal.models import JournalAttendance, JournalGrade, JournalLesson
from tests.core.structure.test_subject_pages import count_statements, statements
from tests.support.journal import TODAY, add_journal_school, journal_world, lesson_id
from tests.support.people import add_school, add_user, sign_in
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing

PLUGINS = ("journal",)
HTMX = {"hx-request": "true", "hx-target": "journal-lesson"}


def shown_form(html: str) -> dict[str, str]:
    """The form's values as a browser would send them (checked radios and boxes, selected options)."""
    form = re.search(r'<form[^>]*id="journal-lesson-form".*?</form>', html, re.S)[0]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or " disabled" in tag:
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        if kind in ("radio", "checkbox") and " checked" not in tag:
            continue
        values[name[1]] = re.search(r'value="([^"]*)"', tag)[1] if 'value="' in tag else "on"
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body) or re.search(r'<option value="([^"]*)"', body)
        values[name] = chosen[1] if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = body
    return values


async def test_a_teacher_fills_a_lesson_on_the_page(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        week = await client.get(f"/journal/lessons?week={TODAY.isoformat()}")
        assert week.status_code == 200 and f'id="journal-line-{lesson}"' in week.text and _("not filled") in week.text
        page = await client.get(f"/journal/lessons/{lesson}")
        assert page.status_code == 200 and page.text.count('class="journal-name"') == 30
        form = shown_form(page.text)
        form.update({"topic": "Сложение дробей", "homework": "№ 245", f"att-{world.roster[0]}": "Н",
                     f"new-{world.roster[1]}": "5 4"})
        saved = await client.post(f"/journal/lessons/{lesson}", data=form, headers=HTMX)
        assert saved.status_code == 200, saved.text
        assert 'id="journal-lesson"' in saved.text and _("The lesson is saved.") in saved.text
        assert 'value="Сложение дробей"' in saved.text
        history = await client.get(f"/journal/lessons/{lesson}/history?student={world.roster[1]}",
                                   headers={"hx-request": "true", "hx-target": "journal-history"})
        assert history.status_code == 200 and history.text.count("<tr>") == 3  # the header and two marks
    async with writing(database_url) as session:
        assert (await session.get(JournalLesson, lesson)).topic == "Сложение дробей"
        assert await session.scalar(select(JournalAttendance.code).where(JournalAttendance.lesson_id == lesson)) == "Н"
        assert sorted((await session.execute(select(JournalGrade.mark).where(JournalGrade.lesson_id == lesson))).scalars()) == ["4", "5"]


async def test_a_refused_save_shows_the_form_again_and_saves_nothing(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        form = shown_form((await client.get(f"/journal/lessons/{lesson}")).text)
        form.update({"topic": "Тема, которую жаль потерять", f"new-{world.roster[2]}": "7"})
        async with database_unchanged(database_url):
            refused = await client.post(f"/journal/lessons/{lesson}", data=form, headers=HTMX)
        assert refused.status_code == 422
        assert 'value="Тема, которую жаль потерять"' in refused.text and 'value="7"' in refused.text  # nothing typed is lost
        assert f'id="journal-new-{world.roster[2]}-error"' in refused.text
        # another tab saved an absence meanwhile: this form's different code is a conflict, shown with the current value
        first = shown_form((await client.get(f"/journal/lessons/{lesson}")).text)
        other = dict(first, **{f"att-{world.roster[3]}": "Б"})
        assert (await client.post(f"/journal/lessons/{lesson}", data=other, headers=HTMX)).status_code == 200
        stale = dict(first, **{f"att-{world.roster[3]}": "Н"})
        async with database_unchanged(database_url):
            conflict = await client.post(f"/journal/lessons/{lesson}", data=stale, headers=HTMX)
        assert conflict.status_code == 409 and _("Changed meanwhile; now: %(value)s", value="Б") in conflict.text


async def test_the_director_reads_but_cannot_fill_and_other_teachers_get_404(make_client, database_url):
    school, world = await journal_world(database_url)
    await add_user(database_url, f"dir-{school}", [("director", school)])
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dir-{school}")
        page = await client.get(f"/journal/lessons/{lesson}")
        assert page.status_code == 200 and 'id="journal-read-only"' in page.text and 'id="journal-save"' not in page.text
        assert (await client.post(f"/journal/lessons/{lesson}", data={"topic": "x"})).status_code == 403
        choices = await client.get("/journal/lessons")
        assert f'/journal/lessons?page={world.tt.pages["5А математика"]}' in choices.text.replace("&amp;", "&")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-physics-{school}")
        assert (await client.get(f"/journal/lessons/{lesson}")).status_code == 404
        async with database_unchanged(database_url):
            assert (await client.post(f"/journal/lessons/{lesson}", data={"topic": "x", "topic__was": ""})).status_code == 404


async def test_the_substitute_fills_a_substituted_lesson(make_client, database_url):
    from core.timetable.changes import ChangeInput, ChangeService
    from core.timetable.lessons import load_timetable
    from plugins.journal.sync import resync

    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    async with writing(database_url) as session:
        data = await load_timetable(session, school, TODAY, TODAY)
        slot = next(l.slot_id for l in data.lessons_on(TODAY) if l.page.id == page)
        await ChangeService(session, school, TODAY - timedelta(days=1), world.teacher("spare")).record(
            ChangeInput("substitute", TODAY, slot, teacher_id=world.teacher("spare"), reason="Болезнь"))
        await resync(session, school, TODAY, TODAY)
    lesson = await lesson_id(database_url, page, TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-spare-{school}")
        week = await client.get(f"/journal/lessons?week={TODAY.isoformat()}")
        assert f'id="journal-line-{lesson}"' in week.text and _("Substitution") in week.text
        page_html = (await client.get(f"/journal/lessons/{lesson}")).text
        assert 'id="journal-replacement"' in page_html and "Числова Анна Петровна" in page_html
        form = dict(shown_form(page_html), topic="Повторение")
        assert (await client.post(f"/journal/lessons/{lesson}", data=form, headers=HTMX)).status_code == 200


async def test_the_lesson_page_reads_a_fixed_number_of_statements(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        await client.get(f"/journal/lessons/{lesson}")  # the first visit creates the lessons of the month after it
        seen = count_statements(client)
        few = await statements(client, seen, f"/journal/lessons/{lesson}")
        form = shown_form((await client.get(f"/journal/lessons/{lesson}")).text)
        form.update({f"new-{student}": "5" for student in world.roster})
        form.update({f"att-{student}": "Н" for student in world.roster[:5]})
        await client.post(f"/journal/lessons/{lesson}", data=form, headers=HTMX)
        many = await statements(client, seen, f"/journal/lessons/{lesson}")
    assert few == many <= 30


async def test_a_corrected_refusal_never_undoes_what_others_saved_meanwhile(make_client, database_url):
    school, world = await journal_world(database_url)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        mine = shown_form((await client.get(f"/journal/lessons/{lesson}")).text)  # this tab's form
        other = dict(mine, homework="стр. 10", **{f"att-{world.roster[3]}": "Б"})  # another tab saves first
        assert (await client.post(f"/journal/lessons/{lesson}", data=other, headers=HTMX)).status_code == 200
        typo = dict(mine, **{f"new-{world.roster[0]}": "6"})
        refused = await client.post(f"/journal/lessons/{lesson}", data=typo, headers=HTMX)
        assert refused.status_code == 422
        fixed = dict(shown_form(refused.text), **{f"new-{world.roster[0]}": "5"})  # the person corrects the mark only
        assert (await client.post(f"/journal/lessons/{lesson}", data=fixed, headers=HTMX)).status_code == 200
    async with writing(database_url) as session:
        assert (await session.get(JournalLesson, lesson)).homework == "стр. 10"
        assert await session.scalar(select(JournalAttendance.code).where(JournalAttendance.lesson_id == lesson)) == "Б"


async def test_odd_addresses_get_a_message_or_a_404(make_client, database_url):
    school = await add_school(database_url)
    await add_journal_school(database_url, school)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await client.get("/journal/lessons?page=99999999999")).status_code == 404
        for week in ("31.12.9999", "01.01.0001", "завтра"):
            answer = await client.get(f"/journal/lessons?week={week}")
            assert answer.status_code == 200 and 'id="journal-week-error"' in answer.text, week


async def test_a_class_teacher_reads_only_their_own_class_in_a_mixed_group(make_client, database_url):
    from datetime import date

    from sqlalchemy import text

    school, world = await journal_world(database_url)
    guest = await add_user(database_url, f"guest-{school}", [("student", school)], full_name="Гостева Ученица Пятибэшная")
    async with writing(database_url) as session:
        await session.execute(text(
            "INSERT INTO enrollment (school_id, student_id, class_group_id, starts_on, start_kind, start_order_number, "
            "end_order_number, end_note) VALUES (:school, :student, :class_id, :starts, 'continued', '', '', '')"),
            {"school": school, "student": guest, "class_id": world.tt.classes["5Б"], "starts": date(2026, 9, 1)})
        await session.execute(text("INSERT INTO study_group_member (study_group_id, student_id, starts_on) VALUES (:g, :s, :d)"),
                              {"g": world.tt.groups["гр1"], "s": guest, "d": date(2026, 9, 1)})
    lesson = await lesson_id(database_url, world.tt.pages["гр1"], TODAY)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-english1-{school}")
        assert "Гостева" in (await client.get(f"/journal/lessons/{lesson}")).text  # the group's teacher sees everyone
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        page = await client.get(f"/journal/lessons/{lesson}")
        assert page.status_code == 200 and "Аня Ученица" in page.text and "Гостева" not in page.text
        assert (await client.get(f"/journal/lessons/{lesson}/history?student={guest}")).status_code == 404


async def test_the_homework_is_due_at_the_next_lesson_even_past_the_lessons_created(make_client, database_url):
    school, world = await journal_world(database_url)  # lessons exist up to TODAY + 14 days, a Friday
    last = TODAY + timedelta(days=14)
    lesson = await lesson_id(database_url, world.tt.pages["5А математика"], last)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        page = await client.get(f"/journal/lessons/{lesson}")
        next_monday = (last + timedelta(days=3)).strftime("%d.%m.%Y")
        assert _("Empty: the next lesson, %(date)s.", date=next_monday) in page.text
        form = dict(shown_form(page.text), homework="№ 12")
        assert (await client.post(f"/journal/lessons/{lesson}", data=form, headers=HTMX)).status_code == 200
    async with writing(database_url) as session:
        assert (await session.get(JournalLesson, lesson)).homework_due == last + timedelta(days=3)

"""The weekly timetable's editor and the rooms, through the pages: a class's week in a timetable, a
lesson added (and refused with each conflict named, changing nothing), the check that saves
nothing, a timetable in force that no longer changes, a new timetable that copies the one before,
the whole timetable's conflicts, the rooms, bad input, and a fixed SQL statement count.

The editor's "today" is pinned to the test school's Friday 20 November 2026: its timetable from
1 September is in force and the one from Monday 23 November is still to come.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import pytest

from core import i18n
from core.structure.models import AcademicYear
from core.timetable.models import TimetableSlot
from core.web.timetable import editor_pages
from tests.core.structure.test_subject_pages import count_statements, statements
from tests.support.people import add_school, add_user, signed_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing
from tests.support.timetable import TODAY, TimetableSchool, add_timetable_school


@lru_cache(maxsize=1)
def russian():
    return i18n.load_translations([])["ru"]


def ru(message: str, **values: object) -> str:
    """What the pages say for ``message`` in Russian (the msgid itself until it is translated)."""
    text = russian().gettext(message)
    return text % values if values else text


def conflict_at(holder: str, subject: str, number: int, times: str) -> str:
    return ru("%(holder)s, %(subject)s, lesson %(number)s", holder=holder, subject=subject, number=number) + f" ({times})"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    async def school_day(session, school_id):  # noqa: ANN001
        return TODAY
    monkeypatch.setattr(editor_pages, "school_day", school_day)


async def slot_rows(url: str, version_id: int) -> list[tuple]:
    return await fetch(url, "SELECT weekday, lesson_number, week_parity, subject_page_id, teacher_id, room_id FROM timetable_slot "
                            "WHERE timetable_id = :v ORDER BY weekday, lesson_number, subject_page_id", v=version_id)


async def audit_actions(url: str) -> list[str]:
    return [action for (action,) in await fetch(url, "SELECT action FROM audit_record WHERE action LIKE 'core.timetable%' ORDER BY id")]


def cell(html: str, weekday: int, number: int) -> str:
    found = re.search(rf'<td id="core-cell-{weekday}-{number}"[^>]*>(.*?)</td>', html, re.S)
    assert found, f"no cell {weekday}/{number}"
    return found[1]


def slot_form(world: TimetableSchool, page: str, weekday: int, number: int, teacher: str, room: str | None = None,
              class_name: str = "5А", parity: str = "every") -> dict[str, str]:
    return {"class_id": str(world.classes[class_name]), "weekday": str(weekday), "number": str(number),
            "page_id": str(world.pages[page]), "teacher_id": str(world.teachers[teacher]),
            "room_id": str(world.rooms[room]) if room else "", "parity": parity}


LOCKED = "The timetable from %(date)s is in force already and no longer changes: start a new timetable from a later date (it begins as a copy of this one)."


# ---- the week of a class ------------------------------------------------------------------------


async def test_the_editor_shows_the_timetables_of_the_year_and_a_class_week(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        page = await admin.get("/timetable/edit")
        assert page.status_code == 200
        versions = page.text.split('id="core-versions-table"')[1].split("</table>")[0]
        assert ru("from %(date)s", date="01.09.2026") in versions and ru("in force") in versions
        assert ru("from %(date)s", date="23.11.2026") in versions and ru("to come") in versions
        assert re.search(rf'id="core-version-{world.version}".*?<td class="num">26</td>', versions, re.S)
        assert f"/timetable/versions/{world.future}/delete" in versions and f"/timetable/versions/{world.version}/delete" not in versions
        # By default the timetable in force today, which no longer changes: no forms, the way to a new one instead.
        assert 'id="core-editor-locked"' in page.text and 'id="core-version-form"' in page.text
        assert "/slots/" not in page.text and "+ " + ru("Add") not in page.text
        # 5А's week: five days, the first shift's six lessons with their bells, the class's lessons and its groups'.
        grid = page.text.split('id="core-editor-grid"')[1].split("</table>")[0]
        assert grid.count('<th scope="col">') == 6 and grid.count('<th scope="row">') == 6 and "08:00–08:40" in grid
        first = cell(page.text, 0, 1)
        assert "Матем." in first and "Числова А. П." in first and ru("room %(name)s", name="101") in first
        second = cell(page.text, 0, 2)
        assert "5А, английский язык, гр. 1" in second and "5А, английский язык, гр. 2" in second and "Инглиш М. И." in second
        assert "Матем." not in second  # 5Б's mathematics at lesson 2 is not 5А's
        assert "Физ." in cell(page.text, 0, 3) and "Физ." not in cell(page.text, 1, 3)

        future = await admin.get(f"/timetable/edit?version={world.future}&class={world.classes['6А']}")
        assert 'id="core-editor-locked"' not in future.text
        assert future.text.count('aria-current="page">6А</a>') == 1 and "13:10–13:50" in future.text
        add = f"/timetable/edit/{world.future}/slot?class={world.classes['6А']}&amp;weekday=4&amp;number=6"
        assert f'href="{add}"' in future.text and f'hx-get="{add}"' in future.text
        assert "Матем." in cell(future.text, 2, 1) and "/slots/" in cell(future.text, 2, 1)  # a copy, with delete buttons

        partial = await admin.get(f"/timetable/edit?version={world.future}&class={world.classes['5Б']}",
                                  headers={"HX-Request": "true", "HX-Target": "core-editor-class"})
        assert partial.text.startswith('<div id="core-editor-class">') and "<h1>" not in partial.text
        assert "Матем." in cell(partial.text, 0, 2) and "Англ. яз." not in partial.text


# ---- adding a lesson ------------------------------------------------------------------------------


async def test_a_saved_lesson_appears_in_the_week_and_is_audited(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        opened = await admin.get(f"/timetable/edit/{world.future}/slot", params={
            "class": world.classes["5А"], "weekday": 1, "number": 3, "page_id": world.pages["5А физика"]})
        form = opened.text.split('id="core-slot-form"')[1]
        assert ru("lesson %(number)s", number=3) in form and "09:40–10:20" in form
        assert f'<option value="{world.teachers["physics"]}" selected>' in form  # the page's teacher
        pages = form.split('id="core-slot-page"')[1].split("</select>")[0]
        assert f'<option value="{world.pages["гр1"]}"' in pages and f'<option value="{world.pages["5Б математика"]}"' not in pages
        assert f'<option value="{world.pages["5А физика"]}" selected>Физика · 5А — Ньютонов И. П.</option>' in pages
        rooms = form.split('id="core-slot-room"')[1].split("</select>")[0]
        assert f'<option value="{world.rooms["201"]}" selected>' in rooms  # where he gives most of his lessons
        # From a cell of the week, htmx asks for the class's part: the week with the cell marked, and the form.
        part = await admin.get(f"/timetable/edit/{world.future}/slot?class={world.classes['5А']}&weekday=1&number=3",
                               headers={"HX-Request": "true", "HX-Target": "core-editor-class"})
        assert part.text.startswith('<div id="core-editor-class">') and 'id="core-cell-1-3" class="tt-cell--chosen"' in part.text
        assert 'id="core-slot-fields"' in part.text
        again = await admin.get(f"/timetable/edit/{world.future}/slot?class={world.classes['5А']}&weekday=1&number=3&room_id=",
                                headers={"HX-Request": "true", "HX-Target": "core-slot-form"})
        assert again.text.startswith('<section id="core-slot-form"') and f'value="{world.rooms["201"]}" selected' not in again.text

        saved = await admin.post(f"/timetable/edit/{world.future}/slots", data=slot_form(world, "5А физика", 1, 3, "physics", "102"),
                                 follow_redirects=False)
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/timetable/edit?version={world.future}&class={world.classes['5А']}#core-cell-1-3"
        week = await admin.get(saved.headers["location"])
        assert ru("The lesson was added: %(day)s, lesson %(number)s.", day=ru("Tuesday").lower(), number=3) in week.text
        assert "Физ." in cell(week.text, 1, 3) and "Ньютонов И. П." in cell(week.text, 1, 3)
        # Odd weeks only, through htmx: the answer sends the browser to the week.
        odd = await admin.post(f"/timetable/edit/{world.future}/slots", data=slot_form(world, "5А физика", 2, 4, "physics", None, parity="odd"),
                               headers={"HX-Request": "true", "HX-Target": "core-slot-form"})
        assert odd.status_code == 200 and odd.headers["hx-redirect"].startswith(f"/timetable/edit?version={world.future}")
        week = await admin.get(odd.headers["hx-redirect"])
        assert ru("odd weeks") in cell(week.text, 2, 4)
    rows = await slot_rows(database_url, world.future)
    assert (1, 3, "every", world.pages["5А физика"], world.teachers["physics"], world.rooms["102"]) in rows
    assert (2, 4, "odd", world.pages["5А физика"], world.teachers["physics"], None) in rows
    assert await audit_actions(database_url) == ["core.timetable_slot_created"] * 2


async def test_a_conflicting_lesson_is_refused_naming_the_conflict_and_nothing_changes(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        # The mathematics teacher has 5А at lesson 1 every day; 5Б's mathematics then would need her twice.
        form = slot_form(world, "5Б математика", 1, 1, "math", "102", class_name="5Б")
        url = f"/timetable/edit/{world.future}/slots"
        async with database_unchanged(database_url):
            plain = await admin.post(url, data=form)
            htmx = await admin.post(url, data=form, headers={"HX-Request": "true", "HX-Target": "core-slot-form"})
        teacher = ru("%(teacher)s already has a lesson then: %(lesson)s.", teacher="Числова А. П.",
                     lesson=conflict_at("5А", "Математика", 1, "08:00–08:40"))
        refused = ru("Nothing was saved: the lesson clashes with the timetable.")
        for answer in (plain, htmx):
            assert answer.status_code == 422 and teacher in answer.text and refused in answer.text
            assert 'class="conflicts"' in answer.text
        assert "<h1>" in plain.text and f'<option value="{world.pages["5Б математика"]}" selected>' in plain.text
        assert htmx.text.startswith('<section id="core-slot-form"') and "<h1>" not in htmx.text
        # Room 101 is 5А's at lesson 1, and 5А's students are in mathematics then: both named.
        async with database_unchanged(database_url):
            clash = await admin.post(url, data=slot_form(world, "5А физика", 1, 1, "physics", "101"))
        assert clash.status_code == 422
        assert ru("Room %(room)s is taken then: %(lesson)s.", room="101", lesson=conflict_at("5А", "Математика", 1, "08:00–08:40")) in clash.text
        assert ru("The students of %(holder)s already have a lesson then: %(lesson)s.", holder="5А",
                  lesson=conflict_at("5А", "Математика", 1, "08:00–08:40")) in clash.text
    assert await audit_actions(database_url) == []


async def test_the_check_lists_conflicts_or_none_and_saves_nothing(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        url = f"/timetable/edit/{world.future}/slots/check"
        fragment = {"HX-Request": "true", "HX-Target": "core-slot-check"}
        async with database_unchanged(database_url):
            clash = await admin.post(url, data=slot_form(world, "5Б математика", 1, 1, "math", None, class_name="5Б"), headers=fragment)
            clean = await admin.post(url, data=slot_form(world, "5А физика", 1, 4, "physics", "102"), headers=fragment)
            wrong = await admin.post(url, data={**slot_form(world, "5А физика", 1, 4, "physics"), "page_id": ""}, headers=fragment)
            plain = await admin.post(url, data=slot_form(world, "5Б математика", 1, 1, "math", None, class_name="5Б"))
        for answer in (clash, clean, wrong):
            assert answer.status_code == 200 and answer.text.startswith('<div id="core-slot-check"')
        assert 'class="conflicts"' in clash.text and "Числова А. П." in clash.text
        assert 'class="no-conflicts"' in clean.text and ru("No conflicts") in clean.text
        assert ru("Choose a subject page of this school year.") in wrong.text
        # Without htmx: the week with the form as it was and what the check found.
        assert plain.status_code == 200 and "<h1>" in plain.text and 'class="conflicts"' in plain.text
        assert 'id="core-slot-fields"' in plain.text


# ---- timetables ---------------------------------------------------------------------------------


async def test_a_timetable_in_force_refuses_edits_with_the_message(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        (slot_id,), *_ = await fetch(database_url, "SELECT id FROM timetable_slot WHERE timetable_id = :v", v=world.version)
        message = ru(LOCKED, date="01.09.2026")
        async with database_unchanged(database_url):
            added = await admin.post(f"/timetable/edit/{world.version}/slots", data=slot_form(world, "5А физика", 1, 4, "physics"))
            partial = await admin.post(f"/timetable/edit/{world.version}/slots", data=slot_form(world, "5А физика", 1, 4, "physics"),
                                       headers={"HX-Request": "true", "HX-Target": "core-slot-form"})
            deleted = await admin.post(f"/timetable/edit/{world.version}/slots/{slot_id}/delete", data={})
            dropped = await admin.post(f"/timetable/versions/{world.version}/delete", data={})
            kept = await admin.post(f"/timetable/versions/{world.version}/delete", data={},
                                    headers={"HX-Request": "true", "HX-Target": "core-versions"})
            checked = await admin.post(f"/timetable/edit/{world.version}/slots/check", data=slot_form(world, "5А физика", 1, 4, "physics"),
                                       headers={"HX-Request": "true", "HX-Target": "core-slot-check"})
        for answer in (added, partial, deleted, dropped, kept):
            assert answer.status_code == 422 and message in answer.text
        assert kept.text.startswith('<section class="card" id="core-versions"') and "<h1>" not in kept.text
        assert partial.text.startswith('<section id="core-slot-form"')
        assert checked.status_code == 200 and message in checked.text
        opened = await admin.get(f"/timetable/edit/{world.version}/slot?class={world.classes['5А']}&weekday=1&number=4")
        assert message in opened.text and 'id="core-slot-fields"' not in opened.text
        assert 'id="core-editor-locked"' in opened.text and 'id="core-version-form"' in opened.text


async def test_a_new_timetable_copies_the_one_before_and_one_to_come_can_be_deleted(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        made = await admin.post("/timetable/versions", data={"year": world.year, "valid_from": "2026-12-07",
                                                             "class_id": world.classes["5Б"]}, follow_redirects=False)
        assert made.status_code == 303
        (new_id,), = await fetch(database_url, "SELECT id FROM timetable WHERE valid_from = :d", d=date(2026, 12, 7))
        assert made.headers["location"] == f"/timetable/edit?version={new_id}&class={world.classes['5Б']}"
        assert await slot_rows(database_url, new_id) == await slot_rows(database_url, world.future)
        page = await admin.get(made.headers["location"])
        assert 'name="valid_from" value="2026-11-30"' in page.text  # the next Monday after today (23 November is taken)
        assert "Расписание с 07.12.2026 создано: перенесено 26 уроков из предыдущего." in page.text
        assert ru("from %(date)s", date="07.12.2026") in page.text and "Матем." in cell(page.text, 0, 2)

        refusals = {"2026-11-16": ru("A new timetable starts tomorrow or later: the lessons already given keep the timetable they followed."),
                    "2026-12-07": ru("A timetable from %(date)s exists already.", date="07.12.2026"),
                    "31.02.2026": ru("Enter a date as dd.mm.yyyy."), "": ru("Enter the date the timetable starts.")}
        for valid_from, message in refusals.items():
            async with database_unchanged(database_url):
                refused = await admin.post("/timetable/versions", data={"year": world.year, "valid_from": valid_from},
                                           headers={"HX-Request": "true", "HX-Target": "core-version-form"})
            assert refused.status_code == 422 and message in refused.text, valid_from
            assert refused.text.startswith('<form method="post" action="/timetable/versions" id="core-version-form"')

        gone = await admin.post(f"/timetable/versions/{new_id}/delete", data={}, follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"] == f"/timetable/edit?year={world.year}"
        assert await fetch(database_url, "SELECT id FROM timetable WHERE id = :v", v=new_id) == []
        assert await slot_rows(database_url, new_id) == []
    assert await audit_actions(database_url) == ["core.timetable_version_created", "core.timetable_version_deleted"]


async def test_deleting_a_lesson_of_a_timetable_to_come(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        (slot_id,), = await fetch(database_url, "SELECT id FROM timetable_slot WHERE timetable_id = :v AND weekday = 0 AND "
                                                "lesson_number = 3", v=world.future)
        gone = await admin.post(f"/timetable/edit/{world.future}/slots/{slot_id}/delete", data={"class_id": world.classes["5А"]},
                                follow_redirects=False)
        assert gone.status_code == 303
        assert gone.headers["location"] == f"/timetable/edit?version={world.future}&class={world.classes['5А']}#core-cell-0-3"
        week = await admin.get(gone.headers["location"])
        assert "Физ." not in cell(week.text, 0, 3) and ru("The lesson was removed from the timetable.") in week.text
        # A lesson of another timetable is not one of this one's.
        (other,), *_ = await fetch(database_url, "SELECT id FROM timetable_slot WHERE timetable_id = :v", v=world.version)
        assert (await admin.post(f"/timetable/edit/{world.future}/slots/{other}/delete", data={})).status_code == 404
    assert await audit_actions(database_url) == ["core.timetable_slot_deleted"]


async def test_the_whole_timetable_is_checked_for_conflicts(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        clean = await admin.get(f"/timetable/edit/{world.future}/conflicts")
        assert clean.status_code == 200 and 'class="no-conflicts"' in clean.text and "<h1>" in clean.text
        assert f'href="/timetable/edit/{world.future}/conflicts?class={world.classes["5А"]}"' in clean.text
        # A timetable made before the rules (straight into the database): the math teacher twice at lesson 1 on Wednesday.
        async with writing(database_url) as session:
            session.add(TimetableSlot(school_id=school_id, timetable_id=world.future, weekday=2, lesson_number=1,
                                      subject_page_id=world.pages["5Б математика"], teacher_id=world.teachers["math"]))
        found = await admin.get(f"/timetable/edit/{world.future}/conflicts",
                                headers={"HX-Request": "true", "HX-Target": "core-version-conflicts"})
        assert found.text.startswith('<div id="core-version-conflicts"') and 'class="conflicts"' in found.text
        assert ru("%(teacher)s already has a lesson then: %(lesson)s.", teacher="Числова А. П.",
                  lesson=conflict_at("5Б", "Математика", 1, "08:00–08:40")) in found.text
        assert ru("Wednesday").lower() in found.text


# ---- rooms --------------------------------------------------------------------------------------


async def test_rooms_are_added_archived_and_returned(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        listed = await admin.get("/timetable/rooms")
        assert listed.status_code == 200 and f'href="/timetable/rooms/{world.rooms["102"]}"' in listed.text
        assert listed.text.index(">101</a>") < listed.text.index(">102</a>") < listed.text.index(">201</a>")
        added = await admin.post("/timetable/rooms", data={"name": "  Спортзал ", "note": "первый этаж"}, follow_redirects=False)
        assert added.status_code == 303 and added.headers["location"] == "/timetable/rooms"
        listed = await admin.get("/timetable/rooms")
        assert ru("Room %(name)s was added.", name="Спортзал") in listed.text and "первый этаж" in listed.text

        archived = await admin.post(f"/timetable/rooms/{world.rooms['102']}/archive", data={"archived": "1"}, follow_redirects=False)
        assert archived.status_code == 303
        listed = (await admin.get("/timetable/rooms")).text
        row = re.search(rf'<tr id="core-room-{world.rooms["102"]}".*?</tr>', listed, re.S)[0]
        assert ru("archived") in row and listed.index(">Спортзал</a>") < listed.index(">102</a>")  # archived ones last
        opened = await admin.get(f"/timetable/edit/{world.future}/slot?class={world.classes['5А']}&weekday=1&number=4")
        rooms = opened.text.split('id="core-slot-room"')[1].split("</select>")[0]
        assert ">101<" in rooms and ">102<" not in rooms and "Спортзал (первый этаж)" in rooms
        returned = await admin.post(f"/timetable/rooms/{world.rooms['102']}/archive", data={"archived": "0"}, follow_redirects=False)
        assert returned.status_code == 303
        assert ru("archived") not in re.search(rf'<tr id="core-room-{world.rooms["102"]}".*?</tr>',
                                                (await admin.get("/timetable/rooms")).text, re.S)[0]
    assert await audit_actions(database_url) == ["core.timetable_room_created", "core.timetable_room_archived",
                                                 "core.timetable_room_archived"]


@pytest.mark.parametrize(("form", "message"), [
    ({"name": "   "}, "Name the room, e.g. «205» or «Спортзал»."),
    ({"name": "101"}, "The school already has a room with this name."),
    ({"name": "Кабинет" * 10}, "The name is too long."),
])
async def test_a_refused_room_changes_nothing(make_client, database_url, form, message):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        await add_timetable_school(database_url, school_id)
        async with database_unchanged(database_url):
            plain = await admin.post("/timetable/rooms", data=form)
            htmx = await admin.post("/timetable/rooms", data=form, headers={"HX-Request": "true", "HX-Target": "core-room-form"})
    assert plain.status_code == 422 and ru(message) in plain.text and "<h1>" in plain.text
    assert htmx.status_code == 422 and htmx.text.startswith('<form method="post" action="/timetable/rooms" id="core-room-form"')
    assert ru(message) in htmx.text and 'aria-invalid="true"' in htmx.text


async def test_teachers_see_the_rooms_without_the_forms(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (teacher, school_id):
        world = await add_timetable_school(database_url, school_id)
        listed = await teacher.get("/timetable/rooms")
        assert listed.status_code == 200 and ">201</a>" in listed.text
        assert 'id="core-room-form"' not in listed.text and "/archive" not in listed.text
        async with database_unchanged(database_url):
            assert (await teacher.post("/timetable/rooms", data={"name": "999"})).status_code in (403, 404)
            assert (await teacher.get(f"/timetable/edit?version={world.future}")).status_code in (403, 404)


# ---- bad input ----------------------------------------------------------------------------------


async def test_bad_input_gets_a_clear_message_and_other_schools_ids_are_404(make_client, database_url):
    other_school = await add_school(database_url, "Другая школа")
    other = await add_timetable_school(database_url, other_school)
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        form = slot_form(world, "5А физика", 1, 4, "physics")
        async with database_unchanged(database_url):
            for url in (f"/timetable/edit?version={other.future}", "/timetable/edit?version=abc", f"/timetable/edit?class={other.classes['5А']}",
                        f"/timetable/edit?version={world.future}&class=99999999999", f"/timetable/edit/{other.future}/slot?weekday=1&number=1",
                        f"/timetable/edit/{other.future}/conflicts", f"/timetable/edit/{2**31}/slot", f"/timetable/edit?year={other.year}"):
                assert (await admin.get(url)).status_code == 404, url
            posts = [(f"/timetable/edit/{other.future}/slots", form), (f"/timetable/edit/{other.future}/slots/check", form),
                     (f"/timetable/edit/{world.future}/slots", {**form, "page_id": str(other.pages["5А физика"])}),
                     (f"/timetable/edit/{world.future}/slots", {**form, "room_id": str(other.rooms["101"])}),
                     (f"/timetable/versions/{other.future}/delete", {}), ("/timetable/versions", {"year": other.year, "valid_from": "2026-12-07"}),
                     (f"/timetable/rooms/{other.rooms['101']}/archive", {"archived": "1"}),
                     (f"/timetable/rooms/{2**31}/archive", {"archived": "1"})]
            for url, data in posts:
                assert (await admin.post(url, data=data)).status_code == 404, url

            ninth = await admin.post(f"/timetable/edit/{world.future}/slots", data={**form, "weekday": "9"})
            assert ninth.status_code == 422 and ru("Choose a day of the week.") in ninth.text
            opened = await admin.get(f"/timetable/edit/{world.future}/slot?class={world.classes['5А']}&weekday=9&number=1",
                                     headers={"HX-Request": "true", "HX-Target": "core-slot-form"})
            assert opened.status_code == 200 and ru("Choose a day of the week.") in opened.text and "core-slot-fields" not in opened.text
            saturday = await admin.post(f"/timetable/edit/{world.future}/slots", data={**form, "weekday": "5"})
            assert saturday.status_code == 422 and ru("Grade %(level)s studies %(days)s days a week: there are no lessons on %(day)s.",
                                                      level=5, days=5, day=ru("Saturday").lower()) in saturday.text
            late = await admin.post(f"/timetable/edit/{world.future}/slots", data={**form, "number": "9"})
            assert ru("Lesson %(number)s is not in the bell schedule of shift %(shift)s (lessons 1–%(last)s).",
                      number=9, shift=1, last=6) in late.text
            stranger = await admin.post(f"/timetable/edit/{world.future}/slots", data={**form, "teacher_id": str(world.teachers["spare"])})
            assert stranger.status_code == 422 and 'id="core-slot-teacher_id-error"' in stranger.text
            weeks = await admin.post(f"/timetable/edit/{world.future}/slots", data={**form, "parity": "weekly"})
            assert ru("Choose every week, odd weeks or even weeks.") in weeks.text
            typed = await admin.post(f"/timetable/edit/{world.future}/slots", data={**form, "page_id": "пять"})
            assert typed.status_code == 422 and ru("Choose a subject page of this school year.") in typed.text
            flag = await admin.post(f"/timetable/rooms/{world.rooms['101']}/archive", data={"archived": "yes"})
            assert flag.status_code == 422 and ru("Choose to archive the room or to return it.") in flag.text


# ---- the cost of a page -------------------------------------------------------------------------


async def test_the_editor_takes_a_fixed_number_of_statements_whatever_the_timetable(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        world = await add_timetable_school(database_url, school_id)
        seen = count_statements(admin)
        week = f"/timetable/edit?version={world.future}&class={world.classes['5А']}"
        form = f"/timetable/edit/{world.future}/slot?class={world.classes['5А']}&weekday=3&number=4"
        small = [await statements(admin, seen, week), await statements(admin, seen, form), await statements(admin, seen, "/timetable/rooms")]
        # More lessons, rooms, teachers and a timetable more: the same statements.
        more = {"room": [], "teacher": []}
        for number in range(4):
            more["teacher"].append(await add_user(database_url, f"more-{number}", [("teacher", school_id)], full_name=f"Ещё Учитель {number}"))
        async with writing(database_url) as session:
            from core.timetable.weekly import SlotInput, TimetableService

            service = TimetableService(session, school_id, TODAY)
            version = await session.get(editor_pages.Timetable, world.future)
            for number in range(4):
                more["room"].append((await service.add_room(f"3{number:02d}")).id)
            for weekday in range(5):
                await service.save_slot(version, SlotInput(weekday, 4, world.pages["5А физика"], world.teachers["physics"],
                                                           more["room"][weekday % 4], "odd" if weekday % 2 else "every"))
            await service.create_version(await session.get(AcademicYear, world.year), date(2027, 1, 11), None)
        large = [await statements(admin, seen, week), await statements(admin, seen, form), await statements(admin, seen, "/timetable/rooms")]
        assert "Физ." in cell((await admin.get(week)).text, 4, 4)
    assert small == large, (small, large)
    assert small[0] <= 20, small  # 18 today: the session, the year, its timetables, one load_timetable, the nav


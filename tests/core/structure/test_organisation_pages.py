"""Classes with their class teachers, the subject list and study groups with their members
(regulation 2.2): the pages, their refusals and who may change what."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.structure.calendar import CalendarService
from core.structure.common import school_today
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import AcademicYear
from core.structure.organisation import DEFAULT_SUBJECTS, OrganisationService
from tests.support.people import add_school, add_user, signed_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import writing

HTMX = {"HX-Request": "true"}


def iso(day: date) -> str:
    return day.isoformat()


async def add_year(url: str, school: int) -> tuple[int, date]:
    """A school year around today (so «today» columns have something to show): (id, first day)."""
    today = school_today("Asia/Yekaterinburg")
    async with writing(url) as session:
        year = await CalendarService(session, school).create_year(today - timedelta(days=90), today + timedelta(days=200))
        return year.id, year.starts_on


async def add_classes(url: str, school: int, year_id: int, *names: tuple[int, str]) -> list[int]:
    async with writing(url) as session:
        year = await session.get(AcademicYear, year_id)
        service = OrganisationService(session, school)
        return [(await service.add_class(year, grade_level=level, letter=letter)).id for level, letter in names]


async def actions(url: str) -> list[str]:
    return [action for (action,) in await fetch(url, "SELECT action FROM audit_record ORDER BY id")]


# ---- classes ------------------------------------------------------------------------------------


async def test_an_administrator_adds_classes_and_sees_them_by_grade_level(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, _first = await add_year(database_url, school)
        empty = await admin.get("/structure/classes")
        assert "В этом году ещё нет классов." in empty.text and 'id="core-class-form"' in empty.text
        plain = await admin.post(f"/structure/years/{year}/classes", data={"grade_level": "5", "letter": "а", "shift": "1"},
                                 follow_redirects=False)
        assert plain.status_code == 303 and plain.headers["location"] == f"/structure/classes?year={year}"
        htmx = await admin.post(f"/structure/years/{year}/classes", data={"grade_level": "10", "letter": "Б", "shift": "2"},
                                headers={**HTMX, "HX-Target": "core-class-form"})
        assert htmx.status_code == 200 and htmx.headers["HX-Redirect"] == f"/structure/classes?year={year}"
        page = await admin.get(f"/structure/classes?year={year}")
    assert "Класс 10Б добавлен." in page.text  # the latest flash
    level_5 = page.text.split('id="core-classes-level-5"')[1].split("</tbody>")[0]
    level_10 = page.text.split('id="core-classes-level-10"')[1].split("</tbody>")[0]
    assert "Параллель 5" in level_5 and ">5А</a>" in level_5 and ">10Б</a>" in level_10
    assert await fetch(database_url, "SELECT grade_level, letter, shift FROM class_group ORDER BY grade_level") == [(5, "А", 1), (10, "Б", 2)]
    assert (await actions(database_url)).count("core.class_created") == 2


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"grade_level": "5", "letter": "а"}, "letter", "Класс 5А в этом году уже есть."),
    ({"grade_level": "", "letter": "Б"}, "grade_level", "Выберите параллель класса, от 1 до 11."),
    ({"grade_level": "12", "letter": "Б"}, "grade_level", "Выберите параллель класса, от 1 до 11."),
    ({"grade_level": "пять", "letter": "Б"}, "grade_level", "Выберите параллель класса, от 1 до 11."),
    ({"grade_level": "5", "letter": "  "}, "letter", "Укажите букву класса, например «А»."),
    ({"grade_level": "5", "letter": "Б", "shift": "3"}, "shift", "Выберите первую или вторую смену."),
])
async def test_a_duplicate_or_incomplete_class_is_refused_and_changes_nothing(make_client, database_url, values, field, message):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, _first = await add_year(database_url, school)
        await add_classes(database_url, school, year, (5, "А"))
        async with database_unchanged(database_url):
            partial = await admin.post(f"/structure/years/{year}/classes", data={"shift": "1", **values},
                                       headers={**HTMX, "HX-Target": "core-class-form"})
            plain = await admin.post(f"/structure/years/{year}/classes", data={"shift": "1", **values})
    assert partial.status_code == 422 and partial.text.startswith('<form id="core-class-form"')
    assert message in partial.text and f'aria-describedby="core-class-{field.replace("_", "-")}-error"' in partial.text
    assert plain.status_code == 422 and "<h1>" in plain.text and message in plain.text


async def test_a_class_is_found_by_its_name_in_any_case_and_spacing(make_client, database_url):
    async with signed_in(make_client, database_url, role="director") as (director, school):
        year, _first = await add_year(database_url, school)
        await add_classes(database_url, school, year, (5, "А"), (5, "Б"), (6, "А"), (11, "А"))
        found = [await director.get("/structure/classes", params={"q": q}) for q in ("5а", "5 А", " 5 а ")]
        partial = await director.get("/structure/classes", params={"q": "6а", "year": str(year)},
                                     headers={**HTMX, "HX-Target": "core-classes-table"})
        level = await director.get("/structure/classes", params={"level": "5"})
        nothing = await director.get("/structure/classes", params={"q": "7в"})
    for response in found:
        assert ">5А</a>" in response.text and ">5Б</a>" not in response.text and ">6А</a>" not in response.text
    assert partial.text.startswith('<div id="core-classes-table"') and ">6А</a>" in partial.text and "<h1>" not in partial.text
    assert "1 класс (из 4)" in partial.text
    assert ">5А</a>" in level.text and ">5Б</a>" in level.text and ">6А</a>" not in level.text
    assert "Классы не найдены." in nothing.text


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements run meanwhile (by any engine), the session store's left out."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "user_session" not in statement:
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


async def test_the_class_list_takes_the_same_number_of_statements_however_large(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        teacher = await add_user(database_url, "teacher-a", [("teacher", school)], full_name="Аксёнова Анна Ильинична")
        year, first = await add_year(database_url, school)
        await add_classes(database_url, school, year, (5, "А"))
        await admin.get("/structure/classes")  # warm-up: first-request work is not the page's
        with counted_statements() as small:
            assert (await admin.get("/structure/classes")).status_code == 200
        ids = await add_classes(database_url, school, year, (5, "Б"), (6, "А"), (7, "А"), (7, "Б"))
        async with writing(database_url) as session:
            the_year = await session.get(AcademicYear, year)
            service = OrganisationService(session, school)
            subject = await service.save_subject(None, name="Математика", short_name="", sort_order=None)
            english = await service.save_subject(None, name="Английский язык", short_name="", sort_order=None)
            classes = await service.classes(the_year)
            for class_group in classes:
                await service.appoint_class_teacher(class_group, teacher_id=teacher, starts_on=first, ends_on=None)
            await service.add_group(the_year, name="7, английский, гр. 1", class_ids=[classes[-1].id, classes[-2].id],
                                    subject_id=english.id)
            for level in (5, 6, 7):
                await CurriculumService(session, school).set_hours(the_year, grade_level=level, subject_id=subject.id, half_hours=10)
                await CurriculumService(session, school).set_hours(the_year, grade_level=level, subject_id=english.id, half_hours=6)
            await PageService(session, school).generate(the_year)
        with counted_statements() as large:
            page = await admin.get("/structure/classes")
    assert len(small) > 5 and len(large) == len(small), "\n".join(large)
    row = page.text.split(f'id="core-class-{ids[-1]}"')[1].split("</tr>")[0]  # 7Б: maths page + the group's English page
    assert "Аксёнова Анна Ильинична" in row and [cell.split("<")[0] for cell in row.split('<td class="num hide-narrow">')[1:]] == ["1", "2"]


# ---- one class and its class teachers -----------------------------------------------------------


async def test_class_teachers_are_appointed_for_dates_without_overlap(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        first_teacher = await add_user(database_url, "t1", [("teacher", school)], full_name="Белова Вера Павловна")
        second_teacher = await add_user(database_url, "t2", [("class_teacher", school)], full_name="Гусев Олег Иванович")
        student = await add_user(database_url, "s1", [("student", school)], full_name="Ученик Пётр")
        year, first = await add_year(database_url, school)
        today = school_today("Asia/Yekaterinburg")
        (class_id,) = await add_classes(database_url, school, year, (5, "А"))
        card = await admin.get(f"/structure/classes/{class_id}")
        assert "Классный руководитель ещё не назначен." in card.text and "Белова Вера Павловна" in card.text
        assert "Ученик Пётр" not in card.text  # a student cannot lead a class
        url = f"/structure/classes/{class_id}/class-teachers"
        appointed = await admin.post(url, data={"teacher_id": str(first_teacher), "starts_on": iso(first),
                                                "ends_on": iso(today + timedelta(days=9))}, follow_redirects=False)
        assert appointed.status_code == 303
        refusals = {
            "overlap": {"teacher_id": str(second_teacher), "starts_on": iso(today), "ends_on": ""},
            "end before start": {"teacher_id": str(second_teacher), "starts_on": iso(today + timedelta(days=20)),
                                 "ends_on": iso(today + timedelta(days=19))},
            "no start": {"teacher_id": str(second_teacher), "starts_on": "", "ends_on": ""},
            "bad date": {"teacher_id": str(second_teacher), "starts_on": "31.02.2026", "ends_on": ""},
            "a student": {"teacher_id": str(student), "starts_on": iso(today + timedelta(days=10)), "ends_on": ""},
            "outside the year": {"teacher_id": str(second_teacher), "starts_on": iso(first - timedelta(days=5)), "ends_on": ""},
        }
        async with database_unchanged(database_url):
            answers = {name: await admin.post(url, data=values, headers={**HTMX, "HX-Target": "core-class-teachers"})
                       for name, values in refusals.items()}
        (appointment,), = await fetch(database_url, "SELECT id FROM class_teacher_appointment")
        async with database_unchanged(database_url):
            later_end = await admin.post(f"/structure/class-teachers/{appointment}/end",
                                         data={"ends_on": iso(today + timedelta(days=30))}, headers={**HTMX, "HX-Target": "core-class-teachers"})
            early_end = await admin.post(f"/structure/class-teachers/{appointment}/end", data={"ends_on": iso(first - timedelta(days=1))})
        ended = await admin.post(f"/structure/class-teachers/{appointment}/end", data={"ends_on": iso(today)}, follow_redirects=False)
        following = await admin.post(url, data={"teacher_id": str(second_teacher), "starts_on": iso(today + timedelta(days=1)),
                                                "ends_on": ""}, follow_redirects=False)
        card = await admin.get(f"/structure/classes/{class_id}")
        listing = await admin.get("/structure/classes")
    assert all(answer.status_code == 422 for answer in answers.values())
    assert all(answer.text.startswith('<section class="card" id="core-class-teachers"') for answer in answers.values())
    assert "У класса уже есть классный руководитель с" in answers["overlap"].text
    assert "Дата окончания раньше даты начала." in answers["end before start"].text
    assert "Укажите дату начала." in answers["no start"].text
    assert "Укажите дату в формате дд.мм.гггг." in answers["bad date"].text
    assert "Выберите учителя этой школы." in answers["a student"].text
    assert "Даты должны быть в пределах учебного года" in answers["outside the year"].text
    assert later_end.status_code == 422 and "Уже заканчивается" in later_end.text
    assert early_end.status_code == 422 and "Дата окончания раньше даты начала." in early_end.text
    assert ended.status_code == 303 and following.status_code == 303
    history = card.text.split('id="core-class-teachers"')[1].split("</table>")[0]
    assert history.index("Белова Вера Павловна") < history.index("Гусев Олег Иванович")
    assert today.strftime("%d.%m.%Y") in history and first.strftime("%d.%m.%Y") in history
    assert "Белова Вера Павловна" in listing.text and "Гусев Олег Иванович" not in listing.text  # today: still the first
    assert {"core.class_teacher_appointed", "core.class_teacher_ended"} <= set(await actions(database_url))


async def test_the_class_card_shows_its_groups_and_subject_pages(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        teacher = await add_user(database_url, "t1", [("teacher", school)], full_name="Дмитриева Ольга")
        year, first = await add_year(database_url, school)
        class_id, other_id = await add_classes(database_url, school, year, (5, "А"), (6, "А"))
        async with writing(database_url) as session:
            the_year = await session.get(AcademicYear, year)
            service = OrganisationService(session, school)
            maths = await service.save_subject(None, name="Математика", short_name="", sort_order=None)
            english = await service.save_subject(None, name="Английский язык", short_name="", sort_order=None)
            group = await service.add_group(the_year, name="5А, английский, гр. 1", class_ids=[class_id], subject_id=english.id)
            for subject in (maths, english):
                await CurriculumService(session, school).set_hours(the_year, grade_level=5, subject_id=subject.id, half_hours=6)
            pages = PageService(session, school)
            await pages.generate(the_year)
            maths_page = next(row for row in await pages.rows(the_year, first) if row.subject == "Математика")
            from core.structure.models import SubjectPage
            await pages.assign(await session.get(SubjectPage, maths_page.id), teacher_id=teacher, half_hours=6,
                               starts_on=first, ends_on=None)
        card = await admin.get(f"/structure/classes/{class_id}")
        other = await admin.get(f"/structure/classes/{other_id}")
        changed = await admin.post(f"/structure/classes/{class_id}/shift", data={"shift": "2"}, follow_redirects=False)
        async with database_unchanged(database_url):
            bad_shift = await admin.post(f"/structure/classes/{class_id}/shift", data={"shift": "3"},
                                         headers={**HTMX, "HX-Target": "core-class-shift"})
    assert f'href="/structure/groups/{group.id}">5А, английский, гр. 1</a>' in card.text
    pages_section = card.text.split('id="core-class-pages"')[1]
    assert f'href="/structure/pages/{maths_page.id}">Математика</a>' in pages_section and "Дмитриева Ольга" in pages_section
    assert "Английский язык</a>" in pages_section and "5А, английский, гр. 1" in pages_section
    assert "Ни одна группа не набирается из этого класса." in other.text
    assert changed.status_code == 303 and await fetch(database_url, "SELECT shift FROM class_group WHERE id = :id", id=class_id) == [(2,)]
    assert bad_shift.status_code == 422 and bad_shift.text.startswith('<section class="card" id="core-class-shift"')
    assert "Выберите первую или вторую смену." in bad_shift.text
    assert "core.class_shift_changed" in await actions(database_url)


# ---- subjects -----------------------------------------------------------------------------------


async def test_subjects_are_added_edited_archived_and_restored(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        added = await admin.post("/structure/subjects", data={"name": "  Математика ", "short_name": "Матем.", "sort_order": ""},
                                 follow_redirects=False)
        await admin.post("/structure/subjects", data={"name": "Физика", "short_name": "", "sort_order": "5"})
        listing = await admin.get("/structure/subjects")
        (maths,), = await fetch(database_url, "SELECT id FROM subject WHERE name = 'Математика'")
        (physics,), = await fetch(database_url, "SELECT id FROM subject WHERE name = 'Физика'")
        async with database_unchanged(database_url):
            duplicate = await admin.post("/structure/subjects", data={"name": "математика", "short_name": ""},
                                         headers={**HTMX, "HX-Target": "core-subject-form"})
            no_name = await admin.post("/structure/subjects", data={"name": " ", "short_name": ""})
            bad_order = await admin.post("/structure/subjects", data={"name": "Химия", "sort_order": "первый"})
            clash = await admin.post(f"/structure/subjects/{physics}", data={"name": "МАТЕМАТИКА", "short_name": "", "sort_order": "5"},
                                     headers={**HTMX, "HX-Target": f"core-subject-{physics}"})
        edit_row = await admin.get(f"/structure/subjects?edit={maths}", headers={**HTMX, "HX-Target": f"core-subject-{maths}"})
        edited = await admin.post(f"/structure/subjects/{maths}", data={"name": "Математика", "short_name": "Мат.", "sort_order": "1"},
                                  headers={**HTMX, "HX-Target": f"core-subject-{maths}"})
        archived = await admin.post(f"/structure/subjects/{physics}/archive", data={"archived": "1"}, follow_redirects=False)
        without = await admin.get("/structure/subjects")
        found = await admin.get("/structure/subjects", params={"q": "ФИЗ", "archived": "1"},
                                headers={**HTMX, "HX-Target": "core-subjects-table"})
        await admin.post(f"/structure/subjects/{physics}/archive", data={"archived": "0"})
        restored = await admin.get("/structure/subjects")
    assert added.status_code == 303 and "Физика" in listing.text and listing.text.index("Физика") < listing.text.index("Математика")
    assert duplicate.status_code == 422 and duplicate.text.startswith('<form id="core-subject-form"')
    assert "В школе уже есть предмет «Математика»." in duplicate.text and 'value="математика"' in duplicate.text
    assert no_name.status_code == 422 and "Укажите название предмета." in no_name.text
    assert bad_order.status_code == 422 and "Место в списке — число от 0 до 10000." in bad_order.text
    assert clash.status_code == 422 and clash.text.startswith(f'<tr id="core-subject-{physics}" class="is-editing"')
    assert 'value="МАТЕМАТИКА"' in clash.text and "В школе уже есть предмет «Математика»." in clash.text
    assert edit_row.text.startswith(f'<tr id="core-subject-{maths}" class="is-editing"') and 'value="Матем."' in edit_row.text
    assert edited.headers["HX-Redirect"].startswith("/structure/subjects")
    assert await fetch(database_url, "SELECT short_name, sort_order FROM subject WHERE id = :id", id=maths) == [("Мат.", 1)]
    assert archived.status_code == 303 and ">Физика" not in without.text and "Показать архивные (1)" in without.text
    assert found.text.startswith('<div id="core-subjects-table"') and "Физика" in found.text and "в архиве" in found.text
    assert ">Физика" in restored.text
    assert {"core.subject_created", "core.subject_updated", "core.subject_archived", "core.subject_restored"} <= set(await actions(database_url))


async def test_an_empty_subject_list_is_filled_with_the_standard_one(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        empty = await admin.get("/structure/subjects")
        filled = await admin.post("/structure/subjects/defaults", follow_redirects=False)
        listing = await admin.get("/structure/subjects")
        async with database_unchanged(database_url, ignore=frozenset({"audit_record"})):
            again = await admin.post("/structure/subjects/defaults")
    assert "Заполнить стандартным списком" in empty.text
    assert filled.status_code == 303 and f"Добавлено {len(DEFAULT_SUBJECTS)} предметов." in listing.text
    assert "Заполнить стандартным списком" not in listing.text and "Основы безопасности и защиты Родины" in listing.text
    assert "В школе уже есть предметы; ничего не добавлено." in again.text
    assert len(await fetch(database_url, "SELECT id FROM subject")) == len(DEFAULT_SUBJECTS)
    assert "core.subjects_defaults_added" in await actions(database_url)


# ---- study groups -------------------------------------------------------------------------------


async def test_a_group_spans_classes_of_one_grade_level_only(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, _first = await add_year(database_url, school)
        a10, b10, a11 = await add_classes(database_url, school, year, (10, "А"), (10, "Б"), (11, "А"))
        await admin.post("/structure/subjects", data={"name": "Физика"})
        (physics,), = await fetch(database_url, "SELECT id FROM subject")
        url = f"/structure/years/{year}/groups"
        created = await admin.post(url, data={"name": "10, физика, профильная группа", "subject_id": str(physics),
                                              "class_ids": [str(a10), str(b10)]}, follow_redirects=False)
        async with database_unchanged(database_url):
            mixed = await admin.post(url, data={"name": "Элективный курс", "class_ids": [str(b10), str(a11)]},
                                     headers={**HTMX, "HX-Target": "core-group-form"})
            no_class = await admin.post(url, data={"name": "Без классов", "subject_id": ""})
            no_name = await admin.post(url, data={"name": "", "class_ids": str(a11)})
            bad_id = await admin.post(url, data={"name": "Группа", "class_ids": "первый"})
            taken = await admin.post(url, data={"name": "10, физика, профильная группа", "class_ids": str(a10)})
        listing = await admin.get("/structure/groups")
        by_class = await admin.get("/structure/groups", params={"class": str(a11)}, headers={**HTMX, "HX-Target": "core-groups-table"})
        by_level = await admin.get("/structure/groups", params={"level": "10", "q": "ФИЗИКА"})
    (group, level), = await fetch(database_url, "SELECT id, grade_level FROM study_group")
    assert created.status_code == 303 and created.headers["location"] == f"/structure/groups/{group}" and level == 10
    assert mixed.status_code == 422 and mixed.text.startswith('<form id="core-group-form"')
    assert "Группа набирается из классов одной параллели; выбраны параллели 10, 11." in mixed.text
    assert 'value="Элективный курс"' in mixed.text and f'value="{b10}" checked' in mixed.text
    assert no_class.status_code == 422 and "Выберите класс или классы, из которых набирается группа." in no_class.text
    assert no_name.status_code == 422 and "Назовите группу" in no_name.text
    assert bad_id.status_code == 422 and "Выберите классы этого учебного года." in bad_id.text
    assert taken.status_code == 422 and "Группа с таким названием в этом году уже есть." in taken.text
    row = listing.text.split(f'id="core-group-{group}"')[1].split("</tr>")[0]
    assert ">10А</a>, <a" in row and ">10Б</a>" in row and "Физика" in row
    assert by_class.text.startswith('<div id="core-groups-table"') and "Учебные группы не найдены." in by_class.text
    assert f'id="core-group-{group}"' in by_level.text
    assert "core.group_created" in await actions(database_url)


async def test_group_members_have_dates_that_do_not_overlap(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        student = await add_user(database_url, "s1", [("student", school)], full_name="Егоров Илья")
        other = await add_user(database_url, "s2", [("student", school)], full_name="Жукова Мария")
        teacher = await add_user(database_url, "t1", [("teacher", school)], full_name="Учитель Зоя")
        year, first = await add_year(database_url, school)
        today = school_today("Asia/Yekaterinburg")
        (class_id,) = await add_classes(database_url, school, year, (5, "А"))
        await admin.post(f"/structure/years/{year}/groups", data={"name": "5А, гр. 1", "class_ids": str(class_id)})
        (group,), = await fetch(database_url, "SELECT id FROM study_group")
        url = f"/structure/groups/{group}/members"
        card = await admin.get(f"/structure/groups/{group}")
        added = await admin.post(url, data={"student_id": str(student), "starts_on": iso(first), "ends_on": ""}, follow_redirects=False)
        await admin.post(url, data={"student_id": str(other), "starts_on": iso(first), "ends_on": iso(today - timedelta(days=1))})
        refusals = {
            "overlap": ({"student_id": str(student), "starts_on": iso(today), "ends_on": ""}, "Ученик уже в группе на эти даты."),
            "end before start": ({"student_id": str(other), "starts_on": iso(today), "ends_on": iso(today - timedelta(days=1))},
                                 "Дата окончания раньше даты начала."),
            "a teacher": ({"student_id": str(teacher), "starts_on": iso(today), "ends_on": ""}, "Выберите ученика этой школы."),
            "nobody": ({"student_id": "", "starts_on": iso(today), "ends_on": ""}, "Выберите ученика этой школы."),
        }
        async with database_unchanged(database_url):
            answers = {name: await admin.post(url, data=values, headers={**HTMX, "HX-Target": "core-group-members"})
                       for name, (values, _message) in refusals.items()}
        (member,), = await fetch(database_url, "SELECT id FROM study_group_member WHERE student_id = :id", id=student)
        async with database_unchanged(database_url):
            no_end = await admin.post(f"/structure/group-members/{member}/end", data={"ends_on": ""},
                                      headers={**HTMX, "HX-Target": "core-group-members"})
        ended = await admin.post(f"/structure/group-members/{member}/end", data={"ends_on": iso(today)}, follow_redirects=False)
        back = await admin.post(url, data={"student_id": str(other), "starts_on": iso(today), "ends_on": ""}, follow_redirects=False)
        after = await admin.get(f"/structure/groups/{group}")
        listing = await admin.get("/structure/groups")
    assert "Егоров Илья" in card.text and "Учитель Зоя" not in card.text  # only students can be members
    assert added.status_code == 303 and ended.status_code == 303 and back.status_code == 303
    for name, (_values, message) in refusals.items():
        assert answers[name].status_code == 422 and message in answers[name].text, name
        assert answers[name].text.startswith('<section class="card" id="core-group-members"')
    assert no_end.status_code == 422 and "Укажите дату окончания." in no_end.text
    members = after.text.split('id="core-group-members"')[1].split("</table>")[0]
    assert members.count("Жукова Мария") == 2 and "выбыл" in members and "2 ученика в группе сегодня" in members
    row = listing.text.split(f'id="core-group-{group}"')[1].split("</tr>")[0]
    assert '<td class="num">2</td>' in row
    assert {"core.group_member_added", "core.group_member_ended"} <= set(await actions(database_url))


# ---- who may change what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["director", "deputy", "secretary"])
async def test_read_only_roles_see_the_pages_without_forms_and_cannot_post(make_client, database_url, role):
    school = await add_school(database_url, "Школа с данными")
    teacher = await add_user(database_url, "t1", [("teacher", school)])
    student = await add_user(database_url, "s1", [("student", school)])
    year, first = await add_year(database_url, school)
    (class_id,) = await add_classes(database_url, school, year, (5, "А"))
    async with writing(database_url) as session:
        service = OrganisationService(session, school)
        the_year = await session.get(AcademicYear, year)
        subject = await service.save_subject(None, name="Математика", short_name="", sort_order=None)
        class_group = (await service.classes(the_year))[0]
        appointment = await service.appoint_class_teacher(class_group, teacher_id=teacher, starts_on=first, ends_on=None)
        group = await service.add_group(the_year, name="5А, гр. 1", class_ids=[class_id], subject_id=subject.id)
        member = await service.add_member(group, student_id=student, starts_on=first, ends_on=None)
        ids = {"subject": subject.id, "appointment": appointment.id, "group": group.id, "member": member.id}
    await add_user(database_url, f"{role}-x", [(role, school)])
    async with make_client(plugins=("testplugin",)) as client:
        from tests.support.people import sign_in
        await sign_in(client, f"{role}-x")
        pages = [await client.get(url) for url in (
            "/structure/classes", f"/structure/classes/{class_id}", "/structure/subjects", f"/structure/subjects?edit={ids['subject']}",
            "/structure/groups", f"/structure/groups/{ids['group']}")]
        async with database_unchanged(database_url):
            posts = [await client.post(url, data=data) for url, data in (
                (f"/structure/years/{year}/classes", {"grade_level": "6", "letter": "А"}),
                (f"/structure/classes/{class_id}/shift", {"shift": "2"}),
                (f"/structure/classes/{class_id}/class-teachers", {"teacher_id": str(teacher), "starts_on": iso(first)}),
                (f"/structure/class-teachers/{ids['appointment']}/end", {"ends_on": iso(first)}),
                ("/structure/subjects", {"name": "Химия"}),
                ("/structure/subjects/defaults", {}),
                (f"/structure/subjects/{ids['subject']}", {"name": "Алгебра"}),
                (f"/structure/subjects/{ids['subject']}/archive", {"archived": "1"}),
                (f"/structure/years/{year}/groups", {"name": "Новая", "class_ids": str(class_id)}),
                (f"/structure/groups/{ids['group']}/members", {"student_id": str(student), "starts_on": iso(first)}),
                (f"/structure/group-members/{ids['member']}/end", {"ends_on": iso(first)}),
            )]
    assert [page.status_code for page in pages] == [200] * 6
    assert ">5А</a>" in pages[0].text and "Математика" in pages[2].text and "5А, гр. 1" in pages[4].text
    for page in pages:
        assert 'method="post"' not in page.text.split("<main")[1].split("</main>")[0].replace('action="/logout"', "")
    assert 'class="is-editing"' not in pages[3].text
    assert [post.status_code for post in posts] == [403] * len(posts)


async def test_another_schools_objects_are_out_of_reach(make_client, database_url):
    other = await add_school(database_url, "Чужая школа")
    stranger = await add_user(database_url, "stranger", [("teacher", other)], full_name="Чужой Учитель")
    stranger_student = await add_user(database_url, "stranger-s", [("student", other)], full_name="Чужой Ученик")
    other_year, other_first = await add_year(database_url, other)
    (other_class,) = await add_classes(database_url, other, other_year, (9, "Я"))
    async with writing(database_url) as session:
        service = OrganisationService(session, other)
        the_year = await session.get(AcademicYear, other_year)
        subject = await service.save_subject(None, name="Чужой предмет", short_name="", sort_order=None)
        class_group = (await service.classes(the_year))[0]
        appointment = await service.appoint_class_teacher(class_group, teacher_id=stranger, starts_on=other_first, ends_on=None)
        group = await service.add_group(the_year, name="Чужая группа", class_ids=[other_class], subject_id=subject.id)
        member = await service.add_member(group, student_id=stranger_student, starts_on=other_first, ends_on=None)
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        teacher = await add_user(database_url, "mine", [("teacher", school)])
        year, first = await add_year(database_url, school)
        (class_id,) = await add_classes(database_url, school, year, (5, "А"))
        await admin.post(f"/structure/years/{year}/groups", data={"name": "5А, гр. 1", "class_ids": str(class_id)})
        (my_group,), = await fetch(database_url, "SELECT id FROM study_group WHERE school_id = :school", school=school)
        listing = [await admin.get(url) for url in ("/structure/classes", "/structure/subjects", "/structure/groups")]
        async with database_unchanged(database_url):
            answers = [
                await admin.get(f"/structure/classes/{other_class}"),
                await admin.get(f"/structure/groups/{group.id}"),
                await admin.get(f"/structure/classes?year={other_year}"),
                await admin.get(f"/structure/groups?year={other_year}"),
                await admin.post(f"/structure/years/{other_year}/classes", data={"grade_level": "5", "letter": "Б"}),
                await admin.post(f"/structure/classes/{other_class}/shift", data={"shift": "2"}),
                await admin.post(f"/structure/classes/{other_class}/class-teachers", data={"teacher_id": str(teacher), "starts_on": iso(other_first)}),
                await admin.post(f"/structure/class-teachers/{appointment.id}/end", data={"ends_on": iso(other_first)}),
                await admin.post(f"/structure/subjects/{subject.id}", data={"name": "Взлом"}),
                await admin.post(f"/structure/subjects/{subject.id}/archive", data={"archived": "1"}),
                await admin.post(f"/structure/years/{other_year}/groups", data={"name": "Г", "class_ids": str(other_class)}),
                await admin.post(f"/structure/groups/{group.id}/members", data={"student_id": str(stranger_student), "starts_on": iso(other_first)}),
                await admin.post(f"/structure/group-members/{member.id}/end", data={"ends_on": iso(other_first)}),
            ]
            foreign_people = [
                await admin.post(f"/structure/classes/{class_id}/class-teachers", data={"teacher_id": str(stranger), "starts_on": iso(first)}),
                await admin.post(f"/structure/years/{year}/groups", data={"name": "Г", "class_ids": str(other_class)}),
                await admin.post(f"/structure/years/{year}/groups", data={"name": "Г", "class_ids": str(class_id), "subject_id": str(subject.id)}),
                await admin.post(f"/structure/groups/{my_group}/members", data={"student_id": str(stranger_student), "starts_on": iso(first)}),
            ]
    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert all("Чуж" not in page.text for page in listing + answers)
    # Another school's people, classes and subjects chosen in a form: refused by the field (422), like any bad choice.
    assert [answer.status_code for answer in foreign_people] == [422] * 4
    messages = ["Выберите учителя этой школы.", "Выберите классы этого учебного года.", "Выберите предмет школы.",
                "Выберите ученика этой школы."]
    assert all(message in answer.text for message, answer in zip(messages, foreign_people))


@pytest.mark.parametrize("role", ["teacher", "student", "parent"])
async def test_people_without_the_structure_permission_do_not_see_these_pages(make_client, database_url, role):
    async with signed_in(make_client, database_url, role=role) as (client, school):
        year, _first = await add_year(database_url, school)
        (class_id,) = await add_classes(database_url, school, year, (5, "А"))
        answers = [await client.get(url) for url in ("/structure/classes", f"/structure/classes/{class_id}",
                                                     "/structure/subjects", "/structure/groups")]
    assert [answer.status_code for answer in answers] == [403] * 4

"""Subject pages and the teaching load (regulation 3.7): pages made from the curriculum, teachers
assigned to them for dates, the load per teacher and per class, a teacher's own load."""

from __future__ import annotations

import json
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.session import make_engine
from core.structure.calendar import CalendarService
from core.structure.common import school_today
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import AcademicYear, ClassTeacherAppointment, SubjectPage
from core.structure.organisation import OrganisationService
from tests.support.people import add_school, add_user, sign_in, signed_in
from tests.support.snapshot import database_unchanged, fetch

TODAY = school_today("Asia/Yekaterinburg")


@dataclass
class School:
    school_id: int
    year_id: int
    starts_on: date
    ends_on: date
    subjects: dict[str, int]  # name → id
    classes: dict[str, int]  # «5А» → id
    groups: list[int]  # the two English groups of 5А
    teachers: dict[str, int]  # login → id


@asynccontextmanager
async def services(url: str):
    """A session of the test's own (never the app's pool), committed at the end."""
    engine = make_engine(url, pooled=False)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def generate(url: str, school: School) -> dict[tuple[str, int | None, int | None], int]:
    async with services(url) as session:
        await PageService(session, school.school_id).generate(await session.get(AcademicYear, school.year_id))
    return await pages_of(url, school)


async def build_school(url: str, school_id: int, *, classes: tuple[str, ...] = ("5А", "5Б")) -> School:
    """A year around today: grade 5 learns mathematics (5 h), Russian (5 h) and English (3 h);
    5А is split into two English groups. Two teachers, made through the services themselves."""
    teachers = {login: await add_user(url, login, [("teacher", school_id)], full_name=name)
                for login, name in ((f"ivanova-{school_id}", "Иванова Анна Петровна"), (f"petrov-{school_id}", "Петров Олег Ильич"))}
    async with services(url) as session:
        year = await CalendarService(session, school_id).create_year(TODAY - timedelta(days=60), TODAY + timedelta(days=200))
        organisation = OrganisationService(session, school_id)
        subjects = {}
        for name in ("Математика", "Русский язык", "Английский язык"):
            subjects[name] = (await organisation.save_subject(None, name=name, short_name="", sort_order=None)).id
        curriculum = CurriculumService(session, school_id)
        for name, half_hours in (("Математика", 10), ("Русский язык", 10), ("Английский язык", 6)):
            await curriculum.set_hours(year, grade_level=5, subject_id=subjects[name], half_hours=half_hours)
        made = {name: (await organisation.add_class(year, grade_level=int(name[:-1]), letter=name[-1])).id for name in classes}
        groups = [(await organisation.add_group(year, name=f"5А, английский язык, гр. {number}", class_ids=[made["5А"]],
                                                subject_id=subjects["Английский язык"])).id for number in (1, 2)]
    return School(school_id, year.id, year.starts_on, year.ends_on, subjects, made, groups, teachers)


async def pages_of(url: str, school: School) -> dict[tuple[str, int | None, int | None], int]:
    """(subject, class id, group id) → page id."""
    names = {subject_id: name for name, subject_id in school.subjects.items()}
    rows = await fetch(url, "SELECT id, subject_id, class_group_id, study_group_id FROM subject_page WHERE school_id = :s",
                       s=school.school_id)
    return {(names[subject_id], class_id, group_id): page_id for page_id, subject_id, class_id, group_id in rows}


async def actions(url: str) -> list[str]:
    return [action for (action,) in await fetch(url, "SELECT action FROM audit_record ORDER BY id")]


def day(value: date) -> str:
    return value.isoformat()


async def assign(client, page_id: int, teacher_id: int, hours: str, starts_on: date, ends_on: date | None = None):
    return await client.post(f"/structure/pages/{page_id}/assignments", data={
        "teacher_id": str(teacher_id), "hours": hours, "starts_on": day(starts_on), "ends_on": day(ends_on) if ends_on else ""}, follow_redirects=False)


# ---- pages from the curriculum ----------------------------------------------------------------


async def test_pages_are_made_from_the_curriculum_with_a_class_split_into_groups(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        school = await build_school(database_url, school_id)
        made = await admin.post(f"/structure/years/{school.year_id}/pages/generate", follow_redirects=False)
        assert made.status_code == 303 and made.headers["location"] == f"/structure/pages?year={school.year_id}"
        listing = await admin.get(made.headers["location"])
        assert "Создано 7 предметных страниц." in listing.text

        pages = await pages_of(database_url, school)
        a, b = school.classes["5А"], school.classes["5Б"]
        group_1, group_2 = school.groups
        assert set(pages) == {
            ("Математика", a, None), ("Русский язык", a, None), ("Английский язык", None, group_1), ("Английский язык", None, group_2),
            ("Математика", b, None), ("Русский язык", b, None), ("Английский язык", b, None),
        }  # no English page for 5А as a whole: its groups have theirs

        async with database_unchanged(database_url):
            again = await admin.post(f"/structure/years/{school.year_id}/pages/generate")
        assert "Новых страниц нет" in again.text

        # The class filter brings the pages of the class's groups too; text search looks at holder and subject.
        by_class = await admin.get("/structure/pages", params={"year": school.year_id, "class": a},
                                   headers={"HX-Request": "true", "HX-Target": "core-pages-table"})
        assert by_class.text.startswith('<div id="core-pages-table"') and "4 страницы" in by_class.text
        assert "гр. 1" in by_class.text and "гр. 2" in by_class.text and "5Б" not in by_class.text
        found = await admin.get("/structure/pages", params={"year": school.year_id, "q": "АНГЛ"})
        assert "3 страницы" in found.text
        found = await admin.get("/structure/pages", params={"year": school.year_id, "q": "5б русск"})
        assert "1 страница" in found.text and "нет в учебном плане" not in found.text
        unassigned = await admin.get("/structure/pages", params={"year": school.year_id, "unassigned": "1"})
        assert "7 страниц" in unassigned.text and "назначено не всё" in unassigned.text
    audit = await fetch(database_url, "SELECT details FROM audit_record WHERE action = 'core.subject_pages_generated' ORDER BY id")
    assert [json.loads(d)["count"] if isinstance(d, str) else d["count"] for (d,) in audit] == [7, 0]


async def test_a_single_page_is_added_and_a_duplicate_or_foreign_holder_refused(make_client, database_url):
    other_school = await add_school(database_url, "Другая школа")
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        school = await build_school(database_url, school_id)
        foreign = await build_school(database_url, other_school)
        url = f"/structure/years/{school.year_id}/pages"
        created = await admin.post(url, data={"subject_id": school.subjects["Математика"], "holder": f"c{school.classes['5А']}"},
                                   follow_redirects=False)
        assert created.status_code == 303
        page_id = int(created.headers["location"].rsplit("/", 1)[1])
        card = await admin.get(created.headers["location"])
        assert "Математика · 5А" in card.text and f'href="/structure/classes/{school.classes["5А"]}"' in card.text
        group_page = await admin.post(url, data={"subject_id": school.subjects["Английский язык"], "holder": f"g{school.groups[0]}"},
                                      follow_redirects=False)
        assert f'href="/structure/groups/{school.groups[0]}"' in (await admin.get(group_page.headers["location"])).text
        htmx = {"HX-Request": "true", "HX-Target": "core-page-add-form"}
        async with database_unchanged(database_url):
            refused = [
                await admin.post(url, data={"subject_id": school.subjects["Математика"], "holder": f"c{school.classes['5А']}"}, headers=htmx),
                await admin.post(url, data={"subject_id": "", "holder": f"c{school.classes['5А']}"}, headers=htmx),
                await admin.post(url, data={"subject_id": school.subjects["Математика"], "holder": "x1"}, headers=htmx),
                await admin.post(url, data={"subject_id": "abc", "holder": "c1"}, headers=htmx),
            ]
            foreign_answers = [
                await admin.post(url, data={"subject_id": school.subjects["Математика"], "holder": f"c{foreign.classes['5А']}"}),
                await admin.post(url, data={"subject_id": foreign.subjects["Математика"], "holder": f"c{school.classes['5А']}"}),
                await admin.post(f"/structure/years/{foreign.year_id}/pages/generate"),
            ]
        assert [r.status_code for r in refused] == [422] * 4
        assert "Такая страница уже есть." in refused[0].text and refused[0].text.startswith('<form method="post"')
        assert "Выберите предмет." in refused[1].text and "Выберите класс или группу." in refused[2].text
        assert [r.status_code for r in foreign_answers] == [404] * 3
        assert page_id in (await pages_of(database_url, school)).values()
    assert "core.subject_page_created" in await actions(database_url)


# ---- assignments --------------------------------------------------------------------------------


async def test_replacing_the_teacher_keeps_the_page_and_its_history(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        school = await build_school(database_url, school_id)
        await admin.post(f"/structure/years/{school.year_id}/pages/generate")
        page_id = (await pages_of(database_url, school))[("Математика", school.classes["5А"], None)]
        ivanova, petrov = school.teachers.values()
        added = await assign(admin, page_id, ivanova, "5", school.starts_on)
        assert added.status_code == 303
        card = await admin.get(f"/structure/pages/{page_id}")
        assert "Иванова Анна Петровна, 5 ч" in card.text and "ставятся" in card.text and "5 ч в неделю" in card.text

        switch_day = TODAY + timedelta(days=10)
        replaced = await admin.post(f"/structure/pages/{page_id}/replace", data={
            "assignment_id": (await fetch(database_url, "SELECT id FROM teaching_assignment"))[0][0],
            "teacher_id": petrov, "starts_on": switch_day.strftime("%d.%m.%Y")}, follow_redirects=False)
        assert replaced.status_code == 303 and replaced.headers["location"] == f"/structure/pages/{page_id}"
        rows = await fetch(database_url, "SELECT subject_page_id, teacher_id, half_hours, starts_on, ends_on "
                                         "FROM teaching_assignment ORDER BY starts_on")
        as_dates = [(page, teacher, hours, date.fromisoformat(str(s)), e and date.fromisoformat(str(e))) for page, teacher, hours, s, e in rows]
        assert as_dates == [(page_id, ivanova, 10, school.starts_on, switch_day - timedelta(days=1)),
                            (page_id, petrov, 10, switch_day, None)]  # the same page: its journal stays whole
        assert (await pages_of(database_url, school))[("Математика", school.classes["5А"], None)] == page_id
        card = await admin.get(f"/structure/pages/{page_id}")
        assert "Иванова Анна Петровна" in card.text and "Петров Олег Ильич" in card.text

        # Ending the new teacher's assignment on a day of the year.
        petrov_assignment = (await fetch(database_url, "SELECT id FROM teaching_assignment WHERE teacher_id = :t", t=petrov))[0][0]
        ended = await admin.post(f"/structure/assignments/{petrov_assignment}/end", data={"ends_on": day(switch_day + timedelta(days=30))},
                                 follow_redirects=False)
        assert ended.status_code == 303
        assert str((await fetch(database_url, "SELECT ends_on FROM teaching_assignment WHERE id = :i", i=petrov_assignment))[0][0]) \
            == day(switch_day + timedelta(days=30))
    assert {"core.teacher_assigned", "core.teacher_replaced", "core.assignment_ended"} <= set(await actions(database_url))


async def test_the_page_card_says_when_no_marks_are_given(make_client, database_url):
    async with signed_in(make_client, database_url, role="deputy") as (deputy, school_id):
        school = await build_school(database_url, school_id)
        pages = await generate(database_url, school)
        async with services(database_url) as session:
            await PageService(session, school_id).add_ungraded(
                await session.get(AcademicYear, school.year_id), subject_id=school.subjects["Русский язык"], grade_level=5,
                class_group_id=None, study_period_id=None)
        russian = await deputy.get(f"/structure/pages/{pages[('Русский язык', school.classes['5Б'], None)]}")
        mathematics = await deputy.get(f"/structure/pages/{pages[('Математика', school.classes['5Б'], None)]}")
        assert "«без отметок»" in russian.text and "«без отметок»" not in mathematics.text and "ставятся" in mathematics.text


REFUSALS = {  # case: (what to post, the message)
    "over the curriculum": ("assign", {"hours": "4"}, "Нагрузка составила бы 6 ч в неделю, больше, чем 5 ч по учебному плану"),
    "teacher of another school": ("assign", {"teacher_id": "stranger"}, "Выберите учителя этой школы."),
    "not a teacher": ("assign", {"teacher_id": "secretary"}, "Выберите учителя этой школы."),
    "no teacher": ("assign", {"teacher_id": ""}, "Выберите учителя этой школы."),
    "malformed hours": ("assign", {"hours": "2,7"}, "Укажите часы в неделю — целые или с половиной"),
    "no hours": ("assign", {"hours": ""}, "Укажите часы в неделю — целые или с половиной"),
    "end before start": ("assign", {"ends_on": "yesterday"}, "Дата окончания раньше даты начала."),
    "outside the year": ("assign", {"starts_on": "before the year"}, "Даты должны быть в пределах учебного года"),
    "malformed date": ("assign", {"starts_on": "31.02.2026"}, "Укажите дату в формате дд.мм.гггг."),
    "the same teacher twice": ("assign", {"teacher_id": "ivanova", "hours": "1"}, "Этот учитель уже ведёт страницу в эти даты."),
    "ending before the start": ("end", {"ends_on": "before the year"}, "Дата окончания раньше даты начала."),
    "ending after the year": ("end", {"ends_on": "after the year"}, "Даты должны быть в пределах учебного года"),
    "ending without a date": ("end", {"ends_on": ""}, "Укажите дату окончания."),
    "replacing with the same teacher": ("replace", {"teacher_id": "ivanova"}, "Выберите другого учителя"),
    "replacing on the first day": ("replace", {"starts_on": "year start"}, "Новый учитель начинает после"),
    "replacing nobody": ("replace", {"assignment_id": "999999"}, "Выберите, кого заменить."),
}


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_refused_load_changes_nothing(make_client, database_url, case):
    kind, changes, message = REFUSALS[case]
    other_school = await add_school(database_url, "Другая школа")
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        school = await build_school(database_url, school_id)
        pages = await generate(database_url, school)
        page_id = pages[("Математика", school.classes["5А"], None)]
        ivanova, petrov = school.teachers.values()
        assert (await assign(admin, page_id, ivanova, "2", school.starts_on)).status_code == 303  # 2 of 5 hours
        (assignment_id,), = await fetch(database_url, "SELECT id FROM teaching_assignment")
        words = {"stranger": str(await add_user(database_url, "stranger", [("teacher", other_school)])),
                 "secretary": str(await add_user(database_url, "secretary-x", [("secretary", school_id)])),
                 "ivanova": str(ivanova), "yesterday": day(TODAY - timedelta(days=1)), "year start": day(school.starts_on),
                 "before the year": day(school.starts_on - timedelta(days=1)), "after the year": day(school.ends_on + timedelta(days=1))}
        url, form, target = {
            "assign": (f"/structure/pages/{page_id}/assignments", {"teacher_id": str(petrov), "hours": "3", "starts_on": day(TODAY)},
                       "core-assign-form"),
            "end": (f"/structure/assignments/{assignment_id}/end", {}, "core-page-assignments"),
            "replace": (f"/structure/pages/{page_id}/replace",
                        {"assignment_id": str(assignment_id), "teacher_id": str(petrov), "starts_on": day(TODAY)}, "core-replace-form"),
        }[kind]
        form.update({name: words.get(value, value) for name, value in changes.items()})
        async with database_unchanged(database_url):
            plain = await admin.post(url, data=form)
            htmx = await admin.post(url, data=form, headers={"HX-Request": "true", "HX-Target": target})
    assert plain.status_code == 422 and message in plain.text and "<h1>Математика · 5А</h1>" in plain.text
    assert htmx.status_code == 422 and message in htmx.text and f'id="{target}"' in htmx.text.split(">")[0]
    assert 'aria-invalid="true"' in htmx.text and "<h1>" not in htmx.text


# ---- the load ---------------------------------------------------------------------------------


def count_statements(client) -> list[str]:
    seen: list[str] = []
    event.listen(client.app.state.platform.db.engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


async def statements(client, seen: list[str], url: str) -> int:
    seen.clear()
    response = await client.get(url)
    assert response.status_code == 200
    return len([s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])


async def test_the_load_per_teacher_adds_up_and_per_class_compares_with_the_curriculum(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        school = await build_school(database_url, school_id)
        pages = await generate(database_url, school)
        ivanova, petrov = school.teachers.values()
        a, b = school.classes["5А"], school.classes["5Б"]
        seen = count_statements(admin)
        by_teacher = f"/structure/load?year={school.year_id}"
        by_class = f"/structure/load?year={school.year_id}&by=class"
        empty = [await statements(admin, seen, by_teacher), await statements(admin, seen, by_class)]

        for key, teacher, hours in [(("Математика", a, None), ivanova, "5"), (("Математика", b, None), ivanova, "4,5"),
                                    (("Английский язык", None, school.groups[0]), petrov, "3"),
                                    (("Английский язык", None, school.groups[1]), petrov, "3"),
                                    (("Русский язык", a, None), petrov, "5")]:
            assert (await assign(admin, pages[key], teacher, hours, school.starts_on)).status_code == 303
        # An assignment that starts later does not count today.
        assert (await assign(admin, pages[("Русский язык", b, None)], ivanova, "5", TODAY + timedelta(days=5))).status_code == 303
        assert [await statements(admin, seen, by_teacher), await statements(admin, seen, by_class)] == empty

        load = (await admin.get(by_teacher)).text
        totals = {name: re.search(rf'{name}</span> <span class="load-total">([\d,]+) ч в неделю', load)[1]
                  for name in ("Иванова Анна Петровна", "Петров Олег Ильич")}
        assert totals == {"Иванова Анна Петровна": "9,5", "Петров Олег Ильич": "11"}
        for teacher_id in (ivanova, petrov):
            card = load.split(f'id="core-load-teacher-{teacher_id}"')[1].split("</section>")[0]
            *each, total = [float(h.replace(",", ".")) for h in re.findall(r'<td class="num"[^>]*>([\d,]+)</td>', card)]
            assert sum(each) == total and len(each) in (2, 3)  # the pages add up to the total
        later = (await admin.get(by_teacher + f"&day={day(TODAY + timedelta(days=5))}")).text
        assert "14,5 ч в неделю" in later

        classes = (await admin.get(by_class)).text
        class_a = classes.split(f'id="core-load-class-{a}"')[1].split("</section>")[0]
        assert "13 из 13 ч в неделю" in class_a  # English counts once: a student is in one group
        assert "гр. 1" in class_a and "гр. 2" in class_a
        class_b = classes.split(f'id="core-load-class-{b}"')[1].split("</section>")[0]
        assert "4,5 из 13 ч в неделю" in class_b and "нет учителя" in class_b
        partial = await admin.get(by_class, headers={"HX-Request": "true", "HX-Target": "core-load-table"})
        assert partial.text.startswith('<div id="core-load-table">')
        bad_day = await admin.get(by_teacher + "&day=32.13.2026")
        assert bad_day.status_code == 200 and "Укажите дату в формате дд.мм.гггг." in bad_day.text


async def test_a_teacher_sees_only_their_own_load(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        school = await build_school(database_url, school_id)
        pages = await generate(database_url, school)
        ivanova, petrov = school.teachers.values()
        await assign(admin, pages[("Математика", school.classes["5А"], None)], ivanova, "5", school.starts_on)
        await assign(admin, pages[("Математика", school.classes["5Б"], None)], ivanova, "2", TODAY + timedelta(days=7))
        await assign(admin, pages[("Русский язык", school.classes["5Б"], None)], petrov, "5", school.starts_on)
    async with services(database_url) as session:
        session.add(ClassTeacherAppointment(school_id=school_id, class_group_id=school.classes["5Б"], teacher_id=ivanova,
                                            starts_on=school.starts_on, ends_on=None))
    async with make_client(plugins=("testplugin",)) as teacher:
        await sign_in(teacher, f"ivanova-{school_id}")
        own = await teacher.get("/structure/my-load", params={"teacher": petrov})  # no such parameter: still her own
        assert own.status_code == 200
        current = own.text.split('id="core-my-pages"')[1].split("</section>")[0]
        assert "Математика" in current and "5А" in current and "Русский язык" not in current and "5 ч в неделю" in current
        coming = own.text.split('id="core-my-coming"')[1].split("</section>")[0]
        assert "5Б" in coming and (TODAY + timedelta(days=7)).strftime("%d.%m.%Y") in coming
        assert "5Б" in own.text.split('id="core-my-classes"')[1] and "Петров Олег" not in own.text
        assert 'href="/structure/my-load"' in own.text  # the menu leads here
        async with database_unchanged(database_url):
            refused = [await teacher.get(url) for url in (
                "/structure/load", f"/structure/load?by=class&year={school.year_id}", "/structure/pages",
                f"/structure/pages/{pages[('Математика', school.classes['5А'], None)]}")]
            refused.append(await teacher.post(f"/structure/years/{school.year_id}/pages/generate"))
        assert [r.status_code for r in refused] == [403] * 5
    async with make_client(plugins=("testplugin",)) as other:
        await sign_in(other, f"petrov-{school_id}")
        theirs = (await other.get("/structure/my-load")).text
        assert "Русский язык" in theirs and "Математика" not in theirs and "Иванова Анна" not in theirs


async def test_the_director_reads_without_forms(make_client, database_url):
    async with signed_in(make_client, database_url, role="director") as (director, school_id):
        school = await build_school(database_url, school_id)
        page_id = (await generate(database_url, school))[("Математика", school.classes["5А"], None)]
        ivanova = school.teachers[f"ivanova-{school_id}"]
        async with services(database_url) as session:
            assignment = await PageService(session, school_id).assign(
                await session.get(SubjectPage, page_id), teacher_id=ivanova, half_hours=10, starts_on=school.starts_on, ends_on=None)
        answers = [await director.get(url) for url in (
            "/structure/pages", f"/structure/pages/{page_id}", "/structure/load", "/structure/load?by=class")]
        assert [r.status_code for r in answers] == [200] * 4
        assert "Иванова Анна Петровна" in answers[1].text and "Иванова Анна Петровна" in answers[2].text
        for answer in answers:
            assert 'method="post"' not in answer.text.split("<main")[1].split("</main>")[0]
        async with database_unchanged(database_url):
            posts = [
                await director.post(f"/structure/years/{school.year_id}/pages/generate"),
                await director.post(f"/structure/years/{school.year_id}/pages",
                                    data={"subject_id": school.subjects["Математика"], "holder": f"g{school.groups[0]}"}),
                await assign(director, page_id, ivanova, "1", TODAY),
                await director.post(f"/structure/assignments/{assignment.id}/end", data={"ends_on": day(TODAY)}),
                await director.post(f"/structure/pages/{page_id}/replace",
                                    data={"assignment_id": assignment.id, "teacher_id": ivanova, "starts_on": day(TODAY)}),
            ]
            my_load = await director.get("/structure/my-load")
        assert [r.status_code for r in posts] == [403] * 5 and my_load.status_code == 403


async def test_another_schools_pages_are_out_of_reach(make_client, database_url):
    other_school = await add_school(database_url, "Другая школа")
    foreign = await build_school(database_url, other_school)
    foreign_page = (await generate(database_url, foreign))[("Математика", foreign.classes["5А"], None)]
    async with services(database_url) as session:
        foreign_assignment = (await PageService(session, other_school).assign(
            await session.get(SubjectPage, foreign_page), teacher_id=foreign.teachers[f"ivanova-{other_school}"], half_hours=2,
            starts_on=foreign.starts_on, ends_on=None)).id
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        school = await build_school(database_url, school_id)
        ivanova = school.teachers[f"ivanova-{school_id}"]
        async with database_unchanged(database_url):
            answers = [
                await admin.get(f"/structure/pages/{foreign_page}"),
                await admin.get("/structure/pages/999999"),
                await admin.get(f"/structure/pages?year={foreign.year_id}"),
                await admin.get(f"/structure/load?year={foreign.year_id}"),
                await admin.get("/structure/pages?year=99999999999"),
                await assign(admin, foreign_page, ivanova, "1", TODAY),
                await admin.post(f"/structure/assignments/{foreign_assignment}/end", data={"ends_on": day(TODAY)}),
                await admin.post(f"/structure/pages/{foreign_page}/replace",
                                 data={"assignment_id": foreign_assignment, "teacher_id": ivanova, "starts_on": day(TODAY)}),
                await admin.post(f"/structure/years/{foreign.year_id}/pages/generate"),
            ]
        assert [r.status_code for r in answers] == [404] * 9
        assert "Иванова Анна Петровна" not in (await admin.get("/structure/load")).text  # the other school's load


async def test_a_school_without_a_year_gets_a_hint_not_an_error(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school_id):
        answers = [await admin.get(url) for url in ("/structure/pages", "/structure/load", "/structure/load?by=class")]
        assert [r.status_code for r in answers] == [200] * 3 and all("У школы ещё нет учебного года." in r.text for r in answers)
        await add_user(database_url, f"lonely-{school_id}", [("teacher", school_id)])
    async with make_client(plugins=("testplugin",)) as teacher:
        await sign_in(teacher, f"lonely-{school_id}")
        own = await teacher.get("/structure/my-load")
        assert own.status_code == 200 and "У школы ещё нет учебного года." in own.text

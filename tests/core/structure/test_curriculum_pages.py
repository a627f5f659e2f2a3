"""The curriculum page (учебный план) and the «без отметок» rules: the numbers a deputy checks
against the school's own arithmetic, editing in the grid, refusals that change nothing, and
read-only roles."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from core.structure.calendar import CalendarService
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import AcademicYear
from core.structure.organisation import OrganisationService
from tests.support.people import add_school, add_user, signed_in
from tests.support.snapshot import database_unchanged, execute, fetch
from tests.support.structure import add_small_school, writing

# Grade 5 of a five-day school (hours a week; ОДНКНР every other week, 0,5 on average).
GRADE_5 = [("Русский язык", 10, "weekly"), ("Литература", 6, "weekly"), ("Иностранный язык", 6, "weekly"),
           ("Математика", 10, "weekly"), ("История", 4, "weekly"), ("География", 2, "weekly"), ("Биология", 2, "weekly"),
           ("ОДНКНР", 1, "alternate_weeks")]
# Grade 10 of a six-day school; the individual project runs in the first half-year only.
GRADE_10 = [("Русский язык", 4, "weekly"), ("Литература", 6, "weekly"), ("Иностранный язык", 6, "weekly"),
            ("Алгебра", 6, "weekly"), ("Геометрия", 4, "weekly"), ("Вероятность и статистика", 2, "weekly"),
            ("Информатика", 2, "weekly"), ("История", 4, "weekly"), ("Обществознание", 4, "weekly"),
            ("География", 2, "weekly"), ("Физика", 4, "weekly"), ("Химия", 2, "weekly"), ("Биология", 2, "weekly"),
            ("Физическая культура", 4, "weekly"), ("ОБЗР", 2, "weekly"), ("Индивидуальный проект", 4, "first_half")]


async def add_curriculum(url: str, school_id: int, grade_level: int, lines: list[tuple[str, int, str]], *,
                         days_per_week: int = 5) -> tuple[int, dict[str, int]]:
    """A year 2026/2027 and the grade's curriculum: (year id, subject name → id)."""
    async with writing(url) as session:
        year = await CalendarService(session, school_id).create_year(date(2026, 9, 1), date(2027, 5, 31), days_per_week=days_per_week)
        organisation, curriculum = OrganisationService(session, school_id), CurriculumService(session, school_id)
        subjects = {}
        for order, (name, half_hours, pattern) in enumerate(lines):
            subject = await organisation.save_subject(None, name=name, short_name=name[:10], sort_order=order)
            subjects[name] = subject.id
            await curriculum.set_hours(year, grade_level=grade_level, subject_id=subject.id, half_hours=half_hours, pattern=pattern)
        return year.id, subjects


def text_of(html: str, element_id: str) -> str:
    """The visible text of the element with that id (tags dropped, spaces squeezed)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element #{element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match[2]).split())


def title_of(html: str, element_id: str) -> str:
    match = re.search(rf'\bid="{element_id}"[^>]*\btitle="([^"]*)"', html)
    assert match, f"no title on #{element_id}"
    return match[1]


def cell_headers(subject_id: int, grade_level: int) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": f"core-curriculum-cell-{subject_id}-{grade_level}"}


async def hours_in_db(url: str, subject_id: int, grade_level: int) -> list[tuple[int, str]]:
    return await fetch(url, "SELECT half_hours, pattern FROM curriculum_line WHERE subject_id = :s AND grade_level = :l",
                       s=subject_id, l=grade_level)


async def test_a_five_day_grade_5_adds_up_as_counted_by_hand(make_client, database_url):
    async with signed_in(make_client, database_url, role="deputy") as (deputy, school):
        year, subjects = await add_curriculum(database_url, school, 5, GRADE_5)
        page = await deputy.get("/structure/curriculum", params={"year": year})
        yearly = await deputy.get("/structure/curriculum", params={"year": year, "view": "year"})
    assert page.status_code == 200
    html = page.text
    # 5 + 3 + 3 + 5 + 2 + 1 + 1 + 0,5 = 20,5 hours a week, under the СанПиН maximum of 29 for a 5-day week
    assert text_of(html, "core-curriculum-weekly-5") == "20,5"
    assert not re.search(r'class="num[^"]*\bover\b', html)
    assert text_of(html, "core-curriculum-limit-5") == "29" and text_of(html, "core-curriculum-days-5") == "5"
    assert text_of(html, "core-curriculum-weeks-5") == "34"
    # 20,5 × 34 = 697 hours a year
    assert text_of(html, "core-curriculum-yearly-5") == "697"
    # Математика: 5 × 34 = 170; ОДНКНР every other week: 0,5 × 34 = 17
    math, odnknr = subjects["Математика"], subjects["ОДНКНР"]
    assert text_of(html, f"core-curriculum-cell-{math}-5") == "5"
    assert "5 ч в неделю × 34 нед. = 170 ч в год" in title_of(html, f"core-curriculum-cell-{math}-5")
    assert text_of(html, f"core-curriculum-cell-{odnknr}-5") == "0,5 ч/н"
    assert "= 17 ч в год" in title_of(html, f"core-curriculum-cell-{odnknr}-5")
    assert text_of(yearly.text, f"core-curriculum-cell-{math}-5") == "170"
    assert text_of(yearly.text, f"core-curriculum-cell-{odnknr}-5") == "17 ч/н"
    # a reader sees no inputs and no forms
    assert 'class="cell"' not in html and "core-curriculum-form" not in html and "core-ungraded-form" not in html


async def test_a_six_day_grade_10_with_a_half_year_subject_adds_up_as_counted_by_hand(make_client, database_url):
    async with signed_in(make_client, database_url, role="deputy") as (deputy, school):
        year, subjects = await add_curriculum(database_url, school, 10, GRADE_10, days_per_week=6)
        html = (await deputy.get("/structure/curriculum", params={"year": year, "levels": "10-11"})).text
        partial = await deputy.get("/structure/curriculum", params={"year": year, "levels": "10-11"},
                                   headers={"HX-Request": "true", "HX-Target": "core-curriculum-table"})
    assert partial.text.startswith('<div id="core-curriculum-table"') and "<html" not in partial.text
    # every week: 2+3+3+3+2+1+1+2+2+1+2+1+1+2+1 = 27; the project adds 2 in the first half-year only:
    # the busier week has 27 + 2 = 29 hours, under the maximum of 37 for a 6-day week
    assert text_of(html, "core-curriculum-weekly-10") == "29"
    assert text_of(html, "core-curriculum-limit-10") == "37" and text_of(html, "core-curriculum-days-10") == "6"
    # a year: 27 × 34 + 2 × 17 (the first half-year has 34 / 2 = 17 weeks) = 918 + 34 = 952
    assert text_of(html, "core-curriculum-yearly-10") == "952"
    project = subjects["Индивидуальный проект"]
    assert text_of(html, f"core-curriculum-cell-{project}-10") == "2 1 п/г"
    assert "2 ч в неделю × 17 нед. = 34 ч в год" in title_of(html, f"core-curriculum-cell-{project}-10")
    assert "1-е полугодие: 29 ч, 2-е полугодие: 27 ч" in title_of(html, "core-curriculum-weekly-10")
    # the 10–11 band shows those grades only
    assert "core-curriculum-weekly-11" in html and "core-curriculum-weekly-9" not in html


async def test_the_manager_types_hours_into_a_cell_and_the_totals_follow(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, subjects = await add_curriculum(database_url, school, 5, GRADE_5)
        html = (await admin.get("/structure/curriculum", params={"year": year})).text
        math, history = subjects["Математика"], subjects["История"]
        assert f'id="core-curriculum-cell-{math}-5-hours"' in html and 'value="5"' in html
        answer = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(history, 5),
                                  data={"grade_level": "5", "subject_id": str(history), "hours": "3,5", "pattern": "weekly"})
        assert answer.status_code == 200, answer.text
        assert answer.text.startswith(f'<span id="core-curriculum-cell-{history}-5"') and 'value="3,5"' in answer.text
        # 20,5 − 2 + 3,5 = 22 a week; 22 × 34 = 748 a year, swapped in out of band
        assert 'hx-swap-oob="true"' in answer.text
        assert text_of(answer.text, "core-curriculum-weekly-5") == "22" and text_of(answer.text, "core-curriculum-yearly-5") == "748"
        assert "Сохранено: История, 5 класс — 3,5 ч в неделю." in answer.text
        assert await hours_in_db(database_url, history, 5) == [(7, "weekly")]
        # a mark typed after the number sets the pattern; "0.5" with a dot is read too
        answer = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(history, 5),
                                  data={"grade_level": "5", "subject_id": str(history), "hours": "0.5 ч/н", "pattern": "weekly"})
        assert answer.status_code == 200 and await hours_in_db(database_url, history, 5) == [(1, "alternate_weeks")]
        # a new subject in a new grade, then removed with an empty cell
        answer = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(math, 6),
                                  data={"grade_level": "6", "subject_id": str(math), "hours": "5"})
        assert answer.status_code == 200 and await hours_in_db(database_url, math, 6) == [(10, "weekly")]
        answer = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(math, 6),
                                  data={"grade_level": "6", "subject_id": str(math), "hours": "", "pattern": "weekly"})
        assert answer.status_code == 200 and await hours_in_db(database_url, math, 6) == []
        assert "Удалено: Математика, 6 класс." in answer.text
    changes = await fetch(database_url, "SELECT details FROM audit_record WHERE action = 'core.curriculum_changed' ORDER BY id")
    first, *_, last = [json.loads(details) for (details,) in changes]
    assert first["old"] == {"hours": "2", "pattern": "weekly"} and first["new"] == {"hours": "3,5", "pattern": "weekly"}
    assert last["old"] == {"hours": "5", "pattern": "weekly"} and last["new"] is None and len(changes) == 4


async def test_the_details_form_sets_a_half_year_subject_and_a_plain_post_redirects(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, subjects = await add_curriculum(database_url, school, 5, GRADE_5)
        geography = subjects["География"]
        answer = await admin.post(f"/structure/years/{year}/curriculum", headers={"HX-Request": "true", "HX-Target": "core-curriculum-table"},
                                  data={"grade_level": "5", "subject_id": str(geography), "hours": "2", "pattern": "second_half"})
        assert answer.status_code == 200 and answer.text.startswith('<div id="core-curriculum-table"')
        # 20,5 − 1 = 19,5 every week; + 2 in the second half-year = 21,5 a week at most;
        # a year: 19,5 × 34 + 2 × 17 = 663 + 34 = 697
        assert text_of(answer.text, "core-curriculum-weekly-5") == "21,5" and text_of(answer.text, "core-curriculum-yearly-5") == "697"
        plain = await admin.post(f"/structure/years/{year}/curriculum", follow_redirects=False,
                                 data={"grade_level": "5", "subject_id": str(geography), "hours": "1", "levels": "5-9"})
        assert plain.status_code == 303 and plain.headers["location"] == f"/structure/curriculum?year={year}&levels=5-9"
        assert await hours_in_db(database_url, geography, 5) == [(2, "weekly")]
        async with database_unchanged(database_url):
            refused = await admin.post(f"/structure/years/{year}/curriculum", data={"grade_level": "5", "subject_id": str(geography), "hours": "x"})
        assert refused.status_code == 422 and "<html" in refused.text and 'id="core-curriculum-message"' in refused.text


@pytest.mark.parametrize("hours", ["3,3", "abc", "-1", "21", "1 п/x"])
async def test_hours_that_are_not_whole_or_half_are_refused_and_change_nothing(make_client, database_url, hours):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, subjects = await add_curriculum(database_url, school, 5, GRADE_5)
        math = subjects["Математика"]
        async with database_unchanged(database_url):
            answer = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(math, 5),
                                      data={"grade_level": "5", "subject_id": str(math), "hours": hours, "pattern": "weekly"})
    assert answer.status_code == 422
    assert "3 или 0,5" in text_of(answer.text, "core-curriculum-message")
    assert 'aria-invalid="true"' in answer.text and 'value="5"' in answer.text  # the old value stays in the cell


async def test_going_over_the_weekly_maximum_is_refused_until_the_school_raises_it(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, subjects = await add_curriculum(database_url, school, 5, GRADE_5)
        math = subjects["Математика"]
        over = {"grade_level": "5", "subject_id": str(math), "hours": "14", "pattern": "weekly"}
        async with database_unchanged(database_url):
            answer = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(math, 5), data=over)
        # 20,5 − 5 + 14 = 29,5 > 29
        assert answer.status_code == 422
        assert "5 класс: 29,5 ч в неделю — больше предельных 29 ч при 5-дневной неделе." in answer.text
        assert 'aria-invalid="true"' in answer.text and 'value="5"' in answer.text
        await execute(database_url, "UPDATE grade_level_settings SET weekly_limit = 30 WHERE grade_level = 5")
        answer = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(math, 5), data=over)
        assert answer.status_code == 200 and await hours_in_db(database_url, math, 5) == [(28, "weekly")]
        assert text_of(answer.text, "core-curriculum-weekly-5") == "29,5" and text_of(answer.text, "core-curriculum-limit-5") == "30"
        # the maximum lowered behind the grid's back: the page warns and marks the total
        await execute(database_url, "UPDATE grade_level_settings SET weekly_limit = 29 WHERE grade_level = 5")
        html = (await admin.get("/structure/curriculum", params={"year": year})).text
    assert re.search(r'class="num[^"]*\bover\b"\s+id="core-curriculum-weekly-5"', html) and 'id="core-curriculum-warnings"' in html
    assert "больше предельных 29 ч" in text_of(html, "core-curriculum-warnings")


async def test_hours_below_the_load_already_given_are_refused(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        teacher = await add_user(database_url, "teacher-m", [("teacher", school)])
        small = await add_small_school(database_url, school, teacher)
        async with database_unchanged(database_url):
            answer = await admin.post(f"/structure/years/{small.year}/curriculum", headers=cell_headers(small.mathematics, 5),
                                      data={"grade_level": "5", "subject_id": str(small.mathematics), "hours": "4"})
    assert answer.status_code == 422 and "Учителям уже распределено 5 ч в неделю" in answer.text


async def test_another_schools_subject_or_year_is_not_found_and_nothing_changes(make_client, database_url):
    other = await add_school(database_url, "МБОУ СОШ № 1")
    other_year, other_subjects = await add_curriculum(database_url, other, 5, GRADE_5[:2])
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, subjects = await add_curriculum(database_url, school, 5, GRADE_5[:2])
        async with database_unchanged(database_url):
            foreign_subject = await admin.post(f"/structure/years/{year}/curriculum", headers=cell_headers(other_subjects["Литература"], 5),
                                               data={"grade_level": "5", "subject_id": str(other_subjects["Литература"]), "hours": "2"})
            foreign_year = await admin.post(f"/structure/years/{other_year}/curriculum",
                                            data={"grade_level": "5", "subject_id": str(subjects["Литература"]), "hours": "2"})
            huge = await admin.post("/structure/years/99999999999/curriculum", data={"grade_level": "5", "subject_id": "1", "hours": "2"})
            bad_level = await admin.post(f"/structure/years/{year}/curriculum",
                                         data={"grade_level": "12", "subject_id": str(subjects["Литература"]), "hours": "2"})
        assert (await admin.get("/structure/curriculum", params={"year": other_year})).status_code == 404
        assert (await admin.get("/structure/curriculum", params={"year": "x1"})).status_code == 404
    assert foreign_subject.status_code == 404 and foreign_year.status_code == 404 and huge.status_code == 404
    assert bad_level.status_code == 422 and "Выберите параллель от 1 до 11." in bad_level.text


@pytest.mark.parametrize("role", ["director", "deputy", "secretary"])
async def test_readers_see_the_curriculum_without_inputs_and_cannot_post(make_client, database_url, role):
    async with signed_in(make_client, database_url, role=role) as (reader, school):
        year, subjects = await add_curriculum(database_url, school, 5, GRADE_5)
        async with writing(database_url) as session:
            rule = await PageService(session, school).add_ungraded(await session.get(AcademicYear, year), subject_id=None,
                                                                   grade_level=1, class_group_id=None, study_period_id=None)
            rule_id = rule.id
        page = await reader.get("/structure/curriculum", params={"year": year})
        assert page.status_code == 200 and "<input" not in text_of(page.text, "core-curriculum-grid")
        assert "1 класс — все предметы, весь год" in page.text and "Удалить" not in page.text
        async with database_unchanged(database_url):
            posts = [
                await reader.post(f"/structure/years/{year}/curriculum", data={"grade_level": "5", "subject_id": str(subjects["Математика"]), "hours": "1"}),
                await reader.post(f"/structure/years/{year}/ungraded", data={"holder": "l2"}),
                await reader.post(f"/structure/years/{year}/ungraded/{rule_id}/delete"),
            ]
    assert [answer.status_code for answer in posts] == [403, 403, 403]


async def test_a_teacher_cannot_see_the_curriculum_page(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (teacher, school):
        await add_curriculum(database_url, school, 5, GRADE_5[:1])
        assert (await teacher.get("/structure/curriculum")).status_code == 403


async def test_ungraded_rules_are_shown_in_words_and_removable(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, subjects = await add_curriculum(database_url, school, 5, [("Музыка", 2, "weekly")])
        async with writing(database_url) as session:
            year_row = await session.get(AcademicYear, year)
            quarter = await CalendarService(session, school).add_period(year_row, "quarter", 2, date(2026, 11, 5), date(2026, 12, 28))
            organisation = OrganisationService(session, school)
            class_5b = await organisation.add_class(year_row, grade_level=5, letter="Б")
            orkse = await organisation.save_subject(None, name="ОРКСЭ", short_name="ОРКСЭ", sort_order=50)
            quarter_id, class_id, orkse_id = quarter.id, class_5b.id, orkse.id
        url = f"/structure/years/{year}/ungraded"
        added = await admin.post(url, data={"holder": "l1"}, follow_redirects=False)
        assert added.status_code == 303 and added.headers["location"] == f"/structure/curriculum?year={year}#core-ungraded"
        assert (await admin.post(url, data={"holder": "l4", "subject_id": str(orkse_id)})).status_code == 200
        await admin.post(url, data={"holder": f"c{class_id}", "subject_id": str(subjects["Музыка"]), "study_period_id": str(quarter_id)})
        html = (await admin.get("/structure/curriculum", params={"year": year})).text
        listed = text_of(html, "core-ungraded-list")
        assert listed.index("1 класс — все предметы, весь год") < listed.index("4 класс — ОРКСЭ, весь год") \
            < listed.index("5Б — Музыка, 2 четверть")
        async with database_unchanged(database_url):
            refused = await admin.post(url, data={"holder": "", "subject_id": ""},
                                       headers={"HX-Request": "true", "HX-Target": "core-ungraded"})
        assert refused.status_code == 422 and refused.text.startswith('<section id="core-ungraded"')
        assert "Выберите параллель или класс." in refused.text and 'aria-invalid="true"' in refused.text
        (rule_id,), = await fetch(database_url, "SELECT id FROM ungraded_rule WHERE subject_id = :s", s=orkse_id)
        removed = await admin.post(f"{url}/{rule_id}/delete", follow_redirects=False)
        assert removed.status_code == 303
        html = (await admin.get(removed.headers["location"])).text
        assert "Удалено: 4 класс — ОРКСЭ, весь год." in html and "4 класс — ОРКСЭ" not in text_of(html, "core-ungraded-list")
        assert (await admin.post(f"{url}/{rule_id}/delete")).status_code == 404
    actions = [action for (action,) in await fetch(database_url, "SELECT action FROM audit_record WHERE action LIKE 'core.ungraded%'")]
    assert actions == ["core.ungraded_added"] * 3 + ["core.ungraded_removed"]


async def test_another_schools_rule_cannot_be_removed(make_client, database_url):
    other = await add_school(database_url, "МБОУ СОШ № 1")
    other_year, _subjects = await add_curriculum(database_url, other, 5, GRADE_5[:1])
    async with writing(database_url) as session:
        rule = await PageService(session, other).add_ungraded(await session.get(AcademicYear, other_year), subject_id=None,
                                                              grade_level=1, class_group_id=None, study_period_id=None)
        rule_id = rule.id
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, _mine = await add_curriculum(database_url, school, 5, GRADE_5[:1])
        async with database_unchanged(database_url):
            assert (await admin.post(f"/structure/years/{year}/ungraded/{rule_id}/delete")).status_code == 404
            assert (await admin.post(f"/structure/years/{other_year}/ungraded/{rule_id}/delete")).status_code == 404


async def test_the_page_reads_a_fixed_number_of_statements_whatever_the_curriculum(make_client, database_url):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year, _subjects = await add_curriculum(database_url, school, 5, GRADE_5[:2])
        event.listen(Engine, "before_cursor_execute", count)
        try:
            await admin.get("/structure/curriculum", params={"year": year})
            small = len(statements)
            async with writing(database_url) as session:
                year_row = await session.get(AcademicYear, year)
                organisation, curriculum = OrganisationService(session, school), CurriculumService(session, school)
                for order, (name, half_hours, pattern) in enumerate(GRADE_10[5:], start=10):
                    subject = await organisation.save_subject(None, name=f"{name} (10)", short_name=name[:10], sort_order=order)
                    await curriculum.set_hours(year_row, grade_level=10, subject_id=subject.id, half_hours=half_hours, pattern=pattern)
                await organisation.add_class(year_row, grade_level=10, letter="А")
            statements.clear()
            await admin.get("/structure/curriculum", params={"year": year})
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    assert 5 < small == len(statements), statements

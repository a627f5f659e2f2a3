"""The school's year calendar: years and their grade-level settings, study periods, days without
lessons and bell schedules (regulation: the school's year calendar)."""

from __future__ import annotations

import re
from datetime import time

import pytest

from core.structure.common import StructureError
from core.web.structure.calendar_pages import levels_text, parse_bells
from tests.support.people import add_user, sign_in, signed_in
from tests.support.snapshot import database_unchanged, fetch

HTMX = {"HX-Request": "true"}


async def new_year(client, starts="2026-09-01", ends="2027-05-31", days_per_week="5") -> int:
    response = await client.post("/structure/years", data={"starts_on": starts, "ends_on": ends, "days_per_week": days_per_week},
                                 follow_redirects=False)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rpartition("year=")[2])


async def settings(url, year_id):
    rows = await fetch(url, "SELECT grade_level, period_kind, days_per_week, study_weeks, weekly_limit FROM grade_level_settings "
                            "WHERE academic_year_id = :year ORDER BY grade_level", year=year_id)
    return {row[0]: row[1:] for row in rows}


def shown(html: str) -> str:
    """The text a person reads: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def actions(url):
    return [action for (action,) in await fetch(url, "SELECT action FROM audit_record ORDER BY id")]


# ---- years ----------------------------------------------------------------------------------------


async def test_a_new_year_gets_the_default_scheme_of_every_grade_level(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        empty = await admin.get("/structure/calendar")
        assert empty.status_code == 200 and "У школы ещё нет учебного года." in empty.text
        assert 'id="core-year-form"' in empty.text and "-09-01" in empty.text  # a suggested first of September
        year_id = await new_year(admin)
        page = await admin.get(f"/structure/calendar?year={year_id}")
    levels = await settings(database_url, year_id)
    assert levels[1] == ("quarter", 5, 33, 21)
    assert [levels[n][2] for n in range(2, 12)] == [34] * 10
    assert [levels[n][0] for n in range(1, 12)] == ["quarter"] * 9 + ["half_year"] * 2
    assert [levels[n][3] for n in range(1, 12)] == [21, 23, 23, 23, 29, 30, 32, 33, 33, 34, 34]
    assert "Учебный год 2026/2027 создан." in page.text
    assert "Календарный учебный график на 2026/2027 учебный год" in page.text
    assert "Четверти" in page.text and "1–9 классы" in page.text and "10–11 классы" in page.text
    assert 'id="core-level-11"' in page.text and "Задано: 0 из 4." in page.text
    assert "core.year_created" in await actions(database_url)


async def test_a_six_day_week_is_for_grades_two_to_eleven(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin, days_per_week="6")
    levels = await settings(database_url, year_id)
    assert levels[1] == ("quarter", 5, 33, 21)
    assert levels[2] == ("quarter", 6, 34, 26) and levels[5][1:] == (6, 34, 32) and levels[11][1:] == (6, 34, 37)


@pytest.mark.parametrize(("values", "message"), [
    ({"starts_on": "2027-01-10", "ends_on": "2027-06-30"}, "Даты пересекаются с учебным годом 2026/2027."),
    ({"starts_on": "2027-09-01", "ends_on": "2027-05-31"}, "Дата окончания раньше даты начала."),
    ({"starts_on": "31.02.2027", "ends_on": "2028-05-31"}, "Укажите дату в формате дд.мм.гггг."),
    ({"starts_on": "", "ends_on": "2028-05-31"}, "Укажите дату начала."),
    ({"starts_on": "2027-09-01", "ends_on": "2027-09-10"}, "Учебный год длится дольше четырёх недель."),
    ({"starts_on": "2027-09-01", "ends_on": "2028-05-31", "days_per_week": "7"}, "Учебная неделя — пять или шесть дней."),
])
async def test_a_bad_year_is_refused_and_changes_nothing(make_client, database_url, values, message):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        await new_year(admin)
        async with database_unchanged(database_url):
            plain = await admin.post("/structure/years", data={"days_per_week": "5", **values})
            partial = await admin.post("/structure/years", data={"days_per_week": "5", **values},
                                       headers={**HTMX, "HX-Target": "core-calendar-years"})
    assert plain.status_code == 422 and message in plain.text and 'aria-invalid="true"' in plain.text
    assert '<nav class="tabs"' in plain.text and values["starts_on"] in plain.text  # the page, with what was typed
    assert partial.status_code == 422 and partial.text.startswith('<section class="card"') and message in partial.text
    assert 'id="core-calendar-years"' in partial.text.split(">")[0]


# ---- grade levels ---------------------------------------------------------------------------------


async def test_a_grade_level_row_is_edited_in_place(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        url = f"/structure/years/{year_id}/levels/5"
        row = await admin.post(url, data={"period_kind": "trimester", "days_per_week": "6", "study_weeks": "35", "weekly_limit": ""},
                               headers={**HTMX, "HX-Target": "core-level-5"})
        assert row.status_code == 200 and row.text.startswith('<tr id="core-level-5">')
        assert "5 класс: сохранено." in row.text  # the flash, out of band
        plain = await admin.post(f"/structure/years/{year_id}/levels/10",
                                 data={"period_kind": "half_year", "days_per_week": "5", "study_weeks": "34", "weekly_limit": "36",
                                       "daily_limit": "8"},
                                 follow_redirects=False)
        assert plain.status_code == 303
        page = await admin.get(plain.headers["location"])
    levels = await settings(database_url, year_id)
    assert levels[5] == ("trimester", 6, 35, 32)  # an empty maximum takes СанПиН's for a 6-day week
    assert levels[10] == ("half_year", 5, 34, 36)
    daily = dict(await fetch(database_url, "SELECT grade_level, daily_limit FROM grade_level_settings WHERE academic_year_id = :y",
                             y=year_id))
    assert (daily[1], daily[5], daily[7], daily[10]) == (5, 6, 7, 8)  # СанПиН's by default; grade 10 set to 8
    assert "Триместры" in page.text and "СанПиН: 34" in page.text
    assert (await actions(database_url)).count("core.year_level_changed") == 2


@pytest.mark.parametrize(("values", "message"), [
    ({"days_per_week": "6"}, "Первый класс учится пять дней в неделю (СанПиН 1.2.3685-21)."),
    ({"study_weeks": "0"}, "Укажите число учебных недель, от 1 до 52."),
    ({"study_weeks": "много"}, "Укажите число учебных недель, от 1 до 52."),
    ({"weekly_limit": "21,5"}, "Укажите недельный максимум в часах, от 1 до 60."),
    ({"daily_limit": "13"}, "Укажите наибольшее число уроков в день, от 1 до 12."),
    ({"period_kind": "semester"}, "Выберите четверти, триместры или полугодия."),
])
async def test_bad_grade_level_settings_are_refused_inside_the_row(make_client, database_url, values, message):
    good = {"period_kind": "quarter", "days_per_week": "5", "study_weeks": "33", "weekly_limit": "21"}
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        async with database_unchanged(database_url):
            row = await admin.post(f"/structure/years/{year_id}/levels/1", data={**good, **values},
                                   headers={**HTMX, "HX-Target": "core-level-1"})
            plain = await admin.post(f"/structure/years/{year_id}/levels/1", data={**good, **values})
            missing = await admin.post(f"/structure/years/{year_id}/levels/12", data=good)
    assert row.status_code == 422 and row.text.startswith('<tr id="core-level-1">') and message in row.text
    assert 'aria-invalid="true"' in row.text
    assert plain.status_code == 422 and message in plain.text and "Расписание звонков" in plain.text
    assert missing.status_code == 404


# ---- study periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "message"), [
    ({"starts_on": "2026-08-20", "ends_on": "2026-10-24"}, "Даты должны быть в пределах учебного года 2026/2027 (01.09.2026 – 31.05.2027)."),
    ({"number": "2", "starts_on": "2026-10-20", "ends_on": "2026-12-28"}, "Даты пересекаются с периодом 1."),
    ({"number": "2", "starts_on": "2026-12-28", "ends_on": "2026-11-05"}, "Дата окончания раньше даты начала."),
    ({"number": "1", "starts_on": "2027-01-09", "ends_on": "2027-03-20"}, "Этот период уже есть в календаре."),
    ({"number": "5"}, "В году 4 таких периода: укажите номер от 1 до 4."),
    ({"number": "первая"}, "Укажите номер периода."),
    ({"ends_on": "1.9.26"}, "Укажите дату в формате дд.мм.гггг."),
])
async def test_a_bad_study_period_is_refused_and_changes_nothing(make_client, database_url, values, message):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        url = f"/structure/years/{year_id}/periods"
        first = await admin.post(url, data={"kind": "quarter", "number": "1", "starts_on": "2026-09-01", "ends_on": "2026-10-24"},
                                 follow_redirects=False)
        assert first.status_code == 303
        async with database_unchanged(database_url):
            plain = await admin.post(url, data={"kind": "quarter", "number": "2", "starts_on": "2026-11-05", "ends_on": "2026-12-28", **values})
            partial = await admin.post(url, data={"kind": "quarter", "number": "2", "starts_on": "2026-11-05",
                                                  "ends_on": "2026-12-28", **values},
                                       headers={**HTMX, "HX-Target": "core-calendar-periods"})
    assert plain.status_code == 422 and message in plain.text
    assert partial.status_code == 422 and partial.text.startswith('<section class="card" aria-labelledby="core-periods-title" id="core-calendar-periods">')
    assert message in partial.text and 'aria-invalid="true"' in partial.text


async def test_study_periods_are_shown_by_kind_and_can_be_deleted(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        url = f"/structure/years/{year_id}/periods"
        for number, starts, ends in ((1, "2026-09-01", "2026-10-24"), (2, "2026-11-05", "2026-12-28")):
            await admin.post(url, data={"kind": "quarter", "number": str(number), "starts_on": starts, "ends_on": ends})
        await admin.post(url, data={"kind": "half_year", "number": "1", "starts_on": "01.09.2026", "ends_on": "28.12.2026"})
        page = await admin.get(f"/structure/calendar?year={year_id}")
        assert "1 четверть 01.09.2026 – 24.10.2026 54" in shown(page.text) and "1 полугодие" in page.text
        assert "Задано: 2 из 4." in page.text and "Задано: 1 из 2." in page.text
        (period_id,), = await fetch(database_url, "SELECT id FROM study_period WHERE kind = 'quarter' AND number = 2")
        deleted = await admin.post(f"{url}/{period_id}/delete", follow_redirects=False)
        assert deleted.status_code == 303
        assert "2 четверть: удалено из календаря." in (await admin.get(deleted.headers["location"])).text
    assert await fetch(database_url, "SELECT number FROM study_period WHERE kind = 'quarter'") == [(1,)]
    assert {"core.period_added", "core.period_deleted"} <= set(await actions(database_url))


# ---- vacations, holidays, shortened days ----------------------------------------------------------


async def test_the_first_grades_february_vacation_is_shown_for_first_grade(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        url = f"/structure/years/{year_id}/days"
        for values in (
            {"kind": "vacation", "name": "Осенние каникулы", "starts_on": "2026-10-26", "ends_on": "2026-11-04"},
            {"kind": "vacation", "name": "Дополнительные  каникулы", "starts_on": "2027-02-15", "ends_on": "2027-02-21",
             "grade_from": "1", "grade_to": "1"},
            {"kind": "holiday", "name": "День защитника Отечества", "starts_on": "2027-02-23", "ends_on": ""},
        ):
            response = await admin.post(url, data={"grade_from": "1", "grade_to": "11", **values}, follow_redirects=False)
            assert response.status_code == 303, response.text
        page = (await admin.get(f"/structure/calendar?year={year_id}")).text
    february = page.split("Дополнительные каникулы")[1].split("</tr>")[0]
    assert "Дополнительные каникулы 15.02.2027 – 21.02.2027 7 1 класс" in shown("Дополнительные каникулы" + february)
    autumn = page.split("Осенние каникулы")[1].split("</tr>")[0]
    assert "26.10.2026 – 04.11.2026 10 1–11 классы" in shown(autumn)
    assert "День защитника Отечества 23.02.2027 1 1–11 классы" in shown(page)  # an empty end: one day
    assert [str(day) for (day,) in await fetch(database_url, "SELECT ends_on FROM calendar_days WHERE kind = 'holiday'")] == ["2027-02-23"]
    assert (await actions(database_url)).count("core.days_added") == 3


@pytest.mark.parametrize(("values", "message"), [
    ({"name": " "}, "Назовите дни, например «Осенние каникулы»."),
    ({"name": "x" * 201}, "Слишком длинное название."),
    ({"kind": "strike"}, "Выберите: каникулы, праздничный или сокращённый день."),
    ({"starts_on": "2027-07-01", "ends_on": ""}, "Даты должны быть в пределах учебного года"),
    ({"starts_on": "2026-11-04", "ends_on": "2026-10-26"}, "Дата окончания раньше даты начала."),
    ({"grade_from": "5", "grade_to": "4"}, "Выберите параллели от 1 до 11; первая не больше последней."),
    ({"grade_to": "12"}, "Выберите параллели от 1 до 11; первая не больше последней."),
    ({"grade_to": "все"}, "Выберите параллель от 1 до 11."),
])
async def test_bad_days_are_refused_and_change_nothing(make_client, database_url, values, message):
    good = {"kind": "vacation", "name": "Осенние каникулы", "starts_on": "2026-10-26", "ends_on": "2026-11-04",
            "grade_from": "1", "grade_to": "11"}
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        async with database_unchanged(database_url):
            response = await admin.post(f"/structure/years/{year_id}/days", data={**good, **values},
                                        headers={**HTMX, "HX-Target": "core-calendar-days"})
    assert response.status_code == 422 and message in response.text
    assert response.text.startswith('<section class="card" aria-labelledby="core-days-title" id="core-calendar-days">')


# ---- bell schedules -------------------------------------------------------------------------------


def test_lesson_times_are_read_leniently():
    bells = parse_bells("08:00-08:40\n\n8.50 – 9.30\n1. 9:50—10:30\n4 урок 10.50-11.30;\n")
    assert [(b.starts_at, b.ends_at) for b in bells] == [
        (time(8, 0), time(8, 40)), (time(8, 50), time(9, 30)), (time(9, 50), time(10, 30)), (time(10, 50), time(11, 30))]
    with pytest.raises(StructureError) as refused:
        parse_bells("08:00-08:40\n08:50-09:30\n9:50 10:30")
    assert refused.value.field == "bells" and "3" in refused.value.message and "9:50 10:30" in refused.value.message
    with pytest.raises(StructureError):
        parse_bells("08:00-24:40")


def test_grade_levels_read_as_schools_write_them():
    from core import i18n

    i18n.activate({}, "en")  # no catalogs: the English msgids, whatever an earlier test left active
    assert levels_text([1, 2, 3, 4, 5, 7, 10, 11]) == "grades 1–5, 7, 10–11"
    assert levels_text([10]) == "grade 10"


async def test_a_bell_schedule_is_added_shown_and_deleted(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        url = f"/structure/years/{year_id}/bells"
        added = await admin.post(url, data={"name": "1 смена", "shift": "1", "kind": "regular", "grade_level": "",
                                            "bells": "8.00-8.40\n08:50 – 09:30\n9.50—10.30"}, follow_redirects=False)
        assert added.status_code == 303, added.text
        stepped = await admin.post(url, data={"name": "1 класс, сентябрь–октябрь", "shift": "1", "kind": "stepped", "grade_level": "1",
                                              "valid_from": "2026-09-01", "valid_to": "2026-10-31", "bells": "08:00-08:35\n08:55-09:30"},
                                   follow_redirects=False)
        assert stepped.status_code == 303, stepped.text
        page = (await admin.get(stepped.headers["location"])).text
        assert "Расписание звонков «1 смена, сентябрь–октябрь»" not in page and "«1 класс, сентябрь–октябрь» добавлено." in page
        assert "08:00–08:40" in page and "09:50–10:30" in page and "Ступенчатое (1 класс)" in page
        assert "01.09.2026 – 31.10.2026" in shown(page) and "все параллели" in page and "весь год" in page
        (schedule_id,), = await fetch(database_url, "SELECT id FROM bell_schedule WHERE kind = 'regular'")
        assert (await admin.post(f"{url}/{schedule_id}/delete", follow_redirects=False)).status_code == 303
    assert await fetch(database_url, "SELECT count(*) FROM bell WHERE bell_schedule_id = :id", id=schedule_id) == [(0,)]
    assert await fetch(database_url, "SELECT count(*) FROM bell") == [(2,)]
    assert {"core.bells_added", "core.bells_deleted"} <= set(await actions(database_url))


@pytest.mark.parametrize(("values", "message"), [
    ({"bells": "08:00-08:40\n08:50-09:30\nобед"}, "Строка 3 («обед»): укажите время урока так: 08:00–08:40."),
    ({"bells": "08:00-08:40\n08:30-09:10"}, "Урок 2 начинается раньше, чем кончается предыдущий."),
    ({"bells": "08:40-08:00"}, "Урок 1 заканчивается раньше, чем начинается."),
    ({"bells": "  "}, "Укажите время уроков, например 08:00–08:40."),
    ({"name": ""}, "Назовите расписание, например «1 смена»."),
    ({"shift": "3"}, "Выберите первую или вторую смену."),
    ({"kind": "stepped", "grade_level": "5"}, "Ступенчатый режим — для 1 класса"),
    ({"valid_from": "2026-10-01", "valid_to": "2026-09-01"}, "Дата окончания раньше даты начала."),
])
async def test_a_bad_bell_schedule_is_refused_with_what_was_typed(make_client, database_url, values, message):
    good = {"name": "1 смена", "shift": "1", "kind": "regular", "grade_level": "", "valid_from": "", "valid_to": "",
            "bells": "08:00-08:40\n08:50-09:30"}
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        async with database_unchanged(database_url):
            response = await admin.post(f"/structure/years/{year_id}/bells", data={**good, **values},
                                        headers={**HTMX, "HX-Target": "core-calendar-bells"})
    assert response.status_code == 422 and message in response.text
    typed = {**good, **values}["bells"]
    assert f">{typed}</textarea>" in response.text


# ---- who may do what --------------------------------------------------------------------------------


async def test_a_director_sees_the_calendar_without_forms_and_cannot_change_it(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        await admin.post(f"/structure/years/{year_id}/periods",
                         data={"kind": "quarter", "number": "1", "starts_on": "2026-09-01", "ends_on": "2026-10-24"})
        await admin.post(f"/structure/years/{year_id}/days",
                         data={"kind": "vacation", "name": "Осенние каникулы", "starts_on": "2026-10-26", "ends_on": "2026-11-04",
                               "grade_from": "1", "grade_to": "11"})
        await admin.post(f"/structure/years/{year_id}/bells", data={"name": "1 смена", "shift": "1", "kind": "regular",
                                                                     "bells": "08:00-08:40"})
        ids = {table: (await fetch(database_url, f"SELECT id FROM {table}"))[0][0] for table in ("study_period", "calendar_days", "bell_schedule")}
    await add_user(database_url, "director", [("director", school)])
    async with make_client(plugins=("testplugin",)) as director:
        await sign_in(director, "director")
        page = await director.get("/structure/calendar")
        async with database_unchanged(database_url):
            posts = [
                await director.post("/structure/years", data={"starts_on": "2027-09-01", "ends_on": "2028-05-31"}),
                await director.post(f"/structure/years/{year_id}/levels/5", data={"period_kind": "quarter", "days_per_week": "5", "study_weeks": "34"}),
                await director.post(f"/structure/years/{year_id}/periods", data={"kind": "quarter", "number": "2"}),
                await director.post(f"/structure/years/{year_id}/periods/{ids['study_period']}/delete"),
                await director.post(f"/structure/years/{year_id}/days", data={"kind": "holiday", "name": "x", "starts_on": "2026-11-04"}),
                await director.post(f"/structure/years/{year_id}/days/{ids['calendar_days']}/delete"),
                await director.post(f"/structure/years/{year_id}/bells", data={"name": "x", "bells": "08:00-08:40"}),
                await director.post(f"/structure/years/{year_id}/bells/{ids['bell_schedule']}/delete"),
            ]
    assert page.status_code == 200 and "Осенние каникулы" in page.text and "1 четверть" in page.text and "08:00–08:40" in page.text
    assert "<form method=\"post\"" not in page.text.split('<main id="main">')[1].split("</main>")[0]
    assert "<input" not in page.text.split('id="core-calendar-levels"')[1].split("</section>")[0]
    assert [response.status_code for response in posts] == [403] * len(posts)


async def test_another_schools_year_is_out_of_reach(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (other_admin, other_school):
        foreign = await new_year(other_admin)
        await other_admin.post(f"/structure/years/{foreign}/periods",
                               data={"kind": "quarter", "number": "1", "starts_on": "2026-09-01", "ends_on": "2026-10-24"})
        (foreign_period,), = await fetch(database_url, "SELECT id FROM study_period")
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        own = await new_year(admin)
        async with database_unchanged(database_url):
            answers = [
                await admin.get(f"/structure/calendar?year={foreign}"),
                await admin.post(f"/structure/years/{foreign}/levels/5", data={"period_kind": "quarter", "days_per_week": "5", "study_weeks": "30"}),
                await admin.post(f"/structure/years/{foreign}/periods", data={"kind": "quarter", "number": "2",
                                                                              "starts_on": "2026-11-05", "ends_on": "2026-12-28"}),
                await admin.post(f"/structure/years/{foreign}/periods/{foreign_period}/delete"),
                await admin.post(f"/structure/years/{own}/periods/{foreign_period}/delete"),
                await admin.post(f"/structure/years/{foreign}/days", data={"kind": "holiday", "name": "x", "starts_on": "2026-11-04"}),
                await admin.post(f"/structure/years/{foreign}/bells", data={"name": "x", "shift": "1", "kind": "regular", "bells": "08:00-08:40"}),
                await admin.get("/structure/calendar?year=99999999"),
                await admin.get("/structure/calendar?year=abc"),
                await admin.get("/structure/calendar?year=99999999999999999999"),
            ]
        own_page = await admin.get("/structure/calendar")
    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert f"?year={foreign}" not in own_page.text and "2026/2027" in own_page.text


async def test_the_calendar_page_takes_a_fixed_number_of_statements(make_client, database_url):
    from sqlalchemy import event

    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        year_id = await new_year(admin)
        seen: list[str] = []
        event.listen(admin.app.state.platform.db.engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))

        async def count() -> int:
            seen.clear()
            assert (await admin.get(f"/structure/calendar?year={year_id}")).status_code == 200
            return len([s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])

        bare = await count()
        for number, (starts, ends) in enumerate((("2026-09-01", "2026-10-24"), ("2026-11-05", "2026-12-28"))):
            await admin.post(f"/structure/years/{year_id}/periods", data={"kind": "quarter", "number": str(number + 1), "starts_on": starts, "ends_on": ends})
            await admin.post(f"/structure/years/{year_id}/days", data={"kind": "holiday", "name": f"День {number}", "starts_on": ends,
                                                                       "grade_from": "1", "grade_to": "11"})
            await admin.post(f"/structure/years/{year_id}/bells", data={"name": f"{number + 1} смена", "shift": str(number + 1),
                                                                        "kind": "regular", "bells": "08:00-08:40\n08:50-09:30"})
        assert await count() == bare


async def test_a_period_is_deleted_only_through_its_own_year(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        this_year, next_year = await new_year(admin), await new_year(admin, "2027-09-01", "2028-05-31")
        await admin.post(f"/structure/years/{this_year}/periods",
                         data={"kind": "quarter", "number": "1", "starts_on": "2026-09-01", "ends_on": "2026-10-24"})
        (period_id,), = await fetch(database_url, "SELECT id FROM study_period")
        async with database_unchanged(database_url):
            response = await admin.post(f"/structure/years/{next_year}/periods/{period_id}/delete")
        years = await admin.get(f"/structure/calendar?year={this_year}")
    assert response.status_code == 422 and "Этот период относится к другому учебному году." in response.text
    assert "2027/2028" in shown(years.text) and f'href="/structure/calendar?year={next_year}"' in years.text

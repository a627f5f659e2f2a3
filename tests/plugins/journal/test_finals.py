"""Final marks and closed periods: the proposals (checked against figures computed here, with
fractions), the teacher's sheet, the comment a far-off mark needs, the opening date, the deputy's
deadline and closing, and the reason a closed period's change needs."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select, update

from core.i18n import gettext as _
from core.plugins.types import FIVE_POINT, PASS_FAIL
from plugins.journal.finals import (
    NOT_ASSESSED, Proposal, needs_comment, parse_final, propose_final, propose_period, propose_year,
)
from plugins.journal.grading import MarkError, WeightedMark
from core.structure.models import StudyPeriod
from plugins.journal.models import (
    JournalFinalGrade, JournalGrade, JournalHistory, JournalLesson, JournalPeriodState, JournalSettings, JournalWorkKind,
)
from plugins.journal.rules import rules_changed
from tests.plugins.journal.test_absences import mark
from tests.support.journal import TODAY, journal_world, lesson_id
from tests.support.people import add_user, sign_in
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing

PLUGINS = ("journal",)
Q1_END = date(2026, 10, 24)


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


# ---- the proposals, pure ---------------------------------------------------------------------------


async def set_rules(url: str, school: int, **values) -> None:
    async with writing(url) as session:
        await session.execute(update(JournalSettings).where(JournalSettings.school_id == school).values(**values))
        await rules_changed(session, school)


async def post(client, url: str, data: dict):
    return await client.post(url, data=data, follow_redirects=False)


def marks(*pairs: tuple[int, str]) -> list[WeightedMark]:
    return [WeightedMark((Decimal(value),), Decimal(weight)) for value, weight in pairs]


def test_a_period_mark_is_the_weighted_average_rounded_by_the_schools_threshold():
    # (5·2 + 3·1 + 4·1)/4 = 4.25 → 4; (4 + 5)/2 = 4.5 → 5 half up, but 4 with a threshold of 0.6
    assert propose_period(marks((5, "2"), (3, "1"), (4, "1")), 3, FIVE_POINT, threshold=Decimal("0.5"), minimum=3).mark == "4"
    assert propose_period(marks((4, "1"), (5, "1")), 2, FIVE_POINT, threshold=Decimal("0.5"), minimum=2).mark == "5"
    assert propose_period(marks((4, "1"), (5, "1")), 2, FIVE_POINT, threshold=Decimal("0.6"), minimum=2).mark == "4"
    few = propose_period(marks((5, "1"), (5, "1")), 2, FIVE_POINT, threshold=Decimal("0.5"), minimum=3)
    assert few.mark == NOT_ASSESSED and few.basis is None
    assert propose_period([], 4, PASS_FAIL, threshold=Decimal("0.5"), minimum=3, last_mark="зач").mark == "зач"


def test_the_year_mark_is_the_mean_of_the_period_marks_and_special_values_decide_without_numbers():
    assert propose_year(["4", "5", "4", "5"], FIVE_POINT, threshold=Decimal("0.5")).mark == "5"  # 4.5
    assert propose_year(["3", "4", "3", ""], FIVE_POINT, threshold=Decimal("0.5")).mark == "3"  # 3.33
    assert propose_year(["н/а", "3", "4"], FIVE_POINT, threshold=Decimal("0.5")).mark == "4"  # 3.5, н/а not a number
    assert propose_year(["осв", "осв"], FIVE_POINT, threshold=Decimal("0.5")).mark == "осв"
    assert propose_year(["зач", "незач"], PASS_FAIL, threshold=Decimal("0.5")).mark == "незач"
    assert propose_year([], FIVE_POINT, threshold=Decimal("0.5")).mark == ""


def test_final_marks_follow_the_certificate_rules():
    # grade 9: the mean of the year and exam marks, half up; without an exam, the year mark
    assert propose_final(9, "4", "3", [], FIVE_POINT).mark == "4"
    assert propose_final(9, "4", "", [], FIVE_POINT).mark == "4"
    # grade 11: the mean of the half-year and year marks of grades 10 and 11: (4+4+4+5+5+5)/6 = 4.5 → 5
    assert propose_final(11, "5", "", ["4", "4", "4", "5", "5", "5"], FIVE_POINT).mark == "5"
    assert propose_final(11, "4", "", ["4", "3", "3", "4", "4", "4"], FIVE_POINT).mark == "4"  # 3.67


def test_a_mark_far_from_the_average_needs_a_comment():
    proposal = Proposal("4", Decimal("3.6"))
    assert not needs_comment("3", proposal, FIVE_POINT, Decimal(1))  # 0.6 away
    assert needs_comment("5", proposal, FIVE_POINT, Decimal(1))  # 1.4 away
    assert needs_comment("н/а", proposal, FIVE_POINT, Decimal(1))
    assert needs_comment("4", Proposal(NOT_ASSESSED), FIVE_POINT, Decimal(1))  # a mark for too few marks
    assert not needs_comment("4", proposal, FIVE_POINT, Decimal(1))


def test_final_marks_are_typed_as_teachers_type_them():
    assert [parse_final(text, FIVE_POINT) for text in ("5", " 4 ", "на", "Н/А", "y/f", "осв", "ЗАЧ", "")] == \
        ["5", "4", "н/а", "н/а", "н/а", "осв", "зач", ""]
    for bad in ("6", "4+", "пять", "x" * 30):
        with pytest.raises(MarkError):
            parse_final(bad, FIVE_POINT)


# ---- the teacher's sheet ----------------------------------------------------------------------------


async def q1_marks(url: str, page: int, roster: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Marks on 5А's mathematics in the first quarter: (value, weight in hundredths) per student;
    the last student gets two marks only (fewer than the minimum of three)."""
    given: dict[int, list[tuple[int, int]]] = {}
    async with writing(url) as session:
        lessons = list((await session.execute(select(JournalLesson).where(
            JournalLesson.subject_page_id == page, JournalLesson.day <= Q1_END).order_by(JournalLesson.day))).scalars())
        answer, test = (await session.execute(select(JournalWorkKind.id, JournalWorkKind.weight_hundredths).where(
            JournalWorkKind.school_id == lessons[0].school_id, JournalWorkKind.code.in_(("answer", "test")))
            .order_by(JournalWorkKind.weight_hundredths))).all()
        for index, student in enumerate(roster):
            count = 2 if index == len(roster) - 1 else 3 + index % 3
            given[student] = []
            for number in range(count):
                value, kind = (5 - (index + number) % 3, test if number == 0 else answer)
                session.add(JournalGrade(school_id=lessons[0].school_id, lesson_id=lessons[number * 5 + index % 5].id,
                                         student_id=student, mark=str(value), work_kind_id=kind[0],
                                         weight_hundredths=kind[1]))
                given[student].append((value, kind[1]))
    return given


def expected_period_mark(given: list[tuple[int, int]]) -> str:
    if len(given) < 3:
        return "н/а"
    average = Fraction(sum(v * w for v, w in given), sum(w for _v, w in given))
    return str(int(average + Fraction(1, 2)))  # half up


def proposals_of(html: str) -> dict[int, str]:
    return {int(sid): mark for sid, mark in re.findall(
        r'<tr id="journal-final-row-(\d+)">.*?<td class="journal-final-proposal"><strong>([^<]+)</strong>', html, re.S)}


async def test_the_teacher_accepts_the_proposals_which_are_the_weighted_averages_half_up(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    given = await q1_marks(database_url, page, world.roster)
    period = await first_quarter(database_url, world)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        sheet = await client.get(f"/journal/pages/{page}/finals?term={period}")
        assert sheet.status_code == 200
        expected = {student: expected_period_mark(marks) for student, marks in given.items()}
        assert proposals_of(sheet.text) == expected
        home = await client.get("/journal/home")
        assert "journal-home-finals" in home.text and f"/journal/pages/{page}/finals?term={period}" in home.text
        saved = await post(client, f"/journal/pages/{page}/finals?term={period}", {"accept": "1"})
        assert saved.status_code == 303, saved.text
        home = await client.get("/journal/home")
        assert f"/journal/pages/{page}/finals?term={period}" not in home.text
    async with writing(database_url) as session:
        stored = dict((await session.execute(select(JournalFinalGrade.student_id, JournalFinalGrade.mark).where(
            JournalFinalGrade.subject_page_id == page, JournalFinalGrade.study_period_id == period))).all())
        history = (await session.execute(select(JournalHistory).where(JournalHistory.record == "final"))).scalars().all()
    assert stored == expected
    assert len(history) == 30 and all(row.lesson_id is None and row.subject_page_id == page for row in history)


async def first_quarter(url: str, world) -> int:
    async with writing(url) as session:
        return await session.scalar(select(StudyPeriod.id).where(StudyPeriod.academic_year_id == world.tt.year,
                                                                 StudyPeriod.number == 1))


async def test_a_mark_far_from_the_proposal_asks_for_a_comment_and_bad_marks_change_nothing(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    given = await q1_marks(database_url, page, world.roster)
    period = await first_quarter(database_url, world)
    student = next(s for s, m in given.items() if expected_period_mark(m) == "4")
    url = f"/journal/pages/{page}/finals?term={period}"
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        async with database_unchanged(database_url):
            far = await post(client, url, {f"period-{student}": "2", f"period-{student}__was": ""})
            assert far.status_code == 422
            assert f'id="journal-final-period-{student}-comment-error"' in far.text
            bad = await post(client, url, {f"period-{student}": "7", f"period-{student}__was": ""})
            assert bad.status_code == 422
        commented = await post(client, url, {f"period-{student}": "3", f"period-{student}__was": "",
                                                 f"period-{student}-comment": "Не сдал зачёт по дробям"})
        assert commented.status_code == 303
        stale = await post(client, url, {f"period-{student}": "5", f"period-{student}__was": ""})
        assert stale.status_code == 409
    async with writing(database_url) as session:
        row = await session.scalar(select(JournalFinalGrade).where(JournalFinalGrade.student_id == student))
    assert (row.mark, row.proposed, row.comment) == ("3", "4", "Не сдал зачёт по дробям")


async def test_final_marks_open_days_before_the_period_ends_unless_the_school_allows_earlier(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    async with writing(database_url) as session:
        second = await session.scalar(select(StudyPeriod.id).where(StudyPeriod.academic_year_id == world.tt.year,
                                                                   StudyPeriod.number == 2))
    student = world.roster[0]
    url = f"/journal/pages/{page}/finals?term={second}"
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        async with database_unchanged(database_url):
            early = await post(client, url, {f"period-{student}": "5", f"period-{student}__was": "",
                                                 f"period-{student}-comment": "x"})
        assert early.status_code == 422
        assert _("Final marks for this period open on %(day)s.", day="22.12.2026") in early.text
        await set_rules(database_url, school, finals_early=True)
        allowed = await post(client, url, {f"period-{student}": "5", f"period-{student}__was": "",
                                               f"period-{student}-comment": "досрочно"})
        assert allowed.status_code == 303


async def test_readers_see_the_sheet_without_inputs_and_cannot_give_marks(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    period = await first_quarter(database_url, world)
    deputy = await add_user(database_url, f"dep-{school}", [("deputy", school)])
    assert deputy
    url = f"/journal/pages/{page}/finals?term={period}"
    form = {f"period-{world.roster[0]}": "5", f"period-{world.roster[0]}__was": ""}
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        sheet = await client.get(url)
        assert sheet.status_code == 200 and 'class="journal-final-mark"' not in sheet.text
        async with database_unchanged(database_url):
            assert (await client.post(url, data=form)).status_code == 404  # a class teacher reads, the page is not theirs
        await sign_in(client, f"dep-{school}")
        assert (await client.get(url)).status_code == 200
        async with database_unchanged(database_url):
            assert (await client.post(url, data=form)).status_code == 403
        await sign_in(client, f"tt-physics-{school}")
        assert (await client.get(url)).status_code == 404


# ---- closing ----------------------------------------------------------------------------------------


async def test_the_deputy_closes_the_quarter_and_a_later_change_needs_a_reason_and_a_granted_role(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    await q1_marks(database_url, page, world.roster)
    period = await first_quarter(database_url, world)
    await add_user(database_url, f"dep-{school}", [("deputy", school)])
    lesson = await lesson_id(database_url, page, date(2026, 10, 20))
    student = world.roster[5]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dep-{school}")
        periods = await client.get("/journal/periods")
        assert periods.status_code == 200 and f'id="journal-period-{period}"' in periods.text
        async with database_unchanged(database_url):
            bad = await post(client, "/journal/periods/due", {"year": world.tt.year, "term": period,
                                                                  "finals_due": "30.02.2026", "version": "0"})
            assert bad.status_code == 422
        due = await post(client, "/journal/periods/due", {"year": world.tt.year, "term": period,
                                                              "finals_due": "2026-10-28", "version": "0"})
        assert due.status_code == 303
        async with database_unchanged(database_url):
            stale = await post(client, "/journal/periods/close", {"year": world.tt.year, "term": period, "version": "0"})
            assert stale.status_code == 409
        closed = await post(client, "/journal/periods/close", {"year": world.tt.year, "term": period, "version": "1"})
        assert closed.status_code == 303

        await sign_in(client, f"tt-math-{school}")
        grid = await client.get(f"/journal/pages/{page}?period={period}")
        assert 'id="journal-grid-reason"' in grid.text
        cell = f"/journal/lessons/{lesson}/cells/{student}"
        async with database_unchanged(database_url):
            refused = await client.post(cell, data={"value": "Н", "was": ""}, headers={"hx-request": "true"})
        assert refused.status_code == 422
        assert _("The period is closed: write the reason for the change.") in refused.text
        allowed = await client.post(cell, data={"value": "Н", "was": "", "reason": "Справка пришла поздно"},
                                    headers={"hx-request": "true"})
        assert allowed.status_code == 200, allowed.text
        finals = await post(client, f"/journal/pages/{page}/finals?term={period}", {
            f"period-{student}": "н/а", f"period-{student}__was": "", f"period-{student}-comment": "болел"})
        assert finals.status_code == 422 and _("The period is closed: write the reason for the change.") in finals.text

        await set_rules(database_url, school, amend_closed_roles="")  # the school lets no one change a closed period
        async with database_unchanged(database_url):
            nobody = await client.post(cell, data={"value": "", "was": "Н", "reason": "ошибка"}, headers={"hx-request": "true"})
        assert nobody.status_code == 422
        assert _("The period is closed: only the deputy can reopen it for changes.") in nobody.text

        await sign_in(client, f"dep-{school}")
        reopened = await post(client, "/journal/periods/reopen", {"year": world.tt.year, "term": period, "version": "2"})
        assert reopened.status_code == 303
        await sign_in(client, f"tt-math-{school}")
        assert (await client.post(cell, data={"value": "", "was": "Н"}, headers={"hx-request": "true"})).status_code == 200
    async with writing(database_url) as session:
        reasons = (await session.execute(select(JournalHistory.reason).where(
            JournalHistory.lesson_id == lesson, JournalHistory.student_id == student).order_by(JournalHistory.id))).scalars().all()
    assert reasons == ["Справка пришла поздно", ""]


async def test_a_closed_periods_final_mark_changes_with_a_reason_that_its_history_shows(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    await q1_marks(database_url, page, world.roster)
    period = await first_quarter(database_url, world)
    student = world.roster[4]
    async with writing(database_url) as session:
        session.add(JournalPeriodState(school_id=school, academic_year_id=world.tt.year, study_period_id=period,
                                       closed_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
    url = f"/journal/pages/{page}/finals?term={period}"
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        saved = await post(client, url, {f"period-{student}": "н/а", f"period-{student}__was": "",
                                         f"period-{student}-comment": "не аттестован: болел", "reason": "Приказ № 15 от 02.11"})
        assert saved.status_code == 303
        history = f"/journal/pages/{page}/finals/history?student={student}&term={period}"
        shown = await client.get(history)
        assert shown.status_code == 200 and "Приказ № 15 от 02.11" in shown.text and "н/а (не аттестован: болел)" in shown.text
        await sign_in(client, f"jr-ct-{school}")
        assert (await client.get(history)).status_code == 200  # the class teacher reads their class's history
        await sign_in(client, f"tt-physics-{school}")
        assert (await client.get(history)).status_code == 404
        await sign_in(client, f"tt-math-{school}")
        assert (await client.get(f"/journal/pages/{page}/finals/history?student=999999&term={period}")).status_code == 404


async def test_the_lesson_form_asks_for_a_reason_in_a_closed_period(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    period = await first_quarter(database_url, world)
    lesson = await lesson_id(database_url, page, date(2026, 10, 20))
    async with writing(database_url) as session:
        session.add(JournalPeriodState(school_id=school, academic_year_id=world.tt.year, study_period_id=period,
                                       closed_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
    student = world.roster[2]
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        form = await client.get(f"/journal/lessons/{lesson}")
        assert 'id="journal-lesson-reason"' in form.text
        async with database_unchanged(database_url):
            refused = await client.post(f"/journal/lessons/{lesson}", data={f"att-{student}": "Н", f"att-{student}__was": ""})
        assert refused.status_code == 422
        topic_only = await client.post(f"/journal/lessons/{lesson}", data={"topic": "Дроби", "topic__was": ""})
        assert topic_only.status_code in (200, 303)  # the topic is not a mark or attendance
        saved = await client.post(f"/journal/lessons/{lesson}", data={f"att-{student}": "Н", f"att-{student}__was": "",
                                                                      "reason": "Исправление по справке"})
        assert saved.status_code in (200, 303)
    async with writing(database_url) as session:
        reason = await session.scalar(select(JournalHistory.reason).where(
            JournalHistory.lesson_id == lesson, JournalHistory.student_id == student))
    assert reason == "Исправление по справке"


async def test_the_deputys_page_counts_the_marks_still_missing(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    period = await first_quarter(database_url, world)
    await add_user(database_url, f"dep-{school}", [("deputy", school)])
    async with writing(database_url) as session:
        for student in world.roster[:10]:
            session.add(JournalFinalGrade(school_id=school, subject_page_id=page, student_id=student, kind="period",
                                          study_period_id=period, mark="4"))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"dep-{school}")
        shown = await client.get(f"/journal/periods?term={period}")
    assert shown.status_code == 200
    pages = dict(re.findall(r'finals\?term=\d+">([^<]+)</a></td>\s*<td>[^<]*</td><td>(\d+ / \d+)</td>', shown.text))
    # 5А's thirty students; 5Б and 6А have no students; the English groups: two and one
    assert pages["Математика, 5А"] == "20 / 30"
    assert pages["Физика, 5А"] == "30 / 30"
    assert pages["Иностранный язык (английский), 5А, английский язык, гр. 1"] == "2 / 2"


async def test_a_class_teachers_code_change_in_a_closed_period_needs_a_reason_and_the_schools_leave(make_client, database_url):
    school, world = await journal_world(database_url)
    period = await first_quarter(database_url, world)
    student = world.roster[0]
    absent = await mark(database_url, world, "5А математика", date(2026, 10, 20), student)
    async with writing(database_url) as session:
        session.add(JournalPeriodState(school_id=school, academic_year_id=world.tt.year, study_period_id=period,
                                       closed_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
    url = f"/journal/attendance/{absent}/reason"
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"jr-ct-{school}")
        async with database_unchanged(database_url):
            bare = await client.post(url, data={"code": "Б", "reason": "", "version": "1"}, follow_redirects=False)
        assert bare.status_code == 422
        assert (await client.post(url, data={"code": "Б", "reason": "справка", "version": "1"},
                                  follow_redirects=False)).status_code == 303
        await set_rules(database_url, school, amend_closed_roles="")  # the school lets nobody
        async with database_unchanged(database_url):
            refused = await client.post(url, data={"code": "У", "reason": "заявление", "version": "2"}, follow_redirects=False)
        assert refused.status_code == 422


async def test_a_mark_left_untouched_is_never_sent_back_over_someone_elses(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    await q1_marks(database_url, page, world.roster)
    period = await first_quarter(database_url, world)
    given, typed = world.roster[0], world.roster[1]
    url = f"/journal/pages/{page}/finals?term={period}"
    async with writing(database_url) as session:  # another teacher gives a mark after the sheet was opened
        session.add(JournalFinalGrade(school_id=school, subject_page_id=page, student_id=given, kind="period",
                                      study_period_id=period, mark="4"))
    stale_view = {f"period-{given}": "", f"period-{given}__was": "", f"period-{typed}": "н/а", f"period-{typed}__was": "",
                  f"period-{typed}-comment": "болел весь октябрь"}
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        assert (await post(client, url, stale_view)).status_code == 303
    async with writing(database_url) as session:
        stored = dict((await session.execute(select(JournalFinalGrade.student_id, JournalFinalGrade.mark))).all())
    assert stored == {given: "4", typed: "н/а"}


async def test_the_year_mark_waits_for_every_period_mark(make_client, database_url):
    school, world = await journal_world(database_url)
    page = world.tt.pages["5А математика"]
    period = await first_quarter(database_url, world)
    await set_rules(database_url, school, finals_early=True)
    async with writing(database_url) as session:
        for student in world.roster:
            session.add(JournalFinalGrade(school_id=school, subject_page_id=page, student_id=student, kind="period",
                                          study_period_id=period, mark="5"))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"tt-math-{school}")
        sheet = await client.get(f"/journal/pages/{page}/finals?term=year")
        assert _("first the marks of %(periods)s", periods="2 четверть") in sheet.text  # the second quarter has ended
        assert (await post(client, f"/journal/pages/{page}/finals?term=year", {"accept": "1"})).status_code == 303
    async with writing(database_url) as session:
        assert await session.scalar(select(JournalFinalGrade.id).where(JournalFinalGrade.kind == "year")) is None

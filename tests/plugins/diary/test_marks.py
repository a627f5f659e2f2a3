"""The diary's marks: every subject of a study period with its marks, weighted average and period
mark; one subject's marks with their days and kinds of work, the average's formula and the final
marks; another plugin's line beside the journal's; statements that do not grow with the marks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.structure.models import StudyPeriod, SubjectPage
from plugins.journal.models import JournalFinalGrade, JournalGrade, JournalWorkKind
from tests.plugins.journal.test_journal_hooks import THIS_MONDAY, TODAY
from tests.support.people import sign_in
from tests.core.structure.test_subject_pages import count_statements, statements
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing
from tests.testplugin import NOTES_SUBJECT_ID

PLUGINS = ("journal", "diary")
MATH = "5А математика"




async def _facts(url: str, world) -> tuple[int, dict[int, int]]:
    """Mathematics' subject id, and the quarters' ids by number."""
    async with writing(url) as session:
        page = await session.get(SubjectPage, world.pages[MATH])
        quarters = dict((await session.execute(select(StudyPeriod.number, StudyPeriod.id).where(
            StudyPeriod.academic_year_id == page.academic_year_id, StudyPeriod.kind == "quarter"))).all())
    return page.subject_id, quarters


async def test_a_parent_sees_every_subject_of_the_quarter_and_a_subjects_average_explained(make_client, database_url,
                                                                                          world):
    anya = world.student("Аня")
    subject, quarters = await _facts(database_url, world)
    async with writing(database_url) as session:
        for kind, period, mark in (("period", quarters[1], "4"), ("year", None, "3")):
            session.add(JournalFinalGrade(school_id=world.school, subject_page_id=world.pages[MATH], student_id=anya,
                                          kind=kind, study_period_id=period, mark=mark))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        overview = await client.get(f"/diary/students/{anya}/marks")
        assert overview.status_code == 200
        line = overview.text.split(f'id="diary-subject-{subject}"')[1].split("</li>")[0]
        assert "Математика" in line and re.search(r"</small>2,33</span>", line)  # (2·2 + 3·1)/3
        assert [chip for chip in re.findall(r'class="diary-chip[^"]*"[^>]*>([^<]+)<', line)] == ["2", "3"]
        assert {"Иностранный язык (английский)", "Физика"} <= set(re.findall(r'class="diary-subject-name">([^<]+)<', overview.text))
        detail = await client.get(f"/diary/students/{anya}/marks/{subject}")
        assert detail.status_code == 200
        rows = re.findall(r"<tr[^>]*><td>([\d.]+)</td><td class=\"diary-table-mark\">([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>",
                          detail.text)
        wednesday, thursday = THIS_MONDAY + timedelta(days=2), THIS_MONDAY + timedelta(days=3)
        assert rows == [(wednesday.strftime("%d.%m"), "2", "Контрольная работа", "2"),
                        (thursday.strftime("%d.%m"), "3", "Ответ на уроке", "1")]
        assert "(2·2 + 3·1)/3 = 2,33" in detail.text
        finals = detail.text.split('id="diary-finals"')[1]
        assert re.search(r"<dt>1 четверть</dt><dd>4</dd>", finals) and re.search(r"<dt>Учебный год</dt><dd>3</dd>", finals)
        first = await client.get(f"/diary/students/{anya}/marks/{subject}?period={quarters[1]}")
        assert first.status_code == 200 and "2,33" not in first.text  # no marks in the first quarter
        async with database_unchanged(database_url):
            for path in (f"/diary/students/{anya}/marks/{subject}?period=2147483000", f"/diary/students/{anya}/marks/2147483000",
                         f"/diary/students/{anya}/marks?period=2147483000"):
                assert (await client.get(path)).status_code == 404
        await sign_in(client, f"father_boris-{world.school}")
        for path in (f"/diary/students/{anya}/marks", f"/diary/students/{anya}/marks/{subject}"):
            probe = await client.get(path)
            assert probe.status_code == 404 and "2,33" not in probe.text


async def test_a_period_in_the_first_quarter_has_its_own_marks(make_client, database_url, world):
    vera = world.student("Вера")
    subject, quarters = await _facts(database_url, world)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_vera-{world.school}")
        first = await client.get(f"/diary/students/{vera}/marks/{subject}?period={quarters[1]}")
        second = await client.get(f"/diary/students/{vera}/marks/{subject}?period={quarters[2]}")
    assert "(2·2)/2 = 2,00" in first.text and "(4·1)/1 = 4,00" in second.text


async def test_another_plugins_line_appears_beside_the_journals(make_client, database_url, world):
    """The test plugin's «Заметки» line (a note written today, UTC) shows in the diary unchanged."""
    from core.db.types import utcnow
    from tests.testplugin.models import Note

    anya = world.student("Аня")
    subject, quarters = await _facts(database_url, world)
    async with writing(database_url) as session:
        session.add(Note(school_id=world.school, text="Экскурсия в музей"))
        holding = await session.scalar(select(StudyPeriod.id).where(
            StudyPeriod.id.in_(quarters.values()), StudyPeriod.starts_on <= utcnow().date(),
            StudyPeriod.ends_on >= utcnow().date()))
    if holding is None:
        pytest.skip("the world's quarters do not hold the machine's date")
    async with make_client(plugins=(*PLUGINS, "testplugin")) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        overview = await client.get(f"/diary/students/{anya}/marks?period={holding}")
        notes = await client.get(f"/diary/students/{anya}/marks/{NOTES_SUBJECT_ID}?period={holding}")
    assert f'id="diary-subject-{NOTES_SUBJECT_ID}"' in overview.text and f'id="diary-subject-{subject}"' in overview.text
    assert notes.status_code == 200 and "Экскурсия в музей" in notes.text


async def test_the_marks_pages_read_a_fixed_number_of_statements(make_client, database_url, world):
    anya = world.student("Аня")
    subject, _quarters = await _facts(database_url, world)
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        await client.get(f"/diary/students/{anya}/marks")  # the visit is written once
        seen = count_statements(client)
        pages = (f"/diary/students/{anya}/marks", f"/diary/students/{anya}/marks/{subject}")
        before = [await statements(client, seen, page) for page in pages]
        async with writing(database_url) as session:
            kind = await session.scalar(select(JournalWorkKind).where(JournalWorkKind.school_id == world.school,
                                                                      JournalWorkKind.code == "answer"))
            lessons = [lesson for (page, day), lesson in world.lessons.items() if day <= TODAY and page != MATH][:6]
            session.add_all(JournalGrade(school_id=world.school, lesson_id=lesson, student_id=anya, mark="5",
                                         work_kind_id=kind.id, weight_hundredths=100) for lesson in lessons)
        after = [await statements(client, seen, page) for page in pages]
    assert before == after, (before, after)
    print("statements: marks", before[0], "subject", before[1])


async def test_a_student_moved_to_another_class_keeps_the_final_marks_of_both_pages(make_client, database_url, world):
    """Вера moves from 5А to 5Б on 10 November: the first quarter's mark was given on 5А's page,
    the year's on 5Б's; the second quarter's marks page shows both, its marks from both pages."""
    from sqlalchemy import text, update

    from core.people.models import Enrollment

    vera = world.student("Вера")
    subject, quarters = await _facts(database_url, world)
    moved = THIS_MONDAY - timedelta(days=6)  # Tuesday 10 November
    async with writing(database_url) as session:
        await session.execute(update(Enrollment).where(Enrollment.student_id == vera).values(ends_on=moved - timedelta(days=1)))
        await session.execute(text(
            "INSERT INTO enrollment (school_id, student_id, class_group_id, starts_on, start_kind, start_order_number, "
            "end_order_number, end_note) VALUES (:school, :student, :class_id, :starts, 'transfer', '', '', '')"),
            {"school": world.school, "student": vera, "class_id": world.journal.tt.classes["5Б"], "starts": moved})
        for page, kind, period, mark in ((MATH, "period", quarters[1], "3"), ("5Б математика", "year", None, "4")):
            session.add(JournalFinalGrade(school_id=world.school, subject_page_id=world.pages[page], student_id=vera,
                                          kind=kind, study_period_id=period, mark=mark))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_vera-{world.school}")
        detail = await client.get(f"/diary/students/{vera}/marks/{subject}?period={quarters[2]}")
    assert detail.status_code == 200
    finals = detail.text.split('id="diary-finals"')[1]
    assert re.search(r"<dt>1 четверть</dt><dd>3</dd>", finals) and re.search(r"<dt>Учебный год</dt><dd>4</dd>", finals)
    assert "(4·1)/1 = 4,00" in detail.text  # the marks of both pages count

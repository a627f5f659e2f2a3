"""What is new since the last visit: marks and absences the journal posted after the previous
visit are listed on the current week and highlighted, all through the visit; half an hour away
starts the next visit."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from core.db.types import utcnow
from plugins.diary.models import DiaryVisit
from plugins.journal.models import JournalAttendance, JournalGrade, JournalWorkKind
from tests.plugins.journal.test_journal_hooks import THIS_MONDAY, TODAY
from tests.support.people import sign_in
from tests.support.structure import writing

PLUGINS = ("journal", "diary")
MATH = "5А математика"




def new_marks(page: str) -> list[str]:
    return re.findall(r'class="diary-mark diary-new"[^>]*>([^<]+)<', page)


async def test_marks_and_absences_posted_since_the_last_visit_are_new_all_through_the_next(make_client, database_url,
                                                                                          world):
    anya = world.student("Аня")
    long_ago = utcnow() - timedelta(days=3)
    async with writing(database_url) as session:  # what the world holds was posted days ago
        await session.execute(update(JournalGrade).values(created_at=long_ago, updated_at=long_ago))
        await session.execute(update(JournalAttendance).values(updated_at=long_ago, marked_at=long_ago))
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        first = await client.get(f"/diary/students/{anya}")
        assert 'id="diary-news"' not in first.text and not new_marks(first.text)  # a first visit has nothing new
        async with writing(database_url) as session:  # she left an hour ago; the teacher posts a mark and an absence
            await session.execute(update(DiaryVisit).values(seen_at=utcnow() - timedelta(hours=1)))
            kind = await session.scalar(select(JournalWorkKind).where(JournalWorkKind.school_id == world.school,
                                                                      JournalWorkKind.code == "test"))
            session.add(JournalGrade(school_id=world.school, lesson_id=world.lessons[(MATH, TODAY)], student_id=anya, mark="5",
                                     work_kind_id=kind.id, weight_hundredths=200))
            session.add(JournalAttendance(school_id=world.school, lesson_id=world.lessons[("гр1", TODAY)], student_id=anya,
                                          code="Н"))
            last_week = THIS_MONDAY - timedelta(days=4)  # a test of last week, marked only now
            session.add(JournalGrade(school_id=world.school, lesson_id=world.lessons[(MATH, last_week)], student_id=anya,
                                     mark="4", work_kind_id=kind.id, weight_hundredths=200))
        week = await client.get(f"/diary/students/{anya}")
        news = week.text.split('id="diary-news"')[1].split("</section>")[0]
        assert "Новое с прошлого посещения" in week.text
        assert re.findall(r'class="diary-chip diary-new"[^>]*>([^<]+)<', news) == ["5", "4"]  # the latest lesson first
        assert 'class="diary-absence diary-new">Н<' in news
        assert f'?week={last_week.isoformat()}#diary-journal-lesson-{world.lessons[(MATH, last_week)]}' in news
        assert new_marks(week.text) == ["5"]  # this week's; the old 2 and 3 are not new
        again = await client.get(f"/diary/students/{anya}")  # the same visit: still new
        assert new_marks(again.text) == ["5"] and 'id="diary-news"' in again.text
        previous = await client.get(f"/diary/students/{anya}?week={last_week.isoformat()}")
        assert new_marks(previous.text) == ["4"] and 'id="diary-news"' not in previous.text
        marks = await client.get(f"/diary/students/{anya}/marks")
        assert re.findall(r'class="diary-chip diary-new"[^>]*>([^<]+)<', marks.text) == ["4", "5"]  # the quarter's, by day
        async with writing(database_url) as session:  # as if all this was 40 minutes ago: she comes back, on another device
            earlier = utcnow() - timedelta(minutes=40)
            await session.execute(update(JournalGrade).where(JournalGrade.updated_at > long_ago).values(updated_at=earlier))
            await session.execute(update(JournalAttendance).where(JournalAttendance.marked_at > long_ago)
                                  .values(updated_at=earlier, marked_at=earlier))
            await session.execute(update(DiaryVisit).values(seen_at=utcnow() - timedelta(minutes=31)))
        await sign_in(client, f"mother_anya-{world.school}")
        later = await client.get(f"/diary/students/{anya}")
        assert not new_marks(later.text) and 'id="diary-news"' not in later.text


async def test_the_week_reads_a_fixed_number_of_statements_whatever_the_marks_and_children(make_client, database_url,
                                                                                         world):
    from core.people.services import PeopleService
    from tests.core.structure.test_subject_pages import count_statements, statements

    anya, boris = world.student("Аня"), world.student("Борис")
    pages = (f"/diary/students/{anya}", f"/diary/students/{anya}?week={(THIS_MONDAY - timedelta(days=7)).isoformat()}")
    async with make_client(plugins=PLUGINS) as client:
        await sign_in(client, f"mother_anya-{world.school}")
        await client.get(pages[0])  # the visit is written once
        seen = count_statements(client)
        before = [await statements(client, seen, page) for page in pages]
        async with writing(database_url) as session:
            await PeopleService(session, world.school).add_guardian(boris, world.people["mother_anya"], kind="mother")
            kind = await session.scalar(select(JournalWorkKind).where(JournalWorkKind.school_id == world.school,
                                                                      JournalWorkKind.code == "answer"))
            session.add_all(JournalGrade(school_id=world.school, lesson_id=lesson, student_id=anya, mark="4",
                                         work_kind_id=kind.id, weight_hundredths=100)
                            for (page, day), lesson in world.lessons.items() if day <= TODAY and page != MATH)
        after = [await statements(client, seen, page) for page in pages]
    assert before == after, (before, after)
    print("statements: this week", before[0], "another week", before[1])

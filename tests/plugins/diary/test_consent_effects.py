"""A withdrawn consent to the calendar feed stops every feed of the student's lessons."""

from __future__ import annotations

from core.events import ConsentWithdrawn
from plugins.diary.feeds import stop_feeds_without_consent
from tests.support.people import add_school, add_user
from tests.support.snapshot import execute, fetch, moment


async def test_withdrawing_the_consent_to_the_calendar_stops_the_students_feeds(make_platform, database_url):
    school = await add_school(database_url)
    student, sibling = await add_user(database_url, "anya", [("student", school)]), await add_user(database_url, "boris", [("student", school)])
    parent = await add_user(database_url, "parent", [("parent", school)])
    for n, (owner, subject) in enumerate([(student, student), (parent, student), (parent, sibling)]):
        await execute(database_url, "INSERT INTO diary_feed (school_id, user_id, student_id, token_hash, created_at) "
                                    "VALUES (:school, :owner, :subject, :token, :at)",
                      school=school, owner=owner, subject=subject, token=f"{n:064d}", at=moment(database_url, "2026-11-01 10:00:00"))
    platform = make_platform(("diary",))
    await stop_feeds_without_consent(platform, ConsentWithdrawn(school_id=school, person_id=sibling, scopes="journal,email"))
    await stop_feeds_without_consent(platform, ConsentWithdrawn(school_id=school, person_id=student, scopes="journal,calendar"))
    rows = await fetch(database_url, "SELECT user_id, student_id, revoked_at IS NOT NULL FROM diary_feed ORDER BY id")
    assert rows == [(student, student, True), (parent, student, True), (parent, sibling, False)]

"""A withdrawn consent to e-mail stops the copies (152-FZ art. 9: the processing for that purpose ends)."""

from __future__ import annotations

from core.events import ConsentWithdrawn
from plugins.messaging.copies import handle_event
from tests.support.people import add_school, add_user
from tests.support.snapshot import execute, fetch, moment


async def test_withdrawing_the_consent_to_email_forgets_the_address_and_only_then(make_platform, database_url):
    school = await add_school(database_url)
    mother, father = await add_user(database_url, "mother", [("parent", school)]), await add_user(database_url, "father", [("parent", school)])
    for person in (mother, father):
        await execute(database_url, "INSERT INTO messaging_email_choice (user_id, address, chosen_at) VALUES (:id, :address, :at)",
                      id=person, address=f"p{person}@example.ru", at=moment(database_url, "2026-11-01 10:00:00"))
    platform = make_platform(("messaging",))
    await handle_event(platform, ConsentWithdrawn(school_id=school, person_id=father, scopes="journal,contacts"))
    await handle_event(platform, ConsentWithdrawn(school_id=school, person_id=mother, scopes="journal,email"))
    assert await fetch(database_url, "SELECT user_id FROM messaging_email_choice") == [(father,)]

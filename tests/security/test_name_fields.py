"""People's names reach some sixty pages (cards, class lists, the journal, the diary, the mail, the
audit viewer): rather than attack each, the battery checks they never get in. Every stored-XSS
payload is refused as a name by the card's form and the staff form, and nothing is saved."""

from __future__ import annotations

from tests.core.people.test_people_pages import small_school_with_people
from tests.security.payloads import PAYLOADS
from tests.support.battery import TALLY
from tests.support.people import sign_in
from tests.support.snapshot import database_unchanged


async def test_no_attack_payload_is_taken_as_a_name(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        async with database_unchanged(database_url):
            for number, payload in enumerate(PAYLOADS):
                field = ("last_name", "first_name", "middle_name")[number % 3]
                names = {"last_name": "Иванова", "first_name": "Анна", "middle_name": "Петровна", field: payload}
                card = await client.post(f"/people/persons/{ids['mother']}", data={
                    **names, "phone": "", "email": "", "birth_date": "", "back": "", "version": "1"})
                staff = await client.post("/people/staff", data={
                    **names, "birth_date": "", "phone": "", "email": "", "title": "Учитель", "starts_on": "2026-09-01"})
                for answer in (card, staff):
                    assert answer.status_code == 422 and "Укажите имя буквами" in answer.text, payload
                TALLY["XSS payloads refused as names"] += 2

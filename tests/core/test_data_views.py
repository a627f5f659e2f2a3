"""«Who viewed my child's data»: staff looks at a student's card and their class are counted per
day; the parent and the student see them; a family's own looks and other families' are not shown."""

from __future__ import annotations

from core.auth.models import UserAccount
from tests.core.people.test_people_pages import small_school_with_people
from tests.support.people import PASSWORD, add_user, fast_passwords, sign_in
from tests.support.snapshot import fetch
from tests.support.structure import writing


async def family_accounts(url, ids):
    """The mother of Иванов and Иванова, the father and Сидоров sign in (the people are accounts)."""
    password = fast_passwords().hash(PASSWORD)
    async with writing(url) as session:
        for person in (ids["mother"], ids["sidorov"], ids["father"]):  # their roles came with the admission
            account = await session.get(UserAccount, person)
            account.login, account.password_hash = f"p{person}", password


async def test_the_mother_sees_which_staff_opened_her_childs_card_and_class(make_client, database_url):
    ids = await small_school_with_people(database_url)
    await family_accounts(database_url, ids)
    async with make_client() as client:
        await sign_in(client, "classteacher")
        for _ in range(2):
            assert (await client.get(f"/people/students/{ids['ivanov']}")).status_code == 200
        assert (await client.get(f"/people/classes/{ids['class_5a']}")).status_code == 200
    async with make_client() as client:
        await sign_in(client, f"p{ids['mother']}")
        own = await client.get(f"/people/students/{ids['ivanov']}")  # a parent has no card access; nothing is noted
        page = await client.get(f"/account/views?person={ids['ivanov']}")
        daughter = await client.get(f"/account/views?person={ids['ivanova']}")
        stranger = await client.get(f"/account/views?person={ids['sidorov']}")
    assert own.status_code == 403
    assert page.status_code == 200
    assert "Васильева Ольга Николаевна" in page.text and "Классный руководитель" in page.text
    assert "карточка обучающегося" in page.text and "2 раза за день" in page.text
    assert "список класса: 5А" in page.text
    assert "карточка обучающегося" not in daughter.text and "список класса: 5А" in daughter.text  # her class, not her card
    assert stranger.status_code == 404
    rows = await fetch(database_url, "SELECT kind, times FROM data_view ORDER BY kind")
    assert rows == [("class", 1), ("person", 2)]


async def test_a_student_sees_the_looks_at_their_own_records_and_nobody_elses(make_client, database_url):
    ids = await small_school_with_people(database_url)
    await family_accounts(database_url, ids)
    async with make_client() as client:
        await sign_in(client, "secretary")
        await client.get(f"/people/students/{ids['sidorov']}")
        await client.get(f"/people/students/{ids['ivanov']}")
    async with make_client() as client:
        await sign_in(client, f"p{ids['sidorov']}")
        page = await client.get("/account/views")
        other = await client.get(f"/account/views?person={ids['ivanov']}")
        nonsense = await client.get("/account/views?person=abc")
    assert "Тестовый secretary" in page.text and "карточка обучающегося" in page.text
    assert other.status_code == 404 and nonsense.status_code == 404


async def test_nobody_looked_yet_and_staff_cannot_open_the_page(make_client, database_url):
    ids = await small_school_with_people(database_url)
    await family_accounts(database_url, ids)
    teacher = await add_user(database_url, "teacher", [("teacher", ids["school"])])
    async with make_client() as client:
        await sign_in(client, f"p{ids['father']}")
        page = await client.get("/account/views")
    async with make_client() as client:
        await sign_in(client, "teacher")
        refused = await client.get("/account/views")
    assert 'id="core-views-empty"' in page.text and f'id="core-views-person-{ids["sidorov"]}"' in page.text
    assert refused.status_code == 403 and teacher

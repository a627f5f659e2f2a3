"""Account administration and the school's module switches (regulation 4.4)."""

from __future__ import annotations

import pytest

from tests.support.people import add_school, add_user, sign_in, signed_in
from tests.support.snapshot import database_unchanged, fetch


async def test_an_administrator_creates_an_account_that_can_sign_in(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        form = await admin.get("/admin/users/new")
        assert form.status_code == 200 and "Учитель-предметник" in form.text and "Оператор платформы" not in form.text
        created = await admin.post("/admin/users/new", data={
            "full_name": "Иванова  Мария Петровна", "login": "M.Ivanova", "password": "длинный-пароль", "role": "teacher",
        }, follow_redirects=False)
        assert created.status_code == 303
        page = await admin.get(created.headers["location"])
        assert "Учётная запись m.ivanova создана." in page.text and "Иванова Мария Петровна" in page.text
        listing = await admin.get("/admin/users", params={"q": "ИВАН"})
        assert "m.ivanova" in listing.text
        partial = await admin.get("/admin/users", params={"q": "ёжик"}, headers={"HX-Request": "true", "HX-Target": "core-users-table"})
        assert partial.text.startswith('<div id="core-users-table"') and "Учётные записи не найдены." in partial.text
    async with make_client() as client:
        await sign_in(client, "m.ivanova", "длинный-пароль")
        assert (await client.get("/")).status_code == 200
    actions = [a for (a,) in await fetch(database_url, "SELECT action FROM audit_record ORDER BY id")]
    assert actions.index("core.account_created") < actions.index("core.role_granted")


@pytest.mark.parametrize(("field", "values", "message"), [
    ("login", {"login": "а"}, "Логин — от 3 до 64 латинских букв"),
    ("full_name", {"full_name": "   "}, "Укажите фамилию, имя и отчество."),
    ("password", {"password": "короткий"[:5]}, "Пароль должен быть не короче 8 символов."),
    ("role", {"role": "operator"}, "Выберите роль."),
    ("role", {"role": "superuser"}, "Выберите роль."),
])
async def test_bad_account_input_is_refused_and_changes_nothing(make_client, database_url, field, values, message):
    good = {"full_name": "Петров Пётр", "login": "petrov", "password": "длинный-пароль", "role": "teacher"}
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        async with database_unchanged(database_url):
            response = await admin.post("/admin/users/new", data={**good, **values},
                                        headers={"HX-Request": "true", "HX-Target": "core-user-new-form"})
    assert response.status_code == 422 and message in response.text
    assert 'aria-invalid="true"' in response.text and "длинный-пароль" not in response.text


async def test_a_taken_login_is_refused(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        await add_user(database_url, "petrov")
        async with database_unchanged(database_url):
            response = await admin.post("/admin/users/new", data={
                "full_name": "Петров Пётр", "login": "PETROV", "password": "длинный-пароль", "role": "teacher"})
    assert response.status_code == 422 and "Такой логин уже занят." in response.text


async def test_blocking_and_role_changes_end_the_persons_sessions(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        teacher_id = await add_user(database_url, "teacher-x", [("teacher", school)])
        async with make_client() as teacher:
            await sign_in(teacher, "teacher-x")
            assert (await teacher.get("/testplugin/notes")).status_code == 200
            await admin.post(f"/admin/users/{teacher_id}/roles", data={"role": "deputy", "action": "grant"})
            assert (await teacher.get("/", follow_redirects=False)).status_code == 303  # signed out
            await sign_in(teacher, "teacher-x")
            assert "Заместитель директора по УВР" in (await admin.get(f"/admin/users/{teacher_id}")).text
            await admin.post(f"/admin/users/{teacher_id}/block", data={"blocked": "1"})
            assert (await teacher.get("/", follow_redirects=False)).status_code == 303
            await sign_in(teacher, "teacher-x", expect=422)
            await admin.post(f"/admin/users/{teacher_id}/block", data={"blocked": "0"})
            await sign_in(teacher, "teacher-x")
            await admin.post(f"/admin/users/{teacher_id}/roles", data={"role": "deputy", "action": "revoke"})
            assert (await teacher.get("/", follow_redirects=False)).status_code == 303
            assert await fetch(database_url, f"SELECT role FROM role_grant WHERE user_id = {teacher_id}") == [("teacher",)]
    actions = [a for (a,) in await fetch(database_url, "SELECT action FROM audit_record ORDER BY id")]
    assert {"core.role_granted", "core.role_revoked", "core.account_blocked", "core.account_unblocked"} <= set(actions)


async def test_an_administrator_cannot_lock_themself_out(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        (me,), = await fetch(database_url, "SELECT id FROM user_account WHERE login LIKE 'journal-admin-%'")
        async with database_unchanged(database_url):
            block = await admin.post(f"/admin/users/{me}/block", data={"blocked": "1"})
            revoke = await admin.post(f"/admin/users/{me}/roles", data={"role": "journal_admin", "action": "revoke"})
    assert block.status_code == 422 and "Нельзя заблокировать собственную учётную запись." in block.text
    assert revoke.status_code == 422 and "Нельзя отозвать у себя роль администратора." in revoke.text


async def test_another_schools_accounts_are_out_of_reach(make_client, database_url):
    other_school = await add_school(database_url, "Другая школа")
    stranger = await add_user(database_url, "stranger", [("teacher", other_school)], full_name="Чужой Учитель")
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        listing = await admin.get("/admin/users")
        missing = await admin.get("/admin/users/999999")
        async with database_unchanged(database_url):
            answers = [
                await admin.get(f"/admin/users/{stranger}"),
                await admin.post(f"/admin/users/{stranger}", data={"full_name": "Взломан"}),
                await admin.post(f"/admin/users/{stranger}/block", data={"blocked": "1"}),
                await admin.post(f"/admin/users/{stranger}/password", data={"password": "новый-пароль-1"}),
                await admin.post(f"/admin/users/{stranger}/roles", data={"role": "teacher", "action": "grant"}),
            ]
    assert "Чужой Учитель" not in listing.text
    assert all(a.status_code == 404 for a in answers) and missing.status_code == 404
    assert all("Чужой Учитель" not in a.text for a in answers)
    same = lambda response, user_id: response.text.split("<main")[1].replace(f"/admin/users/{user_id}", "URL")  # noqa: E731
    assert same(answers[0], stranger) == same(missing, 999999)  # exists or not: the same answer


@pytest.mark.parametrize("role", ["teacher", "director", "deputy", "parent", "student"])
async def test_only_administrators_manage_accounts(make_client, database_url, role):
    async with signed_in(make_client, database_url, role=role) as (client, school):
        async with database_unchanged(database_url):
            pages = [await client.get(url) for url in ("/admin/users", "/admin/users/new", "/admin/modules")]
            posts = [await client.post("/admin/users/new", data={"full_name": "X Y", "login": "xyz", "password": "12345678", "role": "journal_admin"}),
                     await client.post("/admin/modules", data={"plugin": "testplugin", "enabled": "0"})]
    assert [r.status_code for r in pages + posts] == [403] * 5
    assert "Доступ запрещён" in pages[0].text


async def test_a_module_switched_off_vanishes_for_that_school_only(make_client, database_url):
    other = await add_school(database_url, "Соседняя школа")
    await add_user(database_url, "neighbour", [("teacher", other)])
    async with signed_in(make_client, database_url, role="journal_admin", plugins=None) as (admin, school):
        assert "nav-testplugin-notes" in (await admin.get("/")).text
        refused = await admin.post("/admin/modules", data={"plugin": "testplugin", "enabled": "0"})
        assert refused.status_code == 422 and "Сначала отключите" in refused.text  # testdependent needs it
        await admin.post("/admin/modules", data={"plugin": "testdependent", "enabled": "0"})
        switched = await admin.post("/admin/modules", data={"plugin": "testplugin", "enabled": "0"}, follow_redirects=False)
        assert switched.status_code == 303
        home = (await admin.get("/")).text
        assert "nav-testplugin-notes" not in home and "widget-testplugin-notes" not in home
        assert "Модуль «Тестовый модуль» отключён." in home  # the flash, after the redirect
        assert (await admin.get("/testplugin/notes")).status_code == 404
        assert (await admin.get(f"/testplugin/schools/{school}/notes")).status_code == 404
        assert 'id="core-module-testplugin"' in (await admin.get("/admin/modules")).text
        async with make_client() as neighbour:
            await sign_in(neighbour, "neighbour")
            assert "nav-testplugin-notes" in (await neighbour.get("/")).text
            assert (await neighbour.get("/testplugin/notes")).status_code == 200
        back = await admin.post("/admin/modules", data={"plugin": "testdependent", "enabled": "1"})
        assert back.status_code == 422 and "Сначала подключите" in back.text
        await admin.post("/admin/modules", data={"plugin": "testplugin", "enabled": "1"})
        assert (await admin.get("/testplugin/notes")).status_code == 200


async def test_a_person_of_two_schools_is_changed_only_by_the_operator(make_client, database_url):
    """An administrator of one school must not take over an account that also serves another
    school (or the installation): its name, password and access belong to both."""
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        other = await add_school(database_url, "Школа Б")
        both = await add_user(database_url, "dir-b", [("teacher", school), ("director", other)], full_name="Директор Б")
        operator = await add_user(database_url, "oper", [("teacher", school), ("operator", None)], full_name="Оператор")
        for target in (both, operator):
            page = await admin.get(f"/admin/users/{target}")
            assert page.status_code == 200 and "меняет оператор платформы" in page.text
            async with database_unchanged(database_url):
                answers = [
                    await admin.post(f"/admin/users/{target}", data={"full_name": "Захвачен"}),
                    await admin.post(f"/admin/users/{target}/password", data={"password": "пароль-захватчика"}),
                    await admin.post(f"/admin/users/{target}/block", data={"blocked": "1"}),
                ]
            assert [a.status_code for a in answers] == [422, 422, 422]
        granted = await admin.post(f"/admin/users/{both}/roles", data={"role": "class_teacher", "action": "grant"}, follow_redirects=False)
        assert granted.status_code == 303  # roles in this school stay this school's business
    async with make_client() as client:
        await sign_in(client, "dir-b")  # the old password still works


async def test_a_password_has_limits_both_ways(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        target = await add_user(database_url, "long", [("teacher", school)])
        async with database_unchanged(database_url):
            long = await admin.post(f"/admin/users/{target}/password", data={"password": "эхо ёлки " * 28 + "мамаы"})
        assert long.status_code == 422 and "не длиннее 256 символов" in long.text
        passphrase = "эхо ёлки " * 28 + "мама"
        ok = await admin.post(f"/admin/users/{target}/password", data={"password": passphrase}, follow_redirects=False)
        assert ok.status_code == 303
    async with make_client() as client:
        await sign_in(client, "long", passphrase)

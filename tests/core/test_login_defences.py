"""Issue 15: password rules, the sign-in lock, one-time passwords, sessions, the second factor and
the deployment check (regulation 3.3, 3.5; FSTEC order No. 21 ИАФ/УПД; OWASP ASVS 2)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from core.auth import totp
from core.auth.defences import LoginGuard
from core.auth.policy import PasswordRules, password_problem
from core.settings import SecuritySettings
from tests.support.people import PASSWORD, add_school, add_user, csrf_from, sign_in, signed_in
from tests.support.snapshot import database_unchanged, execute, fetch
from tests.support.structure import writing

GOOD = "зелёный слон идёт в школу"


# ---- the password rules ------------------------------------------------------------------------


@pytest.mark.parametrize("password, staff, refused", [
    ("короткий", False, False),  # 8 characters are enough for a parent
    ("короткий", True, True),  # not for staff: 12
    ("password123", False, True), ("Qwerty123!", False, True), ("йцукенгшщз", False, True), ("1q2w3e4r5t", False, True),
    ("aaaaaaaa1", False, True),  # four distinct characters at least
    (GOOD, True, False), ("эхо ёлки " * 28 + "мама", True, False),  # passphrases, up to 256 characters
    ("эхо ёлки " * 28 + "мамаы", True, True),
])
def test_the_password_rules(password, staff, refused):
    assert (password_problem(password, PasswordRules(staff=staff)) is not None) is refused


def test_a_password_is_not_the_persons_name_login_or_school():
    rules = PasswordRules(personal_words=("ivanova.mp", "Иванова Мария Петровна", "МАОУ СОШ № 20 Первомайская"))
    for refused in ("Иванова2024!", "ivanova.mp-77", "мария1985", "Первомайская20"):
        assert password_problem(refused, rules) is not None, refused
    assert password_problem("Иванова любит зелёный чай", rules) is None  # a phrase that contains the name is fine


def test_a_school_may_choose_a_composition_rule():
    assert password_problem("горная речка шумит", PasswordRules()) is None
    assert password_problem("горная речка шумит", PasswordRules(needs_letters_and_digits=True)) is not None
    assert password_problem("горная речка 7 шумит", PasswordRules(needs_letters_and_digits=True)) is None


# ---- the lock: per login and address, released after the lock time ----------------------------


async def test_the_lock_counts_a_login_from_one_address_within_the_window(database_url):
    await add_school(database_url)
    settings = SecuritySettings(lock_after=5, lock_minutes=15)
    start = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    async with writing(database_url) as session:
        guard = LoginGuard(session, settings)
        for minute in range(4):
            guard.failed("Teacher", "10.0.0.1", now=start + timedelta(minutes=minute))
        await session.flush()
        assert (await guard.state("teacher", "10.0.0.1", now=start + timedelta(minutes=4))).locked_until is None  # four: not yet
        guard.failed("teacher", "10.0.0.1", now=start + timedelta(minutes=4))
        await session.flush()
        locked = await guard.state("teacher", "10.0.0.1", now=start + timedelta(minutes=5))
        assert locked.locked_until == start + timedelta(minutes=19)  # exactly at the fifth: 15 minutes from it
        assert (await guard.state("teacher", "10.0.0.2", now=start + timedelta(minutes=5))).locked_until is None  # from home
        assert (await guard.state("director", "10.0.0.1", now=start + timedelta(minutes=5))).locked_until is None  # others
        assert (await guard.state("teacher", "10.0.0.1", now=start + timedelta(minutes=19, seconds=1))).locked_until is None


async def test_wrong_codes_lock_the_code_step_from_every_address(database_url):
    """With the password known, an attacker of many addresses would get five codes from each: ten
    wrong codes of one login, wherever from, stop the code step (the password step stays per address)."""
    await add_school(database_url)
    settings = SecuritySettings(lock_after=5, lock_minutes=15)
    start = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    async with writing(database_url) as session:
        guard = LoginGuard(session, settings)
        for number in range(10):
            state = await guard.attempt("director", f"10.0.{number}.1", "code", now=start + timedelta(seconds=number))
            assert state.locked_until is None
        await session.flush()
        elsewhere = await guard.attempt("director", "10.9.9.9", "code", now=start + timedelta(seconds=11))
        assert elsewhere.locked_until == start + timedelta(minutes=15, seconds=9)
        assert (await guard.state("director", "10.9.9.9", "password", now=start + timedelta(seconds=11))).locked_until is None


async def test_five_failures_lock_even_the_right_password_and_the_lock_ends(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "teacher", [("teacher", school)])
    async with make_client() as client:
        for attempt in range(1, 6):
            form = await client.get("/login")
            wrong = await client.post("/login", data={"login": "teacher", "password": f"wrong-{attempt}",
                                                      "_csrf_token": csrf_from(form.text)})
            assert wrong.status_code == 422
            assert ("приостановлен" in wrong.text) is (attempt == 5), attempt  # locked exactly at the fifth
        async with database_unchanged(database_url):
            locked = await sign_in(client, "teacher", expect=422)
        assert "Слишком много неудачных попыток" in locked.text and "15 мин" in locked.text
        await execute(database_url, "UPDATE login_attempt SET at = :at", at=datetime.now(timezone.utc) - timedelta(minutes=16))
        await sign_in(client, "teacher")  # released after the lock time
    assert await fetch(database_url, "SELECT count(*) FROM login_attempt WHERE login = 'teacher'") == [(0,)]  # forgiven


async def test_unknown_and_known_logins_get_the_same_answer(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "teacher", [("teacher", school)])
    async with make_client() as client:
        answers = []
        for login in ("teacher", "nobody-here"):
            form = await client.get("/login")
            response = await client.post("/login", data={"login": login, "password": "wrong", "_csrf_token": csrf_from(form.text)})
            answers.append((response.status_code, re.sub(r'value="[^"]*"', "", response.text.replace(login, "L"))))
        assert answers[0] == answers[1]
        # and the lock works for unknown logins too: guessing which logins exist gains nothing
        for _ in range(5):
            form = await client.get("/login")
            last = await client.post("/login", data={"login": "ghost", "password": "x", "_csrf_token": csrf_from(form.text)})
        assert "Слишком много неудачных попыток" in last.text


async def test_one_address_has_a_generous_limit_of_its_own(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "teacher", [("teacher", school)])
    async with make_client(security=SecuritySettings(address_limit=10)) as client:
        for number in range(10):  # ten different logins mistyped behind the school's NAT address
            form = await client.get("/login")
            await client.post("/login", data={"login": f"pupil{number}", "password": "x", "_csrf_token": csrf_from(form.text)})
        refused = await sign_in(client, "teacher", expect=422)
    assert "Слишком много неудачных попыток" in refused.text


async def test_the_login_page_carries_the_personal_data_notice_and_the_previous_sign_in(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "teacher", [("teacher", school)])
    async with make_client() as client:
        page = await client.get("/login")
        assert "152-ФЗ" in page.text
        await sign_in(client, "teacher")
        await client.post("/logout")
        client.headers.pop("x-csrftoken")
        form = await client.get("/login")
        await client.post("/login", data={"login": "teacher", "password": "typo", "_csrf_token": csrf_from(form.text)})
        form = await client.get("/login")
        home = await client.post("/login", data={"login": "teacher", "password": PASSWORD, "_csrf_token": csrf_from(form.text)})
        account = await client.get("/account")
    assert "Предыдущий вход" in home.text and "testclient" in home.text  # shown once, right after signing in
    assert "1 неудачная попытка" in home.text
    assert "Предыдущий вход" in account.text and "неудачн" not in account.text


# ---- changing one's own password ---------------------------------------------------------------


async def test_changing_the_password_needs_the_current_one_and_can_end_other_sessions(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (client, school):
        async with make_client() as other:
            await sign_in(other, f"teacher-{school}")
            async with database_unchanged(database_url, ignore=frozenset({"audit_record", "login_attempt"})):
                wrong = await client.post("/account/password", data={"current": "not-it", "password": GOOD, "repeat": GOOD})
                weak = await client.post("/account/password", data={"current": PASSWORD, "password": "qwerty123456", "repeat": "qwerty123456"})
                short = await client.post("/account/password", data={"current": PASSWORD, "password": "короткий", "repeat": "короткий"})
                differ = await client.post("/account/password", data={"current": PASSWORD, "password": GOOD, "repeat": GOOD + "!"})
            assert wrong.status_code == 422 and "Текущий пароль неверен" in wrong.text
            assert weak.status_code == 422 and "самых распространённых" in weak.text
            assert short.status_code == 422 and "не короче 12 символов" in short.text  # staff
            assert differ.status_code == 422 and "не совпадают" in differ.text
            changed = await client.post("/account/password", data={"current": PASSWORD, "password": GOOD, "repeat": GOOD, "end_others": "1"},
                                        follow_redirects=False)
            assert changed.status_code == 303
            assert (await client.get("/account")).status_code == 200  # this session stays
            assert (await other.get("/", follow_redirects=False)).headers["location"].startswith("/login")  # the other ended
        async with make_client() as fresh:
            await sign_in(fresh, f"teacher-{school}", GOOD)


# ---- one-time passwords: issued with a protocol, expire, must be changed -----------------------


async def _class_with_families(url: str, school: int, teacher_id: int) -> dict[str, int]:
    from datetime import date

    from core.people.services import PeopleService
    from core.structure.calendar import CalendarService
    from core.structure.organisation import OrganisationService

    async with writing(url) as session:
        today = date.today()
        year = await CalendarService(session, school).create_year(date(today.year - (today.month < 9), 9, 1), date(today.year - (today.month < 9) + 1, 5, 31))
        organisation, people = OrganisationService(session, school), PeopleService(session, school)
        class_5a = await organisation.add_class(year, grade_level=5, letter="А")
        class_5b = await organisation.add_class(year, grade_level=5, letter="Б")
        await organisation.appoint_class_teacher(class_5a, teacher_id=teacher_id, starts_on=year.starts_on, ends_on=None)
        ids: dict[str, int] = {"class_5a": class_5a.id, "class_5b": class_5b.id}
        for key, class_group, last in (("student", class_5a, "Петров"), ("other_student", class_5b, "Сидоров")):
            student = await people.add_person(last_name=last, first_name="Илья", middle_name="Иванович", birth_date=date(2015, 3, 1))
            await people.enroll(student.id, class_group, starts_on=year.starts_on, order_number="1-у", order_date=year.starts_on)
            parent = await people.add_person(last_name=last + "а", first_name="Анна", middle_name="Сергеевна")
            await people.add_guardian(student.id, parent.id, kind="mother")
            ids[key], ids[key.replace("student", "parent")] = student.id, parent.id
    return ids


def _pdf_text(content: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "protocol.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


async def test_a_class_teacher_issues_the_parents_credentials_and_a_parent_must_set_a_password(make_client, database_url, tmp_path):
    async with signed_in(make_client, database_url, role="class_teacher") as (teacher, school):
        teacher_id = (await fetch(database_url, "SELECT id FROM user_account WHERE login = :l", l=f"class-teacher-{school}"))[0][0]
        ids = await _class_with_families(database_url, school, teacher_id)
        page = await teacher.get(f"/people/credentials?group=parents:{ids['class_5a']}")
        assert page.status_code == 200 and "Петрова Анна Сергеевна" in page.text and "Сидорова" not in page.text
        async with database_unchanged(database_url):
            other_class = await teacher.post("/people/credentials", data={"group": f"parents:{ids['class_5b']}", "user_ids": [ids["other_parent"]]})
            forged = await teacher.post("/people/credentials", data={"group": f"parents:{ids['class_5a']}",
                                                                     "user_ids": [ids["parent"], ids["other_parent"]]})
            staff = await teacher.post("/people/credentials", data={"group": "staff", "user_ids": [teacher_id]})
        assert other_class.status_code == 422 and "Выберите один из предложенных классов" in other_class.text
        assert forged.status_code == 422 and "Ничего не выдано" in forged.text
        assert staff.status_code == 422
        issued = await teacher.post("/people/credentials", data={"group": f"parents:{ids['class_5a']}", "user_ids": [ids["parent"]]})
        assert issued.status_code == 200 and issued.headers["content-type"] == "application/pdf"
        text = _pdf_text(issued.content, tmp_path)
        again = await teacher.get(f"/people/credentials?group=parents:{ids['class_5a']}")
        assert f'value="{ids["parent"]}" id="core-credentials-pick-{ids["parent"]}" aria-label="Петрова Анна Сергеевна">' in again.text  # not ticked: her slip stands
    login = (await fetch(database_url, "SELECT login FROM user_account WHERE id = :i", i=ids["parent"]))[0][0]
    assert "получил" in text.lower() and "Петрова Анна Сергеевна" in text and login in text
    password = re.search(re.escape(login) + r"\s+([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})", text)[1]
    audit = await fetch(database_url, "SELECT action, object_id FROM audit_record WHERE action = 'core.credentials_issued'")
    assert audit == [("core.credentials_issued", f"parents:{ids['class_5a']}")]
    async with make_client(plugins=None) as parent:
        await sign_in(parent, login, password)
        for path in ("/", "/messaging/inbox", "/diary/home"):
            response = await parent.get(path, follow_redirects=False)
            assert response.headers.get("location") == "/account/password", path
        page = await parent.get("/account/password")
        assert "одноразовым" in page.text
        same = await parent.post("/account/password", data={"current": password, "password": password, "repeat": password})
        assert same.status_code == 422
        done = await parent.post("/account/password", data={"current": password, "password": "мой кот любит рыбу", "repeat": "мой кот любит рыбу"},
                                 follow_redirects=False)
        assert done.status_code == 303
        assert (await parent.get("/", follow_redirects=False)).status_code == 200
    assert await fetch(database_url, "SELECT must_change_password, password_expires_at FROM user_account WHERE id = :i", i=ids["parent"]) == [(False, None)]


async def test_a_class_teacher_cannot_reset_a_parent_who_is_staff(make_client, database_url):
    async with signed_in(make_client, database_url, role="class_teacher") as (teacher, school):
        teacher_id = (await fetch(database_url, "SELECT id FROM user_account WHERE login = :l", l=f"class-teacher-{school}"))[0][0]
        ids = await _class_with_families(database_url, school, teacher_id)
        await execute(database_url, "INSERT INTO role_grant (user_id, school_id, role, granted_at) VALUES (:u, :s, 'director', :at)",
                      u=ids["parent"], s=school, at=datetime.now(timezone.utc))
        page = await teacher.get(f"/people/credentials?group=parents:{ids['class_5a']}")
        assert "пароль сбрасывает администратор журнала" in page.text and f'value="{ids["parent"]}"' not in page.text
        async with database_unchanged(database_url):
            refused = await teacher.post("/people/credentials", data={"group": f"parents:{ids['class_5a']}", "user_ids": [ids["parent"]]})
        assert refused.status_code == 422 and "Ничего не выдано" in refused.text


async def test_a_one_time_password_expires_and_reissuing_voids_the_previous(make_client, database_url, tmp_path):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        teacher_id = await add_user(database_url, "homeroom", [("class_teacher", school)])
        ids = await _class_with_families(database_url, school, teacher_id)
        group = {"group": f"students:{ids['class_5a']}", "user_ids": [ids["student"]]}
        first = _pdf_text((await admin.post("/people/credentials", data=group)).content, tmp_path)
        second = _pdf_text((await admin.post("/people/credentials", data=group)).content, tmp_path)
        staff = await admin.get("/people/credentials?group=staff")
        assert "homeroom" in staff.text
    login = (await fetch(database_url, "SELECT login FROM user_account WHERE id = :i", i=ids["student"]))[0][0]
    old, new = (re.search(re.escape(login) + r"\s+(\S{14})", text)[1] for text in (first, second))
    assert old != new
    async with make_client() as client:
        await sign_in(client, login, old, expect=422)  # voided by the reissue
        await execute(database_url, "UPDATE user_account SET password_expires_at = :at WHERE id = :i",
                      at=datetime.now(timezone.utc) - timedelta(seconds=1), i=ids["student"])
        expired = await sign_in(client, login, new, expect=422)
    assert "срок действия одноразового пароля истёк" in expired.text.lower()


# ---- sessions ----------------------------------------------------------------------------------


async def test_an_idle_session_ends_and_so_does_an_old_one(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (client, _school):
        assert (await client.get("/", follow_redirects=False)).status_code == 200
        await execute(database_url, "UPDATE user_session SET last_seen_at = :at", at=datetime.now(timezone.utc) - timedelta(minutes=31))
        assert (await client.get("/", follow_redirects=False)).headers["location"].startswith("/login")
    async with signed_in(make_client, database_url, role="teacher") as (client, _school):
        await execute(database_url, "UPDATE user_session SET expires_at = :at", at=datetime.now(timezone.utc) - timedelta(seconds=1))
        assert (await client.get("/", follow_redirects=False)).headers["location"].startswith("/login")


async def test_my_sessions_lists_them_and_signs_out_the_others(make_client, database_url):
    async with signed_in(make_client, database_url, role="teacher") as (client, school):
        async with make_client() as phone:
            await sign_in(phone, f"teacher-{school}")
            page = await client.get("/account")
            handles = re.findall(r"/account/sessions/([0-9a-f]{16})/end", page.text)
            assert len(handles) == 1 and "это устройство" in page.text
            async with database_unchanged(database_url):
                await client.post("/account/sessions/0123456789abcdef/end")  # not one of mine
            await client.post(f"/account/sessions/{handles[0]}/end")
            assert (await phone.get("/", follow_redirects=False)).headers["location"].startswith("/login")
            assert (await client.get("/", follow_redirects=False)).status_code == 200


async def test_a_role_may_have_a_limit_of_concurrent_sessions(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "pupil", [("student", school)])
    async with make_client(security=SecuritySettings(session_limits={"student": 1})) as first, \
            make_client(security=SecuritySettings(session_limits={"student": 1})) as second:
        await sign_in(first, "pupil")
        await sign_in(second, "pupil")
        assert (await first.get("/", follow_redirects=False)).headers["location"].startswith("/login")
        assert (await second.get("/", follow_redirects=False)).status_code == 200


# ---- the second factor -------------------------------------------------------------------------


async def _enrol(client) -> tuple[str, list[str]]:
    page = await client.get("/account/two-factor")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)[1]
    mac = re.search(r'name="secret_mac" value="([0-9a-f]+)"', page.text)[1]
    assert "<svg" in page.text  # the QR code
    wrong = await client.post("/account/two-factor", data={"secret": secret, "secret_mac": mac, "code": "000000"})
    assert wrong.status_code == 422
    done = await client.post("/account/two-factor", data={"secret": secret, "secret_mac": mac,
                                                          "code": totp.code_at(secret, totp.current_step() - 1)})
    assert done.status_code == 200
    return secret, re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4})</code>", done.text)


async def _password_step(client, login: str) -> None:
    response = await sign_in(client, login, expect=303)
    assert response.headers["location"].startswith("/login/code")


async def test_the_second_factor_asks_for_a_code_that_works_once(make_client, database_url):
    async with signed_in(make_client, database_url, role="director") as (client, school):
        secret, recovery = await _enrol(client)
        assert len(recovery) == 10
    login = f"director-{school}"
    async with make_client() as client:
        client.headers.pop("x-csrftoken", None)
        form = await client.get("/login")
        step = await client.post("/login", data={"login": login, "password": PASSWORD, "_csrf_token": csrf_from(form.text)},
                                 follow_redirects=False)
        assert step.headers["location"].startswith("/login/code")
        assert (await client.get("/", follow_redirects=False)).headers["location"].startswith("/login")  # not signed in yet
        code_page = await client.get("/login/code")
        token = csrf_from(code_page.text)
        reused = await client.post("/login/code", data={"code": totp.code_at(secret, totp.current_step() - 1), "_csrf_token": token})
        assert reused.status_code == 422 and "Неверный код" in reused.text  # the enrolment used it
        fresh = await client.post("/login/code", data={"code": totp.code_at(secret, totp.current_step()), "_csrf_token": token},
                                  follow_redirects=False)
        assert fresh.status_code == 303
        assert (await client.get("/", follow_redirects=False)).status_code == 200
    async with make_client() as client:
        form = await client.get("/login")
        await client.post("/login", data={"login": login, "password": PASSWORD, "_csrf_token": csrf_from(form.text)})
        token = csrf_from((await client.get("/login/code")).text)
        again = await client.post("/login/code", data={"code": totp.code_at(secret, totp.current_step()), "_csrf_token": token})
        assert again.status_code == 422  # the same code a second time
        by_recovery = await client.post("/login/code", data={"code": recovery[0].upper(), "_csrf_token": token}, follow_redirects=False)
        assert by_recovery.status_code == 303
    async with make_client() as client:
        form = await client.get("/login")
        await client.post("/login", data={"login": login, "password": PASSWORD, "_csrf_token": csrf_from(form.text)})
        token = csrf_from((await client.get("/login/code")).text)
        assert (await client.post("/login/code", data={"code": recovery[0], "_csrf_token": token})).status_code == 422  # used up
        for _ in range(4):
            last = await client.post("/login/code", data={"code": "123456", "_csrf_token": token})
        assert "Слишком много неудачных попыток" in last.text  # codes are limited like passwords
        locked = await client.post("/login/code", data={"code": totp.code_at(secret, totp.current_step()), "_csrf_token": token})
        assert locked.status_code == 422


async def test_a_school_can_require_the_second_factor_of_its_administration(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        await admin.post("/admin/school-rules", data={"two_factor": "admins"})
        assert (await fetch(database_url, "SELECT two_factor FROM school WHERE id = :s", s=school)) == [("admins",)]
        admin.cookies.clear()
        await sign_in(admin, f"journal-admin-{school}")
        assert (await admin.get("/admin/users", follow_redirects=False)).headers["location"] == "/account/two-factor"
        await _enrol(admin)
        assert (await admin.get("/admin/users", follow_redirects=False)).status_code == 200
        refused = await admin.post("/account/two-factor/off", data={"current": PASSWORD})
        assert refused.status_code == 422 and "требует" in refused.text
    teacher = await add_user(database_url, "subject-teacher", [("teacher", school)])
    assert teacher
    async with make_client() as client:
        await sign_in(client, "subject-teacher")
        assert (await client.get("/", follow_redirects=False)).status_code == 200  # not an administrative role
    rules = await fetch(database_url, "SELECT details FROM audit_record WHERE action = 'core.school_rules_changed'")
    assert "admins" in str(rules)


# ---- the deployment check ----------------------------------------------------------------------


def test_the_deployment_check_lists_unsafe_settings_and_fails_in_production(tmp_path, monkeypatch):
    from core.cli import cli

    for name in list(__import__("os").environ):
        if name.startswith("ZHURNAL_") and not name.startswith("ZHURNAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ZHURNAL_DATA_DIR", str(tmp_path))
    development = CliRunner().invoke(cli, ["check", "--deploy"])
    assert development.exit_code == 0 and "FAIL TLS and cookies" in development.output and "FAIL environment" in development.output
    monkeypatch.setenv("ZHURNAL_ENV", "production")
    monkeypatch.setenv("ZHURNAL_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("ZHURNAL_TRUSTED_PROXIES", "*")
    unsafe = CliRunner().invoke(cli, ["check", "--deploy"])
    assert unsafe.exit_code != 0
    assert "FAIL secret key" in unsafe.output and "FAIL trusted proxy" in unsafe.output and "FAIL TLS and cookies" in unsafe.output
    monkeypatch.setenv("ZHURNAL_SECRET_KEY", "Zq3x9-LmT2vB8nR4kW7yH1cJ6fD5gS0aPe")
    monkeypatch.setenv("ZHURNAL_TRUSTED_PROXIES", "10.0.0.5")
    monkeypatch.setenv("ZHURNAL_PUBLIC_URL", "https://journal.school.ru")
    monkeypatch.setenv("ZHURNAL_HOST", "0.0.0.0")
    safe = CliRunner().invoke(cli, ["check", "--deploy"])
    assert safe.exit_code == 0 and "FAIL" not in safe.output, safe.output


async def test_the_administrator_switches_off_a_lost_second_factor(make_client, database_url):
    async with signed_in(make_client, database_url, role="deputy") as (deputy, school):
        await _enrol(deputy)
    deputy_id = (await fetch(database_url, "SELECT id FROM user_account WHERE login = :l", l=f"deputy-{school}"))[0][0]
    await add_user(database_url, "admin", [("journal_admin", school)])
    async with make_client() as admin:
        await sign_in(admin, "admin")
        page = await admin.get(f"/admin/users/{deputy_id}")
        assert "core-admin-2fa-off" in page.text
        done = await admin.post(f"/admin/users/{deputy_id}/two-factor/off", follow_redirects=False)
        assert done.status_code == 303
    assert await fetch(database_url, "SELECT totp_secret FROM user_account WHERE id = :i", i=deputy_id) == [(None,)]
    assert await fetch(database_url, "SELECT count(*) FROM recovery_code WHERE user_id = :i", i=deputy_id) == [(0,)]
    async with make_client() as client:
        await sign_in(client, f"deputy-{school}")  # straight in: no code asked


async def test_a_school_may_ask_for_a_periodic_change(make_client, database_url):
    school = await add_school(database_url)
    await add_user(database_url, "teacher", [("teacher", school)])
    await execute(database_url, "UPDATE school SET password_max_age_days = 90")
    await execute(database_url, "UPDATE user_account SET password_changed_at = :at", at=datetime.now(timezone.utc) - timedelta(days=89))
    async with make_client() as client:
        await sign_in(client, "teacher")
        assert (await client.get("/", follow_redirects=False)).status_code == 200  # not yet
    await execute(database_url, "UPDATE user_account SET password_changed_at = :at", at=datetime.now(timezone.utc) - timedelta(days=91))
    async with make_client() as client:
        await sign_in(client, "teacher")
        assert (await client.get("/", follow_redirects=False)).headers["location"] == "/account/password"


@pytest.mark.parametrize("name, value", [
    ("ZHURNAL_SESSION_LIMITS", "student=0"), ("ZHURNAL_SESSION_LIMITS", "pupil=2"), ("ZHURNAL_SESSION_LIMITS", "student"),
    ("ZHURNAL_TRUSTED_PROXIES", "proxy.school.ru"), ("ZHURNAL_LOGIN_LOCK_AFTER", "0"), ("ZHURNAL_SESSION_IDLE_MINUTES", "2"),
])
def test_malformed_security_settings_stop_the_start(tmp_path, name, value):
    from core.errors import ConfigError
    from core.settings import Settings

    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path), name: value})


def test_security_settings_are_read(tmp_path):
    from core.settings import Settings

    settings = Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path), "ZHURNAL_SESSION_LIMITS": "student=2, parent=3",
                                  "ZHURNAL_TRUSTED_PROXIES": "10.0.0.5,192.168.0.0/24", "ZHURNAL_SESSION_IDLE_MINUTES": "20"})
    assert settings.security.session_limits == {"student": 2, "parent": 3}
    assert settings.security.trusted_proxies == ("10.0.0.5", "192.168.0.0/24") and settings.security.idle_minutes == 20


async def test_the_school_rules_refuse_a_bad_lifetime_and_record_a_choice(make_client, database_url):
    async with signed_in(make_client, database_url, role="journal_admin") as (admin, school):
        async with database_unchanged(database_url):
            for bad in ({"password_max_age_days": "никогда"}, {"password_max_age_days": "0"}, {"two_factor": "always"}):
                refused = await admin.post("/admin/school-rules", data={"two_factor": "optional", **bad})
                assert refused.status_code == 422, bad
        assert "вариантов второго фактора" in refused.text
        done = await admin.post("/admin/school-rules", data={"password_max_age_days": "180", "password_needs_letters_and_digits": "1",
                                                             "two_factor": "optional"}, follow_redirects=False)
        assert done.status_code == 303
    assert await fetch(database_url, "SELECT password_max_age_days, password_needs_letters_and_digits FROM school WHERE id = :s",
                       s=school) == [(180, True)]
    [(details,)] = await fetch(database_url, "SELECT details FROM audit_record WHERE action = 'core.school_rules_changed'")
    assert "180" in str(details) and "password_needs_letters_and_digits" in str(details)

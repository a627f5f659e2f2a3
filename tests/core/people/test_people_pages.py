"""The people pages: the secretary admits, transfers and releases students and links their
representatives; cards for the administration and, for their own class only, the class teacher,
who keeps the contacts; every change in the audit log with its old and new values."""

from __future__ import annotations

import json
from datetime import date, datetime

from core.people.services import PeopleService
from core.structure.models import AcademicYear, ClassGroup
from core.structure.organisation import OrganisationService
from tests.support.exports import FORMULAS, checked_xlsx, quoted
from tests.support.people import add_school, add_user, sign_in
from tests.support.snapshot import database_unchanged, fetch
from tests.support.structure import add_small_school, writing

ORDER = {"order_number": "45-у", "order_date": date(2026, 8, 28)}


async def small_school_with_people(url: str) -> dict[str, int]:
    """5А (class teacher «classteacher») with two students and a mother; 5Б with one student."""
    school = await add_school(url)
    ids = {"school": school}
    ids["class_teacher"] = await add_user(url, "classteacher", [("class_teacher", school)], full_name="Васильева Ольга Николаевна")
    ids["secretary"] = await add_user(url, "secretary", [("secretary", school)])
    ids["director"] = await add_user(url, "director", [("director", school)])
    small = await add_small_school(url, school, ids["class_teacher"])
    async with writing(url) as session:
        year = await session.get(AcademicYear, small.year)
        class_5a = await session.get(ClassGroup, small.class_5a)
        class_5b = await OrganisationService(session, school).add_class(year, grade_level=5, letter="Б")
        people = PeopleService(session, school)
        for key, names, class_group in (("ivanov", ("Иванов", "Пётр", "Сергеевич"), class_5a),
                                        ("ivanova", ("Иванова", "Мария", "Сергеевна"), class_5a),
                                        ("sidorov", ("Сидоров", "Олег", "Ильич"), class_5b)):
            person = await people.add_person(last_name=names[0], first_name=names[1], middle_name=names[2],
                                             birth_date=date(2015, 3, 1), phone="+7 900 000-00-01")
            await people.enroll(person.id, class_group, starts_on=date(2026, 9, 1), **ORDER)
            ids[key] = person.id
        mother = await people.add_person(last_name="Иванова", first_name="Анна", middle_name="Петровна", phone="+7 912 111-22-33")
        await people.add_guardian(ids["ivanov"], mother.id, kind="mother")
        await people.add_guardian(ids["ivanova"], mother.id, kind="mother")
        father = await people.add_person(last_name="Сидоров", first_name="Илья", middle_name="Олегович")
        await people.add_guardian(ids["sidorov"], father.id, kind="father")
        ids.update(mother=mother.id, father=father.id, class_5a=small.class_5a, class_5b=class_5b.id, year=small.year)
    return ids


async def audit_details(url: str, action: str) -> list[dict]:
    return [json.loads(details) for (details,) in await fetch(
        url, "SELECT details FROM audit_record WHERE action = :action ORDER BY id", action=action)]


async def test_the_class_teacher_sees_and_updates_their_own_class_only(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "classteacher")
        mine = await client.get("/people/my-class", follow_redirects=False)
        assert mine.headers["location"] == f"/people/classes/{ids['class_5a']}"
        card = await client.get(f"/people/classes/{ids['class_5a']}")
        assert card.status_code == 200
        assert "Иванов Пётр Сергеевич" in card.text and "Иванова Анна Петровна" in card.text and "Сидоров" not in card.text
        for path in (f"/people/classes/{ids['class_5b']}", f"/people/students/{ids['sidorov']}", f"/people/persons/{ids['father']}",
                     f"/people/classes/{ids['class_5b']}/list.xlsx"):
            assert (await client.get(path)).status_code == 404, path
        assert (await client.get("/people/students")).status_code == 403  # the whole school is not theirs
        student = await client.get(f"/people/students/{ids['ivanov']}")
        assert student.status_code == 200 and 'name="last_name"' not in student.text and 'name="phone"' in student.text
        saved = await client.post(f"/people/persons/{ids['mother']}", data={
            "phone": "+7 912 999-88-77", "email": "anna@example.ru", "last_name": "Взлом", "back": "", "version": "1"},
            follow_redirects=False)
        assert saved.status_code == 303
        assert await fetch(database_url, "SELECT phone, email, last_name FROM person_profile WHERE user_id = :id", id=ids["mother"]) == [
            ("+7 912 999-88-77", "anna@example.ru", "Иванова")]  # names are the secretary's
        assert await audit_details(database_url, "core.person_updated") == [
            {"email": ["", "anna@example.ru"], "phone": ["+7 912 111-22-33", "+7 912 999-88-77"]}]
        async with database_unchanged(database_url):
            other = await client.post(f"/people/persons/{ids['father']}", data={"phone": "+7 000", "email": "", "version": "1"})
            assert other.status_code == 404
            bad = await client.post(f"/people/persons/{ids['mother']}", data={
                "phone": "позвоните мне", "email": "", "back": "", "version": "2"})
            assert bad.status_code == 422 and "Введите телефон" in bad.text
            stale = await client.post(f"/people/persons/{ids['mother']}", data={  # a form shown before the first save
                "phone": "+7 912 111-22-33", "email": "", "back": "", "version": "1"})
            assert stale.status_code == 409 and "кто-то сохранил" in stale.text and "+7 912 999-88-77" in stale.text
        assert (await client.post(f"/people/students/{ids['ivanov']}/leave", data={})).status_code == 403


async def test_the_secretary_admits_a_student_with_a_mother_and_refusals_change_nothing(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        form = await client.get("/people/students/new")
        assert form.status_code == 200 and "Зачисление" in form.text or "Зачислить" in form.text
        good = {"last_name": "Петров", "first_name": "Илья", "middle_name": "", "birth_date": "01.02.2015", "class_id": str(ids["class_5b"]),
                "starts_on": "2026-11-30", "kind": "admitted", "order_number": "130-у", "order_date": "2026-11-27",
                "rep_full_name": "Петрова Анна Игоревна", "rep_kind": "mother", "rep_phone": "+7 912 345-67-89", "rep_document": ""}
        async with database_unchanged(database_url):
            for change, field_text in (({"birth_date": ""}, "дату рождения"), ({"order_number": ""}, "номер и дату приказа"),
                                       ({"starts_on": "2027-07-01"}, ""), ({"rep_kind": "guardian"}, "решение"),
                                       ({"class_id": str(ids["class_5a"] + 1000)}, "")):
                answer = await client.post("/people/students", data={**good, **change})
                assert answer.status_code in (404, 422), (change, answer.status_code)
                if answer.status_code == 422:
                    assert field_text.casefold() in answer.text.casefold(), change
        done = await client.post("/people/students", data=good, follow_redirects=False)
        assert done.status_code == 303
        card = await client.get(done.headers["location"])
        assert "Петров Илья" in card.text and "Петрова Анна Игоревна" in card.text and "130-у" in card.text
        assert await fetch(database_url, "SELECT count(*) FROM enrollment WHERE class_group_id = :c", c=ids["class_5b"]) == [(2,)]


async def test_a_transfer_and_a_departure_with_their_orders(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        async with database_unchanged(database_url):
            early = await client.post(f"/people/students/{ids['ivanov']}/transfer", data={
                "class_id": str(ids["class_5b"]), "day": "2026-08-20", "order_number": "7", "order_date": "2026-08-19"})
            assert early.status_code == 422
        moved = await client.post(f"/people/students/{ids['ivanov']}/transfer", data={
            "class_id": str(ids["class_5b"]), "day": "2026-11-16", "order_number": "120-у", "order_date": "2026-11-13"},
            follow_redirects=False)
        assert moved.status_code == 303
        card = await client.get(f"/people/students/{ids['ivanov']}")
        assert "120-у" in card.text and "5Б" in card.text
        left = await client.post(f"/people/students/{ids['sidorov']}/leave", data={
            "kind": "left", "day": "2026-11-20", "order_number": "125-у", "order_date": "2026-11-20", "note": "МАОУ СОШ № 1"},
            follow_redirects=False)
        assert left.status_code == 303
        assert await fetch(database_url, "SELECT end_kind, end_order_number, end_note FROM enrollment WHERE student_id = :s",
                           s=ids["sidorov"]) == [("left", "125-у", "МАОУ СОШ № 1")]


async def test_representatives_siblings_share_one_parent(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        card = await client.get(f"/people/students/{ids['sidorov']}")
        assert card.status_code == 200
        linked = await client.post(f"/people/students/{ids['sidorov']}/representatives", data={
            "rep_person_id": str(ids["mother"]), "rep_kind": "other"}, follow_redirects=False)
        assert linked.status_code == 303
        parent = await client.get(f"/people/persons/{ids['mother']}")
        assert parent.text.count("/people/students/") >= 3  # Иванов, Иванова, Сидоров
        async with database_unchanged(database_url):
            again = await client.post(f"/people/students/{ids['sidorov']}/representatives", data={
                "rep_person_id": str(ids["mother"]), "rep_kind": "mother"})
            assert again.status_code == 422
        stranger = await add_user(database_url, "stranger", [])  # an account no school knows
        async with database_unchanged(database_url):
            probe = await client.post(f"/people/students/{ids['sidorov']}/representatives", data={
                "rep_person_id": str(stranger), "rep_kind": "mother"})
            assert probe.status_code == 422


async def test_staff_list_card_and_positions(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        listing = await client.get("/people/staff")
        assert "Васильева Ольга Николаевна" in listing.text
        added = await client.post("/people/staff", data={"last_name": "Смирнова", "first_name": "Ольга", "middle_name": "Игоревна",
                                                        "title": "Педагог-психолог", "starts_on": "2026-09-01"}, follow_redirects=False)
        assert added.status_code == 303
        person = await client.get(added.headers["location"])
        assert "Педагог-психолог" in person.text
        assert (await client.post("/people/staff", data={"last_name": "Без", "first_name": "Должности", "title": ""})).status_code == 422
        xlsx = await client.get("/people/staff.xlsx")
        assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    async with make_client() as client:
        await sign_in(client, "director")
        assert (await client.get(f"/people/students/{ids['ivanov']}")).status_code == 200
        assert (await client.post("/people/staff", data={"last_name": "Х", "first_name": "Y", "title": "Z"})).status_code == 403


async def test_the_school_rule_requires_a_representative_for_a_minor(make_client, database_url):
    ids = await small_school_with_people(database_url)
    await add_user(database_url, "admin", [("journal_admin", ids["school"])])
    student = {"last_name": "Одинокий", "first_name": "Илья", "middle_name": "", "birth_date": "2015-02-01", "class_id": str(ids["class_5b"]),
               "starts_on": "2026-11-30", "kind": "admitted", "order_number": "131-у", "order_date": "2026-11-27",
               "rep_full_name": "", "rep_kind": "mother", "rep_phone": "", "rep_document": ""}
    async with make_client() as client:
        await sign_in(client, "admin")
        assert (await client.post("/admin/school-rules", data={"representative_required": "1"}, follow_redirects=False)).status_code == 303
        assert "checked" in (await client.get("/admin/modules")).text
        async with database_unchanged(database_url):
            refused = await client.post("/people/students", data=student)
            assert refused.status_code == 422 and "законный представитель" in refused.text
        adult = await client.post("/people/students", data={**student, "birth_date": "2008-01-01"}, follow_redirects=False)
        assert adult.status_code == 303  # 18 on the admission day: represents themself
        with_mother = await client.post("/people/students", data={**student, "rep_full_name": "Одинокая Анна Ивановна"},
                                        follow_redirects=False)
        assert with_mother.status_code == 303
        assert await audit_details(database_url, "core.school_rules_changed") == [{"representative_required": [False, True]}]


async def test_a_student_who_left_is_read_but_no_longer_changed(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with writing(database_url) as session:
        await PeopleService(session, ids["school"]).leave(ids["sidorov"], last_day=date(2026, 10, 30), order_number="99-в",
                                                          order_date=date(2026, 10, 30), note="МАОУ СОШ № 1")
    async with make_client() as client:
        await sign_in(client, "secretary")
        card = await client.get(f"/people/students/{ids['sidorov']}")
        assert card.status_code == 200 and "99-в" in card.text  # the history stays readable
        async with database_unchanged(database_url):
            for path, form in ((f"/people/persons/{ids['sidorov']}", {"phone": "1", "email": "", "last_name": "Другой",
                                                                       "first_name": "Олег", "version": "1"}),
                               (f"/people/students/{ids['sidorov']}/representatives", {"rep_full_name": "Новая Мама Ивановна",
                                                                                        "rep_kind": "mother"}),
                               (f"/people/persons/{ids['father']}", {"phone": "1", "email": "", "last_name": "Сидоров",
                                                                     "first_name": "Илья", "version": "1"})):
                assert (await client.post(path, data=form)).status_code == 404, path


async def test_the_class_teacher_sees_the_family_as_it_is_today_and_only_their_class(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with writing(database_url) as session:
        people = PeopleService(session, ids["school"])
        link = await people.add_guardian(ids["sidorov"], ids["mother"], kind="mother")  # a sibling in 5Б
        stepfather = await people.add_person(last_name="Бывший", first_name="Отчим", middle_name="Петрович")
        ended = await people.add_guardian(ids["ivanov"], stepfather.id, kind="other")
        ended.ends_on = date(2026, 10, 1)
        assert link.id
    async with make_client() as client:
        await sign_in(client, "classteacher")
        student = await client.get(f"/people/students/{ids['ivanov']}")
        assert "Иванова Анна Петровна" in student.text and "Бывший Отчим" not in student.text
        mother = await client.get(f"/people/persons/{ids['mother']}")
        assert "Иванов Пётр" in mother.text and "Сидоров Олег" not in mother.text  # the sibling in 5Б is not theirs
        old_day = await client.get(f"/people/classes/{ids['class_5a']}?day=2026-09-01")
        assert "2026-09-01" not in old_day.text  # today's class, whatever the address asks
    async with make_client() as client:
        await sign_in(client, "secretary")
        student = await client.get(f"/people/students/{ids['ivanov']}")
        assert "Бывший Отчим" in student.text  # the secretary keeps the history


async def test_a_departure_before_a_recorded_transfer_is_refused(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with writing(database_url) as session:
        await PeopleService(session, ids["school"]).transfer(ids["ivanov"], await session.get(ClassGroup, ids["class_5b"]),
                                                             on_day=date(2027, 1, 11), order_number="5-п",
                                                             order_date=date(2027, 1, 10))
    async with make_client() as client:
        await sign_in(client, "secretary")
        async with database_unchanged(database_url):
            refused = await client.post(f"/people/students/{ids['ivanov']}/leave", data={
                "kind": "left", "day": "2026-11-30", "order_number": "130-у", "order_date": "2026-11-30", "note": ""})
            assert refused.status_code == 422 and "5Б" in refused.text


async def test_the_last_representative_of_a_minor_stays_when_the_school_requires_one(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with writing(database_url) as session:
        from core.school.models import School

        (await session.get(School, ids["school"])).representative_required = True
    link = (await fetch(database_url, "SELECT id FROM guardianship WHERE student_id = :s", s=ids["sidorov"]))[0][0]
    async with make_client() as client:
        await sign_in(client, "secretary")
        async with database_unchanged(database_url):
            refused = await client.post(f"/people/representatives/{link}/end", data={"ends_on": "2026-11-30"})
            assert refused.status_code == 422 and "другого" in refused.text
        added = await client.post(f"/people/students/{ids['sidorov']}/representatives", data={
            "rep_full_name": "Сидорова Мария Ивановна", "rep_kind": "mother"}, follow_redirects=False)
        assert added.status_code == 303
        assert (await client.post(f"/people/representatives/{link}/end", data={"ends_on": "2026-11-30"},
                                  follow_redirects=False)).status_code == 303


async def test_an_upload_is_previewed_confirmed_once_and_kept_in_the_history(make_client, database_url):
    ids = await small_school_with_people(database_url)
    content = "ФИО;Дата рождения;Родитель;Кем приходится\nНовенький Артём Игоревич;02.03.2015;Новенькая Ольга Петровна;мать\n"
    async with make_client() as client:
        await sign_in(client, "secretary")
        async with database_unchanged(database_url, ignore=frozenset({"audit_record", "import_upload"})):
            uploaded = await client.post("/people/import", data={
                "kind": "students", "class_id": str(ids["class_5b"]), "starts_on": "2026-11-30", "start_kind": "admitted",
                "order_number": "140-у", "order_date": "2026-11-27"},
                files={"file": ("5Б.csv", content.encode("cp1251"), "text/csv")}, follow_redirects=False)
            assert uploaded.status_code == 303
            preview = await client.get(uploaded.headers["location"])
            assert "Новенький Артём Игоревич" in preview.text and "Файл без ошибок" in preview.text
        confirm = uploaded.headers["location"] + "/confirm"
        assert (await client.post(confirm, follow_redirects=False)).status_code == 303
        async with database_unchanged(database_url):
            again = await client.post(confirm, follow_redirects=False)  # a second click, a resent form
            assert again.status_code == 303
            assert "уже загружен" in (await client.get(again.headers["location"])).text
        history = await client.get("/people/import")
        assert "5Б.csv" in history.text and "1 новый" in history.text
        async with database_unchanged(database_url):
            assert (await client.post("/people/import", data={"kind": "students"},
                                      files={"file": ("5Б.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100,
                                                      "application/vnd.ms-excel")})).status_code == 422


async def test_cards_and_lists_take_the_same_statements_whatever_the_class_size(make_client, database_url):
    """A fixed number of SQL statements per page: no query per student or per representative."""
    from tests.core.structure.test_subject_pages import count_statements, statements

    ids = await small_school_with_people(database_url)
    pages = (f"/people/classes/{ids['class_5a']}", "/people/students", "/people/staff", f"/people/students/{ids['ivanov']}",
             f"/people/persons/{ids['mother']}")
    async with make_client() as client:
        await sign_in(client, "secretary")
        seen = count_statements(client)
        small = [await statements(client, seen, page) for page in pages]
        async with writing(database_url) as session:
            people = PeopleService(session, ids["school"])
            class_5a = await session.get(ClassGroup, ids["class_5a"])
            for number in range(25):
                child = await people.add_person(last_name="Добавленный", first_name=f"Ученик{'абвгдежзийклмнопрстуфхцчшщ'[number]}",
                                                birth_date=date(2015, 1, 1 + number))
                await people.enroll(child.id, class_5a, starts_on=date(2026, 9, 1), **ORDER)
                parent = await people.add_person(last_name="Добавленная", first_name="Мама")
                await people.add_guardian(child.id, parent.id, kind="mother")
                await people.add_guardian(ids["ivanov"] if number < 3 else child.id, (await people.add_person(
                    last_name="Ещё", first_name="Родитель")).id, kind="other")
        large = [await statements(client, seen, page) for page in pages]
    assert large == small, dict(zip(pages, zip(small, large)))


async def test_uploaded_lists_are_forgotten_after_a_week(database_url):
    from datetime import datetime, timedelta, timezone

    from core.people.models import ImportUpload
    from core.people.uploads import forget_old_uploads

    ids = await small_school_with_people(database_url)
    now = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
    async with writing(database_url) as session:
        for age, applied in ((8, False), (8, True), (2, False)):
            session.add(ImportUpload(school_id=ids["school"], kind="students", filename=f"{age}-{applied}.csv", content=b"x",
                                     uploaded_at=now - timedelta(days=age), applied_at=now if applied else None,
                                     summary="1 новый" if applied else ""))
    async with writing(database_url) as session:
        assert await forget_old_uploads(session, now) == 2
    assert await fetch(database_url, "SELECT filename, length(content) FROM import_upload ORDER BY id") == [
        ("8-True.csv", 0), ("2-False.csv", 1)]  # the confirmed one keeps its history line, not the file


# ---- the exports keep formulas as text (CWE-1236) ------------------------------------------------


async def test_the_class_list_export_keeps_formula_like_text_as_text(make_client, database_url):
    ids = await small_school_with_people(database_url)
    async with writing(database_url) as session:
        people, class_5a = PeopleService(session, ids["school"]), await session.get(ClassGroup, ids["class_5a"])
        for first_name, formula in zip(("Анна", "Вера", "Олег", "Иван", "Лев", "Яна"), FORMULAS):
            person = await people.add_person(last_name="Формулов", first_name=first_name, birth_date=date(2015, 3, 1))
            await people.enroll(person.id, class_5a, starts_on=date(2026, 9, 1), order_number=formula,
                                order_date=date(2026, 8, 28))
    async with make_client() as client:
        await sign_in(client, "secretary")
        values = checked_xlsx((await client.get(f"/people/classes/{ids['class_5a']}/list.xlsx?day=2026-10-01")).content)
    assert all(quoted(values, formula) for formula in FORMULAS)
    assert "+7 900 000-00-01" in values and any(isinstance(value, datetime) for value in values)  # phones and dates as they are


async def test_the_staff_list_export_keeps_formula_like_text_as_text(make_client, database_url):
    await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        for first_name, formula in zip(("Анна", "Вера", "Олег", "Иван", "Лев", "Яна"), FORMULAS):
            added = await client.post("/people/staff", data={"last_name": "Формулова", "first_name": first_name,
                                                            "title": formula, "starts_on": "2026-09-01"}, follow_redirects=False)
            assert added.status_code == 303
        values = checked_xlsx((await client.get("/people/staff.xlsx")).content)
    assert all(quoted(values, formula) for formula in FORMULAS) and "Формулова" in values


async def test_the_import_samples_hold_no_formula(make_client, database_url):
    await small_school_with_people(database_url)
    async with make_client() as client:
        await sign_in(client, "secretary")
        for kind in ("students", "staff"):
            values = checked_xlsx((await client.get(f"/people/import/sample/{kind}")).content)
            assert "Иванова" in values or "Смирнова" in values

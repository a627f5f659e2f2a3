"""Stored XSS, in Chromium: payloads go in through every registered user-text field and every
page that shows them is opened as each role that may see it. Nothing may run or become markup."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date, timedelta
from typing import Any


from tests.e2e.conftest import sign_in
from core.access.roles import ROLES
from core.plugins.types import UserTextField
from core.web.builtin import user_text_fields as core_fields
from plugins.diary import user_text_fields as diary_fields
from plugins.journal import user_text_fields as journal_fields
from plugins.messaging import user_text_fields as messaging_fields
from plugins.noticeboard import user_text_fields as noticeboard_fields
from tests.support.battery import TALLY
from tests.security.matrix import MATRIX
from tests.security.payloads import PAYLOADS
from tests.testplugin import user_text_fields as plugin_fields

FIELDS: list[UserTextField] = [*core_fields(None), *plugin_fields(None), *journal_fields(None), *diary_fields(None),
                               *messaging_fields(None), *noticeboard_fields(None)]
# A file's name holds no slash: what comes before one never reaches the server as the name.
FILE_NAMES = [payload for payload in PAYLOADS if "/" not in payload and "\\" not in payload]
# A POST route that shows the text in its answer: (who submits the form, the form's button, the file to choose
# first when it takes one) on the page the battery opens for it; the answer is checked like a page.
SUBMITTED = {"journal:lesson_save": ("teacher", "#journal-save", None),
             "journal:plan_import": ("teacher", "#journal-plan-import button[type=submit]", ("#journal-plan-file", FILE_NAMES[1]))}
# Who sees the stored text on a page: the two people of a conversation, the sender of a broadcast, those who
# wrote or were written to in their mailboxes, the notices' readers on the dashboard.
VIEWERS = {"messaging:thread": {"student", "teacher"}, "messaging:broadcast": {"class_teacher"},
           "messaging:inbox": {"student", "teacher", "parent"}, "messaging:sent": {"student", "teacher", "class_teacher"},
           "noticeboard:history": {"deputy", "director"}, "noticeboard:edit": {"deputy", "director"},
           "core:dashboard": set(ROLES) - {"operator"}}  # the operator reads no notices

DETECT = """() => ({
  markup: document.querySelectorAll('[data-xss]').length,
  ran: window.__xss === 1,
  shown: document.documentElement.outerHTML.includes('data-xss'),
})"""


def dismisser(seen: list[str]):
    async def on_dialog(dialog) -> None:
        seen.append(dialog.message)
        await dialog.dismiss()

    return on_dialog


async def new_tab(browser, base, login):
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", dismisser(dialogs))
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource") and errors.append(m.text))
    page.dialogs, page.errors = dialogs, errors
    await sign_in(page, base, login)
    page.csrf = json.loads(await page.get_attribute("body", "hx-headers"))["x-csrftoken"]
    return context, page


async def detect(page) -> dict:
    found = await page.evaluate(DETECT)
    found["dialogs"] = len(page.dialogs)
    return found


async def test_stored_xss_runs_nowhere(browser, live_server):
    admin_context, admin = await new_tab(browser, live_server, "admin")
    teacher_context, teacher = await new_tab(browser, live_server, "teacher")
    created: list[int] = []
    for number, payload in enumerate(PAYLOADS):
        answer = await admin.request.post(f"{live_server}/admin/users/new", form={
            "full_name": payload, "login": f"xss-{number}", "password": "длинный-пароль", "role": "student",
            "_csrf_token": admin.csrf}, max_redirects=0)
        assert answer.status == 303, (payload, answer.status)
        created.append(int(answer.headers["location"].rsplit("/", 1)[1]))
        answer = await teacher.request.post(f"{live_server}/testplugin/notes", form={"text": payload, "_csrf_token": teacher.csrf}, max_redirects=0)
        assert answer.status == 303, (payload, answer.status)
        TALLY["XSS payloads stored"] += 2
    for payload in PAYLOADS[:5]:  # the other registered fields: the profile update and the JSON note route
        await admin.request.post(f"{live_server}/admin/users/{created[0]}", form={"full_name": payload, "_csrf_token": admin.csrf}, max_redirects=0)
        answer = await teacher.request.post(f"{live_server}/testplugin/schools/1/notes", data={"text": payload + " (json)"},
                                            headers={"x-csrftoken": teacher.csrf})
        assert answer.status == 201
        TALLY["XSS payloads stored"] += 2
    structure = await store_in_the_structure(admin, live_server)
    structure.update(await store_in_people(admin, live_server))
    structure.update(await store_in_the_timetable(admin, live_server))
    structure.update(await store_in_the_journal(browser, admin, teacher, live_server))
    await store_in_the_diary(admin, live_server)
    structure.update(await store_in_messages(browser, live_server))
    structure.update(await store_in_notices(browser, live_server))
    await admin_context.close()
    await teacher_context.close()

    problems = []
    for login in DEMO_LOGINS.values():  # every role, on every page that shows stored text it may see
        context, page = await new_tab(browser, live_server, login)
        role = next(r for r, name in DEMO_LOGINS.items() if name == login)
        for name, path in shown_pages(created, structure):
            row = MATRIX[name]
            if not may_open(role, name, path, structure):
                continue
            response = await page.goto(f"{live_server}{path}")
            assert response.status == 200, (login, path, response.status)
            if row.method == "POST":
                _who, button, chosen = SUBMITTED[name]
                if chosen:
                    await page.set_input_files(chosen[0], plan_file(chosen[1]))
                async with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
                    await page.click(button)
                assert (await answer.value).status == 200, (login, name, path)
                await page.wait_for_load_state()
            await page.wait_for_timeout(200)  # give anything that would run the chance to
            found = await detect(page)
            TALLY["XSS pages opened"] += 1
            if found["markup"] or found["ran"] or found["dialogs"] or page.errors:
                TALLY["XSS executed"] += 1
                problems.append(f"{login} {path}: {found} {page.errors[:2]}")
            elif not found["shown"]:  # else the page proves nothing
                problems.append(f"{login} {path}: no payload shown")
        await context.close()
    assert not problems, "\n".join(problems)


DEMO_LOGINS = {role: role.replace("_", "-").replace("journal-admin", "admin") for role in ROLES}


def may_open(role: str, name: str, path: str, structure: dict[str, Any]) -> bool:
    """Whether ``role`` opens the page: its row allows it, it is the role's form to submit, the role
    sees the stored text there (``VIEWERS``), and for a class teacher, it is no whole-school-only card."""
    row = MATRIX[name]
    if role not in row.allowed or (row.method == "POST" and SUBMITTED[name][0] != role) or role not in VIEWERS.get(name, {role}):
        return False
    return not (role == "class_teacher" and path in structure["whole_school_only"])


def poster(admin, base: str):
    """A form post as ``admin`` that must succeed (303), counted as a stored payload."""
    async def post(path: str, form: dict) -> str:
        answer = await admin.request.post(f"{base}{path}", form={**form, "_csrf_token": admin.csrf}, max_redirects=0)
        assert answer.status == 303, (path, form, answer.status, (await answer.text())[:300])
        TALLY["XSS payloads stored"] += 1
        return answer.headers["location"]
    return post


async def store_in_the_structure(admin, base: str) -> dict[str, int]:
    """Payloads as subject names and short names, group names, holiday and bell-schedule names of
    the demo's year (id 1); the last subject in 1А's curriculum and on a subject page of class 1 (1А).
    Returns the ids the pages show."""
    post = poster(admin, base)
    for number, payload in enumerate(PAYLOADS):
        named = f"{number} {payload}"[:200]  # names are unique regardless of case, and two payloads differ only so
        await post("/structure/subjects", {"name": named, "short_name": payload if len(payload) <= 40 else "", "sort_order": ""})
        await post("/structure/years/1/groups", {"name": named, "subject_id": "", "class_ids": "1"})
        await post("/structure/years/1/days", {"kind": "holiday", "name": payload, "starts_on": "2027-04-12", "ends_on": "",
                                               "grade_from": "1", "grade_to": "11"})
        await post("/structure/years/1/bells", {"name": payload, "shift": "2", "kind": "regular", "grade_level": "", "valid_from": "",
                                                "valid_to": "", "bells": "14:00-14:40"})
    listing = await admin.request.get(f"{base}/structure/subjects")
    subject = int(re.findall(r'/structure/subjects/(\d+)', await listing.text())[-1])
    for number, payload in enumerate([p for p in PAYLOADS if len(p) <= 40][:5]):  # renamed: the name and the short name
        await post(f"/structure/subjects/{subject}", {"name": f"Изм. {number} {payload}", "short_name": payload, "sort_order": "1"})
    page = await post("/structure/years/1/pages", {"subject_id": str(subject), "holder": "c1"})
    await post("/structure/years/1/curriculum", {"grade_level": "1", "subject_id": str(subject), "hours": "1", "pattern": "weekly"})
    groups = await (await admin.request.get(f"{base}/structure/groups?year=1")).text()
    group = next(int(found) for found, name in re.findall(r'href="/structure/groups/(\d+)">([^<]*)<', groups) if "data-xss" in name)
    return {"group": group, "page": int(page.rsplit("/", 1)[1]) if page.rsplit("/", 1)[1].isdigit() else 0}


async def store_in_people(admin, base: str) -> dict[str, int]:
    """Payloads as position titles of a teacher, guardianship decisions and departure notes of 5А's
    students (the demo class teacher's class), and uploaded files' names."""
    async def post(path: str, form: dict, **extra) -> str:
        answer = await admin.request.post(f"{base}{path}", form={**form, "_csrf_token": admin.csrf}, max_redirects=0, **extra)
        assert answer.status == 303, (path, form, answer.status, (await answer.text())[:300])
        TALLY["XSS payloads stored"] += 1
        return answer.headers["location"]

    listing = await (await admin.request.get(f"{base}/people/students?q=5")).text()
    class_5a = await (await admin.request.get(f"{base}/people/students?q=Петров Илья")).text()
    student = int(re.findall(r'/people/students/(\d+)"', class_5a)[0])
    class_id = re.findall(r"/people/classes/(\d+)", class_5a)[0]
    card = await (await admin.request.get(f"{base}/people/classes/{class_id}")).text()
    leavers = [int(found) for found in re.findall(r'/people/students/(\d+)"', card) if int(found) != student][:5]
    staff = int(re.findall(r'/people/persons/(\d+)"', await (await admin.request.get(f"{base}/people/staff")).text())[0])
    today = re.findall(r'name="day" value="([0-9-]+)"', listing)[0]
    # The teacher also represents the student, so the class teacher of 5А reaches their card too.
    await post(f"/people/students/{student}/representatives", {"rep_person_id": str(staff), "rep_full_name": "", "rep_kind": "other",
                                                               "rep_phone": "", "rep_document": ""})
    for payload in PAYLOADS[:5]:  # new staff members' positions
        await post("/people/staff", {"last_name": "Новая", "first_name": "Сотрудница", "middle_name": "", "birth_date": "",
                                     "phone": "", "email": "", "title": payload[:200], "starts_on": today})
    for number, payload in enumerate(PAYLOADS):
        await post(f"/people/persons/{staff}/positions", {"title": f"{number} {payload}"[:200], "starts_on": today})
        await post(f"/people/students/{student}/representatives", {
            "rep_person_id": "", "rep_full_name": "Опекунова Анна Ивановна", "rep_kind": "guardian", "rep_phone": "",
            "rep_document": payload})
        upload = await upload_named(admin, base, payload)
    short = [payload for payload in PAYLOADS if len(payload) <= 40]  # an order's number holds 40 characters
    for number, (leaver, payload) in enumerate(zip(leavers, PAYLOADS)):
        await post(f"/people/students/{leaver}/leave", {"kind": "left", "day": today, "order_number": short[number % len(short)],
                                                        "order_date": today, "note": payload})
    moved = await store_in_movements(admin, base, today, short)
    for payload in PAYLOADS:  # each consent replaces the one before: the card's history shows them all
        await post(f"/people/persons/{student}/consent", {"given_on": today, "document": payload[:300], "valid_until": "",
                                                          "signed_by": "", "scopes": "journal", "back": "student"})
    await post(f"/people/persons/{student}/consent/withdraw", {"withdrawn_on": today, "withdrawal_document": PAYLOADS[0][:300],
                                                               "back": "student"})
    return {"student": student, "leaver": leavers[0], "staff": staff, "upload": int(upload.rsplit("/", 1)[1]),
            "start": int(today[:4]) - (1 if today[5:7] < "09" else 0), "today": today, "mover": moved[0], "admitted": moved[1],
            # a class teacher opens a staff member as a parent of the class, and other classes' students not at all
            "whole_school_only": [*moved, f"/people/persons/{staff}"]}


async def store_in_movements(admin, base: str, today: str, short: list[str]) -> list[str]:
    """Short payloads as the orders' numbers of transfers of 8А's students to 8Б, of an admission to
    8Б (with a payload as its guardian's document) and of a list imported into 8Б (each shown on the
    student's card and in the movement report).
    Returns the cards of a moved and of the admitted student."""
    post = poster(admin, base)
    listing = await (await admin.request.get(f"{base}/people/students")).text()
    classes = {name: value for value, name in re.findall(r'<option value="(\d+)"[^>]*>(\d+[А-Я])</option>', listing)}
    from_8a = await (await admin.request.get(f"{base}/people/students?class_id={classes['8А']}")).text()
    movers = list(dict.fromkeys(int(found) for found in re.findall(r'/people/students/(\d+)"', from_8a)))[:len(short)]
    assert len(movers) == len(short), "too few students in 8А"
    for mover, payload in zip(movers, short):
        await post(f"/people/students/{mover}/transfer", {"class_id": classes["8Б"], "day": today, "order_number": payload,
                                                         "order_date": today})
    admitted = await post("/people/students", {
        "last_name": "Принятый", "first_name": "Ученик", "middle_name": "", "birth_date": "2012-05-05", "class_id": classes["8Б"],
        "starts_on": today, "kind": "admitted", "order_number": short[0], "order_date": today,
        "rep_full_name": "Опекунова Анна Ивановна", "rep_kind": "guardian", "rep_phone": "", "rep_document": PAYLOADS[0]})
    answer = await admin.request.post(f"{base}/people/import", max_redirects=0, multipart={
        "kind": "students", "class_id": classes["8Б"], "starts_on": today, "start_kind": "admitted", "order_number": short[1],
        "order_date": today, "_csrf_token": admin.csrf,
        "file": {"name": "8Б.csv", "mimeType": "text/csv", "buffer": "ФИО;Дата рождения\nСписочный Пётр Ильич;02.02.2012\n".encode()}})
    assert answer.status == 303, (answer.status, (await answer.text())[:300])
    await post(f"{answer.headers['location']}/confirm", {})
    return [f"/people/students/{movers[0]}", admitted.split("?")[0]]


async def upload_named(admin, base: str, payload: str) -> str:
    answer = await admin.request.post(f"{base}/people/import", multipart={
        "kind": "students", "class_id": "", "starts_on": "", "start_kind": "admitted", "order_number": "", "order_date": "",
        "_csrf_token": admin.csrf,
        "file": {"name": f"{payload}.csv", "mimeType": "text/csv", "buffer": "ФИО;Дата рождения\nИванов Иван;01.01.2015\n".encode()}},
        max_redirects=0)
    assert answer.status == 303, (payload, answer.status, (await answer.text())[:300])
    TALLY["XSS payloads stored"] += 1
    return answer.headers["location"]


async def store_in_the_timetable(admin, base: str) -> dict[str, Any]:
    """Payloads as room names and notes, and as reasons of changes of a lesson day a week or more
    ahead (each cancels another lesson; the first rooms also take a lesson over, so they show in
    the timetable's cells)."""
    from datetime import date, timedelta

    post = poster(admin, base)
    for number, payload in enumerate(PAYLOADS):
        await post("/timetable/rooms", {"name": f"{number} {payload}"[:60], "note": payload})
    rooms = await (await admin.request.get(f"{base}/timetable/rooms")).text()
    room_ids = [int(found) for found, name in re.findall(r'href="/timetable/rooms/(\d+)">([^<]*)</a>', rooms) if "&lt;" in name]
    day, slots = date.today() + timedelta(days=7), []
    for _ in range(60):
        listing = await (await admin.request.get(f"{base}/timetable/changes?day={day.isoformat()}")).text()
        slots = re.findall(r'<option value="(\d+)">([^<]*)</option>', listing.split('id="core-change-slot"', 1)[-1].split("</select>", 1)[0])
        if len(slots) > len(PAYLOADS) + 5:
            break
        day += timedelta(days=1)
    assert len(slots) > len(PAYLOADS) + 5, "no lesson day with enough lessons ahead"
    for (slot, _label), payload in zip(slots, PAYLOADS):
        await post("/timetable/changes", {"day": day.isoformat(), "kind": "cancel", "slot_id": slot, "reason": payload})
    for (slot, _label), room in zip(slots[len(PAYLOADS):], room_ids[:5]):
        await post("/timetable/changes", {"day": day.isoformat(), "kind": "room", "slot_id": slot, "room_id": str(room),
                                          "reason": "ремонт"})
    classes = re.findall(r'href="/timetable/classes/(\d+)', await (await admin.request.get(f"{base}/timetable?day={day.isoformat()}")).text())
    for tt_class in dict.fromkeys(classes):  # the class of a lesson moved to a payload's room
        if "data-xss" in await (await admin.request.get(f"{base}/timetable/classes/{tt_class}?week={day.isoformat()}")).text():
            break
    editor = await admin.request.get(f"{base}/timetable/edit?class={tt_class}")
    version = re.search(r'/timetable/versions/(\d+)/delete', await editor.text())[1]  # one still to come: its lessons are edited
    return {"room": room_ids[0], "tt_day": day.isoformat(), "tt_class": int(tt_class),
            "tt_slot_form": f"/timetable/edit/{version}/slot?class={tt_class}&weekday=1&number=2"}


def packed(texts: list[str], limit: int) -> list[list[str]]:
    """``texts`` in as few groups as fit in ``limit`` characters each, joined by spaces."""
    groups: list[list[str]] = [[]]
    for text in texts:
        if groups[-1] and len(" ".join([*groups[-1], text])) > limit:
            groups.append([])
        groups[-1].append(text)
    return groups


def monday_back(weeks: int) -> str:
    """The Monday ``weeks`` weeks before this week's."""
    today = date.today()
    return (today - timedelta(days=today.weekday() + 7 * weeks)).isoformat()


async def store_in_the_journal(browser, admin, teacher, base: str) -> dict[str, Any]:
    """Payloads as names of kinds of work and attendance codes; as topics, homework (behind a web
    address, which the page makes a link) and notes of past lessons of 5А's mathematics (the demo
    teacher's page, in the demo class teacher's class), the first of them also getting a payload's
    kind of work, so the lesson's history shows both; as reasons of 5А's absences."""
    post = poster(admin, base)
    for number, payload in enumerate(PAYLOADS):
        await post("/journal/settings/kinds", {"name": f"{number} {payload}", "weight": "1"})
        await post("/journal/settings/codes", {"code": f"X{chr(65 + number // 26)}{chr(65 + number % 26)}",
                                               "name": f"{number} {payload}", "is_absence": "", "excused": ""})
    settings = await (await admin.request.get(f"{base}/journal/settings")).text()
    kind = re.findall(r'action="/journal/settings/kinds/(\d+)"', settings)[-1]  # the last one added
    code = re.findall(r'action="/journal/settings/codes/(\d+)"', settings)[-1]
    last = len(PAYLOADS) - 1
    for payload in PAYLOADS[:5]:  # renamed through the edit forms too
        await post(f"/journal/settings/kinds/{kind}", {"name": f"{last} {payload} (изм.)", "weight": "1"})
        await post(f"/journal/settings/codes/{code}", {"code": f"X{chr(65 + last // 26)}{chr(65 + last % 26)}",
                                                       "name": f"{last} {payload} (изм.)", "is_absence": "", "excused": ""})
    groups = packed(PAYLOADS, 500)
    week = await (await teacher.request.get(f"{base}/journal/lessons")).text()
    page_id = re.findall(r'<option value="(\d+)"[^>]*>Математика, 5А</option>', week)[0]
    lessons, weeks = [], []
    for back in range(1, 12):
        listing = await (await teacher.request.get(f"{base}/journal/lessons?page={page_id}&week={monday_back(back)}")).text()
        found = [int(line) for line in re.findall(  # lessons the teacher may still fill: not cancelled
            r'<li class="journal-line(?! journal-line--cancelled)[^"]*" id="journal-line-(\d+)"', listing)]
        lessons += found
        weeks += [monday_back(back)] if found else []
        if len(lessons) >= len(groups):
            break
    assert len(lessons) >= len(groups), "too few past lessons of 5А's mathematics"
    due = (date.today() + timedelta(days=3)).isoformat()  # the newest lesson's homework is due soon: the diary lists it
    for number, (lesson, group) in enumerate(zip(lessons, groups)):
        await fill_lesson(teacher, base, lesson, group, {} if number else {"work_kind": kind, "homework_due": due})
    history, absence_pages = await store_reasons(browser, base)
    finals, closed_history, finals_history = await store_in_a_closed_quarter(browser, teacher, base, page_id)
    check = await store_in_a_check(browser, base)
    plan = await store_in_a_plan(teacher, base, page_id)
    imported = await store_in_an_imported_plan(teacher, base)
    diary, attendance = await diary_of_the_demo_student(browser, base)
    return {"jr_diary": diary, "jr_attendance": attendance, "jr_imported": imported, "jr_plan": plan, "jr_check": check, "jr_finals_history": finals_history, "jr_page": page_id, "jr_lessons": lessons[:len(groups)], "jr_weeks": weeks, "jr_history": history,
            "jr_absences": absence_pages, "jr_finals": finals, "jr_closed_history": closed_history}


async def diary_of_the_demo_student(browser, base: str) -> tuple[str, list[str]]:
    """The demo student's diary (5А, whose mathematics lessons hold the payloads): its address, and
    its attendance pages of the periods so far (the absences' reasons)."""
    context, student = await new_tab(browser, base, "student")
    home = (await student.request.get(f"{base}/diary/home", max_redirects=0)).headers["location"]
    attendance = await (await student.request.get(f"{base}{home}/attendance")).text()
    await context.close()
    past = attendance.split('aria-current="page"', 1)[0]  # the periods before the current one
    return home, [f"{home}/attendance", *re.findall(r'href="(/diary/students/\d+/attendance\?period=\d+)"', past)]


async def store_in_an_imported_plan(teacher, base: str) -> int:
    """As the demo teacher: an own variant of the plan of a page other than 5А's mathematics,
    imported from a CSV file with the payloads as sections, topics and homework; the preview's rows saved."""
    week = await (await teacher.request.get(f"{base}/journal/lessons")).text()
    pages = re.findall(r'<option value="(\d+)"[^>]*>(?!Математика, 5А<)[^<]*</option>', week.split('name="page_id"', 1)[1].split("</select>", 1)[0])
    for page_id in pages:
        progress = await (await teacher.request.get(f"{base}/journal/pages/{page_id}/plan")).text()
        fields = re.search(r'id="journal-page-plan-variant">.*?name="year_id" value="(\d+)">.*?name="subject_id" value="(\d+)">'
                           r'.*?name="grade_level" value="(\d+)">', progress, re.S)
        if fields:
            break
    assert fields, "no page of the demo teacher may have its own plan"
    year_id, subject_id, level = fields.groups()
    plan = (await poster(teacher, base)("/journal/plans", {"year_id": year_id, "subject_id": subject_id, "grade_level": level,
                                                           "page_id": page_id})).rsplit("/", 1)[1]
    shown = await (await teacher.request.get(f"{base}/journal/plans/{plan}")).text()
    version = re.search(r'id="journal-plan-import">.*?name="version" value="(\d+)"', shown, re.S)[1]
    answer = await teacher.request.post(f"{base}/journal/plans/{plan}/import", multipart={
        "version": version, "_csrf_token": teacher.csrf, "file": plan_file(FILE_NAMES[0])})
    preview = await answer.text()
    assert answer.status == 200 and 'id="journal-plan-import-apply"' in preview, (answer.status, preview[:300])
    rows = html.unescape(re.search(r'name="rows" value="([^"]*)"', preview)[1])
    await poster(teacher, base)(f"/journal/plans/{plan}/import/apply", {"version": version, "rows": rows})
    TALLY["XSS payloads stored"] += 3 * len(PAYLOADS)
    return int(plan)


def plan_file(name: str) -> dict[str, Any]:
    """A CSV plan named after ``name`` with a row per payload: its section, topic and homework."""
    lines = io.StringIO()
    writer = csv.writer(lines, delimiter=";")
    writer.writerow(["№", "Раздел", "Тема урока", "Кол-во часов", "Д/з"])
    writer.writerows([number, payload, payload, 1, payload] for number, payload in enumerate(PAYLOADS, 1))
    return {"name": f"{name}.csv", "mimeType": "text/csv", "buffer": lines.getvalue().encode()}


async def store_in_a_plan(teacher, base: str, page_id: str) -> int:
    """As the demo teacher: the payloads as sections, topics and homework of items added to the
    plan 5А's mathematics follows (the lessons still to come take them as topics)."""
    progress = await (await teacher.request.get(f"{base}/journal/pages/{page_id}/plan")).text()
    plan = int(re.search(r'href="/journal/plans/(\d+)"', progress)[1])
    for group in packed(PAYLOADS, 300):  # the section's limit, the shortest of the three
        shown = await (await teacher.request.get(f"{base}/journal/plans/{plan}")).text()
        version = re.search(r'name="version" value="(\d+)"', shown)[1]
        answer = await teacher.request.post(f"{base}/journal/plans/{plan}/items", max_redirects=0, form={
            "version": version, "action": "save", "item_id": "", "section": " ".join(group), "topic": " ".join(group),
            "hours": "1", "kind": "lesson", "homework": " ".join(group), "planned_on": "", "_csrf_token": teacher.csrf})
        assert answer.status == 303, (answer.status, (await answer.text())[:300])
        TALLY["XSS payloads stored"] += 3 * len(group)
    return plan


async def store_in_a_check(browser, base: str) -> int:
    """As the demo deputy, a check of 5А (the demo teacher's and class teacher's class) with the
    payloads as what was checked, the findings and the recommendations; its note sent."""
    context, deputy = await new_tab(browser, base, "deputy")
    post = poster(deputy, base)
    form = await (await deputy.request.get(f"{base}/journal/checks")).text()
    scope = re.search(r'<option value="(class-\d+)">5А</option>', form)[1]
    text = " ".join(PAYLOADS)[:5000]
    location = await post("/journal/checks", {"checked_on": date.today().isoformat(), "scope": scope,
                                              "subject": PAYLOADS[0][:200], "findings": text, "recommendations": text})
    check = int(location.rsplit("/", 1)[1])
    await post(f"/journal/checks/{check}/send", {"version": "1"})
    await context.close()
    return check


async def store_in_a_closed_quarter(browser, teacher, base: str, page_id: str) -> tuple[str, str, str]:
    """As the demo deputy, close the first quarter; as the teacher, give 5А's mathematics final
    marks of the quarter with the payloads packed as comments and the first payload as the reason,
    and change a cell of the quarter with each payload in turn as the reason; then reopen the
    quarter. Returns the sheet, that cell's history and the first student's history of final marks."""
    context, deputy = await new_tab(browser, base, "deputy")
    periods = await (await deputy.request.get(f"{base}/journal/periods")).text()
    year, quarter = re.search(r'<th scope="row">1 четверть.*?name="year" value="(\d+)"><input type="hidden" name="term" '
                              r'value="(\d+)"', periods, re.S).groups()
    version = re.search(rf'id="journal-period-{quarter}-state">.*?name="version" value="(\d+)"', periods, re.S)[1]
    await poster(deputy, base)("/journal/periods/close", {"year": year, "term": quarter, "version": version})
    sheet_url = f"/journal/pages/{page_id}/finals?term={quarter}"
    sheet = await (await teacher.request.get(f"{base}{sheet_url}")).text()
    shown = re.findall(r'name="period-(\d+)__was" value="([^"]*)"', sheet)
    comments = {student: html.unescape(was) for student, was in re.findall(r'name="period-(\d+)-comment__was" value="([^"]*)"', sheet)}
    groups = packed(PAYLOADS, 500)
    assert len(shown) >= len(groups), "too few students on 5А's mathematics"
    form = {"reason": PAYLOADS[0][:300]}
    for (student, was), group in zip(shown, groups):  # each value with the one shown, as the page sends it
        form.update({f"period-{student}": was or "5", f"period-{student}__was": was, f"period-{student}-comment": " ".join(group),
                     f"period-{student}-comment__was": comments.get(student, "")})
    answer = await teacher.request.post(f"{base}{sheet_url}", form={**form, "_csrf_token": teacher.csrf}, max_redirects=0)
    assert answer.status == 303, (answer.status, (await answer.text())[:500])
    TALLY["XSS payloads stored"] += len(PAYLOADS) + 1
    grid = await (await teacher.request.get(f"{base}/journal/pages/{page_id}?period={quarter}")).text()
    student, lesson = re.search(r'<input aria-labelledby="journal-student-(\d+) journal-col-(\d+)">', grid).groups()
    for number, payload in enumerate(PAYLOADS):
        value, was = ("Н", "") if number % 2 == 0 else ("", "Н")
        answer = await teacher.request.post(f"{base}/journal/lessons/{lesson}/cells/{student}", form={
            "value": value, "was": was, "reason": payload[:300], "_csrf_token": teacher.csrf})
        assert answer.status == 200, (answer.status, (await answer.text())[:300])
        TALLY["XSS payloads stored"] += 1
    version = re.search(rf'id="journal-period-{quarter}-state">.*?name="version" value="(\d+)"',
                        await (await deputy.request.get(f"{base}/journal/periods")).text(), re.S)[1]
    await poster(deputy, base)("/journal/periods/reopen", {"year": year, "term": quarter, "version": version})
    await context.close()
    return (sheet_url, f"/journal/lessons/{lesson}/history?student={student}",
            f"/journal/pages/{page_id}/finals/history?student={shown[0][0]}&term={quarter}")


async def fill_lesson(teacher, base: str, lesson: int, payloads: list[str], extra: dict[str, str]) -> None:
    """Topic, homework and note (and ``extra``) through the lesson's form, each sent with the value it showed."""
    shown = await (await teacher.request.get(f"{base}/journal/lessons/{lesson}")).text()
    was = {name: html.unescape(value) for name, value in re.findall(r'name="(\w+)__was" value="([^"]*)"', shown)}
    form = {"topic": " ".join(payloads), "homework": " ".join(f"https://resh.edu.ru/?q={payload}" for payload in payloads),
            "note": " ".join(payloads), "no_homework": "", **extra}
    answer = await teacher.request.post(f"{base}/journal/lessons/{lesson}", max_redirects=0, form={
        **form, **{f"{name}__was": was.get(name, "") for name in form}, "_csrf_token": teacher.csrf})
    assert answer.status == 303, (lesson, answer.status, (await answer.text())[:300])
    TALLY["XSS payloads stored"] += 3 * len(payloads)


def absence_entries(listing: str) -> list[tuple[bool, tuple[int, str, int, str, str]]]:
    """(whether it is the demo student's, (entry, subject, version, code, history)) of a week's absences page."""
    found = []
    for section in listing.split('<section class="card journal-absences-student"')[1:]:
        own = "Петров Илья" in section.split("</h2>", 1)[0]
        rows = re.findall(r'<tr id="journal-absence-(\d+)">\s*<td[^>]*>[^<]*</td>\s*<td>([^<]*)</td>(.*?)</tr>', section, re.S)
        found += [(own, (int(entry), subject, int(re.search(r'name="version" value="(\d+)"', rest)[1]),
                         re.search(r'<option value="([^"]+)" selected>', rest)[1],
                         re.search(r'(/journal/lessons/\d+/history\?student=\d+)', rest)[1])) for entry, subject, rest in rows]
    return found


async def store_reasons(browser, base: str) -> tuple[str, list[str]]:
    """As the demo class teacher: every payload in turn as the reason of one absence from a 5А
    mathematics lesson (its history shows them all), and the payloads packed as reasons of other
    entries of recent weeks, the demo student's own first (the diary shows them to the family).
    Returns that entry's history and the weeks' absence pages."""
    context, class_teacher = await new_tab(browser, base, "class-teacher")
    post = poster(class_teacher, base)
    home = (await class_teacher.request.get(f"{base}/journal/absences", max_redirects=0)).headers["location"]
    groups = packed(PAYLOADS, 300)
    entries, own, pages = [], [], []
    for back in range(1, 16):
        listing = await (await class_teacher.request.get(f"{base}{home}?week={monday_back(back)}")).text()
        found = absence_entries(listing)
        entries += [entry for mine, entry in found if not mine]
        own += [entry for mine, entry in found if mine]
        pages += [f"{home}?week={monday_back(back)}"] if found else []
        if len(entries) > len(groups) and len(own) >= len(groups) and any(entry[1] == "Математика" for entry in entries):
            break
    assert len(own) >= 2, "the demo student has too few absences"
    first = next(entry for entry in entries if entry[1] == "Математика")
    entry, _subject, version, code, history = first
    for number, payload in enumerate(PAYLOADS):
        await post(f"/journal/attendance/{entry}/reason", {"code": code, "reason": payload, "version": str(version + number)})
    others = own + [other for other in entries if other is not first]
    assert len(others) >= len(groups), "too few absences in 5А"
    for (entry, _subject, version, code, _history), group in zip(others, groups):
        await post(f"/journal/attendance/{entry}/reason", {"code": code, "reason": " ".join(group), "version": str(version)})
        TALLY["XSS payloads stored"] += len(group) - 1  # the poster counted the form
    await context.close()
    return history, pages


async def store_in_the_diary(admin, base: str) -> None:
    """Payloads as the documents of a parent's refusals of the e-diary and of their withdrawals:
    recorded and withdrawn in turn, so that no refusal stands afterwards."""
    found = await (await admin.request.get(f"{base}/diary/refusals?q=ова")).text()
    parent = re.findall(r'name="parent" value="(\d+)"', found)[-1]
    for payload in PAYLOADS:
        answer = await admin.request.post(f"{base}/diary/refusals", form={
            "parent": parent, "on": date.today().isoformat(), "document": payload[:300], "_csrf_token": admin.csrf}, max_redirects=0)
        assert answer.status == 303, (payload, answer.status, (await answer.text())[:300])
        listing = await (await admin.request.get(f"{base}/diary/refusals")).text()
        refusal = re.findall(r'action="/diary/refusals/(\d+)/withdraw"', listing)[0]
        answer = await admin.request.post(f"{base}/diary/refusals/{refusal}/withdraw", form={
            "withdrawn_on": date.today().isoformat(), "withdrawal_document": payload[:300], "_csrf_token": admin.csrf},
            max_redirects=0)
        assert answer.status == 303, (payload, answer.status, (await answer.text())[:300])
        TALLY["XSS payloads stored"] += 2


async def store_in_messages(browser, base: str) -> dict[str, str]:
    """As the demo student: the payloads packed as subjects of messages to the demo teacher (who
    teaches the student's class) and all of them as each one's text; as the teacher, all of them as
    an answer, and packed as names of files of further answers; as the class teacher, a message to
    the class's parents with payloads for subject and text. Returns the conversation and the broadcast."""
    context, student = await new_tab(browser, base, "student")
    compose = await (await student.request.get(f"{base}/messaging/new")).text()
    teacher_id = re.search(r'name="to" value="(\d+)">\s*Кузнецов Андрей Павлович', compose)  # the demo teacher
    post = poster(student, base)
    body = " ".join(PAYLOADS)
    for group in packed(PAYLOADS, 200):
        thread = await post("/messaging/new", {"to": teacher_id[1], "subject": " ".join(group), "body": body})
    TALLY["XSS payloads stored"] += 2 * len(PAYLOADS) - len(packed(PAYLOADS, 200))
    await context.close()
    context, teacher = await new_tab(browser, base, "teacher")
    await poster(teacher, base)(f"{thread.split('#')[0]}/reply", {"body": body})
    for group in packed(FILE_NAMES, 190):  # as names of files, one answer each
        answer = await teacher.request.post(f"{base}{thread.split('#')[0]}/reply", max_redirects=0, multipart={
            "body": "Во вложении", "_csrf_token": teacher.csrf,
            "attachments": {"name": f"{' '.join(group)}.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}})
        assert answer.status == 303, (answer.status, (await answer.text())[:300])
        TALLY["XSS payloads stored"] += len(group)
    await context.close()
    context, class_teacher = await new_tab(browser, base, "class-teacher")
    compose = await (await class_teacher.request.get(f"{base}/messaging/new")).text()
    group_id = re.search(r'name="group" value="(class-\d+-parents)"', compose)[1]
    broadcast = await poster(class_teacher, base)("/messaging/new", {"group": group_id, "subject": PAYLOADS[0], "body": body})
    await context.close()
    return {"msg_thread": thread.split("#")[0], "msg_broadcast": broadcast}


async def store_in_notices(browser, base: str) -> dict[str, str]:
    """As the deputy, for the whole school: the payloads packed as titles of notices, all of them as
    each one's text, and packed as names of the last one's files; then one notice edited with them
    again and a file added (its history shows both). Returns a notice's page."""
    context, deputy = await new_tab(browser, base, "deputy")
    post = poster(deputy, base)
    body = " ".join(PAYLOADS)
    for group in packed(PAYLOADS, 200):
        notice = await post("/noticeboard/new", {"title": " ".join(group), "body": body, "audience": "school:0:everyone"})
    TALLY["XSS payloads stored"] += 2 * len(PAYLOADS) - len(packed(PAYLOADS, 200))
    for group in packed(FILE_NAMES, 190):
        answer = await deputy.request.post(f"{base}/noticeboard/new", max_redirects=0, multipart={
            "title": "Файлы", "body": "Во вложении", "audience": "school:0:everyone", "_csrf_token": deputy.csrf,
            "attachments": {"name": f"{' '.join(group)}.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}})
        assert answer.status == 303, (answer.status, (await answer.text())[:300])
        TALLY["XSS payloads stored"] += len(group)
        files = answer.headers["location"]
    answer = await deputy.request.post(f"{base}{notice}/edit", max_redirects=0, multipart={  # with one more file
        "title": PAYLOADS[-1][:200], "body": body, "audience": "school:0:everyone", "version": "1", "_csrf_token": deputy.csrf,
        "attachments": {"name": f"{FILE_NAMES[0]}.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}})
    assert answer.status == 303, (answer.status, (await answer.text())[:300])
    TALLY["XSS payloads stored"] += 3
    await context.close()
    return {"nb_notice": notice, "nb_files": files}


def shown_pages(created: list[int], structure: dict[str, Any]) -> list[tuple[str, str]]:
    """(route name, path) of every page that shows a registered user-text field."""
    pages = [("core:admin_users", "/admin/users"), ("core:admin_user", f"/admin/users/{created[0]}"),
             ("core:admin_user", f"/admin/users/{created[-1]}"), ("testplugin:notes_page", "/testplugin/notes"),
             ("testplugin:notes", "/testplugin/schools/1/notes"), ("core:dashboard", "/"),
             ("core:subjects", "/structure/subjects"), ("core:curriculum", "/structure/curriculum"),
             ("core:subject_pages", "/structure/pages"), ("core:subject_page", f"/structure/pages/{structure['page']}"),
             ("core:class", "/structure/classes/1"), ("core:groups", "/structure/groups"),
             ("core:group", f"/structure/groups/{structure['group']}"), ("core:calendar", "/structure/calendar"),
             ("core:staff", "/people/staff"), ("core:person", f"/people/persons/{structure['staff']}"),
             ("core:student", f"/people/students/{structure['student']}"), ("core:student", f"/people/students/{structure['leaver']}"),
             ("core:student", structure["mover"]), ("core:student", structure["admitted"]),
             ("core:movement", f"/people/movement?from={structure['start']}-09-01&to={structure['today']}"),
             ("core:import", "/people/import"), ("core:import_preview", f"/people/import/{structure['upload']}"),
             ("core:rooms", "/timetable/rooms"), ("core:timetable_room", f"/timetable/rooms/{structure['room']}"),
             ("core:timetable_changes", f"/timetable/changes?day={structure['tt_day']}"),
             ("core:timetable_day", f"/timetable?day={structure['tt_day']}"),
             ("core:timetable_class", f"/timetable/classes/{structure['tt_class']}?week={structure['tt_day']}"),
             ("core:timetable_slot_form", structure["tt_slot_form"]), ("core:activity", "/admin/activity?role=all"),
             ("core:audit", "/admin/audit?category=personal_data"), ("core:audit", "/admin/audit?category=communication"),
             ("core:audit", "/admin/audit?action=journal.lesson_changed&who=teacher")]
    pages += [("journal:lessons", f"/journal/lessons?page={structure['jr_page']}&week={week}") for week in structure["jr_weeks"]]
    pages += [("journal:lesson", f"/journal/lessons/{lesson}") for lesson in structure["jr_lessons"]]
    first = structure["jr_lessons"][0]
    pages += [("journal:lesson_save", f"/journal/lessons/{first}"), ("journal:settings", "/journal/settings"),
              ("journal:cell_history", structure["jr_history"]), ("journal:cell_history", f"/journal/lessons/{first}/history")]
    pages += [("journal:absences", path) for path in structure["jr_absences"]]
    pages += [("journal:grid", f"/journal/pages/{structure['jr_page']}"), ("journal:finals", structure["jr_finals"]),
              ("journal:cell_history", structure["jr_closed_history"]), ("journal:checks", "/journal/checks"),
              ("journal:check", f"/journal/checks/{structure['jr_check']}"),
              ("journal:finals_history", structure["jr_finals_history"]),
              ("journal:plan", f"/journal/plans/{structure['jr_plan']}"),
              *(("diary:week", f"{structure['jr_diary']}?week={week}") for week in structure["jr_weeks"]),
              ("journal:page_plan", f"/journal/pages/{structure['jr_page']}/plan"), ("diary:refusals", "/diary/refusals"),
              ("messaging:inbox", "/messaging/inbox"), ("messaging:sent", "/messaging/sent"),
              ("messaging:thread", structure["msg_thread"]), ("messaging:broadcast", structure["msg_broadcast"]),
              ("noticeboard:board", "/noticeboard/board"), ("noticeboard:board", "/noticeboard/board?page=2"),
              ("noticeboard:widget", "/noticeboard/widget"), ("noticeboard:notice", structure["nb_notice"]),
              ("noticeboard:notice", structure["nb_files"]), ("noticeboard:history", f"{structure['nb_notice']}/history"),
              ("noticeboard:edit", f"{structure['nb_notice']}/edit"), ("diary:week", structure["jr_diary"]),
              ("diary:homework", f"{structure['jr_diary']}/homework"),
              ("journal:plan", f"/journal/plans/{structure['jr_imported']}"),
              ("journal:plan_import", f"/journal/plans/{structure['jr_imported']}"),
              *(("diary:attendance", path) for path in structure["jr_attendance"])]
    shown = {route for field in FIELDS for route in field.shown_on}
    missing = shown - {name for name, _path in pages}
    assert not missing, f"pages showing user text that the XSS test does not open: {missing}"
    return pages


async def test_the_detector_sees_a_page_that_does_run_payloads(browser):
    """The canary: the same payloads put into a page unescaped and without a CSP are caught."""
    context = await browser.new_context()
    page = await context.new_page()
    page.dialogs = []
    page.on("dialog", dismisser(page.dialogs))
    await page.set_content("<!doctype html><body>" + "".join(f"<div>{p}</div>" for p in PAYLOADS) + "</body>",
                           wait_until="domcontentloaded")
    await page.wait_for_timeout(500)
    found = await detect(page)
    await context.close()
    assert found["markup"] >= 40 and found["dialogs"] >= 3 and found["ran"], found

"""Stored XSS, in Chromium: payloads go in through every registered user-text field and every
page that shows them is opened as each role that may see it. Nothing may run or become markup."""

from __future__ import annotations

import json
import re
from typing import Any


from tests.e2e.conftest import sign_in
from core.access.roles import ROLES
from core.plugins.types import UserTextField
from core.web.builtin import user_text_fields as core_fields
from tests.security.conftest import TALLY
from tests.security.matrix import MATRIX
from tests.security.payloads import PAYLOADS
from tests.testplugin import user_text_fields as plugin_fields

FIELDS: list[UserTextField] = [*core_fields(None), *plugin_fields(None)]

DETECT = """() => ({
  markup: document.querySelectorAll('[data-xss]').length,
  ran: window.__xss === 1,
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
    await admin_context.close()
    await teacher_context.close()

    problems = []
    for login in DEMO_LOGINS.values():  # every role, on every page that shows stored text it may see
        context, page = await new_tab(browser, live_server, login)
        role = next(r for r, name in DEMO_LOGINS.items() if name == login)
        for path in [p for name, p in shown_pages(created, structure) if role in MATRIX[name].allowed]:
            response = await page.goto(f"{live_server}{path}")
            assert response.status == 200, (login, path, response.status)
            await page.wait_for_timeout(200)  # give anything that would run the chance to
            found = await detect(page)
            TALLY["XSS pages opened"] += 1
            if found["markup"] or found["ran"] or found["dialogs"] or page.errors:
                TALLY["XSS executed"] += 1
                problems.append(f"{login} {path}: {found} {page.errors[:2]}")
        await context.close()
    assert not problems, "\n".join(problems)


DEMO_LOGINS = {role: role.replace("_", "-").replace("journal-admin", "admin") for role in ROLES}


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
    the demo's year (id 1), on a subject page of class 1 (1А); returns the ids the pages show."""
    post = poster(admin, base)
    for number, payload in enumerate(PAYLOADS):
        named = f"{number} {payload}"[:200]  # names are unique regardless of case, and two payloads differ only so
        await post("/structure/subjects", {"name": named, "short_name": "", "sort_order": ""})
        await post("/structure/years/1/groups", {"name": named, "subject_id": "", "class_ids": "1"})
        await post("/structure/years/1/days", {"kind": "holiday", "name": payload, "starts_on": "2027-04-12", "ends_on": "",
                                               "grade_from": "1", "grade_to": "11"})
        await post("/structure/years/1/bells", {"name": payload, "shift": "2", "kind": "regular", "grade_level": "", "valid_from": "",
                                                "valid_to": "", "bells": "14:00-14:40"})
    listing = await admin.request.get(f"{base}/structure/subjects")
    subject = int(re.findall(r'/structure/subjects/(\d+)', await listing.text())[-1])
    for payload in [p for p in PAYLOADS if len(p) <= 40][:5]:
        await post(f"/structure/subjects/{subject}", {"name": f"Предмет {len(payload)}", "short_name": payload, "sort_order": "1"})
    page = await post("/structure/years/1/pages", {"subject_id": str(subject), "holder": "c1"})
    groups = await admin.request.get(f"{base}/structure/groups?year=1")
    group = int(re.findall(r'/structure/groups/(\d+)', await groups.text())[-1])
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
    for number, payload in enumerate(PAYLOADS):
        await post(f"/people/persons/{staff}/positions", {"title": f"{number} {payload}"[:200], "starts_on": today})
        await post(f"/people/students/{student}/representatives", {
            "rep_person_id": "", "rep_full_name": "Опекунова Анна Ивановна", "rep_kind": "guardian", "rep_phone": "",
            "rep_document": payload})
        upload = await upload_named(admin, base, payload)
    for leaver, payload in zip(leavers, PAYLOADS):
        await post(f"/people/students/{leaver}/leave", {"kind": "left", "day": today, "order_number": "1-в",
                                                        "order_date": today, "note": payload})
    return {"student": student, "leaver": leavers[0], "staff": staff, "upload": int(upload.rsplit("/", 1)[1]),
            "start": int(today[:4]) - (1 if today[5:7] < "09" else 0), "today": today}


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
    class_id = re.findall(r'href="/timetable/classes/(\d+)', await (await admin.request.get(f"{base}/timetable?day={day.isoformat()}")).text())
    return {"room": room_ids[0], "tt_day": day.isoformat(), "tt_class": int(class_id[0])}


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
             ("core:movement", f"/people/movement?from={structure['start']}-09-01&to={structure['today']}"),
             ("core:import", "/people/import"), ("core:import_preview", f"/people/import/{structure['upload']}"),
             ("core:rooms", "/timetable/rooms"), ("core:timetable_room", f"/timetable/rooms/{structure['room']}"),
             ("core:timetable_changes", f"/timetable/changes?day={structure['tt_day']}"),
             ("core:timetable_day", f"/timetable?day={structure['tt_day']}"),
             ("core:timetable_class", f"/timetable/classes/{structure['tt_class']}?week={structure['tt_day']}"),
             ("core:timetable_editor", "/timetable/edit")]
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

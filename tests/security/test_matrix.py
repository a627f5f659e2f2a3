"""The authorization matrix over every route found at run time, and the regulation's own list."""

from __future__ import annotations

from tests.security.matrix import MATRIX, Row, fill
from tests.security.world import ANONYMOUS, EVERY_ROLE, World
from tests.support.snapshot import database_unchanged, fetch


def routes(world: World) -> set[str]:
    return {
        handler.name for route in world.client.app.routes for handler in getattr(route, "route_handlers", [])
        if handler.http_methods != {"OPTIONS"}
    }


async def test_every_route_has_a_matrix_row(world):
    missing = routes(world) - set(MATRIX)
    assert not missing, f"routes without a row in tests/security/matrix.py: {sorted(missing)}"
    assert not set(MATRIX) - routes(world), "rows for routes that no longer exist"


async def ask(world: World, who: str, row: Row):
    role = who if who in EVERY_ROLE else "anonymous"
    kwargs = {}
    if row.form is not None:
        kwargs["data"] = fill(row.form, world, role)
    if row.json is not None:
        kwargs["json"] = fill(row.json, world, role)
    if row.files is not None:
        kwargs["files"] = row.files
    return await world.request(who, row.method, fill(row.path, world, role), **kwargs)


async def test_matrix(world, tally):
    """Every row for every role, in one world (failures are collected, then reported together)."""
    failures: list[str] = []
    for name in sorted(MATRIX):
        try:
            await check_row(world, tally, name, MATRIX[name])
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)


async def check_row(world: World, tally, name: str, row: Row) -> None:
    for who in (*EVERY_ROLE, ANONYMOUS):
        response = await ask(world, who, row)
        tally["matrix cells"] += 1
        if who == ANONYMOUS:
            if row.method == "POST":
                expected: tuple[int, ...] = (403,)  # no CSRF token without a page first
            elif row.public:
                expected = row.success
            else:
                expected = (303,)
        elif who in row.allowed:
            expected = row.success
        else:
            expected = (403,)
        if response.status_code not in expected:
            tally["unexpected answers"] += 1
            if response.status_code < 400 and 403 in expected:
                tally["unexpected allows"] += 1
        assert response.status_code in expected, f"{name} as {who}: {response.status_code}, expected {expected}"
        if who == ANONYMOUS and expected == (303,):
            assert response.headers["location"].startswith("/login?next=")
        if who in row.allowed and row.content and who != ANONYMOUS:
            assert row.content in response.text, f"{name} as {who} lacks {row.content!r}"
        if expected == (403,) and who != ANONYMOUS:
            assert "Целевой Учитель Тестович" not in response.text


# ---- the regulation, written out by hand (not derived from the matrix) --------------------------


async def test_regulation_expectations(world, database_url):
    """At least 20 rules from the regulation, each checked on its own."""
    w = world
    form = {"full_name": "Новый Человек", "login": "new-person", "password": "длинный-пароль", "role": "teacher"}
    checks = [
        # 4.4: the journal administrator keeps the accounts
        ("the journal administrator creates an account", await w.request("journal_admin", "POST", "/admin/users/new", data=form), 303),
        ("the journal administrator opens the account list", await w.request("journal_admin", "GET", "/admin/users"), 200),
        ("the director does not create accounts", await w.request("director", "POST", "/admin/users/new", data={**form, "login": "d-x"}), 403),
        ("the deputy does not create accounts", await w.request("deputy", "POST", "/admin/users/new", data={**form, "login": "z-x"}), 403),
        ("a teacher cannot open the account list", await w.request("teacher", "GET", "/admin/users"), 403),
        ("a class teacher cannot open the account list", await w.request("class_teacher", "GET", "/admin/users"), 403),
        ("a parent cannot open the account list", await w.request("parent", "GET", "/admin/users"), 403),
        ("a student cannot open the account list", await w.request("student", "GET", "/admin/users"), 403),
        ("the engineer keeps the servers, not the accounts", await w.request("engineer", "GET", "/admin/users"), 403),
        ("the secretary hands lists over, not accounts", await w.request("secretary", "GET", "/admin/users/new"), 403),
        ("the dispatcher does not block accounts", await w.request("dispatcher", "POST", f"/admin/users/{w.target}/block", data={"blocked": "1"}), 403),
        ("the site administrator does not grant roles", await w.request("site_admin", "POST", f"/admin/users/{w.target}/roles", data={"role": "director", "action": "grant"}), 403),
        # 4.4: basic settings of the system are the administrator's
        ("the journal administrator switches modules", await w.request("journal_admin", "GET", "/admin/modules"), 200),
        ("the director does not switch modules", await w.request("director", "POST", "/admin/modules", data={"plugin": "testdependent", "enabled": "0"}), 403),
        # 3.1.5, 3.4: access only to one's own data; other schools are invisible
        ("an administrator cannot see another school's account", await w.request("journal_admin", "GET", f"/admin/users/{w.stranger}"), 404),
        ("another school's administrator cannot open this school's account", await w.request("admin-other", "GET", f"/admin/users/{w.target}"), 404),
        ("another school's teacher cannot read this school's notes", await w.request("stranger", "GET", f"/testplugin/schools/{w.home}/notes"), 404),
        ("another school's teacher cannot write into this school", await w.request("stranger", "POST", f"/testplugin/schools/{w.home}/notes", json={"text": "чужое"}), 404),
        # 3.1.7: authorised access only
        ("an anonymous visitor is sent to sign in", await w.request("anonymous", "GET", "/"), 303),
        ("an anonymous visitor cannot post", await w.request("anonymous", "POST", "/testplugin/notes", data={"text": "x"}), 403),
        # 3.4, 4.7: parents and students read and correspond, they do not write records
        ("a student cannot add to the school's records", await w.request("student", "POST", "/testplugin/notes", data={"text": "x"}), 403),
        ("a parent cannot add to the school's records", await w.request("parent", "POST", "/testplugin/notes", data={"text": "x"}), 403),
        ("a teacher records", await w.request("teacher", "POST", "/testplugin/notes", data={"text": "Тема урока"}), 303),
        # the platform operator serves every school of the installation
        ("the operator manages accounts", await w.request("operator", "GET", f"/admin/users/{w.target}"), 200),
        # a forged role in a form changes nothing
        ("an administrator cannot hand out the operator role", await w.request("journal_admin", "POST", "/admin/users/new", data={**form, "login": "op-x", "role": "operator"}), 422),
    ]
    failures = [f"{what}: got {response.status_code}, expected {status}" for what, response, status in checks if response.status_code != status]
    assert not failures, "\n".join(failures)
    assert len(checks) >= 20
    denials = await fetch(database_url, "SELECT count(*) FROM audit_record WHERE action = 'core.access_denied'")
    assert denials[0][0] >= 12  # every refusal by permission is in the audit log


async def test_a_forged_school_in_a_form_changes_nothing(world, database_url):
    async with database_unchanged(database_url):
        response = await world.request("teacher", "POST", "/school", data={"school_id": world.other, "next": "/"})
    assert response.status_code == 422


async def test_structure_regulation_expectations(world, database_url):
    """Regulation 3.7, 3.11, 4.4 on the school's structure, each checked on its own."""
    w, s = world, world.structure
    over = {"teacher_id": str(w.neighbour), "hours": "1", "starts_on": "2026-09-01", "ends_on": ""}
    checks = [
        # 3.7: subject pages follow the curriculum and the load
        ("the journal administrator cannot load a page beyond the curriculum",
         await w.request("journal_admin", "POST", f"/structure/pages/{s.math_page}/assignments", data=over), 422),
        # 3.11: the deputy controls: reads everything, changes nothing of the structure
        ("the deputy reads the load", await w.request("deputy", "GET", f"/structure/load?year={s.year}"), 200),
        ("the deputy reads a subject page", await w.request("deputy", "GET", f"/structure/pages/{s.math_page}"), 200),
        ("the deputy does not change the curriculum", await w.request("deputy", "POST", f"/structure/years/{s.year}/curriculum",
                                                                       data={"grade_level": "5", "subject_id": s.mathematics, "hours": "1"}), 403),
        ("the director reads the calendar", await w.request("director", "GET", "/structure/calendar"), 200),
        ("the director does not assign teachers", await w.request("director", "POST", f"/structure/pages/{s.group_page}/assignments", data=over), 403),
        # 4.4: the administrator keeps the structure
        ("the journal administrator opens a class card", await w.request("journal_admin", "GET", f"/structure/classes/{s.class_5a}"), 200),
        ("the secretary reads the classes but does not add one", await w.request("secretary", "POST", f"/structure/years/{s.year}/classes",
                                                                                data={"grade_level": "9", "letter": "Б"}), 403),
        # teachers see their own load only; families see none of it
        ("a teacher sees their own load", await w.request("teacher", "GET", "/structure/my-load"), 200),
        ("a teacher cannot open the school's load", await w.request("teacher", "GET", "/structure/load"), 403),
        ("a parent cannot open the classes", await w.request("parent", "GET", "/structure/classes"), 403),
        ("a student cannot open the curriculum", await w.request("student", "GET", "/structure/curriculum"), 403),
        # nobody crosses schools
        ("another school's administrator cannot open this school's class",
         await w.request("admin-other", "GET", f"/structure/classes/{s.class_5a}"), 404),
        ("another school's administrator cannot end this school's assignment",
         await w.request("admin-other", "POST", f"/structure/assignments/{s.assignment}/end", data={"ends_on": "2026-10-01"}), 404),
    ]
    failures = [f"{what}: got {response.status_code}, expected {status}" for what, response, status in checks if response.status_code != status]
    assert not failures, "\n".join(failures)


async def test_people_regulation_expectations(world, database_url):
    """Regulation 3.2, 3.8, 4.2 on people, each checked on its own: who sees and who changes whom."""
    w, p = world, world.people
    contacts = {"phone": "+7 900 555-55-55", "email": "", "back": "", "version": "1"}
    async with database_unchanged(database_url):
        checks = [
            # 3.8: the class teacher keeps the contacts of their own class's families, of no other class
            ("the class teacher opens their own class", await w.request("class_teacher", "GET", f"/people/classes/{p['ct_class']}"), 200),
            ("the class teacher cannot open another class", await w.request("class_teacher", "GET", f"/people/classes/{w.structure.class_5a}"), 404),
            ("the class teacher cannot open another class's student", await w.request("class_teacher", "GET", f"/people/students/{w.accounts['student']}"), 404),
            ("the class teacher cannot edit another class's family", await w.request("class_teacher", "POST", f"/people/persons/{w.accounts['parent']}", data=contacts), 404),
            ("the class teacher does not admit students", await w.request("class_teacher", "POST", "/people/students", data={"last_name": "Х"}), 403),
            ("the class teacher does not end a family link", await w.request("class_teacher", "POST", f"/people/representatives/{w.values('secretary')['own_link']}/end",
                                                                              data={"ends_on": "2026-11-20"}), 403),
            # 4.2: the administration reads movement and occupancy, changes nobody
            ("the deputy reads the movement", await w.request("deputy", "GET", "/people/movement"), 200),
            ("the director reads a student's card", await w.request("director", "GET", f"/people/students/{p['ct_student']}"), 200),
            ("the director does not change contacts", await w.request("director", "POST", f"/people/persons/{p['ct_parent']}", data=contacts), 403),
            ("the deputy does not import lists", await w.request("deputy", "GET", "/people/import"), 403),
            # families and teachers see no one else's data
            ("a parent cannot open the students", await w.request("parent", "GET", "/people/students"), 403),
            ("a parent cannot open a student's card", await w.request("parent", "GET", f"/people/students/{w.accounts['student']}"), 403),
            ("a teacher cannot open a class card", await w.request("teacher", "GET", f"/people/classes/{p['ct_class']}"), 403),
            # nobody crosses schools
            ("another school's administrator cannot open this school's student", await w.request("admin-other", "GET", f"/people/students/{p['ct_student']}"), 404),
            ("another school's administrator cannot change this school's parent", await w.request("admin-other", "POST", f"/people/persons/{p['ct_parent']}", data=contacts), 404),
            ("another school's administrator cannot preview this school's upload", await w.request("admin-other", "GET", f"/people/import/{w.values('secretary')['own_upload']}"), 404),
            ("another school's administrator cannot confirm this school's upload", await w.request("admin-other", "POST", f"/people/import/{w.values('secretary')['own_upload']}/confirm"), 404),
        ]
    failures = [f"{what}: got {response.status_code}, expected {status}" for what, response, status in checks if response.status_code != status]
    assert not failures, "\n".join(failures)


async def test_messaging_regulation_expectations(world, database_url):
    """Regulation 2.7, 2.8, 3.4, 3.8 on the internal mail, each checked on its own: who writes to whom."""
    w, p = world, world.people
    letter = {"subject": "Тема", "body": "Текст"}
    async with database_unchanged(database_url):
        checks = [
            # 3.4: a parent writes to the school, never to another family
            ("a parent cannot write to another family's parent", await w.request("parent", "POST", "/messaging/new", data={**letter, "to": str(p["ct_parent"])}), 422),
            ("a parent cannot write to another family's child", await w.request("parent", "POST", "/messaging/new", data={**letter, "to": str(p["ct_student"])}), 422),
            ("a student cannot write to a whole class", await w.request("student", "POST", "/messaging/new", data={**letter, "group": f"class-{p['ct_class']}-parents"}), 422),
            # 3.8: a class teacher writes to the families of their own class, of no other
            ("the class teacher cannot write to another class's parents", await w.request("class_teacher", "POST", "/messaging/new",
                                                                                         data={**letter, "group": f"class-{w.structure.class_5a}-parents"}), 422),
            ("a teacher cannot write to another school's teacher", await w.request("class_teacher", "POST", "/messaging/new",
                                                                                  data={**letter, "to": str(w.stranger)}), 422),
            # nobody reads another's mail, the administration included
            ("the director cannot open a teacher's conversation", await w.request("director", "GET", f"/messaging/threads/{w.values('teacher')['msg_thread']}"), 404),
            ("the journal administrator cannot open a parent's conversation", await w.request("journal_admin", "GET", f"/messaging/threads/{w.values('parent')['msg_thread']}"), 404),
            ("a teacher cannot download a parent's file", await w.request("teacher", "GET", f"/messaging/attachments/{w.values('parent')['msg_attachment']}"), 404),
            # the school's rules are the director's and the administrator's
            ("a teacher cannot change the mail's rules", await w.request("teacher", "POST", "/messaging/settings", data={"retention_years": "1"}), 403),
            ("the operator has no mailbox in a school", await w.request("operator", "GET", "/messaging/inbox"), 403),
            # nobody crosses schools
            ("another school's teacher cannot answer in this school's conversation", await w.request("stranger", "POST", f"/messaging/threads/{w.values('teacher')['msg_thread']}/reply",
                                                                                                    data={"body": "чужое"}), 404),
        ]
    failures = [f"{what}: got {response.status_code}, expected {status}" for what, response, status in checks if response.status_code != status]
    assert not failures, "\n".join(failures)


async def test_noticeboard_regulation_expectations(world, database_url):
    """Regulation 1.13, 4.2, 4.5 on the notice board, each checked on its own: the director and the
    deputy publish for anyone, teachers for their own classes and the staff, families read only."""
    w, p = world, world.people
    notice = {"title": "Объявление", "body": "Текст"}
    async with database_unchanged(database_url):
        checks = [
            ("a parent cannot publish a notice", await w.request("parent", "POST", "/noticeboard/new",
                                                                 data={**notice, "audience": f"class:{p['ct_class']}:parents"}), 403),
            ("a student cannot publish a notice", await w.request("student", "POST", "/noticeboard/new",
                                                                  data={**notice, "audience": "school:0:students"}), 403),
            ("the secretary cannot publish a notice", await w.request("secretary", "POST", "/noticeboard/new",
                                                                      data={**notice, "audience": "school:0:staff"}), 403),
            ("a teacher cannot address the whole school's parents", await w.request("teacher", "POST", "/noticeboard/new",
                                                                                    data={**notice, "audience": "school:0:parents"}), 422),
            ("the class teacher cannot address another class", await w.request("class_teacher", "POST", "/noticeboard/new",
                                                                               data={**notice, "audience": f"class:{w.structure.class_5a}:parents"}), 422),
            ("the deputy cannot address another school's class", await w.request("deputy", "POST", "/noticeboard/new",
                                                                                 data={**notice, "audience": f"class:{w.other_structure.class_5a}:parents"}), 422),
            ("a teacher cannot withdraw the director's notice", await w.request("teacher", "POST", f"/noticeboard/{w.notices['nb_notice']}/withdraw"), 404),
            ("a parent cannot open a notice for the secretaries", await w.request("parent", "GET", f"/noticeboard/{w.notices['nb_private']}"), 404),
            ("a teacher cannot switch automatic notices", await w.request("teacher", "POST", "/noticeboard/settings", data={"auto_timetable": "1"}), 403),
            ("another school's teacher cannot open this school's notice", await w.request("stranger", "GET", f"/noticeboard/{w.notices['nb_notice']}"), 404),
        ]
    failures = [f"{what}: got {response.status_code}, expected {status}" for what, response, status in checks if response.status_code != status]
    assert not failures, "\n".join(failures)
    withdrawn = await w.request("deputy", "POST", f"/noticeboard/{w.notices['nb_notice']}/withdraw")
    assert withdrawn.status_code == 303, "the deputy withdraws any notice"


async def test_journal_regulation_expectations(world, database_url):
    """Regulation 3.4, 3.8, 3.9, 4.1, 4.2, 4.4 on the class journal, each checked on its own: teachers
    fill their own lessons, the class teacher gives the reasons of absences in their class, the
    administration reads every journal and writes none, families have no journal pages, nobody
    crosses schools."""
    w, v = world, world.values("teacher")
    lesson, math_lesson, class_lesson = (f"/journal/lessons/{v[key]}" for key in ("jr_lesson", "jr_math_lesson", "jr_class_lesson"))
    topic = {"topic": "Чужая тема", "topic__was": ""}
    mark = {f"new-{v['ct_student']}": "5"}
    reason = {"code": "У", "reason": "Чужая справка", "version": "1"}
    kind = {"name": "Чужой вид работы", "weight": "1"}
    bulk = {"student_id": w.accounts["student"], "starts_on": "2026-11-16", "ends_on": "2026-11-22", "code": "Б", "reason": "Чужая"}
    other_class = f"/journal/classes/{w.structure.class_5a}/absences"
    grid = f"/journal/pages/{w.structure.group_page}?period={w.structure.period}"
    cell, typed = f"/journal/lessons/{v['jr_own_lesson']}/cells/{v['jr_cell_student']}", {"value": "2", "was": ""}
    async with database_unchanged(database_url):
        checks = [
            # 4.1, 4.2: the director and the deputy control the journal: they read every lesson and write none
            ("the director reads a lesson", await w.request("director", "GET", lesson), 200),
            ("the director does not fill a lesson", await w.request("director", "POST", lesson, data=topic), 403),
            ("the deputy reads a cell's history", await w.request("deputy", "GET", f"{class_lesson}/history?student={v['ct_student']}"), 200),
            ("the deputy does not fill a lesson", await w.request("deputy", "POST", lesson, data=topic), 403),
            ("the director reads a page's grid", await w.request("director", "GET", grid), 200),
            ("the director posts no mark in the grid", await w.request("director", "POST", cell, data=typed), 403),
            ("the deputy posts no mark in the grid", await w.request("deputy", "POST", cell, data=typed), 403),
            ("the journal administrator posts no mark in the grid", await w.request("journal_admin", "POST", cell, data=typed), 403),
            ("the director does not give absence reasons",
             await w.request("director", "POST", f"/journal/attendance/{v['jr_attendance']}/reason", data=reason), 403),
            # 4.4: the journal administrator keeps the settings and reads the journal, and posts no mark
            ("the journal administrator reads a lesson", await w.request("journal_admin", "GET", class_lesson), 200),
            ("the journal administrator cannot post a mark", await w.request("journal_admin", "POST", class_lesson, data=mark), 403),
            ("the director does not change the kinds of work",
             await w.request("director", "POST", f"/journal/settings/kinds/{v['jr_kind']}", data=kind), 403),
            ("a teacher does not change the kinds of work", await w.request("teacher", "POST", "/journal/settings/kinds", data=kind), 403),
            # 3.9: teachers fill the pages they teach, nobody else's
            ("a teacher reads their own lesson", await w.request("teacher", "GET", class_lesson), 200),
            ("a teacher cannot open another teacher's lesson", await w.request("teacher", "GET", math_lesson), 404),
            ("a teacher cannot fill another teacher's lesson", await w.request("teacher", "POST", math_lesson, data=topic), 404),
            ("a teacher cannot post a mark on another teacher's lesson",
             await w.request("teacher", "POST", math_lesson, data={f"new-{w.accounts['student']}": "2"}), 404),
            ("a teacher cannot read another teacher's cell history",
             await w.request("teacher", "GET", f"{math_lesson}/history?student={w.accounts['student']}"), 404),
            ("a subject teacher does not give absence reasons",
             await w.request("teacher", "POST", f"/journal/attendance/{v['jr_attendance']}/reason", data=reason), 403),
            # 3.8: the class teacher reads their class's lessons, gives its reasons, fills only what they teach
            ("the class teacher reads a lesson of their class", await w.request("class_teacher", "GET", class_lesson), 200),
            ("the class teacher cannot fill a lesson of their class they do not give",
             await w.request("class_teacher", "POST", class_lesson, data=mark), 404),
            ("the class teacher cannot open another class's lesson", await w.request("class_teacher", "GET", math_lesson), 404),
            ("the class teacher cannot open another class's absences", await w.request("class_teacher", "GET", other_class), 404),
            ("the class teacher cannot give a reason in another class",
             await w.request("class_teacher", "POST", f"/journal/attendance/{v['jr_other_attendance']}/reason", data=reason), 404),
            ("the class teacher cannot give reasons for another class's student",
             await w.request("class_teacher", "POST", other_class, data=bulk), 404),
            # 3.4, 4.7: families read marks in the diary; the journal's pages are not theirs
            ("a parent cannot open the journal", await w.request("parent", "GET", "/journal/lessons"), 403),
            ("a parent cannot open a lesson", await w.request("parent", "GET", class_lesson), 403),
            ("a parent cannot open a page's grid", await w.request("parent", "GET", grid), 403),
            ("a student cannot type into the grid", await w.request("student", "POST", cell, data=typed), 403),
            ("a student cannot open a lesson", await w.request("student", "GET", lesson), 403),
            ("a student cannot post a mark", await w.request("student", "POST", class_lesson, data=mark), 403),
            ("a parent cannot open a cell's history", await w.request("parent", "GET", f"{class_lesson}/history?student={v['ct_student']}"), 403),
            # the operator serves the installation, not a school's journal
            ("the operator does not read lessons", await w.request("operator", "GET", lesson), 403),
            ("the operator does not change the journal's settings", await w.request("operator", "POST", "/journal/settings/kinds", data=kind), 403),
            # nobody crosses schools
            ("another school's administrator cannot read this school's lesson", await w.request("admin-other", "GET", lesson), 404),
            ("another school's administrator cannot change this school's kind of work",
             await w.request("admin-other", "POST", f"/journal/settings/kinds/{v['jr_kind']}", data=kind), 404),
            ("another school's administrator cannot change this school's code",
             await w.request("admin-other", "POST", f"/journal/settings/codes/{v['jr_code']}", data={"name": "Чужой код"}), 404),
            ("another school's administrator cannot read this school's grid", await w.request("admin-other", "GET", grid), 404),
            ("another school's teacher cannot type into this school's grid",
             await w.request("stranger", "POST", cell, data=typed), 404),
            ("a teacher cannot type into a lesson of a page they do not hold",
             await w.request("teacher", "POST", f"/journal/lessons/{v['jr_math_lesson']}/cells/{v['jr_cell_student']}", data=typed), 404),
            ("another school's teacher cannot fill this school's lesson",
             await w.request("stranger", "POST", f"/journal/lessons/{v['jr_own_lesson']}", data=topic), 404),
            ("another school's teacher cannot decide about this school's lesson",
             await w.request("stranger", "POST", f"/journal/lessons/{v['jr_cancelled']}/decision", data={"decision": "discarded"}), 404),
        ]
    failures = [f"{what}: got {response.status_code}, expected {status}" for what, response, status in checks if response.status_code != status]
    assert not failures, "\n".join(failures)
    assert "Тема мира" in checks[0][1].text and "Заявление мира" in checks[2][1].text  # the readers saw the records


async def test_a_teacher_cannot_add_a_lesson_to_another_teachers_page(world, database_url):
    """The extra-lesson form names a page in its body: one the teacher does not teach is refused
    with a message, and no lesson appears on it."""
    page = world.structure.math_page
    response = await world.request("teacher", "POST", "/journal/lessons/extra", data={"page_id": page, "day": "2026-11-18", "number": "5"})
    assert response.status_code == 303 and response.headers["location"].startswith("/journal/lessons?week=")
    added = await fetch(database_url, "SELECT count(*) FROM journal_lesson WHERE subject_page_id = :page AND origin = 'extra'", page=page)
    assert added == [(0,)]


async def test_credentials_regulation_expectations(world, database_url):
    """Regulation 3.3, 4.4, 4.7: who hands out logins and passwords, to whom."""
    w, p = world, world.people
    class_5a_students = f"students:{w.structure.class_5a}"
    async with database_unchanged(database_url):
        checks = [
            # 3.3: staff get their credentials from the journal administrator, not from a class teacher
            ("a class teacher does not issue the staff's credentials",
             await w.request("class_teacher", "POST", "/people/credentials", data={"group": "staff", "user_ids": str(w.target)}), 422),
            # 4.7: parents get theirs from their child's class teacher: of the class they lead only
            ("a class teacher does not issue for a class they do not lead",
             await w.request("class_teacher", "POST", "/people/credentials", data={"group": class_5a_students, "user_ids": str(w.accounts["student"])}), 422),
            ("a class teacher cannot slip a parent of another class into their own class's protocol",
             await w.request("class_teacher", "POST", "/people/credentials",
                             data={"group": f"parents:{p['ct_class']}", "user_ids": [str(p["ct_parent"]), str(w.accounts["parent"])]}), 422),
            ("a teacher does not issue credentials", await w.request("teacher", "GET", "/people/credentials"), 403),
            ("the director does not issue credentials", await w.request("director", "POST", "/people/credentials",
                                                                         data={"group": class_5a_students, "user_ids": str(w.accounts["student"])}), 403),
            ("a parent does not issue credentials", await w.request("parent", "GET", "/people/credentials"), 403),
            ("the secretary keeps lists, not passwords", await w.request("secretary", "GET", "/people/credentials"), 403),
            ("another school's administrator cannot issue for this school's people",
             await w.request("admin-other", "POST", "/people/credentials", data={"group": class_5a_students, "user_ids": str(w.accounts["student"])}), 422),
        ]
    failures = [f"{what}: got {response.status_code}, expected {status}" for what, response, status in checks if response.status_code != status]
    assert not failures, "\n".join(failures)
    staff = await w.request("journal_admin", "GET", "/people/credentials?group=staff")
    assert staff.status_code == 200 and "Целевой Учитель Тестович" in staff.text  # the administrator issues the staff's
    for who, person in (("class_teacher", w.target), ("admin-other", w.target), ("class_teacher", w.accounts["parent"])):
        for variant in (person, person + 1, 2**31 - 1):
            probe = await w.request(who, "GET", f"/people/credentials?user={variant}")
            assert probe.status_code == 404, (who, variant)
            assert w.target_name not in probe.text and "Тестовый parent-home" not in probe.text

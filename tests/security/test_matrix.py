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

"""Object probes, CSRF on every state-changing route, and injection strings everywhere."""

from __future__ import annotations

from tests.security.matrix import MATRIX, fill
from tests.security.world import EVERY_ROLE, World
from tests.support.snapshot import database_unchanged

MAX_INT = 2**31 - 1
SQL_ERRORS = ("sqlite", "asyncpg", "psycopg", "syntax error", "sqlalchemy", "operationalerror", "traceback", "unterminated")


def id_variants(known: int, neighbour: int) -> dict[str, int | str]:
    return {
        "the object": known, "a swapped id": neighbour, "+1": known + 1, "-1": known - 1, "0": 0, "negative": -known,
        "past the integer range": MAX_INT + 1, "huge": "9" * 30, "missing": MAX_INT,
    }


def scrub(text: str, path: str) -> str:
    """The answer without the address it was asked at (pages echo their own path, e.g. in the
    language switch's return address): what is left must not depend on the object existing."""
    return text.replace(path, "PATH").replace(path.split("?", 1)[0], "PATH")


async def test_object_probes(world: World, tally, database_url):
    """People who must not reach an object get 403/404 for every id, the same answer whether the
    object exists or not, and none of its data."""
    user_routes = [(n, r) for n, r in MATRIX.items() if "{target}" in r.path]
    school_routes = [(n, r) for n, r in MATRIX.items() if "{home}" in r.path]
    # a student's diary pages: another family's child, of the home school (another class) or none
    diary_routes = [(n, r) for n, r in MATRIX.items() if "{student}" in r.path.split("?")[0]]
    other_child = world.people["ct_student"]
    # someone else's conversation and broadcast (the class teacher's; the ids around them are others' too)
    thread_routes = [(n, r) for n, r in MATRIX.items() if "{msg_thread}" in r.path]
    broadcast_routes = [(n, r) for n, r in MATRIX.items() if "{msg_broadcast}" in r.path]
    attachment_routes = [(n, r) for n, r in MATRIX.items() if "{msg_attachment}" in r.path]
    theirs = world.per_role["class_teacher"]
    # notices: one for the secretaries only; someone else's own notice (edit, save, withdraw, history); their files
    notice_routes = [(n, r) for n, r in MATRIX.items() if "{nb_notice}" in r.path]
    own_notice_routes = [(n, r) for n, r in MATRIX.items() if "{nb_own}" in r.path]
    notice_file_routes = [(n, r) for n, r in MATRIX.items() if "{nb_attachment}" in r.path]
    notices = world.notices
    probes = [
        # (prober, routes, object id, neighbour id, secrets of the object)
        ("admin-other", user_routes, world.target, world.neighbour, (world.target_name, "target")),
        ("teacher", user_routes, world.target, world.stranger, (world.target_name,)),
        ("parent", user_routes, world.target, world.stranger, (world.target_name,)),
        ("student", user_routes, world.target, world.stranger, (world.target_name,)),
        ("stranger", school_routes, world.home, world.third, ("Домашняя школа",)),
        ("parent", diary_routes, other_child, world.stranger, ("Руководимый",)),
        ("student", diary_routes, other_child, world.stranger, ("Руководимый",)),
        ("parent", thread_routes, theirs["msg_thread"], world.per_role["teacher"]["msg_thread"], ("Здравствуйте",)),
        ("deputy", thread_routes, theirs["msg_thread"], world.per_role["teacher"]["msg_thread"], ("Здравствуйте",)),
        ("stranger", thread_routes, theirs["msg_thread"], world.per_role["teacher"]["msg_thread"], ("Переписка мира",)),
        ("parent", broadcast_routes, theirs["msg_broadcast"], world.per_role["teacher"]["msg_broadcast"], ("Рассылка мира",)),
        ("student", broadcast_routes, theirs["msg_broadcast"], world.per_role["deputy"]["msg_broadcast"], ("Рассылка мира",)),
        ("parent", attachment_routes, theirs["msg_attachment"], world.per_role["teacher"]["msg_attachment"], ("%PDF",)),
        ("stranger", attachment_routes, theirs["msg_attachment"], world.per_role["teacher"]["msg_attachment"], ("%PDF",)),
        ("parent", notice_routes, notices["nb_private"], theirs["nb_own"], ("Секретное объявление",)),
        ("student", notice_routes, notices["nb_private"], theirs["nb_own"], ("Секретное объявление",)),
        ("stranger", notice_routes, notices["nb_notice"], notices["nb_private"], ("Объявление мира",)),
        # the journal administrator's own notice: the ids on either side are the director's and the engineer's
        ("teacher", own_notice_routes, world.per_role["journal_admin"]["nb_own"], world.per_role["deputy"]["nb_own"], ("Своё объявление",)),
        ("stranger", own_notice_routes, theirs["nb_own"], world.per_role["deputy"]["nb_own"], ("Своё объявление",)),
        ("parent", notice_file_routes, notices["nb_private_file"], notices["nb_private_file"] + 1, ("%PDF",)),
        ("stranger", notice_file_routes, notices["nb_attachment"], notices["nb_private_file"], ("%PDF",)),
    ]
    failures = []
    async with database_unchanged(database_url):
        for prober, routes, known, neighbour, secrets in probes:
            for name, row in routes:
                answers = {}
                for label, value in id_variants(known, neighbour).items():
                    role = prober if prober in EVERY_ROLE else "teacher"
                    path = row.path.replace("{target}", str(value)).replace("{home}", str(value)).replace("{student}", str(value))
                    for placeholder in ("{msg_thread}", "{msg_broadcast}", "{msg_attachment}", "{nb_notice}", "{nb_own}",
                                        "{nb_attachment}"):
                        path = path.replace(placeholder, str(value))
                    path = fill(path, world, role)
                    kwargs = {"data": fill(row.form, world, role)} if row.form is not None else {}
                    if row.json is not None:
                        kwargs["json"] = fill(row.json, world, role)
                    response = await world.request(prober, row.method, path, **kwargs)
                    tally["object probes"] += 1
                    answers[label] = (response.status_code, scrub(response.text, path))
                    if response.status_code not in (403, 404):
                        failures.append(f"{prober} {name} {label}: {response.status_code}")
                    leaked = [s for s in secrets if s in response.text]
                    if leaked:
                        tally["leaks"] += 1
                        failures.append(f"{prober} {name} {label}: body shows {leaked}")
                exists, missing = answers["the object"], answers["missing"]
                if exists != missing:
                    tally["leaks"] += 1
                    failures.append(f"{prober} {name}: the answer differs when the object exists")
    assert not failures, "\n".join(failures)


async def test_csrf_on_every_state_changing_route(world: World, tally, database_url):
    """Without a token, with another session's token, from a foreign origin: refused, nothing changed."""
    posts = [(n, r) for n, r in MATRIX.items() if r.method == "POST"]
    foreign_token = world.sessions["director"].csrf
    failures = []
    for name, row in posts:
        role = next(iter(sorted(row.allowed - {"director"})), "teacher")
        path = fill(row.path, world, role)
        kwargs = {"data": fill(row.form, world, role)} if row.form is not None else {"json": fill(row.json, world, role)}
        if row.files is not None:
            kwargs["files"] = row.files
        attempts = {
            "no token": {"csrf": None},
            "another session's token": {"csrf": foreign_token},
            "a foreign Origin": {"headers": {"Origin": "https://evil.example"}},
            "a foreign Referer": {"headers": {"Referer": "https://evil.example/page"}},
        }
        for label, extra in attempts.items():
            async with database_unchanged(database_url):
                response = await world.request(role, "POST", path, **extra, **kwargs)
            tally["CSRF attempts"] += 1
            if response.status_code != 403:
                tally["CSRF passes"] += 1
                failures.append(f"{name} as {role} with {label}: {response.status_code}")
    assert not failures, "\n".join(failures)


INJECTIONS = ["' OR '1'='1", "1; DROP TABLE user_account; --", "\" OR \"\"=\"", "1' UNION SELECT password_hash FROM user_account --",
              "%27%20OR%201=1", "\\'; SELECT pg_sleep(5); --", "admin'--", "1 AND 1=CAST((SELECT version()) AS int)"]


async def test_injection_strings_never_reach_the_database_as_sql(world: World, tally):
    """SQL-injection strings in path, query and headers: no 5xx, no database error text."""
    failures = []
    gets = [r for r in MATRIX.values() if r.method == "GET"]
    for payload in INJECTIONS:
        for row in gets:
            path = fill(row.path, world, "journal_admin").replace(str(world.target), payload).replace(str(world.home), payload)
            for response in (
                await world.request("journal_admin", "GET", path, params={"q": payload, "next": payload}),
                await world.request("journal_admin", "GET", fill(row.path, world, "journal_admin"),
                                    headers={"Accept-Language": payload, "X-Forwarded-For": payload, "HX-Target": payload,
                                             "User-Agent": payload, "HX-Request": "true"}),
            ):
                tally["injection requests"] += 1
                body = response.text.lower()
                if response.status_code >= 500 or any(marker in body for marker in SQL_ERRORS):
                    tally["injection errors"] += 1
                    failures.append(f"{row.path} with {payload!r}: {response.status_code}")
        login = await world.request("anonymous", "GET", "/login")
        assert login.status_code == 200
        response = await world.request("journal_admin", "POST", "/admin/users/new", data={
            "full_name": payload, "login": payload, "password": payload, "role": payload})
        tally["injection requests"] += 1
        if response.status_code >= 500:
            failures.append(f"account form with {payload!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


async def test_injection_strings_in_every_posted_field(world: World, tally):
    """Each field of every state-changing route's form (and JSON body) in turn holds each injection
    string, as a role allowed there: a clear answer, never a 5xx or database error text."""
    failures = []
    number = 0
    for name, row in MATRIX.items():
        if row.method != "POST":
            continue
        role = next(iter(sorted(row.allowed - {"director"})), "teacher")
        body_kind, body = ("data", row.form) if row.form is not None else ("json", row.json)
        filled = fill(body or {}, world, role)
        for field, payload in ((field, payload) for field in filled for payload in INJECTIONS):
            number += 1
            kwargs = {body_kind: {**filled, field: payload}}
            if row.files is not None:
                kwargs["files"] = row.files
            response = await world.request(role, "POST", fill(row.path, world, role), **kwargs)
            tally["injection requests"] += 1
            if response.status_code >= 500 or any(marker in response.text.lower() for marker in SQL_ERRORS):
                tally["injection errors"] += 1
                failures.append(f"{name} field {field} with {payload!r}: {response.status_code}")
    assert number > 2000, number  # the forms were filled
    assert not failures, "\n".join(failures)


async def test_structure_object_probes(world: World, tally, database_url):
    """Another school's journal administrator — who may edit a structure, just not this one —
    reaches none of this school's years, classes, groups, pages or assignments, whatever the id."""
    home = world.values("journal_admin")
    keys = [key for key, value in home.items() if isinstance(value, int) and key not in ("home", "target", "student")]
    failures = []
    async with database_unchanged(database_url):
        for name, row in MATRIX.items():
            for key in [key for key in keys if "{" + key + "}" in row.path]:
                answers = {}
                # Ids next to this one may be the prober's own school's objects: those it may reach.
                variants = {label: value for label, value in id_variants(home[key], 0).items()
                            if label not in ("a swapped id", "+1", "-1")}
                for label, value in variants.items():
                    path = row.path.format(**{**home, key: value})
                    kwargs = {"data": fill(row.form, world, "journal_admin")} if row.form is not None else {}
                    response = await world.request("admin-other", row.method, path, **kwargs)
                    tally["object probes"] += 1
                    answers[label] = (response.status_code, scrub(response.text, path))
                    if response.status_code not in (403, 404):
                        failures.append(f"{name} {key}={label}: {response.status_code}")
                    if world.target_name in response.text:
                        tally["leaks"] += 1
                        failures.append(f"{name} {key}={label}: body shows the class teacher's name")
                if answers["the object"] != answers["missing"]:
                    tally["leaks"] += 1
                    failures.append(f"{name} {key}: the answer differs when the object exists")
    assert not failures, "\n".join(failures)

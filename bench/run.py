"""zhurnal's benchmark: throughput of pages as ratios of a bare Litestar "hello" (B0), and SQL
statements per request.

    python bench/run.py [--seconds 5] [--connections 10]

Both servers run as subprocesses with the same uvicorn settings (one worker, no access log) on
free ports; the load comes from another process (wrk when installed, else bench/load.py). The
j_mark row saves marks for real (wrk with bench/mark.lua; else httpx clients in this process) and
checks the saved cells in the database afterwards. The demo school is created in a temporary
folder first. Ratios, not absolute numbers, are what to compare between runs and machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PAGES = [
    ("B0", "bare Litestar hello", None),
    ("healthz", "/healthz (routing, middleware, headers)", "/healthz"),
    ("static", "a static file (zhurnal.css)", "STATIC"),
    ("login", "/login, the anonymous page (layout, no query)", "/login"),
    ("B1", "/ signed in: session, roles, nav, widgets", "/"),
    ("classes", "/structure/classes: 25 classes, teachers, counts", "/structure/classes"),
    ("plan", "/structure/curriculum: 26 subjects x 11 levels", "/structure/curriculum"),
    ("pages", "/structure/pages: 335 subject pages, teachers", "/structure/pages"),
    ("load", "/structure/load: 40 teachers' load", "/structure/load"),
    ("students", "/people/students: the school's ~650 students", "/people/students"),
    ("class_card", "/people/classes/12: 5А with its families", "/people/classes/12"),
    ("movement", "/people/movement: the year's movement by class", "/people/movement"),
    ("occupancy", "/people/occupancy: 25 classes with totals", "/people/occupancy"),
    ("tt_day", "/timetable: the school's day, 25 classes", "/timetable"),
    ("tt_class", "/timetable/classes/12: 5А's week", "/timetable/classes/12"),
    ("tt_changes", "/timetable/changes: the day's changes and form", "/timetable/changes"),
    ("j_week", "/journal/lessons?page=…: 5А's page, a week", "JOURNAL_WEEK"),
    ("j_lesson", "/journal/lessons/…: a filled lesson of 5А", "JOURNAL_LESSON"),
    ("j_grid", "/journal/pages/…: 5А's quarter, its teacher", "JOURNAL_GRID"),
    ("j_mark", "POST …/cells/…: that teacher saves a mark", "JOURNAL_MARK"),
    ("d_week", "/diary/students/…: a parent's child's week", "DIARY_WEEK"),
    ("d_marks", "/diary/students/…/marks: the quarter's subjects", "DIARY_MARKS"),
    ("m_inbox", "/messaging/inbox: a parent's conversations", "/messaging/inbox"),
    ("m_badge", "/messaging/badge: the unread count, polled", "/messaging/badge"),
    ("n_board", "/noticeboard/board: a parent's notices", "/noticeboard/board"),
    ("n_badge", "/noticeboard/badge: the unread notices, polled", "/noticeboard/badge"),
]
SIGNED_IN = {"B1", "classes", "plan", "pages", "load", "students", "class_card", "movement", "occupancy", "tt_day", "tt_class",
             "tt_changes", "j_week", "j_lesson"}
AS_TEACHER = {"j_grid"}  # signed in as the grid page's teacher, who also saves the marks of j_mark
AS_PARENT = {"d_week", "d_marks", "m_inbox", "m_badge", "n_board", "n_badge"}  # signed in as the demo parent (two children), on the first child's diary
MARK_CELLS = 100  # cells the j_mark load toggles: ten times the requests in flight, each saved again and again


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(target: str, env: dict[str, str], factory: bool = False) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def sign_in(base: str, login: str = "admin") -> tuple[str, str]:
    """A demo account's session cookie, through the real login form, and its CSRF token."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/login").read().decode()
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form)[1]
    data = urllib.parse.urlencode({"login": login, "password": "zhurnal-demo", "_csrf_token": token}).encode()
    page = opener.open(base + "/login", data=data).read().decode()  # followed to the dashboard
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "zhurnal_session")
    return cookie, re.search(r'"x-csrftoken":\s*"([^"]+)"', page)[1]


def load(url: str, seconds: float, connections: int, cookie: str | None = None) -> float:
    """Requests per second for ``url``."""
    if shutil.which("wrk"):
        headers = ["-H", f"Cookie: {cookie}"] if cookie else []
        out = subprocess.run(
            ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", *headers, url], capture_output=True, text=True, check=True
        ).stdout
        if "Non-2xx" in out:
            raise SystemExit(f"{url} answered errors under load:\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), url, "--seconds", str(seconds), "--connections", str(connections),
         *(["--cookie", cookie] if cookie else [])],
        capture_output=True, text=True, check=True,
    ).stdout
    result = json.loads(out)
    if result["errors"]:
        raise SystemExit(f"{url} answered {result['errors']} errors under load")
    return result["rps"]


def prepare_demo(folder: Path, env: dict[str, str]) -> None:
    code = (
        "import asyncio\n"
        "from core.cli import load_platform, run_async\n"
        "from core.db import migrate\n"
        "from core import demo\n"
        "p = load_platform()\n"
        "async def go():\n"
        "    await migrate.upgrade(p)\n"
        "    await demo.seed(p)\n"
        "run_async(p, go)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def journal_paths(database: Path) -> dict[str, str]:
    """The demo's latest filled lesson of 5А (class 12) and its page's week; the grid of 5А's page
    with the most lessons in the quarter of that lesson, and that page's teacher: ids depend on the day."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        lesson, page, day = connection.execute(
            "SELECT l.id, l.subject_page_id, l.day FROM journal_lesson l JOIN subject_page p ON p.id = l.subject_page_id "
            "WHERE p.class_group_id = 12 AND l.topic != '' ORDER BY l.day DESC, l.number DESC LIMIT 1").fetchone()
        period, grid_page = connection.execute(
            "SELECT q.id, l.subject_page_id FROM study_period q JOIN journal_lesson l ON l.day BETWEEN q.starts_on AND q.ends_on "
            "JOIN subject_page p ON p.id = l.subject_page_id "
            "WHERE q.kind = 'quarter' AND ? BETWEEN q.starts_on AND q.ends_on AND p.class_group_id = 12 "
            "GROUP BY q.id, l.subject_page_id ORDER BY count(*) DESC, l.subject_page_id LIMIT 1", (day,)).fetchone()
        (teacher,) = connection.execute(
            "SELECT u.login FROM teaching_assignment t JOIN user_account u ON u.id = t.teacher_id WHERE t.subject_page_id = ? "
            "AND t.starts_on <= ? AND (t.ends_on IS NULL OR t.ends_on >= ?) ORDER BY t.id LIMIT 1",
            (grid_page, day, day)).fetchone()
        (child,) = connection.execute(
            "SELECT g.student_id FROM guardianship g JOIN user_account p ON p.id = g.guardian_id "
            "JOIN user_account s ON s.id = g.student_id WHERE p.login = 'parent' ORDER BY s.full_name, s.id LIMIT 1").fetchone()
    return {"JOURNAL_LESSON": f"/journal/lessons/{lesson}", "JOURNAL_WEEK": f"/journal/lessons?page={page}&week={day}",
            "JOURNAL_GRID": f"/journal/pages/{grid_page}?period={period}", "GRID_TEACHER": teacher,
            "DIARY_WEEK": f"/diary/students/{child}", "DIARY_MARKS": f"/diary/students/{child}/marks"}


# ---- j_mark: saving marks ------------------------------------------------------------------------


def mark_cells(database_url: str, login: str) -> list[Any]:
    """The teacher's empty cells of lessons they gave that take marks, latest first."""
    from bench.teachers import writable_cells

    return [cell for cell in asyncio.run(writable_cells(database_url, {login})).get(login, []) if cell.graded]


def mark_load(base: str, cells: list[Any], seconds: float, connections: int, cookie: str, token: str,
              folder: Path) -> tuple[float, Counter[str], dict[tuple[int, int], str]]:
    """Saves per second, answers by status, and each cell's last acknowledged text (cells whose
    save was in flight at the end or failed are left out)."""
    if not shutil.which("wrk"):
        return mark_load_httpx(base, cells, seconds, connections, cookie, token)
    listing, result = folder / "mark_cells.txt", folder / "mark_result.txt"
    listing.write_text("".join(f"{cell.lesson_id} {cell.student_id}\n" for cell in cells))
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "-s", str(ROOT / "bench" / "mark.lua"), base,
         "--", str(listing), cookie, token, str(result), "1"], capture_output=True, text=True, check=True).stdout
    statuses: Counter[str] = Counter()
    texts = {}
    for line in result.read_text().splitlines():
        kind, rest = line.split(" ", 1)
        if kind == "status":
            status, count = rest.rsplit(" ", 1)
            statuses[status] += int(count)
        else:
            lesson, student, *text = rest.split(" ")
            texts[(int(lesson), int(student))] = " ".join(text)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), statuses, texts


def mark_load_httpx(base: str, cells: list[Any], seconds: float, connections: int, cookie: str,
                    token: str) -> tuple[float, Counter[str], dict[tuple[int, int], str]]:
    """The same load without wrk: ``connections`` workers in this process, each with cells of its own."""
    import httpx

    from bench.teachers import Outcome, save

    outcome = Outcome()

    async def worker(client: httpx.AsyncClient, mine: list[Any], deadline: float) -> int:
        done = 0
        while time.monotonic() < deadline and (usable := [cell for cell in mine if not cell.uncertain]):
            cell = usable[done % len(usable)]
            await save(client, token, cell, "" if cell.text else "5", outcome)
            done += 1
        return done

    async def run() -> float:
        async with httpx.AsyncClient(base_url=base, timeout=30, headers={"Cookie": cookie}) as client:
            started = time.monotonic()
            done = await asyncio.gather(*(worker(client, cells[index::connections], started + seconds)
                                          for index in range(connections)))
            return sum(done) / (time.monotonic() - started)

    rps = asyncio.run(run())
    statuses = Counter({"200": len(outcome.latencies) - outcome.errors, **outcome.problems})
    return rps, statuses, {(c.lesson_id, c.student_id): c.text for c in cells if c.acknowledged and not c.uncertain}


def differing_cells(database_url: str, texts: dict[tuple[int, int], str]) -> int:
    """Cells whose stored attendance and marks are not the text the load last saw acknowledged."""
    from bench.teachers import Cell, stored_texts

    held = asyncio.run(stored_texts(database_url, [Cell(lesson, student, True) for lesson, student in texts]))
    return sum(1 for key, text in texts.items() if sorted(text.split()) != held.get(key, []))


def counted(statements: list[str]) -> int:
    """Statements, transaction control excluded."""
    return len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])


async def statements_per_request(env: dict[str, str], paths: list[str], writer: str, writer_paths: list[str],
                                 saves: list[tuple[str, str]], parent_paths: list[str]) -> dict[str, int]:
    """Count SQL statements each page runs, in-process, with a SQLAlchemy event; then, as the
    teacher ``writer``, those of ``writer_paths`` and of saves (path, value; each cell empty before);
    then, as the demo parent, those of ``parent_paths``."""
    from litestar.testing import AsyncTestClient
    from sqlalchemy import event

    from core.app import create_app
    from core.settings import Settings

    app = create_app(Settings.from_env(env))
    platform = app.state.platform
    counts: dict[str, int] = {}
    seen: list[str] = []
    event.listen(platform.db.engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    async with AsyncTestClient(app) as client:
        form = (await client.get("/login")).text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form)[1]
        await client.post("/login", data={"login": "admin", "password": "zhurnal-demo", "_csrf_token": token})
        for path in paths:
            await client.get(path)  # warm caches
            seen.clear()
            response = await client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts[path] = counted(seen)
        client.cookies.clear()
        form = (await client.get("/login")).text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form)[1]
        await client.post("/login", data={"login": writer, "password": "zhurnal-demo", "_csrf_token": token})
        page = (await client.get("/")).text
        headers = {"x-csrftoken": re.search(r'"x-csrftoken":\s*"([^"]+)"', page)[1], "HX-Request": "true"}
        for path in writer_paths:
            await client.get(path)
            seen.clear()
            response = await client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts[f"{path} as {writer}"] = counted(seen)
        for number, (path, value) in enumerate(saves):
            seen.clear()
            response = await client.post(path, data={"value": value, "was": ""}, headers=headers)
            assert response.status_code == 200, (path, response.status_code, response.text)
            if number:  # the first save warms caches
                counts[f"POST {path}"] = counted(seen)
        client.cookies.clear()
        form = (await client.get("/login")).text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form)[1]
        await client.post("/login", data={"login": "parent", "password": "zhurnal-demo", "_csrf_token": token})
        for path in parent_paths:
            await client.get(path)  # warm caches; the visit is written
            seen.clear()
            response = await client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts[f"{path} as parent"] = counted(seen)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()
    load_average = os.getloadavg()[0]  # the machine is shared: other work skews the figures

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZHURNAL_")}
        env.update(ZHURNAL_DATA_DIR=tmp, ZHURNAL_DATABASE_URL=f"sqlite:///{tmp}/bench.db", ZHURNAL_EVENT_DISPATCHER="off")
        env["PYTHONPATH"] = str(ROOT)
        prepare_demo(Path(tmp), env)
        placeholders = journal_paths(Path(tmp) / "bench.db")
        pages = [(key, title, placeholders.get(path or "", path)) for key, title, path in PAGES if key != "j_mark"]
        writer = placeholders["GRID_TEACHER"]
        cells = mark_cells(env["ZHURNAL_DATABASE_URL"], writer)
        counted_cells, cells = cells[:2], cells[2:2 + MARK_CELLS]

        results: dict[str, float] = {}
        with server("bench.hello_app:app", env) as base:
            results["B0"] = load(base + "/", args.seconds, args.connections)
        with server("core.app:create_app_from_env", env, factory=True) as base:
            page = urllib.request.urlopen(base + "/login").read().decode()
            static_url = re.search(r'href="(/static/[^"]+zhurnal.css)"', page)[1]
            cookie, _token = sign_in(base)
            teacher_cookie, teacher_token = sign_in(base, writer)
            parent_cookie, _token = sign_in(base, "parent")
            for key, _title, path in pages[1:]:
                url = base + (static_url if path == "STATIC" else path)
                results[key] = load(url, args.seconds, args.connections,
                                    teacher_cookie if key in AS_TEACHER else parent_cookie if key in AS_PARENT
                                    else cookie if key in SIGNED_IN else None)
            results["j_mark"], mark_answers, mark_texts = mark_load(base, cells, args.seconds, args.connections,
                                                                    teacher_cookie, teacher_token, Path(tmp))
        mark_differing = differing_cells(env["ZHURNAL_DATABASE_URL"], mark_texts)

        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        read_by_admin = [path for key, _t, path in pages if key in SIGNED_IN - {"B1"} | AS_TEACHER]
        read_by_teacher = [path for key, _t, path in pages if key in AS_TEACHER]
        read_by_parent = [path for key, _t, path in pages if key in AS_PARENT]
        statements = asyncio.run(statements_per_request(env, ["/healthz", "/readyz", "/login", "/", *read_by_admin], writer,
                                                        read_by_teacher, [(cell.path, "5") for cell in counted_cells],
                                                        read_by_parent))

    tool = "wrk" if shutil.which("wrk") else "bench/load.py"
    print(f"zhurnal bench: {args.connections} connections, {args.seconds:g} s per page, load by {tool}, SQLite; "
          f"machine load average {load_average:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"{'page':<10} {'what':<48} {'req/s':>9} {'of B0':>7}")
    for key, title, _path in PAGES:
        print(f"{key:<10} {title:<48} {results[key]:>9.0f} {results[key] / results['B0']:>7.3f}")
    print(f"SQL statements per request (signed in as the administrator, or as {writer}): "
          + ", ".join(f"{path} {count}" for path, count in statements.items()))
    answers = ", ".join(f"{status} ×{count}" for status, count in sorted(mark_answers.items()))
    print(f"j_mark: {writer} toggles {len(cells)} empty cells between \"\" and \"5\" (was = the cell's text); "
          f"answers: {answers}; {len(mark_texts)} cells checked in the database afterwards, {mark_differing} differ")


if __name__ == "__main__":
    main()

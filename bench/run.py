"""zhurnal's benchmark: throughput of pages as ratios of a bare Litestar "hello" (B0), and SQL
statements per request.

    python bench/run.py [--seconds 5] [--connections 10]

Both servers run as subprocesses with the same uvicorn settings (one worker, no access log) on
free ports; the load comes from another process (wrk when installed, else bench/load.py). The
demo school is created in a temporary folder first. Ratios, not absolute numbers, are what to
compare between runs and machines.
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
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
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
]
SIGNED_IN = {"B1", "classes", "plan", "pages", "load", "students", "class_card", "movement", "occupancy", "tt_day", "tt_class",
             "tt_changes", "j_week", "j_lesson"}


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


def sign_in(base: str) -> str:
    """The demo administrator's session cookie, through the real login form."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/login").read().decode()
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form)[1]
    data = urllib.parse.urlencode({"login": "admin", "password": "zhurnal-demo", "_csrf_token": token}).encode()
    opener.open(base + "/login", data=data)
    return "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "zhurnal_session")


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
    """The demo's latest filled lesson of 5А (class 12) and its page's week: ids depend on the day."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        lesson, page, day = connection.execute(
            "SELECT l.id, l.subject_page_id, l.day FROM journal_lesson l JOIN subject_page p ON p.id = l.subject_page_id "
            "WHERE p.class_group_id = 12 AND l.topic != '' ORDER BY l.day DESC, l.number DESC LIMIT 1").fetchone()
    return {"JOURNAL_LESSON": f"/journal/lessons/{lesson}", "JOURNAL_WEEK": f"/journal/lessons?page={page}&week={day}"}


async def statements_per_request(env: dict[str, str], paths: list[str]) -> dict[str, int]:
    """Count SQL statements each page runs, in-process, with a SQLAlchemy event."""
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
            counts[path] = len([s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZHURNAL_")}
        env.update(ZHURNAL_DATA_DIR=tmp, ZHURNAL_DATABASE_URL=f"sqlite:///{tmp}/bench.db", ZHURNAL_EVENT_DISPATCHER="off")
        env["PYTHONPATH"] = str(ROOT)
        prepare_demo(Path(tmp), env)
        placeholders = journal_paths(Path(tmp) / "bench.db")
        pages = [(key, title, placeholders.get(path or "", path)) for key, title, path in PAGES]

        results: dict[str, float] = {}
        with server("bench.hello_app:app", env) as base:
            results["B0"] = load(base + "/", args.seconds, args.connections)
        with server("core.app:create_app_from_env", env, factory=True) as base:
            page = urllib.request.urlopen(base + "/login").read().decode()
            static_url = re.search(r'href="(/static/[^"]+zhurnal.css)"', page)[1]
            cookie = sign_in(base)
            for key, _title, path in pages[1:]:
                url = base + (static_url if path == "STATIC" else path)
                results[key] = load(url, args.seconds, args.connections, cookie if key in SIGNED_IN else None)

        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        statements = asyncio.run(statements_per_request(env, ["/healthz", "/readyz", "/login", "/", *(path for key, _t, path in pages if key in SIGNED_IN - {"B1"})]))

    tool = "wrk" if shutil.which("wrk") else "bench/load.py"
    print(f"zhurnal bench: {args.connections} connections, {args.seconds:g} s per page, load by {tool}, SQLite")
    print(f"{'page':<10} {'what':<48} {'req/s':>9} {'of B0':>7}")
    for key, title, _path in PAGES:
        print(f"{key:<10} {title:<48} {results[key]:>9.0f} {results[key] / results['B0']:>7.2f}")
    print("SQL statements per request (signed in as the administrator): "
          + ", ".join(f"{path} {count}" for path, count in statements.items()))


if __name__ == "__main__":
    main()

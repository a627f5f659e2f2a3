"""Many teachers saving marks at once: each simulated teacher saves one cell of the journal grid
every 2 s, on SQLite (the embedded default, one process) and on PostgreSQL (production: two app
processes), then the database is checked for lost writes.

    python bench/teachers.py [--database sqlite|postgresql] [--teachers 60] [--seconds 60]

For each database the demo school is seeded into a fresh database (PostgreSQL: a new database
``zhurnal_bench_<pid>``, dropped at the end), `zhurnal serve` runs as production would
(``ZHURNAL_ENV=production``, events delivered by the app processes), and every simulated teacher
signs in through the login form with a distinct demo account while there are enough (the rest
double up, on cells of their own). Each writes only cells it may write (lessons it gave, up to
yesterday) whose stored text it knows: an empty cell gets a mark (or «Н» on pages without
marks, as in the first grade), a marked cell another mark. Reported: requests, latency, errors
(any answer but a 200 showing the new text) and lost writes (cells whose last acknowledged text
is not what the database holds afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import free_port, prepare_demo  # noqa: E402

PASSWORD = "zhurnal-demo"
MARKS = ("5", "4", "3", "2")
ABSENT = "Н"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
WORKERS = {"sqlite": 1, "postgresql": 2}
CSRF_IN_PAGE = re.compile(r'"x-csrftoken":\s*"([^"]+)"')
INPUT = re.compile(r"<input[^>]*>")
SHOWN = (re.compile(r'\sdata-was="([^"]*)"'), re.compile(r'\svalue="([^"]*)"'))


# ---- cells a teacher may write -------------------------------------------------------------------

@dataclass
class Cell:
    lesson_id: int
    student_id: int
    graded: bool  # the lesson's page takes marks; otherwise only attendance is written
    text: str = ""  # what the cell holds, as far as the simulator knows
    acknowledged: bool = False  # a save of it answered 200
    uncertain: bool = False  # a save of it failed: its text is unknown, it is not written again

    @property
    def path(self) -> str:
        return f"/journal/lessons/{self.lesson_id}/cells/{self.student_id}"

    def next_text(self, rng: random.Random) -> str:
        if not self.graded:
            return "" if self.text else ABSENT
        return rng.choice([mark for mark in MARKS if mark != self.text])


# Empty cells (no mark, no attendance) of active lessons before ``today``, with the lesson's teacher
# (who may write it: the page's teacher that day or the substitute). The roster follows the
# journal's: a class's enrollments, or a group's members enrolled in the school, on the lesson's day.
# A page takes marks when it has some (the demo's «без отметок» rules hold for whole years).
WRITABLE_CELLS = """
WITH graded_page AS (
    SELECT DISTINCT l.subject_page_id FROM journal_grade g JOIN journal_lesson l ON l.id = g.lesson_id
),
roster AS (
    SELECT l.id AS lesson_id, e.student_id
    FROM journal_lesson l
    JOIN subject_page p ON p.id = l.subject_page_id
    JOIN enrollment e ON e.class_group_id = p.class_group_id
        AND e.starts_on <= l.day AND (e.ends_on IS NULL OR e.ends_on >= l.day)
    WHERE l.state = 'active' AND l.day < :today AND l.teacher_id IS NOT NULL
    UNION
    SELECT l.id, m.student_id
    FROM journal_lesson l
    JOIN subject_page p ON p.id = l.subject_page_id
    JOIN study_group_member m ON m.study_group_id = p.study_group_id
        AND m.starts_on <= l.day AND (m.ends_on IS NULL OR m.ends_on >= l.day)
    WHERE l.state = 'active' AND l.day < :today AND l.teacher_id IS NOT NULL
        AND EXISTS (SELECT 1 FROM enrollment e WHERE e.student_id = m.student_id AND e.school_id = l.school_id
                    AND e.starts_on <= l.day AND (e.ends_on IS NULL OR e.ends_on >= l.day))
)
SELECT u.login, r.lesson_id, r.student_id, l.subject_page_id IN (SELECT subject_page_id FROM graded_page) AS graded
FROM roster r
JOIN journal_lesson l ON l.id = r.lesson_id
JOIN user_account u ON u.id = l.teacher_id
WHERE u.password_hash IS NOT NULL AND NOT u.is_blocked
    AND EXISTS (SELECT 1 FROM role_grant g WHERE g.user_id = u.id AND g.role IN ('teacher', 'class_teacher'))
    AND NOT EXISTS (SELECT 1 FROM journal_grade g WHERE g.lesson_id = r.lesson_id AND g.student_id = r.student_id)
    AND NOT EXISTS (SELECT 1 FROM journal_attendance a WHERE a.lesson_id = r.lesson_id AND a.student_id = r.student_id)
ORDER BY u.login, l.day DESC, l.id, r.student_id
"""


async def writable_cells(database_url: str, logins: set[str] | None = None) -> dict[str, list[Cell]]:
    """Each teacher's empty writable cells, latest lessons first (``logins``: only these teachers)."""
    from sqlalchemy import Date, bindparam, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from core.settings import normalize_database_url

    query = text(WRITABLE_CELLS).bindparams(bindparam("today", type_=Date))
    engine = create_async_engine(normalize_database_url(database_url))
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(query, {"today": date.today()})).all()
    finally:
        await engine.dispose()
    cells: dict[str, list[Cell]] = defaultdict(list)
    for login, lesson_id, student_id, graded in rows:
        if logins is None or login in logins:
            cells[login].append(Cell(lesson_id, student_id, bool(graded)))
    return dict(cells)


async def stored_texts(database_url: str, cells: list[Cell]) -> dict[tuple[int, int], list[str]]:
    """What the database holds in each cell: its attendance code and marks (sorted)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from core.settings import normalize_database_url

    lessons = sorted({cell.lesson_id for cell in cells}) or [0]
    held: dict[tuple[int, int], list[str]] = defaultdict(list)
    engine = create_async_engine(normalize_database_url(database_url))
    try:
        async with engine.connect() as connection:
            for table, column in (("journal_grade", "mark"), ("journal_attendance", "code")):
                for start in range(0, len(lessons), 500):
                    rows = await connection.execute(
                        text(f"SELECT lesson_id, student_id, {column} FROM {table} WHERE lesson_id IN "
                             f"({', '.join(str(int(lesson)) for lesson in lessons[start:start + 500])})"))
                    for lesson_id, student_id, value in rows:
                        held[(lesson_id, student_id)].append(value)
    finally:
        await engine.dispose()
    return {key: sorted(values) for key, values in held.items()}


def count_lost(cells: list[Cell], held: dict[tuple[int, int], list[str]]) -> int:
    """Cells whose last acknowledged text is not what the database holds."""
    return sum(1 for cell in cells if cell.acknowledged and not cell.uncertain
               and sorted(cell.text.split()) != held.get((cell.lesson_id, cell.student_id), []))


# ---- simulated teachers --------------------------------------------------------------------------

@dataclass
class SimulatedTeacher:
    login: str
    cells: list[Cell]
    rng: random.Random
    written: int = 0

    def next_cell(self) -> Cell | None:
        """A fresh cell while there are any, then the same ones again (never one whose state is unknown)."""
        usable = [cell for cell in self.cells if not cell.uncertain]
        if not usable:
            return None
        cell = usable[self.written % len(usable)]
        self.written += 1
        return cell


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)  # status or exception -> count
    saved: Counter[str] = field(default_factory=Counter)  # "mark", "absence", "cleared" -> count

    @property
    def errors(self) -> int:
        return sum(self.problems.values())


def cast_teachers(cells: dict[str, list[Cell]], count: int, writes_each: int, seed: int = 2026) -> list[SimulatedTeacher]:
    """``count`` simulated teachers on distinct accounts as far as they go (those with the most
    cells first), then doubling accounts; those sharing an account share its cells out."""
    accounts = sorted(cells, key=lambda login: (-len(cells[login]), login))
    if not accounts:
        raise SystemExit("no teacher has a writable cell in the demo data")
    logins = [accounts[index % len(accounts)] for index in range(count)]
    sharing = Counter(logins)
    seen: Counter[str] = Counter()
    teachers = []
    for login in logins:
        share = cells[login][seen[login]::sharing[login]][:writes_each]
        seen[login] += 1
        teachers.append(SimulatedTeacher(login, share, random.Random(f"{seed}:{login}:{seen[login]}")))
    return teachers


async def sign_in(client: httpx.AsyncClient, login: str) -> str:
    """Sign in through the login form; returns the session's CSRF token (from a page's hx-headers)."""
    form = (await client.get("/login")).text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form)[1]  # type: ignore[index]
    answer = await client.post("/login", data={"login": login, "password": PASSWORD, "_csrf_token": token})
    page = await client.get("/")
    found = CSRF_IN_PAGE.search(page.text)
    if answer.status_code >= 400 or page.status_code != 200 or found is None:
        raise SystemExit(f"{login} could not sign in ({answer.status_code}, then {page.status_code})")
    return found[1]


async def save(client: httpx.AsyncClient, token: str, cell: Cell, value: str, outcome: Outcome) -> None:
    """One save as htmx sends it; the cell's known text follows only a 200 that shows the value."""
    headers = {"x-csrftoken": token, "HX-Request": "true", "HX-Target": f"journal-cell-{cell.lesson_id}-{cell.student_id}"}
    started = time.perf_counter()
    try:
        response = await client.post(cell.path, data={"value": value, "was": cell.text}, headers=headers)
    except Exception as error:  # a timeout or a dropped connection: the save may or may not have landed
        outcome.problems[type(error).__name__] += 1
        cell.uncertain = True
        return
    outcome.latencies.append(time.perf_counter() - started)
    shown = shown_text(response.text, cell)
    if response.status_code != 200:
        outcome.problems[str(response.status_code)] += 1
        cell.uncertain = True
    elif shown != value:
        outcome.problems["200 without the new text"] += 1
        cell.uncertain = True
    else:
        cell.text, cell.acknowledged = value, True
        outcome.saved["absence" if value == ABSENT else "mark" if value else "cleared"] += 1


def shown_text(body: str, cell: Cell) -> str | None:
    """The text the answer shows in the cell: `<td id="journal-cell-L-S" ...><input ... value="...">`
    (no value when empty; `data-was` first when the input carries it); None without the cell."""
    at = body.find(f'id="journal-cell-{cell.lesson_id}-{cell.student_id}"')
    field = INPUT.search(body, at) if at >= 0 else None
    if field is None:
        return None
    shown = next((found for pattern in SHOWN if (found := pattern.search(field[0]))), None)
    return html.unescape(shown[1]) if shown else ""


async def teacher_loop(client: httpx.AsyncClient, token: str, teacher: SimulatedTeacher, start: float, seconds: float,
                       interval: float, outcome: Outcome) -> None:
    """A save every ``interval`` seconds from a random offset; one at a time, as a person types."""
    due = start + teacher.rng.uniform(0, interval)
    while due < start + seconds:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        cell = teacher.next_cell()
        if cell is None:
            outcome.problems["no cell left"] += 1
            return
        await save(client, token, cell, cell.next_text(teacher.rng), outcome)
        due += interval


async def simulate(base: str, teachers: list[SimulatedTeacher], seconds: float, interval: float) -> tuple[Outcome, float]:
    outcome = Outcome()
    clients = {login: httpx.AsyncClient(base_url=base, timeout=30) for login in {t.login for t in teachers}}
    try:
        gate = asyncio.Semaphore(4)  # sign-ins hash passwords: a few at a time

        async def signed_in(login: str) -> tuple[str, str]:
            async with gate:
                return login, await sign_in(clients[login], login)

        tokens = dict(await asyncio.gather(*(signed_in(login) for login in clients)))
        start = time.monotonic()
        await asyncio.gather(*(teacher_loop(clients[t.login], tokens[t.login], t, start, seconds, interval, outcome)
                               for t in teachers))
        elapsed = time.monotonic() - start
    finally:
        await asyncio.gather(*(client.aclose() for client in clients.values()))
    return outcome, elapsed


# ---- databases and the server --------------------------------------------------------------------

@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a fresh database: a SQLite file in ``folder`` or a new PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/bench.db"
        return
    name = f"zhurnal_bench_{os.getpid()}"
    postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_admin(statement: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(f"{PG_SERVER}/postgres")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def production_env(folder: Path, database_url: str, workers: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ZHURNAL_")}
    env.update(ZHURNAL_ENV="production", ZHURNAL_SECRET_KEY=secrets.token_urlsafe(48), ZHURNAL_DATA_DIR=str(folder),
               ZHURNAL_DATABASE_URL=database_url, ZHURNAL_HOST="127.0.0.1", ZHURNAL_PORT=str(free_port()),
               ZHURNAL_WORKERS=str(workers), PYTHONPATH=str(ROOT))
    return env


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """`zhurnal serve` with ``env``; its own process group, so its workers stop with it."""
    command = [shutil.which("zhurnal", path=str(Path(sys.executable).parent)) or "zhurnal", "serve"]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{env['ZHURNAL_PORT']}"
    try:
        wait_until_ready(base, process, log)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"zhurnal serve stopped:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            urllib.request.urlopen(base + "/readyz", timeout=2)
            time.sleep(1)  # let every worker process finish its start-up
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"zhurnal serve did not become ready:\n{log.read_text(errors='replace')[-3000:]}")


# ---- one run -------------------------------------------------------------------------------------

@dataclass
class Report:
    kind: str
    workers: int
    accounts: int
    doubled: list[str]
    requests: int
    elapsed: float
    outcome: Outcome
    lost: int
    checked: int
    load: tuple[float, float]  # the machine's 1-minute load average before and after the saves

    def line(self) -> str:
        latencies = sorted(self.outcome.latencies) or [0.0]

        def ms(fraction: float) -> float:
            return 1000 * latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]

        return (f"{self.kind:<11} {self.workers:>7} {self.requests:>8} {self.requests / self.elapsed:>6.1f} "
                f"{ms(0.50):>7.0f} {ms(0.95):>7.0f} {1000 * latencies[-1]:>7.0f} {self.outcome.errors:>6} {self.lost:>5}")


def run_database(kind: str, teachers_count: int, seconds: float, interval: float) -> Report:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        env = production_env(Path(tmp), url, WORKERS[kind])
        print(f"{kind}: seeding the demo school ...", file=sys.stderr, flush=True)
        prepare_demo(Path(tmp), env)
        writes_each = int(seconds / interval) + 1
        teachers = cast_teachers(asyncio.run(writable_cells(url)), teachers_count, writes_each)
        print(f"{kind}: {len(teachers)} teachers save for {seconds:g} s ...", file=sys.stderr, flush=True)
        with serving(env, Path(tmp) / "serve.log") as base:
            load_before = os.getloadavg()[0]
            outcome, elapsed = asyncio.run(simulate(base, teachers, seconds, interval))
            load = (load_before, os.getloadavg()[0])
        cells = [cell for teacher in teachers for cell in teacher.cells]
        lost = count_lost(cells, asyncio.run(stored_texts(url, cells)))
    logins = Counter(teacher.login for teacher in teachers)
    return Report(kind, WORKERS[kind], len(logins), sorted(login for login, n in logins.items() if n > 1),
                  sum(teacher.written for teacher in teachers), elapsed, outcome, lost,
                  sum(1 for cell in cells if cell.acknowledged and not cell.uncertain), load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--teachers", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=2, help="seconds between one teacher's saves")
    args = parser.parse_args()

    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    reports = [run_database(kind, args.teachers, args.seconds, args.interval) for kind in kinds]

    print(f"zhurnal teachers: {args.teachers} simulated teachers, a mark every {args.interval:g} s each for {args.seconds:g} s")
    print(f"{'database':<11} {'workers':>7} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
          f"{'errors':>6} {'lost':>5}")
    for report in reports:
        print(report.line())
    for report in reports:
        doubled = f"; doubled: {', '.join(report.doubled)}" if report.doubled else ""
        problems = ", ".join(f"{what} ×{n}" for what, n in report.outcome.problems.most_common()) or "none"
        saved = ", ".join(f"{what} ×{n}" for what, n in report.outcome.saved.most_common())
        print(f"{report.kind}: {report.accounts} distinct teacher accounts{doubled}; saved: {saved}; errors: {problems}; "
              f"{report.checked} cells checked after the run, {report.lost} lost; "
              f"machine load average {report.load[0]:.1f} before, {report.load[1]:.1f} after")


if __name__ == "__main__":
    main()

"""The ``zhurnal`` command as a person runs it: in a subprocess, in a fresh folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
COMMANDS = [
    [], ["serve"], ["demo"], ["db"], ["db", "upgrade"], ["db", "downgrade"], ["db", "current"], ["db", "check"],
    ["db", "forget"], ["db", "revision"], ["plugins"], ["worker"], ["events"], ["testplugin"], ["testplugin", "count-notes"],
    ["audit"], ["audit", "seal"], ["audit", "verify"], ["audit", "heads"],
]


def zhurnal(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from core.cli import main; main()", *args],
        cwd=cwd, env=cli_env(env), capture_output=True, text=True, timeout=timeout,
    )


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHURNAL_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests" / "site")])
    env.update(extra or {})
    return env


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "zhurnal")
def test_every_command_has_help(command, tmp_path):
    result = zhurnal(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["db", "current"], {"ZHURNAL_PORT": "http"}, "zhurnal: error: ZHURNAL_PORT must be a whole number from 1 to 65535, got 'http'"),
        (["plugins"], {"ZHURNAL_PLUGINS": "jurnal"}, "zhurnal: error: ZHURNAL_PLUGINS names 'jurnal', which is not installed"),
        (["db", "current"], {"ZHURNAL_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}, "zhurnal: error: cannot reach the database"),
        (["db", "forget", "core"], {}, "zhurnal: error: core's migrations cannot be forgotten"),
        (["testplugin", "count-notes"], {"ZHURNAL_WORKERS": "many"}, "zhurnal: error: ZHURNAL_WORKERS must be a whole number"),
        (["serve"], {"ZHURNAL_ENV": "production"}, "zhurnal: error: ZHURNAL_SECRET_KEY is required when ZHURNAL_ENV=production"),
    ],
)
def test_errors_are_one_line_without_a_traceback(args, env, message, tmp_path):
    result = zhurnal(*args, cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_plugins_lists_enabled_and_blocked(tmp_path):
    result = zhurnal("plugins", cwd=tmp_path, env={"ZHURNAL_PLUGINS": "testplugin"})
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert lines["testplugin"][1:3] == ["enabled", "1.0"]
    assert lines["testdependent"][1] == "blocked"


def test_db_commands_on_a_new_embedded_database(tmp_path):
    assert "needs upgrade" in zhurnal("db", "current", cwd=tmp_path).stdout
    assert zhurnal("db", "check", cwd=tmp_path).returncode == 1
    upgraded = zhurnal("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0 and "Database is up to date." in upgraded.stdout
    assert (tmp_path / "var" / "zhurnal.db").exists()
    assert zhurnal("db", "check", cwd=tmp_path).returncode == 0
    current = zhurnal("db", "current", cwd=tmp_path, env={"ZHURNAL_PLUGINS": "none"}).stdout
    assert "testplugin_0001" in current and "plugin not enabled" in current
    assert any(line.split()[:1] == ["core"] and line.endswith("up to date") for line in current.splitlines())
    assert "notes: 0" in zhurnal("testplugin", "count-notes", cwd=tmp_path).stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_demo(tmp_path: Path, port: int) -> tuple[subprocess.Popen[str], float, str]:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", "from core.cli import main; main()", "demo", "--port", str(port)],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = started + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return process, time.monotonic() - started, response.read().decode()
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"zhurnal demo did not answer: {process.communicate()[0]}")


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    return process.communicate(timeout=30)[0]


def test_demo_creates_its_database_once_and_answers(tmp_path):
    port = free_port()
    process, first_start, page = start_demo(tmp_path, port)
    output = stop(process)
    assert "<h1>Вход в электронный журнал</h1>" in page  # anonymous visitors start at the login page
    assert "seeding core" in output and "seeding testplugin" in output
    assert "admin          journal_admin" in output and "password 'zhurnal-demo'" in output
    assert (tmp_path / "var" / "demo.db").exists()
    assert first_start < 60

    process, second_start, page = start_demo(tmp_path, port)
    output = stop(process)
    assert "seeding" not in output  # the data is there already
    assert second_start < 5
    assert "Вход в электронный журнал" in page
    audit_verify_passes_on_the_demo_and_fails_after_an_edit_by_hand(tmp_path)


def audit_verify_passes_on_the_demo_and_fails_after_an_edit_by_hand(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "var" / "demo.db"
    env = {"ZHURNAL_DATABASE_URL": f"sqlite:///{database}", "ZHURNAL_DATA_DIR": str(tmp_path / "var")}
    intact = zhurnal("audit", "verify", cwd=tmp_path, env=env)
    assert intact.returncode == 0, intact.stderr
    assert "The audit log is intact." in intact.stdout and " 0 not sealed yet" in intact.stdout
    heads = zhurnal("audit", "heads", "--output", "heads.json", cwd=tmp_path, env=env)
    assert heads.returncode == 0 and (tmp_path / "heads.json").exists()
    with sqlite3.connect(database) as connection:  # as someone with the database file would
        connection.execute("DROP TRIGGER audit_record_no_update")
        changed = connection.execute("UPDATE audit_record SET details = '{\"new\": \"5\"}' WHERE id = (SELECT max(id) "
                                     "FROM audit_record WHERE action LIKE 'journal.%')").rowcount
    assert changed == 1
    tampered = zhurnal("audit", "verify", "--heads", "heads.json", cwd=tmp_path, env=env)
    assert tampered.returncode != 0
    assert "a record was changed" in tampered.stderr and "tampered with" in tampered.stderr

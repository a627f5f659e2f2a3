"""End-to-end fixtures: a real server (``zhurnal demo`` in a subprocess) and Debian's Chromium
driven by Playwright. Without Chromium the browser tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import pytest

ROOT = Path(__file__).parents[2]
CHROMIUM = os.environ.get("ZHURNAL_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
OUTPUT = ROOT / "test-output"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SERVER: dict[str, Any] = {}  # the live server's "folder" and "env", for a test that runs the CLI beside it


def require_chromium() -> None:
    """Skip without Chromium on a developer's machine; under CI=true a missing browser fails."""
    if Path(CHROMIUM).exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``zhurnal demo`` with the test plugins, on a free port, in a folder of its own."""
    folder = tmp_path_factory.mktemp("live")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHURNAL_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests" / "site")])
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", "from core.cli import main; main()", "demo", "--port", str(port)],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    SERVER.update(folder=folder, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    else:
        process.kill()
    if process.poll() is not None:
        pytest.fail("the test server did not start:\n" + (folder / "server.log").read_text())
    yield base
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        await instance.close()


class ConsoleWatch:
    """Console errors, page errors (CSP violations are console errors in Chromium) and failed
    page resources. Chromium also logs each 4xx answer as "Failed to load resource"; those are
    left to the tests, which expect their 404s and 422s, while a missing stylesheet, script,
    image or font is an error here."""

    RESOURCES = ("stylesheet", "script", "image", "font")

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource: the server responded"):
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.request.resource_type in self.RESOURCES and response.status >= 400:
            self.errors.append(f"{response.status} for {response.url}")


@pytest.fixture
async def page(browser: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport=DESKTOP, locale="ru-RU")
    tab = await context.new_page()
    watch = ConsoleWatch()
    watch.attach(tab)
    tab.console_watch = watch
    yield tab
    await context.close()
    if not request.node.get_closest_marker("console_errors_expected"):
        assert watch.errors == [], f"console errors: {watch.errors}"


async def screenshots(page: Any, request: pytest.FixtureRequest, name: str) -> list[Path]:
    """Save the page at desktop width and at 375 px under test-output/<test>/."""
    folder = OUTPUT / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(size)
        path = folder / f"{name}-{label}.png"
        await page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    await page.set_viewport_size(DESKTOP)
    return saved


DEMO_PASSWORD = "zhurnal-demo"


async def sign_in(page: Any, base: str, login: str, password: str = DEMO_PASSWORD) -> None:
    """Through the login form, as a person would."""
    await page.goto(f"{base}/login")
    await page.get_by_label("Логин").fill(login)
    await page.get_by_label("Пароль").fill(password)
    await page.get_by_role("button", name="Войти").click()
    await page.wait_for_url(f"{base}/")

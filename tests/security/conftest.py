"""The security battery's fixtures and its tally, printed at the end of the CI run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from core.settings import SecuritySettings

from tests.security.world import World

TALLY: Counter[str] = Counter()
REPORT = Path(__file__).parents[2] / "test-output" / "battery.json"


@pytest.fixture
async def world(make_client: Any, database_url: str) -> AsyncIterator[World]:
    # Every battery request comes from one test address and fails password checks on purpose (the
    # injections into the login and password forms): the limits would soon lock the world's roles.
    # Sessions must not go idle while a long battery leaves a role unused either.
    security = SecuritySettings(address_limit=100000, lock_after=100, idle_minutes=1440)
    async with make_client(plugins=None, security=security) as client:
        yield await World(client, database_url).build()


@pytest.fixture
def tally() -> Counter[str]:
    return TALLY


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write what the battery checked; .ci/run prints it as the run's last screen."""
    if TALLY:
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(json.dumps(dict(sorted(TALLY.items())), indent=1, ensure_ascii=False))

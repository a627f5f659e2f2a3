"""The security battery's fixtures and its tally, printed at the end of the CI run."""

from __future__ import annotations

from collections import Counter
from typing import Any, AsyncIterator

import pytest

from core.settings import SecuritySettings

from tests.security.world import World
from tests.support.battery import TALLY  # written at the session's end by tests/conftest.py


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

"""The notice board's tests speak Russian, as its pages will: ``_`` answers what a page shows."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

import plugins.noticeboard
from core import i18n


@lru_cache(maxsize=1)
def catalogs() -> dict:
    return i18n.load_translations([i18n.CORE_CATALOGS, Path(plugins.noticeboard.__file__).parent / "i18n"])


@pytest.fixture(autouse=True)
def in_russian():
    i18n.activate(catalogs(), "ru")
    yield
    i18n.activate({}, "ru")

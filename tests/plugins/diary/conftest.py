"""The diary's tests speak Russian, as its pages do: ``_`` answers what a page shows."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

import plugins.diary
import plugins.journal
from core import i18n
from tests.plugins.journal.test_journal_hooks import world as journal_world

# The journal's hook world (5А with Аня, Борис, Вера, their parents, a week of marks and absences).
world = journal_world


@lru_cache(maxsize=1)
def catalogs() -> dict:
    return i18n.load_translations([i18n.CORE_CATALOGS, Path(plugins.diary.__file__).parent / "i18n",
                                   Path(plugins.journal.__file__).parent / "i18n"])


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The school's today is the journal world's Friday, wherever the diary and the journal ask."""
    import core.web.structure.common
    from plugins.diary import feeds, web
    from plugins.journal import diary as journal_diary
    from tests.plugins.journal.test_journal_hooks import TODAY

    for module in (journal_diary, core.web.structure.common, feeds, web):
        monkeypatch.setattr(module, "school_today", lambda timezone: TODAY)


@pytest.fixture(autouse=True)
def in_russian():
    i18n.activate(catalogs(), "ru")
    yield
    i18n.activate({}, "ru")

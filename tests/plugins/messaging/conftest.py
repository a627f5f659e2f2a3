"""The mail's tests speak Russian, as its pages do; the school is the journal's hook world (5А with
Аня, Борис, Вера, their parents, the class teacher, a week of marks and absences)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

import plugins.journal
import plugins.messaging
from core import i18n
from tests.plugins.journal.test_journal_hooks import world as journal_world

world = journal_world


@lru_cache(maxsize=1)
def catalogs() -> dict:
    return i18n.load_translations([i18n.CORE_CATALOGS, Path(plugins.messaging.__file__).parent / "i18n",
                                   Path(plugins.journal.__file__).parent / "i18n"])


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The school's today is the journal world's Friday, for the mail and the journal's groups."""
    from plugins.journal import recipients
    from plugins.messaging import web
    from tests.plugins.journal.test_journal_hooks import TODAY

    for module in (recipients, web):
        monkeypatch.setattr(module, "school_today", lambda timezone: TODAY)


@pytest.fixture(autouse=True)
def in_russian():
    i18n.activate(catalogs(), "ru")
    yield
    i18n.activate({}, "ru")

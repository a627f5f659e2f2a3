"""A second test plugin that requires ``testplugin``: proves dependency checks and ordering."""

from __future__ import annotations

from typing import Any

from core import hookimpl

title = "Зависимый тестовый модуль"
requires = ("testplugin",)


@hookimpl
def seed_demo_data(platform: Any, session: Any, school: Any, rng: Any) -> None:
    # Runs after testplugin's seed_demo_data, because it requires testplugin.
    platform.state["testdependent.saw_testplugin_seeded"] = platform.state.get("testplugin.seeded", False)

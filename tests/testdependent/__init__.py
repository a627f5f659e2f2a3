"""A second test plugin that requires ``testplugin``: proves dependency checks and ordering."""

from __future__ import annotations

from typing import Any

from core import hookimpl

title = "Зависимый тестовый модуль"
requires = ("testplugin",)


@hookimpl
def seed_demo_data(platform: Any, session: Any, school: Any, rng: Any) -> None:
    platform.state.setdefault("testdependent.seeded_after", []).append(sorted(platform.state.get("seeded", [])))

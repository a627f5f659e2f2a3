"""Demo data: a school seeded by core, then every enabled plugin's ``seed_demo_data``.

Deterministic for a seed: each owner gets its own ``random.Random`` seeded from the demo seed
and its name, so adding a plugin never changes another's data. Everything is written in one
transaction: an interrupted run leaves nothing, and the next run starts again.
"""

from __future__ import annotations

import random
from typing import Callable

from sqlalchemy import func, select

from core.plugins.calling import implementations, invoke, resolve
from core.platform import Platform
from core.school.models import School
from core.school.services import SchoolService

DEFAULT_SEED = 2026
DEMO_SCHOOL = {
    "name": "Муниципальное автономное общеобразовательное учреждение средняя общеобразовательная школа № 20",
    "short_name": "МАОУ СОШ № 20",
    "timezone": "Asia/Yekaterinburg",
}

Progress = Callable[[str], None]


def owner_rng(seed: int, owner: str) -> random.Random:
    return random.Random(f"{seed}:{owner}")


async def has_demo_data(platform: Platform) -> bool:
    async with platform.db.reading() as session:
        return bool(await session.scalar(select(func.count()).select_from(School)))


async def seed(platform: Platform, seed: int = DEFAULT_SEED, progress: Progress = lambda step: None) -> School:
    """Seed the demo school and every enabled plugin's data; returns the school."""
    async with platform.db.writing() as session:
        progress("core")
        school = await SchoolService(session).create(**DEMO_SCHOOL)
        for impl in implementations(platform.hook.seed_demo_data):
            progress(impl.plugin_name)
            rng = owner_rng(seed, impl.plugin_name)
            await resolve(invoke(impl, platform=platform, session=session, school=school, rng=rng))
            await session.flush()
    return school

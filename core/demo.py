"""Demo data: a school seeded by core, then every enabled plugin's ``seed_demo_data``.

Deterministic for a seed: each owner gets its own ``random.Random`` seeded from the demo seed
and its name, so adding a plugin never changes another's data. Everything is written in one
transaction: an interrupted run leaves nothing, and the next run starts again.
"""

from __future__ import annotations

import random
from typing import Any, Callable

from sqlalchemy import func, select

from core.audit.chain import seal_pending

from core.plugins.calling import implementations, invoke, resolve
from core.platform import Platform
from core.school.models import School
from core.school.services import SchoolService
from core.structure.common import school_today
from core.structure.demo import seed_structure
from core.people.demo import seed_people
from core.timetable.demo import seed_timetable

DEFAULT_SEED = 2026
DEMO_SCHOOL = {
    "name": "Муниципальное автономное общеобразовательное учреждение средняя общеобразовательная школа № 20",
    "short_name": "МАОУ СОШ № 20",
    "timezone": "Asia/Yekaterinburg",
}

DEMO_PASSWORD = "zhurnal-demo"
# One demo login per role: (login, role, full name).
DEMO_USERS = (
    ("admin", "journal_admin", "Соколова Ирина Викторовна"),
    ("director", "director", "Гулькина Наталья Владимировна"),
    ("deputy", "deputy", "Морозова Елена Сергеевна"),
    ("teacher", "teacher", "Кузнецов Андрей Павлович"),
    ("class-teacher", "class_teacher", "Васильева Ольга Николаевна"),
    ("student", "student", "Петров Илья"),
    ("parent", "parent", "Петрова Анна Игоревна"),
    ("engineer", "engineer", "Смирнов Дмитрий Олегович"),
    ("dispatcher", "dispatcher", "Фёдорова Светлана Юрьевна"),
    ("secretary", "secretary", "Николаева Татьяна Ивановна"),
    ("site-admin", "site_admin", "Орлов Максим Андреевич"),
    ("operator", "operator", "Оператор платформы"),
)

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
        password_hash = await _demo_users(platform, session, school)
        today = school_today(school.timezone)
        year = await seed_structure(session, school.id, owner_rng(seed, "core"), today, password_hash)
        await seed_people(session, school.id, year, rng=owner_rng(seed, "core.people"), today=today)
        await seed_timetable(session, school.id, year, rng=owner_rng(seed, "core.timetable"), today=today)
        for impl in implementations(platform.hook.seed_demo_data):
            progress(impl.plugin_name)
            rng = owner_rng(seed, impl.plugin_name)
            await resolve(invoke(impl, platform=platform, session=session, school=school, rng=rng))
            await session.flush()
    async with platform.db.writing() as session:
        await seal_pending(session)  # so that `zhurnal audit verify` has the demo's history to check
    return school


async def _demo_users(platform: Platform, session: Any, school: School) -> str:
    """One account per role, all with DEMO_PASSWORD (hashed once: the demo is not a real school)."""
    from core.auth.models import RoleGrant, UserAccount

    password_hash = platform.passwords.hash(DEMO_PASSWORD)
    for login, role, full_name in DEMO_USERS:
        account = UserAccount(login=login, full_name=full_name, password_hash=password_hash)
        session.add(account)
        await session.flush()
        session.add(RoleGrant(user_id=account.id, school_id=None if role == "operator" else school.id, role=role))
    await session.flush()
    return password_hash

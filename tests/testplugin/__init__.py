"""A plugin that exists for the tests: it implements every hook zhurnal has.

Each later feature that adds a hook extends this plugin, so ``tests/core/test_hooks.py`` calls
every hook the way its caller will, with this plugin enabled and blocked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from core import hookimpl
from core.i18n import N_
from core.plugins.types import GradeScale

title = "Тестовый модуль"

# The scale the test plugin gives subjects whose name starts with «Тест».
TEN_POINT = GradeScale("testplugin_ten_point", N_("Ten-point"), tuple(str(n) for n in range(10, 0, -1)),
                       frozenset(str(n) for n in range(10, 3, -1)))


@hookimpl
def register_routes(platform: Any) -> list[Any]:
    from tests.testplugin.pages import PAGES
    from tests.testplugin.routes import ROUTES

    return [*ROUTES, *PAGES]


@hookimpl
def register_models(platform: Any) -> list[type]:
    from tests.testplugin import models

    return [models.Note, models.ReceivedEvent, models.HandlerAttempt]


@hookimpl
def register_migrations(platform: Any) -> Path:
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_cli_commands(platform: Any, cli: click.Group) -> None:
    @cli.group("testplugin")
    def group() -> None:
        """Commands of the test plugin."""

    @group.command("count-notes")
    def count_notes() -> None:
        """Print how many notes all schools have."""
        import asyncio

        from sqlalchemy import func, select

        from tests.testplugin.models import Note

        async def count() -> int:
            try:
                async with platform.db.reading() as session:
                    return await session.scalar(select(func.count()).select_from(Note)) or 0
            finally:
                await platform.close()

        click.echo(f"notes: {asyncio.run(count())}")


@hookimpl
async def startup(platform: Any) -> None:
    platform.state.setdefault("testplugin.lifecycle", []).append("startup")


@hookimpl
async def housekeeping(platform: Any, now: Any) -> None:
    platform.state.setdefault("testplugin.housekeeping", []).append(now)


@hookimpl
def shutdown(platform: Any) -> None:
    platform.state.setdefault("testplugin.lifecycle", []).append("shutdown")


@hookimpl
async def on_event(platform: Any, event: Any) -> None:
    from tests.testplugin.subscriber import handle

    await handle(platform, event)


@hookimpl
async def seed_demo_data(platform: Any, session: Any, school: Any, rng: Any) -> None:
    from tests.testplugin.models import Note

    words = ["Сбор макулатуры", "Родительское собрание", "Олимпиада по математике", "Субботник", "Экскурсия в музей"]
    for text in rng.sample(words, 3):
        session.add(Note(school_id=school.id, text=text))
    platform.state["testplugin.seeded"] = True


@hookimpl
def prepare_jinja_env(platform: Any, env: Any) -> None:
    env.filters["testplugin_quote"] = lambda text: f"«{text}»"


@hookimpl
async def nav_items(platform: Any, request: Any, user: Any) -> list[Any]:
    from sqlalchemy import func, select

    from core.i18n import gettext as _
    from core.plugins.types import NavItem
    from tests.testplugin.models import Note

    if user is None or user.school_id is None:
        return []
    async with platform.db.reading() as session:
        count = await session.scalar(select(func.count()).select_from(Note).where(Note.school_id == user.school_id))
    return [NavItem(id="testplugin-notes", label=_("Notes"), url="/testplugin/notes", section=10, badge=count or None)]


@hookimpl
def dashboard_widgets(platform: Any, request: Any, user: Any) -> list[Any]:
    from core.i18n import gettext as _
    from core.plugins.types import Widget

    if user is None or user.school_id is None:
        return []
    return [Widget(id="testplugin-notes", title=_("Notes"), url="/testplugin/widget", order=20)]


@hookimpl
def register_permissions(platform: Any) -> list[Any]:
    from core.access.roles import EVERYONE, STAFF
    from core.i18n import N_
    from core.plugins.types import Permission

    return [
        Permission("testplugin.view_notes", N_("See the school's notes"), EVERYONE),
        Permission("testplugin.add_note", N_("Add notes"), STAFF - {"engineer"}),
    ]


@hookimpl
def register_audit_events(platform: Any) -> list[Any]:
    from core.plugins.types import AuditEvent

    return [AuditEvent("testplugin.note_added", "journal", "A note was added")]


@hookimpl
def user_text_fields(platform: Any) -> list[Any]:
    from core.plugins.types import UserTextField

    return [
        UserTextField(form="testplugin:add_note_form", field="text", shown_on=("testplugin:notes_page",)),
        UserTextField(form="testplugin:add_note", field="text", shown_on=("testplugin:notes_page", "testplugin:notes")),
    ]


@hookimpl
def grade_scale(platform: Any, school: Any, subject: Any, grade_level: int) -> Any:
    return TEN_POINT if subject.name.startswith("Тест") else None


@hookimpl
async def diary_entries(platform: Any, viewer: Any, student: int, start: Any, end: Any) -> list[Any]:
    """One entry per note of the viewer's school written (UTC dates) from ``start`` to ``end``."""
    from datetime import datetime, time, timedelta, timezone

    from sqlalchemy import select

    from core.i18n import gettext as _
    from core.plugins.types import DiaryEntry
    from tests.testplugin.models import Note

    if viewer.school_id is None:
        return []
    since = datetime.combine(start, time(), timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time(), timezone.utc)
    async with platform.db.reading() as session:
        notes = (await session.scalars(
            select(Note).where(Note.school_id == viewer.school_id, Note.created_at >= since, Note.created_at < until)
            .order_by(Note.id)
        )).all()
    return [DiaryEntry(day=note.created_at.date(), number=None, subject=_("Notes"), topic=note.text, source="testplugin")
            for note in notes]


@hookimpl
async def recipient_groups(platform: Any, user: Any) -> list[Any]:
    """The teachers of the writer's school."""
    from sqlalchemy import select

    from core.auth.models import RoleGrant
    from core.i18n import gettext as _
    from core.plugins.types import RecipientGroup

    if user.school_id is None:
        return []
    async with platform.db.reading() as session:
        teachers = (await session.scalars(
            select(RoleGrant.user_id).where(RoleGrant.school_id == user.school_id, RoleGrant.role == "teacher")
            .distinct().order_by(RoleGrant.user_id)
        )).all()
    return [RecipientGroup(id=f"testplugin-teachers-{user.school_id}", label=_("Teachers"), user_ids=tuple(teachers))]


NOTES_SUBJECT_ID = 2_000_000_000  # the notes' line in a diary's marks: no real subject has such an id


@hookimpl
async def diary_marks(platform: Any, viewer: Any, student: int, period_id: int, start: Any, end: Any) -> list[Any]:
    """A «Заметки» line whose «marks» are the school's notes written (UTC dates) in the period."""
    from datetime import datetime, time, timedelta, timezone
    from decimal import Decimal

    from sqlalchemy import select

    from core.plugins.types import DiaryGrade, DiarySubjectMarks
    from tests.testplugin.models import Note

    if viewer.school_id is None:
        return []
    since = datetime.combine(start, time(), timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time(), timezone.utc)
    async with platform.db.reading() as session:
        notes = (await session.scalars(select(Note).where(
            Note.school_id == viewer.school_id, Note.created_at >= since, Note.created_at < until).order_by(Note.id))).all()
    grades = tuple(DiaryGrade(mark="✓", work_kind=note.text, weight=Decimal(1), day=note.created_at.date()) for note in notes)
    return [DiarySubjectMarks(subject_id=NOTES_SUBJECT_ID, subject="Заметки", grades=grades, source="testplugin")] if notes else []

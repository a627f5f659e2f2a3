"""Every hook, called the way its caller calls it, with the test plugin enabled and blocked."""

from __future__ import annotations

import asyncio
import random

from click.testing import CliRunner
from sqlalchemy import func, select

from core import demo
from core.cli import ZhurnalCLI, collect_plugin_commands
from core.i18n import gettext as _
from core.outbox import Dispatcher
from core.plugins.calling import call_each
from core.plugins.types import FIVE_POINT, DiaryEntry, RecipientGroup
from core.timetable.models import CHANGE_KINDS
from tests.support.people import add_school, add_user, signed_in
from tests.support.snapshot import fetch
from tests.testplugin.models import Note

ENABLED = ("testplugin",)
BLOCKED = ()


async def test_hook_register_routes(make_client, database_url):
    async with signed_in(make_client, database_url, plugins=ENABLED) as (client, school_id):
        created = await client.post(f"/testplugin/schools/{school_id}/notes", json={"text": "Родительское собрание"})
        assert created.status_code == 201, created.text
        listed = await client.get(f"/testplugin/schools/{school_id}/notes")
        assert [n["text"] for n in listed.json()] == ["Родительское собрание"]
    async with signed_in(make_client, database_url, plugins=BLOCKED) as (client, school_id):
        assert (await client.get(f"/testplugin/schools/{school_id}/notes")).status_code == 404


async def test_hook_register_models(make_platform):
    enabled = make_platform(plugins=ENABLED)
    assert enabled.table_owners["testplugin_note"] == "testplugin"
    assert enabled.table_owners["school"] == "core"
    blocked = make_platform(plugins=BLOCKED)
    assert "testplugin_note" not in blocked.table_owners
    assert set(blocked.table_owners.values()) == {"core"}


async def test_hook_register_migrations(make_platform):
    enabled = make_platform(plugins=ENABLED)
    assert list(enabled.migration_folders) == ["core", "testplugin"]
    assert (enabled.migration_folders["testplugin"] / "testplugin_0001_notes_and_received_events.py").exists()
    assert list(make_platform(plugins=BLOCKED).migration_folders) == ["core"]


async def test_hook_register_cli_commands(make_platform, database_url):
    enabled = make_platform(plugins=ENABLED)
    commands = collect_plugin_commands(enabled, taken={"serve", "db"})
    assert list(commands) == ["testplugin"]
    # a command runs its own event loop, as under the real CLI
    result = await asyncio.to_thread(CliRunner().invoke, commands["testplugin"], ["count-notes"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "notes: 0"
    assert collect_plugin_commands(make_platform(plugins=BLOCKED), taken=set()) == {}


async def test_hook_register_cli_commands_refuses_a_name_clash(make_platform):
    import pytest

    from core.errors import ZhurnalError

    with pytest.raises(ZhurnalError, match="adds command 'testplugin', which already exists"):
        collect_plugin_commands(make_platform(plugins=ENABLED), taken={"testplugin"})
    assert isinstance(ZhurnalCLI(), ZhurnalCLI)


async def test_hook_startup(make_client, make_platform):
    client = make_client(plugins=ENABLED)
    platform = client.app.state.platform
    async with client:
        assert platform.state["testplugin.lifecycle"] == ["startup"]
    blocked = make_client(plugins=BLOCKED)
    async with blocked:
        assert "testplugin.lifecycle" not in blocked.app.state.platform.state


async def test_hook_shutdown(make_client):
    client = make_client(plugins=ENABLED)
    async with client:
        pass
    assert client.app.state.platform.state["testplugin.lifecycle"] == ["startup", "shutdown"]


async def test_hook_housekeeping(make_platform, database_url):
    from core import housekeeping
    from core.outbox import Dispatcher

    platform = make_platform(plugins=ENABLED)
    await housekeeping.run_once(platform, Dispatcher(platform))
    [now] = platform.state["testplugin.housekeeping"]
    assert now.tzinfo is not None
    blocked = make_platform(plugins=BLOCKED)
    await housekeeping.run_once(blocked, Dispatcher(blocked))
    assert "testplugin.housekeeping" not in blocked.state


async def test_hook_on_event(make_platform, database_url):
    enabled = make_platform(plugins=ENABLED)
    await demo.seed(enabled)  # emits core.school_created
    report = await Dispatcher(enabled).run_once()
    # The school, and the demo dispatcher's timetable changes (one of each kind).
    assert report.fanned_out == report.delivered == 1 + len(CHANGE_KINDS)
    assert await fetch(database_url, "SELECT name, subject FROM testplugin_received_event") == [
        ("core.school_created", "school:1")
    ]

    blocked = make_platform(plugins=BLOCKED)
    async with blocked.db.writing() as session:
        from core.school.services import SchoolService

        await SchoolService(session).create(name="Школа № 2", short_name="СОШ № 2", timezone="Asia/Yekaterinburg")
    report = await Dispatcher(blocked).run_once()
    assert (report.fanned_out, report.delivered) == (1, 0)  # nobody subscribed
    assert len(await fetch(database_url, "SELECT id FROM testplugin_received_event")) == 1


async def emptied(url: str, sqlite_template, tmp_path, name: str) -> str:
    """A database without rows for another demo: the demo's audit records (append-only) keep its
    school and accounts from being deleted."""
    import shutil
    from tests.conftest import _truncate_all

    if url.startswith("sqlite"):
        shutil.copyfile(sqlite_template, tmp_path / name)
        return f"sqlite+aiosqlite:///{tmp_path / name}"
    await _truncate_all(url)
    return url


async def test_hook_seed_demo_data(make_platform, database_url, sqlite_template, tmp_path):
    enabled = make_platform(plugins=ENABLED)
    steps: list[str] = []
    school = await demo.seed(enabled, seed=7, progress=steps.append)
    assert steps == ["core", "testplugin"]
    notes = await fetch(database_url, "SELECT text FROM testplugin_note ORDER BY id")
    expected = random.Random("7:testplugin").sample(
        ["Сбор макулатуры", "Родительское собрание", "Олимпиада по математике", "Субботник", "Экскурсия в музей"], 3
    )
    assert [n for (n,) in notes] == expected
    assert school.short_name == "МАОУ СОШ № 20"

    everything = make_platform(plugins=None, database_url=await emptied(database_url, sqlite_template, tmp_path, "all.db"))
    steps.clear()
    await demo.seed(everything, progress=steps.append)
    assert steps == ["core", "journal", "messaging", "noticeboard", "testplugin", "testdependent"]  # dependency order, then by name
    assert everything.state["testdependent.saw_testplugin_seeded"] is True

    blocked = make_platform(plugins=BLOCKED, database_url=await emptied(database_url, sqlite_template, tmp_path, "blocked.db"))
    assert await demo.seed(blocked) is not None
    async with blocked.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(Note)) == 0


async def _a_school(url: str) -> int:
    from core.settings import Settings
    from core.platform import Platform

    platform = Platform(Settings(database_url=url, secret_key="x" * 32, plugins=()))
    try:
        async with platform.db.writing() as session:
            from core.school.services import SchoolService

            school = await SchoolService(session).create(name="Школа", short_name="Школа", timezone="Europe/Moscow")
            return school.id
    finally:
        await platform.close()


def _user(school_id: int, user_id: int = 1, roles: frozenset[str] = frozenset({"teacher"}),
          disabled: frozenset[str] = frozenset()):
    """The signed-in user as a page's request sees it."""
    from core.auth.services import CurrentUser

    return CurrentUser(id=user_id, login=f"user-{user_id}", full_name="Тестовый", session_id="s", school_id=school_id,
                       roles=roles, disabled_modules=disabled)


async def test_hook_grade_scale(make_platform):
    from core.school.models import School
    from core.structure.models import Subject
    from tests.testplugin import TEN_POINT

    def scale(platform, subject_name: str, disabled: frozenset[str] = frozenset()):
        school = School(id=1, name="Школа", short_name="Школа", timezone="Asia/Yekaterinburg")
        subject = Subject(school_id=1, name=subject_name, short_name=subject_name[:10])
        return platform.hooks_for(disabled).grade_scale(platform=platform, school=school, subject=subject, grade_level=5)

    enabled = make_platform(plugins=ENABLED)
    assert scale(enabled, "Тестирование") == TEN_POINT
    assert scale(enabled, "Математика") == FIVE_POINT  # the plugin abstains; core's default answers
    assert scale(enabled, "Тестирование", frozenset({"testplugin"})) == FIVE_POINT  # switched off for the school
    assert scale(make_platform(plugins=BLOCKED), "Тестирование") == FIVE_POINT


async def test_hook_diary_entries(make_platform, database_url):
    from datetime import timedelta

    from core.db.types import utcnow

    school_id, other_school = await add_school(database_url), await add_school(database_url, "Другая школа")
    enabled = make_platform(plugins=ENABLED)
    async with enabled.db.writing() as session:
        session.add_all([Note(school_id=school_id, text="Субботник"), Note(school_id=other_school, text="Чужая")])
    today = utcnow().date()

    async def entries(platform, start=today - timedelta(days=1), end=today + timedelta(days=1), **user):
        viewer = _user(school_id, **user)
        return await call_each(platform.hooks_for(viewer.disabled_modules).diary_entries, platform=platform,
                               viewer=viewer, student=viewer.id, start=start, end=end)

    [(plugin, found)] = await entries(enabled)
    assert plugin == "testplugin"
    assert found == [DiaryEntry(day=today, number=None, subject=_("Notes"), topic="Субботник", source="testplugin")]
    assert await entries(enabled, start=today + timedelta(days=1)) == [("testplugin", [])]  # outside the dates
    assert await entries(enabled, disabled=frozenset({"testplugin"})) == []
    assert await entries(make_platform(plugins=BLOCKED)) == []


async def test_hook_diary_marks(make_platform, database_url):
    from datetime import timedelta

    from core.db.types import utcnow
    from core.plugins.types import DiarySubjectMarks
    from tests.testplugin import NOTES_SUBJECT_ID

    school_id, other_school = await add_school(database_url), await add_school(database_url, "Другая школа")
    enabled = make_platform(plugins=ENABLED)
    async with enabled.db.writing() as session:
        session.add_all([Note(school_id=school_id, text="Субботник"), Note(school_id=other_school, text="Чужая")])
    today = utcnow().date()

    async def marks(platform, start=today - timedelta(days=10), end=today + timedelta(days=10), **user):
        viewer = _user(school_id, **user)
        return await call_each(platform.hooks_for(viewer.disabled_modules).diary_marks, platform=platform,
                               viewer=viewer, student=viewer.id, period_id=1, start=start, end=end)

    [(plugin, [line])] = await marks(enabled)
    assert plugin == "testplugin" and isinstance(line, DiarySubjectMarks)
    assert (line.subject_id, [(grade.work_kind, grade.day) for grade in line.grades]) == (NOTES_SUBJECT_ID, [("Субботник", today)])
    assert await marks(enabled, end=today - timedelta(days=1)) == [("testplugin", [])]  # outside the period
    assert await marks(enabled, disabled=frozenset({"testplugin"})) == []
    assert await marks(make_platform(plugins=BLOCKED)) == []


async def test_hook_recipient_groups(make_platform, database_url):
    school_id, other_school = await add_school(database_url), await add_school(database_url, "Другая школа")
    first = await add_user(database_url, "teacher-1", [("teacher", school_id)])
    second = await add_user(database_url, "teacher-2", [("teacher", school_id), ("class_teacher", school_id)])
    await add_user(database_url, "director", [("director", school_id)])
    await add_user(database_url, "elsewhere", [("teacher", other_school)])

    async def groups(platform, disabled=frozenset()):
        user = _user(school_id, user_id=first, disabled=disabled)
        return await call_each(platform.hooks_for(user.disabled_modules).recipient_groups, platform=platform, user=user)

    enabled = make_platform(plugins=ENABLED)
    assert await groups(enabled) == [
        ("testplugin", [RecipientGroup(id=f"testplugin-teachers-{school_id}", label=_("Teachers"), user_ids=(first, second))])
    ]
    assert await groups(enabled, frozenset({"testplugin"})) == []
    assert await groups(make_platform(plugins=BLOCKED)) == []

"""Migrations on SQLite and PostgreSQL: branches, round trips, model drift, parking, forgetting."""

from __future__ import annotations

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from core.db import migrate
from core.errors import MigrationError
from tests.support.snapshot import fetch

ALL = None
CORE_ONLY = ()
TEST_PLUGINS = ("testplugin", "testdependent")  # where a test follows the test plugin's branch alone


async def tables(url: str) -> set[str]:
    from core.db.session import make_engine

    engine = make_engine(url, pooled=False)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


def test_one_head_per_branch_and_ids_follow_the_convention():
    from core.platform import Platform
    from core.settings import Settings

    platform = Platform(Settings(database_url="sqlite+aiosqlite://", secret_key="x" * 32))
    script = ScriptDirectory.from_config(migrate.alembic_config(platform))
    heads = [migrate.owner_of(head) for head in script.get_heads()]
    assert sorted(heads) == sorted(platform.migration_folders)  # exactly one head per branch
    for revision in script.walk_revisions():
        owner = migrate.owner_of(revision.revision)
        assert revision.dependencies in (None, (), [])
        if revision.down_revision is None:
            assert revision.branch_labels == {owner}
        else:
            assert migrate.owner_of(revision.down_revision) == owner  # branches never mix


async def test_upgrade_downgrade_upgrade(make_platform_on, empty_database_url):
    platform = make_platform_on(empty_database_url)
    await migrate.upgrade(platform)
    assert {"school", "outbox_event", "event_delivery", "testplugin_note"} <= await tables(empty_database_url)
    assert await migrate.check(platform) == []
    await migrate.downgrade(platform, "base")
    assert await tables(empty_database_url) <= {"alembic_version"}
    await migrate.upgrade(platform)
    assert await migrate.check(platform) == []
    assert await migrate.model_differences(platform) == []


async def test_check_finds_a_branch_behind_and_a_model_drift(make_platform_on, empty_database_url):
    platform = make_platform_on(empty_database_url)
    await migrate.upgrade(platform)
    await migrate.downgrade(platform, "testplugin@base")
    assert await migrate.check(platform) == [
        "testplugin: database at nothing, latest is testplugin_0001: run `zhurnal db upgrade`"
    ]
    await migrate.upgrade(platform)

    def drop_index(conn):
        Operations(MigrationContext.configure(conn)).drop_index("ix_testplugin_note_school_id", table_name="testplugin_note")

    await migrate._in_migration_transaction(platform, drop_index)
    problems = await migrate.check(platform)
    assert len(problems) == 1 and "ix_testplugin_note_school_id" in problems[0]


async def test_a_plugin_switched_off_is_parked_and_comes_back(make_platform_on, empty_database_url):
    everything = make_platform_on(empty_database_url, ALL)
    await migrate.upgrade(everything)
    core_only = make_platform_on(empty_database_url, CORE_ONLY)
    await migrate.upgrade(core_only)  # does not fail on the plugin's unknown revision
    states = {s.owner: s for s in await migrate.branch_states(core_only)}
    assert states["testplugin"].parked and states["core"].up_to_date
    assert await migrate.check(core_only) == []
    assert "testplugin_note" in await tables(empty_database_url)  # its tables and rows stay

    await migrate.upgrade(everything)
    states = {s.owner: s for s in await migrate.branch_states(everything)}
    assert not states["testplugin"].parked and states["testplugin"].applied == "testplugin_0001"
    assert await fetch(empty_database_url, "SELECT revision FROM parked_migration") == []


async def test_a_disabled_plugin_without_upgrade_is_reported(make_platform_on, empty_database_url):
    await migrate.upgrade(make_platform_on(empty_database_url, TEST_PLUGINS))
    problems = await migrate.check(make_platform_on(empty_database_url, CORE_ONLY))
    assert problems == [
        "testplugin: the database records testplugin_0001, but this plugin is not enabled: "
        "run `zhurnal db upgrade` to set it aside, or `zhurnal db forget testplugin` if it was removed"
    ]


async def test_a_reenabled_plugin_needs_an_upgrade_to_come_back(make_platform_on, empty_database_url):
    everything = make_platform_on(empty_database_url, TEST_PLUGINS)
    await migrate.upgrade(everything)
    await migrate.upgrade(make_platform_on(empty_database_url, CORE_ONLY))  # parks testplugin
    states = {s.owner: s for s in await migrate.branch_states(everything)}
    assert states["testplugin"].parked and states["testplugin"].applied == "testplugin_0001"
    assert states["testplugin"].description == "parked: run `zhurnal db upgrade` to restore"
    assert await migrate.check(everything) == [
        "testplugin: the plugin is enabled again but its migrations are set aside: run `zhurnal db upgrade`"
    ]


async def test_a_new_plugin_without_revisions_does_not_block_upgrades(make_platform_on, empty_database_url, tmp_path):
    platform = make_platform_on(empty_database_url)
    empty = tmp_path / "new_plugin_versions"
    empty.mkdir()
    platform.migration_folders["newplugin"] = empty
    await migrate.upgrade(platform)
    states = {s.owner: s for s in await migrate.branch_states(platform)}
    assert states["newplugin"].description == "no migrations yet"
    await migrate.downgrade(platform, "base")


async def test_core_cannot_go_to_base_under_plugin_tables(make_platform_on, empty_database_url):
    platform = make_platform_on(empty_database_url, TEST_PLUGINS)
    await migrate.upgrade(platform)
    with pytest.raises(MigrationError, match=r"plugins still have tables \(testplugin\)"):
        await migrate.downgrade(platform, "core@base")
    await migrate.downgrade(platform, "testplugin@base")
    await migrate.downgrade(platform, "core@base")
    assert await tables(empty_database_url) <= {"alembic_version"}


async def test_a_failing_step_is_one_clear_error(make_platform_on, empty_database_url):
    platform = make_platform_on(empty_database_url)
    await migrate.upgrade(platform)
    await migrate.forget(make_platform_on(empty_database_url, CORE_ONLY), "testplugin")
    with pytest.raises(MigrationError, match="the database refused a migration step: .*testplugin_"):
        await migrate.upgrade(platform)  # its tables are still there


async def test_forget_a_removed_plugin(make_platform_on, empty_database_url):
    await migrate.upgrade(make_platform_on(empty_database_url, TEST_PLUGINS))
    core_only = make_platform_on(empty_database_url, CORE_ONLY)
    await migrate.upgrade(core_only)
    assert await migrate.forget(core_only, "testplugin") == ["testplugin_0001"]
    assert [s.owner for s in await migrate.branch_states(core_only)] == ["core"]
    assert "testplugin_note" in await tables(empty_database_url)
    with pytest.raises(MigrationError, match="core's migrations cannot be forgotten"):
        await migrate.forget(core_only, "core")
    with pytest.raises(MigrationError, match="plugin 'testplugin' is enabled"):
        await migrate.forget(make_platform_on(empty_database_url, TEST_PLUGINS), "testplugin")


async def test_recreating_a_parent_table_keeps_child_rows(make_platform_on, tmp_path):
    """SQLite batch migrations recreate tables; with foreign keys on, children would be deleted.

    (PostgreSQL alters tables in place, so this is SQLite's test alone.)
    """
    empty_database_url = f"sqlite+aiosqlite:///{tmp_path / 'batch.db'}"
    platform = make_platform_on(empty_database_url)
    await migrate.upgrade(platform)
    async with platform.db.writing() as session:
        from core.school.services import SchoolService

        await SchoolService(session).create(name="Школа", short_name="Школа", timezone="Asia/Yekaterinburg")
    await platform.close()

    def recreate_school(conn):
        with Operations(MigrationContext.configure(conn)).batch_alter_table("school", recreate="always") as batch:
            batch.alter_column("short_name", existing_type=__import__("sqlalchemy").String(100), nullable=False)

    await migrate._in_migration_transaction(platform, recreate_school)
    assert len(await fetch(empty_database_url, "SELECT id FROM outbox_event")) == 1
    assert len(await fetch(empty_database_url, "SELECT id FROM school")) == 1


async def test_new_revision_is_numbered_in_its_branch(make_platform_on, empty_database_url, tmp_path, monkeypatch):
    platform = make_platform_on(empty_database_url)
    await migrate.upgrade(platform)
    folder = tmp_path / "versions"
    folder.mkdir()
    for existing in platform.migration_folders["testplugin"].glob("*.py"):
        (folder / existing.name).write_text(existing.read_text())
    platform.migration_folders["testplugin"] = folder
    path = await migrate.new_revision(platform, "testplugin", "nothing changed", autogenerate=True)
    assert path.name.startswith("testplugin_0002_")
    text = path.read_text()
    assert "down_revision: Union[str, Sequence[str], None] = 'testplugin_0001'" in text
    assert "import core.db.types" in text
    assert "op.create_table" not in text  # models and migrations already agree


@pytest.fixture
async def make_platform_on(tmp_path):
    from core.platform import Platform
    from tests.conftest import settings_for

    made = []

    def build(url, plugins=ALL):
        platform = Platform(settings_for(url, tmp_path, plugins=plugins))
        made.append(platform)
        return platform

    yield build
    for platform in made:
        await platform.close()

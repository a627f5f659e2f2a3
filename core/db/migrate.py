"""Schema migrations: one Alembic environment, a ``core`` branch and one branch per plugin.

Revision ids are ``<owner>_<NNNN>`` (``core_0001``, ``journal_0003``), so every row of the
version table says whose migration it is. Branches are independent in Alembic's graph (no
``depends_on``): Alembic drops the version row of a revision another branch depends on, so the
row of a plugin would stand for core's position too, and parking it would lose core's place.
Instead core orders the work: upgrades run core first, then the plugins in dependency order;
downgrades to base run the other way round. A plugin that is installed but not enabled has no
scripts loaded; its version rows are *parked* (moved to ``parked_migration``) while it is off and
restored when it is switched back on, so turning a module off never stops the others from
upgrading. ``forget`` drops a removed plugin's rows for good (its tables stay).

Migrations run on their own engine: NullPool, SQLite foreign keys OFF (batch operations recreate
tables, and with foreign keys on, dropping a parent cascade-deletes its children's rows), one
transaction committed explicitly after ``PRAGMA foreign_key_check`` finds nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, String, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.session import make_engine
from core.db.types import UTCDateTime, utcnow
from core.errors import MigrationError

if TYPE_CHECKING:
    from core.platform import Platform

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
REVISION_ID = re.compile(r"^(?P<owner>[a-z][a-z0-9_]*)_(?P<number>\d{4})$")
_PG_MIGRATION_LOCK = 0x7A68_726E  # "zhrn": one migrating process at a time


class ParkedMigration(Base):
    """A version row of a plugin that is installed but not enabled (see the module docstring)."""

    __tablename__ = "parked_migration"

    revision: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    parked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class BranchState:
    owner: str
    applied: str | None  # revision recorded in the database
    head: str | None  # newest revision among the loaded scripts (None: owner not enabled)
    parked: bool = False

    @property
    def up_to_date(self) -> bool:
        """Parked while the plugin is off counts as up to date; parked while on needs an upgrade."""
        return self.head is None if self.parked else self.applied == self.head

    @property
    def description(self) -> str:
        if self.parked:
            return "parked (plugin off)" if self.head is None else "parked: run `zhurnal db upgrade` to restore"
        if self.head is None:
            return "no migrations yet" if self.applied is None else "plugin not enabled"
        return "up to date" if self.up_to_date else "needs upgrade"


def owner_of(revision: str) -> str:
    match = REVISION_ID.match(revision)
    if not match:
        raise MigrationError(f"revision id {revision!r} does not follow the '<owner>_<NNNN>' convention")
    return match["owner"]


def include_object_for(platform: Platform, only_owner: str | None = None) -> Callable[..., bool]:
    """Autogenerate sees only the tables of core and the enabled plugins (or of one owner).

    A table in the database but not in the models counts only when its prefix belongs to an
    enabled plugin (it was removed from that plugin's models); tables of plugins that are off
    are left alone.
    """
    owners = platform.table_owners
    plugin_prefixes = tuple(f"{name}_" for name in platform.plugins)

    def owner_of_table(name: str, reflected: bool) -> str | None:
        if name in owners:
            return owners[name]
        if reflected:
            for prefix in plugin_prefixes:
                if name.startswith(prefix):
                    return prefix[:-1]
        return None

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table_name = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        if table_name is None or table_name == VERSION_TABLE:
            return table_name is None
        owner = owner_of_table(table_name, reflected)
        return owner is not None and (only_owner is None or owner == only_owner)

    return include_object


def alembic_config(platform: Platform, connection: Connection | None = None, only_owner: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    locations = os.pathsep.join(str(folder) for folder in platform.migration_folders.values())
    cfg.set_main_option("version_locations", locations.replace("%", "%%"))
    cfg.attributes.update(connection=connection, platform=platform, only_owner=only_owner)
    return cfg


async def _in_migration_transaction(platform: Platform, work: Callable[[Connection], Any]) -> Any:
    engine = make_engine(platform.settings.database_url, foreign_keys=False, pooled=False)
    try:
        async with engine.execution_options(zhurnal_write=True).begin() as conn:

            def run(sync_conn: Connection) -> Any:
                if sync_conn.dialect.name == "postgresql":
                    sync_conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
                result = work(sync_conn)
                if sync_conn.dialect.name == "sqlite":
                    broken = sync_conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise MigrationError(f"migration left rows with broken references: {broken[:5]}")
                return result

            return await conn.run_sync(run)
    except OSError as exc:
        raise MigrationError(f"cannot reach the database: {exc}") from exc
    except DBAPIError as exc:
        detail = " ".join(str(exc.orig).split())
        raise MigrationError(f"the database refused a migration step: {detail}") from exc
    finally:
        await engine.dispose()


def _version_rows(conn: Connection) -> list[str]:
    if not inspect(conn).has_table(VERSION_TABLE):
        return []
    return [row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]  # nosec B608 # a constant table name


def _parked_rows(conn: Connection) -> dict[str, str]:
    if not inspect(conn).has_table(ParkedMigration.__tablename__):
        return {}
    return {rev: owner for rev, owner in conn.execute(text("SELECT revision, owner FROM parked_migration"))}


def _park_and_restore(conn: Connection, platform: Platform) -> None:
    """Park the version rows of owners whose scripts are not loaded; restore those now loaded."""
    loaded = set(platform.migration_folders)
    for revision in _version_rows(conn):
        owner = owner_of(revision)
        if owner not in loaded:
            conn.execute(text(f"DELETE FROM {VERSION_TABLE} WHERE version_num = :r"), {"r": revision})  # nosec B608 # a constant table name, the revision bound
            conn.execute(
                ParkedMigration.__table__.insert().values(revision=revision, owner=owner, parked_at=utcnow())
            )
    for revision, owner in _parked_rows(conn).items():
        if owner in loaded:
            conn.execute(text("DELETE FROM parked_migration WHERE revision = :r"), {"r": revision})
            conn.execute(text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:r)"), {"r": revision})  # nosec B608 # a constant table name, the revision bound


async def upgrade(platform: Platform, target: str = "heads") -> None:
    """Upgrade every branch (``heads``: core first, plugins in dependency order) or to ``target``."""

    def work(conn: Connection) -> None:
        _park_and_restore(conn, platform)
        cfg = alembic_config(platform, conn)
        owners = _owners_with_revisions(cfg, platform)
        for step in [f"{owner}@head" for owner in owners] if target == "heads" else [target]:
            command.upgrade(cfg, step)

    await _in_migration_transaction(platform, work)


def _owners_with_revisions(cfg: Config, platform: Platform) -> list[str]:
    """Core and the enabled plugins, in dependency order, that have at least one revision
    (a new plugin's empty folder has no branch yet)."""
    heads = {owner_of(head) for head in ScriptDirectory.from_config(cfg).get_heads()}
    return [owner for owner in platform.migration_folders if owner in heads]


async def downgrade(platform: Platform, target: str = "base") -> None:
    """Downgrade to ``target``; ``base`` removes every branch, plugins before core."""

    def work(conn: Connection) -> None:
        _park_and_restore(conn, platform)
        cfg = alembic_config(platform, conn)
        applied = {owner_of(r) for r in _version_rows(conn)} | set(_parked_rows(conn).values())
        if target == "core@base" and applied - {"core"}:
            raise MigrationError(
                f"plugins still have tables ({', '.join(sorted(applied - {'core'}))}): "
                "downgrade them first (`zhurnal db downgrade <plugin>@base`), or use `base` for everything"
            )
        owners = _owners_with_revisions(cfg, platform)
        for step in [f"{owner}@base" for owner in reversed(owners)] if target == "base" else [target]:
            command.downgrade(cfg, step)

    await _in_migration_transaction(platform, work)


async def branch_states(platform: Platform) -> list[BranchState]:
    """Per owner: the revision the database records and the newest loaded one."""

    def work(conn: Connection) -> list[BranchState]:
        script = ScriptDirectory.from_config(alembic_config(platform, conn))
        heads = {owner_of(h): h for h in script.get_heads()}
        applied = {owner_of(r): r for r in _version_rows(conn)}
        parked = {owner: rev for rev, owner in _parked_rows(conn).items()}
        states = [
            BranchState(owner, applied.get(owner) or parked.get(owner), heads.get(owner), parked=owner in parked)
            for owner in platform.migration_folders
        ]
        states += [BranchState(owner, rev, None, parked=True) for owner, rev in sorted(parked.items()) if owner not in heads]
        states += [
            BranchState(owner, rev, None) for owner, rev in sorted(applied.items())
            if owner not in heads and owner not in parked
        ]
        return states

    return await _in_migration_transaction(platform, work)


async def model_differences(platform: Platform) -> list[Any]:
    """What autogenerate would change: empty when models and migrations agree."""

    def work(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection=conn,
            opts={
                "include_object": include_object_for(platform),
                "compare_type": True,
                "compare_server_default": True,
                "target_metadata": Base.metadata,
            },
        )
        return list(compare_metadata(context, Base.metadata))

    return await _in_migration_transaction(platform, work)


async def check(platform: Platform) -> list[str]:
    """Problems that stop the database from matching this installation; empty when all is well."""
    problems = []
    for state in await branch_states(platform):
        if state.head is None and not state.parked:
            problems.append(f"{state.owner}: the database records {state.applied}, but this plugin is not enabled: "
                            f"run `zhurnal db upgrade` to set it aside, or `zhurnal db forget {state.owner}` if it was removed")
        elif state.parked and not state.up_to_date:
            problems.append(f"{state.owner}: the plugin is enabled again but its migrations are set aside: "
                            "run `zhurnal db upgrade`")
        elif not state.up_to_date:
            problems.append(f"{state.owner}: database at {state.applied or 'nothing'}, latest is {state.head}: "
                            "run `zhurnal db upgrade`")
    if not problems:
        problems += [f"models differ from migrations: {diff}" for diff in await model_differences(platform)]
    return problems


async def forget(platform: Platform, plugin: str) -> list[str]:
    """Drop a removed plugin's version rows (its tables are kept); returns the revisions dropped."""
    if plugin == "core":
        raise MigrationError("core's migrations cannot be forgotten")
    if plugin in platform.plugins:
        raise MigrationError(f"plugin {plugin!r} is enabled: disable or uninstall it before forgetting its migrations")

    def work(conn: Connection) -> list[str]:
        recorded = [r for r in _version_rows(conn) if owner_of(r) == plugin]
        parked = [r for r, owner in _parked_rows(conn).items() if owner == plugin]
        for revision in recorded:
            conn.execute(text(f"DELETE FROM {VERSION_TABLE} WHERE version_num = :r"), {"r": revision})  # nosec B608 # a constant table name, the revision bound
        for revision in parked:
            conn.execute(text("DELETE FROM parked_migration WHERE revision = :r"), {"r": revision})
        return recorded + parked

    return await _in_migration_transaction(platform, work)


async def new_revision(platform: Platform, owner: str, message: str, *, autogenerate: bool = True) -> Path:
    """Write the next revision of ``owner``'s branch (autogenerated from its models by default)."""
    if owner not in platform.migration_folders:
        raise MigrationError(f"{owner!r} is neither core nor an enabled plugin with a migrations folder")

    def work(conn: Connection) -> Path:
        cfg = alembic_config(platform, conn, only_owner=owner)
        script = ScriptDirectory.from_config(cfg)
        mine = [r.revision for r in script.walk_revisions() if owner_of(r.revision) == owner]
        number = max((int(REVISION_ID.match(r)["number"]) for r in mine), default=0) + 1  # type: ignore[index]
        options: dict[str, Any] = {"rev_id": f"{owner}_{number:04d}", "version_path": str(platform.migration_folders[owner])}
        if mine:
            options["head"] = f"{owner}@head"
        else:
            options.update(head="base", branch_label=owner)
        created = command.revision(cfg, message=message, autogenerate=autogenerate, **options)
        return Path(created.path)  # type: ignore[union-attr]

    return await _in_migration_transaction(platform, work)

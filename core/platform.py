"""The platform: settings, the plugin manager, the database and what plugins registered.

One ``Platform`` per app (never a module global), so tests can build apps with any set of
plugins side by side. Hooks receive it as their ``platform`` argument.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from core.db.session import Database
from core.errors import StartupError
from core.plugins.calling import call_sync_each
from core.plugins.manager import LoadedPlugin, build_manager
from core.settings import Settings

CORE = "core"


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pm, self.plugins, self.blocked = build_manager(settings.plugins)
        # Free-form per-process state for plugins, keyed "<plugin>.<name>".
        self.state: dict[str, Any] = {}
        self._db: Database | None = None
        self.jinja: Any = None  # the Jinja environment, set by create_app
        self.translations: dict[str, Any] = {}  # locale -> catalog, set by create_app
        self._subset_hooks: dict[tuple[str, ...], _SubsetHooks] = {}

    @property
    def hook(self) -> Any:
        return self.pm.hook

    @property
    def db(self) -> Database:
        """The app's database, created on first use (building a platform never connects)."""
        if self._db is None:
            self._db = Database(self.settings.database_url)
        return self._db

    async def close(self) -> None:
        if self._db is not None:
            await self._db.dispose()
            self._db = None

    @cached_property
    def models(self) -> dict[str, list[type]]:
        """ORM classes by owner: ``core`` first, then each plugin in dependency order."""
        from core.models import CORE_MODELS

        owned: dict[str, list[type]] = {CORE: list(CORE_MODELS)}
        for plugin, classes in call_sync_each(self.hook.register_models, platform=self):
            owned[plugin] = list(classes)
        return owned

    @cached_property
    def table_owners(self) -> dict[str, str]:
        """Table name -> owner (``core`` or a plugin name) for every registered model."""
        owners: dict[str, str] = {}
        for owner, classes in self.models.items():
            for cls in classes:
                for table in _tables_of(cls):
                    if owners.setdefault(table.name, owner) != owner:
                        raise StartupError(f"table {table.name!r} is registered by both {owners[table.name]!r} and {owner!r}")
        return owners

    @cached_property
    def migration_folders(self) -> dict[str, Path]:
        """Alembic version folders: core's, then each plugin's declared folder."""
        folders = {CORE: Path(__file__).parent / "db" / "migrations" / "versions"}
        for plugin, folder in call_sync_each(self.hook.register_migrations, platform=self):
            path = Path(folder)
            if not path.is_dir():
                raise StartupError(f"plugin {plugin!r} declares migrations folder {path}, which does not exist")
            folders[plugin] = path
        return folders

    @cached_property
    def permissions(self) -> Any:
        """The permission registry (core's and every plugin's); a clash stops start-up."""
        from core.access.permissions import build_registry

        return build_registry(self)

    @cached_property
    def audit_events(self) -> Any:
        """The audited actions of core and every plugin (``core.audit.catalogue``), by name."""
        from core.audit.catalogue import audit_catalogue

        return audit_catalogue(self)

    @cached_property
    def passwords(self) -> Any:
        from core.auth.passwords import Passwords

        return Passwords()

    def hooks_for(self, disabled: frozenset[str]) -> Any:
        """The hooks as one school sees them: without the plugins it switched off."""
        if not disabled:
            return self.pm.hook
        key = tuple(sorted(disabled))
        if key not in self._subset_hooks:
            self._subset_hooks[key] = _SubsetHooks(self.pm, [self.pm.get_plugin(name) for name in key if self.pm.get_plugin(name)])
        return self._subset_hooks[key]

    @cached_property
    def expected_migration_heads(self) -> frozenset[str]:
        """The newest revision of every branch this process loads (what /readyz expects)."""
        from alembic.script import ScriptDirectory

        from core.db.migrate import alembic_config

        return frozenset(ScriptDirectory.from_config(alembic_config(self)).get_heads())

    def plugin(self, name: str) -> LoadedPlugin:
        return self.plugins[name]

    def __repr__(self) -> str:
        return f"<Platform plugins={list(self.plugins)} blocked={self.blocked}>"


class _SubsetHooks:
    """``pm.hook`` without some plugins; each hook caller is built once and cached."""

    def __init__(self, pm: Any, removed: list[Any]) -> None:
        self._pm, self._removed = pm, removed
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._callers:
            self._callers[name] = self._pm.subset_hook_caller(name, remove_plugins=self._removed)
        return self._callers[name]


def _tables_of(cls: type) -> list[Table]:
    table = getattr(cls, "__table__", None)
    if not isinstance(table, Table):
        raise StartupError(f"{cls!r} is not a mapped ORM class")
    return [table]

"""DESIGN §3-4 conventions, checked over core and every installed plugin."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from core.app import create_app
from core.db import migrate
from core.platform import Platform
from core.plugins import hookspecs
from core.settings import Settings

ROOT = Path(__file__).parents[2]
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "zhurnal_spec"))


@pytest.fixture(scope="module")
def platform():
    return Platform(Settings(database_url="sqlite+aiosqlite://", secret_key="x" * 32))


def test_the_hook_list_is_not_empty():
    assert {"register_routes", "on_event", "seed_demo_data"} <= set(HOOKS)


def test_every_hook_is_documented_under_its_exact_signature():
    text = (ROOT / "docs" / "plugin_hooks.md").read_text()
    documented = {m[1]: m[2] for m in re.finditer(r"^## `(\w+)\((.*)\)`$", text, re.MULTILINE)}
    for name in HOOKS:
        signature = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert documented.get(name) == signature, f"docs/plugin_hooks.md lacks '## `{name}({signature})`'"
    assert set(documented) <= set(HOOKS), f"documented hooks that do not exist: {set(documented) - set(HOOKS)}"


def test_every_hook_has_a_test_named_after_it():
    defined = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text())
        defined |= {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    missing = [name for name in HOOKS if f"test_hook_{name}" not in defined]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"


def test_the_test_plugin_implements_every_hook():
    import tests.testplugin as plugin

    assert [name for name in HOOKS if not hasattr(plugin, name)] == []


def test_route_names_and_paths_carry_their_owner(platform):
    app = create_app(platform=platform)
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.http_methods == {"OPTIONS"}:  # Litestar's automatic CORS pre-flight answer
                continue
            owner, _, view = (handler.name or "").partition(":")
            assert owner and view, f"route {route.path} has no '<owner>:<view>' name"
            if owner == "core":
                assert not any(route.path.startswith(f"/{p}/") for p in platform.plugins)
            else:
                assert owner in platform.plugins and route.path.startswith(f"/{owner}/"), route.path


def test_tables_are_prefixed_by_their_plugin(platform):
    for table, owner in platform.table_owners.items():
        if owner == "core":
            assert not any(table.startswith(f"{p}_") for p in platform.plugins), table
        else:
            assert table.startswith(f"{owner}_"), f"{owner} owns table {table!r}, not '{owner}_<entity>'"


def test_migrations_live_in_their_owner_branch(platform):
    script = ScriptDirectory.from_config(migrate.alembic_config(platform))
    for revision in script.walk_revisions():
        owner = migrate.owner_of(revision.revision)
        folder = platform.migration_folders[owner]
        assert Path(revision.path).parent == folder, f"{revision.revision} is outside {owner}'s folder"
        assert Path(revision.path).name.startswith(f"{revision.revision}_")


def test_plugin_modules_only_implement_hooks(platform):
    """A plugin's __init__ holds hook implementations (and title/requires); heavy code lives elsewhere."""
    for name, plugin in platform.plugins.items():
        for attr, value in vars(plugin.module).items():
            if inspect.isfunction(value) and value.__module__ == plugin.module.__name__:
                assert attr in HOOKS, f"{name}.{attr} is not a hook implementation"

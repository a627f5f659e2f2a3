"""Plugin discovery, selection, blocking, requirements and hook validation."""

from __future__ import annotations

import importlib.metadata as metadata
import sys
import types

import pytest

from core.errors import StartupError
from core.plugins import manager
from core.plugins.manager import build_manager, dependency_order, select


def test_discovery_finds_installed_plugins_through_entry_points():
    installed = manager.discover()
    assert {"testplugin", "testdependent"} <= set(installed)
    assert installed["testplugin"].target == "tests.testplugin"
    assert installed["testplugin"].version == "1.0"


def test_every_installed_plugin_loads_by_default_in_dependency_order():
    pm, loaded, blocked = build_manager(None)
    assert blocked == []
    names = list(loaded)
    assert names.index("testplugin") < names.index("testdependent")
    assert loaded["testdependent"].requires == ("testplugin",)
    assert loaded["testplugin"].title == "Тестовый модуль"


def test_selection_blocks_the_rest_before_importing_them(monkeypatch):
    monkeypatch.delitem(sys.modules, "tests.testdependent", raising=False)
    pm, loaded, blocked = build_manager(("testplugin",))
    assert list(loaded) == ["testplugin"]
    assert "testdependent" in blocked
    assert pm.is_blocked("testdependent")
    assert ("testdependent", None) in pm.list_name_plugin()
    assert "tests.testdependent" not in sys.modules  # nothing of a blocked plugin was imported


def test_no_plugins_at_all():
    pm, loaded, blocked = build_manager(())
    assert loaded == {}
    assert {"testplugin", "testdependent"} <= set(blocked)


def test_an_unknown_plugin_name_stops_start_up():
    with pytest.raises(StartupError, match="ZHURNAL_PLUGINS names 'jurnal', which is not installed"):
        select(["journal", "testplugin"], ["jurnal"])


def test_a_missing_requirement_names_both_plugins():
    with pytest.raises(StartupError, match="plugin 'testdependent' requires plugin 'testplugin', which is not enabled"):
        build_manager(("testdependent",))


def test_requirements_in_a_circle_are_refused():
    a = manager.LoadedPlugin("a", types.ModuleType("a"), "1", "a", ("b",))
    b = manager.LoadedPlugin("b", types.ModuleType("b"), "1", "b", ("a",))
    with pytest.raises(StartupError, match="circle: a -> b -> a"):
        dependency_order({"a": a, "b": b})


def _fake_plugin(monkeypatch, name: str, source: str) -> None:
    module = types.ModuleType(f"fake_{name}")
    exec(source, module.__dict__)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    real = manager.discover

    def discover():
        found = real()
        ep = metadata.EntryPoint(name=name, value=module.__name__, group=manager.ENTRY_POINT_GROUP)
        found[name] = manager.InstalledPlugin(name, module.__name__, "?", "0", ep)
        return found

    monkeypatch.setattr(manager, "discover", discover)


def test_a_misspelt_hook_fails_at_start_up(monkeypatch):
    _fake_plugin(monkeypatch, "typo", "from core import hookimpl\n@hookimpl\ndef register_route(platform):\n    return []\n")
    with pytest.raises(StartupError, match="plugin 'typo' has an invalid hook implementation.*register_route"):
        build_manager(("typo",))
    build_manager(("testplugin",))  # blocked, the broken plugin does no harm


def test_a_hook_with_a_wrong_argument_fails_at_start_up(monkeypatch):
    _fake_plugin(monkeypatch, "badarg", "from core import hookimpl\n@hookimpl\ndef startup(app):\n    pass\n")
    with pytest.raises(StartupError, match="plugin 'badarg' has an invalid hook implementation"):
        build_manager(("badarg",))


def test_a_plugin_that_fails_to_import_is_named(monkeypatch):
    real = manager.discover

    def discover():
        found = real()
        ep = metadata.EntryPoint(name="broken", value="no_such_module_xyz", group=manager.ENTRY_POINT_GROUP)
        found["broken"] = manager.InstalledPlugin("broken", "no_such_module_xyz", "?", "0", ep)
        return found

    monkeypatch.setattr(manager, "discover", discover)
    with pytest.raises(StartupError, match="plugin 'broken' \\(no_such_module_xyz\\) failed to import: ModuleNotFoundError"):
        build_manager(("broken",))


def test_each_app_has_its_own_plugin_manager():
    first, _, _ = build_manager(("testplugin",))
    second, _, _ = build_manager(())
    assert first is not second
    assert first.get_plugin("testplugin") is not None and second.get_plugin("testplugin") is None


async def test_async_result_is_refused_on_the_synchronous_start_up_path(monkeypatch):
    _fake_plugin(monkeypatch, "asyncroutes", "from core import hookimpl\n@hookimpl\nasync def register_routes(platform):\n    return []\n")
    pm, _, _ = build_manager(("asyncroutes",))
    from core.plugins.calling import call_sync_each

    with pytest.raises(TypeError, match="plugin 'asyncroutes': hook register_routes must not be async"):
        call_sync_each(pm.hook.register_routes, platform=None)


async def test_resolve_accepts_values_callables_and_awaitables():
    from core.plugins.calling import resolve

    async def later():
        return 3

    assert await resolve(1) == 1
    assert await resolve(lambda: 2) == 2
    assert await resolve(later()) == 3
    assert await resolve(lambda: later()) == 3
    assert await resolve(len) is len  # a builtin that needs arguments is a value, not a thunk


def test_implementations_follow_dependency_order_with_tryfirst_and_trylast():
    import pluggy

    from core import hookimpl
    from core.plugins import hookspecs
    from core.plugins.calling import implementations

    pm = pluggy.PluginManager("zhurnal")
    pm.add_hookspecs(hookspecs)

    def plugin(**marks):
        module = types.ModuleType("m")

        @hookimpl(**marks)
        def startup(platform):
            pass

        module.startup = startup
        return module

    for name, marks in [("a", {}), ("late", {"trylast": True}), ("b", {}), ("early", {"tryfirst": True})]:
        pm.register(plugin(**marks), name=name)
    assert [i.plugin_name for i in implementations(pm.hook.startup)] == ["early", "a", "b", "late"]
    assert [i.plugin_name for i in implementations(pm.hook.startup, reverse=True)] == ["late", "b", "a", "early"]


def test_hook_wrappers_are_refused(monkeypatch):
    _fake_plugin(
        monkeypatch, "wrapping",
        "from core import hookimpl\n@hookimpl(wrapper=True)\ndef startup(platform):\n    return (yield)\n",
    )
    with pytest.raises(StartupError, match="plugin 'wrapping': hook wrappers are not supported"):
        build_manager(("wrapping",))


def test_a_plugins_own_event_types_are_known_without_its_routes(monkeypatch):
    """A ``zhurnal worker`` never imports routes, yet must decode the plugin's events."""
    from core import events

    for module in [m for m in sys.modules if m.startswith("tests.testplugin")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.delitem(events._EVENT_TYPES, "testplugin.note_added")
    assert events.event_type("testplugin.note_added") is None
    build_manager(("testplugin",))
    assert events.event_type("testplugin.note_added") is not None
    assert "tests.testplugin.routes" not in sys.modules

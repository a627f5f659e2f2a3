"""Finding, selecting and loading plugins.

Plugins are found through the entry-point group ``zhurnal.plugins`` (built-in and third-party
alike). ``ZHURNAL_PLUGINS`` chooses which load; the rest are blocked before anything of theirs is
imported. A plugin module may declare ``requires = ("journal",)`` and ``title = "..."``.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
from dataclasses import dataclass
from types import ModuleType
from typing import Iterable, Sequence

import pluggy

from core.errors import StartupError
from core.plugins import hookspecs

ENTRY_POINT_GROUP = "zhurnal.plugins"
CORE = "core"  # the name core's own hook implementations are registered under


@dataclass(frozen=True)
class InstalledPlugin:
    """A plugin found through its entry point, loaded or not."""

    name: str
    target: str  # "package.module"
    distribution: str
    version: str
    entry_point: metadata.EntryPoint


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    module: ModuleType
    version: str
    title: str
    requires: tuple[str, ...]


def discover() -> dict[str, InstalledPlugin]:
    found: dict[str, InstalledPlugin] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        if ep.name in found and found[ep.name].target != ep.value:
            raise StartupError(
                f"two installed plugins are both named {ep.name!r}: {found[ep.name].target} and {ep.value}"
            )
        found[ep.name] = InstalledPlugin(
            name=ep.name,
            target=ep.value,
            distribution=dist.name if dist else "?",
            version=dist.version if dist else "?",
            entry_point=ep,
        )
    return dict(sorted(found.items()))


def select(installed: Iterable[str], wanted: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """Split installed plugin names into (enabled, blocked) per ``ZHURNAL_PLUGINS``."""
    names = sorted(installed)
    if wanted is None:
        return names, []
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise StartupError(
            f"ZHURNAL_PLUGINS names {unknown[0]!r}, which is not installed "
            f"(installed: {', '.join(names) or 'none'})"
        )
    return [n for n in names if n in wanted], [n for n in names if n not in wanted]


def dependency_order(plugins: dict[str, LoadedPlugin]) -> list[str]:
    """Plugin names with every plugin after the ones it requires; a missing one is an error."""
    for plugin in plugins.values():
        for needed in plugin.requires:
            if needed not in plugins:
                raise StartupError(
                    f"plugin {plugin.name!r} requires plugin {needed!r}, which is not enabled "
                    f"(add it to ZHURNAL_PLUGINS or remove {plugin.name!r})"
                )
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise StartupError(f"plugins require each other in a circle: {' -> '.join(chain + (name,))}")
        visiting.add(name)
        for needed in sorted(plugins[name].requires):
            visit(needed, chain + (name,))
        visiting.discard(name)
        ordered.append(name)

    for name in sorted(plugins):
        visit(name, ())
    return ordered


def build_manager(wanted: Sequence[str] | None) -> tuple[pluggy.PluginManager, dict[str, LoadedPlugin], list[str]]:
    """A fresh plugin manager with the selected plugins loaded and checked.

    Returns the manager, the loaded plugins in dependency order, and the blocked names.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    from core.web import builtin

    pm.register(builtin, name=CORE)  # core's own implementations come first
    installed = discover()
    if CORE in installed:
        raise StartupError(f"an installed plugin is named {CORE!r} ({installed[CORE].target}); that name is core's")
    enabled, blocked = select(installed, wanted)
    for name in blocked:  # before loading, so nothing of a blocked plugin is imported
        pm.set_blocked(name)

    loaded: dict[str, LoadedPlugin] = {}
    for name in enabled:
        info = installed[name]
        try:
            module = info.entry_point.load()
        except Exception as exc:  # a broken third-party plugin must not give a traceback
            raise StartupError(f"plugin {name!r} ({info.target}) failed to import: {type(exc).__name__}: {exc}") from exc
        _import_event_types(name, module)
        requires = tuple(getattr(module, "requires", ()))
        loaded[name] = LoadedPlugin(
            name=name,
            module=module,
            version=info.version,
            title=str(getattr(module, "title", name)),
            requires=requires,
        )

    order = dependency_order(loaded)
    try:
        for name in order:
            pm.register(loaded[name].module, name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        culprit = pm.get_name(exc.plugin) or name
        detail = " ".join(str(exc).split())
        raise StartupError(f"plugin {culprit!r} has an invalid hook implementation: {detail}") from exc
    _refuse_wrappers(pm)
    return pm, {name: loaded[name] for name in order}, blocked


def _import_event_types(name: str, module: ModuleType) -> None:
    """A plugin's own event types live in its ``events`` module; import it so every process
    (a ``zhurnal worker`` too, which never imports routes) can decode those events."""
    if not hasattr(module, "__path__"):
        return
    spec_name = f"{module.__name__}.events"
    try:
        if importlib.util.find_spec(spec_name) is not None:
            importlib.import_module(spec_name)
    except Exception as exc:
        raise StartupError(f"plugin {name!r}: {spec_name} failed to import: {type(exc).__name__}: {exc}") from exc


def _refuse_wrappers(pm: pluggy.PluginManager) -> None:
    """Core calls implementations one by one (to attribute and resolve results), so pluggy's
    wrappers would be skipped silently; refuse them instead."""
    for name in pm.hook.__dict__:
        caller = getattr(pm.hook, name)
        for impl in caller.get_hookimpls():
            if impl.hookwrapper or impl.wrapper:
                raise StartupError(f"plugin {impl.plugin_name!r}: hook wrappers are not supported ({name})")

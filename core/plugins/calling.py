"""Calling hooks from async code.

pluggy is synchronous; an implementation may return a value, a callable or an awaitable, and
core resolves it. Results are kept per plugin so callers can attribute them (routes are mounted
under their plugin's prefix, models are owned by their plugin).
"""

from __future__ import annotations

import inspect
from typing import Any

import pluggy


async def resolve(value: Any) -> Any:
    """A hook's value: a callable is called, an awaitable awaited (repeatedly, if they nest)."""
    while True:
        if inspect.isawaitable(value):
            value = await value
        elif callable(value) and not isinstance(value, type) and _is_thunk(value):
            value = value()
        else:
            return value


def _is_thunk(value: Any) -> bool:
    """A callable taking no arguments (a lazily computed result), not e.g. a route handler."""
    if hasattr(value, "__wrapped__") or not inspect.isfunction(value) and not inspect.ismethod(value):
        return False
    try:
        return not inspect.signature(value).parameters
    except (TypeError, ValueError):
        return False


def implementations(hook: pluggy.HookCaller) -> list[pluggy.HookImpl]:
    """The hook's plain implementations in registration order, which is the plugins' dependency
    order (pluggy itself calls them newest first)."""
    return [impl for impl in hook.get_hookimpls() if not (impl.hookwrapper or impl.wrapper)]


def invoke(impl: pluggy.HookImpl, **kwargs: Any) -> Any:
    """Call one implementation with the arguments it declares (pluggy lets it take a subset)."""
    return impl.function(*(kwargs[name] for name in impl.argnames))


def call_sync_each(hook: pluggy.HookCaller, **kwargs: Any) -> list[tuple[str, Any]]:
    """``(plugin name, result)`` for every implementation, in registration order, None results dropped.

    For hooks called where no event loop runs (start-up, the CLI). An awaitable result here is a
    plugin bug and is refused by name.
    """
    results = []
    for impl in implementations(hook):
        value = invoke(impl, **kwargs)
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise TypeError(f"plugin {impl.plugin_name!r}: hook {hook.name} must not be async")
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


async def call_each(hook: pluggy.HookCaller, **kwargs: Any) -> list[tuple[str, Any]]:
    """Like ``call_sync_each`` but resolving awaitables and thunks."""
    results = []
    for impl in implementations(hook):
        value = await resolve(invoke(impl, **kwargs))
        if value is not None:
            results.append((impl.plugin_name, value))
    return results

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


def implementations(hook: pluggy.HookCaller, *, reverse: bool = False) -> list[pluggy.HookImpl]:
    """The hook's implementations in the plugins' dependency order (pluggy itself calls them
    newest first): ``tryfirst`` ones first, ``trylast`` ones last. ``reverse`` gives the
    opposite order (shutdown). Hook wrappers are refused when plugins load."""
    impls = hook.get_hookimpls()
    ordered = (
        [i for i in impls if i.tryfirst]
        + [i for i in impls if not (i.tryfirst or i.trylast)]
        + [i for i in impls if i.trylast]
    )
    return ordered[::-1] if reverse else ordered


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
        value = invoke_sync(impl, **kwargs)
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


def invoke_sync(impl: pluggy.HookImpl, **kwargs: Any) -> Any:
    """``invoke`` for hooks called without an event loop: an awaitable result is a plugin bug."""
    value = invoke(impl, **kwargs)
    if inspect.isawaitable(value):
        if inspect.iscoroutine(value):
            value.close()
        raise TypeError(f"plugin {impl.plugin_name!r}: hook {impl.function.__name__} must not be async")
    return value


async def call_each(hook: pluggy.HookCaller, *, reverse: bool = False, **kwargs: Any) -> list[tuple[str, Any]]:
    """Like ``call_sync_each`` but resolving awaitables and thunks."""
    results = []
    for impl in implementations(hook, reverse=reverse):
        value = await resolve(invoke(impl, **kwargs))
        if value is not None:
            results.append((impl.plugin_name, value))
    return results

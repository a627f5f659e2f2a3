"""The composition root: ``create_app(settings)`` builds a platform and its Litestar app."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from litestar import Litestar, Router
from litestar.datastructures import State

from litestar.di import Provide

from core import housekeeping, i18n
from core.outbox import Dispatcher
from core.platform import Platform
from core.plugins.calling import call_each, call_sync_each
from core.settings import Settings
from core.web import health, static
from core.web.dependencies import DEPENDENCIES
from core.web.errors import EXCEPTION_HANDLERS
from core.web.guards import refuse_out_of_range_ids
from core.access.guard import enforce_access
from core.web import account_pages, activity_pages, admin_pages, audit_pages, data_view_pages, people, security_pages, structure, timetable
from core.web.middleware import add_security_headers, request_context
from core.web.routes import ROUTES
from core.web.sessions import load_user, session_headers
from core.web.templating import build_environment, plugin_folders

# htmx 2 settings (DESIGN §6): no eval, no script tags from swaps, no injected styles, no history
# cache (children's marks must not linger on a shared computer), 422 and 409 fragments swapped in place.
HTMX_CONFIG = {
    "selfRequestsOnly": True,
    "allowScriptTags": False,
    "allowEval": False,
    "includeIndicatorStyles": False,
    "historyCacheSize": 0,
    # Not "style": settling it copies the empty style="" browsers leave on inputs, which the CSP refuses.
    "attributesToSettle": ["class", "width", "height"],
    "refreshOnHistoryMiss": True,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        {"code": "409", "swap": True},  # a stale write: the form again, with the values stored now
        {"code": "[45]..", "swap": False, "error": True},
        {"code": "...", "swap": False},
    ],
}

log = logging.getLogger("zhurnal")


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> Litestar:
    platform = platform or Platform(settings or Settings.from_env())
    platform.table_owners  # collect the models now: a table claimed twice stops start-up
    platform.permissions  # and the permissions: a clash stops start-up too
    static_files = static.StaticFiles([static.CORE_STATIC, *plugin_folders(platform, "static")])
    platform.translations = i18n.load_translations(plugin_folders(platform, "i18n"))
    platform.jinja = build_environment(platform, static_files)
    platform.jinja.globals["htmx_config"] = HTMX_CONFIG
    dispatcher = Dispatcher(platform)
    platform.state["core.dispatcher"] = dispatcher

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await call_each(platform.hook.startup, platform=platform)
        if platform.settings.event_dispatcher:
            dispatcher.start()
        cleaner = asyncio.create_task(housekeeping.loop(platform, dispatcher), name="zhurnal-housekeeping")
        try:
            yield
        finally:
            cleaner.cancel()
            await asyncio.gather(cleaner, return_exceptions=True)
            await dispatcher.stop()
            await call_each(platform.hook.shutdown, platform=platform, reverse=True)
            await platform.close()

    return Litestar(
        route_handlers=[
            *ROUTES, *account_pages.ROUTES, *security_pages.ROUTES, *admin_pages.ROUTES, *audit_pages.ROUTES, *activity_pages.ROUTES, *data_view_pages.ROUTES, *structure.ROUTES, *people.ROUTES, *timetable.ROUTES, static.serve_static, static.favicon, health.healthz, health.readyz,
            *plugin_routers(platform),
        ],
        guards=[enforce_access],
        dependencies={**DEPENDENCIES, "static_files": Provide(lambda: static_files, use_cache=True, sync_to_thread=False)},
        middleware=[request_context, load_user],
        before_send=[add_security_headers, session_headers],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        before_request=refuse_out_of_range_ids,
        state=State({"platform": platform}),
        openapi_config=None,
        logging_config=None,  # zhurnal's loggers propagate; the process (CLI, tests) configures output
        debug=False,
    )


def plugin_routers(platform: Platform) -> list[Router]:
    """Each plugin's route handlers, mounted under ``/<plugin>``."""
    return [
        Router(path=f"/{plugin}", route_handlers=list(handlers), opt={"plugin": plugin})
        for plugin, handlers in call_sync_each(platform.hook.register_routes, platform=platform)
    ]


def create_app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory`` worker processes: settings come from the environment."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app(Settings.from_env())

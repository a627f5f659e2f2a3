"""Every hook zhurnal calls. Plugins implement them with ``@core.hookimpl``.

Each hook is documented in ``docs/plugin_hooks.md`` under a heading that is its exact signature.
Arguments may be added later, never renamed or removed. A hook lands together with the feature
that calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from datetime import date, datetime
    from pathlib import Path
    from random import Random

    import click
    from sqlalchemy.ext.asyncio import AsyncSession

    from jinja2 import Environment
    from litestar import Request

    from core.auth.services import CurrentUser
    from core.events import Event
    from core.platform import Platform
    from core.plugins.types import AuditEvent, DiaryEntry, DiarySubjectMarks, GradeScale, NavItem, Permission, RecipientGroup, UserTextField, Widget
    from core.school.models import School
    from core.structure.models import Subject

PROJECT = "zhurnal"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def register_routes(platform: Platform) -> list[Any]:
    """Return Litestar route handlers, controllers or routers; core mounts them under ``/<plugin>/``.

    Route names are ``<plugin>:<view>``.
    """


@hookspec
def register_models(platform: Platform) -> list[type]:
    """Return the plugin's ORM classes (subclasses of ``core.db.Base``, tables ``<plugin>_<entity>``)."""


@hookspec
def register_migrations(platform: Platform) -> Path:
    """Return the folder of the plugin's Alembic revisions (its branch, labelled with the plugin's name)."""


@hookspec
def register_cli_commands(platform: Platform, cli: click.Group) -> None:
    """Add click commands to ``cli``; they become ``zhurnal`` subcommands. Synchronous.

    Each plugin gets a group of its own to add to; a name already taken stops the CLI with an error.
    """


@hookspec
def startup(platform: Platform) -> Any:
    """Called once per app process when it starts, before it serves requests. May be async.

    Implementations run in dependency order."""


@hookspec
def shutdown(platform: Platform) -> Any:
    """Called once per app process when it stops. May be async.

    Implementations run in reverse dependency order (a plugin stops before those it requires)."""


@hookspec
def on_event(platform: Platform, event: Event) -> Any:
    """Handle an event delivered from the outbox after its transaction committed. May be async.

    Delivery is at least once: the handler must be idempotent. Raising makes the dispatcher
    retry this handler (and only this one) with back-off.
    """


@hookspec
def housekeeping(platform: Platform, now: datetime) -> Any:
    """Remove what the plugin no longer keeps (messages past the school's retention). May be async.

    Called about once an hour by every app process, after start-up has settled. Use short
    transactions: several processes may run it at once. A failure is logged, the other plugins
    still run, and the next hour tries again.
    """


@hookspec
def seed_demo_data(platform: Platform, session: AsyncSession, school: School, rng: Random) -> Any:
    """Add deterministic demo data for ``school`` to ``session`` (do not commit). May be async.

    ``rng`` is seeded from the demo seed and the plugin's name; core seeds first, plugins follow
    their dependency order.
    """


@hookspec
def prepare_jinja_env(platform: Platform, env: Environment) -> None:
    """Add filters, tests or globals to the Jinja environment. Called once when the app is built.

    Synchronous. A plugin's templates need no hook: core loads ``<plugin package>/templates``.
    """


@hookspec
def nav_items(platform: Platform, request: Request, user: Any) -> list[NavItem]:
    """Return the plugin's entries of the main navigation for this request.

    Called for every full page, inside the request's locale. ``user`` is the signed-in user, or
    None for an anonymous visitor. May be async; keep it cheap (one query for all badges at most).
    """


@hookspec
def dashboard_widgets(platform: Platform, request: Request, user: Any) -> list[Widget]:
    """Return the plugin's blocks of the dashboard for this request. May be async.

    A slow widget gives a ``url`` instead of a ``template``: the dashboard loads it after the
    page with ``hx-get``.
    """


@hookspec
def register_permissions(platform: Platform) -> list[Permission]:
    """Return the plugin's permissions, named ``<plugin>.<verb>``, with their default roles.

    Synchronous. A duplicate name, a wrong prefix or an unknown role stops start-up. Every route
    declares one of these in ``opt={"permission": ...}``.
    """


@hookspec
def register_audit_events(platform: Platform) -> list[AuditEvent]:
    """Return the actions the plugin writes to the audit log, named ``<plugin>.<what>``.

    Synchronous. They join core's catalogue: the audit viewer names and filters records by it, and
    the test suite fails when a catalogued action is never written or a written one is missing.
    """


@hookspec
def user_text_fields(platform: Platform) -> list[UserTextField]:
    """Return the form fields where people type text that others will see.

    Synchronous. The security battery stores attack payloads through each one and opens every page
    that shows it in a browser, as every role that may see it.
    """


@hookspec(firstresult=True)
def grade_scale(platform: Platform, school: School, subject: Subject, grade_level: int) -> GradeScale | None:
    """Return the scale of marks for ``subject`` in ``grade_level`` of ``school``, or None to abstain.

    firstresult: the first non-None answer wins; core's default (five-point) is registered
    ``trylast``. Synchronous: an ``async def`` implementation would always win with a coroutine.
    """


@hookspec
def diary_entries(platform: Platform, viewer: CurrentUser, student: int, start: date, end: date) -> list[DiaryEntry]:
    """Return what the plugin shows in a student's diary from ``start`` to ``end`` (inclusive).

    ``student`` is the student's account id; ``viewer`` the person looking (the student, a parent,
    or staff), and the entries are as that viewer may see them. May be async; open a read
    session of your own (``platform.db.reading()``).
    """


@hookspec
def diary_marks(platform: Platform, viewer: CurrentUser, student: int, period_id: int, start: date,
                end: date) -> list[DiarySubjectMarks]:
    """Return the student's marks by subject for the study period ``period_id`` (``start`` to
    ``end``), as ``viewer`` may see them, with the period's, the year's and the final marks.

    Every subject the student studies in the period is listed, with or without marks. May be
    async; open a read session of your own.
    """


@hookspec
def recipient_groups(platform: Platform, user: CurrentUser) -> list[RecipientGroup]:
    """Return named groups of recipients the plugin offers to ``user`` writing a message, in
    their current school. May be async."""

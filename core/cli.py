"""The ``zhurnal`` command: serve, demo, db, plugins, worker, events, and plugins' own commands.

Errors are one clear line on stderr and exit status 2 (``--traceback`` shows the details).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any, Awaitable, Callable, TypeVar

import click

from core.errors import ZhurnalError
from core.settings import Settings, normalize_database_url

T = TypeVar("T")


class ZhurnalCLI(click.Group):
    """The root group: adds the enabled plugins' commands (``register_cli_commands``) on demand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugin_commands: dict[str, click.Command] | None = None
        self._plugin_error: ZhurnalError | None = None

    def plugin_commands(self) -> dict[str, click.Command]:
        if self._plugin_commands is None:
            self._plugin_commands = {}
            try:
                self._plugin_commands = collect_plugin_commands(load_platform(), set(self.commands))
            except ZhurnalError as exc:  # reported when a command needs the platform
                self._plugin_error = exc
        return self._plugin_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.plugin_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name) or self.plugin_commands().get(name)
        if command is None and self._plugin_error is not None:
            raise self._plugin_error  # a bad setting, not a misspelt command
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        show_traceback = "--traceback" in sys.argv
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("zhurnal: aborted", err=True)
            sys.exit(1)
        except ZhurnalError as exc:
            if show_traceback:
                raise
            click.echo(f"zhurnal: error: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # never a traceback by default
            if show_traceback:
                raise
            click.echo(f"zhurnal: unexpected error: {type(exc).__name__}: {exc} (run again with --traceback for details)", err=True)
            sys.exit(2)


def collect_plugin_commands(platform: Any, taken: set[str]) -> dict[str, click.Command]:
    from core.plugins.calling import implementations, invoke_sync

    found: dict[str, click.Command] = {}
    for impl in implementations(platform.hook.register_cli_commands):
        collector = click.Group(name=impl.plugin_name)
        try:
            invoke_sync(impl, platform=platform, cli=collector)
        except TypeError as exc:
            raise ZhurnalError(str(exc)) from exc
        for name, command in collector.commands.items():
            if name in taken or name in found:
                raise ZhurnalError(f"plugin {impl.plugin_name!r} adds command {name!r}, which already exists")
            found[name] = command
    return found


def load_platform(**overrides: Any) -> Any:
    from core.platform import Platform

    return Platform(Settings.from_env(**overrides))


def run_async(platform: Any, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` on an event loop and close the platform's database afterwards."""

    async def main() -> T:
        try:
            return await work()
        finally:
            await platform.close()

    return asyncio.run(main())


@click.group(cls=ZhurnalCLI, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--traceback", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(package_name="zhurnal", prog_name="zhurnal")
def cli(traceback: bool) -> None:
    """zhurnal: the electronic school journal and diary.

    Settings come from ZHURNAL_* environment variables (see docs/operations.md).
    """


# ---- serve and demo ----------------------------------------------------------------------------

server_options = [
    click.option("--host", default=None, help="Address to listen on [default: ZHURNAL_HOST or 127.0.0.1]."),
    click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port [default: ZHURNAL_PORT or 8000]."),
    click.option("--workers", type=click.IntRange(1, 64), default=None, help="App processes [default: ZHURNAL_WORKERS or 1]."),
]


def with_server_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(server_options):
        func = option(func)
    return func


@cli.command()
@with_server_options
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Start the web server (upgrading an embedded SQLite database first)."""
    platform = load_platform()
    prepare_database(platform)
    start_server(platform.settings, host, port, workers)


@cli.command()
@with_server_options
@click.option("--seed", type=int, default=None, help="Seed for the demo data [default: 2026].")
def demo(host: str | None, port: int | None, workers: int | None, seed: int | None) -> None:
    """Serve a demo school from <data dir>/demo.db, creating it on the first run."""
    from core import demo as demo_data

    data_dir = Settings.from_env().data_dir
    url = normalize_database_url(f"sqlite:///{data_dir / 'demo.db'}")
    os.environ["ZHURNAL_DATABASE_URL"] = url  # worker processes read their settings from the environment
    platform = load_platform()
    started = time.monotonic()
    prepare_database(platform, upgrade_any=True)

    async def fill() -> bool:
        if await demo_data.has_demo_data(platform):
            return False
        click.echo(f"Creating demo data in {data_dir / 'demo.db'} ...")
        await demo_data.seed(platform, seed if seed is not None else demo_data.DEFAULT_SEED, progress=demo_progress(started))
        return True

    created = run_async(platform, fill)
    if not created and seed is not None:
        click.echo(f"Demo data already exists in {data_dir / 'demo.db'}; delete that file to seed with --seed {seed}.")
    click.echo(f"Demo ready in {time.monotonic() - started:.1f} s. Demo logins, password {demo_data.DEMO_PASSWORD!r}:")
    for login, role, _name in demo_data.DEMO_USERS:
        click.echo(f"  {login:<14} {role}")
    start_server(platform.settings, host, port, workers)


def demo_progress(started: float) -> Callable[[str], None]:
    def show(owner: str) -> None:
        click.echo(f"  {time.monotonic() - started:5.1f} s  seeding {owner}")

    return show


def prepare_database(platform: Any, upgrade_any: bool = False) -> None:
    """Upgrade an embedded database; a server database must already be at head."""
    from core.db import migrate

    if platform.settings.is_sqlite or upgrade_any:
        run_async(platform, lambda: migrate.upgrade(platform))
        return
    states = run_async(platform, lambda: migrate.branch_states(platform))
    behind = [s.owner for s in states if not s.up_to_date]
    if behind:
        raise ZhurnalError(f"the database is not up to date ({', '.join(behind)}): run `zhurnal db upgrade` first")


def start_server(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn

    host = host or settings.host
    port = port or settings.port
    click.echo(f"zhurnal listens on http://{host}:{port}/ (Ctrl+C stops it)")
    uvicorn.run(
        "core.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        proxy_headers=True,  # the client's address and scheme from X-Forwarded-* of trusted proxies only
        forwarded_allow_ips=",".join(settings.security.trusted_proxies),
        server_header=False,
        log_level="info",
    )


# ---- db ----------------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database migrations (one branch for core and one for each plugin)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring core and every enabled plugin to their newest migration."""
    from core.db import migrate

    platform = load_platform()
    run_async(platform, lambda: migrate.upgrade(platform))
    click.echo("Database is up to date.")


@db.command("downgrade")
@click.argument("target")
def db_downgrade(target: str) -> None:
    """Go back to TARGET: a revision id, or `base` to remove every table."""
    from core.db import migrate

    platform = load_platform()
    run_async(platform, lambda: migrate.downgrade(platform, target))
    click.echo(f"Database downgraded to {target}.")


@db.command("current")
def db_current() -> None:
    """Show, per branch, the revision in the database and the newest one installed."""
    from core.db import migrate

    platform = load_platform()
    states = run_async(platform, lambda: migrate.branch_states(platform))
    click.echo(f"{'branch':<20} {'database':<20} {'newest':<20} state")
    for s in states:
        click.echo(f"{s.owner:<20} {s.applied or '-':<20} {s.head or '-':<20} {s.description}")


@db.command("check")
def db_check() -> None:
    """Fail unless the database is at the newest migrations and matches the models."""
    from core.db import migrate

    platform = load_platform()
    problems = run_async(platform, lambda: migrate.check(platform))
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo("Database matches the installed migrations and models.")


@db.command("forget")
@click.argument("plugin")
def db_forget(plugin: str) -> None:
    """Stop tracking the migrations of PLUGIN, which was removed (its tables are kept)."""
    from core.db import migrate

    platform = load_platform()
    dropped = run_async(platform, lambda: migrate.forget(platform, plugin))
    if dropped:
        click.echo(f"Forgot {plugin}'s migrations ({', '.join(dropped)}); its tables were kept.")
    else:
        click.echo(f"The database records no migrations of {plugin!r}.")


@db.command("revision")
@click.argument("owner")
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--empty", is_flag=True, help="Write an empty revision instead of autogenerating it.")
def db_revision(owner: str, message: str, empty: bool) -> None:
    """Write the next migration of OWNER (`core` or a plugin) from its models (for developers)."""
    from core.db import migrate

    platform = load_platform()
    path = run_async(platform, lambda: migrate.new_revision(platform, owner, message, autogenerate=not empty))
    click.echo(f"Wrote {path}")


# ---- user accounts ----------------------------------------------------------------------------


@cli.group()
def user() -> None:
    """User accounts: add, set a password, grant roles, block."""


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


async def _account_command(platform: Any, login: str, work: Callable[[Any, Any, Any], Awaitable[str]]) -> str:
    """Run ``work(service, account, session)`` on the account named ``login`` in one transaction."""
    from sqlalchemy import select

    from core.auth.models import UserAccount
    from core.auth.services import AccountService, normalize_login

    async with platform.db.writing() as session:
        account = (await session.execute(select(UserAccount).where(UserAccount.login == normalize_login(login)))).scalar_one_or_none()
        if account is None:
            raise ZhurnalError(f"no account with the login {login!r}")
        return await work(AccountService(session, platform.passwords), account, session)


def _account_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from core.auth.services import AccountError

        try:
            return func(*args, **kwargs)
        except AccountError as exc:
            raise ZhurnalError(str(exc)) from exc

    return wrapper


@user.command("add")
@click.argument("login")
@click.option("--name", "full_name", required=True, help="Full name, e.g. «Иванова Мария Петровна».")
@click.option("--school", "school_id", type=int, help="School id for the roles.")
@click.option("--role", "roles", multiple=True, help="Role to grant (repeat for several).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@_account_errors
def user_add(login: str, full_name: str, school_id: int | None, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create an account, optionally with roles in a school."""
    from core.audit.log import record
    from core.auth.services import AccountService

    password = read_password(password_stdin)
    platform = load_platform()

    async def work() -> None:
        async with platform.db.writing() as session:
            service = AccountService(session, platform.passwords)
            account = await service.create(login=login, full_name=full_name, password=password)
            record(session, "core.account_created", object_type="user", object_id=account.id, details={"via": "cli"})
            for role in roles:
                await service.grant(account, None if role == "operator" else school_id, role, granted_by=None)
                record(session, "core.role_granted", school_id=school_id, object_type="user", object_id=account.id,
                       details={"role": role, "via": "cli"})

    run_async(platform, work)
    click.echo(f"Created {login.strip().casefold()}" + (f" with {', '.join(roles)}" if roles else ""))


@user.command("set-password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@_account_errors
def user_set_password(login: str, password_stdin: bool) -> None:
    """Set an account's password (ends its sessions)."""
    from core.audit.log import record

    password = read_password(password_stdin)
    platform = load_platform()

    async def work(service: Any, account: Any, session: Any) -> str:
        await service.set_password(account, password)
        record(session, "core.password_set", object_type="user", object_id=account.id, details={"via": "cli"})
        return f"Password set for {account.login}; its sessions were ended."

    click.echo(run_async(platform, lambda: _account_command(platform, login, work)))


@user.command("grant")
@click.argument("login")
@click.argument("role")
@click.option("--school", "school_id", type=int, help="School id (not for the operator role).")
@_account_errors
def user_grant(login: str, role: str, school_id: int | None) -> None:
    """Give ROLE in a school to an account (ends its sessions)."""
    from core.audit.log import record

    platform = load_platform()

    from core.school.models import School

    async def work(service: Any, account: Any, session: Any) -> str:
        if school_id is not None and await session.get(School, school_id) is None:
            raise ZhurnalError(f"no school with id {school_id}")
        if not await service.grant(account, school_id, role, granted_by=None):
            return f"{account.login} already has {role} there."
        record(session, "core.role_granted", school_id=school_id, object_type="user", object_id=account.id,
               details={"role": role, "via": "cli"})
        return f"Granted {role} to {account.login}."

    click.echo(run_async(platform, lambda: _account_command(platform, login, work)))


@user.command("block")
@click.argument("login")
@click.option("--unblock", is_flag=True, help="Unblock instead.")
@_account_errors
def user_block(login: str, unblock: bool) -> None:
    """Block an account (ends its sessions at once), or unblock it."""
    from core.audit.log import record

    platform = load_platform()

    async def work(service: Any, account: Any, session: Any) -> str:
        await service.set_blocked(account, not unblock)
        record(session, "core.account_unblocked" if unblock else "core.account_blocked", object_type="user",
               object_id=account.id, details={"via": "cli"})
        return f"{'Unblocked' if unblock else 'Blocked'} {account.login}."

    click.echo(run_async(platform, lambda: _account_command(platform, login, work)))


# ---- audit ---------------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """The audit log's hash chains: seal, verify, export the heads."""


@audit.command("seal")
def audit_seal() -> None:
    """Seal the records added since the last round (housekeeping does it hourly)."""
    from core.audit.chain import seal_pending

    async def work() -> str:
        async with platform.db.writing() as session:
            seals = await seal_pending(session)
        return f"Sealed {sum(s.records for s in seals)} records in {len(seals)} batches."

    platform = load_platform()
    click.echo(run_async(platform, work))


@audit.command("verify")
@click.option("--heads", "heads_file", type=click.File("r"), help="Chain heads exported earlier (JSON from 'zhurnal audit heads').")
def audit_verify(heads_file: Any) -> None:
    """Recompute every chain; fail if a record was changed, removed or added after sealing."""
    import json

    from core.audit.chain import verify

    exported = json.load(heads_file)["chains"] if heads_file else None

    async def work() -> Any:
        async with platform.db.reading() as session:
            return await verify(session, exported)

    platform = load_platform()
    report = run_async(platform, work)
    click.echo(f"{report.schools} chains, {report.batches} sealed batches ({report.purged_batches} past retention), "
               f"{report.records} records checked, {report.unsealed} not sealed yet.")
    for problem in report.problems:
        click.echo(f"FAIL {problem}", err=True)
    if not report.intact:
        raise ZhurnalError(f"the audit log was tampered with: {len(report.problems)} problem(s)")
    click.echo("The audit log is intact.")


@audit.command("heads")
@click.option("--output", type=click.File("w"), default="-", help="Where to write the JSON [default: standard output].")
def audit_heads(output: Any) -> None:
    """Print the latest head of every chain, to keep outside the database."""
    import json

    from core.audit.chain import chain_heads

    async def work() -> Any:
        async with platform.db.reading() as session:
            return await chain_heads(session)

    platform = load_platform()
    json.dump({"chains": run_async(platform, work)}, output, indent=1)
    output.write("\n")


# ---- i18n (for developers) ------------------------------------------------------------------


@cli.group()
def i18n() -> None:
    """Translation catalogs (ru, en) of core and plugins."""


def catalog_owner(owner: str) -> tuple[Any, Any]:
    from pathlib import Path

    from core.i18n import CORE_CATALOGS

    if owner == "core":
        return CORE_CATALOGS.parent, CORE_CATALOGS
    platform = load_platform()
    if owner not in platform.plugins:
        raise ZhurnalError(f"{owner!r} is neither core nor an enabled plugin")
    module = platform.plugins[owner].module
    if not hasattr(module, "__path__"):
        raise ZhurnalError(f"plugin {owner!r} is a single module; translations need a package with an i18n folder")
    package = Path(module.__file__ or "").parent
    return package, package / "i18n"


@i18n.command("update")
@click.argument("owner", default="core")
def i18n_update(owner: str) -> None:
    """Add the messages of OWNER's code to its ru and en catalogs."""
    from core.i18n import catalogs

    package, folder = catalog_owner(owner)
    for path in catalogs.update(package, folder):
        click.echo(f"Updated {path}")


@i18n.command("check")
@click.argument("owner", default="core")
def i18n_check(owner: str) -> None:
    """Fail if a message of OWNER's code has no Russian translation."""
    from core.i18n import catalogs

    package, folder = catalog_owner(owner)
    problems = catalogs.check(package, folder)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise SystemExit(1)
    click.echo("Every message has a Russian translation.")


# ---- check --------------------------------------------------------------------------------------


@cli.command("check")
@click.option("--deploy", is_flag=True, help="Check the settings for an installation open to the network.")
def check_command(deploy: bool) -> None:
    """Check the installation's settings (with --deploy: for unsafe ones)."""
    from core.deploy_check import deploy_findings

    settings = Settings.from_env()
    if not deploy:
        click.echo("The settings are valid. Add --deploy to check them for safety.")
        return
    findings = deploy_findings(settings)
    for finding in findings:
        click.echo(f"{'ok  ' if finding.ok else 'FAIL'} {finding.name}: {finding.message}")
    failed = [f for f in findings if not f.ok]
    if failed and settings.is_production:
        raise ZhurnalError(f"{len(failed)} unsafe setting(s) in production")
    click.echo(f"{len(failed)} finding(s)" + ("" if settings.is_production else " (development: not an error)"))


# ---- plugins, worker, events -------------------------------------------------------------------


@cli.command("plugins")
def plugins_command() -> None:
    """List installed plugins: enabled or blocked, versions and requirements."""
    from core.plugins.manager import discover

    platform = load_platform()
    installed = discover()
    if not installed:
        click.echo("No plugins are installed.")
        return
    click.echo(f"{'plugin':<16} {'state':<9} {'version':<10} {'requires':<20} module")
    for name, info in installed.items():
        loaded = platform.plugins.get(name)
        state = "enabled" if loaded else "blocked"
        requires = ", ".join(loaded.requires) if loaded else "?"
        click.echo(f"{name:<16} {state:<9} {info.version:<10} {requires or '-':<20} {info.target}")


@cli.command()
def worker() -> None:
    """Deliver events in the foreground (production: run beside the app processes)."""
    from core.outbox import Dispatcher

    platform = load_platform()
    prepare_database(platform)
    dispatcher = Dispatcher(platform)

    async def loop() -> None:
        import signal

        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        click.echo("Delivering events (Ctrl+C stops).")
        dispatcher.start()
        await stop.wait()
        await dispatcher.stop()  # a delivery under way finishes its database work or is retried
        click.echo("Stopped.")

    run_async(platform, loop)


@cli.command()
@click.option("--retry", is_flag=True, help="Queue failed deliveries for another round of attempts.")
def events(retry: bool) -> None:
    """Show event deliveries waiting or failed."""
    from core.outbox import delivery_summary, retry_failed

    platform = load_platform()
    if retry:
        count = run_async(platform, lambda: retry_failed(platform))
        click.echo(f"Queued {count} failed deliveries again.")
        return
    counts, failed = run_async(platform, lambda: delivery_summary(platform))
    click.echo(", ".join(f"{state}: {counts.get(state, 0)}" for state in ("undispatched", "pending", "delivered", "failed")))
    for row in failed:
        click.echo(f"failed #{row.id} {row.name} -> {row.handler} after {row.attempts} attempts: {row.last_error}")


def main() -> None:
    cli(prog_name="zhurnal")

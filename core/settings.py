"""Settings read from ``ZHURNAL_*`` environment variables.

Every setting is declared once in ``SETTINGS`` with its default and a one-line description;
``docs/operations.md`` documents each of them (a test keeps the two in step). A malformed value
stops start-up with a ``ConfigError`` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from core.errors import ConfigError
from core.smtp import SECURITY, SmtpSettings, is_address

ENVIRONMENTS = ("development", "production")


@dataclass(frozen=True)
class SettingSpec:
    env: str
    default: str | None
    description: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("ZHURNAL_ENV", "development", "`development` or `production`; production requires a secret key"),
    SettingSpec("ZHURNAL_DATA_DIR", "./var", "folder for the embedded database, the generated secret key and other local files"),
    SettingSpec("ZHURNAL_DATABASE_URL", "sqlite:///<data dir>/zhurnal.db", "SQLAlchemy URL; `sqlite:///path` or `postgresql://user@host/db` (the async drivers are chosen for you)"),
    SettingSpec("ZHURNAL_SECRET_KEY", "generated once into `<data dir>/secret_key`", "key that signs tokens; at least 32 characters; required when `ZHURNAL_ENV=production`"),
    SettingSpec("ZHURNAL_PLUGINS", "all installed", "comma-separated plugin names to load, or `none`; every other installed plugin is blocked"),
    SettingSpec("ZHURNAL_HOST", "127.0.0.1", "address `zhurnal serve` listens on"),
    SettingSpec("ZHURNAL_PORT", "8000", "port `zhurnal serve` listens on (1-65535)"),
    SettingSpec("ZHURNAL_WORKERS", "1", "app processes started by `zhurnal serve` (1-64)"),
    SettingSpec("ZHURNAL_EVENT_DISPATCHER", "on", "`on`: each app process delivers events in the background; `off`: only `zhurnal worker` does"),
    SettingSpec("ZHURNAL_PUBLIC_URL", "none", "the address people open the journal at (`https://journal.school.ru`), for links in e-mails"),
    SettingSpec("ZHURNAL_SMTP_HOST", "none: no e-mail is sent", "the SMTP server that sends e-mail (copies of messages)"),
    SettingSpec("ZHURNAL_SMTP_PORT", "587", "its port (1-65535)"),
    SettingSpec("ZHURNAL_SMTP_SECURITY", "starttls", "`starttls`, `ssl` (implicit TLS, usually port 465) or `none` (a relay on the same host only)"),
    SettingSpec("ZHURNAL_SMTP_USER", "none", "the login at the SMTP server, if it asks for one"),
    SettingSpec("ZHURNAL_SMTP_PASSWORD", "none", "its password"),
    SettingSpec("ZHURNAL_SMTP_FROM", "none (required with a host)", "the sender's address, e.g. `journal@school.ru`"),
    SettingSpec("ZHURNAL_TRUSTED_PROXIES", "127.0.0.1", "comma-separated addresses or networks of the reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; `*` believes anyone (unsafe)"),
    SettingSpec("ZHURNAL_LOGIN_LOCK_AFTER", "5", "failed sign-ins for one login from one address within the lock time that lock that pair (1-100)"),
    SettingSpec("ZHURNAL_LOGIN_LOCK_MINUTES", "15", "the window the failures are counted in, and how long the lock lasts (1-1440)"),
    SettingSpec("ZHURNAL_LOGIN_ADDRESS_LIMIT", "300", "failed sign-ins from one address (any login) within the lock time before that address must wait; generous for a school behind one NAT address (10-100000)"),
    SettingSpec("ZHURNAL_SESSION_IDLE_MINUTES", "30", "a session ends after this many minutes without a request (5-1440)"),
    SettingSpec("ZHURNAL_SESSION_HOURS", "12", "a session ends this many hours after sign-in, active or not (1-720)"),
    SettingSpec("ZHURNAL_SESSION_LIMITS", "none", "concurrent sessions per role, e.g. `student=2,parent=3`; signing in beyond the limit ends the oldest session"),
    SettingSpec("ZHURNAL_INITIAL_PASSWORD_HOURS", "72", "how long an issued one-time password works (1-720)"),
)


@dataclass(frozen=True)
class SecuritySettings:
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    lock_after: int = 5
    lock_minutes: int = 15
    address_limit: int = 300
    idle_minutes: int = 30
    session_hours: int = 12
    session_limits: Mapping[str, int] = field(default_factory=dict)  # role -> concurrent sessions
    initial_password_hours: int = 72


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    plugins: tuple[str, ...] | None = None  # None: every installed plugin
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    event_dispatcher: bool = True
    public_url: str = ""
    smtp: SmtpSettings | None = None  # None: no e-mail is sent
    security: SecuritySettings = field(default_factory=SecuritySettings)
    secret_key_generated: bool = False  # read from the data folder, not from ZHURNAL_SECRET_KEY
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        """Read settings from ``environ`` (default ``os.environ``); keyword overrides win."""
        env = dict(os.environ if environ is None else environ)
        known = {spec.env for spec in SETTINGS}
        unknown = sorted(k for k in env if k.startswith("ZHURNAL_") and k not in known and not k.startswith("ZHURNAL_TEST_"))
        if unknown:
            raise ConfigError(f"{unknown[0]} is not a zhurnal setting (known: {', '.join(sorted(known))})")

        environment = _choice(env, "ZHURNAL_ENV", ENVIRONMENTS, "development")
        data_dir = Path(env.get("ZHURNAL_DATA_DIR") or "var")
        values: dict[str, object] = {
            "env": environment,
            "data_dir": data_dir,
            "database_url": normalize_database_url(
                env.get("ZHURNAL_DATABASE_URL") or f"sqlite:///{data_dir / 'zhurnal.db'}", "ZHURNAL_DATABASE_URL"
            ),
            "plugins": _plugin_list(env.get("ZHURNAL_PLUGINS")),
            "host": env.get("ZHURNAL_HOST") or "127.0.0.1",
            "port": _integer(env, "ZHURNAL_PORT", 8000, 1, 65535),
            "workers": _integer(env, "ZHURNAL_WORKERS", 1, 1, 64),
            "event_dispatcher": _choice(env, "ZHURNAL_EVENT_DISPATCHER", ("on", "off"), "on") == "on",
            "public_url": _public_url(env.get("ZHURNAL_PUBLIC_URL")),
            "smtp": _smtp(env),
            "security": _security(env),
            "secret_key_generated": not env.get("ZHURNAL_SECRET_KEY"),
        }
        values.update(overrides)
        if "secret_key" not in values:
            values["secret_key"] = _secret_key(env.get("ZHURNAL_SECRET_KEY"), environment, Path(values["data_dir"]))  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


def normalize_database_url(url: str, name: str = "database URL") -> str:
    """Accept plain ``sqlite:``/``postgresql:`` URLs and pick the async driver for them."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or not rest:
        raise ConfigError(f"{name} must look like sqlite:///path/to.db or postgresql://user@host/db, got {url!r}")
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    raise ConfigError(f"{name} uses unsupported database {base!r}: use sqlite or postgresql")


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {env.get(name)!r}")
    return value


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
    return value


def _public_url(raw: str | None) -> str:
    url = (raw or "").strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?", url):
        raise ConfigError(f"ZHURNAL_PUBLIC_URL must look like https://journal.school.ru, got {raw!r}")
    return url


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    host = (env.get("ZHURNAL_SMTP_HOST") or "").strip()
    if not host:
        return None
    sender = (env.get("ZHURNAL_SMTP_FROM") or "").strip()
    if not is_address(sender):
        raise ConfigError(f"ZHURNAL_SMTP_FROM must be the sender's e-mail address when ZHURNAL_SMTP_HOST is set, got {sender!r}")
    return SmtpSettings(host=host, port=_integer(env, "ZHURNAL_SMTP_PORT", 587, 1, 65535),
                        security=_choice(env, "ZHURNAL_SMTP_SECURITY", SECURITY, "starttls"),
                        user=env.get("ZHURNAL_SMTP_USER") or "", password=env.get("ZHURNAL_SMTP_PASSWORD") or "", sender=sender)


def _security(env: Mapping[str, str]) -> SecuritySettings:
    proxies = tuple(p.strip() for p in (env.get("ZHURNAL_TRUSTED_PROXIES") or "127.0.0.1").split(",") if p.strip())
    for proxy in proxies:
        if proxy != "*":
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(f"ZHURNAL_TRUSTED_PROXIES must list IP addresses or networks, got {proxy!r}") from None
    return SecuritySettings(
        trusted_proxies=proxies,
        lock_after=_integer(env, "ZHURNAL_LOGIN_LOCK_AFTER", 5, 1, 100),
        lock_minutes=_integer(env, "ZHURNAL_LOGIN_LOCK_MINUTES", 15, 1, 1440),
        address_limit=_integer(env, "ZHURNAL_LOGIN_ADDRESS_LIMIT", 300, 10, 100000),
        idle_minutes=_integer(env, "ZHURNAL_SESSION_IDLE_MINUTES", 30, 5, 1440),
        session_hours=_integer(env, "ZHURNAL_SESSION_HOURS", 12, 1, 720),
        session_limits=_session_limits(env.get("ZHURNAL_SESSION_LIMITS")),
        initial_password_hours=_integer(env, "ZHURNAL_INITIAL_PASSWORD_HOURS", 72, 1, 720),
    )


def _session_limits(raw: str | None) -> dict[str, int]:
    from core.access.roles import ROLES

    limits: dict[str, int] = {}
    if not raw or raw.strip().lower() == "none":
        return limits
    for part in raw.split(","):
        role, sep, number = part.strip().partition("=")
        if not sep or role.strip() not in ROLES or not number.strip().isdigit() or not 1 <= int(number) <= 100:
            raise ConfigError(f"ZHURNAL_SESSION_LIMITS must look like student=2,parent=3 (known roles, 1-100), got {part.strip()!r}")
        limits[role.strip()] = int(number)
    return limits


def _plugin_list(raw: str | None) -> tuple[str, ...] | None:
    if raw is None or raw.strip() == "":
        return None
    if raw.strip().lower() == "none":
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise ConfigError(f"ZHURNAL_PLUGINS must be a comma-separated list of plugin names, got {bad[0]!r}")
    return names


def _secret_key(raw: str | None, environment: str, data_dir: Path) -> str:
    if raw:
        if len(raw) < 32:
            raise ConfigError("ZHURNAL_SECRET_KEY must be at least 32 characters long")
        return raw
    if environment == "production":
        raise ConfigError("ZHURNAL_SECRET_KEY is required when ZHURNAL_ENV=production")
    return _generated_secret_key(data_dir / "secret_key")


def _generated_secret_key(path: Path) -> str:
    """Create the embedded default's key once; later starts (and other workers) read it back."""
    if path.exists():
        return path.read_text().strip()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)  # atomic: a concurrent worker that linked first wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    except OSError as exc:
        raise ConfigError(f"ZHURNAL_DATA_DIR: cannot write {path}: {exc.strerror}") from None
    return path.read_text().strip()

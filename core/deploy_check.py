"""``zhurnal check --deploy``: the settings that leave an installation open to attack. Each check
says what it looked at; in production any finding is an error (a non-zero exit)."""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass

from core.settings import Settings

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    message: str


def deploy_findings(settings: Settings) -> list[Finding]:
    security = settings.security
    https = settings.public_url.startswith("https://")
    local = settings.host in LOOPBACK_HOSTS
    wide_proxies = [p for p in security.trusted_proxies if p == "*" or ipaddress.ip_network(p, strict=False).num_addresses > 2**24]
    findings = [
        Finding("environment", settings.is_production,
                "ZHURNAL_ENV=production" if settings.is_production else "ZHURNAL_ENV is development: set ZHURNAL_ENV=production"),
        Finding("debug", True, "no debug pages: errors show a request id, never a traceback (Litestar debug is always off)"),
        _secret_key(settings),
        Finding("TLS and cookies", https,
                "ZHURNAL_PUBLIC_URL is https: cookies are Secure and __Host- behind the proxy, HSTS is sent" if https
                else "ZHURNAL_PUBLIC_URL is not an https:// address: serve through TLS, or session cookies travel in the clear"),
        Finding("trusted proxy", not wide_proxies and (local or security.trusted_proxies != ("127.0.0.1",)),
                "ZHURNAL_TRUSTED_PROXIES names only the proxies" if not wide_proxies and (local or security.trusted_proxies != ("127.0.0.1",))
                else ("ZHURNAL_TRUSTED_PROXIES trusts anyone's X-Forwarded-For: anybody can fake their address past the sign-in limits"
                      if wide_proxies else
                      f"zhurnal listens on {settings.host} but trusts no proxy but 127.0.0.1: set ZHURNAL_TRUSTED_PROXIES to the reverse proxy's address, "
                      "or client addresses and https are not seen")),
        Finding("sign-in lock", security.lock_after <= 10,
                f"{security.lock_after} failures lock a login from an address for {security.lock_minutes} min"),
        Finding("sessions", security.idle_minutes <= 60 and security.session_hours <= 24,
                f"sessions end after {security.idle_minutes} idle minutes and {security.session_hours} h"
                + ("" if security.idle_minutes <= 60 and security.session_hours <= 24 else ": longer than 60 min idle or 24 h is unsafe on shared school computers")),
        Finding("e-mail", settings.smtp is None or settings.smtp.security != "none" or settings.smtp.host in LOOPBACK_HOSTS,
                "no e-mail" if settings.smtp is None else f"SMTP {settings.smtp.host} with {settings.smtp.security}"),
        _data_folder(settings),
    ]
    return findings


def _secret_key(settings: Settings) -> Finding:
    if settings.secret_key_generated:
        return Finding("secret key", False, "the secret key was generated into the data folder: set ZHURNAL_SECRET_KEY, the same for every process")
    if len(set(settings.secret_key)) < 16:
        return Finding("secret key", False, "ZHURNAL_SECRET_KEY repeats too few characters to be random: generate one "
                                            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return Finding("secret key", True, "ZHURNAL_SECRET_KEY is set")


def _data_folder(settings: Settings) -> Finding:
    key = settings.data_dir / "secret_key"
    if not settings.secret_key_generated or not key.exists():
        return Finding("data folder", True, "no key file in the data folder")
    mode = stat.S_IMODE(os.stat(key).st_mode)
    ok = not mode & (stat.S_IRWXG | stat.S_IRWXO)
    return Finding("data folder", ok, f"{key} is readable by its owner only" if ok else f"{key} is readable by others (mode {mode:o}): chmod 600")

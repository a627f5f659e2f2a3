"""Settings from ZHURNAL_* variables: defaults, parsing and one clear line for bad values."""

from __future__ import annotations

import stat

import pytest

from core.errors import ConfigError
from core.settings import SETTINGS, Settings, normalize_database_url


def test_defaults_for_the_embedded_database(tmp_path):
    settings = Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/zhurnal.db"
    assert settings.plugins is None
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.event_dispatcher is True


def test_the_generated_secret_key_is_kept_and_private(tmp_path):
    first = Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path)}).secret_key
    second = Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_production_requires_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="ZHURNAL_SECRET_KEY is required when ZHURNAL_ENV=production"):
        Settings.from_env({"ZHURNAL_ENV": "production", "ZHURNAL_DATA_DIR": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()
    key = "k" * 40
    assert Settings.from_env({"ZHURNAL_ENV": "production", "ZHURNAL_SECRET_KEY": key}).secret_key == key


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZHURNAL_PORT": "80a"}, "ZHURNAL_PORT must be a whole number from 1 to 65535, got '80a'"),
        ({"ZHURNAL_PORT": "70000"}, "ZHURNAL_PORT must be a whole number from 1 to 65535"),
        ({"ZHURNAL_WORKERS": "0"}, "ZHURNAL_WORKERS must be a whole number from 1 to 64"),
        ({"ZHURNAL_ENV": "prod"}, "ZHURNAL_ENV must be one of development, production, got 'prod'"),
        ({"ZHURNAL_DATABASE_URL": "mysql://x/y"}, "ZHURNAL_DATABASE_URL uses unsupported database 'mysql'"),
        ({"ZHURNAL_DATABASE_URL": "zhurnal.db"}, "ZHURNAL_DATABASE_URL must look like"),
        ({"ZHURNAL_SECRET_KEY": "short"}, "ZHURNAL_SECRET_KEY must be at least 32 characters"),
        ({"ZHURNAL_PLUGINS": "journal,diary-2"}, "ZHURNAL_PLUGINS must be a comma-separated list of plugin names, got 'diary-2'"),
        ({"ZHURNAL_EVENT_DISPATCHER": "maybe"}, "ZHURNAL_EVENT_DISPATCHER must be one of on, off"),
        ({"ZHURNAL_PROT": "8000"}, "ZHURNAL_PROT is not a zhurnal setting"),
        ({"ZHURNAL_SMTP_HOST": "smtp.school.ru"}, "ZHURNAL_SMTP_FROM must be the sender's e-mail address"),
        ({"ZHURNAL_SMTP_HOST": "smtp.school.ru", "ZHURNAL_SMTP_FROM": "journal@school.ru\r\nBcc: x@y.ru"},
         "ZHURNAL_SMTP_FROM must be the sender's e-mail address"),
        ({"ZHURNAL_SMTP_HOST": "smtp.school.ru", "ZHURNAL_SMTP_FROM": "j@school.ru", "ZHURNAL_SMTP_SECURITY": "tls"},
         "ZHURNAL_SMTP_SECURITY must be one of starttls, ssl, none"),
        ({"ZHURNAL_PUBLIC_URL": "journal.school.ru"}, "ZHURNAL_PUBLIC_URL must look like https://journal.school.ru"),
    ],
)
def test_a_malformed_setting_is_named_in_one_line(env, message, tmp_path):
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path), **env})
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_smtp_settings(tmp_path):
    assert Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path)}).smtp is None  # no host: no e-mail at all
    found = Settings.from_env({"ZHURNAL_DATA_DIR": str(tmp_path), "ZHURNAL_SMTP_HOST": "smtp.school.ru",
                               "ZHURNAL_SMTP_FROM": "journal@school.ru", "ZHURNAL_SMTP_PORT": "465",
                               "ZHURNAL_SMTP_SECURITY": "ssl", "ZHURNAL_SMTP_USER": "journal", "ZHURNAL_SMTP_PASSWORD": "секрет",
                               "ZHURNAL_PUBLIC_URL": "https://journal.school.ru/"})
    assert (found.smtp.host, found.smtp.port, found.smtp.security, found.smtp.user, found.smtp.sender) == (
        "smtp.school.ru", 465, "ssl", "journal", "journal@school.ru")
    assert found.public_url == "https://journal.school.ru"


def test_plugin_list_parsing(tmp_path):
    base = {"ZHURNAL_DATA_DIR": str(tmp_path)}
    assert Settings.from_env({**base, "ZHURNAL_PLUGINS": " journal, diary ,journal"}).plugins == ("journal", "diary")
    assert Settings.from_env({**base, "ZHURNAL_PLUGINS": "none"}).plugins == ()
    assert Settings.from_env({**base, "ZHURNAL_PLUGINS": ""}).plugins is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("postgresql://u@h:5432/db", "postgresql+asyncpg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_urls_get_the_async_driver(given, expected):
    assert normalize_database_url(given) == expected


def test_every_setting_is_documented_with_its_default():
    from pathlib import Path

    operations = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    for spec in SETTINGS:
        assert f"`{spec.env}`" in operations, f"{spec.env} is not documented in docs/operations.md"

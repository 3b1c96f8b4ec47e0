import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from assist_platform import env

ROOT = Path(__file__).resolve().parents[2]


def start_up(**overrides: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with the given environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TIME_ZONE"}
    }
    environment.update(overrides)
    environment["DJANGO_SETTINGS_MODULE"] = "assist_platform.settings"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_booleans_parse_strictly(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.env_bool("SOME_FLAG", not expected) is expected


def test_a_bad_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env.env_bool("SOME_FLAG", False)


def test_a_bad_integer_names_the_variable(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT"):
        env.env_int("EMAIL_PORT", 25)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("3600", 3600), ("45m", 2700), ("12h", 43200), ("30d", 2592000), (" 2D ", 172800)],
)
def test_durations_parse_as_seconds_or_with_one_unit(monkeypatch, raw, seconds):
    monkeypatch.setenv("API_TOKEN_TTL", raw)
    assert env.env_duration("API_TOKEN_TTL", 1) == seconds


@pytest.mark.parametrize("raw", ["30 days", "1.5h", "-1", "d", "1w", "30s30"])
def test_a_bad_duration_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("API_TOKEN_TTL", raw)
    with pytest.raises(ImproperlyConfigured, match="API_TOKEN_TTL"):
        env.env_duration("API_TOKEN_TTL", 1)


def test_tokens_last_thirty_days_unless_configured(settings):
    assert settings.API_TOKEN_TTL == 30 * 24 * 3600
    assert settings.REST_KNOX["TOKEN_TTL"].days == 30


def test_start_up_with_a_malformed_token_ttl_fails_naming_it():
    result = start_up(DEBUG="1", API_TOKEN_TTL="a month")
    assert result.returncode != 0
    assert "API_TOKEN_TTL" in result.stderr


def test_unset_database_url_means_sqlite_under_var(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env.database_config("DATABASE_URL", "/srv/var/db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/var/db.sqlite3"


def test_postgres_database_url_is_parsed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.local:5433/assist")
    config = env.database_config("DATABASE_URL", "unused")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "db.local",
        5433,
        "assist",
    )


def test_a_database_url_of_another_kind_names_the_variable(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/assist")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.database_config("DATABASE_URL", "unused")


def test_a_bad_time_zone_names_the_variable(monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ImproperlyConfigured, match="TIME_ZONE"):
        env.env_timezone("TIME_ZONE", "Asia/Shanghai")


def test_defaults_are_chinese_and_shanghai(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert "en" in dict(settings.LANGUAGES)


def test_start_up_without_secret_key_outside_debug_fails_naming_it():
    result = start_up(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_start_up_with_a_malformed_debug_fails_naming_it():
    result = start_up(DEBUG="perhaps", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
    assert "perhaps" in result.stderr


def test_start_up_with_a_malformed_redis_url_fails_naming_it():
    result = start_up(DEBUG="1", REDIS_URL="localhost:6379")
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_start_up_in_debug_with_defaults_works():
    result = start_up(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_without_redis_tasks_run_in_process():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.CACHES['default']['BACKEND'])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update(DEBUG="1", DJANGO_SETTINGS_MODULE="assist_platform.settings")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == [
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_deploy_check_passes_with_production_settings():
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG"}}
    environment.update(
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-key-9f8e7d6c5b4a3f2e1d0c9b8a7",
        ALLOWED_HOSTS="assist.example.org",
        SECURE_SSL_REDIRECT="1",
        DJANGO_SETTINGS_MODULE="assist_platform.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", ["makemigrations", "check", "migrate"])
def test_a_command_without_a_secret_key_says_so_whatever_it_is(command):
    """Not "Models aren't loaded yet": Django defers the settings error, and which
    check meets it first is a matter of order."""
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            command,
            "--dry-run" if command != "check" else "-v0",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Configuration error: SECRET_KEY must be set" in result.stderr
    assert "AppRegistryNotReady" not in result.stderr

"""Settings come from the environment and fail loudly; production is the default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    environment = {
        name: value
        for name, value in os.environ.items()
        # The test run's own configuration is not the one under test.
        if name
        not in {
            "SECRET_KEY",
            "DEBUG",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "ROADMAP_SERVING",
        }
        and not name.startswith("SECURE_")
    }
    environment["DATABASE_URL"] = "sqlite:///:memory:"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_a_secret_key_is_required():
    result = manage("check")

    assert result.returncode != 0
    assert "Set SECRET_KEY in the environment" in result.stderr


def test_debug_runs_without_a_secret_key():
    assert manage("check", DEBUG="true").returncode == 0


def test_the_cache_is_redis_or_in_process_memory():
    # The rate limits count in the same round trip as the response cache's lookup, which only
    # these backends offer (coalition.redis_cache.CountingCache).
    result = manage("check", DEBUG="true", CACHE_URL="memcache://127.0.0.1:11211")

    assert result.returncode != 0
    assert "CACHE_URL must be a Redis URL" in result.stderr


@pytest.mark.parametrize("value", ["0", "-5"])
def test_stale_after_days_must_be_a_positive_number_of_days(value):
    result = manage("check", DEBUG="true", STALE_AFTER_DAYS=value)

    assert result.returncode != 0
    assert "STALE_AFTER_DAYS must be a whole number of days" in result.stderr


@pytest.mark.parametrize("value", ["C9", "G1", "B", "b2x"])
def test_the_evidence_grade_threshold_must_be_a_grade(value):
    result = manage("check", DEBUG="true", EVIDENCE_GRADE_THRESHOLD=value)

    assert result.returncode != 0
    assert "EVIDENCE_GRADE_THRESHOLD is a grade" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="x7Kq9" * 12,
        ALLOWED_HOSTS="roadmap.example.org",
    )

    assert result.returncode == 0, result.stderr


def test_on_sqlite_writers_wait_their_turn_while_reads_go_on(tmp_path):
    # Found by the security test (finding 7): concurrent writes were 503s "database is locked".
    result = manage(
        "shell",
        "--verbosity=0",
        "--command",
        "from django.db import connection; cursor = connection.cursor(); "
        "print(cursor.execute('PRAGMA journal_mode').fetchone()[0], connection.transaction_mode, "
        "cursor.execute('PRAGMA busy_timeout').fetchone()[0])",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.stdout.split() == ["wal", "IMMEDIATE", "20000"]


def settings_of(*names, **env):
    """The values of some settings as Django reads them from this environment."""
    result = manage(
        "shell",
        "--verbosity=0",
        "--command",
        "from django.conf import settings; "
        f"print(*[repr(getattr(settings, name)) for name in {names!r}], sep='\\n')",
        DEBUG="true",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_email_is_printed_to_the_console_unless_an_email_url_is_set():
    assert settings_of("EMAIL_BACKEND") == ["'django.core.mail.backends.console.EmailBackend'"]


def test_an_smtp_email_url_names_the_server_the_login_and_starttls():
    values = settings_of(
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "DEFAULT_FROM_EMAIL",
        EMAIL_URL="smtp+tls://roadmap:p%40ss@smtp.example.org:587",
        DEFAULT_FROM_EMAIL="Roadmap Tracker <roadmap@example.org>",
    )

    assert values == [
        "'django.core.mail.backends.smtp.EmailBackend'",
        "'smtp.example.org'",
        "587",
        "'roadmap'",
        "'p@ss'",
        "True",
        "'Roadmap Tracker <roadmap@example.org>'",
    ]


def test_the_site_url_of_email_links_must_be_an_address():
    result = manage("check", DEBUG="true", SITE_URL="roadmap.example.org")

    assert result.returncode != 0
    assert "SITE_URL is the site's address" in result.stderr


def test_read_replicas_need_postgresql():
    result = manage("check", DEBUG="true", DATABASE_REPLICA_URLS="postgres://127.0.0.1:5433/x")

    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS needs PostgreSQL" in result.stderr


def test_each_read_replica_is_a_test_mirror_of_the_primary():
    show = (
        "from django.conf import settings as s; "
        "print(s.DATABASE_REPLICAS, s.DATABASES['replica_2']['PORT'], "
        "s.DATABASES['replica_2']['TEST']['MIRROR'], s.DATABASE_ROUTERS)"
    )
    result = manage(
        "shell",
        "-c",
        show,
        DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/roadmap",
        DATABASE_REPLICA_URLS="postgres://r@10.0.0.2:5432/roadmap,postgres://r@10.0.0.3:5433/roadmap",
    )

    assert result.stdout.splitlines()[-1] == (
        "['replica_1', 'replica_2'] 5433 default ['commitments.db_router.ReplicaRouter']"
    )


def test_the_redis_and_replica_timeouts_are_read_from_the_environment():
    show = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.CACHES['default']['OPTIONS']); "
        "print(s.DATABASES['replica_1']['OPTIONS']['connect_timeout'], "
        "s.DATABASES['replica_1']['OPTIONS']['options'])"
    )
    result = manage(
        "shell",
        "--verbosity=0",
        "--command",
        show,
        DEBUG="true",
        CACHE_URL="redis://127.0.0.1:6379/0",
        REDIS_SOCKET_TIMEOUT="0.25",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/roadmap",
        DATABASE_REPLICA_URLS="postgres://r@10.0.0.2:5432/roadmap",
        DATABASE_REPLICA_TIMEOUT="1.5",
    )

    assert result.stdout.splitlines() == [
        "coalition.redis_cache.FailOpenRedisCache "
        "{'socket_timeout': 0.25, 'socket_connect_timeout': 0.5}",
        "2 -c jit=off -c statement_timeout=1500",
    ], result.stderr

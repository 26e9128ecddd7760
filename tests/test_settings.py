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
        not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
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


@pytest.mark.parametrize("value", ["0", "-5"])
def test_stale_after_days_must_be_a_positive_number_of_days(value):
    result = manage("check", DEBUG="true", STALE_AFTER_DAYS=value)

    assert result.returncode != 0
    assert "STALE_AFTER_DAYS must be a whole number of days" in result.stderr


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

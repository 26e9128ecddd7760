"""The restore drill of docs/operations.md, run by CI on both databases: a database with the
Roadmap, approved and pending status updates, a contribution and an indicator value is backed
up as the runbook says (PostgreSQL: pg_dump -Fc; SQLite: the backup API, which is what
`sqlite3 ... ".backup ..."` runs), restored into a new database, and then must hold the same
rows, keep every trigger (history still append-only), hand out new ids above the restored ones,
and be the schema the code expects (no migration left to apply)."""

import datetime
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django.test import override_settings

from commitments.models import Commitment, Contribution, Indicator
from commitments.services import record_contribution, record_indicator_value

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_erasable_history")]


@pytest.fixture
def history(roadmap, record, analyst):
    """Rows of every kind that the history holds, committed (the backup sees only those)."""
    record(Commitment.objects.get(code="MIL-1"), status="on_track", progress=40)
    record(Commitment.objects.get(code="MIL-1"), status="at_risk", as_of=datetime.date(2024, 3, 1))
    with override_settings(REVIEW_REQUIRED=True):
        record(Commitment.objects.get(code="FTF-1"), summary="Awaiting review.")
    record_contribution(
        partner=Commitment.objects.get(code="STB-1").partners.first(),
        commitment=Commitment.objects.get(code="STB-1"),
        author=analyst,
        kind=Contribution.Kind.TRAINING,
        count=40,
        unit="instructors",
        date=datetime.date(2024, 3, 1),
    )
    record_indicator_value(
        indicator=Indicator.objects.filter(commitment__isnull=False).first(),
        author=analyst,
        value=Decimal(12),
        as_of=datetime.date(2024, 3, 1),
    )


# The history and its review decisions, and what their triggers answer a change with.
APPEND_ONLY = ["commitments_statusupdate", "commitments_review"]
REFUSED = r"\((UPDATE|DELETE) refused\)"


def test_a_postgresql_backup_restores_whole_and_still_append_only(history, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL drill (the SQLite one runs on SQLite)")
    source = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": source["HOST"] or "127.0.0.1",
        "PGPORT": str(source["PORT"] or 5432),
        "PGUSER": source["USER"],
        "PGPASSWORD": source["PASSWORD"] or "",
    }
    restored = f"{source['NAME']}_restore_drill"
    backup = tmp_path / "roadmap.dump"

    def run(*command):
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)

    # As docs/operations.md says: a dump of the custom format, restored into a new database.
    run("pg_dump", "--format=custom", f"--file={backup}", source["NAME"])
    run("dropdb", "--if-exists", "--force", restored)
    run("createdb", restored)
    try:
        run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(backup))
        copy = psycopg2.connect(
            dbname=restored,
            host=env["PGHOST"],
            port=env["PGPORT"],
            user=env["PGUSER"],
            password=env["PGPASSWORD"] or None,
        )
        with connection.cursor() as cursor:
            counts, triggers = _pg_counts(cursor), _pg_triggers(cursor)
        assert counts["commitments_statusupdate"] == 3  # the drill has history to lose
        try:
            with copy.cursor() as cursor:
                assert _pg_counts(cursor) == counts
                assert _pg_triggers(cursor) == triggers
                for table in APPEND_ONLY:
                    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
                        with pytest.raises(psycopg2.IntegrityError, match=REFUSED):
                            cursor.execute(statement)
                        copy.rollback()
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('commitments_statusupdate', 'id')) "
                    "> (SELECT max(id) FROM commitments_statusupdate)"
                )
                assert cursor.fetchone() == (True,)
        finally:
            copy.close()
        source_url = f"postgres://{env['PGUSER']}@{env['PGHOST']}:{env['PGPORT']}/{restored}"
        assert _unapplied_migrations(source_url, env["PGPASSWORD"]) == ""
    finally:
        run("dropdb", "--if-exists", "--force", restored)


def test_an_sqlite_backup_restores_whole_and_still_append_only(history, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill (the PostgreSQL one runs on PostgreSQL)")
    live = sqlite3.connect(connection.settings_dict["NAME"])
    backup = sqlite3.connect(tmp_path / "backup.sqlite3")
    try:
        # What `sqlite3 var/db.sqlite3 ".backup var/backup.sqlite3"` does: one consistent state,
        # while the app may go on writing.
        live.backup(backup)
        backup.close()
        # Restoring is putting that file in the database's place, the app stopped.
        restored_file = tmp_path / "restored.sqlite3"
        restored_file.write_bytes((tmp_path / "backup.sqlite3").read_bytes())
        restored = sqlite3.connect(restored_file)
        try:
            assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            counts = _sqlite_counts(live)
            assert counts["commitments_statusupdate"] == 3  # the drill has history to lose
            assert _sqlite_counts(restored) == counts
            assert _sqlite_triggers(restored) == _sqlite_triggers(live)
            for table in APPEND_ONLY:
                for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
                    with pytest.raises(sqlite3.IntegrityError, match=REFUSED):
                        restored.execute(statement)
                    restored.rollback()
        finally:
            restored.close()
    finally:
        live.close()
    assert _unapplied_migrations(f"sqlite:///{restored_file}") == ""


def _pg_counts(cursor):
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables = [name for (name,) in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _pg_triggers(cursor):
    cursor.execute(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
        "ORDER BY 1, 2"
    )
    return cursor.fetchall()


def _sqlite_counts(database):
    tables = [
        name
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {
        table: database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
    }
    return counts


def _sqlite_triggers(database):
    return database.execute(
        "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY 1, 2"
    ).fetchall()


def _unapplied_migrations(database_url, password=""):
    """What `migrate --check` finds left to apply to the restored database ("" for nothing)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PGPASSWORD": password,
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-of-the-restore-drill-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    checked = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check", "--plan"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return "" if checked.returncode == 0 else checked.stdout + checked.stderr

"""When the database is too slow or its disk is full, a request is answered at once with a 503
that says which (commitments/dependencies.py), never left waiting until its worker is killed.

Each fault is made for real: another connection holds the lock a write needs, a statement runs
out of time on the server, the disk of the database fills up."""

import contextlib
import logging
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2.errors
import pytest
from django.db import OperationalError, connection

from commitments import dependencies
from commitments.dependencies import Fault
from commitments.models import StatusUpdate
from tests.helpers import READY, counted, refusal
from tests.test_settings import manage

pytestmark = pytest.mark.fault

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement and lock timeouts are PostgreSQL's"
)
UPDATE = {"status": "on_track", "as_of": "2024-01-15", "summary": "Training went on."}
PASSWORD = "correct horse battery staple"  # the factories' password
# How long a write waits for a lock here (the settings' DATABASE_LOCK_TIMEOUT is 5 s), and how
# long the whole request may take with it, on a busy test machine.
WAIT = 0.3
BOUND_SECONDS = 2


@postgresql_only
@pytest.mark.django_db
def test_every_connection_of_a_serving_process_has_the_timeouts_and_no_jit(settings):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
            " current_setting('jit')"
        )
        session = cursor.fetchone()

    assert session == (
        f"{settings.DATABASE_STATEMENT_TIMEOUT:g}s",
        f"{settings.DATABASE_LOCK_TIMEOUT:g}s",
        "off",
    )


@postgresql_only
@pytest.mark.django_db
def test_management_commands_run_without_them():
    show = (
        "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute(\"SELECT current_setting('statement_timeout'), "
        "current_setting('lock_timeout')\"); print(*cursor.fetchone())"
    )
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"

    result = manage("shell", "--verbosity=0", "--command", show, DEBUG="true", DATABASE_URL=url)

    assert result.stdout.split() == ["0", "0"], result.stderr


@contextlib.contextmanager
def held(table, column, value):
    """Another connection holds what a write of that row needs until the block ends: the row's
    lock on PostgreSQL (SELECT ... FOR UPDATE), the database's write lock on SQLite, which has
    one writer at a time."""
    if connection.vendor == "postgresql":
        holder = connection.get_new_connection(connection.get_connection_params())
        holder.cursor().execute(f"SELECT 1 FROM {table} WHERE {column} = %s FOR UPDATE", [value])
    else:
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


@contextlib.contextmanager
def waiting_at_most(seconds, timeout="lock_timeout"):
    """This connection waits `seconds` for a lock rather than the settings' 5 (SQLite's busy
    timeout: 20); `timeout="statement_timeout"` makes the server cancel the waiting statement
    instead. Set back when the block ends."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET lock_timeout = 0")
            cursor.execute(f"SET {timeout} = {round(seconds * 1000)}")
        else:
            configured = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            cursor.execute(f"PRAGMA busy_timeout = {round(seconds * 1000)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("RESET lock_timeout")
                cursor.execute("RESET statement_timeout")
            else:
                cursor.execute(f"PRAGMA busy_timeout = {configured}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "timeout",
    [
        "lock_timeout",
        pytest.param("statement_timeout", marks=postgresql_only),
    ],
)
def test_a_write_that_waits_too_long_for_a_lock_is_a_503_to_retry(
    api, roadmap, analyst, token_for, caplog, timeout
):
    token = {"Authorization": f"Bearer {token_for(analyst)}"}
    assert api.get("/api/v1/commitments/MIL-1/", headers=token).status_code == 200  # warm
    before = dependencies.counts[Fault.DATABASE_BUSY]
    answered_before = counted("roadmap_http_unavailable_total", cause="database_busy")

    with held("commitments_commitment", "code", "MIL-1"), waiting_at_most(WAIT, timeout):
        started = time.monotonic()
        response = api.post("/api/v1/commitments/MIL-1/updates/", UPDATE, headers=token)
        seconds = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert refusal(response) == {
        "detail": "The database is busy: this request timed out waiting for it. Please try "
        "again in a few seconds."
    }
    assert response.json()["code"] == "database_busy"
    assert WAIT <= seconds < BOUND_SECONDS
    assert not StatusUpdate.objects.exists()
    assert dependencies.counts[Fault.DATABASE_BUSY] == before + 1
    assert counted("roadmap_http_unavailable_total", cause="database_busy") == answered_before + 1
    logged = [record for record in caplog.records if record.name.startswith("commitments.")]
    assert logged[-1].levelno == logging.ERROR
    assert "(database_busy)" in logged[-1].getMessage()


@pytest.mark.django_db(transaction=True)
def test_a_page_that_waits_too_long_for_a_lock_is_a_503_page_that_says_so(client, analyst):
    with held("auth_user", "username", "analyst"), waiting_at_most(WAIT):
        response = client.post(
            "/admin/login/", {"username": "analyst", "password": PASSWORD, "next": "/admin/"}
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Busy for a moment" in page
    assert "The database is busy: this request timed out waiting for it." in page


@pytest.fixture
def small_disk():
    """A disk of 16 MiB of its own (a tmpfs, which needs root), unmounted afterwards. Open to
    every user: a local PostgreSQL server writes there too."""
    folder = Path(tempfile.mkdtemp(prefix="roadmap-small-disk-"))
    folder.chmod(0o755)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=1777", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a small disk (tmpfs) here: {mounted.stderr.strip()}")
    dependencies.forget()
    try:
        yield folder
    finally:
        dependencies.forget()
        subprocess.run(["umount", "--lazy", str(folder)], check=True, timeout=30)
        folder.rmdir()


def fill(folder):
    """Writes a file in `folder` until its disk has no byte left."""
    with (folder / "filler").open("wb", buffering=0) as filler:
        for size in (1024 * 1024, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * size)


@contextlib.contextmanager
def sqlite_database_in(folder):
    """The test database, copied into `folder`, is the one the app uses until the block ends."""
    original = connection.settings_dict["NAME"]
    copy = folder / "db.sqlite3"
    source, target = sqlite3.connect(original), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    connection.close()
    connection.settings_dict["NAME"] = str(copy)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the database's disk is the server's")
@pytest.mark.django_db(transaction=True)
def test_a_write_to_a_full_disk_is_a_503_that_says_so_and_readyz_fails(
    api, client, roadmap, analyst, token_for, small_disk, caplog
):
    token = {"Authorization": f"Bearer {token_for(analyst)}"}
    before = dependencies.counts[Fault.DISK_FULL]
    answered_before = counted("roadmap_http_unavailable_total", cause="disk_full")

    with sqlite_database_in(small_disk):
        assert api.get("/api/v1/commitments/MIL-1/", headers=token).status_code == 200
        fill(small_disk)
        response = api.post("/api/v1/commitments/MIL-1/updates/", UPDATE, headers=token)
        written = StatusUpdate.objects.exists()
        ready = client.get("/readyz")

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert refusal(response) == {
        "detail": "The server's disk is full, so this request could not be completed. Please "
        "try again later; the site's operators must free some space first."
    }
    assert response.json()["code"] == "disk_full"
    assert not written
    assert dependencies.counts[Fault.DISK_FULL] == before + 1
    assert counted("roadmap_http_unavailable_total", cause="disk_full") == answered_before + 1
    logged = [record for record in caplog.records if record.name.startswith("commitments.")]
    assert "(disk_full)" in logged[-1].getMessage()
    assert "database or disk is full" in logged[-1].getMessage()
    assert ready.status_code == 503
    assert ready.json() == READY | {"status": "unavailable", "disk": "full"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the database's disk is the server's")
@pytest.mark.django_db
def test_readyz_fails_while_the_disk_of_sqlite_has_less_free_space_than_the_minimum(
    client, settings
):
    folder = Path(connection.settings_dict["NAME"]).parent
    settings.MIN_FREE_DISK_MB = shutil.disk_usage(folder).free // (1024 * 1024) + 1

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["disk"] == "full"


@postgresql_only
@pytest.mark.django_db
def test_postgresqls_own_disk_full_error_is_named_a_full_disk(small_disk):
    # The server's own refusal, for real: a file it writes (COPY ... TO a file on the full
    # disk), not a table, so that nothing of the shared server's depends on this disk. A write
    # of a request meets the same error, and goes through the same dependencies.database_fault
    # as SQLite's in the test above.
    fill(small_disk)

    with pytest.raises(OperationalError) as refused, connection.cursor() as cursor:
        cursor.execute(f"COPY (SELECT repeat('x', 1000000)) TO '{small_disk / 'out'}'")

    assert isinstance(refused.value.__cause__, psycopg2.errors.DiskFull)
    assert dependencies.database_fault(refused.value) is Fault.DISK_FULL

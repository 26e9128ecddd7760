"""When the database is too slow, a request is answered at once with a 503 that says so
(commitments/dependencies.py), never left waiting until its worker is killed.

Each fault is made for real: another connection holds the lock a write needs, a statement runs
out of time on the server."""

import contextlib
import logging
import sqlite3
import time

import pytest
from django.db import connection

from commitments import dependencies
from commitments.dependencies import Fault
from commitments.models import StatusUpdate
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
def test_every_connection_of_a_serving_process_has_the_statement_and_lock_timeouts(settings):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
        )
        timeouts = cursor.fetchone()

    assert timeouts == (
        f"{settings.DATABASE_STATEMENT_TIMEOUT:g}s",
        f"{settings.DATABASE_LOCK_TIMEOUT:g}s",
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

    with held("commitments_commitment", "code", "MIL-1"), waiting_at_most(WAIT, timeout):
        started = time.monotonic()
        response = api.post("/api/v1/commitments/MIL-1/updates/", UPDATE, headers=token)
        seconds = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The database is busy: this request timed out waiting for it. Please try "
        "again in a few seconds."
    }
    assert WAIT <= seconds < BOUND_SECONDS
    assert not StatusUpdate.objects.exists()
    assert dependencies.counts[Fault.DATABASE_BUSY] == before + 1
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

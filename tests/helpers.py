"""Small things that several test files need and that are neither fixtures nor factories."""

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import DatabaseError, connection, transaction
from prometheus_client import REGISTRY


def current(commitment):
    """What `commitment` shows now, read again from the database: its current status, progress
    and as-of date."""
    commitment.refresh_from_db()
    return commitment.current_status, commitment.current_progress, commitment.current_as_of


def execute_refused(sql, params, match="append-only"):
    """Runs `sql` (with `params`), which the database must refuse with an error that matches
    `match`; its savepoint is rolled back, so that the test carries on."""
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


# NATO's pledge to MIL-1, as POST /api/v1/contributions/ takes it.
PLEDGE = {
    "partner": "nato",
    "commitment": "MIL-1",
    "kind": "funds_pledged",
    "amount": "2500000.50",
    "currency": "EUR",
    "date": "2024-03-01",
}

# What /readyz answers when the database, its disk and the cache all answer.
READY = {"status": "ok", "database": "ok", "disk": "ok", "cache": "ok"}


ROOT = Path(__file__).resolve().parents[1]


def counted(name, **labels):
    """A metric's value as this process counts it: what /metrics serves outside gunicorn
    (prometheus-client's registry); 0 before anything was counted under these labels."""
    return REGISTRY.get_sample_value(name, labels) or 0


def database_url():
    """The test database, for another process (a server, a task worker)."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    credentials = quote(database["USER"] or "") + (
        f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    )
    return (
        f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )


def empty_every_table_past_the_triggers():
    """SQLite: empties every table, its triggers lifted for the while and created again as they
    were. pytest-django empties the tables after a transactional test: PostgreSQL with TRUNCATE,
    which the append-only triggers let through for the tests (conftest), SQLite with DELETE,
    which they refuse."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        cursor.execute("PRAGMA foreign_keys = OFF")
        for name, _ in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        for _, sql in triggers:
            cursor.execute(sql)
        cursor.execute("PRAGMA foreign_keys = ON")


def refusal(response):
    """What an API error says, as a test reads it: a 400's messages per field (its problem's
    `errors`), else `{"detail": ...}` (the problem's message)."""
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    return problem["errors"] if "errors" in problem else {"detail": problem["detail"]}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The language switcher's form (templates/language_switcher.html): a token masked anew each time.
_CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
# Each request's own id, which a problem's body carries (commitments.request_log).
_REQUEST_ID = re.compile(rb',"request_id":"[^"]*"')


def workbook_text(body):
    """What an Excel workbook says (its sheets and strings, as XML): a workbook is zipped, and
    stamped with the time it was written."""
    with zipfile.ZipFile(io.BytesIO(body)) as workbook:
        return b"".join(
            workbook.read(name)
            for name in sorted(workbook.namelist())
            if name.startswith("xl/") and name.endswith(".xml")
        )


def zipped_text(body):
    """Every file of a ZIP (the snapshot's), uncompressed: a secret must not hide in it."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return b"".join(archive.read(name) for name in sorted(archive.namelist()))


def body_of(response):
    """What a response says, as two answers to the same read are compared: a streamed body
    joined, a workbook or a ZIP as its text, a problem without its request id and a page
    without its CSRF token (each request's own)."""
    body = b"".join(response) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith(XLSX):
        return workbook_text(body)
    if content_type.startswith("application/zip"):
        return zipped_text(body)
    if content_type.startswith("application/problem+json"):
        return _REQUEST_ID.sub(b"", body)
    if content_type.startswith("text/html"):
        return _CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken"', body)
    return body


def reads_commitments(sql):
    """Whether a captured statement reads the commitments: by their table's name, or as a
    statement prepared earlier on its connection (selectors.raw_sql.execute_prepared), whose
    EXECUTE names no table."""
    return "commitments_commitment" in sql or sql.startswith("EXECUTE prepared_")


def statement_text(sql):
    """A captured statement's SQL; of an EXECUTE of a statement prepared earlier on the
    connection (selectors.raw_sql.execute_prepared), the statement it prepared."""
    if not sql.startswith("EXECUTE prepared_"):
        return sql
    name = sql.removeprefix("EXECUTE ").split("(", 1)[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
        (statement,) = cursor.fetchone()
    return statement

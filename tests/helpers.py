"""Small things that several test files need and that are neither fixtures nor factories."""

import contextlib
import http.client
import subprocess
import sys
import time
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
    "evidence_source": "Pledging conference statement",
}

# What /readyz answers when the database, its disk and the cache all answer.
READY = {"status": "ok", "database": "ok", "disk": "ok", "cache": "ok"}


ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def gunicorn(env, port, log, ready="/readyz"):
    """`gunicorn coalition.wsgi` in the project's folder (so with its gunicorn.conf.py), in
    `env`, its output in the file `log`; yields the process once `ready` answers 200 on
    127.0.0.1:`port` (fails the test after 20 s), and kills it if it is still running after."""
    with Path(log).open("w") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "coalition.wsgi"],
            cwd=ROOT, env=env, stdout=output, stderr=output,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not _answers(port, ready):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not become ready:\n{Path(log).read_text()}")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _answers(port, path):
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection_.request("GET", path)
        return connection_.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection_.close()


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


def refusal(response):
    """What an API error says, as a test reads it: a 400's messages per field (its problem's
    `errors`), else `{"detail": ...}` (the problem's message)."""
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    return problem["errors"] if "errors" in problem else {"detail": problem["detail"]}

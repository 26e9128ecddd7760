"""gunicorn as deployed (the project's gunicorn.conf.py: gthread, 2 workers, draining) on a
free loopback port, on the test database, for the tests that need a real server. Every wait is
bounded."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import database_url

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port, path, connection_=None, timeout=10, headers=None):
    """(status, body) of a GET, on `connection_` (kept alive) or a connection of its own."""
    own = connection_ is None
    conn = connection_ or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        if own:
            conn.close()


@contextlib.contextmanager
def serving(log, **settings):
    """gunicorn on the test database, its output (stdout and stderr) in the file `log`, with
    production settings and `settings` (environment variables) over them; yields (process,
    port) once /readyz answers 200. Killed if still running at the end."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-of-the-gunicorn-tests-0123456789abcdefghij",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        **settings,
    }
    for name in ("CACHE_URL", "DATABASE_REPLICA_URLS", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(GUNICORN), "coalition.wsgi"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(port, "/readyz", timeout=2)[0] == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not become ready:\n{log.read_text()}")
            time.sleep(0.1)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    print(log.read_text())  # shown when the test fails

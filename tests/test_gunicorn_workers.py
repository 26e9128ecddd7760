"""gunicorn's threaded worker as gunicorn.conf.py configures it (coalition/gunicorn_workers.py):
a worker whose threads are all busy leaves new connections to another worker. Real gunicorn
on a free loopback port, on the test database; every wait is bounded."""

import socket
import time

import pytest

from tests.gunicorn_server import get, serving

# gunicorn's thread waits this long for the first request of a connection before it lets go.
THREAD_HELD_SECONDS = 5


@pytest.fixture
def one_thread_each(db, tmp_path):
    """gunicorn as deployed, but with one thread in each of its 2 workers; yields its port."""
    with serving(tmp_path / "gunicorn.log", GUNICORN_THREADS="1") as (_, port):
        yield port


def test_a_worker_whose_threads_are_busy_leaves_new_connections_to_another(one_thread_each):
    # A client that connects and says nothing holds the thread of the worker that accepted it.
    with socket.create_connection(("127.0.0.1", one_thread_each)) as silent:
        silent.settimeout(THREAD_HELD_SECONDS * 2)
        time.sleep(0.5)  # accepted, its thread waiting
        # Each new connection is the other worker's: none waits behind the silent client's.
        # (gunicorn's own worker takes a connection whatever it is doing: one in two would.)
        for _ in range(4):
            started = time.monotonic()
            assert get(one_thread_each, "/healthz", timeout=THREAD_HELD_SECONDS * 2)[0] == 200
            assert time.monotonic() - started < THREAD_HELD_SECONDS / 2

"""gunicorn with the project's gunicorn.conf.py, stopped under load: a stopping server drains
(coalition/draining.py). Real gunicorn on a free loopback port, on the test database; every wait
is bounded."""

import http.client
import os
import signal
import subprocess
import threading
import time

import pytest

from tests.gunicorn_server import GUNICORN, ROOT, get, serving

DRAIN_SECONDS = 2


@pytest.fixture
def server(roadmap, tmp_path):
    """gunicorn as deployed on the test database; yields (process, port, log) once /readyz
    answers 200."""
    log = tmp_path / "gunicorn.log"
    with serving(log, GUNICORN_DRAIN_SECONDS=str(DRAIN_SECONDS)) as (process, port):
        yield process, port, log


class Load:
    """Clients sending GETs in a loop until a load balancer, polling /readyz, takes the server
    out of rotation (or a deadline passes): half on kept-alive connections, half on a new
    connection each."""

    def __init__(self, port, clients=6, seconds=10):
        self.port = port
        self.deadline = time.monotonic() + seconds
        self.out_of_rotation = threading.Event()
        self.lock = threading.Lock()
        self.results = []  # (started, finished, status or the error)
        self.readyz = []  # (time, status, body)
        self.threads = [
            threading.Thread(target=self._client, args=(number % 2 == 0,))
            for number in range(clients)
        ]
        self.threads.append(threading.Thread(target=self._load_balancer))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.out_of_rotation.set()
        for thread in self.threads:
            thread.join(timeout=20)

    def _running(self):
        return not self.out_of_rotation.is_set() and time.monotonic() < self.deadline

    def _client(self, keep_alive):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while self._running():
            started = time.monotonic()
            try:
                status, _ = get(self.port, "/api/v1/commitments/", conn if keep_alive else None)
            except (OSError, http.client.HTTPException) as error:
                status = repr(error)
                conn.close()
            with self.lock:
                self.results.append((started, time.monotonic(), status))
        conn.close()

    def _load_balancer(self):
        while self._running():
            try:
                # As long as the clients wait: new workers boot while the CI's other tests
                # load both cores, and what is asserted is that nothing is refused or dropped.
                status, body = get(self.port, "/readyz", timeout=10)
            except (OSError, http.client.HTTPException) as error:
                status, body = repr(error), ""
            self.readyz.append((time.monotonic(), status, body))
            if status != 200:
                self.out_of_rotation.set()
            time.sleep(0.05)

    def answered(self):
        return sum(1 for _, _, status in self.results if status == 200)


@pytest.mark.django_db(transaction=True)
def test_a_stopped_server_drains_every_request_it_was_sent(server):
    """SIGTERM under load: /readyz says draining while the workers keep serving, the load
    balancer stops sending, and no request of the load fails (none reset, none refused)."""
    process, port, _ = server
    with Load(port) as load:
        while load.answered() < 20 and time.monotonic() < load.deadline:
            time.sleep(0.05)
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        load.out_of_rotation.wait(timeout=DRAIN_SECONDS + 3)
    process.wait(timeout=DRAIN_SECONDS + 10)

    failed = [status for _, _, status in load.results if status != 200]
    in_flight = [
        status for started, finished, status in load.results if started < stopped_at < finished
    ]
    answered_after = [status for started, _, status in load.results if started > stopped_at]
    draining = [(status, body) for at, status, body in load.readyz if at > stopped_at]
    assert failed == []
    assert set(in_flight) <= {200}
    assert answered_after, "nothing was sent while the server drained: the test proved nothing"
    assert draining[-1] == (503, '{"status": "draining"}')
    assert process.returncode == 0


@pytest.mark.django_db(transaction=True)
def test_a_reloaded_server_replaces_its_workers_without_draining(server):
    """HUP (a reload) replaces the workers while the server goes on: the old ones stop at once
    without saying draining, and every request is answered."""
    process, port, log = server
    with Load(port, seconds=DRAIN_SECONDS + 1) as load:
        time.sleep(0.3)
        process.send_signal(signal.SIGHUP)
        time.sleep(DRAIN_SECONDS)
    lines = log.read_text().splitlines()
    assert sum("Worker exiting" in line for line in lines) == 2
    assert [line for line in lines if "Draining" in line] == []
    assert {status for _, status, _ in load.readyz} == {200}
    assert {status for _, _, status in load.results} == {200}


def test_gunicorn_refuses_a_drain_that_leaves_no_time_for_requests_in_flight():
    checked = subprocess.run(
        [str(GUNICORN), "--check-config", "coalition.wsgi"],
        cwd=ROOT,
        env={**os.environ, "GUNICORN_DRAIN_SECONDS": "30", "GUNICORN_GRACEFUL_TIMEOUT": "30"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode != 0
    assert (
        "GUNICORN_GRACEFUL_TIMEOUT (30 s) must be longer than GUNICORN_DRAIN_SECONDS (30 s)"
        in checked.stderr
    )

"""A private redis-server for the fault tests (tests/test_redis_faults.py): started on a free
loopback port, with nothing saved to disk, so that a test may kill or freeze it without
touching the Redis that other tests and other processes share.

    with private_redis() as server:
        server.url          # redis://127.0.0.1:<port>/0
        with server.frozen():
            ...             # SIGSTOP: connected, silent; SIGCONT when the block ends
        server.stop()       # killed: connections refused
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time

import redis


class RedisUnavailable(Exception):
    """redis-server is not installed."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, process, port):
        self.process, self.port = process, port
        self.url = f"redis://127.0.0.1:{port}/0"

    def stop(self):
        """Killed at once, as a crash or an OOM kill would: connections are refused."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    @contextlib.contextmanager
    def frozen(self):
        """The server stops (SIGSTOP) for the duration of the block: its socket still accepts
        and the kernel still acknowledges, but nothing answers. SIGCONT whatever happens."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield self
        finally:
            os.kill(self.process.pid, signal.SIGCONT)


@contextlib.contextmanager
def private_redis(*options):
    """A redis-server of its own; `options` are more of its command-line options."""
    program = shutil.which("redis-server")
    if program is None:
        raise RedisUnavailable("redis-server not found (Debian's redis-server package has it)")
    port = free_port()
    process = subprocess.Popen(
        [
            *(program, "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", *options),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(process, port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                # A bare connection: redis-py's own client retries a refused one with backoff.
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.01)
        assert redis.Redis(port=port, socket_timeout=5).ping()
        yield server
    finally:
        server.stop()

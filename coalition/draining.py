"""Draining: what a gunicorn worker does when its server is told to stop (SIGTERM), wired by
gunicorn.conf.py.

gunicorn's own answer to SIGTERM is to stop accepting at once and finish what is in flight.
Connections that a load balancer sent a moment before, still queued in the listening socket,
are then reset when the last worker closes it. So a worker of a stopping server first drains:
for GUNICORN_DRAIN_SECONDS it goes on serving everything, /readyz answers 503 ("draining") so
that the load balancer sends nothing more, and kept-alive connections are closed after their
next response. Then gunicorn's own graceful stop runs.

A worker replaced while its server goes on (a reload, HUP) does not drain: the other workers
keep the listening socket open, and /readyz stays as it was.
"""

import contextlib
import os
import signal
import threading
import time

# The master closes its listening sockets just before it signals the workers; a supervisor may
# signal master and workers at once (systemd's KillMode=control-group), so a worker waits this
# long before it looks.
SETTLE_SECONDS = 0.2

_draining = False


def draining():
    """Whether this process is draining: its server is stopping."""
    return _draining


def drain_on_sigterm(worker, seconds):
    """Installs, in a gunicorn worker that has just started (gunicorn's post_worker_init hook),
    a SIGTERM handler that drains for `seconds` before the worker's own handler runs."""
    stop = signal.getsignal(signal.SIGTERM)  # the worker's own: stop accepting, finish in flight
    received = False

    def on_sigterm(signum, frame):
        nonlocal received
        # The master signals again when it stops after a supervisor did: one drain is enough.
        if received:
            return
        received = True
        # The signal handler runs on the main thread, which serves the worker's event loop:
        # waiting there would stop it, so the drain waits on a thread of its own.
        threading.Thread(target=drain_then_stop, args=(signum,), daemon=True).start()

    def drain_then_stop(signum):
        global _draining
        time.sleep(SETTLE_SECONDS)
        if seconds > 0 and _server_stopping(worker):
            _draining = True
            worker.log.info("Draining for %s s: /readyz answers 503 (pid: %s)", seconds, worker.pid)
            time.sleep(seconds)
        stop(signum, None)
        # A sync worker waits on this pipe between requests; gthread's handler wakes its own loop.
        with contextlib.suppress(OSError):
            os.write(worker.PIPE[1], b".")

    signal.signal(signal.SIGTERM, on_sigterm)
    # signal.signal makes SIGTERM interrupt system calls again; gunicorn had turned that off so
    # that the signal does not disturb requests in flight.
    signal.siginterrupt(signal.SIGTERM, False)


def close_when_draining(request):
    """gunicorn's pre_request hook: while draining, each response closes its connection, so that
    a client (or a load balancer's pool) opens its next one where it is served."""
    if _draining:
        request.must_close = True


def _server_stopping(worker):
    """Whether gunicorn's master has closed its listening sockets, as it does when it stops, and
    not when it replaces a worker. Read from /proc; where there is none, assume it stops."""
    mine = {f"socket:[{os.fstat(listener.fileno()).st_ino}]" for listener in worker.sockets}
    folder = f"/proc/{worker.ppid}/fd"
    try:
        descriptors = os.listdir(folder)
    except OSError:
        return True
    held = set()
    for descriptor in descriptors:
        # A descriptor closed since the listing is simply not held.
        with contextlib.suppress(OSError):
            held.add(os.readlink(f"{folder}/{descriptor}"))
    return not mine & held

"""gunicorn's threaded worker, taking a new connection only while one of its threads is free:
gunicorn.conf.py names it as the worker class for `gthread`.

gunicorn's own ThreadWorker accepts every connection it is offered and queues it for its
threads, and a kept-alive connection stays with the worker that accepted it. When many
connections open at once (a load balancer filling its pool, a dashboard's reads, wrk), the
worker that wakes first takes most or all of them: 15 or 16 of 16 in the benchmark, where the
other process sat idle and kept-alive reads ran at half the machine's speed (one core, one
GIL). Leaving a connection in the listening socket while its threads are all busy lets an
idle worker take it instead. The wait is short: each finished request frees a thread (its
kept-alive connection waits on the poller, not in a thread), and the worker looks again.
"""

from gunicorn.workers.gthread import ThreadWorker


class BalancedThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Connections handed to the thread pool and not yet finished. Counted on the worker's
        # main thread only (the event loop: accept, keep-alive, finish_request), so no lock.
        self.in_flight = 0

    def enqueue_req(self, conn):
        self.in_flight += 1
        super().enqueue_req(conn)
        if self.in_flight >= self.cfg.threads:
            self.set_accept_enabled(False)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled):
        # The event loop turns accepting on whenever it is below worker_connections, on each
        # turn: it stays off while every thread is busy.
        super().set_accept_enabled(enabled and self.in_flight < self.cfg.threads)

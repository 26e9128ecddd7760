"""Client-side deadlines for PostgreSQL: how long a request waits for a server that no longer
answers.

statement_timeout and lock_timeout (DATABASE_STATEMENT_TIMEOUT, DATABASE_LOCK_TIMEOUT) have the
server cancel a query that runs or waits too long. They cannot help when the server itself stops:
a frozen server (SIGSTOP, a hung virtual machine or disk) still has its kernel acknowledge every
packet, so TCP keepalives see nothing wrong, and nothing on it runs to cancel anything. A request
would then wait until gunicorn kills its worker, and every worker soon waits with it.

So each wait for the server goes through psycopg2's wait callback
(psycopg2.extensions.set_wait_callback): libpq runs non-blocking and `wait` polls the socket, up
to a deadline read from the connection's own parameters: its connect_timeout while connecting
(libpq does not apply it to a non-blocking connection), then its statement_timeout plus
MARGIN_SECONDS for each query. Past it, `wait` raises DeadlineExceeded, an OperationalError;
psycopg2 closes the connection (a query may still be on its way: it cannot be reused), and the
request's usual path takes over: a replica is set aside and the request runs again on the
primary (commitments.middleware.ReplicaReadsMiddleware), the primary's failure is a 503 with
Retry-After (commitments.dependencies).

A connection without a statement_timeout (management commands, raw psycopg2 connections) waits
as long as it takes, as without the callback. The callback is registered once per process, by
the app's ready(), when the settings give the databases a statement timeout
(settings.DATABASE_CLIENT_DEADLINES). Its cost, and COPY's absence while it is registered
(psycopg2 refuses COPY in this mode: the importer then INSERTs), are in docs/performance.md.
"""

import functools
import re
import select
import time

import psycopg2
from psycopg2 import extensions

# How much longer than the server's statement_timeout the client waits for a query's answer:
# the server cancels the query at statement_timeout and says so at once, unless it is frozen.
MARGIN_SECONDS = 0.5
# A server that let a deadline pass gets no new connection from this process for this long
# (seconds): a connection attempt fails at once instead. Django's health check of a kept
# connection swallows its error and connects again at once, which would cost a second full wait
# on the same frozen server; and the requests that follow get their 503 (or their replica set
# aside) without waiting a deadline each.
SILENT_SECONDS = 5

_EVENTS = {extensions.POLL_READ: select.POLLIN, extensions.POLL_WRITE: select.POLLOUT}
_STATEMENT_TIMEOUT = re.compile(r"statement_timeout\s*=\s*(\d+)\s*(ms|s|min)?")
_UNITS = {None: 0.001, "ms": 0.001, "s": 1, "min": 60}


class DeadlineExceeded(psycopg2.OperationalError):
    """The server did not answer within the connection's deadline."""


# Connection string -> time.monotonic() until which it is not connected to.
_silent_until = {}


def install():
    extensions.set_wait_callback(wait)


def uninstall():
    extensions.set_wait_callback(None)


def installed():
    return extensions.get_wait_callback() is wait


def forget():
    """Every server may be connected to again (for tests)."""
    _silent_until.clear()


@functools.lru_cache(maxsize=64)
def deadlines(dsn):
    """(seconds to connect, seconds per query) for a connection string, None for no limit."""
    parameters = extensions.parse_dsn(dsn)
    connect = float(parameters["connect_timeout"]) if "connect_timeout" in parameters else None
    # The last setting wins, as on the server.
    found = _STATEMENT_TIMEOUT.findall(parameters.get("options", ""))
    query = None
    if found and (amount := int(found[-1][0]) * _UNITS[found[-1][1] or None]):
        query = amount + MARGIN_SECONDS
    return connect if connect else query, query


def wait(connection):
    """psycopg2's wait callback: extras.wait_select's loop, with a deadline. poll(), unlike
    select(), takes a descriptor above 1023."""
    dsn = connection.dsn
    connect, query = deadlines(dsn)
    connecting = connection.status == extensions.STATUS_SETUP
    if connecting and _silent_until and _silent_until.get(dsn, 0) > time.monotonic():
        raise DeadlineExceeded(f"the database server at {_address(connection)} did not answer")
    limit = connect if connecting else query
    deadline = None if limit is None else time.monotonic() + limit
    poller = select.poll()
    while True:
        state = connection.poll()
        if state == extensions.POLL_OK:
            return
        if state not in _EVENTS:
            raise psycopg2.OperationalError(f"bad state from poll: {state}")
        # While connecting, libpq may move on to another address, on another socket.
        descriptor = connection.fileno()
        poller.register(descriptor, _EVENTS[state])
        # poll() takes milliseconds, and a negative time as "for ever".
        timeout = None if deadline is None else max(0, deadline - time.monotonic()) * 1000
        ready = poller.poll(timeout)
        poller.unregister(descriptor)
        if not ready:
            _silent_until[dsn] = time.monotonic() + SILENT_SECONDS
            raise DeadlineExceeded(
                f"the database server at {_address(connection)} did not answer within {limit:g} s"
            )


def _address(connection):
    return f"{connection.info.host}:{connection.info.port}"

"""What the app does when something it depends on fails: the database, its disk, Redis.

One place names each fault, counts it and logs it, so that every path answers a fault the same
way and an operator reads one vocabulary (README, "When a dependency fails"):

- The database refuses or loses the connection: "unavailable", a 503 to retry in a few seconds.
- It is too slow: a statement or lock timeout (DATABASE_STATEMENT_TIMEOUT,
  DATABASE_LOCK_TIMEOUT), the client-side deadline of commitments.db_deadlines, or SQLite's
  write lock still taken after its busy timeout: "busy", a 503 to retry in a few seconds.
- Its disk is full (PostgreSQL's SQLSTATE 53100, SQLite's SQLITE_FULL): "disk full", a 503
  that says so, and /readyz fails for DISK_FULL_READY_SECONDS.
- Redis does not answer: the cache is optional (coalition.redis_cache.FailOpenRedisCache), so
  requests go on with each process's own memory, and this is logged at most once a minute.

`counts` is the number of each fault since the process started; the metric
roadmap_dependency_faults_total counts them too, across the machine's workers.
"""

import enum
import logging
import shutil
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import psycopg2
from django.db import DatabaseError, connection
from django.utils.translation import gettext_lazy as _

from coalition.draining import draining
from commitments import metrics
from commitments.db_deadlines import DeadlineExceeded

logger = logging.getLogger(__name__)


class Fault(enum.StrEnum):
    DATABASE_UNAVAILABLE = "database_unavailable"
    DATABASE_BUSY = "database_busy"
    DISK_FULL = "disk_full"
    REPLICA_SET_ASIDE = "replica_set_aside"
    CACHE_UNAVAILABLE = "cache_unavailable"


class Answer(NamedTuple):
    """What a client is told of a fault of the database: a heading (on a page), a message,
    and when it may try again (Retry-After, in seconds)."""

    heading: str
    message: str
    retry_after: int


ANSWERS = {
    Fault.DATABASE_UNAVAILABLE: Answer(
        _("Back in a moment"),
        _("The database is unavailable for a moment. Please try again in a few seconds."),
        5,
    ),
    Fault.DATABASE_BUSY: Answer(
        _("Busy for a moment"),
        _(
            "The database is busy: this request timed out waiting for it. Please try again in a "
            "few seconds."
        ),
        5,
    ),
    Fault.DISK_FULL: Answer(
        _("The server's disk is full"),
        _(
            "The server's disk is full, so this request could not be completed. Please try "
            "again later; the site's operators must free some space first."
        ),
        60,
    ),
}

# How long /readyz fails after a write hit a full disk, in this process (seconds).
DISK_FULL_READY_SECONDS = 60
# How often, at most, a process logs that Redis does not answer (seconds).
CACHE_LOG_SECONDS = 60

# Fault -> how many times this process met it.
counts = Counter()
_lock = threading.Lock()
_disk_full_at = None  # time.monotonic() of the last full disk
_cache_logged_at = None  # time.monotonic() of the last warning about Redis, None: Redis answers
_cache_failures_unlogged = 0

# PostgreSQL's SQLSTATEs (psycopg2.errorcodes) that mean "too slow", not "gone".
_PG_BUSY = {"57014", "55P03"}  # query_canceled (statement_timeout), lock_not_available
_PG_DISK_FULL = "53100"


def database_fault(error):
    """The fault that a database error (Django's, wrapping the driver's) stands for, counted.
    A full disk is remembered for /readyz."""
    global _disk_full_at
    fault = _classify(error.__cause__ or error)
    with _lock:
        counts[fault] += 1
        metrics.FAULTS.labels(fault.value).inc()
        if fault is Fault.DISK_FULL:
            _disk_full_at = time.monotonic()
    return fault


def _classify(error):
    if isinstance(error, DeadlineExceeded):
        return Fault.DATABASE_BUSY
    if isinstance(error, psycopg2.Error):
        if error.pgcode == _PG_DISK_FULL:
            return Fault.DISK_FULL
        if error.pgcode in _PG_BUSY:
            return Fault.DATABASE_BUSY
        return Fault.DATABASE_UNAVAILABLE
    if isinstance(error, sqlite3.Error):
        name = getattr(error, "sqlite_errorname", "")
        if name.startswith("SQLITE_FULL") or "database or disk is full" in str(error):
            return Fault.DISK_FULL
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "is locked" in str(error):
            return Fault.DATABASE_BUSY
    return Fault.DATABASE_UNAVAILABLE


def replica_set_aside():
    with _lock:
        counts[Fault.REPLICA_SET_ASIDE] += 1
        metrics.FAULTS.labels(Fault.REPLICA_SET_ASIDE.value).inc()


def disk_status(database):
    """The disk of `database` (a DATABASES entry) for /readyz: "full" when a write of this
    process hit a full disk in the last DISK_FULL_READY_SECONDS, or when an SQLite database's
    folder has less than MIN_FREE_DISK_MB free; else "ok". PostgreSQL's disk is the server's,
    which the app cannot see: only its errors tell."""
    from django.conf import settings

    if _disk_full_at is not None and time.monotonic() - _disk_full_at < DISK_FULL_READY_SECONDS:
        return "full"
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = Path(str(database["NAME"])).parent
        minimum = settings.MIN_FREE_DISK_MB * 1024 * 1024
        if folder.is_dir() and shutil.disk_usage(folder).free < minimum:
            return "full"
    return "ok"


def forget():
    """Forgets the last full disk and whether Redis was said to be down (for tests); the
    counts stay."""
    global _disk_full_at, _cache_logged_at, _cache_failures_unlogged
    with _lock:
        _disk_full_at = _cache_logged_at = None
        _cache_failures_unlogged = 0


def cache_unavailable(error):
    """Redis did not answer (`error`): counted, and logged at most once every
    CACHE_LOG_SECONDS, with the number of failures since the last message."""
    global _cache_logged_at, _cache_failures_unlogged
    now = time.monotonic()
    with _lock:
        counts[Fault.CACHE_UNAVAILABLE] += 1
        metrics.FAULTS.labels(Fault.CACHE_UNAVAILABLE.value).inc()
        _cache_failures_unlogged += 1
        if _cache_logged_at is not None and now - _cache_logged_at < CACHE_LOG_SECONDS:
            return
        failures, _cache_failures_unlogged = _cache_failures_unlogged, 0
        _cache_logged_at = now
    logger.warning(
        "Redis does not answer (%s: %s); %d failure(s) since the last message. The cache and "
        "the rate limits use this process's memory until it answers again.",
        type(error).__name__,
        error,
        failures,
    )


def cache_available():
    """Redis answers again after it failed."""
    global _cache_logged_at, _cache_failures_unlogged
    with _lock:
        if _cache_logged_at is None:
            return
        _cache_logged_at, _cache_failures_unlogged = None, 0
    logger.info("Redis answers again: the cache and the rate limits are shared again.")


def readiness():
    """Whether this process is ready to serve, as /readyz answers and the metrics tell
    (roadmap_ready): the process is not draining (its server is stopping,
    coalition/draining.py), the database answers a query and its disk is not full; `status`
    is "ok" only then. The cache is reported, and does not fail it: Redis is optional, and while
    it does not answer each process uses its own memory (coalition.redis_cache.FailOpenRedisCache).
    One query."""
    if draining():
        return {"status": "draining"}
    body = {"status": "ok", "database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        body["database"] = f"unreachable ({type(error).__name__})"
    body["disk"] = disk_status(connection.settings_dict)
    body["cache"] = cache_status()
    if body["database"] != "ok" or body["disk"] != "ok":
        body["status"] = "unavailable"
    return body


def cache_status():
    """The shared cache for /readyz: "unavailable" when it is Redis and Redis does not answer
    now, else "ok"."""
    from django.core.cache import cache

    ping = getattr(cache, "ping", None)
    return "ok" if ping is None or ping() else "unavailable"

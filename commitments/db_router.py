"""Read replicas (DATABASE_REPLICA_URLS): where each query of a request goes.

Writes, migrations and every read that is not marked go to the primary ("default"). The
middleware (commitments.middleware.ReplicaReadsMiddleware) marks the reads of an anonymous GET
or HEAD for a replica, for the duration of that request; everything else — signed-in users,
API tokens, the admin, the login page, management commands — reads the primary, as it did
before replicas existed. The mark is a context variable: each thread of a sync worker and each
task of an ASGI server has its own, and asgiref carries it into the thread that runs sync code.

Three things keep a replica's lag out of sight:
- the data version (ETags and cache keys) is always read on the primary, and a request whose
  replica has not replayed up to it reads the primary instead (selectors.data_version), so a
  body cached under a version is never built from older data;
- a client that has just written is pinned to the primary for REPLICA_PIN_SECONDS (a signed
  cookie), so that it reads its own writes;
- a replica that fails (a refused or lost connection, an operational error) is set aside for
  SET_ASIDE_SECONDS in this process, and the request runs again on the primary.

With no replica configured neither this router nor the middleware is installed."""

import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

# How long a replica that failed is left out, in this process, before it is tried again.
SET_ASIDE_SECONDS = 10

# The alias that this request's reads go to; None outside a request marked for a replica.
_reads = ContextVar("replica_reads", default=None)
# Alias -> time.monotonic() until which the replica is left out (per process).
_down_until = {}


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return _reads.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replicas hold the primary's very rows: an object read on one may refer to one
        # read on another.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica replays the primary's schema; it takes no writes of its own.
        return db == DEFAULT_DB_ALIAS


def healthy_replicas():
    """The replicas this process has not set aside."""
    now = time.monotonic()
    return [alias for alias in settings.DATABASE_REPLICAS if _down_until.get(alias, 0) <= now]


def healthy_replica():
    """One of the replicas not set aside, at random (None when all are)."""
    healthy = healthy_replicas()
    return random.choice(healthy) if healthy else None


def set_aside(alias):
    _down_until[alias] = time.monotonic() + SET_ASIDE_SECONDS


def reset_health():
    """Every replica is tried again from the next request (for tests)."""
    _down_until.clear()


def read_from(alias):
    """Sends this request's reads to `alias` (None: the primary); returns the token that
    `finish` takes to restore what was before."""
    return _reads.set(alias)


def finish(token):
    _reads.reset(token)


def replica_of_this_request():
    """The replica that this request reads, or None when it reads the primary."""
    alias = _reads.get()
    return alias if alias and alias != DEFAULT_DB_ALIAS else None


def read_primary():
    """The rest of this request reads the primary."""
    _reads.set(None)

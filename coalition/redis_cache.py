"""The cache backends settings use: Django's Redis backend, keeping one redis-py client per
connection pool, and in-process memory; both count requests (CountingCache).

Django's backend builds a new redis-py client for every cache call, and redis-py builds its
table of reply callbacks with each client: about 0.1 ms a call, several calls per API read
(throttle counts, the summary). The client is thread-safe; its pool is already shared.

FailOpenRedisCache, the one settings use with CACHE_URL=redis://..., makes Redis optional: see
its docstring.
"""

import time

from django.core.cache.backends import locmem, redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from redis import exceptions as redis_errors

from commitments import dependencies


class CountingCache:
    """What the rate limits need of the cache on every API request, beyond Django's API:
    `count`, a counter that starts at 1 and lives `timeout` seconds, and `get_many_and_count`,
    a read of some keys with counts, as the response cache's lookup does. Here by Django's calls
    (incr, add, get: two to four); the Redis backend does each in one round trip."""

    def count(self, key, timeout):
        try:
            return self.incr(key)
        except ValueError:  # the counter's first count
            if self.add(key, 1, timeout):
                return 1
            return self.incr(key)  # another process added it first

    def get_many_and_count(self, keys, counters):
        """The values found at `keys`, as get_many gives them ({key: value}, the keys found
        only), and the new value of each counter of `counters` ({key: timeout}), in their
        order."""
        found = self.get_many(keys) if keys else {}
        return found, [self.count(counter, timeout) for counter, timeout in counters.items()]


class LocMemCache(CountingCache, locmem.LocMemCache):
    """In-process memory (no CACHE_URL, and Redis's stand-in while it does not answer)."""

    def is_shared(self):
        """Whether what is set here is seen by every process: never, in this process's memory."""
        return False


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]

    def get_many_and_count(self, keys, counters):
        """One pipeline, one round trip: MGET of `keys`, then for each counter SET 0 with its
        expiry unless it exists, and INCR. (Django's incr is an EXISTS and an INCRBY, and a
        window's first count an ADD besides.)"""
        pipeline = self.get_client(write=True).pipeline(transaction=False)
        if keys:
            pipeline.mget(keys)
        for counter, timeout in counters.items():
            pipeline.set(counter, 0, ex=timeout, nx=True)
            pipeline.incr(counter)
        replies = pipeline.execute()
        found = {}
        if keys:
            values, replies = replies[0], replies[1:]
            found = {
                key: self._serializer.loads(value)
                for key, value in zip(keys, values, strict=True)
                if value is not None
            }
        return found, replies[1::2]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count(self, key, timeout):
        return self.get_many_and_count([], {key: timeout})[1][0]

    def get_many_and_count(self, keys, counters):
        made = {self.make_and_validate_key(key): key for key in keys}
        found, counts = self._cache.get_many_and_count(
            list(made),
            {
                self.make_and_validate_key(counter): int(timeout)
                for counter, timeout in counters.items()
            },
        )
        return {made[key]: value for key, value in found.items()}, counts


# What a Redis that cannot serve raises: down, unreachable or refusing us (ConnectionError,
# BusyLoadingError while it loads its data after a restart, AuthenticationError), frozen
# (TimeoutError), full (OutOfMemoryError: maxmemory reached with the noeviction policy), or a
# replica left in its place by a failover (ReadOnlyError). Anything else is a bug, not hidden.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.OutOfMemoryError,
    redis_errors.ReadOnlyError,
)
# What a Redis that cannot serve answers as a plain error reply, by its first word: it cannot
# persist (MISCONF: its own disk full), lacks the replicas it must write to (NOREPLICAS), lost
# its primary (MASTERDOWN), refuses us by its access lists (NOPERM), is full (OOM), is a replica
# (READONLY) or is loading its data (LOADING). Other error replies are bugs, not hidden.
UNAVAILABLE_REPLIES = (
    "MISCONF",
    "NOREPLICAS",
    "MASTERDOWN",
    "NOPERM",
    "OOM",
    "READONLY",
    "LOADING",
)


def unavailable(error):
    """Whether a redis-py error means that Redis cannot serve now, rather than a bug."""
    if isinstance(error, UNAVAILABLE):
        return True
    # In a pipeline, redis-py puts "Command # 2 (SET ...) of pipeline caused error: " first.
    reply = str(error).rpartition(" of pipeline caused error: ")[2]
    return isinstance(error, redis_errors.ResponseError) and reply.startswith(UNAVAILABLE_REPLIES)


# After a failure, how long a process leaves Redis alone before trying it again (seconds): a
# frozen Redis costs one socket timeout per process and period, not one per cache call.
RETRY_SECONDS = 5

# LOCATION -> time.monotonic() until which this process uses its own memory instead.
_down_until = {}


class FailOpenRedisCache(RedisCache):
    """Redis as an optional cache. While Redis does not answer (refused, dropped, timed out),
    every call goes to a cache in this process's memory instead, as if CACHE_URL were unset:
    the response cache and the summary are kept per process (their keys hold the data version,
    so they stay right), and the rate limits count per process, so they still hold in each.
    Requests never fail because of Redis. The failure is counted and logged, at most once a
    minute (commitments.dependencies), and Redis is tried again RETRY_SECONDS later.

    One wrapper of the backend rather than a try at each call: every use of the cache, the
    throttles, DRF's and third parties' included, fails open without knowing it."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._server = server
        # Same key prefix, version and key function; LocMemCache's storage is per process,
        # shared by the threads, under its name.
        self._fallback = LocMemCache(f"redis-unavailable:{server}:{self.key_prefix}", params)

    def _call(self, method, *args, **kwargs):
        if _down_until.get(self._server, 0) <= time.monotonic():
            try:
                result = getattr(super(), method)(*args, **kwargs)
            except redis_errors.RedisError as error:
                if not unavailable(error):
                    raise
                _down_until[self._server] = time.monotonic() + RETRY_SECONDS
                dependencies.cache_unavailable(error)
            else:
                if _down_until and _down_until.pop(self._server, None) is not None:
                    dependencies.cache_available()
                return result
        return getattr(self._fallback, method)(*args, **kwargs)

    def is_shared(self):
        """Whether this process's calls go to Redis now, which every process shares, rather than
        to its stand-in in this process's memory (for RETRY_SECONDS after a failure)."""
        return _down_until.get(self._server, 0) <= time.monotonic()

    def ping(self):
        """Whether Redis answers now (for /readyz), whatever this process last found."""
        try:
            self._cache.get_client(write=True).ping()
        except redis_errors.RedisError as error:
            if not unavailable(error):
                raise
            _down_until[self._server] = time.monotonic() + RETRY_SECONDS
            dependencies.cache_unavailable(error)
            return False
        if _down_until.pop(self._server, None) is not None:
            dependencies.cache_available()
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")

    def count(self, key, timeout):
        return self._call("count", key, timeout)

    def get_many_and_count(self, keys, counters):
        return self._call("get_many_and_count", keys, counters)

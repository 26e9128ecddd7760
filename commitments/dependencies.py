"""What the app does when something it depends on fails.

One place names each fault, counts it and logs it, so that every path answers a fault the same
way and an operator reads one vocabulary (README, "When a dependency fails"):

- Redis does not answer: the cache is optional (coalition.redis_cache.FailOpenRedisCache), so
  requests go on with each process's own memory, and this is logged at most once a minute.

`counts` is the number of each fault since the process started (for the metrics to come).
"""

import enum
import logging
import threading
import time
from collections import Counter

logger = logging.getLogger(__name__)


class Fault(enum.StrEnum):
    CACHE_UNAVAILABLE = "cache_unavailable"


# How often, at most, a process logs that Redis does not answer (seconds).
CACHE_LOG_SECONDS = 60

# Fault -> how many times this process met it.
counts = Counter()
_lock = threading.Lock()
_cache_logged_at = None  # time.monotonic() of the last warning about Redis, None: Redis answers
_cache_failures_unlogged = 0


def forget():
    """Forgets whether Redis was said to be down (for tests); the counts stay."""
    global _cache_logged_at, _cache_failures_unlogged
    with _lock:
        _cache_logged_at = None
        _cache_failures_unlogged = 0


def cache_unavailable(error):
    """Redis did not answer (`error`): counted, and logged at most once every
    CACHE_LOG_SECONDS, with the number of failures since the last message."""
    global _cache_logged_at, _cache_failures_unlogged
    now = time.monotonic()
    with _lock:
        counts[Fault.CACHE_UNAVAILABLE] += 1
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


def cache_status():
    """The shared cache for /readyz: "unavailable" when it is Redis and Redis does not answer
    now, else "ok"."""
    from django.core.cache import cache

    ping = getattr(cache, "ping", None)
    return "ok" if ping is None or ping() else "unavailable"

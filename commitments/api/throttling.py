"""Request rates per client, counted in the shared cache.

DRF's own throttles keep the time of every request in the window as a list, read it from the
cache and write it back on every request: at the user rate (1,200 a minute) that is a list of
up to 1,200 timestamps pickled twice a request. These count instead: one integer per client and
window, whatever the rate, created with its expiry and counted in one round trip
(coalition.redis_cache.CountingCache). A fixed window lets a client send up to twice its rate
across the turn of a window, which is fine for protecting the service.
"""

import math
from dataclasses import dataclass

from django.conf import settings
from rest_framework import throttling
from rest_framework.settings import api_settings

from commitments.client_address import client_address

# The attribute of the (Django) request that holds the RateLimit each throttle counted it in,
# by the cache key of the count.
RATE_LIMITS_ATTRIBUTE = "rate_limits"


@dataclass(frozen=True)
class RateLimit:
    """Where a client stands in one throttle's window: what RateLimitHeadersMiddleware tells
    it, in the IETF RateLimit-Policy and RateLimit headers."""

    policy: str  # the throttle's scope: anon, user
    limit: int  # requests a window
    window: int  # seconds
    count: int  # requests counted in this window, this one included
    reset: int  # seconds until the window turns

    @property
    def remaining(self):
        return max(0, self.limit - self.count)

    def headers(self):
        return {
            "RateLimit-Policy": f'"{self.policy}";q={self.limit};w={self.window}',
            "RateLimit": f'"{self.policy}";r={self.remaining};t={self.reset}',
        }


class CountingThrottle(throttling.SimpleRateThrottle):
    """A request is counted once: by the response cache's lookup, in the same round trip
    (ResponseCacheMiddleware), or here; a request the lookup counted is judged on that count
    when it goes on to the view (a miss, or over the rate)."""

    def allow_request(self, request, view):
        if (counter := self.counter(request, view)) is None:
            return True
        state = self._counted(request).get(counter) or self.admit(
            request, counter, self._count(counter)
        )
        if state.count <= state.limit:
            return True
        self.retry_after = state.reset
        return False

    def counter(self, request, view=None):
        """The cache key of the count of `request`'s client in this window; None when this
        throttle does not count it."""
        if self.rate is None or (key := self.get_cache_key(request, view)) is None:
            return None
        self.now = self.timer()
        return f"{key}:{int(self.now // self.duration)}"

    def admit(self, request, counter, count):
        """Remembers on `request` where its client stands, `count` requests into the window
        of `counter` (which counter() gave); returns that RateLimit."""
        state = self._state(count, self.now)
        self._counted(request)[counter] = state
        return state

    def _counted(self, request):
        # On the Django request, which DRF's wraps: the middleware outside the view reads it.
        django_request = getattr(request, "_request", request)
        if not hasattr(django_request, RATE_LIMITS_ATTRIBUTE):
            setattr(django_request, RATE_LIMITS_ATTRIBUTE, {})
        return getattr(django_request, RATE_LIMITS_ATTRIBUTE)

    def peek(self, request):
        """The RateLimit of `request`'s client without counting a request: for a response
        that no throttle counted (refused before throttling, or answered outside DRF)."""
        if (counter := self.counter(request)) is None:
            return None
        return self._state(self.cache.get(counter, 0), self.now)

    def _state(self, count, now):
        window = int(now // self.duration)
        return RateLimit(
            policy=self.scope,
            limit=self.num_requests,
            window=self.duration,
            count=count,
            reset=math.ceil((window + 1) * self.duration - now),
        )

    def _count(self, key):
        return self.cache.count(key, self.duration)

    def wait(self):
        return self.retry_after

    def get_ident(self, request):
        # DRF's own believes the whole X-Forwarded-For header unless NUM_PROXIES is set, so
        # every forged address got a bucket of its own.
        return client_address(request)


class AnonRateThrottle(CountingThrottle, throttling.AnonRateThrottle):
    """Counts anonymous clients by address (THROTTLE_ANON)."""


class UserRateThrottle(CountingThrottle, throttling.UserRateThrottle):
    """Counts signed-in users and token holders only (THROTTLE_USER). AnonRateThrottle counts
    everyone else; DRF's own UserRateThrottle would count an anonymous client a second time,
    at the user rate, limiting nothing."""

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


def rate_limit_of(request):
    """The tightest RateLimit that counted `request` (a Django request), else where its client
    stands in the API's throttles (CountingThrottle.peek); None when no throttle applies."""
    states = list(getattr(request, RATE_LIMITS_ATTRIBUTE, {}).values()) or [
        state
        for throttle in api_settings.DEFAULT_THROTTLE_CLASSES
        if (state := throttle().peek(request)) is not None
    ]
    return min(states, key=lambda state: state.remaining, default=None)


class RateLimitHeadersMiddleware:
    """RateLimit-Policy and RateLimit (the IETF's draft, as `"anon";q=120;w=60` and
    `"anon";r=87;t=23`) on every response of the API, whatever answered it: a view, the
    response cache (outside which it stands, so that a hit says where its client stands now),
    an error. Retry-After on a 429 stays DRF's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") and (state := rate_limit_of(request)):
            for name, value in state.headers().items():
                response[name] = value
        return response


class BriefingThrottle(CountingThrottle):
    """Counts the briefing pack's PDF and .docx per client (BRIEFING_THROTTLE): signed-in users
    by user, everyone else by address. A render takes seconds, so far fewer than the API's
    reads. Used by a plain Django view (commitments.views.briefing_pack): what it reads of the
    request (the user, REMOTE_ADDR, X-Forwarded-For) a Django request has too."""

    scope = "briefing"

    def get_rate(self):
        return settings.BRIEFING_THROTTLE

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

"""Request rates per client, counted in the shared cache.

DRF's own throttles keep the time of every request in the window as a list, read it from the
cache and write it back on every request: at the user rate (1,200 a minute) that is a list of
up to 1,200 timestamps pickled twice a request. These count instead: one integer per client and
window, whatever the rate. A fixed window lets a client send up to twice its rate across the
turn of a window, which is fine for protecting the service.
"""

from django.conf import settings
from rest_framework import throttling

from commitments.client_address import client_address


class CountingThrottle(throttling.SimpleRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        if self._count(f"{key}:{window}") <= self.num_requests:
            return True
        self.retry_after = (window + 1) * self.duration - now
        return False

    def _count(self, key):
        try:
            return self.cache.incr(key)
        except ValueError:  # the window's first request
            if self.cache.add(key, 1, self.duration):
                return 1
            return self.cache.incr(key)  # another process added it first

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

"""Counts every request and times it, by route template, method and status."""

import functools
import time

from django.conf import settings

from commitments import metrics
from commitments.request_log import route_of

# Requests that match no URL pattern (a 404, a static file) share one label value.
UNMATCHED = "<unmatched>"
# Served by WhiteNoise, before any URL is resolved.
STATIC_PREFIXES = (f"/{settings.STATIC_URL.strip('/')}/", "/favicon.ico")


class RequestMetricsMiddleware:
    """First in MIDDLEWARE, so that the time measured is that of every other middleware too.
    The route is the URL pattern that matched (`api/v1/commitments/<str:code>/`), not the path:
    one time series per pattern, however many commitments there are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = _route(request, response)
        method = request.method if request.method in metrics.METHODS else "other"
        count, duration = _series(route, method, response.status_code)
        count.inc()
        duration.observe(elapsed)
        return response


@functools.cache  # one entry per route, method and status: a bounded few hundred
def _series(route, method, status):
    """The time series of a request, found once: labels() takes a lock and checks its values."""
    return (
        metrics.REQUESTS.labels(route, method, str(status)),
        metrics.REQUEST_DURATION.labels(route, method),
    )


def _route(request, response):
    unresolved = request.resolver_match is None
    if unresolved and (
        response.status_code == 404 or request.path_info.startswith(STATIC_PREFIXES)
    ):
        return UNMATCHED
    # Otherwise one answered before the URL was resolved is a response-cache hit (whose route
    # is that of the view it saves), a redirect to HTTPS or a refusal by a middleware:
    # route_of resolves its path (once per path, for the paths read lately).
    return route_of(request) or UNMATCHED

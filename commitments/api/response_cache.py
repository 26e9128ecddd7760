"""The versioned response cache of the read API: whole rendered bodies of anonymous GETs, kept
in the shared cache (CACHE_URL) under a key that holds the data version.

Any write moves the data version (database triggers, models.DataVersion), so a new key is
used from the next read on and nothing is ever invalidated by hand: an entry can only be
found by a request that saw the very data it was rendered from. (A body rendered while a write
commits may show the write under the version before it; only a request that read that version,
one as concurrent with the write, can find it: every later one reads the new version.) Old keys
are left to expire (RESPONSE_CACHE_SECONDS).

With read replicas the key's version is the primary's, and a body is built from a replica only
when that replica has replayed exactly that version; otherwise the request reads the primary
(selectors.data_version). So a lagging replica can make a read slower, never put an old body
under a new key.

Only anonymous readers are served from it, and only JSON, CSV and XLSX: what a signed-in user or
token holder reads may depend on who they are (staff see pending updates, people's login
names), and the browsable HTML page names its user.

It is a middleware (ResponseCacheMiddleware), so that a hit costs what a dashboard's poll
should: the data version (one primary-key query), one cache read and the anonymous rate
count, none of the view's work nor DRF's authentication and content negotiation. The view
says which responses may be kept (ConditionalGetMixin marks them: an anonymous GET, negotiated
to JSON, CSV or XLSX); the middleware looks up and stores. A request that could be anyone's but an
anonymous reader's (a session cookie, an Authorization header) never reaches the cache, nor
does any request while reads need signing in (ROADMAP_PUBLIC_READ=false)."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.settings import api_settings

from commitments import metrics
from commitments.selectors import data_version

# Entries are pickled CachedResponse objects: a new shape of it, or new headers for what it
# holds, needs a new prefix, so that a deployment never serves the entries of the one before it.
# (3: reads say Cache-Control: no-cache; an entry of 2 would be served without it.)
KEY_PREFIX = "api-response:3"
# An XLSX body is bytes like any other: kept and served back byte for byte, with its
# Content-Type and Content-Disposition.
CACHED_FORMATS = ("json", "csv", "xlsx")
# The request attribute that hands the version the middleware read on to the view, which
# needs it for the ETag: one query a request, not two.
VERSION_ATTRIBUTE = "primary_data_version"
# Conditional requests go through the view, which answers 304s (at the same cost as a hit).
CONDITIONAL_HEADERS = ("If-None-Match", "If-Modified-Since")


@dataclass(frozen=True)
class CachedResponse:
    """A rendered 200: its body and every header the view and the middleware within this one
    gave it (ETag, Last-Modified, Vary, Cache-Control, Content-Type, Content-Disposition,
    X-Frame-Options). Those outside it (CORS, CSP, security headers, gzip) are added to a hit
    as to any response, since they depend on the request."""

    content: bytes
    headers: tuple[tuple[str, str], ...]

    def response(self):
        return HttpResponse(self.content, headers=dict(self.headers))


def may_keep(request, accepted_format):
    """Whether the view may let this (authenticated, negotiated) request's response be kept:
    an anonymous GET of JSON, CSV or XLSX, with the cache on."""
    return (
        settings.RESPONSE_CACHE
        and request.method == "GET"
        and not (request.user and request.user.is_authenticated)
        and accepted_format in CACHED_FORMATS
    )


def key_for(request, data_fingerprint):
    """The data version, today's date and the staleness setting (stale flags move at midnight
    and with the setting, without a write), the full address (scheme and host too: bodies hold
    absolute links) and the Accept header, which decides the representation (`; indent=`
    included)."""
    variant = "|".join(
        [
            data_fingerprint,
            str(timezone.localdate()),
            str(settings.STALE_AFTER_DAYS),
            request.build_absolute_uri(),
            request.headers.get("Accept", ""),
        ]
    )
    return f"{KEY_PREFIX}:{hashlib.sha256(variant.encode()).hexdigest()}"


class ResponseCacheMiddleware:
    """Answers an anonymous GET of the API from the cache when the same address was read since
    the last write, and keeps what the view marked as keepable. Placed after the session,
    CORS, CSRF and authentication middleware and before everything else of the project's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = self._key(request) if self._may_look_up(request) else None
        if key is not None:
            entry = cache.get(key)
            metrics.count_cache_lookup(entry)
            if entry is not None and self._within_rate(request):
                return entry.response()
        response = self.get_response(request)
        if key is not None and getattr(response, "keep_in_response_cache", False):
            self._store(key, response)
        return response

    def _may_look_up(self, request):
        return (
            settings.RESPONSE_CACHE
            and settings.ROADMAP_PUBLIC_READ
            and request.method == "GET"
            and request.path.startswith("/api/")
            and "Authorization" not in request.headers
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not any(name in request.headers for name in CONDITIONAL_HEADERS)
            # Without a session cookie nobody is signed in, and this reads no session. It also
            # marks the session as read, as the view's authentication does: the session
            # middleware then says "Vary: Cookie" of a hit as of a computed response.
            and not request.user.is_authenticated
        )

    def _key(self, request):
        try:
            version = data_version()
        except DatabaseError:
            return None  # the view answers the outage as usual (a 503)
        setattr(request, VERSION_ATTRIBUTE, version)
        return key_for(request, version[0])

    def _within_rate(self, request):
        """A hit counts against the anonymous rate like any request. Over it, the request goes
        on to the view, whose throttle answers 429 with Retry-After."""
        return all(
            throttle().allow_request(request, None)
            for throttle in api_settings.DEFAULT_THROTTLE_CLASSES
        )

    def _store(self, key, response):
        """Keeps a rendered 200, unless it is larger than RESPONSE_CACHE_MAX_BYTES (a CSV of
        everything would crowd out many pages for one rare download) or streamed."""
        if response.status_code != 200 or response.streaming:
            return
        if len(response.content) > settings.RESPONSE_CACHE_MAX_BYTES:
            return
        entry = CachedResponse(response.content, tuple(response.headers.items()))
        cache.set(key, entry, timeout=settings.RESPONSE_CACHE_SECONDS)
        metrics.RESPONSE_CACHE_STORES.inc()

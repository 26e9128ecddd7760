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

Only anonymous readers are served from it, and only JSON and CSV: what a signed-in user or
token holder reads may depend on who they are (staff see pending updates, people's login
names), and the browsable HTML page names its user. The view decides when (ConditionalGetMixin);
this module says what a key is made of and what an entry holds."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

# Entries are pickled CachedResponse objects: a new shape of it needs a new prefix, so that a
# deployment never reads the entries of the one before it.
KEY_PREFIX = "api-response:1"
CACHED_FORMATS = ("json", "csv")


class Hit(Exception):
    """Raised by a view's first step when the cache holds its response: DRF's dispatch then
    skips the handler, and the view's handle_exception returns the entry."""

    def __init__(self, entry):
        super().__init__()
        self.entry = entry


@dataclass(frozen=True)
class CachedResponse:
    """What a response's body depends on beyond its key's parts; the view derives every other
    header (ETag, Last-Modified, Vary, Cache-Control, Content-Disposition) as for any response."""

    content: bytes
    content_type: str
    etag_version: str | None  # a commitment's "v3-<seal>-", part of its ETag


def is_cacheable(request):
    """Whether this (authenticated, negotiated) request may be served from and stored in the
    cache: an anonymous GET of JSON or CSV, with the cache on."""
    return (
        settings.RESPONSE_CACHE
        and request.method == "GET"
        and not (request.user and request.user.is_authenticated)
        and request.accepted_renderer.format in CACHED_FORMATS
    )


def key_for(request, data_fingerprint):
    """The data version, today's date and the staleness setting (stale flags move at midnight
    and with the setting, without a write), the full address (scheme and host too: bodies hold
    absolute links) and the negotiated representation (`; indent=` included)."""
    variant = "|".join(
        [
            data_fingerprint,
            str(timezone.localdate()),
            str(settings.STALE_AFTER_DAYS),
            request.build_absolute_uri(),
            request.accepted_renderer.format,
            request.accepted_media_type,
        ]
    )
    return f"{KEY_PREFIX}:{hashlib.sha256(variant.encode()).hexdigest()}"


def get(key):
    return cache.get(key)


def store(key, response, etag_version):
    """Keeps a rendered 200 response, unless it is larger than RESPONSE_CACHE_MAX_BYTES (a CSV
    of everything would crowd out many pages for one rare download)."""
    if response.status_code != 200 or response.streaming:
        return
    if len(response.content) > settings.RESPONSE_CACHE_MAX_BYTES:
        return
    entry = CachedResponse(response.content, response["Content-Type"], etag_version)
    cache.set(key, entry, timeout=settings.RESPONSE_CACHE_SECONDS)

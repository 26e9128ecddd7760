"""The versioned response cache of the read API: whole rendered bodies of GETs, kept in the
shared cache (CACHE_URL) under a key that holds the data version and what the reader may see.

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

Every reader is served from it: anonymous, signed in or with a token. What a reader is shown
depends not on who they are but on their visibility class (permissions.visibility_class: staff
see pending updates and people's login names, the public neither), and the key holds that class;
for those who see pending records, the review queue's version too, since pending updates move no
data version. So no body crosses classes, and a write is visible to the next read of every one.
What is one reader's alone (owner=me, reviewable: is_personal) is never kept, nor the browsable
HTML page, which names its user: only JSON, CSV and XLSX are.

It is a middleware (ResponseCacheMiddleware), so that a hit costs what a dashboard's poll
should: the reader's authentication as the API does it (none for an anonymous reader; for a
token, one cache round trip while Redis remembers its reader, commitments.api.readers, else the
token's one query; a session's two; and the user's permissions, one more), the data version (one
primary-key query) and one cache round trip, which reads the entry and counts the request in the
reader's rate (anonymous or user) together; none of the view's work nor its content negotiation.
Bodies of JSON and CSV are kept gzipped, compressed once when stored: a client that accepts gzip
(every browser) is sent those bytes, any other the body decompressed (docs/performance.md, "What
a hit costs"). The view says which responses may be kept (ConditionalGetMixin marks them: a GET
negotiated to JSON, CSV or XLSX, not personal, made for the class the middleware keyed it by);
the middleware looks up and stores. Credentials the API refuses (an unknown or revoked token, an
inactive user's) never reach the cache: the view answers them, as it answers an anonymous reader
while reads need signing in (ROADMAP_PUBLIC_READ=false)."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone, translation
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from commitments import compression, languages, metrics
from commitments.api import readers
from commitments.api.permissions import clearance_of_class, holds, may_read, visibility_class
from commitments.models.vocabulary import Releasability
from commitments.selectors import (
    data_and_review_queue_version,
    data_version,
    review_queue_version,
)

# Entries are pickled CachedResponse objects: a new shape of it, or new headers for what it
# holds, needs a new prefix, so that a deployment never serves the entries of the one before it.
# (3: reads say Cache-Control: no-cache; an entry of 2 would be served without it. 4: bodies
# kept gzipped.)
KEY_PREFIX = "api-response:4"
# An XLSX body is bytes like any other: kept and served back byte for byte, with its
# Content-Type and Content-Disposition.
CACHED_FORMATS = ("json", "csv", "xlsx")
# The request attribute that hands the versions the middleware read on to the view, which
# needs them for the ETag: one query a request, not two. (The visibility class they were read
# for, the data version, the version as that class sees it: version_seen_by_class.)
VERSION_ATTRIBUTE = "versions_read"
# The request attribute that names the visibility class the middleware keyed the request by:
# the view keeps a body only if it made it for that class.
CLASS_ATTRIBUTE = "visibility_class"
# The request attributes that hold, for a token reader whose hint Redis did not confirm, what
# the hint's round trip read (readers.lookup_keys), and the counts it made ({counter: count}):
# the lookup that follows reads and counts neither again.
HINT_FOUND_ATTRIBUTE = "token_reader_found"
COUNTS_ATTRIBUTE = "rate_counts"
# Conditional requests go through the view, which answers 304s (at the same cost as a hit).
CONDITIONAL_HEADERS = ("If-None-Match", "If-Modified-Since")


@dataclass(frozen=True)
class CachedResponse:
    """A rendered 200: its body, gzipped when `gzipped` (commitments.compression.compress),
    and every header the view and the middleware within this one gave it (ETag,
    Last-Modified, Vary, Cache-Control, Content-Type, Content-Disposition, X-Frame-Options).
    Those outside it (CORS, CSP, security headers, gzip's) are added to a hit as to any
    response, since they depend on the request."""

    content: bytes
    headers: tuple[tuple[str, str], ...]
    gzipped: bool = False

    def response(self, request):
        if not self.gzipped:
            return HttpResponse(self.content, headers=dict(self.headers))
        if compression.accepts_gzip(request):
            response = HttpResponse(headers=dict(self.headers))
            return compression.compressed_once(response, self.content)
        return HttpResponse(compression.decompress(self.content), headers=dict(self.headers))


def is_personal(query):
    """Whether a query asks for what is its reader's alone, whatever their class: owner=me (their
    own commitments), reviewable (the updates they may decide: not their own). Such responses
    are never kept, rather than kept per user: they are one reader's work lists, rarely
    polled, and a key per user would keep a copy of every one."""
    return "me" in query.getlist("owner") or "reviewable" in query


def may_keep(request, accepted_format):
    """Whether the view may let this (authenticated, negotiated) request's response be kept:
    a GET of JSON, CSV or XLSX that is not personal, with the cache on, made for the visibility
    class the middleware keyed it by (whose rights changed in between is not kept)."""
    return (
        settings.RESPONSE_CACHE
        and request.method == "GET"
        and accepted_format in CACHED_FORMATS
        and not is_personal(request.query_params)
        and getattr(request._request, CLASS_ATTRIBUTE, None) == visibility_class(request.user)
    )


def version_seen_by(request):
    """The data version (selectors.data_version's fingerprint and time) and the version as
    `request`'s reader (a DRF request's user) sees the data: for those who may see pending and
    returned records, which move no data version, with the review queue's version and time too.
    The versions the middleware read (VERSION_ATTRIBUTE), the review queue's too when it read
    it for the reader's class: a staff miss reads it once. (A replica is checked again by
    data_version.)"""
    visibility = visibility_class(request.user)
    read = getattr(request._request, VERSION_ATTRIBUTE, None)
    if read is None:
        return version_seen_by_class(visibility)
    read_for, version, seen = read
    if read_for == visibility:
        return data_version(version, cleared=_cleared(visibility)), seen
    if _cleared(read_for) != _cleared(visibility):
        return version_seen_by_class(visibility)  # another data version: read it
    return version_seen_by_class(visibility, known=version)


def _cleared(visibility):
    """Whether readers of `visibility` are cleared beyond the public: their data version
    follows non-public records too (selectors.cache.data_version)."""
    return clearance_of_class(visibility) != Releasability.PUBLIC


def version_seen_by_class(visibility, known=None):
    """version_seen_by, for readers of the visibility class `visibility`. A request that has
    read neither version reads both in one statement (a staff reader's hit: one query, as the
    public's); one that knows the data version (the view after the middleware) reads the
    queue's alone. Both as the class's clearance reads them: neither moves for a record it may
    not read."""
    clearance = clearance_of_class(visibility)
    cleared = clearance != Releasability.PUBLIC
    if not holds(visibility, "unapproved"):
        version = data_version(known, cleared=cleared)
        return version, version
    if known is None:
        version, (queue, queue_changed_at) = data_and_review_queue_version(clearance)
    else:
        version = data_version(known, cleared=cleared)
        queue, queue_changed_at = review_queue_version(clearance)
    data, changed_at = version
    seen_changed_at = max(filter(None, [changed_at, queue_changed_at]), default=None)
    return version, (f"{data}+{queue}", seen_changed_at)


def key_for(request, data_fingerprint):
    """The reader's visibility class (what they may see), the data version as they see it, the
    language the body is in (commitments.languages, activated for the reader), today's
    date and the staleness setting (stale flags move at midnight and with the setting, without a
    write), the full address (scheme and host too: bodies hold absolute links) and the Accept
    header, which decides the representation (`; indent=` included)."""
    variant = "|".join(
        [
            getattr(request, CLASS_ATTRIBUTE),
            data_fingerprint,
            translation.get_language(),
            str(timezone.localdate()),
            str(settings.STALE_AFTER_DAYS),
            request.build_absolute_uri(),
            request.headers.get("Accept", ""),
        ]
    )
    return f"{KEY_PREFIX}:{hashlib.sha256(variant.encode()).hexdigest()}"


class ResponseCacheMiddleware:
    """Answers a GET of the API from the cache when a reader of the same visibility class read
    the same address since the last write, and keeps what the view marked as keepable. Placed
    after the session, CORS, CSRF and authentication middleware and before everything else of
    the project's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = entry = None
        if self._may_look_up(request):
            key, entry = self._look_up_as_hinted(request) or self._look_up(request)
        if entry is not None:
            return entry.response(request)
        if isinstance(request.user, readers.RememberedReader):
            self._authenticate_for_the_view(request)
        response = self.get_response(request)
        if key is not None and getattr(response, "keep_in_response_cache", False):
            self._store(key, request, response)
        return response

    def _may_look_up(self, request):
        return (
            settings.RESPONSE_CACHE
            and request.method == "GET"
            and request.path.startswith("/api/")
            and not any(name in request.headers for name in CONDITIONAL_HEADERS)
            and not is_personal(request.GET)
        )

    def _look_up_as_hinted(self, request):
        """(key, entry or None) for a token reader whose class this process guessed
        (readers.hinted): the entry, the remembered reader, the readers' version and the rate
        counts in one round trip, as an anonymous hit's. None when there is no hint, or Redis
        does not confirm it (readers.confirm): then the request is looked up as if there had
        been none (_look_up), with what the trip read, counted once. (None, None) when the
        database is out: the view answers that."""
        if (hint := readers.hinted(request)) is None:
            return None
        user = request.user  # AuthenticationMiddleware's, unread: put back when not confirmed
        request.user = hint  # what the rate counts it by
        languages.activate_for(request, hint, query=request.GET)  # what the key holds
        if (key := self._key(request, hint.visibility_class)) is None:
            request.user = user
            return None, None  # the view answers the database's outage
        found, counts = self._trip(request, [key, *readers.lookup_keys(request)])
        if (reader := readers.confirm(request, hint, found)) is None:
            request.user = user
            setattr(request, HINT_FOUND_ATTRIBUTE, found)
            return None
        request.user = reader
        entry = self._served(found.get(key), request, counts)
        return key, entry

    def _look_up(self, request):
        """(key, entry or None) for a reader authenticated first (_authenticate); (None, None)
        when their credentials are refused, or reads need signing in and they are anonymous:
        the view answers them."""
        if not (self._authenticate(request) and may_read(request)):
            return None, None
        if (key := self._key(request, getattr(request, CLASS_ATTRIBUTE))) is None:
            return None, None
        found, counts = self._trip(request, [key])
        return key, self._served(found.get(key), request, counts)

    def _authenticate(self, request):
        """Sets request.user and the reader's visibility class (CLASS_ATTRIBUTE) before the view
        runs, and activates the reader's language (commitments.languages). A token that Redis remembers (readers.recognise) is its RememberedReader, which
        the database is not asked about; any other reader is authenticated as the API's views
        will (DRF's authentication classes: a token, then a session), and a token's reader is
        then remembered. False when the credentials are refused (an unknown or revoked token, an
        inactive user's), or the database that checks them is out: the view answers that
        itself. (An inactive user's session is no user's: anonymous, as to the view.) A session
        read this way is marked as read, as the view's authentication does: the session
        middleware then says "Vary: Cookie" of a hit as of a computed response."""
        found = getattr(request, HINT_FOUND_ATTRIBUTE, None)
        if (reader := readers.recognise(request, found)) is not None:
            request.user = reader
            setattr(request, CLASS_ATTRIBUTE, reader.visibility_class)
            languages.activate_for(request, reader, query=request.GET)
            return True
        try:
            visibility = self._authenticate_in_the_database(request)
            languages.activate_for(request, request.user, query=request.GET)
        except (APIException, DatabaseError):
            return False
        setattr(request, CLASS_ATTRIBUTE, visibility)
        readers.remember(request, visibility)
        return True

    def _authenticate_in_the_database(self, request):
        """The visibility class of the reader DRF's authentication classes find (request.user)."""
        authenticators = [
            authentication() for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES
        ]
        Request(request, authenticators=authenticators).user  # noqa: B018 (sets request.user)
        return visibility_class(request.user)

    def _authenticate_for_the_view(self, request):
        """A remembered token reader's request that missed goes on to the view, which is given
        the real user, authenticated in the database as on any miss (so a miss costs what it
        did), and remembered afresh: a change no signal saw is corrected by it. The key keeps
        the class it was looked up by, so a view that finds another class keeps no body
        (may_keep). A token refused now is refused by the view too."""
        try:
            visibility = self._authenticate_in_the_database(request)
        except (APIException, DatabaseError):
            request.user = AnonymousUser()  # the view authenticates again, and refuses the token
        else:
            readers.remember(request, visibility)

    def _key(self, request, visibility):
        """The key of the request's response for readers of `visibility` (CLASS_ATTRIBUTE set to
        it); the versions read are handed on to the view (VERSION_ATTRIBUTE). None when the
        database is out: the view answers the outage as usual (a 503)."""
        try:
            version, seen = version_seen_by_class(visibility)
        except DatabaseError:
            return None
        setattr(request, CLASS_ATTRIBUTE, visibility)
        setattr(request, VERSION_ATTRIBUTE, (visibility, version, seen))
        return key_for(request, seen[0])

    def _trip(self, request, keys):
        """One cache round trip: the values found at `keys`, and the request counted in its
        client's rates (the API's throttles; a reader signed in or with a token counts against
        the user rate, as in the view), hit or miss: {counter: (throttle, count)}. A count the
        request was given already (by a hint's trip, readers.confirm) is not made again."""
        throttles = {}
        for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES:
            throttle = throttle_class()
            if (counter := throttle.counter(request)) is not None:
                throttles[counter] = throttle
        counted = getattr(request, COUNTS_ATTRIBUTE, {})
        new = {counter: throttle.duration for counter, throttle in throttles.items()}
        new = {counter: duration for counter, duration in new.items() if counter not in counted}
        found, counts = cache.get_many_and_count(keys, new)
        counted = {**counted, **dict(zip(new, counts, strict=True))}
        setattr(request, COUNTS_ATTRIBUTE, counted)
        return found, {
            counter: (throttle, counted[counter]) for counter, throttle in throttles.items()
        }

    def _served(self, entry, request, counts):
        """`entry` (what the lookup found), when the request is within its rate limits. The
        view's throttles judge it on the counts of the lookup: over the rate, the request goes
        on to the view, whose throttle answers 429 with Retry-After."""
        metrics.count_cache_lookup(entry)
        states = [
            throttle.admit(request, counter, count) for counter, (throttle, count) in counts.items()
        ]
        return entry if all(state.count <= state.limit for state in states) else None

    def _store(self, key, request, response):
        """Keeps a rendered 200, unless it is streamed or what the cache would hold of it is
        larger than RESPONSE_CACHE_MAX_BYTES. The bound is on the entry as kept (gzipped, for
        JSON and CSV), since what it guards is the cache's memory: one rare huge download (a CSV
        of everything) must not crowd out many pages, while a large body that compresses well
        (a week's changes, the contribution matrix) costs no more than a few pages. JSON and CSV
        are kept gzipped; this response is sent with those bytes when its client accepts gzip,
        so a body is compressed once."""
        if response.status_code != 200 or response.streaming:
            return
        compressed = compression.compressible(request, response) and compression.compress(
            response.content
        )
        kept = compressed or response.content
        if len(kept) <= settings.RESPONSE_CACHE_MAX_BYTES:
            entry = CachedResponse(kept, tuple(response.headers.items()), bool(compressed))
            cache.set(key, entry, timeout=settings.RESPONSE_CACHE_SECONDS)
            metrics.RESPONSE_CACHE_STORES.inc()
        if compressed and compression.accepts_gzip(request):
            compression.compressed_once(response, compressed)

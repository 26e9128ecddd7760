"""gzip for the API's JSON and CSV: which responses are compressed, for which clients, and a
body compressed once for many responses (the response cache keeps bodies compressed, and
serves the same bytes to every client that accepts gzip).

Only the API's JSON and CSV, where an HTML page carries a CSRF token beside text a visitor can
choose, which compression would let an eavesdropper guess (BREACH). The API's bodies carry no
credential; what staff read in them (pending records, login names) a page of another site can
request with their session only by a top-level navigation (the cookie is SameSite=Lax), one
guess a page load, and with a token reader's credentials not at all. A body compressed once may
be served many times with the same length: another address, so another guess, is another entry,
compressed afresh with its own random padding (Django's, against BREACH)."""

import gzip
import threading
from collections import OrderedDict

from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

COMPRESSED_TYPES = ("application/json", "text/csv")
# GZipMiddleware's: shorter bodies are not worth it.
MIN_LENGTH = 200
# The response attribute that says its content is gzip already (compressed_once).
GZIPPED_ATTRIBUTE = "gzipped"
# What a process keeps of the bodies it decompressed (DecompressedBodies), in bytes.
DECOMPRESSED_BYTES = 8 * 1024 * 1024


def compressible(request, response):
    return request.path.startswith("/api/") and response.get("Content-Type", "").startswith(
        COMPRESSED_TYPES
    )


def accepts_gzip(request):
    return bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def compress(content):
    """`content` gzipped as GZipMiddleware would, or None where it would send it as it is
    (too short, or no shorter compressed)."""
    if len(content) < MIN_LENGTH:
        return None
    compressed = compress_string(content, max_random_bytes=GZipMiddleware.max_random_bytes)
    return compressed if len(compressed) < len(content) else None


def compressed_once(response, compressed):
    """Gives `response` its gzipped body `compressed`, for APICompressionMiddleware to send
    as it is."""
    response.content = compressed
    setattr(response, GZIPPED_ATTRIBUTE, True)
    return response


def label_gzipped(response):
    """The headers GZipMiddleware gives a body it has compressed, for one compressed already:
    Vary, a weak ETag, Content-Encoding and Content-Length."""
    patch_vary_headers(response, ("Accept-Encoding",))
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        response.headers["ETag"] = "W/" + etag
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(response.content))
    return response


class DecompressedBodies:
    """gzip.decompress of the response cache's bodies, remembered by their compressed bytes,
    the most recently used up to `limit` bytes (compressed and decompressed alike).

    A hit for a client that does not accept gzip (curl, .NET's and Java's HTTP clients by
    default, wrk in the benchmark) would otherwise inflate the body on every request: 0.3 ms
    for a page of the feed, 0.8 ms for one of the list under load, as much as the rest of the
    hit. An entry never changes (a write makes new keys), so the same bytes always give the
    same body, and a body polled by such clients is inflated once per process."""

    def __init__(self, limit):
        self.limit = limit
        self._bodies = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gunicorn's threads share a process's

    def __call__(self, compressed):
        with self._lock:
            body = self._bodies.get(compressed)
            if body is not None:
                self._bodies.move_to_end(compressed)
                return body
        body = gzip.decompress(compressed)
        size = len(compressed) + len(body)
        with self._lock:
            if size <= self.limit and compressed not in self._bodies:
                self._bodies[compressed] = body
                self._bytes += size
                while self._bytes > self.limit:
                    old, old_body = self._bodies.popitem(last=False)
                    self._bytes -= len(old) + len(old_body)
        return body


decompress = DecompressedBodies(DECOMPRESSED_BYTES)

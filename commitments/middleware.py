import logging

from csp.constants import HEADER as CSP_HEADER
from csp.constants import SELF, UNSAFE_INLINE
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from commitments import compression, db_router, dependencies, languages, metrics
from commitments.api.problems import problem_response

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, is too slow (a timeout) or its disk is full,
    answer 503 with a Retry-After and a message that says which, JSON for the API and a plain
    page elsewhere, instead of a 500 (commitments.dependencies names the faults). Connections
    are health-checked before reuse (CONN_HEALTH_CHECKS), so service resumes by itself when the
    database is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        fault = dependencies.database_fault(exception)
        logger.error("Answered 503 (%s): %s", fault, exception, exc_info=exception)
        return unavailable_response(request, fault)


def unavailable_response(request, fault=dependencies.Fault.DATABASE_UNAVAILABLE):
    answer = dependencies.ANSWERS[fault]
    metrics.UNAVAILABLE.labels(fault.value).inc()
    if request.path.startswith("/api/"):
        response = problem_response(503, fault.value, answer.message)
    else:
        response = HttpResponse(render_to_string("503.html", answer._asdict()), status=503)
    response["Retry-After"] = str(answer.retry_after)
    return response


class UserLanguageMiddleware:
    """Answers a signed-in user in the language they chose (commitments.languages has the
    rule), after Django's LocaleMiddleware has found what their browser asks for and
    AuthenticationMiddleware who they are; on the briefing pack, `?lang=` before it. On the API,
    which authenticates its readers itself (a token or the session), only `?lang=` is applied here, so that every answer of the API's
    addresses speaks it (a 404 of an unknown address too); the reader's own setting is the
    API's views' (api.base) and the response cache's to apply.

    Every response says that it depends on the cookies as well (Vary: Cookie): the language
    cookie the switcher sets chooses the language, as a session does. LocaleMiddleware, outside
    this, says Content-Language and Vary: Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET if request.path.startswith(languages.CHOSEN_BY_QUERY) else None
        if request.path.startswith("/api/"):
            languages.activate_for(request, None, query=query)
        else:
            try:
                user = request.user
                user.is_authenticated  # noqa: B018 (reads the session and the user)
            except (OperationalError, InterfaceError):
                user = None  # the view meets the outage too, and answers 503 (below)
            languages.activate_for(request, user, query=query)
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response


# The signed cookie that pins a client that has just written to the primary.
PIN_COOKIE = "read_primary"
PIN_SALT = "commitments.middleware.ReplicaReadsMiddleware"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class ReplicaReadsMiddleware:
    """Sends the reads of an anonymous GET or HEAD to a replica (commitments.db_router), unless
    the client wrote in the last REPLICA_PIN_SECONDS. Placed after DatabaseUnavailableMiddleware,
    so that its process_exception runs first: a request whose replica fails runs again, once, on
    the primary, and only a failure there becomes DatabaseUnavailableMiddleware's 503. Not
    installed (settings) without replicas; absent from the chain if installed without them."""

    def __init__(self, get_response):
        if not settings.DATABASE_REPLICAS:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        replica = self._replica_for(request)
        if replica is not None:
            metrics.REPLICA_READS.labels(replica).inc()
        token = db_router.read_from(replica)
        try:
            response = self.get_response(request)
        finally:
            db_router.finish(token)
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and "Authorization" not in request.headers
        ):
            # Read-your-writes for browsers (a login, an edit, a logout): the next reads of this
            # client go to the primary until every replica has surely replayed the write. API
            # token clients need no cookie: they are authenticated, so they always read the
            # primary.
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def _replica_for(self, request):
        """A healthy replica for an anonymous read, else None (the primary). The session is
        read (when there is one) before any read is sent to a replica, so a login that has just
        happened is always seen."""
        if (
            request.method not in ("GET", "HEAD")
            or request.path.startswith("/admin/")
            or "Authorization" in request.headers
            or request.user.is_authenticated
            or self._pinned(request)
        ):
            return None
        return db_router.healthy_replica()

    def _pinned(self, request):
        if PIN_COOKIE not in request.COOKIES:
            return False
        pin = request.get_signed_cookie(
            PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
        )
        return pin is not None

    def process_exception(self, request, exception):
        """A database error while this request read a replica (it refused the connection, went
        away, or cancelled a query that conflicted with recovery): the replica is set aside for
        a while and the request runs again, once, on the primary. Only GET and HEAD are read
        from replicas, so running one twice does no harm. (The error may have been the
        primary's; the second run then fails too and answers 503, and setting the replica aside
        meanwhile costs nothing.)"""
        replica = db_router.replica_of_this_request()
        if replica is None or not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Replica %s failed, reading the primary: %s", replica, exception)
        dependencies.replica_set_aside()
        metrics.REPLICA_FALLBACKS.labels("failed").inc()
        db_router.set_aside(replica)
        db_router.read_primary()
        return self.get_response(request)


# Third-party screens that set inline styles: Django's admin (style attributes) and Swagger UI
# (a <style> element it injects). Their scripts stay as strict as everywhere else.
INLINE_STYLE_PATHS = ("/admin/", "/api/v1/docs/")


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy of the settings (CONTENT_SECURITY_POLICY, in django-csp's
    format, written out by django-csp's build_policy), with inline styles allowed on
    INLINE_STYLE_PATHS only. The policy is the same for every response, so its two forms are
    built once, when the process starts. (django-csp's own middleware built it twice a
    response, its report-only form too, for what this project neither uses nor sets: nonces,
    per-view decorators, a report-only policy.) A response that brings its own header keeps
    it; as with django-csp, a 404 or 500 with DEBUG gets none, so that Django's technical page
    shows as it is."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy()
        self.policy_with_inline_styles = build_policy(update={"style-src": [SELF, UNSAFE_INLINE]})

    def __call__(self, request):
        response = self.get_response(request)
        if CSP_HEADER in response or (settings.DEBUG and response.status_code in (404, 500)):
            return response
        if request.path.startswith(INLINE_STYLE_PATHS):
            response[CSP_HEADER] = self.policy_with_inline_styles
        else:
            response[CSP_HEADER] = self.policy
        return response


class APICompressionMiddleware(GZipMiddleware):
    """Compresses the API's JSON and CSV for clients that accept gzip (commitments.compression
    says why only those). Django makes a compressed response's ETag weak; the API accepts it
    back in If-None-Match and If-Match alike. A body the response cache gzipped already (its
    entries are kept compressed) is sent as it is, labelled as this would label it."""

    def process_response(self, request, response):
        if not compression.compressible(request, response):
            return response
        if getattr(response, compression.GZIPPED_ATTRIBUTE, False):
            return compression.label_gzipped(response)
        return super().process_response(request, response)

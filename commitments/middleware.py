import logging

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, answer 503 with a Retry-After, JSON for the API
    and a plain page elsewhere, instead of a 500. Connections are health-checked before reuse
    (CONN_HEALTH_CHECKS), so service resumes by itself when the database is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Answered 503, database unavailable: %s", exception, exc_info=exception)
        return unavailable_response(request)


def unavailable_response(request):
    message = "The database is unavailable for a moment. Please try again in a few seconds."
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# Third-party screens that set inline styles: Django's admin (style attributes) and Swagger UI
# (a <style> element it injects). Their scripts stay as strict as everywhere else.
INLINE_STYLE_PATHS = ("/admin/", "/api/v1/docs/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy, with inline styles allowed on INLINE_STYLE_PATHS only."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path.startswith(INLINE_STYLE_PATHS):
            parts.update = {**(parts.update or {}), "style-src": [SELF, UNSAFE_INLINE]}
        return parts


COMPRESSED_TYPES = ("application/json", "text/csv")


class APICompressionMiddleware(GZipMiddleware):
    """Compresses the API's JSON and CSV for clients that accept gzip. Only those: they hold
    no secret, where an HTML page carries a CSRF token beside text a visitor can choose, which
    compression would let an eavesdropper guess (BREACH). Django makes a compressed response's
    ETag weak; the API accepts it back in If-None-Match and If-Match alike."""

    def process_response(self, request, response):
        if not request.path.startswith("/api/") or not response.get("Content-Type", "").startswith(
            COMPRESSED_TYPES
        ):
            return response
        return super().process_response(request, response)

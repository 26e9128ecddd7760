"""The body of every API error: an RFC 9457 problem (`application/problem+json`), made here once
for DRF's exception handler (commitments.api.exceptions) and for the few errors answered
outside DRF's views (a database outage, a server error in a middleware)."""

from http import HTTPStatus

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

from coalition.logs import request_id

MEDIA_TYPE = "application/problem+json"
# No page describes each kind of problem: `type` is RFC 9457's "about:blank" (the problem is
# what its status says), and `code` names the kind of error for programs, stably.
TYPE = "about:blank"
SERVER_ERROR = _("Something went wrong on our side; it has been logged. Please try again.")
# The phrases of the statuses the API answers with (Python's, in English), in the reader's
# language: RFC 9457 lets a title change with localization only. Another status keeps its
# English phrase.
TITLES = {
    HTTPStatus.BAD_REQUEST: _("Bad Request"),
    HTTPStatus.UNAUTHORIZED: _("Unauthorized"),
    HTTPStatus.FORBIDDEN: _("Forbidden"),
    HTTPStatus.NOT_FOUND: _("Not Found"),
    HTTPStatus.METHOD_NOT_ALLOWED: _("Method Not Allowed"),
    HTTPStatus.NOT_ACCEPTABLE: _("Not Acceptable"),
    HTTPStatus.CONFLICT: _("Conflict"),
    HTTPStatus.PRECONDITION_FAILED: _("Precondition Failed"),
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: _("Request Entity Too Large"),
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: _("Unsupported Media Type"),
    HTTPStatus.UNPROCESSABLE_ENTITY: _("Unprocessable Entity"),
    HTTPStatus.PRECONDITION_REQUIRED: _("Precondition Required"),
    HTTPStatus.TOO_MANY_REQUESTS: _("Too Many Requests"),
    HTTPStatus.INTERNAL_SERVER_ERROR: _("Internal Server Error"),
    HTTPStatus.SERVICE_UNAVAILABLE: _("Service Unavailable"),
}


def problem(status, code, detail, **members):
    """A problem's members: `title` is the status's phrase (TITLES), as RFC 9457 asks with
    about:blank; `detail` says what went wrong in words a person can act on (both in the
    language of the request); `members` add what a kind of problem carries (`errors` per field
    for a 400, `current_version` for a 412). `request_id` is the request's X-Request-ID, which
    its log lines carry: what a client quotes to an operator."""
    return {
        "type": TYPE,
        "title": str(TITLES.get(status) or HTTPStatus(status).phrase),
        "status": status,
        "detail": str(detail),
        "code": code,
        **members,
        "request_id": request_id.get(),
    }


def problem_response(status, code, detail, **members):
    """A problem answered outside DRF's views, which have no renderer to negotiate."""
    return JsonResponse(
        problem(status, code, detail, **members), status=status, content_type=MEDIA_TYPE
    )

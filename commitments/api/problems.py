"""The body of every API error: an RFC 9457 problem (`application/problem+json`), made here once
for DRF's exception handler (commitments.api.exceptions) and for the few errors answered
outside DRF's views (a database outage, a server error in a middleware)."""

from http import HTTPStatus

from django.http import JsonResponse

from coalition.logs import request_id

MEDIA_TYPE = "application/problem+json"
# No page describes each kind of problem: `type` is RFC 9457's "about:blank" (the problem is
# what its status says), and `code` names the kind of error for programs, stably.
TYPE = "about:blank"
SERVER_ERROR = "Something went wrong on our side; it has been logged. Please try again."


def problem(status, code, detail, **members):
    """A problem's members: `title` is the status's phrase, as RFC 9457 asks with about:blank;
    `detail` says what went wrong in words a person can act on; `members` add what a kind of
    problem carries (`errors` per field for a 400, `current_version` for a 412). `request_id`
    is the request's X-Request-ID, which its log lines carry: what a client quotes to an
    operator."""
    return {
        "type": TYPE,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **members,
        "request_id": request_id.get(),
    }


def problem_response(status, code, detail, **members):
    """A problem answered outside DRF's views, which have no renderer to negotiate."""
    return JsonResponse(
        problem(status, code, detail, **members), status=status, content_type=MEDIA_TYPE
    )

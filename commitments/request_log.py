"""Each request's id, and its access line (docs/operations.md, "Logs and request ids").

A request's id is the one its X-Request-ID header brings when it came through the operator's
own proxies (TRUSTED_PROXY_COUNT, the same trust as the client's address: with none, anyone
could choose the id their lines are filed under), if it is a plausible id; otherwise a new one.
It is given back in the response's X-Request-ID, and every log line written while the request
is served carries it (coalition.logs), as does the body of an API problem
(commitments.api.problems).

RequestLogMiddleware is the outermost middleware, so that every response carries the id,
however early it was answered (an HTTPS redirect, a static file, a response-cache hit, a
lockout), and its access line times the whole of it. The line is written once the response
has been sent (request_finished), off the client's wait."""

import contextvars
import logging
import re
import secrets
import time
from functools import lru_cache

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject, empty

from coalition import logs
from commitments.client_address import client_address

logger = logging.getLogger("roadmap.access")

HEADER = "X-Request-ID"
# A proxy's id as proxies write them (nginx's $request_id, a UUID, AWS's Root=1-...-...),
# short, and nothing that could end a header or fake a log field.
VALID_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")


# The access line of the request being served, written once its response has been sent.
_access = contextvars.ContextVar("access line", default=None)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = self._request_id(request)
        # Until the response is closed (request_finished, below), not only until this returns:
        # Django writes its own line of a 4xx or 5xx after the last middleware has answered, and
        # a streamed body is made while it is sent.
        logs.request_id.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        route = route_of(request)
        user_id = _user_id(request)
        # For gunicorn's own access line (coalition.gunicorn_logs): under WSGI, META is the
        # environ that gunicorn hands its logger once the response is sent.
        request.META[logs.ENVIRON_KEY] = {
            "request_id": request_id,
            "route": route,
            "user_id": user_id,
        }
        if logger.isEnabledFor(logging.INFO):
            fields = {
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "user_id": user_id,
                "client": client_address(request),
            }
            if route is None:
                # Nothing matched: the path says what was asked. A matched one's path is left
                # out: some carry a secret (a password link's token), which their route names.
                fields["path"] = request.path
            _access.set((fields, started))
        return response

    def _request_id(self, request):
        if settings.TRUSTED_PROXY_COUNT:
            given = request.META.get("HTTP_X_REQUEST_ID", "")
            if VALID_ID.fullmatch(given):
                return given
        return secrets.token_hex(16)


@receiver(request_finished, dispatch_uid="commitments.request_log")
def _request_finished(**kwargs):
    """The response is sent (the server closed it): the request's access line, timed to here
    (a streamed body included), written after the client has its answer rather than before;
    then the lines that follow belong to no request."""
    if (access := _access.get()) is not None:
        fields, started = access
        _access.set(None)
        fields["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        route = fields["route"]
        what = fields["path"] if route is None else f"/{route}"
        logger.info("%s %s %s", fields["method"], what, fields["status"], extra=fields)
    logs.request_id.set(None)


def route_of(request):
    """The URL pattern that serves the request, as a template (api/v1/commitments/<code>/),
    or None when none does. A request answered before URL resolution (a response-cache hit)
    is resolved here, once per path for as long as it stays among the recent ones."""
    if request.resolver_match is not None:
        return template(request.resolver_match.route)
    return _route_of_path(request.path_info, settings.ROOT_URLCONF)


@lru_cache(maxsize=4096)
def _route_of_path(path, urlconf):
    try:
        return template(resolve(path, urlconf).route)
    except Resolver404:
        return None


# DRF's routers write regular expressions, Django's path() converters: both become <name>.
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<\w+:(\w+)>")


@lru_cache(maxsize=1024)
def template(route):
    """A URL pattern's route as a template: `api/v1/commitments/(?P<code>[^/]+)/$` and
    `api/v1/commitments/<str:code>/` both read api/v1/commitments/<code>/."""
    route = _CONVERTER.sub(r"<\1>", _GROUP.sub(r"<\1>", route))
    return route.replace("\\", "").replace("^", "").removesuffix("$").removesuffix("/?")


def _user_id(request):
    """The id of the user the request was served as; None for an anonymous one, or when the
    request never needed to know (its user was not loaded: loading it now would cost a query
    for nothing but the log)."""
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None

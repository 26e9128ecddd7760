import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from commitments import db_router, dependencies, metrics
from commitments.api.problems import SERVER_ERROR, problem
from commitments.api.renderers import ProblemJSONRenderer
from commitments.integrity import unique_violation
from commitments.middleware import unavailable_response

logger = logging.getLogger(__name__)


class NotModified(APIException):
    """Raised before a response is built when the client's copy is current."""

    status_code = status.HTTP_304_NOT_MODIFIED

    def __init__(self, etag):
        super().__init__()
        self.etag = etag


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, detail, current_version):
        super().__init__(detail)
        self.current_version = current_version


def exception_handler(exc, context):
    """Every API error is a problem (RFC 9457, problems.problem) with a message a person can
    act on and a `code` a program can; the domain's own ValidationErrors (raised by the
    services) and unique-constraint violations become 400s with field errors (`errors`)."""
    if isinstance(exc, OperationalError | InterfaceError):
        if db_router.replica_of_this_request():
            # A replica failed: ReplicaReadsMiddleware sets it aside and runs the request again
            # on the primary, which answers instead of this 503.
            raise exc
        # Not only an outage ends here (a timeout, a full disk, a query the database cannot
        # run): the real cause goes to the log, the client gets a 503 that says which.
        fault = dependencies.database_fault(exc)
        logger.error("The API answered 503 (%s): %s", fault, exc, exc_info=exc)
        return unavailable_response(context["request"], fault)
    if isinstance(exc, IntegrityError) and (refusal := unique_violation(exc)):
        # A write that no service wraps: a duplicate is the client's mistake all the same.
        exc = refusal
    if isinstance(exc, Throttled):
        metrics.THROTTLED.labels("api").inc()
    if isinstance(exc, NotModified):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": exc.etag})
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = NotFound(str(exc) or gettext("Not found."))
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled error in the API", exc_info=exc)
        response = Response(status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        response.data = problem(response.status_code, "server_error", SERVER_ERROR)
    else:
        response.data = _problem_of(exc, response)
    request = context["request"]
    if (
        getattr(request, "accepted_renderer", None) is None
        or request.accepted_renderer.format != "api"
    ):
        # A problem whatever was asked for (CSV, a workbook, or nothing acceptable: a 406);
        # a person in a browser still gets the browsable page.
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = ProblemJSONRenderer.media_type
    return response


def _problem_of(exc, response):
    """The problem of a DRF exception: its code (the detail's own, else the class's), and for
    a 400 the messages per field under `errors`, also said in `detail`."""
    data = response.data
    members = {}
    if isinstance(exc, ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        members["errors"] = errors
        detail = "; ".join(_said(field, messages) for field, messages in errors.items())
        code = exc.default_code
    else:
        detail = str(exc.detail)
        code = getattr(exc.detail, "code", None) or exc.default_code
    if isinstance(exc, PreconditionFailed) and exc.current_version is not None:
        members["current_version"] = exc.current_version
    return problem(response.status_code, code, detail, **members)


def _said(field, messages):
    words = " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
    return words if field == "non_field_errors" else f"{field}: {words}"

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from commitments import db_router, dependencies
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
    """Every API error is JSON with a message a person can act on; the domain's own
    ValidationErrors (raised by the services) and unique-constraint violations become 400s
    with field errors."""
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
    if isinstance(exc, NotModified):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": exc.etag})
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = NotFound(str(exc) or "Not found.")
    response = drf_exception_handler(exc, context)
    if isinstance(exc, PreconditionFailed) and exc.current_version is not None:
        response.data["current_version"] = exc.current_version
    if response is None:
        logger.exception("Unhandled error in the API", exc_info=exc)
        return Response(
            {"detail": "Something went wrong on our side; it has been logged. Please try again."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return response

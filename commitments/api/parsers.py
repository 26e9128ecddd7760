import io

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self):
        super().__init__(
            gettext(
                "The request body is larger than %(limit)s bytes. Send one status update or "
                "commitment per request."
            )
            % {"limit": settings.API_MAX_BODY_BYTES}
        )


class BoundedJSONParser(JSONParser):
    """JSON, refused with 413 beyond API_MAX_BODY_BYTES. DRF reads the request stream itself,
    past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check, so the limit is enforced here."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestBodyTooLarge()
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as error:
            # Python's JSON decoder recurses once per level of nesting: a small body of
            # [[[[...]]]] would otherwise end in a server error.
            raise ParseError(
                gettext("JSON parse error - the body is nested too deeply. Send one flat object.")
            ) from error

"""Every response the test suite gets from /api/v1/ is checked against the OpenAPI schema, with
formats (uri, date, date-time) and nullability, error responses included: a test that meets a
response the schema does not describe fails, whatever it asserts itself.

The check is a middleware that conftest.py adds to the test run's settings, so it sees the
responses of the test client, the API client and the browser tests' live server alike, before
they are compressed. It uses openapi-core, the maintained validator of OpenAPI 3 documents."""

import functools
import gzip
import json
import threading

from django.http import HttpResponse
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

from commitments import compression
from commitments.api import problems
from commitments.api.renderers import XLSXRenderer

CHECKED_PREFIX = "/api/v1/"
# The schema and its viewer describe the API; they are not part of it.
UNCHECKED_PREFIXES = ("/api/v1/schema/", "/api/v1/docs/")


class ResponseBreaksSchema(AssertionError):
    pass


# drf-spectacular's generator is not thread-safe: the concurrency tests' threads must not
# generate the schema side by side on their first response.
_generating = threading.Lock()


def api_schema():
    with _generating:
        return _api_schema()


@functools.cache
def _api_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    # The CSV exports are declared as text; openapi-core reads only JSON bodies by itself
    # (not even errors' problem+json). The XLSX exports are a binary string: the bytes
    # themselves, which tests open.
    config = Config(
        extra_media_type_deserializers={
            "text/csv": _text,
            XLSXRenderer.media_type: _bytes,
            problems.MEDIA_TYPE: _json,
        }
    )
    return OpenAPI.from_dict(schema, config=config)


def _text(body, charset="utf-8", **parameters):
    return body.decode(charset)


def _json(body, **parameters):
    return json.loads(body)


def _bytes(body, **parameters):
    return body


class _Request(DjangoOpenAPIRequest):
    # DRF's router writes regular expressions, which openapi-core cannot turn into the schema's
    # path templates; without a pattern it matches the path itself against them.
    @property
    def path_pattern(self):
        return None


def is_checked(request, response):
    return (
        request.path.startswith(CHECKED_PREFIX)
        # The root is DRF's index of links, for people exploring the API in a browser.
        and request.path != CHECKED_PREFIX
        and not request.path.startswith(UNCHECKED_PREFIXES)
        and request.method != "HEAD"
        # The browsable API's HTML pages are a convenience for people, not the contract.
        and not response.get("Content-Type", "").startswith("text/html")
    )


def _uncompressed(response):
    """The response as the schema describes it: a body the response cache keeps gzipped is
    gzip already here (commitments.compression), for APICompressionMiddleware to send."""
    if not getattr(response, compression.GZIPPED_ATTRIBUTE, False):
        return response
    return HttpResponse(
        gzip.decompress(response.content), status=response.status_code, headers=response.headers
    )


def check_response(request, response):
    try:
        api_schema().validate_response(
            _Request(request), DjangoOpenAPIResponse(_uncompressed(response))
        )
    except PathNotFound:
        if response.status_code != 404:
            raise
    except OperationNotFound:
        # A method the schema does not list for a path is one the API refuses: 405, or 401/403
        # to a client that may not even read it.
        if response.status_code not in (401, 403, 405):
            raise
    except Exception as error:
        raise ResponseBreaksSchema(
            f"{request.method} {request.get_full_path()} answered {response.status_code} "
            f"with a response the OpenAPI schema does not describe: {error!r} "
            f"{getattr(error, '__cause__', None)!r}\n{response.content[:500]!r}"
        ) from error


class OpenAPIResponseValidationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_checked(request, response):
            check_response(request, response)
        return response

"""Query parameters an operation does not take are a 400 that names them ("unknown parameter
'pilar': did you mean 'pillar'?"), never silently ignored: a typo in a filter would otherwise
give every row and a wrong dashboard.

What an operation takes is read from the OpenAPI schema that drf-spectacular generates from the
views (their filtersets, their extend_schema parameters, their pagination), so the document
and the check cannot disagree, and an endpoint added later is checked without doing anything:
every view of the API is a ConditionalGetMixin (commitments.api.base), whose `initial` calls
`refuse_unknown_parameters`. `format` (DRF's URL_FORMAT_OVERRIDE) and the paging parameters
are known everywhere. A view the schema leaves out (the schema itself, its docs, the API root)
is not checked."""

import difflib
import functools
import threading

from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from commitments.api.pagination import FeedPagination, PageNumberPagination

ALWAYS_KNOWN = frozenset(
    {
        api_settings.URL_FORMAT_OVERRIDE,
        PageNumberPagination.page_query_param,
        PageNumberPagination.page_size_query_param,
        FeedPagination.cursor_query_param,
        FeedPagination.page_size_query_param,
    }
)


class UnknownParameters(ValidationError):
    default_code = "unknown_parameter"


def refuse_unknown_parameters(request):
    """A 400 (UnknownParameters) naming each query parameter of `request` (DRF's) that its
    operation does not take."""
    match = request._request.resolver_match
    method = "GET" if request.method == "HEAD" else request.method
    known = _known_parameters().get((match and match.func, method))
    if known is None:
        return
    unknown = [name for name in request.query_params if name not in known]
    if unknown:
        raise UnknownParameters({name: [_unknown(name, known)] for name in unknown})


def _unknown(name, known):
    if close := difflib.get_close_matches(name, sorted(known), n=1):
        return gettext("Unknown parameter '%(name)s': did you mean '%(close)s'?") % {
            "name": name,
            "close": close[0],
        }
    return gettext("Unknown parameter '%(name)s'.") % {"name": name}


def prepare():
    """Reads the schema now (gunicorn's post_worker_init), so that a worker's first request does
    not wait the second it takes."""
    _known_parameters()


# drf-spectacular's generator is not thread-safe, and gunicorn's workers run threads.
_generating = threading.Lock()


def _known_parameters():
    with _generating:
        return _index()


@functools.cache
def _index():
    """{(URL pattern's view function, method): the query parameters of its operation}, from
    the schema as served (about a second, once per process)."""
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    paths = generator.get_schema(request=None, public=True)["paths"]
    index = {}
    for path, _pattern, method, callback in generator.endpoints:
        # As the schema names it: {pk} becomes {id}.
        named = generator.coerce_path(path, method, generator.create_view(callback, method))
        operation = paths.get(named, {}).get(method.lower())
        if operation is not None:
            taken = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            index[(callback, method)] = ALWAYS_KNOWN | taken
    return index

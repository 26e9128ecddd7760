"""What the API's views share: conditional GET (ETag, Last-Modified, the response cache's
mark), the CSV and XLSX forms of a list, a 201 that names its Location. The views stay thin,
reading through the selectors and writing through the services. No endpoint lives here;
idempotent POSTs are idempotency.py's, query filters filters.py's."""

import datetime
import hashlib
import re

from django.http import Http404
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property, classproperty
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import relations, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response

from commitments import languages
from commitments.api import response_cache
from commitments.api.exceptions import NotModified
from commitments.api.idempotency import IdempotentPostMixin
from commitments.api.parameters import refuse_unknown_parameters
from commitments.api.permissions import visibility_class
from commitments.api.renderers import CSVRenderer, JSONRenderer, XLSXRenderer
from commitments.clearance import clearance_of
from commitments.freshness import revalidate_each_time

CSV_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "xlsx"],
    description="csv: every matching row as CSV, not paged, ready for a spreadsheet; xlsx: the "
    "same rows and columns as an Excel workbook, with dates and numbers typed.",
)


VERSIONED_ETAG = re.compile(
    r'^(?:W/)?"v(?P<version>[0-9]+)-(?P<seal>[0-9a-f]{16})-(?P<fingerprint>[0-9a-f]+)"$'
)


def version_seal(commitment_pk, version):
    """What proves that a commitment's ETag ("v3-<seal>-<fingerprint>") names a version this
    API handed out for this commitment: a keyed hash (SECRET_KEY) of both, so that If-Match
    cannot be forged from a version number and garbage."""
    return salted_hmac("commitment-etag", f"{commitment_pk}:{version}").hexdigest()[:16]


def fingerprint_of(etag):
    """The data-fingerprint part of one of our ETags ("<fp>" or "v<version>-<seal>-<fp>")."""
    match = VERSIONED_ETAG.match(etag)
    return match["fingerprint"] if match else etag.removeprefix("W/").strip('"')


def created(data, location):
    """A 201 that names where what was created is. The Location is made a plain `str`: a
    serializer's URL is DRF's Hyperlink, a subclass of it, which gunicorn sends but a WSGI server
    may refuse (wsgiref, the development server, answers 500)."""
    return Response(data, status=status.HTTP_201_CREATED, headers={"Location": str(location)})


NO_SUCH_COMMITMENT = _("No commitment with code '%(code)s'. Codes look like MIL-1 or GLB-2.3.")


def no_such_commitment(code):
    return NO_SUCH_COMMITMENT % {"code": code}


class NamesWhatIsNotFound:
    """A 404 that says what was asked for: "No status update #7." (the model's verbose name and
    the id), or `not_found` formatted with the address's arguments (`%(pk)s`)."""

    not_found = _("No %(verbose_name)s #%(pk)s.")

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as error:
            verbose_name = self.queryset.model._meta.verbose_name
            raise NotFound(
                self.not_found % {"verbose_name": verbose_name, **self.kwargs}
            ) from error


class ConditionalGetMixin:
    """ETag and Last-Modified on every GET. The ETag is derived from a one-query fingerprint
    of the data (selectors.data_version), so a client whose copy is current gets a 304
    before the response is built. A commitment's ETag also carries its version, sealed
    ("v3-<seal>-<fingerprint>"), which If-Match checks before an edit.

    Every API view is one (it is where every request passes once authenticated and throttled):
    its `initial` also refuses query parameters the operation does not take
    (commitments.api.parameters), for every view, present and future; and once its reader is
    authenticated, it answers in their language (commitments.languages: `?lang=`, else their
    own setting, else their browser's), refusing a `?lang=` it does not speak.

    A GET of JSON, CSV or XLSX is marked as one the versioned response cache may keep
    (commitments.api.response_cache): its middleware, outside the view, answers the next such
    read of the same address by a reader of the same visibility class (permissions.
    visibility_class) from it until the data change. The mark is given after DRF's
    `initial`, when authentication and content negotiation have said who reads and in which
    representation."""

    etag_version = None  # "v3-<seal>-" on a commitment's own responses
    fingerprint = None
    data_fingerprint = None  # of the data alone (selectors.data_version), for cache keys
    keep_in_response_cache = False

    def perform_authentication(self, request):
        super().perform_authentication(request)
        query = request.query_params
        if languages.QUERY_PARAMETER in query and languages.requested_language(query) is None:
            code = query[languages.QUERY_PARAMETER]
            raise ValidationError(
                {languages.QUERY_PARAMETER: [languages.unsupported_language_message(code)]}
            )
        # Before permissions and throttling, so that their refusals speak it too.
        languages.activate_for(request._request, request.user, query=query)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        refuse_unknown_parameters(request)
        self.fingerprint = None
        if request.method not in ("GET", "HEAD"):
            return
        self.fingerprint = self._fingerprint(request)
        for etag in parse_etags(request.headers.get("If-None-Match", "")):
            if fingerprint_of(etag) == self.fingerprint:
                raise NotModified(etag)
        self.keep_in_response_cache = response_cache.may_keep(
            request, request.accepted_renderer.format
        )

    def _fingerprint(self, request):
        # Staff may list pending and returned updates, which move no data version: their ETags
        # and Last-Modified follow the newest update and decision too. (The response cache's
        # middleware read the versions already, when it looked this up.)
        version, (data, changed_at) = response_cache.version_seen_by(request)
        self.data_fingerprint = version[0]
        # Staleness moves on at midnight: what the data says may change then without a write.
        today = timezone.localdate()
        day_began = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
        self.last_modified = max(changed_at, day_began) if changed_at else day_began
        variant = "|".join(
            [
                data,
                request.get_full_path(),
                request.accepted_renderer.format,
                str(today),
                self._reader(request),
                translation.get_language(),
            ]
        )
        return hashlib.sha256(variant.encode()).hexdigest()[:32]

    def _reader(self, request):
        """Who the response is for: the reader's visibility class (what they may see), and the
        reader themselves where it is theirs alone (owner=me, reviewable; the browsable page,
        which names its user). Readers of one class share ETags as they share cached bodies."""
        reader = visibility_class(request.user)
        personal = response_cache.is_personal(request.query_params)
        if personal or request.accepted_renderer.format not in response_cache.CACHED_FORMATS:
            reader = f"{reader}:{request.user.pk}"
        return reader

    def _not_modified_since(self, request):
        """If-Modified-Since, when the client sent no If-None-Match (which decides when sent)."""
        if "If-None-Match" in request.headers:
            return False
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        return since is not None and int(self.last_modified.timestamp()) <= since

    def finalize_response(self, request, response, *args, **kwargs):
        ok = self.fingerprint and response.status_code == status.HTTP_200_OK
        if ok and self._not_modified_since(request):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization"])
        revalidate_each_time(
            response, personal=bool(request.user and request.user.is_authenticated)
        )
        if self.fingerprint and response.status_code in (200, 304):
            # A 304 for If-None-Match already names the ETag the client sent.
            response.setdefault("ETag", f'"{self.etag_version or ""}{self.fingerprint}"')
            response["Last-Modified"] = http_date(self.last_modified.timestamp())
        # Read by response_cache.ResponseCacheMiddleware once the response is rendered, before
        # gzip (APICompressionMiddleware, outside it), so the cache keeps the uncompressed body.
        response.keep_in_response_cache = self.keep_in_response_cache
        return response


def unlinked(serializer_class):
    """The fields of `serializer_class` but its links to the API's other addresses, and a
    record's lists (its evidence and its releases, which a cell does not hold): the columns of
    its CSV, which is read without the API."""
    return [
        name
        for name, field in serializer_class().fields.items()
        if not isinstance(field, relations.HyperlinkedRelatedField)
        and getattr(field, "in_spreadsheets", True)
    ]


class CSVExportMixin:
    """`?format=csv` and `?format=xlsx` on a list give every matching row, unpaginated: the
    view's `csv_columns`, from the serializer get_serializer_class gives when
    `wants_spreadsheet` (`spreadsheet_serializer_class`, and its fields, unless the view says
    otherwise)."""

    spreadsheet_serializer_class = None

    def get_serializer_class(self):
        if self.wants_spreadsheet:
            return self.spreadsheet_serializer_class
        return super().get_serializer_class()

    @classproperty
    def csv_columns(cls):
        return list(cls.spreadsheet_serializer_class.Meta.fields)

    def get_renderers(self):
        renderers = [JSONRenderer(), BrowsableAPIRenderer()]
        if self.action == "list":
            renderers += [CSVRenderer(), XLSXRenderer()]
        return renderers

    def _accepted_format(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer and renderer.format

    @property
    def wants_csv(self):
        return self._accepted_format() == "csv"

    @property
    def wants_spreadsheet(self):
        """CSV or XLSX: the same rows, of the same serializer."""
        return self._accepted_format() in ("csv", "xlsx")

    def paginate_queryset(self, queryset):
        return None if self.wants_spreadsheet else super().paginate_queryset(queryset)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # (The XLSXRenderer names its own file, once it knows it renders one.)
        if self.wants_csv and response.status_code == status.HTTP_200_OK:
            response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}"'
        return response


class ReadsAsCleared:
    """A view that reads records as its reader's clearance may (commitments.clearance)."""

    @cached_property
    def clearance(self):
        """The reader's clearance, looked up once a request: what they are shown is computed
        from the records it may read (RecordQuerySet.readable_by, CommitmentQuerySet.seen_by)."""
        return clearance_of(self.request.user)


class ResourceViewSetMixin(
    NamesWhatIsNotFound, IdempotentPostMixin, CSVExportMixin, ReadsAsCleared, ConditionalGetMixin
):
    """The conventions every resource family's viewset follows (commitments, status updates,
    contributions, indicators, indicator values): a 404 that names what was asked for,
    idempotent POSTs, a list's CSV and XLSX, reads as the reader's clearance may, conditional
    GETs and the response cache."""

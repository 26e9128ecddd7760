"""API v1 views: thin, reading through the selectors and writing through the services."""

import datetime
import hashlib
import itertools
import logging
import re

import django_filters
from django.db import DatabaseError, router
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments.api import response_cache, serializers
from commitments.api.exceptions import (
    Conflict,
    NotModified,
    PreconditionFailed,
    PreconditionRequired,
)
from commitments.api.filters import (
    CommitmentFilter,
    FilterBackend,
    PartnerFilter,
    StatusUpdateFilter,
    SummaryFilter,
    point_in_time,
)
from commitments.api.idempotency import IdempotentPostMixin
from commitments.api.pagination import FeedPagination
from commitments.api.permissions import MayReview, may_see_unapproved
from commitments.api.renderers import (
    CSVRenderer,
    JSONRenderer,
    XLSXRenderer,
    csv_chunks,
    xlsx_workbook,
)
from commitments.freshness import revalidate_each_time
from commitments.models import (
    Commitment,
    Indicator,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    StatusUpdate,
    Theme,
    status_vocabulary,
)
from commitments.selectors import (
    attach_related,
    cached,
    changes_of,
    data_version,
    review_queue_version,
    roadmap_summary,
)
from commitments.services import AlreadyDecided, OwnUpdate, StaleVersion, approve_or_return

logger = logging.getLogger(__name__)

LATEST_UPDATES_IN_DETAIL = 10
STREAMED_CSV_BATCH = 2000  # status updates read, serialized and sent at a time
# The most status updates a workbook of the feed holds: a zip file is built whole before it is
# sent, and its time grows with its rows (the README gives figures).
XLSX_MAX_ROWS = 10_000

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


def no_such_commitment(code):
    return f"No commitment with code '{code}'. Codes look like MIL-1 or GLB-2.3."


class ConditionalGetMixin:
    """ETag and Last-Modified on every GET. The ETag is derived from a one-query fingerprint
    of the data (selectors.data_version), so a client whose copy is current gets a 304
    before the response is built. A commitment's ETag also carries its version, sealed
    ("v3-<seal>-<fingerprint>"), which If-Match checks before an edit.

    An anonymous GET of JSON, CSV or XLSX is marked as one the versioned response cache may keep
    (commitments.api.response_cache): its middleware, outside the view, answers the next such
    read of the same address from it until the data change. The mark is given after DRF's
    `initial`, when authentication and content negotiation have said who reads and in which
    representation."""

    etag_version = None  # "v3-<seal>-" on a commitment's own responses
    fingerprint = None
    data_fingerprint = None  # of the data alone (selectors.data_version), for cache keys
    keep_in_response_cache = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
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
        # The response cache's middleware read the version already, when it looked this up.
        known = getattr(request._request, response_cache.VERSION_ATTRIBUTE, None)
        data, changed_at = data_version(known)
        self.data_fingerprint = data
        if may_see_unapproved(request.user):
            # Staff may list pending and returned updates, which move no data version: their
            # ETags and Last-Modified follow the newest update and decision too.
            queue, queue_changed_at = review_queue_version()
            data = f"{data}+{queue}"
            changed_at = max(filter(None, [changed_at, queue_changed_at]), default=None)
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
                str(request.user.pk),  # the browsable page names its user
            ]
        )
        return hashlib.sha256(variant.encode()).hexdigest()[:32]

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


class CSVExportMixin:
    """`?format=csv` and `?format=xlsx` on a list give every matching row, unpaginated: the
    view's `csv_columns`, from the serializer get_serializer_class gives when
    `wants_spreadsheet`."""

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


class ReferenceViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Reference lists are short: they come whole, without pages."""

    lookup_field = "slug"
    pagination_class = None


@extend_schema_view(
    list=extend_schema(
        summary="Pillars, with their commitments counted by status",
        description="The Roadmap's lines of effort (military, humanitarian, stabilization, "
        "...), in display order, each with its commitments counted by current status.",
        tags=["reference"],
    ),
    retrieve=extend_schema(
        summary="One pillar, with its commitments counted by status",
        description="A pillar by its slug, with its commitments counted by current status.",
        tags=["reference"],
    ),
)
class PillarViewSet(ReferenceViewSet):
    queryset = Pillar.objects.all()
    serializer_class = serializers.PillarSerializer

    def list(self, request, *args, **kwargs):
        return Response(self._pillars())

    def retrieve(self, request, *args, **kwargs):
        for pillar in self._pillars():
            if pillar["slug"] == kwargs["slug"]:
                return Response(pillar)
        raise NotFound(f"No pillar '{kwargs['slug']}'. See /api/v1/pillars/ for the list.")

    def _pillars(self):
        return cached_summary(self.data_fingerprint)["pillars"]


@extend_schema_view(
    list=extend_schema(
        summary="Themes",
        description="Cross-cutting tags such as foreign terrorist fighters; filter commitments "
        "and updates with `theme=<slug>`.",
        tags=["reference"],
    ),
    retrieve=extend_schema(
        summary="One theme", description="A theme by its slug.", tags=["reference"]
    ),
)
class ThemeViewSet(ReferenceViewSet):
    queryset = Theme.objects.all()
    serializer_class = serializers.ThemeSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Places",
        description="Places commitments concern, each with the slug of the place it lies in "
        "(`parent`); a `place=<slug>` filter includes the places within it.",
        tags=["reference"],
    ),
    retrieve=extend_schema(
        summary="One place", description="A place by its slug.", tags=["reference"]
    ),
)
class PlaceViewSet(ReferenceViewSet):
    queryset = Place.objects.select_related("parent")
    serializer_class = serializers.PlaceSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Partners",
        description="Who works with the Coalition or within it, each of a kind: the "
        "organisations and bodies the Roadmap names, and the Coalition's member states that "
        "editors add (the Roadmap counts its members without naming them). `kind=member_state` "
        "lists the members.",
        tags=["reference"],
    ),
    retrieve=extend_schema(
        summary="One partner", description="A partner by its slug.", tags=["reference"]
    ),
)
class PartnerViewSet(ReferenceViewSet):
    queryset = Partner.objects.all()
    serializer_class = serializers.PartnerSerializer
    filterset_class = PartnerFilter


@extend_schema_view(
    list=extend_schema(
        summary="Source documents",
        description="The documents commitments are quoted from, with where each is published.",
        tags=["reference"],
    ),
    retrieve=extend_schema(
        summary="One source document",
        description="A source document by its slug.",
        tags=["reference"],
    ),
)
class SourceDocumentViewSet(ReferenceViewSet):
    queryset = SourceDocument.objects.all()
    serializer_class = serializers.SourceDocumentSerializer


@extend_schema_view(
    list=extend_schema(
        summary="List commitments",
        description="Commitments with their current status, in Roadmap order unless `ordering` "
        "says otherwise, 50 a page. Every filter may be combined; a repeated filter matches any "
        "of its values. `format=csv` gives every matching row as CSV instead of a page.",
        parameters=[CSV_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="Get a commitment",
        description="One commitment by its code, with its children and its ten latest status "
        "updates. Its ETag is what a change (PATCH) sends back in If-Match.",
        responses=serializers.CommitmentDetailSerializer,
    ),
    create=extend_schema(
        summary="Add a commitment (Editors)",
        description="A commitment quoted from a source document other than the Roadmap (the "
        "Roadmap's own come with the application). Its code, text and source never change.",
        request=serializers.CommitmentCreateSerializer,
        responses={201: serializers.CommitmentDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a commitment (Editors)",
        description="Its title, owner, target date, cadence, parent, themes, places, partners "
        "or lead partners; send only what changes, with If-Match.",
        request=serializers.CommitmentUpdateSerializer,
        responses=serializers.CommitmentDetailSerializer,
    ),
)
class CommitmentViewSet(
    IdempotentPostMixin,
    CSVExportMixin,
    ConditionalGetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Commitment.objects.select_related("pillar", "source_document", "parent").with_owner()
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filterset_class = CommitmentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    csv_columns = list(serializers.CommitmentCSVSerializer.Meta.fields)
    csv_filename = "commitments.csv"

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.CommitmentCreateSerializer
        if self.action == "partial_update":
            return serializers.CommitmentUpdateSerializer
        if self.action == "retrieve":
            return serializers.CommitmentDetailSerializer
        if self.action == "history":
            return serializers.HistoricalChangeSerializer
        if self.wants_spreadsheet:
            return serializers.CommitmentCSVSerializer
        return serializers.CommitmentSerializer

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as error:
            raise NotFound(no_such_commitment(self.kwargs["code"])) from error

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve") and (when := point_in_time(self.request)):
            return queryset.as_of(when.as_of, when.known_on)
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action in ("list", "retrieve") and (when := point_in_time(self.request)):
            context["as_of"] = when.as_of  # the day staleness is measured from
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        queryset = queryset.rows(*self.get_serializer_class().columns())
        page = self.paginate_queryset(queryset)
        rows = attach_related(queryset if page is None else page)
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        # get_object()'s lookup, for a row instead of an instance.
        queryset = self.filter_queryset(self.get_queryset()).filter(code=kwargs["code"])
        data, row = self._detail(queryset)
        self.check_object_permissions(request, row)
        self.etag_version = self._etag_version(row["id"], row["version"])
        return Response(data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment = serializer.save()
        data, _ = self._detail(self.get_queryset().filter(pk=commitment.pk))
        return created(data, location=data["url"])

    def update(self, request, *args, **kwargs):
        commitment = self.get_object()
        expected_version = self._version_from_if_match(request, commitment)
        serializer = self.get_serializer(commitment, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            commitment = serializer.save(expected_version=expected_version)
        except StaleVersion as stale:
            raise PreconditionFailed(
                f"Commitment {commitment.code} was changed by someone else since you read it: it "
                f"is at version {stale.current_version} now. GET it again, then send your change "
                "with its new ETag in If-Match.",
                current_version=stale.current_version,
            ) from stale
        # The new ETag, so that the editor can edit again without reading again.
        self.fingerprint = self._fingerprint(request)
        self.etag_version = self._etag_version(commitment.pk, commitment.version)
        data, _ = self._detail(self.get_queryset().filter(pk=commitment.pk))
        return Response(data)

    @staticmethod
    def _etag_version(pk, version):
        return f"v{version}-{version_seal(pk, version)}-"

    @staticmethod
    def _version_from_if_match(request, commitment):
        """The version the client read, from the ETag of a GET of this commitment that it
        sends in If-Match. `*` is refused: it would skip the very check If-Match is for."""
        header = request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            raise PreconditionRequired(
                "Send If-Match with the ETag of your last GET of this commitment, so that your "
                "change cannot overwrite someone else's (If-Match: * is not accepted)."
            )
        # A weak ETag is the same one, of a compressed response (APICompressionMiddleware).
        match = VERSIONED_ETAG.match(header)
        if not match or match["seal"] != version_seal(commitment.pk, int(match["version"])):
            raise PreconditionFailed(
                "If-Match must be the ETag of a GET of this commitment, exactly as this API sent "
                'it, such as "v3-0123456789abcdef-0123abcd...".',
                current_version=None,
            )
        return int(match["version"])

    @extend_schema(
        summary="A commitment's change history",
        description="Who changed the commitment, when, and each field before and after, newest "
        "first. (Its status history is its status updates.)",
        responses=serializers.HistoricalChangeSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="history", filter_backends=[])
    def history(self, request, *args, **kwargs):
        commitment = self.get_object()
        records = commitment.history.select_related("history_user")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(
            serializers.HistoricalChangeSerializer(
                changes_of(page, records), many=True, context=self.get_serializer_context()
            ).data
        )

    def _detail(self, queryset):
        """The representation of the one commitment of `queryset` (NotFound if none), and its
        row."""
        detail = serializers.CommitmentDetailSerializer
        try:
            row = queryset.rows(*detail.columns()).get()
        except Commitment.DoesNotExist as error:
            raise NotFound(no_such_commitment(self.kwargs.get("code"))) from error
        attach_related([row])
        children, updates = Commitment.objects.all(), StatusUpdate.objects.approved().for_display()
        indicators = Indicator.objects.with_latest()
        if queryset.is_as_of and (when := point_in_time(self.request)):
            children = children.as_of(when.as_of, when.known_on)
            indicators = Indicator.objects.with_latest(when.as_of, when.known_on)
            updates = StatusUpdate.objects.approved_as_of(when.as_of, when.known_on).for_display(
                when.known_on
            )
        row["child_rows"] = list(
            children.filter(parent=row["id"])
            .order_by("code")
            .rows(*serializers.ChildSerializer.columns())
        )
        row["latest_updates"] = list(
            updates.filter(commitment=row["id"]).values(
                *serializers.StatusUpdateSerializer.columns()
            )[:LATEST_UPDATES_IN_DETAIL]
        )
        row["indicator_rows"] = list(
            indicators.filter(commitment=row["id"]).values(
                *serializers.IndicatorSerializer.columns()
            )
        )
        return detail(row, context=self.get_serializer_context()).data, row


@extend_schema_view(
    get=extend_schema(
        summary="A commitment's status updates",
        description="Its approved status history, newest assessment first (by as-of date, "
        "then by time recorded), 50 a page. Staff find pending and returned updates in "
        "/updates/?review_state=.",
        tags=["updates"],
    ),
    post=extend_schema(
        summary="Record a status update (Analysts, Editors)",
        description="An assessment of the commitment at a date (not in the future). It is "
        "`pending` until a reviewer other than you approves it (`approved` at once where the "
        "project does not require review); once approved, the commitment's current status "
        "follows the approved update with the latest as-of date. Updates are never changed: a "
        "correction is a new update that names the one it `corrects`.",
        request=serializers.StatusUpdateWriteSerializer,
        responses={201: serializers.StatusUpdateSerializer},
        tags=["updates"],
    ),
)
class CommitmentUpdatesView(IdempotentPostMixin, ConditionalGetMixin, generics.ListCreateAPIView):
    # Its approved history, for everyone; staff find pending ones in /updates/?review_state=.
    queryset = StatusUpdate.objects.approved().for_display()

    @cached_property
    def commitment(self):
        try:
            return Commitment.objects.get(code=self.kwargs["code"])
        except Commitment.DoesNotExist as error:
            raise NotFound(no_such_commitment(self.kwargs["code"])) from error

    def get_queryset(self):
        queryset = super().get_queryset().filter(commitment=self.commitment)
        return queryset.values(*serializers.StatusUpdateSerializer.columns())

    def get_serializer_class(self):
        if self.request.method == "POST":
            return serializers.StatusUpdateWriteSerializer
        return serializers.StatusUpdateSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = serializer.save(commitment=self.commitment, author=request.user)
        representation = serializers.StatusUpdateSerializer
        row = StatusUpdate.objects.for_display().values(*representation.columns()).get(pk=update.pk)
        data = representation(row, context=self.get_serializer_context()).data
        return created(data, location=data["url"])


@extend_schema_view(
    list=extend_schema(
        summary="Feed of status updates",
        description="Approved status updates of every commitment, most recently recorded "
        "first, 50 a page: follow `next` (a cursor) to page on. Staff may ask for pending or "
        "returned ones (`review_state`); `review_state=pending&reviewable=true` is a reviewer's "
        "queue. `format=csv` gives every matching update as CSV instead.",
        parameters=[CSV_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="Get a status update",
        description="One status update by its id, as the `Location` of its creation names it. "
        "A pending or returned update is a 404 to anyone but staff.",
    ),
)
class StatusUpdateViewSet(
    IdempotentPostMixin, CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = StatusUpdate.objects.for_display()
    filterset_class = StatusUpdateFilter
    pagination_class = FeedPagination
    csv_columns = list(serializers.StatusUpdateCSVSerializer.Meta.fields)
    csv_filename = "status-updates.csv"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "review":
            return queryset
        # Reads are of rows, as the serializer reads them.
        queryset = queryset.values(*self.get_serializer_class().columns())
        # Staff: any update by its id; lists in the review_state they ask for (the filter).
        asks_for_state = self.action != "list" or "review_state" in self.request.query_params
        if asks_for_state and may_see_unapproved(self.request.user):
            return queryset
        # Everyone else never learns that a pending or returned update exists: it is a 404.
        return queryset.approved()

    def get_permissions(self):
        if self.action == "review":
            return [MayReview()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "review":
            return serializers.ReviewWriteSerializer
        if self.wants_spreadsheet:
            return serializers.StatusUpdateCSVSerializer
        return serializers.FeedStatusUpdateSerializer

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as error:
            raise NotFound(f"No status update #{self.kwargs['pk']}.") from error

    @extend_schema(
        summary="Approve or return a status update (Reviewers, Editors)",
        description="Four eyes: a pending update counts only once someone other than its "
        "author approves it; returned, it never counts, and its author answers with a new "
        "update that `corrects` it. A decision is final: an update has at most one (409 "
        "otherwise). Nobody decides on their own update, superusers included (403).",
        request=serializers.ReviewWriteSerializer,
        responses={201: serializers.ReviewSerializer},
        filters=False,
        tags=["updates"],
    )
    @action(detail=True, methods=["post"], url_path="review", filter_backends=[])
    def review(self, request, *args, **kwargs):
        update = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            review = approve_or_return(update, reviewer=request.user, **serializer.validated_data)
        except OwnUpdate as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except AlreadyDecided as refusal:
            raise Conflict(str(refusal)) from refusal
        data = serializers.ReviewSerializer(review, context=self.get_serializer_context()).data
        # The decision has no address of its own: it is shown with its update.
        return created(data, location=data["update_url"])

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # The CSV and the XLSX have no cursor to order them; give them the feed's order.
        return queryset.order_by(*FeedPagination.ordering) if self.wants_spreadsheet else queryset

    def list(self, request, *args, **kwargs):
        if not self.wants_spreadsheet:
            return super().list(request, *args, **kwargs)
        if not self.wants_csv:
            return Response(self._workbook(self.filter_queryset(self.get_queryset())))
        # Every update ever recorded (a million at size M) is too many to hold: the CSV is
        # read off a server-side cursor and sent a batch at a time, in constant memory. It is
        # therefore never kept by the response cache, which stores whole bodies.
        queryset = self.filter_queryset(self.get_queryset())
        if request.method == "HEAD":
            batches = iter(())
        else:
            # The rows are read after this view returns, when the request's routing is over:
            # the database is chosen now (a replica, for an anonymous reader), and the first
            # batch is read now, so that a database error is this request's own (its replica
            # set aside, or a 503), not a cut-off download.
            batches = self._serialized_batches(queryset.using(router.db_for_read(StatusUpdate)))
            batches = itertools.chain([next(batches)], batches)
        return StreamingHttpResponse(
            csv_chunks(self.csv_columns, batches), content_type="text/csv; charset=utf-8"
        )

    def _workbook(self, queryset):
        """The XLSX of the feed. A zip file cannot be sent before it is finished, so it is built
        here, where a database error is still this request's own, a batch at a time like the
        CSV (openpyxl keeps the rows written on disk), of at most XLSX_MAX_ROWS updates: more
        is a 400 that says how to ask for fewer, not a workbook cut short."""
        limited = queryset[: XLSX_MAX_ROWS + 1]  # a LIMIT: the one query stays one query
        rows = 0

        def counted(batches):
            nonlocal rows
            for batch in batches:
                rows += len(batch)
                if rows > XLSX_MAX_ROWS:
                    raise ValidationError(
                        {
                            "format": [
                                f"More than {XLSX_MAX_ROWS} updates match, more than a workbook "
                                "of the feed holds here: narrow them down (since, until, "
                                "commitment, pillar, ...) or take format=csv, which has no limit."
                            ]
                        }
                    )
                yield batch

        batches = self._serialized_batches(limited.using(router.db_for_read(StatusUpdate)))
        return xlsx_workbook(self.csv_columns, self.get_serializer().fields, counted(batches))

    def _serialized_batches(self, queryset):
        """Lists of serialized rows, STREAMED_CSV_BATCH at a time; the first always, if empty."""
        rows = queryset.iterator(chunk_size=STREAMED_CSV_BATCH)
        batch = list(itertools.islice(rows, STREAMED_CSV_BATCH))
        try:
            while True:
                yield self.get_serializer(batch, many=True).data
                batch = list(itertools.islice(rows, STREAMED_CSV_BATCH))
                if not batch:
                    return
        except DatabaseError:
            # The CSV's headers are sent: all that can be done is to break the download off (the
            # client sees an incomplete chunked body) and say so in the log. (The XLSX, built
            # before it is sent, is a 503 as well.)
            logger.exception(
                "The %s of the feed broke off: %s",
                self.request.accepted_renderer.format.upper(),
                self.request.get_full_path(),
            )
            raise


def cached_summary(data_fingerprint, commitments=None, filters=(), when=None):
    """The summary's representation of `commitments` (all of them by default), computed once
    per state of the data and per set of `filters`, the (name, values) pairs that chose them
    (as_of and known_on among them: `when`, their PointInTime); the pillars' endpoints serve
    the unfiltered summary's `pillars`."""

    def compute():
        summary = roadmap_summary(commitments, when=when)
        overall = summary.overall
        data = {
            "generated_at": None,  # set per response
            "total": overall.total,
            "by_status": overall.by_status,
            "average_progress": overall.average_progress,
            "stale": overall.stale,
            "latest_update_at": summary.latest_update_at,
            "pillars": summary.pillars,
        }
        return serializers.SummarySerializer(data).data

    name = "api-summary"
    if filters:
        # A digest: a search may be longer than a cache key may be.
        name += ":" + hashlib.sha256(repr(filters).encode()).hexdigest()
    return cached(name, data_fingerprint, compute)


class StatusesView(ConditionalGetMixin, APIView):
    queryset = Commitment.objects.none()  # for the permission class: reads only

    @extend_schema(
        summary="The status vocabulary",
        description="Every status a commitment or an update can have, in the order a dashboard "
        "lists and stacks them, with its label and colour: the one place they are defined.",
        responses=serializers.StatusSerializer(many=True),
        tags=["reference"],
    )
    def get(self, request):
        return Response(serializers.StatusSerializer(status_vocabulary(), many=True).data)


class SummaryView(ConditionalGetMixin, APIView):
    queryset = Commitment.objects.none()  # for the permission class: reads only
    filter_backends = [FilterBackend]
    filterset_class = SummaryFilter

    @extend_schema(
        summary="The Roadmap at a glance",
        description="Commitments counted by current status, overall and per pillar (every "
        "pillar, zero included), with average progress and how many need a new assessment. "
        "Takes the filters of the commitment list, but for `code` and `ordering`: the counts "
        "are then of the commitments the list would give.",
        responses=serializers.SummarySerializer,
        filters=True,  # a single object, which drf-spectacular would give no filters
    )
    def get(self, request):
        commitments = Commitment.objects.all()
        if when := point_in_time(request):
            commitments = commitments.as_of(when.as_of, when.known_on)
        for backend in self.filter_backends:  # a bad value is a 400, as on the list
            commitments = backend().filter_queryset(request, commitments, self)
        filters = self._filters(request)
        data = cached_summary(self.data_fingerprint, commitments, filters, when)
        # The time the figures are as of, the same for every response with the same ETag.
        generated_at = serializers.format_datetime(self.last_modified)
        return Response({**data, "generated_at": generated_at})

    def _filters(self, request):
        """The filters as the filter set applies them, in a canonical order: the same set of
        commitments is found under one cache key however the parameters are spelled out, and
        two different sets never share one. A filter of several values takes them all, repeated
        or comma-separated, in any order; one of a single value takes the last given, as
        django-filter does."""
        filters = []
        for name, declared in sorted(SummaryFilter.base_filters.items()):
            given = request.query_params.getlist(name)
            if isinstance(declared, django_filters.MultipleChoiceFilter):
                values = tuple(
                    sorted({value for raw in given for value in raw.split(",") if value})
                )
            else:
                values = tuple(given[-1:]) if given and given[-1] else ()
            if values:
                filters.append((name, values))
        if request.query_params.get("owner") == "me":
            filters.append(("reader", (str(request.user.pk),)))  # "me" is whoever asks
        return tuple(filters)

"""API v1 views: thin, reading through the selectors and writing through the services."""

import hashlib
import re

from django.http import Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.http import http_date, parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments.api import serializers
from commitments.api.exceptions import NotModified, PreconditionFailed, PreconditionRequired
from commitments.api.filters import CommitmentFilter, StatusUpdateFilter
from commitments.api.pagination import FeedPagination
from commitments.api.renderers import CSVRenderer, JSONRenderer
from commitments.models import (
    Commitment,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    StatusUpdate,
    Theme,
)
from commitments.selectors import (
    attach_related,
    cached,
    changes_of,
    data_version,
    roadmap_summary,
)
from commitments.services import StaleVersion

LATEST_UPDATES_IN_DETAIL = 10

CSV_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="csv: every matching row as a spreadsheet-ready CSV, unpaginated.",
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


def no_such_commitment(code):
    return f"No commitment with code '{code}'. Codes look like MIL-1 or GLB-2.3."


class ConditionalGetMixin:
    """ETag and Last-Modified on every GET. The ETag is derived from a one-query fingerprint
    of the data (selectors.data_version), so a client whose copy is current gets a 304
    before the response is built. A commitment's ETag also carries its version, sealed
    ("v3-<seal>-<fingerprint>"), which If-Match checks before an edit."""

    etag_version = None  # "v3-<seal>-" on a commitment's own responses
    fingerprint = None
    data_fingerprint = None  # of the data alone (selectors.data_version), for cache keys

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        self.fingerprint = None
        if request.method not in ("GET", "HEAD"):
            return
        self.fingerprint = self._fingerprint(request)
        for etag in parse_etags(request.headers.get("If-None-Match", "")):
            if fingerprint_of(etag) == self.fingerprint:
                raise NotModified(etag)

    def _fingerprint(self, request):
        data, self.last_modified = data_version()
        self.data_fingerprint = data
        variant = "|".join(
            [
                data,
                request.get_full_path(),
                request.accepted_renderer.format,
                str(timezone.localdate()),  # staleness changes with the date
                str(request.user.pk),  # the browsable page names its user
            ]
        )
        return hashlib.sha256(variant.encode()).hexdigest()[:32]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization"])
        if request.user and request.user.is_authenticated:
            # What a signed-in user or token holder reads stays out of every cache.
            patch_cache_control(response, private=True, no_store=True)
        if self.fingerprint and response.status_code == status.HTTP_200_OK:
            response["ETag"] = f'"{self.etag_version or ""}{self.fingerprint}"'
            if self.last_modified:
                response["Last-Modified"] = http_date(self.last_modified.timestamp())
        return response


class CSVExportMixin:
    """`?format=csv` on a list gives every matching row, unpaginated."""

    def get_renderers(self):
        renderers = [JSONRenderer(), BrowsableAPIRenderer()]
        if self.action == "list":
            renderers.append(CSVRenderer())
        return renderers

    @property
    def wants_csv(self):
        return (
            getattr(self.request, "accepted_renderer", None)
            and self.request.accepted_renderer.format == "csv"
        )

    def paginate_queryset(self, queryset):
        return None if self.wants_csv else super().paginate_queryset(queryset)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.wants_csv and response.status_code == status.HTTP_200_OK:
            response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}"'
        return response


class ReferenceViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Reference lists are short: they come whole, without pages."""

    lookup_field = "slug"
    pagination_class = None


@extend_schema_view(
    list=extend_schema(
        summary="Pillars (lines of effort) with their commitments by current status"
    ),
    retrieve=extend_schema(summary="One pillar with its commitments by current status"),
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


@extend_schema_view(list=extend_schema(summary="Themes (cross-cutting tags)"))
class ThemeViewSet(ReferenceViewSet):
    queryset = Theme.objects.all()
    serializer_class = serializers.ThemeSerializer


@extend_schema_view(
    list=extend_schema(summary="Places, each with the slug of the place it lies in")
)
class PlaceViewSet(ReferenceViewSet):
    queryset = Place.objects.select_related("parent")
    serializer_class = serializers.PlaceSerializer


@extend_schema_view(
    list=extend_schema(summary="Partners: organisations and bodies the Roadmap names")
)
class PartnerViewSet(ReferenceViewSet):
    queryset = Partner.objects.all()
    serializer_class = serializers.PartnerSerializer


@extend_schema_view(list=extend_schema(summary="Source documents commitments are quoted from"))
class SourceDocumentViewSet(ReferenceViewSet):
    queryset = SourceDocument.objects.all()
    serializer_class = serializers.SourceDocumentSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Commitments, filtered, searched and ordered", parameters=[CSV_PARAMETER]
    ),
    retrieve=extend_schema(
        summary="One commitment, with its children and latest status updates",
        responses=serializers.CommitmentDetailSerializer,
    ),
    create=extend_schema(
        summary="Add a commitment from another source document (Editors)",
        request=serializers.CommitmentCreateSerializer,
        responses={201: serializers.CommitmentDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a commitment's title, schedule, parent or tags (Editors)",
        request=serializers.CommitmentUpdateSerializer,
        responses=serializers.CommitmentDetailSerializer,
    ),
)
class CommitmentViewSet(
    CSVExportMixin,
    ConditionalGetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Commitment.objects.select_related("pillar", "source_document", "parent")
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
        if self.wants_csv:
            return serializers.CommitmentCSVSerializer
        return serializers.CommitmentSerializer

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as error:
            raise NotFound(no_such_commitment(self.kwargs["code"])) from error

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = attach_related(queryset if page is None else page)
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        commitment = self.get_object()
        self.etag_version = self._etag_version(commitment)
        return Response(self._detail(commitment))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment = serializer.save()
        data = self._detail(self.get_queryset().get(pk=commitment.pk))
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

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
        self.etag_version = self._etag_version(commitment)
        return Response(self._detail(self.get_queryset().get(pk=commitment.pk)))

    @staticmethod
    def _etag_version(commitment):
        return f"v{commitment.version}-{version_seal(commitment.pk, commitment.version)}-"

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
        match = VERSIONED_ETAG.match(header)
        if (
            not match
            or header.startswith("W/")
            or match["seal"] != version_seal(commitment.pk, int(match["version"]))
        ):
            raise PreconditionFailed(
                "If-Match must be the ETag of a GET of this commitment, exactly as this API sent "
                'it, such as "v3-0123456789abcdef-0123abcd...".',
                current_version=None,
            )
        return int(match["version"])

    @extend_schema(
        summary="Who changed this commitment, when, and what (before and after)",
        responses=serializers.HistoricalChangeSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="history")
    def history(self, request, *args, **kwargs):
        commitment = self.get_object()
        records = commitment.history.select_related("history_user")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(
            serializers.HistoricalChangeSerializer(
                changes_of(page, records), many=True, context=self.get_serializer_context()
            ).data
        )

    def _detail(self, commitment):
        attach_related([commitment])
        commitment.child_rows = list(Commitment.objects.filter(parent=commitment).order_by("code"))
        commitment.latest_updates = list(
            commitment.status_updates.for_display()[:LATEST_UPDATES_IN_DETAIL]
        )
        return serializers.CommitmentDetailSerializer(
            commitment, context=self.get_serializer_context()
        ).data


@extend_schema_view(
    get=extend_schema(summary="A commitment's full status history, newest assessment first"),
    post=extend_schema(
        summary="Record a status update (Analysts, Editors)",
        request=serializers.StatusUpdateWriteSerializer,
        responses={201: serializers.StatusUpdateSerializer},
    ),
)
class CommitmentUpdatesView(ConditionalGetMixin, generics.ListCreateAPIView):
    queryset = StatusUpdate.objects.for_display()

    @cached_property
    def commitment(self):
        try:
            return Commitment.objects.get(code=self.kwargs["code"])
        except Commitment.DoesNotExist as error:
            raise NotFound(no_such_commitment(self.kwargs["code"])) from error

    def get_queryset(self):
        return super().get_queryset().filter(commitment=self.commitment)

    def get_serializer_class(self):
        if self.request.method == "POST":
            return serializers.StatusUpdateWriteSerializer
        return serializers.StatusUpdateSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = serializer.save(commitment=self.commitment, author=request.user)
        data = serializers.StatusUpdateSerializer(
            update, context=self.get_serializer_context()
        ).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


@extend_schema_view(
    list=extend_schema(
        summary="Feed of all status updates, most recently recorded first",
        parameters=[CSV_PARAMETER],
    ),
    retrieve=extend_schema(summary="One status update"),
)
class StatusUpdateViewSet(CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = StatusUpdate.objects.for_display()
    filterset_class = StatusUpdateFilter
    pagination_class = FeedPagination
    csv_columns = list(serializers.StatusUpdateCSVSerializer.Meta.fields)
    csv_filename = "status-updates.csv"

    def get_serializer_class(self):
        if self.wants_csv:
            return serializers.StatusUpdateCSVSerializer
        return serializers.FeedStatusUpdateSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # The CSV has no cursor to order it; give it the feed's order.
        return queryset.order_by(*FeedPagination.ordering) if self.wants_csv else queryset


def cached_summary(data_fingerprint):
    """The summary's representation, computed once per state of the data; the pillars'
    endpoints serve its `pillars`."""

    def compute():
        summary = roadmap_summary()
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

    return cached("api-summary", data_fingerprint, compute)


class SummaryView(ConditionalGetMixin, APIView):
    queryset = Commitment.objects.none()  # for the permission class: reads only

    @extend_schema(
        summary="The Roadmap at a glance: commitments by status, per pillar, staleness",
        responses=serializers.SummarySerializer,
    )
    def get(self, request):
        data = cached_summary(self.data_fingerprint)
        # The figures may come from the cache; the time is this response's.
        return Response({**data, "generated_at": serializers.format_datetime(timezone.now())})

"""Status updates in the API: their representations, what an analyst sends, a reviewer's
decision (four eyes), a commitment's history (/commitments/<code>/updates/) and the feed
(/updates/) with its streamed CSV and bounded workbook. The review itself, the same for
indicator values (indicator_values.py), is review.py's: here is only what differs."""

import functools
import itertools
import logging

from django.db import DatabaseError, router
from django.http import StreamingHttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from commitments.api.base import (
    CSV_PARAMETER,
    ConditionalGetMixin,
    ResourceViewSetMixin,
    created,
    no_such_commitment,
    unlinked,
)
from commitments.api.cited import PageSerializer
from commitments.api.evidence import cites
from commitments.api.fields import (
    OptionalChoiceInput,
    StrictWriteSerializer,
    correction_of,
    releasability_input,
)
from commitments.api.filters import StatusUpdateFilter
from commitments.api.idempotency import IdempotentPostMixin
from commitments.api.pagination import FeedPagination, PagesCompiledOnce
from commitments.api.permissions import may_see_unapproved
from commitments.api.renderers import csv_chunks, xlsx_workbook
from commitments.api.representation import FastRepresentation
from commitments.api.review import (
    DecisionSerializer,
    DecisionWriteSerializer,
    ReviewActionMixin,
    ReviewedRecordSerializer,
    review_actions_documented,
)
from commitments.clearance import clearance_of
from commitments.models import Commitment, Releasability, Review, StatusUpdate
from commitments.services import record_status_update

logger = logging.getLogger(__name__)


STREAMED_CSV_BATCH = 2000  # status updates read, serialized and sent at a time
# The most status updates a workbook of the feed holds: a zip file is built whole before it is
# sent, and its time grows with its rows (the README gives figures).
XLSX_MAX_ROWS = 10_000


class StatusUpdateSerializer(FastRepresentation, ReviewedRecordSerializer):
    """An assessment of one commitment at a date. Never changed once recorded. Only approved
    updates count, and only they are shown to anonymous readers."""

    url = serializers.HyperlinkedIdentityField(view_name="api:update-detail")
    commitment = serializers.SlugRelatedField(slug_field="code", read_only=True)
    commitment_url = serializers.HyperlinkedRelatedField(
        source="commitment", view_name="api:commitment-detail", lookup_field="code", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display")

    help_texts = {
        "corrects": "Id of the earlier update of the same commitment that this one corrects; "
        "null when it corrects none (or, to readers who see approved updates only, one that "
        "was never approved).",
        "corrected_by": "Id of the later update that corrects this one, which then no longer "
        "counts (superseded); null while it stands.",
    }

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "url",
            "commitment",
            "commitment_url",
            "status",
            "status_label",
            "progress",
            "as_of",
            "summary",
            *ReviewedRecordSerializer.RECORD_FIELDS,
        ]
        read_only_fields = fields
        list_serializer_class = PageSerializer


@extend_schema_serializer(component_name="FeedStatusUpdate")
class FeedStatusUpdateSerializer(StatusUpdateSerializer):
    """A status update, as the feed lists it."""

    # Its own schema name, because the feed's pages are cursor pages (no count) where a
    # commitment's history has numbered pages.


class StatusUpdateCSVSerializer(StatusUpdateSerializer):
    class Meta(StatusUpdateSerializer.Meta):
        fields = unlinked(StatusUpdateSerializer)
        read_only_fields = fields


@functools.cache
def rows_of(serializer, clearance=Releasability.PUBLIC):
    """Status updates as lists show them (for_display), read as rows of `serializer`'s
    columns, of those a reader of `clearance` may read (a correction beyond it is no
    correction to them: readable_by): the query is built once per serializer and clearance and
    cloned per request, as DRF clones a view's `queryset`. Building its joins and subqueries
    anew took as long as the database took to answer a page of the feed."""
    updates = StatusUpdate.objects.readable_by(clearance)
    return updates.for_display().values(*serializer.columns())


# The feed as it is asked for without parameters, a page after another (readers and the
# dashboard poll it): approved public updates, read so by every reader of no clearance.
WHOLE_FEED = PagesCompiledOnce(lambda: rows_of(FeedStatusUpdateSerializer).all().approved())


class StatusUpdateWriteSerializer(StrictWriteSerializer):
    """A new status update. Unknown fields, and fields the server sets, are refused."""

    confidence = OptionalChoiceInput(choices=StatusUpdate.Confidence.choices, allow_blank=True)
    releasability = releasability_input(StatusUpdate)
    evidence = cites()
    corrects = correction_of(
        StatusUpdate,
        help_text="Id of the earlier update of this commitment that this one corrects.",
    )

    shown_as = StatusUpdateSerializer

    class Meta:
        model = StatusUpdate
        fields = [
            "status",
            "progress",
            "as_of",
            "summary",
            "evidence",
            "confidence",
            "corrects",
            "releasability",
        ]
        extra_kwargs = {"summary": {"trim_whitespace": True}}

    def create(self, validated_data):
        return record_status_update(**validated_data)


class ReviewSerializer(DecisionSerializer):
    """A decision, as the review endpoint answers it."""

    record_view = "api:update-detail"

    class Meta(DecisionSerializer.Meta):
        model = Review


class ReviewWriteSerializer(DecisionWriteSerializer):
    shown_as = ReviewSerializer

    class Meta(DecisionWriteSerializer.Meta):
        model = Review


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
        request=StatusUpdateWriteSerializer,
        responses={201: StatusUpdateSerializer},
        tags=["updates"],
    ),
)
class CommitmentUpdatesView(IdempotentPostMixin, ConditionalGetMixin, generics.ListCreateAPIView):
    queryset = StatusUpdate.objects.none()  # for the permission class: get_queryset reads

    @cached_property
    def commitment(self):
        try:
            return Commitment.objects.get(code=self.kwargs["code"])
        except Commitment.DoesNotExist as error:
            raise NotFound(no_such_commitment(self.kwargs["code"])) from error

    def get_queryset(self):
        # Its approved history, of what its reader may read; staff find pending ones in
        # /updates/?review_state=.
        rows = rows_of(StatusUpdateSerializer, clearance_of(self.request.user)).all()
        return rows.approved().filter(commitment=self.commitment)

    def get_serializer_class(self):
        if self.request.method == "POST":
            return StatusUpdateWriteSerializer
        return StatusUpdateSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update = serializer.save(commitment=self.commitment, author=request.user)
        representation = StatusUpdateSerializer
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
    **review_actions_documented(
        "update",
        "Approve or return a status update (Reviewers, Editors)",
        "Four eyes: a pending update counts only once someone other than its author approves "
        "it; returned, it never counts, and its author answers with a new update that "
        "`corrects` it. A decision is final: an update has at most one (409 otherwise). Nobody "
        "decides on their own update, superusers included (403).",
        sent=ReviewWriteSerializer,
        tag="updates",
    ),
)
class StatusUpdateViewSet(ReviewActionMixin, ResourceViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = StatusUpdate.objects.for_display()
    filterset_class = StatusUpdateFilter
    pagination_class = FeedPagination
    serializer_class = FeedStatusUpdateSerializer
    spreadsheet_serializer_class = StatusUpdateCSVSerializer
    review_serializer_class = ReviewWriteSerializer
    csv_filename = "status-updates.csv"

    def get_queryset(self):
        if self.action in ("review", "withdraw"):
            return self.shown(super().get_queryset())
        # Reads are of rows, as the serializer reads them, of what the reader may read.
        return self.shown(rows_of(self.get_serializer_class(), self.clearance).all())

    def listed(self, updates):
        # Staff list the review_state they ask for (the filter, which refuses anyone else);
        # without it, the feed is of approved updates for everyone.
        if "review_state" in self.request.query_params and may_see_unapproved(self.request.user):
            return updates
        return updates.approved()

    @property
    def asks_whole_feed(self):
        """Whether the request asks for the feed by its cursor alone, as readers and the
        dashboard poll it: `listed` and the filters leave it the same for everyone."""
        asked = set(self.request.query_params)
        return asked <= {FeedPagination.cursor_query_param, FeedPagination.page_size_query_param}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # The CSV and the XLSX have no cursor to order them; give them the feed's order.
        return queryset.order_by(*FeedPagination.ordering) if self.wants_spreadsheet else queryset

    def list(self, request, *args, **kwargs):
        public = self.clearance == Releasability.PUBLIC
        if not self.wants_spreadsheet and self.asks_whole_feed and public:
            # Read by SQL compiled once, without building its queryset, which took a tenth of
            # the request's time.
            page = self.paginate_queryset(WHOLE_FEED)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
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
                                gettext(
                                    "More than %(max)s updates match, more than a workbook of "
                                    "the feed holds here: narrow them down (since, until, "
                                    "commitment, pillar, ...) or take format=csv, which has no "
                                    "limit."
                                )
                                % {"max": XLSX_MAX_ROWS}
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

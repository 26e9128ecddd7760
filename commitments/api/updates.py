"""Status updates in the API: their representations, what an analyst sends, a reviewer's
decision (four eyes), a commitment's history (/commitments/<code>/updates/) and the feed
(/updates/) with its streamed CSV and bounded workbook. Indicator values, reviewed alike,
are indicator_values.py's."""

import itertools
import logging

from django.db import DatabaseError, router
from django.http import Http404, StreamingHttpResponse
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from commitments.api.base import (
    CSV_PARAMETER,
    ConditionalGetMixin,
    CSVExportMixin,
    created,
    no_such_commitment,
)
from commitments.api.exceptions import Conflict
from commitments.api.fields import (
    ChoiceFromRow,
    NamesPeople,
    OptionalCharField,
    OptionalCharInput,
    OptionalChoiceField,
    OptionalChoiceInput,
    OptionalURLField,
    OptionalURLInput,
    StrictWriteSerializer,
    _reader,
    person_columns,
)
from commitments.api.filters import StatusUpdateFilter
from commitments.api.idempotency import IdempotentPostMixin
from commitments.api.pagination import FeedPagination
from commitments.api.permissions import MayReview, may_see_unapproved
from commitments.api.renderers import csv_chunks, xlsx_workbook
from commitments.api.representation import FastRepresentation, RowMethodField
from commitments.models import Commitment, Review, ReviewState, StatusUpdate
from commitments.people import person_name
from commitments.services import AlreadyDecided, OwnRecord, approve_or_return, record_status_update

logger = logging.getLogger(__name__)


STREAMED_CSV_BATCH = 2000  # status updates read, serialized and sent at a time
# The most status updates a workbook of the feed holds: a zip file is built whole before it is
# sent, and its time grows with its rows (the README gives figures).
XLSX_MAX_ROWS = 10_000


class ReviewDecisionSerializer(serializers.ModelSerializer):
    """A reviewer's decision on a status update. Final: never changed."""

    reviewer = serializers.SerializerMethodField(
        help_text="Who decided (never the update's author); null when the update was approved "
        "on submission because review is not required."
    )
    comment = OptionalCharField(help_text="Why it was returned, or a remark on approval.")

    class Meta:
        model = Review
        fields = ["decision", "reviewer", "comment", "decided_at"]
        read_only_fields = fields

    def get_reviewer(self, review) -> str | None:
        return reviewer_name(review, reader=_reader(self))


def reviewer_name(review, *, reader):
    if review.reviewer_id is None:
        return None
    return person_name(review.reviewer, reader=reader, acting_as="Reviewer")


class StatusUpdateSerializer(NamesPeople, FastRepresentation, serializers.ModelSerializer):
    """An assessment of one commitment at a date. Never changed once recorded. Only approved
    updates count, and only they are shown to anonymous readers."""

    url = serializers.HyperlinkedIdentityField(view_name="api:update-detail")
    commitment = serializers.SlugRelatedField(slug_field="code", read_only=True)
    commitment_url = serializers.HyperlinkedRelatedField(
        source="commitment", view_name="api:commitment-detail", lookup_field="code", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display")
    evidence_url = OptionalURLField()
    evidence_source = OptionalCharField()
    confidence = OptionalChoiceField(choices=StatusUpdate.Confidence.choices)
    corrects = RowMethodField(
        columns=["corrects_id", "corrects_approved"],
        help_text="Id of the earlier update of the same commitment that this one corrects; null "
        "when it corrects none (or, to readers who see approved updates only, one that was "
        "never approved).",
    )
    corrected_by = serializers.IntegerField(
        source="corrected_by_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the later update that corrects this one, which then no longer counts "
        "(superseded); null while it stands.",
    )
    author = RowMethodField(columns=person_columns("author"))
    review_state = ChoiceFromRow(
        columns=["review__decision"],
        from_row=ReviewState.of,
        choices=ReviewState.choices,
        read_only=True,
        help_text="pending until a reviewer decides; then approved (it counts) or returned "
        "for revision (it never counts: its author answers it with a correction).",
    )
    # The decision, flat: a nullable nested object is a trap for generated clients.
    reviewer = RowMethodField(
        columns=person_columns("review__reviewer"),
        help_text="Who approved or returned it (never its author); null while pending, and when "
        "it was approved on submission because review is not required.",
    )
    review_comment = OptionalCharField(
        source="review.comment",
        help_text="Why it was returned, or a remark on approval; null when none.",
    )
    reviewed_at = serializers.DateTimeField(
        source="review.decided_at",
        read_only=True,
        allow_null=True,
        help_text="When it was approved or returned; null while pending.",
    )

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
            "evidence_url",
            "evidence_source",
            "confidence",
            "corrects",
            "corrected_by",
            "author",
            "created_at",
            "review_state",
            "reviewer",
            "review_comment",
            "reviewed_at",
        ]
        read_only_fields = fields

    def get_author(self, row) -> str:
        return self.name_of(row, "author", acting_as="Analyst")

    def get_reviewer(self, row) -> str | None:
        return self.name_of(row, "review__reviewer", acting_as="Reviewer")

    def get_corrects(self, row) -> int | None:
        # A returned update answered by a correction was never public: its id is not shown to
        # those who see approved updates only (for_display annotates `corrects_approved`).
        if row["corrects_id"] is None or row["corrects_approved"]:
            return row["corrects_id"]
        if "_sees_unapproved" not in self.__dict__:
            self._sees_unapproved = may_see_unapproved(self.reader)
        return row["corrects_id"] if self._sees_unapproved else None


@extend_schema_serializer(component_name="FeedStatusUpdate")
class FeedStatusUpdateSerializer(StatusUpdateSerializer):
    """A status update, as the feed lists it."""

    # Its own schema name, because the feed's pages are cursor pages (no count) where a
    # commitment's history has numbered pages.


class StatusUpdateCSVSerializer(StatusUpdateSerializer):
    class Meta(StatusUpdateSerializer.Meta):
        fields = [
            name
            for name in StatusUpdateSerializer.Meta.fields
            if name not in {"url", "commitment_url"}
        ]
        read_only_fields = fields


class StatusUpdateWriteSerializer(StrictWriteSerializer):
    """A new status update. Unknown fields, and fields the server sets, are refused."""

    evidence_url = OptionalURLInput(max_length=500, allow_blank=True)
    evidence_source = OptionalCharInput(
        max_length=300,
        allow_blank=True,
        help_text="Where the evidence comes from, e.g. a report's title.",
    )
    confidence = OptionalChoiceInput(choices=StatusUpdate.Confidence.choices, allow_blank=True)
    corrects = serializers.PrimaryKeyRelatedField(
        queryset=StatusUpdate.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the earlier update of this commitment that this one corrects.",
    )

    server_set_fields = {
        "id",
        "author",
        "created_at",
        "commitment",
        "url",
        "status_label",
        "review_state",
        "reviewer",
        "review_comment",
        "reviewed_at",
        "corrected_by",
    }

    class Meta:
        model = StatusUpdate
        fields = [
            "status",
            "progress",
            "as_of",
            "summary",
            "evidence_url",
            "evidence_source",
            "confidence",
            "corrects",
        ]
        extra_kwargs = {"summary": {"trim_whitespace": True}}

    def create(self, validated_data):
        return record_status_update(**validated_data)


class ReviewSerializer(ReviewDecisionSerializer):
    """A decision, as the review endpoint answers it."""

    update = serializers.PrimaryKeyRelatedField(read_only=True)
    update_url = serializers.HyperlinkedRelatedField(
        source="update", view_name="api:update-detail", read_only=True
    )

    class Meta(ReviewDecisionSerializer.Meta):
        fields = ["update", "update_url", *ReviewDecisionSerializer.Meta.fields]
        read_only_fields = fields


class ReviewWriteSerializer(StrictWriteSerializer):
    """A decision on a pending update: approve it, or return it with a comment saying why."""

    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text="Required when returning: what the author should revise.",
    )
    server_set_fields = {"update", "update_url", "reviewer", "decided_at"}

    class Meta:
        model = Review
        fields = ["decision", "comment"]

    def validate(self, attrs):
        if attrs["decision"] == Review.Decision.RETURN and not attrs.get("comment"):
            raise serializers.ValidationError(
                {"comment": ["Say why the update is returned, so that its author can revise it."]}
            )
        return attrs


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
        return queryset.values(*StatusUpdateSerializer.columns())

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
)
class StatusUpdateViewSet(
    IdempotentPostMixin, CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = StatusUpdate.objects.for_display()
    filterset_class = StatusUpdateFilter
    pagination_class = FeedPagination
    csv_columns = list(StatusUpdateCSVSerializer.Meta.fields)
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
            return ReviewWriteSerializer
        if self.wants_spreadsheet:
            return StatusUpdateCSVSerializer
        return FeedStatusUpdateSerializer

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
        request=ReviewWriteSerializer,
        responses={201: ReviewSerializer},
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
        except OwnRecord as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except AlreadyDecided as refusal:
            raise Conflict(str(refusal)) from refusal
        data = ReviewSerializer(review, context=self.get_serializer_context()).data
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

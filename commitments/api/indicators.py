"""API v1 for indicators (issue 15): what measures each commitment (or the Roadmap's context),
from its baseline toward its target, and the values observed of it. Filters, serializers and
views together, as api/contributions.py; the same conventions (views.ConditionalGetMixin's
ETags and response cache, the CSV of CSVExportMixin, ReadOrModelPermission), and values
reviewed as status updates are (four eyes; only approved values count, and only they are
shown to anyone but staff)."""

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission

from commitments.api.exceptions import Conflict
from commitments.api.filters import by_slugs, point_in_time
from commitments.api.idempotency import IdempotentPostMixin
from commitments.api.permissions import MayReview, may_read, may_see_unapproved
from commitments.api.representation import RowMethodField
from commitments.api.serializers import (
    IndicatorSerializer,
    OptionalCharField,
    OptionalCharInput,
    OptionalChoiceField,
    OptionalChoiceInput,
    OptionalURLField,
    OptionalURLInput,
    ReviewWriteSerializer,
    StrictWriteSerializer,
    figure,
)
from commitments.api.views import (
    CSV_PARAMETER,
    ConditionalGetMixin,
    CSVExportMixin,
    created,
)
from commitments.models import (
    FIGURE_DECIMALS,
    FIGURE_DIGITS,
    Commitment,
    Direction,
    Indicator,
    IndicatorUnit,
    IndicatorValue,
    IndicatorValueReview,
    Pillar,
    ReviewState,
    SourceDocument,
)
from commitments.people import person_name
from commitments.services import (
    OwnValue,
    ValueAlreadyDecided,
    approve_or_return_indicator_value,
    record_indicator_value,
    save_indicator,
)

# Filters.


VALUES_AS_OF_HELP = (
    "YYYY-MM-DD, not in the future: the approved values observed by then (their as-of date, "
    "or the end of their period), as known today unless known_on says otherwise; a correction "
    "replaces what it corrects from the day it was approved."
)
VALUES_KNOWN_ON_HELP = (
    "YYYY-MM-DD, not in the future, not before as_of: only values and corrections recorded "
    "and approved by the end of that day. Alone, it is also the as_of date."
)
LATEST_AS_OF_HELP = (
    "YYYY-MM-DD, not in the future: each indicator's latest value and progress as they were "
    "that day, from the approved values observed on or before it (as known today, unless "
    "known_on says otherwise). Indicators defined later are still listed: an indicator is a "
    "definition."
)
POINT_IN_TIME_PARAMETERS = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description=VALUES_AS_OF_HELP),
    OpenApiParameter("known_on", OpenApiTypes.DATE, description=VALUES_KNOWN_ON_HELP),
]


class IndicatorFilter(filters.FilterSet):
    commitment = by_slugs(
        field_name="commitment__code",
        queryset=Commitment.objects.all(),
        to_field_name="code",
        distinct=False,
        help_text="Commitment code; repeat for several.",
    )
    pillar = by_slugs(
        field_name="commitment__pillar__slug",
        queryset=Pillar.objects.all(),
        to_field_name="slug",
        distinct=False,
        help_text="Pillar slug of the commitment; repeat for several.",
    )
    unit = filters.MultipleChoiceFilter(
        choices=IndicatorUnit.choices, distinct=False, help_text="Unit; repeat for several."
    )
    context = filters.BooleanFilter(
        field_name="commitment",
        lookup_expr="isnull",
        help_text="true: only the Roadmap's context indicators (of no commitment); false: only "
        "indicators of commitments.",
    )

    # Applied by the view, before every other filter (point_in_time).
    as_of = filters.DateFilter(method="filter_applied_by_the_view", help_text=LATEST_AS_OF_HELP)
    known_on = filters.DateFilter(
        method="filter_applied_by_the_view",
        help_text=VALUES_KNOWN_ON_HELP,
    )

    class Meta:
        model = Indicator
        fields = []

    def filter_applied_by_the_view(self, queryset, name, value):
        return queryset


class IndicatorValueFilter(filters.FilterSet):
    indicator = filters.ModelChoiceFilter(
        queryset=Indicator.objects.all(), help_text="Id of the indicator."
    )
    commitment = by_slugs(
        field_name="indicator__commitment__code",
        queryset=Commitment.objects.all(),
        to_field_name="code",
        distinct=False,
        help_text="Code of the indicator's commitment; repeat for several.",
    )
    pillar = by_slugs(
        field_name="indicator__commitment__pillar__slug",
        queryset=Pillar.objects.all(),
        to_field_name="slug",
        distinct=False,
        help_text="Pillar slug of the indicator's commitment; repeat for several.",
    )
    context = filters.BooleanFilter(
        field_name="indicator__commitment",
        lookup_expr="isnull",
        help_text="true: only values of the Roadmap's context indicators (of no commitment); "
        "false: only values of commitments' indicators.",
    )

    # Applied by the view, before every other filter (point_in_time).
    as_of = filters.DateFilter(method="filter_applied_by_the_view", help_text=VALUES_AS_OF_HELP)
    known_on = filters.DateFilter(
        method="filter_applied_by_the_view", help_text=VALUES_KNOWN_ON_HELP
    )

    class Meta:
        model = IndicatorValue
        fields = []

    def filter_applied_by_the_view(self, queryset, name, value):
        return queryset


# Serializers.


class IndicatorCSVSerializer(IndicatorSerializer):
    """The CSV's columns: the indicator flat, figures as decimal strings."""

    baseline_value = RowMethodField(columns=["baseline_value"])
    baseline_qualifier = serializers.CharField()
    baseline_date = serializers.DateField()
    baseline_paragraph = serializers.IntegerField()
    baseline_quote = serializers.CharField()
    target_value = RowMethodField(columns=["target_value"])
    target_qualifier = serializers.CharField()
    target_date = serializers.DateField()

    class Meta(IndicatorSerializer.Meta):
        fields = [
            "id",
            "slug",
            "name",
            "commitment",
            "pillar",
            "is_context",
            "unit",
            "unit_label",
            "measure",
            "direction",
            "baseline_value",
            "baseline_qualifier",
            "baseline_date",
            "baseline_paragraph",
            "baseline_quote",
            "target_value",
            "target_qualifier",
            "target_date",
            "latest_value",
            "latest_qualifier",
            "latest_date",
            "progress",
        ]
        read_only_fields = fields

    def get_baseline_value(self, row) -> str | None:
        return figure(row["baseline_value"])

    def get_target_value(self, row) -> str | None:
        return figure(row["target_value"])


class IndicatorWriteSerializer(StrictWriteSerializer):
    """A new indicator (Editors). The unit is one of the vocabulary's, or other with the unit
    said in `unit_other`; a commitment's indicator needs a direction."""

    commitment = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Commitment.objects.all(),
        required=False,
        allow_null=True,
        help_text="Commitment code; null (or left out) for a context indicator of the Roadmap.",
    )
    baseline_source = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=SourceDocument.objects.all(),
        required=False,
        allow_null=True,
        help_text="Slug of the document the baseline is quoted from.",
    )
    description = OptionalCharInput(allow_blank=True)
    unit_other = OptionalCharInput(max_length=50, allow_blank=True)
    direction = OptionalChoiceInput(choices=Direction.choices, allow_blank=True)
    baseline_quote = OptionalCharInput(allow_blank=True)

    server_set_fields = {
        "id",
        "url",
        "is_context",
        "pillar",
        "unit_label",
        "baseline",
        "target",
        "latest_value",
        "latest_qualifier",
        "latest_date",
        "latest_phrase",
        "latest_value_url",
        "progress",
        "values_url",
    }

    class Meta:
        model = Indicator
        fields = [
            "slug",
            "name",
            "description",
            "commitment",
            "unit",
            "unit_other",
            "measure",
            "direction",
            "baseline_value",
            "baseline_qualifier",
            "baseline_date",
            "baseline_source",
            "baseline_paragraph",
            "baseline_quote",
            "target_value",
            "target_qualifier",
            "target_date",
        ]
        # The model's checks, clean() included, say what is wrong (save_indicator).
        validators = []

    def create(self, validated_data):
        return save_indicator(Indicator(**validated_data))


class IndicatorValueSerializer(serializers.ModelSerializer):
    """An observation of an indicator. Never changed once recorded; only approved values count,
    and only they are shown to anyone but staff."""

    url = serializers.HyperlinkedIdentityField(view_name="api:indicatorvalue-detail")
    indicator = serializers.PrimaryKeyRelatedField(read_only=True)
    indicator_url = serializers.HyperlinkedRelatedField(
        source="indicator", view_name="api:indicator-detail", read_only=True
    )
    value = serializers.SerializerMethodField(help_text="A decimal string (never a float).")
    phrase = serializers.CharField(read_only=True, help_text="The value in words, qualified.")
    evidence_url = OptionalURLField()
    evidence_source = OptionalCharField()
    confidence = OptionalChoiceField(choices=IndicatorValue.Confidence.choices)
    corrects = serializers.IntegerField(
        source="corrects_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the approved value this one corrects (and, once approved, replaces).",
    )
    corrected_by = serializers.IntegerField(
        source="corrected_by_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the later value that corrects this one, once that correction is "
        "approved: this one then no longer counts (superseded). Null while it stands, a "
        "correction pending review or returned included.",
    )
    author = serializers.SerializerMethodField()
    review_state = serializers.ChoiceField(
        choices=ReviewState.choices,
        read_only=True,
        help_text="pending until a reviewer decides; then approved (it counts) or returned "
        "(it never counts).",
    )
    reviewer = serializers.SerializerMethodField(
        help_text="Who approved or returned it (never its author); null while pending, and "
        "when it was approved on submission because review is not required."
    )
    review_comment = OptionalCharField(source="review.comment", default=None)
    reviewed_at = serializers.DateTimeField(
        source="review.decided_at", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "url",
            "indicator",
            "indicator_url",
            "value",
            "qualifier",
            "phrase",
            "as_of",
            "period_start",
            "period_end",
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

    def _reader(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_value(self, observation) -> str:
        return figure(observation.value)

    def get_author(self, observation) -> str:
        return person_name(observation.author, reader=self._reader(), acting_as="Analyst")

    def get_reviewer(self, observation) -> str | None:
        review = getattr(observation, "review", None)
        if review is None or review.reviewer_id is None:
            return None
        return person_name(review.reviewer, reader=self._reader(), acting_as="Reviewer")


class IndicatorValueCSVSerializer(IndicatorValueSerializer):
    """The CSV's (and the workbook's) columns: a value flat, with its indicator named, its
    figure a decimal (a number in the workbook)."""

    indicator_slug = serializers.CharField(source="indicator.slug", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    commitment = serializers.CharField(
        source="indicator.commitment.code",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Code of the indicator's commitment; blank for a context indicator.",
    )
    unit_label = serializers.CharField(source="indicator.unit_label", read_only=True)
    value = serializers.DecimalField(
        max_digits=FIGURE_DIGITS,
        decimal_places=FIGURE_DECIMALS,
        normalize_output=True,
        read_only=True,
    )

    class Meta(IndicatorValueSerializer.Meta):
        fields = [
            "id",
            "indicator",
            "indicator_slug",
            "indicator_name",
            "commitment",
            "unit_label",
            "value",
            "qualifier",
            "phrase",
            "as_of",
            "period_start",
            "period_end",
            "evidence_url",
            "evidence_source",
            "confidence",
            "corrects",
            "corrected_by",
            "author",
            "created_at",
            "review_state",
            "reviewer",
            "reviewed_at",
        ]
        read_only_fields = fields


class IndicatorValueWriteSerializer(StrictWriteSerializer):
    """A new value of the indicator: as of a date, or over a period (its end at least); not in
    the future."""

    value = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        help_text="The figure observed, in the indicator's unit, as a decimal string.",
    )
    evidence_url = OptionalURLInput(max_length=500, allow_blank=True)
    evidence_source = OptionalCharInput(max_length=300, allow_blank=True)
    confidence = OptionalChoiceInput(choices=IndicatorValue.Confidence.choices, allow_blank=True)
    corrects = serializers.PrimaryKeyRelatedField(
        queryset=IndicatorValue.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the approved value of this indicator that this one corrects.",
    )

    server_set_fields = {
        "id",
        "url",
        "indicator",
        "indicator_url",
        "phrase",
        "author",
        "created_at",
        "corrected_by",
        "review_state",
        "reviewer",
        "review_comment",
        "reviewed_at",
    }

    class Meta:
        model = IndicatorValue
        fields = [
            "value",
            "qualifier",
            "as_of",
            "period_start",
            "period_end",
            "evidence_url",
            "evidence_source",
            "confidence",
            "corrects",
        ]
        # Corrected once: record_indicator_value's checks say so, by field.
        validators = []

    def create(self, validated_data):
        return record_indicator_value(**validated_data)


class IndicatorValueReviewSerializer(serializers.ModelSerializer):
    """A decision on an indicator value, as the review endpoint answers it."""

    value = serializers.PrimaryKeyRelatedField(read_only=True)
    value_url = serializers.HyperlinkedRelatedField(
        source="value", view_name="api:indicatorvalue-detail", read_only=True
    )
    reviewer = serializers.SerializerMethodField()
    comment = OptionalCharField()

    class Meta:
        model = IndicatorValueReview
        fields = ["value", "value_url", "decision", "reviewer", "comment", "decided_at"]
        read_only_fields = fields

    def get_reviewer(self, review) -> str | None:
        if review.reviewer_id is None:
            return None
        reader = getattr(self.context.get("request"), "user", None)
        return person_name(review.reviewer, reader=reader, acting_as="Reviewer")


class IndicatorValueReviewWriteSerializer(ReviewWriteSerializer):
    server_set_fields = {"value", "value_url", "reviewer", "decided_at"}

    class Meta(ReviewWriteSerializer.Meta):
        model = IndicatorValueReview

    def validate(self, attrs):
        if attrs["decision"] == IndicatorValueReview.Decision.RETURN and not attrs.get("comment"):
            raise serializers.ValidationError(
                {
                    "comment": [
                        "Say why the value is returned, so that its author can record a better one."
                    ]
                }
            )
        return attrs


# Views.


class MayRecordValues(BasePermission):
    """Reading an indicator's values is reading; recording one needs add_indicatorvalue
    (Analysts, Editors)."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return may_read(request)
        user = request.user
        return bool(
            user and user.is_authenticated and user.has_perm("commitments.add_indicatorvalue")
        )


REVIEW_STATE_PARAMETER = OpenApiParameter(
    "review_state",
    OpenApiTypes.STR,
    enum=ReviewState.values,
    description="Staff only: the values in this review state (pending, approved, returned). "
    "Everyone else gets the approved values, whatever they ask.",
)


def observed_by(request):
    """Values for display, as of the request's point in time (point_in_time), if it asks
    for one: the values observed by then, recorded and approved by its known_on."""
    when = point_in_time(request)
    if when is None:
        return IndicatorValue.objects.for_display()
    return IndicatorValue.objects.for_display(when.known_on).as_of(when.as_of, when.known_on)


def values_shown(request, values):
    """The values `request` may see: approved ones, or, for staff who ask, those in the
    review state they ask for (a 400 for one that does not exist)."""
    state = request.query_params.get("review_state")
    if state is None or not may_see_unapproved(request.user):
        return values.approved()
    if state not in ReviewState.values:
        raise ValidationError({"review_state": [f"Choose one of {', '.join(ReviewState.values)}."]})
    return values.in_review_state(state)


@extend_schema_view(
    list=extend_schema(
        summary="Indicators",
        description="What measures each commitment, and the Roadmap's context indicators "
        "(`context=true`: figures about the past that no commitment undertakes), context first "
        "then in Roadmap order, 50 a page, each with its baseline quoted from its source, its "
        "target, its latest approved value and the progress computed from them. `format=csv` "
        "gives every matching one as CSV.",
        parameters=[CSV_PARAMETER],
        tags=["indicators"],
    ),
    retrieve=extend_schema(
        summary="Get an indicator",
        description="One indicator by its id.",
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description=LATEST_AS_OF_HELP),
            OpenApiParameter("known_on", OpenApiTypes.DATE, description=VALUES_KNOWN_ON_HELP),
        ],
        tags=["indicators"],
    ),
    create=extend_schema(
        summary="Define an indicator (Editors)",
        description="An indicator of a commitment (with a direction), or of the Roadmap's "
        "context (no commitment). A unit of the vocabulary, or `other` with `unit_other`.",
        request=IndicatorWriteSerializer,
        responses={201: IndicatorSerializer},
        tags=["indicators"],
    ),
)
class IndicatorViewSet(
    IdempotentPostMixin,
    CSVExportMixin,
    ConditionalGetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Indicator.objects.select_related("commitment__pillar", "baseline_source")
    filterset_class = IndicatorFilter
    http_method_names = ["get", "post", "head", "options"]
    csv_filename = "indicators.csv"

    @property
    def csv_columns(self):
        return list(IndicatorCSVSerializer.Meta.fields)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            # Rows, as the serializer reads them.
            serializer = IndicatorCSVSerializer if self.wants_spreadsheet else IndicatorSerializer
            when = point_in_time(self.request)
            # An indicator is a definition: one defined after the date is still listed, with
            # no value then.
            latest = (
                queryset.with_latest(when.as_of, when.known_on) if when else queryset.with_latest()
            )
            return latest.values(*serializer.columns())
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return IndicatorWriteSerializer
        if self.action == "values":
            if self.request.method == "POST":
                return IndicatorValueWriteSerializer
            return IndicatorValueSerializer
        if self.wants_spreadsheet:
            return IndicatorCSVSerializer
        return IndicatorSerializer

    def get_permissions(self):
        if self.action == "values":
            return [MayRecordValues()]
        return super().get_permissions()

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as error:
            raise NotFound(f"No indicator #{self.kwargs['pk']}.") from error

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        indicator = serializer.save()
        row = (
            Indicator.objects.with_latest()
            .values(*IndicatorSerializer.columns())
            .get(pk=indicator.pk)
        )
        data = IndicatorSerializer(row, context=self.get_serializer_context()).data
        return created(data, location=data["url"])

    @extend_schema(
        methods=["GET"],
        summary="An indicator's values",
        description="Its approved values, latest first (by as-of date or period end, then by "
        "time recorded), 50 a page. Staff may ask for pending or returned ones "
        "(`review_state`).",
        parameters=[REVIEW_STATE_PARAMETER, *POINT_IN_TIME_PARAMETERS],
        responses=IndicatorValueSerializer(many=True),
        filters=False,
        tags=["indicators"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Record an indicator value (Analysts, Editors)",
        description="A value as of a date, or over a period, neither in the future. It is "
        "`pending` until a reviewer other than you approves it (`approved` at once where the "
        "project does not require review); only approved values count toward progress. Values "
        "are never changed: a correction is a new value that names the approved one it "
        "`corrects`.",
        request=IndicatorValueWriteSerializer,
        responses={201: IndicatorValueSerializer},
        filters=False,
        tags=["indicators"],
    )
    @action(detail=True, methods=["get", "post"], url_path="values", filter_backends=[])
    def values(self, request, *args, **kwargs):
        indicator = self.get_object()
        if request.method == "POST":
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            observation = serializer.save(indicator=indicator, author=request.user)
            shown = IndicatorValue.objects.for_display().get(pk=observation.pk)
            data = IndicatorValueSerializer(shown, context=self.get_serializer_context()).data
            return created(data, location=data["url"])
        observations = values_shown(request, observed_by(request).filter(indicator=indicator))
        page = self.paginate_queryset(observations)
        data = IndicatorValueSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(data.data)


class MayReviewValues(MayReview):
    message = "Only Reviewers and Editors may approve or return indicator values."


@extend_schema_view(
    list=extend_schema(
        summary="Indicator values",
        description="Every indicator's approved values, newest first (by as-of date or period "
        "end, then by time recorded), 50 a page; filtered by indicator, commitment, pillar, or "
        "to the Roadmap's context indicators (`context=true`). Staff may ask for pending or "
        "returned ones (`review_state`). `format=csv` gives every matching one as CSV.",
        parameters=[CSV_PARAMETER, REVIEW_STATE_PARAMETER],
        tags=["indicators"],
    ),
    retrieve=extend_schema(
        summary="Get an indicator value",
        description="One value by its id, as the `Location` of its recording names it. A "
        "pending or returned value is a 404 to anyone but staff; so is one not yet observed, "
        "or not yet known, at the point in time asked for.",
        parameters=POINT_IN_TIME_PARAMETERS,
        tags=["indicators"],
    ),
)
class IndicatorValueViewSet(
    IdempotentPostMixin,
    CSVExportMixin,
    ConditionalGetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = IndicatorValue.objects.for_display()
    filterset_class = IndicatorValueFilter
    csv_filename = "indicator-values.csv"

    @property
    def csv_columns(self):
        return list(IndicatorValueCSVSerializer.Meta.fields)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            queryset = observed_by(self.request)
        if self.action == "list":
            # Approved ones, or those of the review state staff ask for (values_shown).
            return values_shown(self.request, queryset)
        if self.action == "review" or may_see_unapproved(self.request.user):
            return queryset
        # Everyone else never learns that a pending or returned value exists: it is a 404.
        return queryset.approved()

    def get_permissions(self):
        if self.action == "review":
            return [MayReviewValues()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "review":
            return IndicatorValueReviewWriteSerializer
        if self.wants_spreadsheet:
            return IndicatorValueCSVSerializer
        return IndicatorValueSerializer

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as error:
            raise NotFound(f"No indicator value #{self.kwargs['pk']}.") from error

    @extend_schema(
        summary="Approve or return an indicator value (Reviewers, Editors)",
        description="Four eyes, as for status updates: a pending value counts only once "
        "someone other than its author approves it; returned, it never counts. A decision is "
        "final (409 otherwise). Nobody decides on their own value, superusers included (403).",
        request=IndicatorValueReviewWriteSerializer,
        responses={201: IndicatorValueReviewSerializer},
        filters=False,
        tags=["indicators"],
    )
    @action(detail=True, methods=["post"], url_path="review", filter_backends=[])
    def review(self, request, *args, **kwargs):
        observation = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            review = approve_or_return_indicator_value(
                observation, reviewer=request.user, **serializer.validated_data
            )
        except OwnValue as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except ValueAlreadyDecided as refusal:
            raise Conflict(str(refusal)) from refusal
        data = IndicatorValueReviewSerializer(review, context=self.get_serializer_context()).data
        return created(data, location=data["value_url"])

"""API v1 for indicator values (issue 15): the values observed of an indicator, reviewed as
status updates are (four eyes; only approved values count, and only they are shown to anyone
but staff; the review itself is review.py's), read as of a past day if asked. Filters,
serializers and views together, as api/contributions.py; the indicators themselves are
indicators.py's."""

from django.utils.translation import gettext
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission

from commitments.api.base import (
    CSV_PARAMETER,
    ResourceViewSetMixin,
)
from commitments.api.cited import RECORD_LISTS, PageSerializer
from commitments.api.evidence import cites
from commitments.api.fields import (
    OptionalChoiceInput,
    StrictWriteSerializer,
    correction_of,
    figure,
    releasability_input,
)
from commitments.api.filters import (
    applied_by_the_view,
    commitment_filter,
    pillar_filter,
    point_in_time,
)
from commitments.api.permissions import may_read, may_see_unapproved
from commitments.api.representation import RowMethodField
from commitments.api.review import (
    DecisionSerializer,
    DecisionWriteSerializer,
    ReviewActionMixin,
    ReviewedRecordSerializer,
    review_actions_documented,
)
from commitments.clearance import clearance_of
from commitments.models import (
    FIGURE_DECIMALS,
    FIGURE_DIGITS,
    Indicator,
    IndicatorValue,
    IndicatorValueReview,
    ReviewState,
)
from commitments.services import record_indicator_value

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
POINT_IN_TIME_PARAMETERS = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description=VALUES_AS_OF_HELP),
    OpenApiParameter("known_on", OpenApiTypes.DATE, description=VALUES_KNOWN_ON_HELP),
]


class IndicatorValueFilter(filters.FilterSet):
    indicator = filters.ModelChoiceFilter(
        queryset=Indicator.objects.all(), help_text="Id of the indicator."
    )
    commitment = commitment_filter(
        "indicator__commitment__code",
        help_text="Code of the indicator's commitment; repeat for several.",
    )
    pillar = pillar_filter(
        "indicator__commitment__pillar__slug",
        help_text="Pillar slug of the indicator's commitment; repeat for several.",
    )
    context = filters.BooleanFilter(
        field_name="indicator__commitment",
        lookup_expr="isnull",
        help_text="true: only values of the Roadmap's context indicators (of no commitment); "
        "false: only values of commitments' indicators.",
    )

    as_of = applied_by_the_view(VALUES_AS_OF_HELP)
    known_on = applied_by_the_view(VALUES_KNOWN_ON_HELP)

    class Meta:
        model = IndicatorValue
        fields = []


# Serializers.


VALUE_FIELDS = [
    "value",
    "qualifier",
    "phrase",
    "as_of",
    "period_start",
    "period_end",
    *ReviewedRecordSerializer.RECORD_FIELDS,
]


class IndicatorValueSerializer(ReviewedRecordSerializer):
    """An observation of an indicator. Never changed once recorded; only approved values count,
    and only they are shown to anyone but staff."""

    url = serializers.HyperlinkedIdentityField(view_name="api:indicatorvalue-detail")
    indicator = serializers.PrimaryKeyRelatedField(read_only=True)
    indicator_url = serializers.HyperlinkedRelatedField(
        source="indicator", view_name="api:indicator-detail", read_only=True
    )
    value = serializers.SerializerMethodField(help_text="A decimal string (never a float).")
    phrase = serializers.CharField(read_only=True, help_text="The value in words, qualified.")
    corrects = RowMethodField(columns=["corrects_id", "corrects_approved"], allow_null=True)

    # Its documentation's own words, kept as docs/openapi.yaml has them; the shared ones
    # (ReviewedRecordSerializer's, the updates') would fit values as well, whose returns are
    # answered by a correction too.
    help_texts = {
        "corrects": "Id of the approved value this one corrects (and, once approved, replaces).",
        "corrected_by": "Id of the later value that corrects this one, once that correction is "
        "approved: this one then no longer counts (superseded). Null while it stands, a "
        "correction pending review or returned included.",
        "review_state": "pending until a reviewer decides; then approved (it counts) or returned "
        "(it never counts); or withdrawn by its author while pending (it never counts).",
        "review_comment": None,
        "reviewed_at": None,
    }

    class Meta:
        model = IndicatorValue
        fields = ["id", "url", "indicator", "indicator_url", *VALUE_FIELDS]
        read_only_fields = fields
        list_serializer_class = PageSerializer

    def get_value(self, observation) -> str:
        return figure(observation.value)

    # The updates' rule, documented as the integer field it replaced was (the same schema,
    # key for key: nullable from the field, not from the method's type).
    @extend_schema_field({"type": "integer"})
    def get_corrects(self, row):
        return super().get_corrects(row)


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
            *(name for name in VALUE_FIELDS if name not in RECORD_LISTS),
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
    evidence = cites()
    confidence = OptionalChoiceInput(choices=IndicatorValue.Confidence.choices, allow_blank=True)
    releasability = releasability_input(IndicatorValue)
    corrects = correction_of(
        IndicatorValue,
        help_text="Id of the approved value of this indicator that this one corrects.",
    )

    shown_as = IndicatorValueSerializer

    class Meta:
        model = IndicatorValue
        fields = [
            "value",
            "qualifier",
            "as_of",
            "period_start",
            "period_end",
            "evidence",
            "confidence",
            "corrects",
            "releasability",
        ]
        # Corrected once: record_indicator_value's checks say so, by field.
        validators = []

    def create(self, validated_data):
        return record_indicator_value(**validated_data)


class IndicatorValueReviewSerializer(DecisionSerializer):
    """A decision on an indicator value, as the review endpoint answers it."""

    record_view = "api:indicatorvalue-detail"
    help_texts = {"reviewer": None, "comment": None}

    class Meta(DecisionSerializer.Meta):
        model = IndicatorValueReview


class IndicatorValueReviewWriteSerializer(DecisionWriteSerializer):
    shown_as = IndicatorValueReviewSerializer

    class Meta(DecisionWriteSerializer.Meta):
        model = IndicatorValueReview


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
    """Values for display that the request's user may read (their clearance), as of the
    request's point in time (point_in_time), if it asks for one: the values observed by then,
    recorded and approved by its known_on."""
    values = IndicatorValue.objects.readable_by(clearance_of(request.user))
    when = point_in_time(request)
    if when is None:
        return values.for_display()
    return values.for_display(when.known_on).observed_by(when.as_of, when.known_on)


def values_shown(request, values):
    """The values `request` may see: approved ones, or, for staff who ask, those in the
    review state they ask for (a 400 for one that does not exist)."""
    state = request.query_params.get("review_state")
    if state is None or not may_see_unapproved(request.user):
        return values.approved()
    if state not in ReviewState.values:
        choices = ", ".join(ReviewState.values)
        raise ValidationError(
            {"review_state": [gettext("Choose one of %(choices)s.") % {"choices": choices}]}
        )
    return values.in_review_state(state)


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
    **review_actions_documented(
        "value",
        "Approve or return an indicator value (Reviewers, Editors)",
        "Four eyes, as for status updates: a pending value counts only once someone other than "
        "its author approves it; returned, it never counts. A decision is final (409 "
        "otherwise). Nobody decides on their own value, superusers included (403).",
        sent=IndicatorValueReviewWriteSerializer,
        tag="indicators",
    ),
)
class IndicatorValueViewSet(ReviewActionMixin, ResourceViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = IndicatorValue.objects.for_display()
    filterset_class = IndicatorValueFilter
    serializer_class = IndicatorValueSerializer
    spreadsheet_serializer_class = IndicatorValueCSVSerializer
    review_serializer_class = IndicatorValueReviewWriteSerializer
    csv_filename = "indicator-values.csv"

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return self.shown(observed_by(self.request))
        return self.shown(super().get_queryset())

    def listed(self, values):
        return values_shown(self.request, values)

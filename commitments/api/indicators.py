"""API v1 for indicators (issue 15): what measures each commitment (or the Roadmap's context),
from its baseline toward its target, with its latest approved value and the progress
computed from them. Filters, serializers and views together, as api/contributions.py; the
same conventions (base.ConditionalGetMixin's ETags and response cache, the CSV of
CSVExportMixin, ReadOrModelPermission). The values observed of an indicator, and their
review, are indicator_values.py's (this module's /indicators/{id}/values/ serves them)."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from commitments.api.base import (
    CSV_PARAMETER,
    ResourceViewSetMixin,
    created,
)
from commitments.api.fields import (
    OptionalCharField,
    OptionalCharInput,
    OptionalChoiceField,
    OptionalChoiceInput,
    StrictWriteSerializer,
    figure,
    iso_date,
)
from commitments.api.filters import (
    applied_by_the_view,
    commitment_filter,
    pillar_filter,
    point_in_time,
)
from commitments.api.indicator_values import (
    POINT_IN_TIME_PARAMETERS,
    REVIEW_STATE_PARAMETER,
    VALUES_KNOWN_ON_HELP,
    IndicatorValueSerializer,
    IndicatorValueWriteSerializer,
    MayRecordValues,
    observed_by,
    values_shown,
)
from commitments.api.representation import FastRepresentation, RowMethodField
from commitments.models import (
    Commitment,
    Direction,
    Indicator,
    IndicatorUnit,
    IndicatorValue,
    Qualifier,
    SourceDocument,
    phrase,
    progress,
)
from commitments.services import save_indicator

# Filters.


LATEST_AS_OF_HELP = (
    "YYYY-MM-DD, not in the future: each indicator's latest value and progress as they were "
    "that day, from the approved values observed on or before it (as known today, unless "
    "known_on says otherwise). Indicators defined later are still listed: an indicator is a "
    "definition."
)


class IndicatorFilter(filters.FilterSet):
    commitment = commitment_filter()
    pillar = pillar_filter()
    unit = filters.MultipleChoiceFilter(
        choices=IndicatorUnit.choices, distinct=False, help_text="Unit; repeat for several."
    )
    context = filters.BooleanFilter(
        field_name="commitment",
        lookup_expr="isnull",
        help_text="true: only the Roadmap's context indicators (of no commitment); false: only "
        "indicators of commitments.",
    )

    as_of = applied_by_the_view(LATEST_AS_OF_HELP)
    known_on = applied_by_the_view(VALUES_KNOWN_ON_HELP)

    class Meta:
        model = Indicator
        fields = []


# Serializers.


class FigureSerializer(serializers.Serializer):
    """A figure with its qualifier, as the source or the evidence says it."""

    value = serializers.CharField(help_text="A decimal string (never a float).")
    qualifier = serializers.ChoiceField(choices=Qualifier.choices)
    date = serializers.DateField(allow_null=True, help_text="The date it describes, if known.")
    phrase = serializers.CharField(
        help_text='In words, with its qualifier: "more than 7.7 million people".'
    )


class BaselineSerializer(FigureSerializer):
    """Where an indicator started, quoted from its source as a commitment's text is."""

    value = serializers.CharField(allow_null=True, help_text="A decimal string; null if unknown.")
    phrase = serializers.CharField(allow_null=True)
    document = serializers.SlugField(allow_null=True, help_text="Slug of the source document.")
    paragraph = serializers.IntegerField(allow_null=True)
    quote = serializers.CharField(
        allow_null=True, help_text="The sentence that states it, verbatim."
    )


class TargetSerializer(FigureSerializer):
    """Where an indicator should get to: a value of null when no target is set."""

    value = serializers.CharField(allow_null=True, help_text="A decimal string; null if none.")
    phrase = serializers.CharField(allow_null=True)


BASELINE_COLUMNS = [
    "baseline_value",
    "baseline_qualifier",
    "baseline_date",
    "baseline_source__slug",
    "baseline_paragraph",
    "baseline_quote",
]
UNIT_COLUMNS = ["unit", "unit_other"]


def _figure(row, part):
    """The baseline's or the target's figure (FigureSerializer), from the row's `<part>_...`."""
    value, qualifier = row[f"{part}_value"], row[f"{part}_qualifier"]
    return {
        "value": figure(value),
        "qualifier": qualifier,
        "date": iso_date(row[f"{part}_date"]),
        "phrase": phrase(value, qualifier, row["unit"], row["unit_other"]),
    }


class IndicatorSerializer(FastRepresentation, serializers.ModelSerializer):
    """What measures a commitment, or (`is_context`) the Roadmap's context: its baseline,
    quoted from its source, its target, its latest approved value, and the progress from one
    to the other, computed (never entered)."""

    url = serializers.HyperlinkedIdentityField(view_name="api:indicator-detail")
    commitment = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The commitment it measures; null for a context indicator of the Roadmap.",
    )
    pillar = serializers.SlugRelatedField(
        source="commitment.pillar", slug_field="slug", read_only=True, allow_null=True
    )
    is_context = RowMethodField(
        columns=["commitment_id"],
        help_text="A figure about the Roadmap's context (the past), of no commitment.",
    )
    description = OptionalCharField()
    unit_label = RowMethodField(
        columns=UNIT_COLUMNS, help_text='The unit in words: "square kilometres", or the other one.'
    )
    unit_other = OptionalCharField(help_text="What is counted when the unit is other; else null.")
    direction = OptionalChoiceField(
        choices=Direction.choices,
        help_text="Which way is progress; null for a context indicator with none.",
    )
    baseline = RowMethodField(columns=[*BASELINE_COLUMNS, *UNIT_COLUMNS])
    target = RowMethodField(
        columns=["target_value", "target_qualifier", "target_date", *UNIT_COLUMNS]
    )
    # The latest value, flat: a nullable nested object is a trap for generated clients.
    latest_value = RowMethodField(
        columns=["latest_value"],
        help_text="The latest approved value that no correction replaced, as a decimal string "
        "(by as-of date or period end, then time recorded); null when none is approved.",
    )
    latest_qualifier = OptionalChoiceField(choices=Qualifier.choices)
    latest_date = serializers.DateField(
        source="latest_on", read_only=True, allow_null=True, help_text="The date it describes."
    )
    latest_phrase = RowMethodField(
        columns=["latest_value", "latest_qualifier", *UNIT_COLUMNS],
        help_text="The latest value in words, qualified.",
    )
    latest_value_url = RowMethodField(columns=["latest_id"])
    progress = RowMethodField(
        columns=["baseline_value", "target_value", "direction", "latest_value"],
        help_text="Percent of the way from the baseline to the target that the latest approved "
        "value has come, as a decimal string to one place; past the target it is over 100, back "
        "past the baseline below 0. Maintain: 100 while between baseline and target. Null "
        "without a target or an approved value.",
    )
    values_url = RowMethodField(columns=["id"])

    class Meta:
        model = Indicator
        fields = [
            "id",
            "url",
            "slug",
            "name",
            "description",
            "commitment",
            "pillar",
            "is_context",
            "unit",
            "unit_label",
            "unit_other",
            "measure",
            "direction",
            "baseline",
            "target",
            "latest_value",
            "latest_qualifier",
            "latest_date",
            "latest_phrase",
            "latest_value_url",
            "progress",
            "values_url",
        ]
        read_only_fields = fields

    def get_is_context(self, row) -> bool:
        return row["commitment_id"] is None

    def get_unit_label(self, row) -> str:
        if row["unit"] == IndicatorUnit.OTHER:
            return row["unit_other"]
        return IndicatorUnit(row["unit"]).label

    @extend_schema_field(BaselineSerializer)
    def get_baseline(self, row):
        return {
            **_figure(row, "baseline"),
            "document": row["baseline_source__slug"],
            "paragraph": row["baseline_paragraph"],
            "quote": row["baseline_quote"] or None,
        }

    @extend_schema_field(TargetSerializer)
    def get_target(self, row):
        return _figure(row, "target")

    def get_latest_value(self, row) -> str | None:
        return figure(row["latest_value"])

    def get_latest_phrase(self, row) -> str | None:
        return phrase(row["latest_value"], row["latest_qualifier"], row["unit"], row["unit_other"])

    def get_latest_value_url(self, row) -> str | None:
        if row["latest_id"] is None:
            return None
        return self.links.url("api:indicatorvalue-detail", "pk", row["latest_id"])

    def get_progress(self, row) -> str | None:
        percent = progress(
            baseline=row["baseline_value"],
            latest=row["latest_value"],
            target=row["target_value"],
            direction=row["direction"],
        )
        return None if percent is None else str(percent)  # to one place: "50.0"

    def get_values_url(self, row) -> str:
        return self.links.url("api:indicator-values", "pk", row["id"])


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
            *Indicator.BASELINE_FIELDS,
            *Indicator.BASELINE_QUOTE_FIELDS,
            *Indicator.TARGET_FIELDS,
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

    shown_as = IndicatorSerializer

    class Meta:
        model = Indicator
        fields = [
            "slug",
            "name",
            "description",
            "commitment",
            *Indicator.MEASURE_FIELDS,
            *Indicator.BASELINE_FIELDS,
            "baseline_source",
            *Indicator.BASELINE_QUOTE_FIELDS,
            *Indicator.TARGET_FIELDS,
        ]
        # The model's checks, clean() included, say what is wrong (save_indicator).
        validators = []

    def create(self, validated_data):
        return save_indicator(Indicator(**validated_data))


# Views.


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
    ResourceViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Indicator.objects.select_related("commitment__pillar", "baseline_source")
    filterset_class = IndicatorFilter
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = IndicatorSerializer
    spreadsheet_serializer_class = IndicatorCSVSerializer
    csv_filename = "indicators.csv"

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            # Rows, as the serializer reads them.
            serializer = self.get_serializer_class()
            when = point_in_time(self.request)
            # An indicator is a definition: one defined after the date is still listed, with
            # no value then.
            # Its latest value and progress: of the values the reader may read.
            point = [when.as_of, when.known_on] if when else []
            latest = queryset.with_latest(*point, clearance=self.clearance)
            return latest.values(*serializer.columns())
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return IndicatorWriteSerializer
        if self.action == "values":
            if self.request.method == "POST":
                return IndicatorValueWriteSerializer
            return IndicatorValueSerializer
        return super().get_serializer_class()

    def get_permissions(self):
        if self.action == "values":
            return [MayRecordValues()]
        return super().get_permissions()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        indicator = serializer.save()
        row = (
            Indicator.objects.with_latest(clearance=self.clearance)
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

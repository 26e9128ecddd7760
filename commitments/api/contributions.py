"""API v1 for contributions (issue 15): who contributes what to which commitment, and the
partners by commitments matrix of them. Filters, serializers and views together, as every
resource family's module; they follow the same conventions (base.ConditionalGetMixin's ETags
and response cache, the CSV of CSVExportMixin, ReadOrModelPermission)."""

from django.utils.functional import lazy
from django.utils.translation import pgettext
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments.api.base import (
    CSV_PARAMETER,
    ConditionalGetMixin,
    ResourceViewSetMixin,
    created,
    unlinked,
)
from commitments.api.cited import CitesAndReleases, PageSerializer
from commitments.api.evidence import cites
from commitments.api.fields import (
    NullAsBlank,
    OptionalCharField,
    OptionalCharInput,
    StrictWriteSerializer,
    correction_of,
    releasability_field,
    releasability_input,
)
from commitments.api.filters import (
    applied_by_the_view,
    by_slugs,
    commitment_filter,
    pillar_filter,
    point_in_time,
)
from commitments.api.renderers import CSVRenderer, XLSXRenderer
from commitments.models import (
    CURRENCY_CHOICES,
    CURRENCY_MESSAGE,
    Commitment,
    Contribution,
    ContributionKind,
    Partner,
)
from commitments.people import person_name
from commitments.selectors import FUNNEL_STAGES, contribution_matrix
from commitments.services import record_contribution

# Filters.


class ContributionFilter(filters.FilterSet):
    partner = by_slugs(
        field_name="partner__slug",
        queryset=Partner.objects.all(),
        to_field_name="slug",
        distinct=False,
        help_text="Slug of the partner who contributes (a member or an organisation); repeat "
        "for several.",
    )
    partner_kind = filters.MultipleChoiceFilter(
        field_name="partner__kind",
        choices=Partner.Kind.choices,
        distinct=False,
        help_text="Kind of partner (member_state: the Coalition's members); repeat for several.",
    )
    commitment = commitment_filter()
    pillar = pillar_filter()
    kind = filters.MultipleChoiceFilter(
        choices=ContributionKind.choices,
        distinct=False,
        help_text="Kind of contribution; repeat for several.",
    )
    currency = filters.MultipleChoiceFilter(
        choices=CURRENCY_CHOICES,
        distinct=False,
        help_text="ISO 4217 code of the currency (funds only); repeat for several.",
    )
    since = filters.DateFilter(
        field_name="date", lookup_expr="gte", help_text="Made on or after this date (ISO 8601)."
    )
    until = filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="Made on or before this date (ISO 8601)."
    )
    as_of = applied_by_the_view(
        "YYYY-MM-DD, not in the future: the contributions made by then (as known today, unless "
        "known_on says otherwise); a correction replaces what it corrects from the day it was "
        "recorded."
    )
    known_on = applied_by_the_view(
        "YYYY-MM-DD, not in the future, not before as_of: only contributions and corrections "
        "recorded by the end of that day. Alone, it is also the as_of date."
    )

    class Meta:
        model = Contribution
        fields = []


# Serializers.


# What a contribution says after its kind, as it is recorded and as it is shown.
CONTRIBUTED_FIELDS = [
    "amount",
    "currency",
    "count",
    "unit",
    "date",
    "note",
    "corrects",
    "releasability",
]


class ContributionSerializer(CitesAndReleases, serializers.ModelSerializer):
    """What a partner contributes to a commitment. Never changed once recorded: a correction
    is a new contribution that names the one it corrects, which then counts in no total."""

    url = serializers.HyperlinkedIdentityField(view_name="api:contribution-detail")
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    partner_kind = serializers.ChoiceField(
        source="partner.kind", choices=Partner.Kind.choices, read_only=True
    )
    commitment = serializers.SlugRelatedField(slug_field="code", read_only=True)
    commitment_url = serializers.HyperlinkedRelatedField(
        source="commitment", view_name="api:commitment-detail", lookup_field="code", read_only=True
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        allow_null=True,
        read_only=True,
        help_text="Funds: how much, as a decimal string; null for other kinds.",
    )
    currency = OptionalCharField(help_text="Funds: the ISO 4217 code; null for other kinds.")
    count = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="Other kinds: how many; null for funds."
    )
    unit = OptionalCharField(help_text="Other kinds: what is counted; null for funds.")
    note = OptionalCharField()
    releasability = releasability_field()
    corrects = serializers.IntegerField(
        source="corrects_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the contribution this one corrects (and replaces in every total).",
    )
    corrected_by = serializers.IntegerField(
        source="corrected_by_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the correction that replaced this one, which then counts in no total; "
        "null while it stands.",
    )
    author = serializers.SerializerMethodField()

    class Meta:
        model = Contribution
        fields = [
            "id",
            "url",
            "partner",
            "partner_name",
            "partner_kind",
            "commitment",
            "commitment_url",
            "kind",
            "kind_label",
            *CONTRIBUTED_FIELDS,
            "evidence",
            "releases",
            "corrected_by",
            "author",
            "created_at",
        ]
        read_only_fields = fields
        list_serializer_class = PageSerializer

    def get_author(self, contribution) -> str:
        request = self.context.get("request")
        reader = getattr(request, "user", None)
        return person_name(
            contribution.author, reader=reader, acting_as=pgettext("role", "Analyst")
        )


class ContributionCSVSerializer(ContributionSerializer):
    class Meta(ContributionSerializer.Meta):
        fields = unlinked(ContributionSerializer)
        read_only_fields = fields


def _currency_message():
    # The model's message, as DRF formats it ({input}), in the language of the request.
    return str(CURRENCY_MESSAGE).replace("%(value)r", '"{input}"')


class CurrencyInput(NullAsBlank, serializers.ChoiceField):
    """An ISO 4217 code, in either case: "usd" is USD."""

    def to_internal_value(self, data):
        return super().to_internal_value(data.strip().upper() if isinstance(data, str) else data)


class ContributionWriteSerializer(StrictWriteSerializer):
    """A new contribution. Funds (funds_pledged, funds_committed, funds_disbursed) take an
    amount and a currency; every other kind a count and a unit."""

    partner = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Partner.objects.all(),
        help_text="Slug of the partner who contributes: a member or an organisation.",
    )
    commitment = serializers.SlugRelatedField(
        slug_field="code", queryset=Commitment.objects.all(), help_text="Commitment code."
    )
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Funds only: how much, 0 or more, as a decimal string (never a float).",
    )
    currency = CurrencyInput(
        choices=CURRENCY_CHOICES,
        allow_blank=True,
        error_messages={"invalid_choice": lazy(_currency_message, str)()},
        help_text="Funds only: the ISO 4217 code of the currency, e.g. USD.",
    )
    count = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Other kinds only: how many (e.g. 40).",
    )
    unit = OptionalCharInput(
        max_length=50,
        allow_blank=True,
        help_text="Other kinds only: what is counted (e.g. instructors).",
    )
    evidence = cites()
    note = OptionalCharInput(allow_blank=True)
    releasability = releasability_input(Contribution)
    corrects = correction_of(
        Contribution,
        help_text="Id of the contribution this one corrects: it then counts in no total.",
    )

    shown_as = ContributionSerializer

    class Meta:
        model = Contribution
        fields = [
            "partner",
            "commitment",
            "kind",
            *CONTRIBUTED_FIELDS,
            "evidence",
        ]
        # A contribution is corrected once: record_contribution's checks say so, by field.
        validators = []

    def create(self, validated_data):
        return record_contribution(**validated_data)


class ContributionKindSerializer(serializers.Serializer):
    """One kind of contribution, as a dashboard lists and labels it."""

    value = serializers.ChoiceField(
        choices=ContributionKind.choices, help_text="As in `kind` fields and filters."
    )
    label = serializers.CharField(help_text="As in `kind_label` fields.")
    stage = serializers.ChoiceField(
        choices=list(FUNNEL_STAGES.values()),
        allow_null=True,
        help_text="Funds: the stage of the funnel it records (a key of the matrix's `funds`); "
        "null for kinds counted in units.",
    )


# Reached as ContributionTotals (commitments/selectors/contributions.py) says.
class FunnelSerializer(serializers.Serializer):
    """Money in one currency through the funnel, cumulative: each stage counts the money that
    has reached it, so pledged ≥ committed ≥ disbursed."""

    currency = serializers.CharField(help_text="ISO 4217 code.")
    pledged = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        help_text="Money pledged, including what was committed or disbursed with no pledge "
        "recorded: for each partner and commitment, the larger of the amounts recorded as "
        "pledged and of `committed`.",
    )
    committed = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        help_text="Money committed, including what was disbursed with no commitment recorded: "
        "for each partner and commitment, the larger of the amounts recorded as committed and "
        "of `disbursed`.",
    )
    disbursed = serializers.DecimalField(
        max_digits=None, decimal_places=2, help_text="Money disbursed, as recorded."
    )


class CountTotalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContributionKind.choices)
    unit = serializers.CharField()
    count = serializers.IntegerField()


class ContributionTotalsSerializer(serializers.Serializer):
    contributions = serializers.IntegerField(help_text="Standing contributions counted.")
    funds = FunnelSerializer(
        many=True,
        help_text="Money per currency, through the funnel: pledged, committed, disbursed, "
        "each stage counting the money that reached it (what is disbursed was committed and "
        "pledged). Never converted between currencies, nor added across stages.",
    )
    counts = CountTotalSerializer(many=True, help_text="Other kinds, per kind and unit.")

    def to_representation(self, totals):
        # The matrix holds thousands of totals: written out directly, as the declared fields
        # above would write them (tests/test_contribution_matrix.py holds the two equal), at a
        # tenth of the cost of the generic walk.
        return {
            "contributions": totals.contributions,
            "funds": [
                {
                    "currency": funnel["currency"],
                    **{stage: f"{funnel[stage]:.2f}" for stage in FUNNEL_STAGES.values()},
                }
                for funnel in totals.funds
            ],
            "counts": totals.counts,
        }


class MatrixPartnerSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Partner.Kind.choices)
    totals = ContributionTotalsSerializer()


class MatrixCommitmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    pillar = serializers.SlugField()
    totals = ContributionTotalsSerializer()


class MatrixPillarSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    totals = ContributionTotalsSerializer()


class MatrixCellSerializer(serializers.Serializer):
    partner = serializers.SlugField()
    commitment = serializers.CharField()
    totals = ContributionTotalsSerializer()

    def to_representation(self, cell):
        # Tens of thousands of cells at scale: written out as the declared fields would write
        # them (tests/test_contribution_matrix.py holds the two equal), as the totals are.
        return {
            "partner": cell["partner"],
            "commitment": cell["commitment"],
            "totals": self.fields["totals"].to_representation(cell["totals"]),
        }


class ContributionMatrixSerializer(serializers.Serializer):
    """Partners by commitments, of standing contributions (corrections replace what they
    correct). Only partners, commitments and pillars with a contribution are listed."""

    partners = MatrixPartnerSerializer(many=True, help_text="Totals per partner, by name.")
    commitments = MatrixCommitmentSerializer(
        many=True, help_text="Totals per commitment, in Roadmap order."
    )
    pillars = MatrixPillarSerializer(many=True, help_text="Totals per pillar, in display order.")
    cells = MatrixCellSerializer(
        many=True, help_text="One per partner and commitment with a contribution."
    )
    overall = ContributionTotalsSerializer()


class MatrixRowSerializer(serializers.Serializer):
    """A line of the matrix's CSV: the standing contributions of one partner to one
    commitment, of one kind, in one currency or unit, added up."""

    partner = serializers.SlugField()
    partner_name = serializers.CharField()
    partner_kind = serializers.CharField()
    commitment = serializers.CharField()
    commitment_title = serializers.CharField()
    pillar = serializers.SlugField()
    kind = serializers.CharField()
    currency = serializers.CharField()
    amount = serializers.DecimalField(
        source="total_amount", max_digits=None, decimal_places=2, allow_null=True
    )
    unit = serializers.CharField()
    count = serializers.IntegerField(source="total_count", allow_null=True)
    contributions = serializers.IntegerField()


# Views.


@extend_schema_view(
    list=extend_schema(
        summary="Contributions",
        description="Who contributes what to which commitment, newest first (by date, then by "
        "time recorded), 50 a page: corrected ones too, each saying the correction that "
        "replaced it (`corrected_by`). `format=csv` gives every matching one as CSV.",
        parameters=[CSV_PARAMETER],
        tags=["contributions"],
    ),
    retrieve=extend_schema(
        summary="Get a contribution",
        description="One contribution by its id, as the `Location` of its creation names it.",
        tags=["contributions"],
    ),
    create=extend_schema(
        summary="Record a contribution (Analysts, Editors)",
        description="Funds (pledged, committed, disbursed) with an amount and an ISO 4217 "
        "currency; any other kind with a count and a unit. Dated today or earlier. Public at "
        "once (no review). Never changed: a correction is a new contribution that names the "
        "one it `corrects`, which then counts in no total; a contribution is corrected once.",
        request=ContributionWriteSerializer,
        responses={201: ContributionSerializer},
        tags=["contributions"],
    ),
)
class ContributionViewSet(
    ResourceViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Contribution.objects.for_display()
    filterset_class = ContributionFilter
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = ContributionSerializer
    spreadsheet_serializer_class = ContributionCSVSerializer

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action == "matrix":
            renderers += [CSVRenderer(), XLSXRenderer()]
        return renderers

    @property
    def csv_columns(self):
        if self.action == "matrix":
            return list(MatrixRowSerializer().fields)
        return super().csv_columns

    @property
    def csv_filename(self):
        return "contribution-matrix.csv" if self.action == "matrix" else "contributions.csv"

    def get_queryset(self):
        # Only what the reader's clearance may read: a contribution beyond it is a 404, and
        # counts in no total they are shown (matrix).
        contributions = super().get_queryset().readable_by(self.clearance)
        if self.action == "create":
            return contributions
        when = point_in_time(self.request)
        if when is None:
            return contributions
        return contributions.for_display(when.known_on).observed_by(when.as_of, when.known_on)

    def get_serializer_class(self):
        if self.action == "create":
            return ContributionWriteSerializer
        if self.action == "matrix" and self.wants_spreadsheet:
            return MatrixRowSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contribution = serializer.save(author=request.user)
        shown = self.get_queryset().get(pk=contribution.pk)
        data = ContributionSerializer(shown, context=self.get_serializer_context()).data
        return created(data, location=data["url"])

    @extend_schema(
        summary="The contribution matrix",
        description="Partners by commitments, with totals per partner, per commitment, per "
        "pillar and overall: money per currency through the funnel (pledged → committed → "
        "disbursed; never converted, never added across stages), other kinds per unit. The "
        "funnel is cumulative: money disbursed has been committed and pledged, so each stage "
        "counts what reached it, recorded there or at a later stage (for each partner and "
        "commitment, the larger of the two): pledged ≥ committed ≥ disbursed. Only "
        "standing contributions count: a correction replaces what it corrects. Takes the "
        "list's filters. `format=csv` gives it as CSV instead: one line per partner, "
        "commitment, kind and currency or unit, added up as recorded.",
        parameters=[CSV_PARAMETER],
        responses=ContributionMatrixSerializer,
        filters=True,
        tags=["contributions"],
    )
    @action(detail=False, methods=["get"], url_path="matrix", pagination_class=None)
    def matrix(self, request):
        contributions = Contribution.objects.all()
        when = point_in_time(request)
        if when is not None:
            contributions = contributions.observed_by(when.as_of, when.known_on)
        contributions = self.filter_queryset(contributions)
        matrix = contribution_matrix(
            contributions, clearance=self.clearance, known_on=when and when.known_on
        )
        if self.wants_spreadsheet:
            return Response(self.get_serializer(matrix.rows, many=True).data)
        return Response(ContributionMatrixSerializer(matrix).data)


class ContributionKindsView(ConditionalGetMixin, APIView):
    queryset = Contribution.objects.none()  # for the permission class: reads only

    @extend_schema(
        summary="The kinds of contribution",
        description="Every kind a contribution can be, in the order the matrix lists them, "
        "with its label and, for funds, its stage of the funnel: the one place they are "
        "defined.",
        responses=ContributionKindSerializer(many=True),
        tags=["contributions"],
    )
    def get(self, request):
        kinds = [
            {"value": kind.value, "label": kind.label, "stage": FUNNEL_STAGES.get(kind.value)}
            for kind in ContributionKind
        ]
        return Response(ContributionKindSerializer(kinds, many=True).data)

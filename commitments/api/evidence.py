"""Graded evidence in the API: /evidence/ (list, detail, create), each piece as its reader's
clearance may read it, and the `evidence` a record's write serializer takes: the ids of the
pieces it cites."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from commitments.api.base import CSV_PARAMETER, ResourceViewSetMixin, created
from commitments.api.fields import OptionalCharField, OptionalURLField, StrictWriteSerializer
from commitments.api.filters import EvidenceFilter
from commitments.clearance import clearance_of
from commitments.models import Evidence, Releasability
from commitments.services import record_evidence


class EvidenceSerializer(serializers.ModelSerializer):
    """A piece of evidence with its grade (STANAG 2511): its source's reliability, A
    (completely reliable) to F (cannot be judged), and its information's credibility, 1
    (confirmed) to 6 (cannot be judged). Never changed: a new grade is a new piece."""

    url = OptionalURLField(help_text="Where it can be read, if it is online.")
    reference = OptionalCharField(help_text="Where it can be found otherwise.")
    summary = OptionalCharField()
    reliability_label = serializers.CharField(source="get_reliability_display", read_only=True)
    credibility_label = serializers.CharField(source="get_credibility_display", read_only=True)
    grade = serializers.CharField(
        read_only=True, help_text="Reliability then credibility, e.g. B2."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "source",
            "url",
            "reference",
            "date",
            "summary",
            "reliability",
            "reliability_label",
            "credibility",
            "credibility_label",
            "grade",
            "releasability",
            "created_at",
        ]
        read_only_fields = fields


class EvidenceWriteSerializer(StrictWriteSerializer):
    """A new piece of evidence. Unknown fields, and fields the server sets, are refused."""

    releasability = serializers.ChoiceField(
        choices=Releasability.choices,
        required=False,
        help_text="Who may read it (RELEASABILITY_DEFAULT_EVIDENCE when not sent); no narrower "
        "than your clearance.",
    )

    shown_as = EvidenceSerializer

    class Meta:
        model = Evidence
        fields = Evidence.recorded_fields
        extra_kwargs = {
            name: {"trim_whitespace": True} for name in ("source", "reference", "summary")
        }

    def create(self, validated_data):
        return record_evidence(**validated_data)


class CitedEvidenceField(serializers.PrimaryKeyRelatedField):
    """One id of a piece of evidence a new record cites: one its author may read."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Evidence.objects.all(), **kwargs)

    def get_queryset(self):
        reader = getattr(self.context.get("request"), "user", None)
        return Evidence.objects.readable_by(clearance_of(reader))

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(
                gettext("There is no evidence #%(id)s that you may cite: check its id.")
                % {"id": data}
            ) from error


class CitedEvidenceList(serializers.ListField):
    """The ids a record cites. Its errors are a list of messages, each naming its id (DRF's
    are keyed by position)."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(
                [message for messages in error.detail.values() for message in messages]
            ) from error


def cites():
    """A record write serializer's `evidence`: the ids of the pieces it cites, in order."""
    return CitedEvidenceList(
        child=CitedEvidenceField(),
        required=False,
        max_length=50,
        help_text="Ids of the evidence it rests on (GET /evidence/), in order; each one your "
        "clearance may read. Fixed once it is recorded.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="Evidence",
        description="Graded evidence, newest first (by the date of the information, then by "
        "time recorded), 50 a page: what your clearance may read. `grade=B2` keeps what is "
        "graded at least B2 (a source A or B, information 1 or 2). `format=csv` gives every "
        "matching piece as CSV.",
        parameters=[CSV_PARAMETER],
        tags=["evidence"],
    ),
    retrieve=extend_schema(
        summary="Get a piece of evidence",
        description="One piece by its id, as the `Location` of its creation names it: a 404 "
        "when your clearance may not read it.",
        tags=["evidence"],
    ),
    create=extend_schema(
        summary="Record a piece of evidence (Analysts, Editors)",
        description="Who or what it comes from, a URL or a reference (or both), the date of "
        "the information, and its grade. Never changed: a new grade is a new piece. Records "
        "cite it by id (`evidence`).",
        request=EvidenceWriteSerializer,
        responses={201: EvidenceSerializer},
        tags=["evidence"],
    ),
)
class EvidenceViewSet(ResourceViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Evidence.objects.all()
    filterset_class = EvidenceFilter
    serializer_class = EvidenceSerializer
    spreadsheet_serializer_class = EvidenceSerializer
    csv_filename = "evidence.csv"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return Evidence.objects.readable_by(self.clearance)

    def get_serializer_class(self):
        if self.action == "create":
            return EvidenceWriteSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        piece = serializer.save(author=request.user)
        data = EvidenceSerializer(piece, context=self.get_serializer_context()).data
        return created(data, location=self.reverse_action("detail", args=[piece.pk]))

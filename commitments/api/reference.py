"""The Roadmap's reference data in the API: pillars, themes, places, partners, source documents
and the status vocabulary, read-only and unpaged. A pillar's counts by status come from the
summary (summary.py)."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments.api.base import ConditionalGetMixin
from commitments.api.fields import OptionalCharField, OptionalURLField
from commitments.api.filters import PartnerFilter, point_in_time_seen_by
from commitments.api.summary import PillarSerializer, cached_summary
from commitments.clearance import clearance_of
from commitments.models import (
    Commitment,
    Partner,
    Pillar,
    Place,
    SourceDocument,
    Status,
    Theme,
    status_vocabulary,
)


class ThemeSerializer(serializers.ModelSerializer):
    description = OptionalCharField()

    class Meta:
        model = Theme
        fields = ["slug", "name", "description"]


class PlaceSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Place
        fields = ["slug", "name", "kind", "parent"]


class PartnerSerializer(serializers.ModelSerializer):
    description = OptionalCharField()

    class Meta:
        model = Partner
        fields = ["slug", "name", "kind", "description"]


class SourceDocumentSerializer(serializers.ModelSerializer):
    url = OptionalURLField(help_text="Where the text is published; null if unknown.")
    description = OptionalCharField()

    class Meta:
        model = SourceDocument
        fields = ["slug", "short_name", "title", "issuer", "issued_on", "url", "description"]


class StatusSerializer(serializers.Serializer):
    """One status of the vocabulary, as the dashboard shows it."""

    value = serializers.ChoiceField(choices=Status.choices, help_text="As in `status` fields.")
    label = serializers.CharField(help_text="As in `status_label` fields.")
    colour = serializers.RegexField(
        r"^#[0-9a-f]{6}$",
        help_text="CSS colour; white text on it passes WCAG AA contrast. Always shown with the "
        "label or a count as text.",
    )
    assessable = serializers.BooleanField(
        help_text="An analyst can record it; `not_assessed` is what a commitment shows until "
        "its first approved update."
    )
    rank = serializers.IntegerField(
        allow_null=True,
        help_text="Its place in the order of statuses, the higher the better (off_track 1, "
        "at_risk 2, on_track 3, completed 4): what improved and worsened mean in "
        "/api/v1/changes/. null for not_assessed, not_started and discontinued, which stand "
        "outside the order: a change to or from one is `changed`.",
    )


class ReferenceViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Reference lists are short: they come whole, without pages."""

    lookup_field = "slug"
    pagination_class = None


def documented(summary, description, *, one=None):
    """Documents a reference viewset: its list (`summary`, `description`), and one item by its
    slug (`one`, a summary and a description: "One theme", "A theme by its slug." unless
    said)."""

    def document(viewset):
        name = viewset.queryset.model._meta.verbose_name
        one_summary, one_description = one or (f"One {name}", f"A {name} by its slug.")
        return extend_schema_view(
            list=extend_schema(summary=summary, description=description, tags=["reference"]),
            retrieve=extend_schema(
                summary=one_summary, description=one_description, tags=["reference"]
            ),
        )(viewset)

    return document


@documented(
    "Pillars, with their commitments counted by status",
    "The Roadmap's lines of effort (military, humanitarian, stabilization, ...), in display "
    "order, each with its commitments counted by current status.",
    one=(
        "One pillar, with its commitments counted by status",
        "A pillar by its slug, with its commitments counted by current status.",
    ),
)
class PillarViewSet(ReferenceViewSet):
    queryset = Pillar.objects.all()
    serializer_class = PillarSerializer

    def list(self, request, *args, **kwargs):
        return Response(self._pillars())

    def retrieve(self, request, *args, **kwargs):
        for pillar in self._pillars():
            if pillar["slug"] == kwargs["slug"]:
                return Response(pillar)
        raise NotFound(
            gettext("No pillar '%(slug)s'. See /api/v1/pillars/ for the list.")
            % {"slug": kwargs["slug"]}
        )

    def _pillars(self):
        # Their counts as the reader's summary gives them: of the records they may read.
        clearance = clearance_of(self.request.user)
        commitments = Commitment.objects.seen_by(clearance)
        when = point_in_time_seen_by(self.request, clearance)
        if when is None:
            return cached_summary(self.data_fingerprint)["pillars"]
        return cached_summary(self.data_fingerprint, commitments, when=when, clearance=clearance)[
            "pillars"
        ]


@documented(
    "Themes",
    "Cross-cutting tags such as foreign terrorist fighters; filter commitments and updates "
    "with `theme=<slug>`.",
)
class ThemeViewSet(ReferenceViewSet):
    queryset = Theme.objects.all()
    serializer_class = ThemeSerializer


@documented(
    "Places",
    "Places commitments concern, each with the slug of the place it lies in (`parent`); a "
    "`place=<slug>` filter includes the places within it.",
)
class PlaceViewSet(ReferenceViewSet):
    queryset = Place.objects.select_related("parent")
    serializer_class = PlaceSerializer


@documented(
    "Partners",
    "Who works with the Coalition or within it, each of a kind: the organisations and bodies "
    "the Roadmap names, and the Coalition's member states that editors add (the Roadmap counts "
    "its members without naming them). `kind=member_state` lists the members.",
)
class PartnerViewSet(ReferenceViewSet):
    queryset = Partner.objects.all()
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilter


@documented(
    "Source documents",
    "The documents commitments are quoted from, with where each is published.",
)
class SourceDocumentViewSet(ReferenceViewSet):
    queryset = SourceDocument.objects.all()
    serializer_class = SourceDocumentSerializer


class StatusesView(ConditionalGetMixin, APIView):
    queryset = Commitment.objects.none()  # for the permission class: reads only

    @extend_schema(
        summary="The status vocabulary",
        description="Every status a commitment or an update can have, in the order a dashboard "
        "lists and stacks them, with its label and colour: the one place they are defined.",
        responses=StatusSerializer(many=True),
        tags=["reference"],
    )
    def get(self, request):
        return Response(StatusSerializer(status_vocabulary(), many=True).data)

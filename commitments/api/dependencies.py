"""Dependencies between commitments in the API: every edge (GET /api/v1/dependencies/, for a
graph of the Roadmap; filtered by commitment), and an Editor's add (POST, a cycle refused with
its path) and removal (DELETE). A commitment's own dependencies and dependents are in its detail
(commitments.py, DependencyRefSerializer)."""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from commitments.api.base import ResourceViewSetMixin, created
from commitments.api.fields import StrictWriteSerializer
from commitments.api.filters import by_slugs
from commitments.models import Commitment, Dependency, Releasability, Status
from commitments.services import add_dependency, remove_dependency


class DependencyEndSerializer(serializers.Serializer):
    """A commitment at one end of a dependency, with its current status."""

    code = serializers.CharField()
    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="code"
    )
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices, source="current_status")
    status_label = serializers.CharField(source="get_current_status_display")


class DependencySerializer(serializers.ModelSerializer):
    """That `commitment` depends on `depends_on`: when that one slips, the owner of this one
    is alerted."""

    url = serializers.HyperlinkedIdentityField(view_name="api:dependency-detail")
    commitment = DependencyEndSerializer(read_only=True)
    depends_on = DependencyEndSerializer(read_only=True)

    class Meta:
        model = Dependency
        fields = ["id", "url", "commitment", "depends_on", "note", "created_at"]
        read_only_fields = fields


class DependencyCSVSerializer(serializers.ModelSerializer):
    commitment = serializers.SlugRelatedField(slug_field="code", read_only=True)
    depends_on = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Dependency
        fields = ["commitment", "depends_on", "note", "created_at"]
        read_only_fields = fields


class DependencyWriteSerializer(StrictWriteSerializer):
    """What an Editor sends to record a dependency."""

    shown_as = DependencySerializer

    commitment = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Commitment.objects.all(),
        help_text="Code of the commitment that depends on the other.",
    )
    depends_on = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Commitment.objects.all(),
        help_text="Code of the commitment it depends on. One that would close a cycle is "
        "refused, with the path that already leads back.",
    )

    class Meta:
        model = Dependency
        fields = ["commitment", "depends_on", "note"]

    def validate(self, attrs):
        # The service validates (itself, a duplicate, a cycle) under its lock.
        return attrs


class DependencyFilter(filters.FilterSet):
    commitment = by_slugs(
        queryset=Commitment.objects.all(),
        to_field_name="code",
        method="filter_commitment",
        help_text="Commitment code: the dependencies it has and those others have on it; "
        "repeat for several.",
    )

    class Meta:
        model = Dependency
        fields = ["commitment"]

    def filter_commitment(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(commitment__in=value) | Q(depends_on__in=value))


# Under the commitments' tag: a dependency is a link between two of them.
TAGS = ["commitments"]


@extend_schema_view(
    list=extend_schema(
        summary="List dependencies",
        description="Every dependency between commitments (which depends on which, why, and the "
        "current status of each), by the dependent's code: the graph of the Roadmap. "
        "`commitment` narrows it to those of one commitment, either way. `format=csv` gives "
        "every matching dependency as CSV instead of a page.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="Get a dependency",
        description="One dependency, by the id its list gives.",
        tags=TAGS,
    ),
    create=extend_schema(
        summary="Record a dependency (Editors)",
        description="That a commitment depends on another. A cycle is refused (400), its path "
        'named in `depends_on`: "MIL-1 already depends on STB-1 (MIL-1 → GOV-2 → STB-1): STB-1 '
        'cannot depend on MIL-1."',
        request=DependencyWriteSerializer,
        responses={201: DependencySerializer},
        tags=TAGS,
    ),
    destroy=extend_schema(
        summary="Remove a dependency (Editors)",
        description="Its history keeps it, with who removed it and when.",
        tags=TAGS,
    ),
)
class DependencyViewSet(
    ResourceViewSetMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Dependency.objects.select_related("commitment", "depends_on").order_by(
        "commitment__code", "depends_on__code"
    )
    filterset_class = DependencyFilter
    http_method_names = ["get", "post", "delete", "head", "options"]
    serializer_class = DependencySerializer
    spreadsheet_serializer_class = DependencyCSVSerializer
    csv_filename = "dependencies.csv"

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return page if page is None else self.as_seen(page)

    def get_object(self):
        return self.as_seen([super().get_object()])[0]

    def as_seen(self, dependencies):
        """`dependencies` with each end's status as the reader's clearance reads it
        (CommitmentQuerySet.seen_by): the stored one for the public, else one query for the
        page's commitments."""
        clearance = self.clearance
        if clearance == Releasability.PUBLIC or not dependencies:
            return dependencies
        ends = [
            end
            for dependency in dependencies
            for end in (dependency.commitment, dependency.depends_on)
        ]
        seen = Commitment.objects.seen_by(clearance).filter(pk__in={end.pk for end in ends})
        status = {row["id"]: row["current_status"] for row in seen.rows("id", "current_status")}
        for end in ends:
            end.current_status = status[end.pk]
        return dependencies

    def get_serializer_class(self):
        if self.action == "create":
            return DependencyWriteSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dependency = add_dependency(**serializer.validated_data, author=request.user)
        shown = self.get_queryset().get(pk=dependency.pk)
        data = DependencySerializer(shown, context=self.get_serializer_context()).data
        return created(data, location=data["url"])

    def destroy(self, request, *args, **kwargs):
        remove_dependency(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Commitments in the API: their representations (list, detail, CSV), what an editor sends to
add or change one (If-Match on a change), their change history, and CommitmentViewSet.
Their status updates are updates.py's; their indicators, indicators.py's."""

import functools

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from commitments.api.base import (
    CSV_PARAMETER,
    NO_SUCH_COMMITMENT,
    VERSIONED_ETAG,
    ResourceViewSetMixin,
    created,
    no_such_commitment,
    version_seal,
)
from commitments.api.exceptions import PreconditionFailed, PreconditionRequired
from commitments.api.fields import (
    NamesPeople,
    OptionalURLField,
    RefSerializer,
    StrictWriteSerializer,
    _reader,
    person_columns,
)
from commitments.api.filters import POINT_IN_TIME_PARAMETERS, CommitmentFilter, point_in_time
from commitments.api.indicators import IndicatorSerializer
from commitments.api.pagination import CountedBy, FilteredCompiledOnce, UnfilteredPages
from commitments.api.permissions import visibility_class
from commitments.api.representation import FastRepresentation, RowMethodField
from commitments.api.updates import StatusUpdateSerializer
from commitments.models import (
    Commitment,
    Dependency,
    Indicator,
    Partner,
    PartnerRole,
    Pillar,
    Place,
    Releasability,
    SourceDocument,
    Status,
    StatusUpdate,
    Theme,
    is_stale,
)
from commitments.people import person_name
from commitments.selectors import HISTORY_CHANGE_TYPES, PEOPLE, attach_related, changes_of
from commitments.selectors.raw_sql import CompiledOnce
from commitments.services import StaleVersion, save_commitment

LATEST_UPDATES_IN_DETAIL = 10


class SourceSerializer(serializers.Serializer):
    document = serializers.SlugField(source="source_document.slug")
    title = serializers.CharField(source="source_document.title")
    paragraph = serializers.IntegerField()
    url = OptionalURLField(source="source_document.url", help_text="null if unknown.")


class CurrentStatusFields(serializers.Serializer):
    """A commitment's current status, under the names dashboards use."""

    status = serializers.ChoiceField(
        choices=Status.choices, source="current_status", read_only=True
    )
    status_label = serializers.CharField(source="get_current_status_display", read_only=True)
    progress = serializers.IntegerField(source="current_progress", allow_null=True, read_only=True)
    as_of = serializers.DateField(source="current_as_of", allow_null=True, read_only=True)


class PartnerRefSerializer(serializers.Serializer):
    """A partner a commitment names, and its part in it."""

    slug = serializers.SlugField(source="partner.slug")
    name = serializers.CharField(source="partner.name")
    role = serializers.ChoiceField(
        choices=PartnerRole.choices,
        help_text="lead where the source says this partner leads; support otherwise.",
    )


OWNER_HELP = (
    "The analyst responsible for assessing it, by full name (to staff, the login name when "
    "there is none; to others, Analyst); null when nobody is."
)


# Where a commitment stands after its status, and when and by whom it is to be assessed: in
# its JSON and in its CSV alike.
STANDING_FIELDS = [
    "progress",
    "as_of",
    "last_recorded_at",
    "last_approved_at",
    "last_update_at",
    "is_stale",
    "owner",
    "target_date",
    "update_cadence_days",
]


class AssessmentFields(NamesPeople, serializers.Serializer):
    """When the assessment that gives a commitment its current status was made public, whether
    it needs a new one, and who is to make it."""

    # The same on a plain read and on an as_of read (CommitmentQuerySet.as_of: the update in
    # effect on that day), so that as_of=today reads exactly what a plain read does.
    last_recorded_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the status update that gives the current status (on an as_of read, "
        "the one in effect that day) was recorded; null: never assessed.",
    )
    last_approved_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When that status update was approved, and so became public (where review "
        "is off, when it was recorded); null: never assessed. What updated_since and "
        "ordering=last_approved_at read.",
    )
    last_update_at = serializers.DateTimeField(
        source="last_approved_at",
        read_only=True,
        allow_null=True,
        help_text="Deprecated: the same as last_approved_at, under its former name.",
    )

    is_stale = RowMethodField(
        columns=["current_as_of", "update_cadence_days"],
        help_text="Needs a new assessment: never assessed, or not within its cadence (on an "
        "as_of read, as of that day).",
    )
    owner = RowMethodField(columns=person_columns("owner"), help_text=OWNER_HELP)

    def get_owner(self, row) -> str | None:
        return self.name_of(row, "owner", acting_as=pgettext("role", "Analyst"))

    def get_is_stale(self, row) -> bool:
        return is_stale(row["current_as_of"], row["update_cadence_days"], self.staleness_day)

    @cached_property
    def staleness_day(self):
        # Measured from the day a read is as of (the view's context), today by default: the
        # same day for every row of a response.
        return self.context.get("as_of") or timezone.localdate()


@extend_schema_serializer(deprecate_fields=["last_update_at"])
class CommitmentSerializer(
    FastRepresentation, AssessmentFields, CurrentStatusFields, serializers.ModelSerializer
):
    """A commitment of the Roadmap (or of another document), quoted from its source, with its current status."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="code"
    )
    updates_url = RowMethodField(columns=["code"])
    pillar = RefSerializer()
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    children = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    themes = RefSerializer(many=True)
    places = RefSerializer(many=True)
    partners = PartnerRefSerializer(source="partner_links", many=True)
    source = SourceSerializer(source="*")

    class Meta:
        model = Commitment
        fields = [
            "code",
            "url",
            "title",
            "text",
            "pillar",
            "parent",
            "children",
            "themes",
            "places",
            "partners",
            "source",
            "status",
            "status_label",
            *STANDING_FIELDS,
            "version",
            "updates_url",
        ]
        read_only_fields = fields

    def get_updates_url(self, row) -> str:
        return self.links.url("api:commitment-updates", "code", row["code"])


class ChildSerializer(FastRepresentation, CurrentStatusFields, serializers.ModelSerializer):
    """A commitment listed by a wider one, with its current status."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="code"
    )

    class Meta:
        model = Commitment
        fields = ["code", "url", "title", "status", "status_label", "progress", "as_of"]
        read_only_fields = fields


class DependencyRefSerializer(FastRepresentation, CurrentStatusFields, serializers.ModelSerializer):
    """A commitment at the other end of a dependency, with its current status, and why the one
    depends on the other."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="code"
    )
    note = serializers.CharField(read_only=True, help_text="Why the one depends on the other.")

    class Meta:
        model = Commitment
        fields = ["code", "url", "title", "status", "status_label", "note"]
        read_only_fields = fields


class CommitmentDetailSerializer(CommitmentSerializer):
    """A commitment with its children, its latest status updates, its indicators, and the
    commitments it depends on and that depend on it."""

    children = ChildSerializer(source="child_rows", many=True, read_only=True)
    latest_updates = StatusUpdateSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(
        source="indicator_rows",
        many=True,
        read_only=True,
        help_text="What measures it, each with its baseline, target, latest approved value "
        "and progress.",
    )

    depends_on = DependencyRefSerializer(
        source="depends_on_rows",
        many=True,
        read_only=True,
        help_text="The commitments it depends on (GET /api/v1/dependencies/): when one of them "
        "slips, its owner is alerted.",
    )
    dependents = DependencyRefSerializer(
        source="dependent_rows",
        many=True,
        read_only=True,
        help_text="The commitments that depend on it.",
    )

    class Meta(CommitmentSerializer.Meta):
        fields = [
            *CommitmentSerializer.Meta.fields,
            "latest_updates",
            "indicators",
            "depends_on",
            "dependents",
        ]
        read_only_fields = fields


class CommitmentCSVSerializer(
    FastRepresentation, AssessmentFields, CurrentStatusFields, serializers.ModelSerializer
):
    pillar = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    places = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    partners = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lead_partners = RowMethodField(columns=[], lists={"partner_links": ["partner__slug", "role"]})
    document = serializers.SlugRelatedField(
        source="source_document", slug_field="slug", read_only=True
    )

    class Meta:
        model = Commitment
        fields = [
            "code",
            "title",
            "pillar",
            "parent",
            "status",
            *STANDING_FIELDS,
            "themes",
            "places",
            "partners",
            "lead_partners",
            "document",
            "paragraph",
            "text",
        ]
        read_only_fields = fields

    def get_lead_partners(self, row) -> list[str]:
        return [
            link["partner__slug"]
            for link in row["partner_links"]
            if link["role"] == PartnerRole.LEAD
        ]


# What save_commitment takes apart from the commitment's own fields.
TAG_FIELDS = ("themes", "places", "partners", "lead_partners")


class CommitmentCreateSerializer(StrictWriteSerializer):
    """A commitment from another source document; the Roadmap's own come from its data file."""

    source_document = serializers.SlugRelatedField(
        slug_field="slug", queryset=SourceDocument.objects.all()
    )
    pillar = serializers.SlugRelatedField(slug_field="slug", queryset=Pillar.objects.all())
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Commitment.objects.all(), required=False, allow_null=True
    )
    themes = serializers.SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(), many=True, required=False
    )
    places = serializers.SlugRelatedField(
        slug_field="slug", queryset=Place.objects.all(), many=True, required=False
    )
    partners = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Partner.objects.all(),
        many=True,
        required=False,
        help_text="Partner slugs. A partner that stays keeps its role; a new one supports.",
    )
    lead_partners = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Partner.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the partners that lead, each one of its partners; every other "
        "partner then supports. Left out: the roles stay as they are.",
    )
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
        required=False,
        allow_null=True,
        error_messages={
            "does_not_exist": _("No active staff member has the login name '{value}'.")
        },
        help_text="Login name of the analyst responsible for assessing it (active staff); "
        "null: nobody.",
    )

    server_set_fields = {
        "id",
        "version",
        "status",
        "progress",
        "as_of",
        "last_recorded_at",
        "last_approved_at",
        "last_update_at",
        "created_at",
    }

    class Meta:
        model = Commitment
        fields = [
            "code",
            "title",
            "text",
            "source_document",
            "paragraph",
            "pillar",
            "parent",
            "themes",
            "places",
            "partners",
            "lead_partners",
            "owner",
            "target_date",
            "update_cadence_days",
        ]

    def create(self, validated_data):
        tags = {name: validated_data.pop(name, None) for name in TAG_FIELDS}
        return save_commitment(Commitment(**validated_data), **tags)

    def update(self, commitment, validated_data):
        tags = {name: validated_data.pop(name, None) for name in TAG_FIELDS}
        expected_version = validated_data.pop("expected_version", None)
        for name, value in validated_data.items():
            setattr(commitment, name, value)
        return save_commitment(
            commitment, expected_version=expected_version, fields=list(validated_data), **tags
        )


# What a commitment is from its creation on: its code, its text and where the text comes from.
NEVER_CHANGE = {"code", "text", "source_document", "paragraph", "pillar"}


class CommitmentUpdateSerializer(CommitmentCreateSerializer):
    """What can change in a commitment; its code, text and source never do."""

    server_set_fields = {*CommitmentCreateSerializer.server_set_fields, *NEVER_CHANGE}

    class Meta(CommitmentCreateSerializer.Meta):
        fields = [
            name for name in CommitmentCreateSerializer.Meta.fields if name not in NEVER_CHANGE
        ]


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.JSONField(
        help_text="Related rows by slug or code, lists for tags; the owner by name as "
        "commitments name it. A change of partners' roles is the field lead_partners."
    )
    after = serializers.JSONField()

    def to_representation(self, change):
        field, before, after = change
        if field in PEOPLE:
            before, after = (self._person(value) for value in (before, after))
        return super().to_representation({"field": field, "before": before, "after": after})

    def _person(self, user):
        return (
            None
            if user is None
            else person_name(user, reader=_reader(self), acting_as=pgettext("role", "Analyst"))
        )


class HistoricalChangeSerializer(serializers.Serializer):
    """One change to a commitment: who, when, and each field before and after."""

    version = serializers.IntegerField(source="record.version")
    changed_at = serializers.DateTimeField(source="record.history_date")
    changed_by = serializers.SerializerMethodField()
    change = serializers.SerializerMethodField()
    reason = serializers.CharField(source="record.history_change_reason", allow_null=True)
    changes = FieldChangeSerializer(many=True)

    def get_changed_by(self, change) -> str | None:
        user = change.record.history_user
        if user is None:
            return None
        return person_name(user, reader=_reader(self), acting_as=pgettext("role", "Editor"))

    def get_change(self, change) -> str:
        return HISTORY_CHANGE_TYPES[change.record.history_type]


@extend_schema_view(
    list=extend_schema(
        summary="List commitments",
        description="Commitments with their current status, in Roadmap order unless `ordering` "
        "says otherwise, 50 a page. Every filter may be combined; a repeated filter matches any "
        "of its values. `format=csv` gives every matching row as CSV instead of a page.",
        parameters=[CSV_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="Get a commitment",
        description="One commitment by its code, with its children and its ten latest status "
        "updates. Its ETag is what a change (PATCH) sends back in If-Match.",
        parameters=POINT_IN_TIME_PARAMETERS,
        responses=CommitmentDetailSerializer,
    ),
    create=extend_schema(
        summary="Add a commitment (Editors)",
        description="A commitment quoted from a source document other than the Roadmap (the "
        "Roadmap's own come with the application). Its code, text and source never change.",
        request=CommitmentCreateSerializer,
        responses={201: CommitmentDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a commitment (Editors)",
        description="Its title, owner, target date, cadence, parent, themes, places, partners "
        "or lead partners; send only what changes, with If-Match.",
        request=CommitmentUpdateSerializer,
        responses=CommitmentDetailSerializer,
    ),
)
class CommitmentViewSet(
    ResourceViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Commitment.objects.select_related("pillar", "source_document", "parent").with_owner()
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filterset_class = CommitmentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = CommitmentSerializer
    spreadsheet_serializer_class = CommitmentCSVSerializer
    csv_filename = "commitments.csv"
    not_found = NO_SUCH_COMMITMENT

    def get_serializer_class(self):
        if self.action == "create":
            return CommitmentCreateSerializer
        if self.action == "partial_update":
            return CommitmentUpdateSerializer
        if self.action == "retrieve":
            return CommitmentDetailSerializer
        if self.action == "history":
            return HistoricalChangeSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action not in ("list", "retrieve"):
            return queryset
        if when := point_in_time(self.request):
            # A list's page is prepared once for every day (as_of's one_plan).
            return queryset.as_of(
                when.as_of,
                when.known_on,
                one_plan=self.action == "list",
                clearance=self.clearance,
            )
        return queryset.seen_by(self.clearance)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action in ("list", "retrieve") and (when := point_in_time(self.request)):
            context["as_of"] = when.as_of  # the day staleness is measured from
        return context

    def list(self, request, *args, **kwargs):
        quick = None
        # Compiled once for the stored columns, which are the public's.
        public = self.clearance == Releasability.PUBLIC
        if self.paginator is not None and not self.wants_spreadsheet and public:
            quick = CommitmentFilter.quick_values(request.query_params)
        if quick is not None:
            # A page filtered by pillar or status alone: read by SQL compiled once a shape.
            rows = LIST_FILTERED(quick)
        else:
            queryset = self.get_queryset()
            filtered = self.filter_queryset(queryset)
            columns = self.get_serializer_class().columns()
            plain = filtered is queryset and point_in_time(request) is None
            if plain and not self.wants_spreadsheet:
                # The plain list, which no parameter narrows or orders: the same statements
                # for every reader of a class (of a clearance: a cleared reader's is today's
                # as_of, the same for a day), its count once per data version
                # (UnfilteredPages).
                rows = UNFILTERED_PAGES.of(
                    queryset,
                    columns,
                    reader=visibility_class(request.user),
                    data_version=self.data_fingerprint,
                )
            else:
                rows = CountedBy(filtered.rows(*columns), counted=filtered)
        page = self.paginate_queryset(rows)
        rows = attach_related(rows.rows if page is None else page)
        data = self.get_serializer(rows, many=True).data
        return Response(data) if page is None else self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        # get_object()'s lookup, for a row instead of an instance.
        queryset = self.get_queryset()
        filtered = self.filter_queryset(queryset)
        if filtered is queryset and point_in_time(request) is None:
            # The plain read, which no parameter changes: the same statement for every code
            # (of each clearance).
            data, row = self._detail(DETAIL_ROW_NOW[self.clearance](kwargs["code"]))
        else:
            data, row = self._detail(filtered.filter(code=kwargs["code"]))
        self.check_object_permissions(request, row)
        self.etag_version = self._etag_version(row["id"], row["version"])
        return Response(data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment = serializer.save()
        data, _ = self._detail(self.get_queryset().seen_by(self.clearance).filter(pk=commitment.pk))
        return created(data, location=data["url"])

    def update(self, request, *args, **kwargs):
        commitment = self.get_object()
        expected_version = self._version_from_if_match(request, commitment)
        serializer = self.get_serializer(commitment, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            commitment = serializer.save(expected_version=expected_version)
        except StaleVersion as stale:
            raise PreconditionFailed(
                gettext(
                    "Commitment %(code)s was changed by someone else since you read it: it is at "
                    "version %(version)s now. GET it again, then send your change with its new "
                    "ETag in If-Match."
                )
                % {"code": commitment.code, "version": stale.current_version},
                current_version=stale.current_version,
            ) from stale
        # The new ETag, so that the editor can edit again without reading again.
        self.fingerprint = self._fingerprint(request)
        self.etag_version = self._etag_version(commitment.pk, commitment.version)
        data, _ = self._detail(self.get_queryset().seen_by(self.clearance).filter(pk=commitment.pk))
        return Response(data)

    @staticmethod
    def _etag_version(pk, version):
        return f"v{version}-{version_seal(pk, version)}-"

    @staticmethod
    def _version_from_if_match(request, commitment):
        """The version the client read, from the ETag of a GET of this commitment that it
        sends in If-Match. `*` is refused: it would skip the very check If-Match is for."""
        header = request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            raise PreconditionRequired(
                gettext(
                    "Send If-Match with the ETag of your last GET of this commitment, so that "
                    "your change cannot overwrite someone else's (If-Match: * is not accepted)."
                )
            )
        # A weak ETag is the same one, of a compressed response (APICompressionMiddleware).
        match = VERSIONED_ETAG.match(header)
        if not match or match["seal"] != version_seal(commitment.pk, int(match["version"])):
            raise PreconditionFailed(
                gettext(
                    "If-Match must be the ETag of a GET of this commitment, exactly as this API "
                    'sent it, such as "v3-0123456789abcdef-0123abcd...".'
                ),
                current_version=None,
            )
        return int(match["version"])

    @extend_schema(
        summary="A commitment's change history",
        description="Who changed the commitment, when, and each field before and after, newest "
        "first. (Its status history is its status updates.)",
        responses=HistoricalChangeSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="history", filter_backends=[])
    def history(self, request, *args, **kwargs):
        commitment = self.get_object()
        records = commitment.history.select_related("history_user")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(
            HistoricalChangeSerializer(
                changes_of(page, records), many=True, context=self.get_serializer_context()
            ).data
        )

    def _detail(self, found):
        """The representation of the one commitment `found` (a queryset, or its rows; NotFound
        if none), and its row."""
        detail = CommitmentDetailSerializer
        when = None
        if isinstance(found, models.QuerySet):
            when = point_in_time(self.request) if found.is_as_of else None
            found = found.rows(*detail.columns())
        found = list(found)
        if not found:
            raise NotFound(no_such_commitment(self.kwargs.get("code")))
        (row,) = found
        attach_related([row])
        clearance = self.clearance

        def read(rows_of):
            if when:
                return list(rows_of(row["id"], when, clearance))
            return DETAIL_NOW[rows_of, clearance](row["id"])

        # Its children with their status, when the related rows found some.
        row["child_rows"] = read(_children) if row["children"] else []
        row["latest_updates"] = read(_latest_updates)
        row["indicator_rows"] = read(_indicators)
        edges = read(_dependencies)
        row["depends_on_rows"] = _ends(edges, "depends_on_note")
        row["dependent_rows"] = _ends(edges, "dependent_note")
        return detail(row, context=self.get_serializer_context()).data, row


# What a commitment's detail shows beside the commitment itself, read by its id: as they stand
# now, or as they stood at a PointInTime `when`.


def _row(code, clearance=Releasability.PUBLIC):
    commitments = CommitmentViewSet.queryset.seen_by(clearance)
    return commitments.filter(code=code).rows(*CommitmentDetailSerializer.columns())


def _children(pk, when=None, clearance=Releasability.PUBLIC):
    children = Commitment.objects.all()
    if when is not None:
        children = children.as_of(when.as_of, when.known_on, clearance=clearance)
    else:
        children = children.seen_by(clearance)
    return children.filter(parent=pk).order_by("code").rows(*ChildSerializer.columns())


def _latest_updates(pk, when=None, clearance=Releasability.PUBLIC):
    updates = StatusUpdate.objects.readable_by(clearance).approved()
    if when is None:
        updates = updates.for_display()
    else:
        updates = updates.observed_by(when.as_of, when.known_on).for_display(when.known_on)
    columns = StatusUpdateSerializer.columns()
    return updates.filter(commitment=pk).values(*columns)[:LATEST_UPDATES_IN_DETAIL]


def _indicators(pk, when=None, clearance=Releasability.PUBLIC):
    indicators = Indicator.objects.with_latest(
        *([when.as_of, when.known_on] if when else []), clearance=clearance
    )
    return indicators.filter(commitment=pk).values(*IndicatorSerializer.columns())


def _dependencies(pk, when=None, clearance=Releasability.PUBLIC):
    """The commitments at the other end of its dependencies, either way, each with the note of
    the dependency it depends on (`depends_on_note`) or that depends on it (`dependent_note`),
    the other None: one query. Their status is read as the children's is (now, or as of
    `when`, as `clearance` reads it); the dependencies are those of now."""
    commitments = Commitment.objects.all()
    if when is not None:
        commitments = commitments.as_of(when.as_of, when.known_on, clearance=clearance)
    else:
        commitments = commitments.seen_by(clearance)
    depends_on = Dependency.objects.filter(commitment=pk)
    dependents = Dependency.objects.filter(depends_on=pk)
    columns = [column for column in DependencyRefSerializer.columns() if column != "note"]
    return (
        commitments.filter(
            Q(pk__in=depends_on.values("depends_on")) | Q(pk__in=dependents.values("commitment"))
        )
        .annotate(
            depends_on_note=Subquery(depends_on.filter(depends_on=OuterRef("pk")).values("note")),
            dependent_note=Subquery(dependents.filter(commitment=OuterRef("pk")).values("note")),
        )
        .order_by("code")
        .rows(*columns, "depends_on_note", "dependent_note")
    )


def _ends(edges, note):
    return [{**edge, "note": edge[note]} for edge in edges if edge[note] is not None]


def _filtered(**values):
    """The commitment list's rows and the queryset that counts them, filtered by `values` of
    CommitmentFilter.QUICK as the filter set filters them."""
    queryset = CommitmentViewSet.queryset.all()
    for name in CommitmentFilter.QUICK:
        queryset = getattr(CommitmentFilter, f"filter_{name}")(queryset, name, values.get(name))
    return queryset.rows(*CommitmentSerializer.columns()), queryset


# The list filtered by pillar or status alone, its page and count compiled once for each shape.
# Planned once per connection where one pillar and one status, or one status, is asked for:
# commitment_pillar_status_idx and commitment_status_order_idx give its page in the list's
# order and count it, whatever the values. A pillar alone, or several values, are planned
# each time: the best plan depends on how many commitments match.
LIST_FILTERED = FilteredCompiledOnce(
    _filtered,
    marks={"pillar": lambda i: CompiledOnce.MARK - i, "status": lambda i: f"-mark-{i}-"},
    prepared=[("pillar", "status"), ("status",)],
)

# As they stand now, compiled once per clearance (each reads only what its readers may):
# building and compiling the updates' and the indicators' querysets (subqueries in their
# columns) took longer than running them.
DETAIL_NOW = {
    (read, clearance): CompiledOnce(functools.partial(read, clearance=clearance))
    for read in (_children, _latest_updates, _indicators, _dependencies)
    for clearance in Releasability
}
# The commitment itself, by its code, as a plain read (no parameter) reads it, per clearance:
# the ORM built and compiled its four joins for each request, and PostgreSQL planned them
# (0.3 ms at M, for 0.05 ms of running); a cleared reader's as_of(today) read, more so.
DETAIL_ROW_NOW = {
    clearance: CompiledOnce(
        functools.partial(_row, clearance=clearance), mark="-compiled-once-code-"
    )
    for clearance in Releasability
}
UNFILTERED_PAGES = UnfilteredPages()

"""The API's representations. Reads and writes have serializers of their own, so that the
documentation shows dashboards exactly what they get and scripts exactly what they may send."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from commitments.api.permissions import may_see_unapproved
from commitments.api.representation import FastRepresentation, FromRow, RowMethodField
from commitments.models import (
    Commitment,
    Direction,
    Indicator,
    IndicatorUnit,
    Partner,
    PartnerRole,
    Pillar,
    Place,
    Qualifier,
    Review,
    ReviewState,
    SourceDocument,
    Status,
    StatusUpdate,
    Theme,
    is_stale,
    phrase,
    progress,
)
from commitments.people import person_name
from commitments.selectors import HISTORY_CHANGE_TYPES, PEOPLE
from commitments.services import record_status_update, save_commitment

# Times exactly as the declared fields give them.
_DATETIME = serializers.DateTimeField()


def _reader(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def format_datetime(value):
    return _DATETIME.to_representation(value) if value else None


def blank_as_null(text):
    """Optional text left empty is stored as "" and sent as null: one rule for every optional
    field, so that a typed client never meets an empty string where it expects a URL or a
    choice."""
    return text or None


class BlankAsNull:
    """An optional text field of a read serializer: null when empty, and declared nullable."""

    convert = staticmethod(blank_as_null)  # of a value read from the database

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return blank_as_null(super().to_representation(value) if value else "")


class OptionalCharField(BlankAsNull, serializers.CharField):
    pass


class OptionalURLField(BlankAsNull, serializers.URLField):
    pass


class OptionalChoiceField(BlankAsNull, serializers.ChoiceField):
    pass


class NullAsBlank:
    """An optional text field of a write serializer: null is accepted and stored as "" (the
    way the admin stores an empty field), so that a client may send back what it read."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, required=False, **kwargs)

    def to_internal_value(self, data):
        return "" if data is None else super().to_internal_value(data)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class RefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class StatusCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Commitments in the group.")
    by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Commitments per current status; every status is present, zero included.",
    )
    average_progress = serializers.FloatField(
        allow_null=True, help_text="Mean progress of the commitments that report one; null if none."
    )
    stale = serializers.IntegerField(help_text="Commitments that need a new assessment.")


class PillarSerializer(serializers.ModelSerializer):
    description = OptionalCharField()
    commitments = serializers.SerializerMethodField()

    class Meta:
        model = Pillar
        fields = ["slug", "name", "description", "display_order", "commitments"]

    @extend_schema_field(StatusCountsSerializer)
    def get_commitments(self, pillar):
        return StatusCountsSerializer(pillar.status_counts).data


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


class ChoiceFromRow(FromRow, serializers.ChoiceField):
    pass


PERSON = ("username", "first_name", "last_name")


def person_columns(path):
    """The columns a person is named from, `path` leading to a user."""
    return [f"{path}__{part}" for part in PERSON]


class NamesPeople:
    """Names the people of a row, by person_name's rule, for the serializer's reader."""

    @property
    def reader(self):
        if "_reader" not in self.__dict__:
            self._reader = _reader(self)
        return self._reader

    def name_of(self, row, path, *, acting_as):
        parts = tuple(row[f"{path}__{part}"] for part in PERSON)
        if parts[0] is None:  # nobody: every user has a login name
            return None
        names = self.__dict__.setdefault("_names", {})
        if (parts, acting_as) not in names:
            # A user as the row has them, for the user model's own get_full_name().
            user = get_user_model()(**dict(zip(PERSON, parts, strict=True)))
            names[parts, acting_as] = person_name(user, reader=self.reader, acting_as=acting_as)
        return names[parts, acting_as]


OWNER_HELP = (
    "The analyst responsible for assessing it, by full name (to staff, the login name when "
    "there is none; to others, Analyst); null when nobody is."
)


class AssessmentFields(NamesPeople, serializers.Serializer):
    """Whether a commitment needs a new assessment, and who is to make it."""

    is_stale = RowMethodField(
        columns=["current_as_of", "update_cadence_days"],
        help_text="Needs a new assessment: never assessed, or not within its cadence (on an "
        "as_of read, as of that day).",
    )
    owner = RowMethodField(columns=person_columns("owner"), help_text=OWNER_HELP)

    def get_owner(self, row) -> str | None:
        return self.name_of(row, "owner", acting_as="Analyst")

    def get_is_stale(self, row) -> bool:
        # Measured from the day a read is as of (the view's context), today by default.
        as_of = self.context.get("as_of")
        return is_stale(row["current_as_of"], row["update_cadence_days"], as_of)


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
            "progress",
            "as_of",
            "last_update_at",
            "is_stale",
            "owner",
            "target_date",
            "update_cadence_days",
            "version",
            "updates_url",
        ]
        read_only_fields = fields

    def get_updates_url(self, row) -> str:
        return self.links.url("api:commitment-updates", "code", row["code"])


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


class ChildSerializer(FastRepresentation, CurrentStatusFields, serializers.ModelSerializer):
    """A commitment listed by a wider one, with its current status."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="code"
    )

    class Meta:
        model = Commitment
        fields = ["code", "url", "title", "status", "status_label", "progress", "as_of"]
        read_only_fields = fields


def iso_date(value):
    return None if value is None else value.isoformat()


def figure(value):
    """A decimal as the API writes a figure: a string, without trailing zeros ("7700000",
    "21.5"); never a float."""
    return None if value is None else format(value.normalize(), "f")


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
        value, qualifier = row["baseline_value"], row["baseline_qualifier"]
        return {
            "value": figure(value),
            "qualifier": qualifier,
            "date": iso_date(row["baseline_date"]),
            "phrase": phrase(value, qualifier, row["unit"], row["unit_other"]),
            "document": row["baseline_source__slug"],
            "paragraph": row["baseline_paragraph"],
            "quote": row["baseline_quote"] or None,
        }

    @extend_schema_field(TargetSerializer)
    def get_target(self, row):
        value, qualifier = row["target_value"], row["target_qualifier"]
        return {
            "value": figure(value),
            "qualifier": qualifier,
            "date": iso_date(row["target_date"]),
            "phrase": phrase(value, qualifier, row["unit"], row["unit_other"]),
        }

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


class CommitmentDetailSerializer(CommitmentSerializer):
    """A commitment with its children, its latest status updates and its indicators."""

    children = ChildSerializer(source="child_rows", many=True, read_only=True)
    latest_updates = StatusUpdateSerializer(many=True, read_only=True)
    indicators = IndicatorSerializer(
        source="indicator_rows",
        many=True,
        read_only=True,
        help_text="What measures it, each with its baseline, target, latest approved value "
        "and progress.",
    )

    class Meta(CommitmentSerializer.Meta):
        fields = [*CommitmentSerializer.Meta.fields, "latest_updates", "indicators"]
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
            "progress",
            "as_of",
            "last_update_at",
            "is_stale",
            "owner",
            "target_date",
            "update_cadence_days",
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


class StrictWriteSerializer(serializers.ModelSerializer):
    """Refuses fields it does not accept, instead of silently ignoring them: a client that
    tries to set an author, a code or a version learns that it cannot."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - {
                name for name, field in self.fields.items() if not field.read_only
            }
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: ["This field cannot be set here."]
                        if name in self.server_set_fields
                        else ["Unknown field."]
                        for name in sorted(unknown)
                    }
                )
        return super().to_internal_value(data)

    server_set_fields = set()


class OptionalURLInput(NullAsBlank, serializers.URLField):
    pass


class OptionalCharInput(NullAsBlank, serializers.CharField):
    pass


class OptionalChoiceInput(NullAsBlank, serializers.ChoiceField):
    pass


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
        error_messages={"does_not_exist": "No active staff member has the login name '{value}'."},
        help_text="Login name of the analyst responsible for assessing it (active staff); "
        "null: nobody.",
    )

    server_set_fields = {
        "id",
        "version",
        "status",
        "progress",
        "as_of",
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


class CommitmentUpdateSerializer(CommitmentCreateSerializer):
    """What can change in a commitment; its code, text and source never do."""

    server_set_fields = {
        *CommitmentCreateSerializer.server_set_fields,
        "code",
        "text",
        "source_document",
        "paragraph",
        "pillar",
    }

    class Meta(CommitmentCreateSerializer.Meta):
        fields = [
            "title",
            "parent",
            "themes",
            "places",
            "partners",
            "lead_partners",
            "owner",
            "target_date",
            "update_cadence_days",
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
            None if user is None else person_name(user, reader=_reader(self), acting_as="Analyst")
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
        return None if user is None else person_name(user, reader=_reader(self), acting_as="Editor")

    def get_change(self, change) -> str:
        return HISTORY_CHANGE_TYPES[change.record.history_type]


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


class SummarySerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    average_progress = serializers.FloatField(allow_null=True)
    stale = serializers.IntegerField()
    latest_update_at = serializers.DateTimeField(allow_null=True)
    pillars = PillarSerializer(many=True)

"""The API's representations. Reads and writes have serializers of their own, so that the
documentation shows dashboards exactly what they get and scripts exactly what they may send."""

from urllib.parse import quote

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from commitments.api.permissions import may_see_unapproved
from commitments.models import (
    Commitment,
    Partner,
    PartnerRole,
    Pillar,
    Place,
    Review,
    ReviewState,
    SourceDocument,
    Status,
    StatusUpdate,
    Theme,
)
from commitments.people import person_name
from commitments.selectors import HISTORY_CHANGE_TYPES, PEOPLE, attach_related
from commitments.services import record_status_update, save_commitment


class Links:
    """The API's links for one request: each reversed once, then filled in per row. Reversing
    three links for each of 50 rows was a large part of a list's time."""

    PLACEHOLDER = "0-placeholder-0"

    def __init__(self, request):
        def pattern(view_name, **kwargs):
            return reverse(view_name, kwargs=kwargs, request=request).replace(
                self.PLACEHOLDER, "{}"
            )

        self._commitment = pattern("api:commitment-detail", code=self.PLACEHOLDER)
        self._updates = pattern("api:commitment-updates", code=self.PLACEHOLDER)
        self._update = pattern("api:update-detail", pk=self.PLACEHOLDER)

    @staticmethod
    def _quoted(value):
        # As Django's reverse() quotes a path argument.
        return quote(str(value), safe="!$&'()*+,;=/~:@")

    def commitment(self, code):
        return self._commitment.format(self._quoted(code))

    def updates(self, code):
        return self._updates.format(self._quoted(code))

    def update(self, pk):
        return self._update.format(self._quoted(pk))


class DirectRepresentation:
    """Builds a row's JSON directly instead of field by field. The declared fields still define
    the API (its documentation is generated from them); DRF's generic walk over them, with an
    attribute lookup, a callable check and a nested serializer per field, cost about 0.7 ms a
    row, most of a 50-row page. tests/test_api_representation.py proves both give the same JSON.
    Subclasses that declare fewer fields get just those."""

    @property
    def links(self):
        if "_links" not in self.__dict__:
            self._links = Links(self.context.get("request"))
        return self._links

    def to_representation(self, instance):
        data = self.represent(instance)
        fields = self.Meta.fields
        return data if len(fields) == len(data) else {name: data[name] for name in fields}

    def generic_representation(self, instance):
        """What DRF would make of the declared fields (for the tests)."""
        return serializers.ModelSerializer.to_representation(self, instance)


# Dates and times exactly as the declared fields give them.
_DATE, _DATETIME = serializers.DateField(), serializers.DateTimeField()
# get_FOO_display() flattens the choices at every call.
STATUS_LABELS = {value: str(label) for value, label in Status.choices}


def _reader(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def format_date(value):
    return _DATE.to_representation(value) if value else None


def format_datetime(value):
    return _DATETIME.to_representation(value) if value else None


def blank_as_null(text):
    """Optional text left empty is stored as "" and sent as null: one rule for every optional
    field, so that a typed client never meets an empty string where it expects a URL or a
    choice."""
    return text or None


class BlankAsNull:
    """An optional text field of a read serializer: null when empty, and declared nullable."""

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


def _refs(tags):
    return [{"slug": tag.slug, "name": tag.name} for tag in tags]


def _partner_refs(partners):
    return [{"slug": tag.slug, "name": tag.name, "role": tag.role} for tag in partners]


def owner_name(commitment, *, reader):
    if commitment.owner_id is None:
        return None
    return person_name(commitment.owner, reader=reader, acting_as="Analyst")


class OwnerField:
    """A commitment's owner, named by serializers.person_name's rule; null when none."""

    def get_owner(self, commitment) -> str | None:
        if "_reader" not in self.__dict__:
            self._reader = _reader(self)
        return owner_name(commitment, reader=self._reader)


OWNER_HELP = (
    "The analyst responsible for assessing it, by full name (to staff, the login name when "
    "there is none; to others, Analyst); null when nobody is."
)


class CommitmentSerializer(
    OwnerField, DirectRepresentation, CurrentStatusFields, serializers.ModelSerializer
):
    """A commitment of the Roadmap (or of another document), quoted from its source, with its current status."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="code"
    )
    updates_url = serializers.SerializerMethodField()
    pillar = RefSerializer()
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    children = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    themes = RefSerializer(many=True)
    places = RefSerializer(many=True)
    partners = PartnerRefSerializer(source="partner_links", many=True)
    source = SourceSerializer(source="*")
    is_stale = serializers.BooleanField()
    owner = serializers.SerializerMethodField(help_text=OWNER_HELP)

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

    def get_updates_url(self, commitment) -> str:
        return self.links.updates(commitment.code)

    def represent(self, commitment):
        document = commitment.source_document
        related = getattr(commitment, "related", None)
        if related is None:  # not read with a page through selectors.attach_related
            related = attach_related([commitment])[0].related
        return {
            "code": commitment.code,
            "url": self.links.commitment(commitment.code),
            "title": commitment.title,
            "text": commitment.text,
            "pillar": {"slug": commitment.pillar.slug, "name": commitment.pillar.name},
            "parent": commitment.parent.code if commitment.parent_id else None,
            "children": [child.code for child in related.children],
            "themes": _refs(related.themes),
            "places": _refs(related.places),
            "partners": _partner_refs(related.partners),
            "source": {
                "document": document.slug,
                "title": document.title,
                "paragraph": commitment.paragraph,
                "url": blank_as_null(document.url),
            },
            "status": commitment.current_status,
            "status_label": STATUS_LABELS[commitment.current_status],
            "progress": commitment.current_progress,
            "as_of": format_date(commitment.current_as_of),
            "last_update_at": format_datetime(commitment.last_update_at),
            "is_stale": commitment.is_stale(),
            "owner": self.get_owner(commitment),
            "target_date": format_date(commitment.target_date),
            "update_cadence_days": commitment.update_cadence_days,
            "version": commitment.version,
            "updates_url": self.links.updates(commitment.code),
        }


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


class StatusUpdateSerializer(DirectRepresentation, serializers.ModelSerializer):
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
    corrects = serializers.SerializerMethodField(
        help_text="Id of the earlier update of the same commitment that this one corrects; null "
        "when it corrects none (or, to readers who see approved updates only, one that was "
        "never approved)."
    )
    corrected_by = serializers.IntegerField(
        source="corrected_by_id",
        allow_null=True,
        read_only=True,
        help_text="Id of the later update that corrects this one, which then no longer counts "
        "(superseded); null while it stands.",
    )
    author = serializers.SerializerMethodField()
    review_state = serializers.ChoiceField(
        choices=ReviewState.choices,
        read_only=True,
        help_text="pending until a reviewer decides; then approved (it counts) or returned "
        "for revision (it never counts: its author answers it with a correction).",
    )
    # The decision, flat: a nullable nested object is a trap for generated clients.
    reviewer = serializers.SerializerMethodField(
        help_text="Who approved or returned it (never its author); null while pending, and when "
        "it was approved on submission because review is not required."
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

    def get_author(self, update) -> str:
        if "_reader" not in self.__dict__:
            self._reader = _reader(self)
        return person_name(update.author, reader=self._reader, acting_as="Analyst")

    def represent(self, update):
        code = update.commitment.code
        return {
            "id": update.pk,
            "url": self.links.update(update.pk),
            "commitment": code,
            "commitment_url": self.links.commitment(code),
            "status": update.status,
            "status_label": STATUS_LABELS[update.status],
            "progress": update.progress,
            "as_of": format_date(update.as_of),
            "summary": update.summary,
            "evidence_url": blank_as_null(update.evidence_url),
            "evidence_source": blank_as_null(update.evidence_source),
            "confidence": blank_as_null(update.confidence),
            "corrects": self.get_corrects(update),
            # A just-recorded update, not read through for_display, is corrected by nothing yet.
            "corrected_by": getattr(update, "corrected_by_id", None),
            "author": self.get_author(update),
            "created_at": format_datetime(update.created_at),
            "review_state": update.review_state,
            **self.represent_review(getattr(update, "review", None)),
        }

    def get_reviewer(self, update) -> str | None:
        return self.represent_review(getattr(update, "review", None))["reviewer"]

    def get_corrects(self, update) -> int | None:
        # A returned update answered by a correction was never public: its id is not shown to
        # those who see approved updates only (for_display annotates `corrects_approved`).
        if update.corrects_id is None or getattr(update, "corrects_approved", False):
            return update.corrects_id
        if "_sees_unapproved" not in self.__dict__:
            self._sees_unapproved = may_see_unapproved(_reader(self))
        return update.corrects_id if self._sees_unapproved else None

    def represent_review(self, review):
        if review is None:
            return {"reviewer": None, "review_comment": None, "reviewed_at": None}
        if "_reader" not in self.__dict__:
            self._reader = _reader(self)
        return {
            "reviewer": reviewer_name(review, reader=self._reader),
            "review_comment": blank_as_null(review.comment),
            "reviewed_at": format_datetime(review.decided_at),
        }


class ChildSerializer(CurrentStatusFields, serializers.ModelSerializer):
    """A commitment listed by a wider one, with its current status."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:commitment-detail", lookup_field="code"
    )

    class Meta:
        model = Commitment
        fields = ["code", "url", "title", "status", "status_label", "progress", "as_of"]
        read_only_fields = fields


class CommitmentDetailSerializer(CommitmentSerializer):
    """A commitment with its children and its latest status updates."""

    children = serializers.SerializerMethodField()
    latest_updates = serializers.SerializerMethodField()

    class Meta(CommitmentSerializer.Meta):
        fields = [*CommitmentSerializer.Meta.fields, "latest_updates"]
        read_only_fields = fields

    def represent(self, commitment):
        return {
            **super().represent(commitment),
            "children": self.get_children(commitment),
            "latest_updates": self.get_latest_updates(commitment),
        }

    @extend_schema_field(ChildSerializer(many=True))
    def get_children(self, commitment):
        return ChildSerializer(commitment.child_rows, many=True, context=self.context).data

    @extend_schema_field(StatusUpdateSerializer(many=True))
    def get_latest_updates(self, commitment):
        return StatusUpdateSerializer(
            commitment.latest_updates, many=True, context=self.context
        ).data


class CommitmentCSVSerializer(OwnerField, CurrentStatusFields, serializers.ModelSerializer):
    pillar = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    places = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    partners = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    lead_partners = serializers.SerializerMethodField()
    document = serializers.SlugRelatedField(
        source="source_document", slug_field="slug", read_only=True
    )
    is_stale = serializers.BooleanField()
    owner = serializers.SerializerMethodField()

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

    def get_lead_partners(self, commitment) -> list[str]:
        # The rows selectors.attach_related read for the page, roles included.
        return [tag.slug for tag in commitment.related.partners if tag.role == PartnerRole.LEAD]


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


class SummarySerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    average_progress = serializers.FloatField(allow_null=True)
    stale = serializers.IntegerField()
    latest_update_at = serializers.DateTimeField(allow_null=True)
    pillars = PillarSerializer(many=True)

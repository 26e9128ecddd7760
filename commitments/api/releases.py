"""Releases in the API: POST /releases/ proposes to release a record (a status update, an
indicator value, a contribution) to a wider audience, with the reason; staff list and read them;
a second person approves or returns one as any reviewed record (review.py's actions), and its
author may withdraw it. Once approved, the record's `releasability` is the wider one."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from commitments.api.base import ConditionalGetMixin, NamesWhatIsNotFound, created
from commitments.api.fields import StrictWriteSerializer
from commitments.api.filters import commitment_filter
from commitments.api.idempotency import IdempotentPostMixin
from commitments.api.parameters import refuse_unknown_parameters
from commitments.api.permissions import may_see_unapproved
from commitments.api.review import (
    DecisionSerializer,
    DecisionWriteSerializer,
    ReviewActionMixin,
    ReviewedRecordSerializer,
    review_actions_documented,
)
from commitments.clearance import clearance_of
from commitments.models import RELEASED_MODELS, Releasability, Release, ReleaseReview, ReviewState
from commitments.services import propose_release

# The view of one record of each kind a release names.
RECORD_VIEWS = {
    "status_update": "api:update-detail",
    "indicator_value": "api:indicatorvalue-detail",
    "contribution": "api:contribution-detail",
}


class ReleaseFilter(filters.FilterSet):
    commitment = commitment_filter(
        help_text="Code of the released record's commitment; repeat for several."
    )
    record_kind = filters.ChoiceFilter(
        choices=[(kind, kind) for kind in RELEASED_MODELS],
        method="of_kind",
        help_text="Only releases of this kind of record.",
    )
    record = filters.NumberFilter(
        method="of_record", help_text="Id of the released record (with record_kind)."
    )
    review_state = filters.ChoiceFilter(
        choices=ReviewState.choices, method="in_review_state", help_text="pending, approved, ..."
    )

    class Meta:
        model = Release
        fields = []

    def of_kind(self, releases, name, kind):
        return releases.filter(**{f"{kind}__isnull": False})

    def of_record(self, releases, name, pk):
        kind = self.form.cleaned_data.get("record_kind") or "status_update"
        return releases.filter(**{kind: pk})

    def in_review_state(self, releases, name, state):
        return releases.in_review_state(state)


class ReleaseSerializer(ReviewedRecordSerializer):
    """A proposal to release a record to a wider audience, with its reason and its review.
    Never changed once proposed."""

    # A release cites no evidence, says no confidence, and releases no release.
    evidence = None
    releases = None
    confidence = None

    url = serializers.HyperlinkedIdentityField(view_name="api:release-detail")
    commitment = serializers.SlugRelatedField(slug_field="code", read_only=True)
    record_kind = serializers.ChoiceField(
        choices=list(RELEASED_MODELS), read_only=True, help_text="What kind of record it releases."
    )
    record = serializers.SerializerMethodField(help_text="Id of the record it releases.")
    record_url = serializers.SerializerMethodField(help_text="The record it releases.")

    help_texts = {
        "corrects": "Id of the returned release of the same record that this one answers.",
        "corrected_by": "Id of the later release that answers this one, once it was returned.",
    }

    class Meta:
        model = Release
        fields = [
            "id",
            "url",
            "commitment",
            "record_kind",
            "record",
            "record_url",
            "released_from",
            "released_to",
            "reason",
            *(
                field
                for field in ReviewedRecordSerializer.RECORD_FIELDS
                # A release cites no evidence (models.Release).
                if field
                not in (
                    "evidence",
                    "releases",
                    "confidence",
                    "evidence_below_threshold",
                    "releasability",
                )
            ),
        ]
        read_only_fields = fields

    def get_record(self, release) -> int:
        return release.record.pk

    def get_record_url(self, release) -> str:
        path = reverse(RECORD_VIEWS[release.record_kind], args=[release.record.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReleaseWriteSerializer(StrictWriteSerializer):
    """A proposal to release a record to a wider audience, which a second person approves."""

    record_kind = serializers.ChoiceField(
        choices=list(RELEASED_MODELS), help_text="What kind of record to release."
    )
    record = serializers.IntegerField(help_text="Id of the record to release.")
    released_to = serializers.ChoiceField(
        choices=Releasability.choices,
        help_text="The wider audience: coalition or public (never narrower than its marking).",
    )
    reason = serializers.CharField(
        trim_whitespace=True,
        error_messages={"blank": _("Say why it may be released.")},
        help_text="Why it may now be read more widely, for the reviewer and for the history.",
    )
    corrects = serializers.PrimaryKeyRelatedField(
        queryset=Release.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the returned release of the same record that this one answers.",
    )

    shown_as = ReleaseSerializer

    class Meta:
        model = Release
        fields = ["record_kind", "record", "released_to", "reason", "corrects"]

    def validate(self, data):
        # A record the author may not read is, to them, one that does not exist.
        model = RELEASED_MODELS[data["record_kind"]]
        user = self.context["request"].user
        readable = model.objects.readable_by(clearance_of(user))
        record = readable.filter(pk=data["record"]).first()
        if record is None:
            raise serializers.ValidationError(
                {
                    "record": [
                        gettext("No %(verbose_name)s #%(pk)s.")
                        % {"verbose_name": model._meta.verbose_name, "pk": data["record"]}
                    ]
                }
            )
        return {**data, "record": record}

    def create(self, validated_data):
        validated_data.pop("record_kind")
        return propose_release(**validated_data)


class ReleaseReviewSerializer(DecisionSerializer):
    """A decision on a release, as the review endpoint answers it."""

    record_view = "api:release-detail"

    class Meta(DecisionSerializer.Meta):
        model = ReleaseReview


class ReleaseReviewWriteSerializer(DecisionWriteSerializer):
    shown_as = ReleaseReviewSerializer

    class Meta(DecisionWriteSerializer.Meta):
        model = ReleaseReview


class MayProposeOrRead(BasePermission):
    """Staff read releases (those who may see records pending review); anyone signed in may
    propose one, and withdraw their own: who may release which record is the service's rule
    (its clearance and the right to record its kind, a 403 otherwise)."""

    message = _("Only staff read releases.")

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return may_see_unapproved(request.user)
        return bool(request.user and request.user.is_authenticated)


@extend_schema_view(
    list=extend_schema(
        summary="Releases (staff)",
        description="Proposals to release a record to a wider audience, newest first, 50 a "
        "page: pending, approved, returned or withdrawn (`review_state`), of the records whose "
        "marking your clearance reads.",
        tags=["releases"],
    ),
    retrieve=extend_schema(
        summary="Get a release (staff)",
        description="One release by its id, as the `Location` of its proposal names it.",
        tags=["releases"],
    ),
    create=extend_schema(
        summary="Propose to release a record to a wider audience",
        description="Releases a status update, an indicator value or a contribution that you "
        "may read and may record to a wider audience than its marking (secretariat to "
        "coalition or public, coalition to public; never narrower: once read, a record cannot "
        "be unread), for a reason. It is `pending` until someone other than you approves it "
        "(at once where review is not required); the record's `releasability` is then the "
        "wider one, and its history names the release.",
        request=ReleaseWriteSerializer,
        responses={201: ReleaseSerializer},
        tags=["releases"],
    ),
    **review_actions_documented(
        "release",
        "Approve or return a release (Reviewers, Editors)",
        "Four eyes: a release widens its record only once someone other than its author "
        "approves it; returned, it changes nothing, and its author may propose another that "
        "`corrects` it. A decision is final (409 otherwise). Nobody decides on their own "
        "release, superusers included (403).",
        sent=ReleaseReviewWriteSerializer,
        tag="releases",
    ),
)
class ReleaseViewSet(
    ReviewActionMixin,
    NamesWhatIsNotFound,
    IdempotentPostMixin,
    ConditionalGetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Release.objects.for_display().select_related(*RELEASED_MODELS)
    filterset_class = ReleaseFilter
    serializer_class = ReleaseSerializer
    review_serializer_class = ReleaseReviewWriteSerializer

    def initial(self, request, *args, **kwargs):
        # A parameter the operation does not take is a 400 for everyone, before whoever may not
        # read releases is refused, as on every endpoint of the API.
        refuse_unknown_parameters(request)
        super().initial(request, *args, **kwargs)

    def get_permissions(self):
        if self.action in ("review",):
            return super().get_permissions()
        return [MayProposeOrRead()]

    def get_serializer_class(self):
        if self.action == "create":
            return ReleaseWriteSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        return self.shown(super().get_queryset().readable_by(clearance_of(self.request.user)))

    def shown(self, releases):
        if self.action in ("review", "withdraw"):
            return releases
        return releases if may_see_unapproved(self.request.user) else releases.none()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            release = serializer.save(author=request.user)
        except DjangoPermissionDenied as refusal:  # its clearance or its right to record
            raise PermissionDenied(str(refusal)) from refusal
        shown = self.queryset.get(pk=release.pk)
        data = ReleaseSerializer(shown, context=self.get_serializer_context()).data
        return created(data, location=data["url"])

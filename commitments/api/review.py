"""The four-eyes review in the API, said once for every reviewed record (status updates,
updates.py; indicator values, indicator_values.py): what a record shows of its author, its
corrections and its review; a reviewer's decision, as sent and as answered; and the viewset
action that takes it, POST <record>/review/, with the rule of who sees which records. Each
record type says only what differs: its words in the documentation, which records its list
shows, and the address of one record."""

import functools

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from commitments.api.base import created
from commitments.api.cited import CitesAndReleases
from commitments.api.exceptions import Conflict
from commitments.api.fields import (
    NamesPeople,
    OptionalCharField,
    OptionalChoiceField,
    StrictWriteSerializer,
    _reader,
    person_columns,
    releasability_field,
    review_state_field,
    reviewed_at_field,
)
from commitments.api.permissions import MayRecord, MayReview, may_see_unapproved
from commitments.api.representation import RowMethodField
from commitments.clearance import clearance_of
from commitments.models import StatusUpdate
from commitments.models.records import REVIEWER_DECISIONS
from commitments.people import person_name
from commitments.services import (
    EVIDENCE_BELOW_THRESHOLD,
    AlreadyDecided,
    ReviewRefused,
    approve_or_return,
    return_for_evidence,
    withdraw,
)


class DocumentedInOwnWords:
    """A serializer whose fields, declared once for every record type, each record type's
    documentation words its own way: `help_texts`, by field (None: no words)."""

    help_texts = {}

    def get_fields(self):
        fields = super().get_fields()
        for name, words in self.help_texts.items():
            fields[name].help_text = words
        return fields


class ReviewedRecordSerializer(
    CitesAndReleases, DocumentedInOwnWords, NamesPeople, serializers.ModelSerializer
):
    """What a reviewed record shows besides what it observes: its evidence and its releases
    (CitesAndReleases: its Meta names PageSerializer its list_serializer_class), its
    corrections, who recorded it, and its review, flat (a nullable nested object is a trap for
    generated clients). It reads a values row (FastRepresentation) or an instance of
    for_display() alike. A concrete serializer lists `RECORD_FIELDS` last in its Meta.fields."""

    RECORD_FIELDS = [
        "releasability",
        "evidence",
        "releases",
        "confidence",
        "corrects",
        "corrected_by",
        "author",
        "created_at",
        "review_state",
        "reviewer",
        "review_comment",
        "reviewed_at",
        "evidence_below_threshold",
    ]

    releasability = releasability_field()
    confidence = OptionalChoiceField(choices=StatusUpdate.Confidence.choices)
    corrects = RowMethodField(columns=["corrects_id", "corrects_approved"])
    corrected_by = serializers.IntegerField(
        source="corrected_by_id", allow_null=True, read_only=True
    )
    author = RowMethodField(columns=person_columns("author"))
    review_state = review_state_field(
        "pending until a reviewer decides; then approved (it counts) or returned for revision "
        "(it never counts: its author answers it with a correction); or withdrawn by its author "
        "while pending (it never counts)."
    )
    reviewer = RowMethodField(
        columns=person_columns("review__reviewer"),
        help_text="Who approved or returned it (never its author), or its author who withdrew "
        "it; null while pending, and when it was approved on submission because review is not "
        "required.",
    )
    review_comment = OptionalCharField(
        source="review.comment",
        help_text="Why it was returned, or a remark on approval; null when none.",
    )
    reviewed_at = reviewed_at_field()

    evidence_below_threshold = RowMethodField(
        columns=["evidence_below_threshold"],
        help_text="To those who review: whether every piece of evidence it cites is graded "
        "below the threshold (EVIDENCE_GRADE_THRESHOLD, C3 by default) or it cites none, which "
        'a reviewer may return it for (`"reason": "evidence_below_threshold"`); null to '
        "other readers.",
    )

    def get_author(self, row) -> str:
        return self.name_of(row, "author", acting_as=pgettext("role", "Analyst"))

    def get_evidence_below_threshold(self, row) -> bool | None:
        if "_sees_unapproved" not in self.__dict__:
            self._sees_unapproved = may_see_unapproved(self.reader)
        return row["evidence_below_threshold"] if self._sees_unapproved else None

    def get_reviewer(self, row) -> str | None:
        return self.name_of(row, "review__reviewer", acting_as=pgettext("role", "Reviewer"))

    def get_corrects(self, row) -> int | None:
        # A returned record answered by a correction was never public: its id is not shown to
        # those who see approved records only (for_display annotates `corrects_approved`).
        if row["corrects_id"] is None or row["corrects_approved"]:
            return row["corrects_id"]
        if "_sees_unapproved" not in self.__dict__:
            self._sees_unapproved = may_see_unapproved(self.reader)
        return row["corrects_id"] if self._sees_unapproved else None


class DecisionSerializer(DocumentedInOwnWords, serializers.ModelSerializer):
    """A reviewer's decision on a reviewed record, as its review endpoint answers it. Final:
    never changed. It names its record as the decision model does (`record_field`): by id, and
    by URL in `<record_field>_url`, the address of the record's view `record_view`."""

    record_view = None

    reviewer = serializers.SerializerMethodField(
        help_text="Who decided (never the update's author); null when the update was approved "
        "on submission because review is not required."
    )
    comment = OptionalCharField(help_text="Why it was returned, or a remark on approval.")

    class Meta:
        fields = ["decision", "reviewer", "comment", "decided_at"]
        read_only_fields = fields

    def get_fields(self):
        record = self.Meta.model.record_field
        return {
            record: serializers.PrimaryKeyRelatedField(read_only=True),
            f"{record}_url": serializers.HyperlinkedRelatedField(
                source=record, view_name=self.record_view, read_only=True
            ),
            **super().get_fields(),
        }

    def get_reviewer(self, decision) -> str | None:
        if decision.reviewer_id is None:
            return None
        return person_name(
            decision.reviewer, reader=_reader(self), acting_as=pgettext("role", "Reviewer")
        )


class DecisionWriteSerializer(StrictWriteSerializer):
    """A decision on a pending update: approve it, or return it with a comment saying why."""

    decision = serializers.ChoiceField(
        choices=REVIEWER_DECISIONS, help_text="approve, or return with a comment."
    )

    # ("update": the word of both record types' documentation, docs/openapi.yaml.) A return
    # without a comment is approve_or_return's to refuse, in the database's words.

    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text="Required when returning: what the author should revise.",
    )

    reason = serializers.ChoiceField(
        choices=[(EVIDENCE_BELOW_THRESHOLD, _("Its evidence is all graded below the threshold"))],
        required=False,
        help_text="With `return`: evidence_below_threshold returns it because every piece of "
        "evidence it cites is graded below EVIDENCE_GRADE_THRESHOLD (C3 by default), or it "
        "cites none, with a comment that says so (your own `comment` follows it). 400 when "
        "a piece is graded at the threshold or better.",
    )

    class Meta:
        fields = ["decision", "comment", "reason"]

    def validate(self, attrs):
        if attrs.get("reason") and attrs["decision"] != "return":
            raise serializers.ValidationError({"reason": gettext("A reason goes with a return.")})
        return attrs


@functools.cache  # one class per decision model: the schema names it once
def withdrawal_of(decision_sent):
    """What an author sends to withdraw their pending record: an optional comment. A
    serializer of the same decision model as `decision_sent` (a reviewer's decision), answered
    as that one is."""

    class Meta(decision_sent.Meta):
        fields = ["comment"]

    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text="Why you withdraw it, if you wish: kept with it, seen by staff only.",
    )
    noun = decision_sent.Meta.model.record_field
    name = f"{noun.capitalize()}WithdrawalSerializer"
    # A withdrawal gives no reason for a return.
    attrs = {"Meta": Meta, "comment": comment, "reason": None, "validate": lambda _, sent: sent}
    return type(name, (decision_sent,), {**attrs, "__doc__": ""})


def withdrawal_documented(noun, *, sent, tag):
    """The documentation of a viewset's withdraw action (extend_schema_view(withdraw=...))."""
    return extend_schema(
        summary=f"Withdraw your own pending {noun} (its author)",
        description=f"Its author takes back a pending {noun}, with no reviewer: it never "
        f"counts, is never public, and stays in the history as withdrawn (review_state "
        f"`withdrawn`). A withdrawal is a decision: final, and the only one the {noun} gets "
        "(409 once it has one). Only its author withdraws it (403); anyone else who may "
        f"record {noun}s learns that it exists only if they may see unapproved ones.",
        request=sent,
        responses={201: sent.shown_as},
        filters=False,
        tags=[tag],
    )


def review_documented(summary, description, *, sent, tag):
    """The documentation of a viewset's review action (extend_schema_view(review=...)): what a
    reviewer sends (`sent`), answered by its `shown_as` with a 201."""
    return extend_schema(
        summary=summary,
        description=description,
        request=sent,
        responses={201: sent.shown_as},
        filters=False,
        tags=[tag],
    )


class ReviewActionMixin:
    """For a viewset of reviewed records: which records a request sees (`shown`), and POST
    <id>/review/, a reviewer's decision (four eyes), answered with the decision. The viewset
    names what a reviewer sends (`review_serializer_class`, whose `shown_as` answers), says
    which records its list shows (`listed`) and documents the action
    (extend_schema_view(review=review_documented(...)))."""

    review_serializer_class = None

    def shown(self, records):
        """All of them to staff who may see unapproved records, and to a reviewer deciding on
        one (the service refuses what may not be decided); approved ones to everyone else,
        to whom a pending or returned record is a 404. A list shows what `listed` says. Only
        ever the records the user's clearance may read: one beyond it is a 404 to staff too,
        deciding on it included, as if it did not exist."""
        records = records.readable_by(clearance_of(self.request.user))
        if self.action in ("review", "withdraw"):
            return records
        if self.action == "list":
            return self.listed(records)
        return records if may_see_unapproved(self.request.user) else records.approved()

    def listed(self, records):
        raise NotImplementedError

    def get_permissions(self):
        if self.action == "review":
            return [MayReview()]
        if self.action == "withdraw":
            return [MayRecord()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "review":
            return self.review_serializer_class
        if self.action == "withdraw":
            return withdrawal_of(self.review_serializer_class)
        return super().get_serializer_class()

    @action(detail=True, methods=["post"], url_path="review", filter_backends=[])
    def review(self, request, *args, **kwargs):
        def decide(record, reason=None, decision=None, **sent):
            if reason == EVIDENCE_BELOW_THRESHOLD:
                return return_for_evidence(record, reviewer=request.user, **sent)
            return approve_or_return(record, reviewer=request.user, decision=decision, **sent)

        return self._decided(decide)

    @action(detail=True, methods=["post"], url_path="withdraw", filter_backends=[])
    def withdraw(self, request, *args, **kwargs):
        return self._decided(lambda record, **sent: withdraw(record, author=request.user, **sent))

    def _decided(self, decide):
        """The one decision of the record asked for, taken by `decide(record, **sent)` (a
        reviewer's, or its author's withdrawal), answered with the decision: 403 for whoever
        may not take it, 409 once it has one."""
        record = self.get_object()
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        try:
            decision = decide(record, **serializer.validated_data)
        except AlreadyDecided as refusal:
            raise Conflict(str(refusal)) from refusal
        except ReviewRefused as refusal:  # OwnRecord, NotYours
            raise PermissionDenied(str(refusal)) from refusal
        answer = serializer.shown_as(decision, context=self.get_serializer_context()).data
        # The decision has no address of its own: it is shown with its record.
        return created(answer, location=answer[f"{decision.record_field}_url"])


def review_actions_documented(noun, summary, description, *, sent, tag):
    """The documentation of a viewset's two actions on a pending record, for
    extend_schema_view(**...): a reviewer's decision (review_documented: `summary`,
    `description`, what they send) and its author's withdrawal."""
    return {
        "review": review_documented(summary, description, sent=sent, tag=tag),
        "withdraw": withdrawal_documented(noun, sent=withdrawal_of(sent), tag=tag),
    }

"""Key messages of the briefing pack: what the secretariat says of a pillar, in a sentence or
two, in the pack for one date. Reviewed records (records.py), as status updates are: only an
approved message is printed, a message is never edited (a correction rewrites it), and its
decision is a BriefingMessageReview."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from commitments.models import records
from commitments.models.bounds import _date_in_range, _date_range_message, _date_validators
from commitments.models.reference import Pillar


class BriefingMessageQuerySet(records.ReviewedRecordQuerySet):
    """Reads of key messages: the reviewed record's (ReviewedRecordQuerySet), and the messages
    of one pack."""

    def for_pack(self, as_of, known_on=None):
        """The messages printed in the pack of `as_of`: approved, and not rewritten by an
        approved correction, as known by the end of `known_on` (now without it), in the order
        they were written. One read of briefingmessage_pack_idx."""
        return self.counting(known_on).filter(as_of=as_of).order_by("created_at", "id")


class BriefingMessage(records.ReviewedRecord):
    """A key message of a pillar in the briefing pack of a date, written by the secretariat and
    printed on the pack's first page once a second person approves it. Never edited or deleted
    (database triggers, migration 0027): a correction is a new message that names the one it
    rewrites."""

    subject = "pillar"
    noun = "message"
    shown_with = ("pillar", "author")

    # A message is the secretariat's own words: it cites no evidence, and is marked by the pack
    # it is printed in, not on its own.
    evidence_cited = None
    releasability = None

    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="briefing_messages")
    as_of = models.DateField(
        _("pack of"),
        validators=_date_validators(_("The date of the pack")),
        help_text=_("The as-of date of the briefing pack it is printed in (its as_of)."),
    )
    text = models.TextField(
        help_text=_(
            "What the minister's office should take away, in a sentence or two, as it "
            "will be printed."
        )
    )
    corrects = records.correction_field(
        _(
            "The earlier message of the same pillar and pack that this one rewrites: once approved, "
            "it replaces it (a returned message is answered by a correction too)."
        )
    )

    objects = BriefingMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-created_at", "-id"]
        verbose_name = _("briefing message")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="briefingmessage_text_not_empty",
                violation_error_message=_("Write the message."),
            ),
            models.CheckConstraint(
                condition=_date_in_range("as_of"),
                name="briefingmessage_as_of_range",
                violation_error_message=_date_range_message(_("The date of the pack")),
            ),
        ]
        indexes = [
            # The messages of one pack (for_pack), in the order they were written.
            models.Index(fields=["as_of", "created_at", "id"], name="briefingmessage_pack_idx"),
        ]

    def __str__(self):
        return f"{self.pillar.name}, pack of {self.as_of:%d %b %Y}: {self.text[:60]}"

    @classmethod
    def observed_on_expression(cls):
        return F("as_of")

    def clean(self):
        errors = {}
        if self.text is not None and not self.text.strip():
            errors["text"] = _("Write the message.")
        if None not in (self.corrects_id, self.as_of) and self.as_of != self.corrects.as_of:
            errors["as_of"] = _(
                "A correction rewrites a message of the same pack: the pack of %(date)s."
            ) % {"date": f"{self.corrects.as_of:%d %b %Y}"}
        if correction_error := self.clean_correction():
            errors["corrects"] = correction_error
        if errors:
            raise ValidationError(errors)


class BriefingMessageReview(records.ReviewDecision):
    """The decision on a key message (ReviewDecision), as Review is on a status update."""

    record_field = "message"

    message = records.decided_record(BriefingMessage)

    class Meta(records.ReviewDecision.Meta):
        verbose_name = _("briefing message review")
        constraints = records.decision_constraints(
            "briefingmessagereview", "message", return_help=_("can rewrite it")
        )

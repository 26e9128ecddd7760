"""A reviewer's decision on a pending reviewed record, a status update, an indicator value or a
key message of the briefing pack (four eyes, one final decision, the race between two
reviewers), and the refusals it raises.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import ReviewDecision, ReviewedRecord, StatusUpdate
from commitments.models.records import noun_of
from commitments.services.commitments import moves_current_status, refresh_current_status
from commitments.services.dependencies import (
    TROUBLED,
    record_slips,
    troubled_pairs,
    watch_for_slips,
)
from commitments.services.events import SUBMIT, record_review_step
from commitments.services.evidence import cite, cited_evidence

APPROVE, RETURN, WITHDRAW = ReviewDecision.Decision

# What approving a record of a kind does besides making it count, by model: a function of the
# record, run in the approval's transaction, under its subject's lock. Registered by the service
# module of that kind (releases.py: a release widens its record), which imports this one.
APPROVAL_EFFECTS = {}


class ReviewRefused(Exception):
    """A decision that may not be taken: the base of the reasons below."""


class OwnRecord(ReviewRefused):
    """Four eyes: nobody decides on a record they wrote, superusers included."""

    def __init__(self, record):
        super().__init__(
            _("You recorded %(noun)s #%(pk)s: another reviewer must decide on it (four eyes).")
            % {"noun": noun_of(record), "pk": record.pk}
        )


class NotYours(ReviewRefused):
    """Only its author withdraws a record."""

    def __init__(self, record):
        super().__init__(
            _("Only its author withdraws %(noun)s #%(pk)s: a reviewer returns it instead.")
            % {"noun": noun_of(record), "pk": record.pk}
        )


class AlreadyDecided(ReviewRefused):
    """A record has at most one decision."""

    def __init__(self, record, review=None):
        review = review or decision_of(record).objects.get(**{_record_field(record): record})
        noun = noun_of(record)
        answer = (
            " "
            + _("Answer a returned %(noun)s with a new %(noun)s that corrects it.") % {"noun": noun}
            if review.decision == RETURN
            else ""
        )
        super().__init__(
            _("%(Noun)s #%(pk)s was already %(decision)s on %(when)s: a decision is final.")
            % {
                "Noun": noun.capitalize(),
                "pk": record.pk,
                "decision": review.get_decision_display().lower(),
                "when": f"{review.decided_at:%d %b %Y %H:%M}",
            }
            + answer
        )
        self.review = review


def decision_of(record):
    """The model of `record`'s decisions (Review, IndicatorValueReview,
    BriefingMessageReview)."""
    return type(record)._meta.get_field("review").related_model


def _record_field(record):
    return decision_of(record).record_field


def lock_subject(record):
    """Locks what `record` observes (its commitment, its indicator, its pillar): records and
    decisions of one subject take turns, so that of two decisions on one record the second
    sees the first and is refused, and of two corrections of one record the second sees the
    first in clean()."""
    field = record._meta.get_field(record.subject)
    subject = field.related_model.objects.select_for_update(of=("self",))
    subject.filter(pk=getattr(record, field.attname)).values_list("pk").get()


def submit(record: ReviewedRecord, evidence=()) -> ReviewedRecord:
    """Saves a new record, validated, pending review, with its citations of `evidence`
    (services.evidence.cited_evidence). With REVIEW_REQUIRED off it is approved
    as it is submitted, by no reviewer and at the moment it was recorded: it counts at once
    (the caller derives what that changes). The caller holds the subject's lock.

    Text is kept without the white space around it. A correction of a returned correction is
    pointed at what that one meant to correct (ReviewedRecord.answered_record).

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid."""
    for field in record._meta.concrete_fields:
        if isinstance(value := getattr(record, field.attname), str):
            setattr(record, field.attname, value.strip())
    if record.corrects_id is not None:
        record.corrects = record.corrects.answered_record()
    record.created_at = timezone.now()
    cited = cited_evidence(record, evidence) if record.evidence_cited is not None else []
    record.full_clean()
    record.save(force_insert=True)
    cite(record, cited)
    if not settings.REVIEW_REQUIRED:
        record.review = decision_of(record).objects.create(
            **{_record_field(record): record}, decision=APPROVE, decided_at=record.created_at
        )
        if effect := APPROVAL_EFFECTS.get(type(record)):
            effect(record)
    # Approved on submission, it is told as approved: it was never pending.
    record_review_step(record, SUBMIT if settings.REVIEW_REQUIRED else APPROVE)
    return record


@transaction.atomic
def approve_or_return(
    record: ReviewedRecord, *, reviewer, decision: str, comment: str = ""
) -> ReviewDecision:
    """Records a reviewer's decision on a pending record. Approval makes it count: a status
    update's commitment takes the status of its newest standing update (latest as-of date,
    ties going to the latest recorded), so approving an older assessment never overtakes a
    newer approved one, and an approved correction replaces the record it corrects (an
    indicator's latest value and progress are read from its standing values as they are). A
    return needs a comment, and changes nothing that readers see.

    Raises OwnRecord for the record's author (whoever they are), AlreadyDecided when it has a
    decision (also when another reviewer decides at the same moment: exactly one wins), and
    ValidationError for a decision without what it needs; nothing is written then.
    """
    if reviewer is not None and record.author_id == reviewer.pk:
        raise OwnRecord(record)
    if decision not in (APPROVE, RETURN):
        raise ValidationError(
            {
                "decision": _("Decide to approve or to return the %(noun)s.")
                % {"noun": noun_of(record)}
            }
        )
    comment = (comment or "").strip()
    if decision == RETURN and not comment:
        raise ValidationError({"comment": _return_needs_comment(record)})
    approving_update = decision == APPROVE and isinstance(record, StatusUpdate)
    before = {}
    if approving_update and record.status in TROUBLED:
        # What its commitment read before, for a slip (services.dependencies), under the lock.
        lock_subject(record)
        before = watch_for_slips(troubled_pairs(StatusUpdate.objects.filter(pk=record.pk)))
    review = _decide(record, decision=decision, reviewer=reviewer, comment=comment)
    # A commitment stores its current status (lists never read the history); an indicator
    # stores nothing its values decide.
    # Only a public update moves the stored status (the public's): a narrower one is read by
    # cleared readers from the history itself, and writing nothing leaves the public's data
    # version where it was.
    if approving_update and moves_current_status(record):
        refresh_current_status(record.commitment)
    if decision == APPROVE and (effect := APPROVAL_EFFECTS.get(type(record))):
        effect(record)
    record_review_step(record, decision)
    if approving_update:
        record_slips(before, {record.pk})
    return review


# A reviewer's reason for a return that the service words (return_for_evidence).
EVIDENCE_BELOW_THRESHOLD = "evidence_below_threshold"


@transaction.atomic
def return_for_evidence(record: ReviewedRecord, *, reviewer, comment: str = "") -> ReviewDecision:
    """Returns a pending record because every piece of evidence it cites is graded below
    EVIDENCE_GRADE_THRESHOLD (or it cites none), with a comment that says so and names the
    grades, followed by the reviewer's own words if any.

    Raises ValidationError, with nothing written, when a piece it cites is graded at the
    threshold or above; otherwise as approve_or_return."""
    threshold = settings.EVIDENCE_GRADE_THRESHOLD
    if record.evidence_cited is None:
        raise ValidationError(
            {"reason": _("A %(noun)s cites no evidence to grade.") % {"noun": noun_of(record)}}
        )
    below, grades = record.evidence_below(threshold)
    if not below:
        raise ValidationError(
            {
                "reason": _(
                    "%(Noun)s #%(pk)s cites evidence graded %(threshold)s or better "
                    "(%(grades)s): return it with a comment of your own if it needs revising."
                )
                % {
                    "Noun": noun_of(record).capitalize(),
                    "pk": record.pk,
                    "threshold": threshold,
                    "grades": ", ".join(grades),
                }
            }
        )
    cited = f"graded {', '.join(grades)}" if grades else "none cited"
    words = (
        f"Its evidence is all graded below {threshold} ({cited}): cite evidence graded "
        f"{threshold} or better (a source {threshold[0]} or more reliable, information "
        f"{threshold[1]} or more credible), or say why none can be had."
    )
    comment = (comment or "").strip()
    return approve_or_return(
        record,
        reviewer=reviewer,
        decision=RETURN,
        comment=f"{words} {comment}" if comment else words,
    )


@transaction.atomic
def withdraw(record: ReviewedRecord, *, author, comment: str = "") -> ReviewDecision:
    """Its author takes back a pending record, with no reviewer: it never counts, is never
    public, and stays in the history as withdrawn (a decision like any other: final, and the
    only one the record gets). What it would have corrected may be corrected again.

    Raises NotYours for anyone but its author, and AlreadyDecided once a reviewer has decided
    on it (also when one decides at the same moment: exactly one wins)."""
    if record.author_id != author.pk:
        raise NotYours(record)
    review = _decide(record, decision=WITHDRAW, reviewer=author, comment=(comment or "").strip())
    record_review_step(record, WITHDRAW)
    return review


def _decide(record, *, decision, reviewer, comment):
    """Writes the one decision of `record`, under its subject's lock: the second of two
    decisions taken at the same moment sees the first and is refused."""
    lock_subject(record)
    decisions, field = decision_of(record), _record_field(record)
    if existing := decisions.objects.filter(**{field: record}).first():
        raise AlreadyDecided(record, existing)
    review = decisions(
        **{field: record},
        decision=decision,
        reviewer=reviewer,
        comment=comment,
        decided_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as error:  # decided by another process between the check and here
        raise AlreadyDecided(record) from error
    record.review = review
    return review


def _return_needs_comment(record):
    """The database's own words (decision_constraints), for the comment field."""
    constraint = next(
        constraint
        for constraint in decision_of(record)._meta.constraints
        if constraint.name.endswith("_return_has_comment")
    )
    return constraint.violation_error_message

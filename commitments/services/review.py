"""A reviewer's decision on a pending status update (four eyes, one final decision), and the
refusals it raises, whose base the indicator values' review shares. The decision on an
indicator value is indicators'.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments.models import Commitment, Review, StatusUpdate
from commitments.services.assessments import _refresh_current_status


class ReviewRefused(Exception):
    """A decision that may not be taken: the base of the reasons below."""


class OwnUpdate(ReviewRefused):
    """Four eyes: nobody decides on an update they wrote, superusers included."""

    def __init__(self, update):
        super().__init__(
            f"You wrote update #{update.pk}: another reviewer must decide on it (four eyes)."
        )


class AlreadyDecided(ReviewRefused):
    """An update has at most one decision."""

    def __init__(self, update, review=None):
        review = review or Review.objects.get(update=update)
        super().__init__(
            f"Update #{update.pk} was already {review.get_decision_display().lower()} on "
            f"{review.decided_at:%d %b %Y %H:%M}: a decision is final. Answer a returned update "
            "with a new update that corrects it."
        )
        self.review = review


@transaction.atomic
def approve_or_return(
    update: StatusUpdate, *, reviewer, decision: str, comment: str = ""
) -> Review:
    """Records a reviewer's decision on a pending update. Approval makes the update count: the
    commitment's current status becomes that of its newest standing update (latest as-of date,
    ties going to the latest recorded), so approving an older assessment never overtakes a
    newer approved one, and an approved correction replaces the update it corrects. A return
    needs a comment, and changes nothing that readers see.

    Raises OwnUpdate for the update's author (whoever they are), AlreadyDecided when it has a
    decision (also when another reviewer decides at the same moment: exactly one wins), and
    ValidationError for a decision without what it needs; nothing is written then.
    """
    if reviewer is not None and update.author_id == reviewer.pk:
        raise OwnUpdate(update)
    if decision not in Review.Decision.values:
        raise ValidationError({"decision": "Decide to approve or to return the update."})
    comment = (comment or "").strip()
    if decision == Review.Decision.RETURN and not comment:
        raise ValidationError(
            {"comment": "Say why the update is returned, so that its author can revise it."}
        )
    # The commitment's lock makes two decisions on its updates take turns: the second sees the
    # first one's review and is refused, and the current status is derived once per decision.
    locked = Commitment.objects.select_for_update().get(pk=update.commitment_id)
    if existing := Review.objects.filter(update=update).first():
        raise AlreadyDecided(update, existing)
    review = Review(
        update=update,
        decision=decision,
        reviewer=reviewer,
        comment=comment,
        decided_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as error:  # decided by another process between the check and here
        raise AlreadyDecided(update) from error
    update.review = review
    if decision == Review.Decision.APPROVE:
        _refresh_current_status(locked, update.commitment, approved_at=review.decided_at)
    return review

"""Writing indicators: saving one, recording an observation of its value, and a reviewer's
decision on that value. Reading them (latest value, progress) is IndicatorQuerySet's (models).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments.integrity import unique_violations_refused
from commitments.models import Indicator, IndicatorValue, IndicatorValueReview
from commitments.services.review import ReviewRefused


@unique_violations_refused()
@transaction.atomic
def save_indicator(indicator: Indicator) -> Indicator:
    """Creates an indicator, or saves the changes an editor made to one. Its values and its
    progress are not its own fields: they are recorded and computed elsewhere.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid
    (also for a slug someone else took between the check and the write)."""
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def record_indicator_value(
    *,
    indicator: Indicator,
    author,
    value,
    qualifier: str = IndicatorValue.Qualifier.EXACTLY,
    as_of=None,
    period_start=None,
    period_end=None,
    evidence_url: str = "",
    evidence_source: str = "",
    confidence: str = "",
    corrects: IndicatorValue | None = None,
) -> IndicatorValue:
    """Appends an observation of an indicator, pending review as a status update is; with
    REVIEW_REQUIRED off it is approved on submission, and counts at once. A correction
    (`corrects`, an approved value of the same indicator) replaces it once approved. As for a
    status update, a value has one live correction at most (pending or approved): once that
    one is returned, the value may be corrected again.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid:
    also when another correction of the same value was recorded a moment earlier."""
    # The indicator's lock makes values and decisions of it take turns, as a commitment's
    # lock does for its status updates: of two corrections of one value recorded at the same
    # moment, the second sees the first in clean() and is refused.
    Indicator.objects.select_for_update().filter(pk=indicator.pk).values_list("pk").get()
    observation = IndicatorValue(
        indicator=indicator,
        author=author,
        value=value,
        qualifier=qualifier or IndicatorValue.Qualifier.EXACTLY,
        as_of=as_of,
        period_start=period_start,
        period_end=period_end,
        evidence_url=evidence_url,
        evidence_source=(evidence_source or "").strip(),
        confidence=confidence,
        corrects=corrects,
        created_at=timezone.now(),
    )
    observation.full_clean()
    observation.save(force_insert=True)
    if not settings.REVIEW_REQUIRED:
        observation.review = IndicatorValueReview.objects.create(
            value=observation,
            decision=IndicatorValueReview.Decision.APPROVE,
            decided_at=observation.created_at,
        )
    return observation


class OwnValue(ReviewRefused):
    """Four eyes: nobody decides on a value they recorded, superusers included."""

    def __init__(self, observation):
        super().__init__(
            f"You recorded value #{observation.pk}: another reviewer must decide on it (four eyes)."
        )


class ValueAlreadyDecided(ReviewRefused):
    """A value has at most one decision."""

    def __init__(self, observation, review=None):
        review = review or IndicatorValueReview.objects.get(value=observation)
        super().__init__(
            f"Value #{observation.pk} was already {review.get_decision_display().lower()} on "
            f"{review.decided_at:%d %b %Y %H:%M}: a decision is final. Answer a returned value "
            "with a new value."
        )
        self.review = review


@transaction.atomic
def approve_or_return_indicator_value(
    observation: IndicatorValue, *, reviewer, decision: str, comment: str = ""
) -> IndicatorValueReview:
    """Records a reviewer's decision on a pending indicator value, as approve_or_return does
    on a status update: approval makes it count (the indicator's latest value and progress
    follow its standing values), a return needs a comment and changes nothing readers see.

    Raises OwnValue for its author, ValueAlreadyDecided when it has a decision (also when
    another reviewer decides at the same moment: exactly one wins), and ValidationError for a
    decision without what it needs; nothing is written then."""
    if reviewer is not None and observation.author_id == reviewer.pk:
        raise OwnValue(observation)
    if decision not in IndicatorValueReview.Decision.values:
        raise ValidationError({"decision": "Decide to approve or to return the value."})
    comment = (comment or "").strip()
    if decision == IndicatorValueReview.Decision.RETURN and not comment:
        raise ValidationError(
            {
                "comment": "Say why the value is returned, so that its author can record a better one."
            }
        )
    Indicator.objects.select_for_update().filter(pk=observation.indicator_id).values_list(
        "pk"
    ).get()
    if existing := IndicatorValueReview.objects.filter(value=observation).first():
        raise ValueAlreadyDecided(observation, existing)
    review = IndicatorValueReview(
        value=observation,
        decision=decision,
        reviewer=reviewer,
        comment=comment,
        decided_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            review.save(force_insert=True)
    except IntegrityError as error:  # decided by another process between the check and here
        raise ValueAlreadyDecided(observation) from error
    observation.review = review
    return review

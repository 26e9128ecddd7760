"""Recording a status update (an assessment), and deriving a commitment's current status from
its standing history. The decision on a pending update is review's; CSV imports of many
updates are status_imports'.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.utils import timezone

from commitments.models import Commitment, Review, ReviewState, Status, StatusUpdate
from commitments.services.commitments import _searched_by


@transaction.atomic
def record_status_update(
    *,
    commitment: Commitment,
    author,
    status: str,
    as_of,
    summary: str,
    progress: int | None = None,
    evidence_url: str = "",
    evidence_source: str = "",
    confidence: str = "",
    corrects: StatusUpdate | None = None,
) -> StatusUpdate:
    """Appends a status update to a commitment's history, pending review; with
    REVIEW_REQUIRED off it is approved on submission, as if reviewed at once (see
    approve_or_return for what approval does to the commitment's current status).

    Raises django.core.exceptions.ValidationError, with nothing written, when the update is invalid.
    """
    # Lock the commitment (only it: not the document joined for validation) so that
    # concurrent updates and decisions of it are applied one after another and the current
    # status always ends up derived from the whole approved history.
    locked = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("source_document")
        .get(pk=commitment.pk)
    )
    update = StatusUpdate(
        commitment=locked,
        author=author,
        status=status,
        as_of=as_of,
        summary=(summary or "").strip(),
        progress=progress,
        evidence_url=evidence_url,
        evidence_source=evidence_source,
        confidence=confidence,
        corrects=_what_a_correction_replaces(corrects),
        created_at=timezone.now(),
    )
    update.full_clean()
    update.save()
    if not settings.REVIEW_REQUIRED:
        update.review = Review.objects.create(
            update=update, decision=Review.Decision.APPROVE, decided_at=update.created_at
        )
        _refresh_current_status(locked, commitment, approved_at=update.created_at)
    return update


def _what_a_correction_replaces(corrects):
    """The update a correction stands in for. Answering a returned correction is correcting
    what that correction tried to correct: the returned one never counted, so the new one
    must replace the update it was meant to replace (StatusUpdateQuerySet.unanswered counts it
    as the answer all the same)."""
    while (
        corrects is not None
        and corrects.corrects_id is not None
        and corrects.review_state == ReviewState.RETURNED
    ):
        corrects = corrects.corrects
    return corrects


def _refresh_current_status(locked, commitment, *, approved_at):
    """Sets a commitment's current status from its newest standing update (none: not
    assessed). `last_update_at` is when its approved history last changed: approval is when
    an update becomes public."""
    newest = StatusUpdate.objects.newest_standing(locked).first()
    current = {
        "current_status": newest.status if newest else Status.NOT_ASSESSED,
        "current_progress": newest.progress if newest else None,
        "current_as_of": newest.as_of if newest else None,
        "last_update_at": approved_at,
    }
    summary = Value(newest.summary if newest else "")
    Commitment.objects.filter(pk=locked.pk).update(**current, **_searched_by(summary))
    for field, value in current.items():
        setattr(commitment, field, value)

"""Recording a status update (an assessment). The decision on a pending update is review's;
deriving the current status from the standing history, commitments'; CSV imports of many
updates, status_imports'.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from commitments.models import Commitment, StatusUpdate
from commitments.services.commitments import refresh_current_status
from commitments.services.review import approve_on_submission


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
        corrects=corrects and corrects.answered_record(),
        created_at=timezone.now(),
    )
    update.full_clean()
    update.save()
    if not settings.REVIEW_REQUIRED:
        approve_on_submission(update)
        refresh_current_status(commitment, approved_at=update.created_at)
    return update

"""Recording a status update (an assessment). The decision on a pending update is review's;
deriving the current status from the standing history, commitments'; CSV imports of many
updates, status_imports'.
"""

from django.conf import settings
from django.db import transaction

from commitments.models import Commitment, StatusUpdate
from commitments.services.commitments import refresh_current_status
from commitments.services.review import submit


@transaction.atomic
def record_status_update(*, commitment: Commitment, author, evidence=(), **fields) -> StatusUpdate:
    """Appends a status update to a commitment's history, pending review; with
    REVIEW_REQUIRED off it is approved on submission, as if reviewed at once (see
    approve_or_return for what approval does to the commitment's current status). `fields`
    are the update's own: status, as_of, summary, and optionally progress, evidence_url,
    evidence_source, confidence and corrects (the update it corrects, or answers when that one
    was returned). It cites `evidence` (pieces or their ids, in order), each one its author
    may read.

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
    update = submit(StatusUpdate(commitment=locked, author=author, **fields), evidence)
    if not settings.REVIEW_REQUIRED:
        refresh_current_status(commitment)
    return update

"""Recording a status update (an assessment). The decision on a pending update is review's;
deriving the current status from the standing history, commitments'; CSV imports of many
updates, status_imports'.
"""

from django.conf import settings
from django.db import transaction

from commitments.clearance import default_releasability
from commitments.models import Commitment, Releasability, StatusUpdate
from commitments.services.commitments import moves_current_status, refresh_current_status
from commitments.services.dependencies import TROUBLED, record_slips, watch_for_slips
from commitments.services.review import submit


@transaction.atomic
def record_status_update(*, commitment: Commitment, author, evidence=(), **fields) -> StatusUpdate:
    """Appends a status update to a commitment's history, pending review; with
    REVIEW_REQUIRED off it is approved on submission, as if reviewed at once (see
    approve_or_return for what approval does to the commitment's current status). `fields`
    are the update's own: status, as_of, summary, and optionally progress, confidence, corrects
    (the update it corrects, or answers when that one was returned) and releasability
    (RELEASABILITY_DEFAULT_STATUSUPDATE when not given; no narrower than the author's clearance,
    Record.clean_marking). It cites `evidence` (pieces or their ids, in order), each one its
    author may read.

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
    fields["releasability"] = fields.get("releasability") or default_releasability(StatusUpdate)
    before = {}
    if not settings.REVIEW_REQUIRED and fields.get("status") in TROUBLED:
        # Approved on submission, it may make the commitment slip: what it read before, at
        # every level (the update's own marking is settled by submit).
        before = watch_for_slips((locked.pk, level) for level in Releasability.values)
    update = submit(StatusUpdate(commitment=locked, author=author, **fields), evidence)
    if not settings.REVIEW_REQUIRED:
        if moves_current_status(update):
            refresh_current_status(commitment)
        record_slips(
            {pair: status for pair, status in before.items() if pair[1] == update.releasability},
            {update.pk},
        )
    return update

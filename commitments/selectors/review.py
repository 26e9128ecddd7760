"""Reads for reviewers: the review queue, with what approving each pending update would make
its commitment show, and the current status an update not yet recorded would give. The
decision itself is services.review's.
"""

from typing import NamedTuple

from commitments.models import Releasability, StatusUpdate


class CurrentStatus(NamedTuple):
    status: str
    progress: int | None
    as_of: object  # a date, or None when never assessed


def current_status_after(
    commitment, *, status, progress, as_of, corrects=None, clearance=Releasability.PUBLIC
) -> CurrentStatus:
    """The current status `commitment` would show a reader of `clearance` (public unless told:
    the caller passes its user's, clearance.clearance_of) once an update with these values, not
    yet recorded, counts (approved on submission with review off; else once approved): the
    newest standing update that clearance may read, the new one winning ties as the latest
    recorded, and `corrects` no longer counting. Pending and returned updates count for
    nothing."""
    updates = StatusUpdate.objects.readable_by(clearance).filter(commitment=commitment)
    standing = updates.standing()
    if corrects is not None:
        standing = standing.exclude(pk=corrects.pk)
    newest = standing.first()
    if newest is None or as_of >= newest.as_of:
        return CurrentStatus(status, progress, as_of)
    return CurrentStatus(newest.status, newest.progress, newest.as_of)


def review_queue(updates, *, clearance=Releasability.PUBLIC, limit=None):
    """The oldest `limit` pending `updates` that a reviewer of `clearance` may read (public
    unless told: the caller passes the reviewer's, clearance.clearance_of), oldest first, each
    with what approving it would make its commitment show: `on_approval`, a CurrentStatus, by
    approve_or_return's rule (the newest standing update that clearance may read, this one
    counting as approved and the one it corrects no longer counting), and `changes_status`,
    whether that differs from what the commitment shows now.

    Two queries, however many updates: the updates with their commitment, author and corrected
    update, each with its rival (StatusUpdateQuerySet.with_newest_rival); then the rivals."""
    updates = list(
        updates.readable_by(clearance)
        .pending()
        .select_related("commitment", "author", "corrects")
        .with_newest_rival()
        # Oldest first: statusupdate_feed_idx, read backwards.
        .order_by("created_at", "id")[:limit]
    )
    rival_ids = {update.rival_id for update in updates if update.rival_id is not None}
    rivals = StatusUpdate.objects.only("status", "progress", "as_of", "created_at").in_bulk(
        rival_ids
    )

    def newness(update):  # Meta.ordering, newest first, read backwards
        return update.as_of, update.created_at, update.pk

    for update in updates:
        rival = rivals.get(update.rival_id)
        newest = update if rival is None or newness(update) > newness(rival) else rival
        update.on_approval = CurrentStatus(newest.status, newest.progress, newest.as_of)
        commitment = update.commitment
        now = (commitment.current_status, commitment.current_progress, commitment.current_as_of)
        update.changes_status = tuple(update.on_approval) != now
    return updates

"""Releasing a record (a status update, an indicator value, a contribution) to a wider audience:
proposing the release, with its reason, pending review as any reviewed record is; and what its
approval does (review.APPROVAL_EFFECTS): the record's releasability becomes the wider one, in the
approval's transaction, the one UPDATE the database lets through on a record (migration 0043).
The decision itself is review's: approve_or_return, withdraw, four eyes."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commitments.clearance import may_mark
from commitments.models import Release, StatusUpdate, release_field
from commitments.models.records import noun_of
from commitments.services.commitments import refresh_current_status
from commitments.services.review import APPROVAL_EFFECTS, ReviewRefused, lock_subject, submit


class NotCleared(ReviewRefused):
    """A release is approved by a reviewer who reads its record as it is marked."""

    def __init__(self, release):
        super().__init__(
            _(
                "Release #%(pk)s is of a record marked %(marking)s: only a reviewer whose "
                "clearance reads it may approve it."
            )
            % {"pk": release.pk, "marking": release.released_from}
        )


def _commitment_id(record):
    if hasattr(record, "commitment_id"):
        return record.commitment_id
    return record.indicator.commitment_id


def may_release(user, record):
    """Whether `user` may propose to release `record`: they read it (their clearance reaches its
    marking) and they may record its kind of record."""
    opts = record._meta
    return may_mark(user, record.releasability) and user.has_perm(
        f"{opts.app_label}.add_{opts.model_name}"
    )


@transaction.atomic
def propose_release(*, record, author, released_to, reason, corrects=None) -> Release:
    """Proposes to release `record` to `released_to`, a wider audience than its marking, for
    `reason`, pending review (approved on submission, and applied at once, with REVIEW_REQUIRED
    off). `corrects`: the returned release of the same record that this one answers.

    Raises PermissionDenied, with nothing written, when `author` may not read the record or may
    not record its kind; ValidationError when the release does not widen it, gives no reason, or
    another release of it is pending."""
    if not may_release(author, record):
        raise PermissionDenied(
            _(
                "Only those who may read %(noun)s #%(pk)s (%(marking)s) and record %(records)s "
                "may propose to release it."
            )
            % {
                "noun": noun_of(record),
                "pk": record.pk,
                "marking": record.releasability,
                "records": record._meta.verbose_name_plural,
            }
        )
    release = Release(
        commitment_id=_commitment_id(record),
        **{release_field(type(record)): record},
        released_from=record.releasability,
        released_to=released_to,
        reason=reason,
        corrects=corrects,
        author=author,
    )
    # Releases of one commitment's records take turns: of two proposals for one record, the
    # second sees the first pending, and is refused.
    lock_subject(release)
    if pending := Release.objects.of(record).pending().first():
        raise ValidationError(
            _(
                "Release #%(pk)s of this %(noun)s is pending review: a reviewer decides on it (or "
                "its author withdraws it) before another is proposed."
            )
            % {"pk": pending.pk, "noun": noun_of(record)}
        )
    return submit(release)


def widen(release: Release):
    """What approving `release` does: its record's releasability becomes `released_to`. A
    status update that the public, or members, may now read may give its commitment its
    current status: it is derived again (the commitment is locked by the approval).

    Raises NotCleared for a reviewer whose clearance does not read the record (the decision is
    rolled back with the rest), and ValidationError when the record is no longer marked as the
    release says it was."""
    reviewer = release.review.reviewer  # None: approved on submission, review not required
    if reviewer is not None and not may_mark(reviewer, release.released_from):
        raise NotCleared(release)
    record = release.record
    model = type(record)
    widened = model.objects.filter(pk=record.pk, releasability=release.released_from).update(
        releasability=release.released_to
    )
    if not widened:
        raise ValidationError(
            _(
                "%(Noun)s #%(pk)s is no longer marked %(marking)s: propose a release from its marking now."
            )
            % {
                "Noun": noun_of(record).capitalize(),
                "pk": record.pk,
                "marking": release.released_from,
            }
        )
    record.releasability = release.released_to
    if isinstance(record, StatusUpdate):
        refresh_current_status(release.commitment)


APPROVAL_EFFECTS[Release] = widen

"""Claims on pending reviewed records ("I'll take it", models.claims): a reviewer takes one, or
releases their own. A claim tells the other reviewers who is reading a record; it stops nobody
from deciding, and lapses a day after it was taken."""

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import ReviewClaim
from commitments.models.records import noun_of
from commitments.services.review import (
    AlreadyDecided,
    OwnRecord,
    ReviewRefused,
    decision_of,
    lock_subject,
)


def _taken(claim):
    reviewer = claim.reviewer
    since = timezone.localtime(claim.claimed_at)
    return _("%(reviewer)s since %(since)s") % {
        "reviewer": reviewer.get_full_name() or reviewer.get_username(),
        "since": f"{since:%d %b %Y %H:%M}",
    }


class TakenByAnother(ReviewRefused):
    """A record another reviewer has taken, within the day."""

    def __init__(self, record, claim):
        super().__init__(
            _(
                "%(Noun)s #%(pk)s is taken by %(taken)s: you may still decide on it, or take it "
                "once they release it or a day has passed."
            )
            % {"Noun": noun_of(record).capitalize(), "pk": record.pk, "taken": _taken(claim)}
        )


class NotTaken(ReviewRefused):
    """Only the reviewer who took a record releases it (a claim lapses by itself)."""

    def __init__(self, record):
        super().__init__(
            _("You have not taken %(noun)s #%(pk)s: nothing to release.")
            % {"noun": noun_of(record), "pk": record.pk}
        )


def _claims_on(record):
    content_type = ContentType.objects.get_for_model(record)
    return ReviewClaim.objects.filter(content_type=content_type, object_id=record.pk)


@transaction.atomic
def claim(record, *, reviewer) -> ReviewClaim:
    """`reviewer` takes the pending `record` for a day, or takes it again for another day; a
    lapsed claim of someone else's gives way. The caller checks that `reviewer` may review.

    Raises OwnRecord for its author (four eyes: they may not decide on it, so not take it),
    AlreadyDecided once it has a decision, and TakenByAnother while another reviewer's claim
    holds; nothing is written then."""
    if record.author_id == reviewer.pk:
        raise OwnRecord(record)
    # Under the subject's lock, as decisions: a claim never lands on a record just decided,
    # and of two reviewers taking one record at once the second sees the first.
    lock_subject(record)
    field = decision_of(record).record_field
    if decided := decision_of(record).objects.filter(**{field: record}).first():
        raise AlreadyDecided(record, decided)
    now = timezone.now()
    existing = _claims_on(record).select_related("reviewer").first()
    if existing is None:
        try:
            with transaction.atomic():
                return ReviewClaim.objects.create(record=record, reviewer=reviewer, claimed_at=now)
        except IntegrityError as error:  # taken by another process between the read and here
            raise TakenByAnother(record, _claims_on(record).get()) from error
    if existing.reviewer_id != reviewer.pk and existing.is_active(now):
        raise TakenByAnother(record, existing)
    existing.reviewer, existing.claimed_at = reviewer, now
    existing.save(update_fields=["reviewer", "claimed_at"])
    return existing


@transaction.atomic
def release(record, *, reviewer) -> None:
    """`reviewer` gives back the record they took, for another reviewer to take.

    Raises NotTaken when they hold no claim on it (never taken, taken by someone else, or
    lapsed); nothing is written then."""
    taken = _claims_on(record).active().filter(reviewer=reviewer)
    if not taken.delete()[0]:
        raise NotTaken(record)

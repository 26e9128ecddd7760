"""Who is reminded of what today: owners of stale or soon-due commitments, authors of records
returned to them for revision, reviewers of pending records. Sending the reminders is
services.reminders'.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.utils import timezone

from commitments.models import (
    Commitment,
    IndicatorValue,
    ReminderSent,
    ReviewState,
    StatusUpdate,
)

# Owners are reminded of a commitment from this many days before it falls due.
REMINDER_HORIZON_DAYS = 14


class DueCommitment(NamedTuple):
    commitment: Commitment
    days_overdue: int | None  # None: never assessed; 0 or fewer: due in that many days
    # The newest pending update that would assess it anew (an as-of date later than its
    # current one), if any: its owner then waits for a reviewer, not for themselves.
    awaiting: StatusUpdate | None = None


@dataclass
class Reminder:
    """What one person is reminded of: the commitments they own that are stale or due within
    REMINDER_HORIZON_DAYS; the status updates and indicator values of theirs returned for
    revision that no correction answers yet; and, for a reviewer, the pending updates and
    values they may decide."""

    user: object
    due: list = field(default_factory=list)  # of DueCommitment, most pressing first
    # Of StatusUpdate and IndicatorValue, each with its `review`, returned longest ago first.
    returned: list = field(default_factory=list)
    pending: list = field(default_factory=list)  # of StatusUpdate, longest waiting first
    pending_values: list = field(default_factory=list)  # of IndicatorValue, likewise
    sent_today: bool = False

    @property
    def to_assess(self):
        """The due commitments no pending update would assess."""
        return [row for row in self.due if row.awaiting is None]


def reminders_due(today=None) -> list[Reminder]:
    """Everyone who has something to be reminded of today, one Reminder per person, in
    username order. Users without an email address are included (the caller says so and skips
    them), and so are those already reminded today (`sent_today`).

    Owners are active staff owning a commitment that is stale or falls due within
    REMINDER_HORIZON_DAYS; a pending update of it, by them or anyone, is named beside it.
    Authors are active staff with a status update or indicator value returned to them that no
    correction answers yet (ReviewedRecordQuerySet.unanswered). Reviewers are active staff who
    hold commitments.add_review through a group or in their own right (Reviewers and Editors);
    superusers are not, unless they hold it that way too: a superuser may approve, but is not a
    reviewer on duty. Each reviewer is given the pending queues as reviewable_by() defines them
    (everyone's records but their own), read once for all of them.

    At most five queries, whatever the numbers of people and records: the due commitments, the
    reviewers, the status updates and the indicator values awaiting action, and who was
    already reminded today."""
    today = today or timezone.localdate()
    people = {}

    def reminder_of(user):
        return people.setdefault(user.pk, Reminder(user=user))

    def on_duty(user):
        return user.is_active and user.is_staff

    updates = list(
        StatusUpdate.objects.awaiting_action()
        .select_related("commitment", "author", "review__reviewer")
        .order_by("created_at", "id")
    )
    values = list(
        IndicatorValue.objects.awaiting_action()
        .select_related("indicator__commitment", "author", "review__reviewer")
        .order_by("created_at", "id")
    )
    pending = [update for update in updates if update.review_state == ReviewState.PENDING]
    pending_values = [value for value in values if value.review_state == ReviewState.PENDING]

    awaiting = {}  # commitment id: its newest pending update, by as-of date
    for update in pending:
        newest = awaiting.get(update.commitment_id)
        if newest is None or update.as_of >= newest.as_of:
            awaiting[update.commitment_id] = update

    due = (
        Commitment.objects.due_within(REMINDER_HORIZON_DAYS, today)
        .filter(owner__is_active=True, owner__is_staff=True)
        .select_related("owner")
        .only("code", "title", "current_as_of", "update_cadence_days", "owner")
    )
    for commitment in due:
        update = awaiting.get(commitment.pk)
        if update is not None and commitment.current_as_of is not None:
            # An older assessment waiting for review would not make it fresh.
            update = update if update.as_of > commitment.current_as_of else None
        reminder_of(commitment.owner).due.append(
            DueCommitment(commitment, commitment.days_overdue(today), update)
        )

    returned = [
        record for record in updates + values if record.review_state == ReviewState.RETURNED
    ]
    for record in sorted(returned, key=lambda record: (record.review.decided_at, record.pk)):
        if on_duty(record.author):
            reminder_of(record.author).returned.append(record)

    reviewers = (
        get_user_model()
        .objects.with_perm(
            "commitments.add_review",
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",  # where groups grant it
        )
        .filter(is_staff=True)
    )
    for reviewer in reviewers:
        # reviewable_by(reviewer), in memory: not their own.
        theirs = [update for update in pending if update.author_id != reviewer.pk]
        their_values = [value for value in pending_values if value.author_id != reviewer.pk]
        if theirs or their_values:
            reminder = reminder_of(reviewer)
            reminder.pending, reminder.pending_values = theirs, their_values

    # A person is reminded once a day at most (ReminderSent, unique per person and day): what
    # still waits is listed again the next day, and nothing is sent twice on one day, however
    # many records are added or decided in between (those are in the next day's email).
    reminded = set(
        ReminderSent.objects.filter(sent_on=today, user__in=list(people)).values_list(
            "user_id", flat=True
        )
    )
    reminders = sorted(people.values(), key=lambda reminder: reminder.user.get_username())
    for reminder in reminders:
        reminder.sent_today = reminder.user.pk in reminded
        # Never assessed first, then the most overdue, then the soonest due.
        reminder.due.sort(
            key=lambda row: (
                row.days_overdue is not None,
                -(row.days_overdue or 0),
                row.commitment.code,
            )
        )
    return reminders

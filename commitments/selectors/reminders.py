"""Who is reminded of what today: owners of stale or soon-due commitments, reviewers of
pending updates. Sending the reminders is services.reminders'.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.utils import timezone

from commitments.models import Commitment, ReminderSent, StatusUpdate

# Owners are reminded of a commitment from this many days before it falls due.
REMINDER_HORIZON_DAYS = 14


class DueCommitment(NamedTuple):
    commitment: Commitment
    days_overdue: int | None  # None: never assessed; 0 or fewer: due in that many days

    @property
    def why(self):
        if self.days_overdue is None:
            return "never assessed"
        if self.days_overdue > 0:
            return f"{self.days_overdue} day{'' if self.days_overdue == 1 else 's'} overdue"
        if self.days_overdue == 0:
            return "due today"
        days = -self.days_overdue
        return f"due in {days} day{'' if days == 1 else 's'}"


@dataclass
class Reminder:
    """What one person is reminded of: the commitments they own that are stale or due within
    REMINDER_HORIZON_DAYS, and, for a reviewer, the pending updates they may decide."""

    user: object
    due: list = field(default_factory=list)  # of DueCommitment, most pressing first
    pending: list = field(default_factory=list)  # of StatusUpdate, longest waiting first
    sent_today: bool = False


def reminders_due(today=None) -> list[Reminder]:
    """Everyone who has something to be reminded of today, one Reminder per person, in
    username order. Users without an email address are included (the caller says so and skips
    them), and so are those already reminded today (`sent_today`).

    Owners are active staff owning a commitment that is stale or falls due within
    REMINDER_HORIZON_DAYS. Reviewers are active staff who hold commitments.add_review through a
    group or in their own right (Reviewers and Editors); superusers are not, unless they hold
    it that way too: a superuser may approve, but is not a reviewer on duty. Each reviewer is
    given the pending queue as StatusUpdate.objects.reviewable_by() defines it (everyone's
    updates but their own), read once for all of them.

    At most four queries, whatever the numbers of people and commitments."""
    today = today or timezone.localdate()
    people = {}

    def reminder_of(user):
        return people.setdefault(user.pk, Reminder(user=user))

    due = (
        Commitment.objects.due_within(REMINDER_HORIZON_DAYS, today)
        .filter(owner__is_active=True, owner__is_staff=True)
        .select_related("owner")
        .only("code", "title", "current_as_of", "update_cadence_days", "owner")
    )
    for commitment in due:
        reminder_of(commitment.owner).due.append(
            DueCommitment(commitment, commitment.days_overdue(today))
        )

    reviewers = list(
        get_user_model()
        .objects.with_perm(
            "commitments.add_review",
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",  # where groups grant it
        )
        .filter(is_staff=True)
    )
    if reviewers:
        pending = list(
            StatusUpdate.objects.pending()
            .select_related("commitment", "author")
            .only(
                "status", "as_of", "created_at", "commitment__code", "author__username",
                "author__first_name", "author__last_name",
            )
            .order_by("created_at", "id")
        )  # fmt: skip
        for reviewer in reviewers:
            # StatusUpdate.objects.reviewable_by(reviewer), in memory: not their own.
            theirs = [update for update in pending if update.author_id != reviewer.pk]
            if theirs:
                reminder_of(reviewer).pending = theirs

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

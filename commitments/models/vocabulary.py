"""The status vocabulary (Status, its colours and ranks, Change), spoken by commitments and their
status updates alike. No model here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where a commitment stands. `not_assessed` is never recorded by anyone: it is what a
    commitment shows until its first status update."""

    NOT_ASSESSED = "not_assessed", _("Not assessed")
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")

    @classmethod
    def assessments(cls):
        """The statuses an analyst can record."""
        return [(value, label) for value, label in cls.choices if value != cls.NOT_ASSESSED]


# How each status is shown, in the order statuses are listed and stacked (done first, then the
# healthy, then the troubled): the one source of the vocabulary's colours and order, served by
# GET /api/v1/statuses/ to the dashboard and used by the admin. Every colour is shown beside its
# label or a count as text, and white text on each passes WCAG AA contrast. Not started,
# discontinued and not assessed were three greys side by side in a bar: now violet, near-black
# and grey, told apart by hue or by lightness.
STATUS_COLOURS = {
    Status.COMPLETED: "#1e40af",
    Status.ON_TRACK: "#166534",
    Status.NOT_STARTED: "#6d28d9",
    Status.AT_RISK: "#92400e",
    Status.OFF_TRACK: "#991b1b",
    Status.DISCONTINUED: "#1f2937",
    Status.NOT_ASSESSED: "#6b7280",
}


# How statuses compare, the higher the better: the one order that "improved" and "worsened"
# mean (GET /api/v1/changes/), served with the vocabulary. Not started, discontinued and not
# assessed stand outside it: a change to or from one of them is a change of status, neither
# better nor worse (Change.CHANGED), and a first assessment is Change.NEWLY_ASSESSED.
STATUS_RANK = {
    Status.OFF_TRACK: 1,
    Status.AT_RISK: 2,
    Status.ON_TRACK: 3,
    Status.COMPLETED: 4,
}


def status_vocabulary():
    """Every status with its label, colour and rank (None: outside the order), in display
    order."""
    assessable = {value for value, _label in Status.assessments()}
    return [
        {
            "value": status.value,
            "label": status.label,
            "colour": colour,
            "assessable": status.value in assessable,
            "rank": STATUS_RANK.get(status),
        }
        for status, colour in STATUS_COLOURS.items()
    ]


class Change(models.TextChoices):
    """How a commitment moved between two dates (selectors.changes_between)."""

    IMPROVED = "improved", _("Improved")
    WORSENED = "worsened", _("Worsened")
    # To or from a status outside STATUS_RANK's order (not started, discontinued).
    CHANGED = "changed", _("Status changed")
    # The same status, its progress moved.
    PROGRESS_MOVED = "progress_moved", _("Progress moved")
    NEWLY_ASSESSED = "newly_assessed", _("Newly assessed")
    BECAME_STALE = "became_stale", _("Became stale")


def change_between(before, after, *, stale_before, stale_after):
    """How a commitment moved from `before` to `after`, each a (status, progress) pair (before
    None: the commitment did not exist yet), or None when it did not: a first assessment, then
    a change of status (by STATUS_RANK), then of progress, then falling stale, in that order
    of precedence."""
    status_after, progress_after = after
    status_before, progress_before = before or (Status.NOT_ASSESSED, None)
    if status_before == Status.NOT_ASSESSED:
        return Change.NEWLY_ASSESSED if status_after != Status.NOT_ASSESSED else None
    if status_before != status_after:
        rank_before, rank_after = STATUS_RANK.get(status_before), STATUS_RANK.get(status_after)
        if rank_before is None or rank_after is None:
            return Change.CHANGED
        return Change.IMPROVED if rank_after > rank_before else Change.WORSENED
    if progress_before != progress_after:
        return Change.PROGRESS_MOVED
    if stale_after and not stale_before:
        return Change.BECAME_STALE
    return None


class Releasability(models.TextChoices):
    """Who may read a record (a status update, an indicator value, a contribution, a piece of
    evidence), from the widest audience to the narrowest. A reader's clearance is one of the
    same levels (commitments.clearance.clearance_of): they read every record released to
    their level or a wider one. Listed from the widest: the order is the ranking."""

    PUBLIC = "public", _("Public")
    COALITION = "coalition", _("Coalition")
    SECRETARIAT = "secretariat", _("Secretariat")

    @property
    def rank(self):
        """0 for public, 1 for coalition, 2 for secretariat: narrower is higher."""
        return list(type(self)).index(self)

    def readable(self):
        """The releasabilities a reader of this clearance may read: this level and every wider
        one (public < coalition < secretariat)."""
        return [level.value for level in type(self) if level.rank <= self.rank]

    @classmethod
    def highest(cls, levels):
        """The narrowest of `levels` (public when there are none): a document's marking."""
        return max(
            (cls(level) for level in levels), key=lambda level: level.rank, default=cls.PUBLIC
        )


# What each marking says to a reader: the admin's banner, the API's help and the README's table.
RELEASABILITY_MEANING = {
    Releasability.PUBLIC: _("May be read by anyone, signed in or not."),
    Releasability.COALITION: _(
        "For the staff of Coalition members (the Coalition clearance group) and the secretariat."
    ),
    Releasability.SECRETARIAT: _(
        "For the secretariat that runs the tracker (the Secretariat clearance group) alone."
    ),
}


# How each marking is shown (a badge, a banner), always with its name as text: grey for what is
# public, amber and red for the narrower ones, as marked documents do. White text on each passes
# WCAG AA contrast (7:1 and more).
RELEASABILITY_COLOURS = {
    Releasability.PUBLIC: "#4b5563",
    Releasability.COALITION: "#92400e",
    Releasability.SECRETARIAT: "#991b1b",
}

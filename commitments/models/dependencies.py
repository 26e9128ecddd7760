"""Dependencies between commitments (stabilization needs security: STB-1 depends on MIL-1), and
the alerts sent when a commitment that others depend on slips (SlipAlert). Not
commitments/dependencies.py, which is about the services the application itself depends on.

The dependencies form a directed graph without cycles (services.dependencies.add_dependency
refuses one, naming the path). The graph is small (a Roadmap has a few hundred commitments and
fewer edges), so walks over it read every edge once, in one query, and walk them in Python.
"""

from collections import deque

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.models.assessments import StatusUpdate
from commitments.models.commitments import Commitment

# How far a slip travels: the owners of commitments that depend on the slipped one directly
# (1), through one other (2) or through two others (3) are alerted; further ones are not.
SLIP_ALERT_DEPTH = 3


class DependencyQuerySet(models.QuerySet):
    def of(self, commitment):
        """The edges that touch `commitment` (a commitment or an id), either way."""
        return self.filter(Q(commitment=commitment) | Q(depends_on=commitment))

    def graph(self):
        """{commitment id: [ids it depends on]}, every edge, in one query."""
        edges = {}
        for commitment_id, depends_on_id in self.values_list("commitment_id", "depends_on_id"):
            edges.setdefault(commitment_id, []).append(depends_on_id)
        return edges


def path_between(edges, start, goal):
    """The ids of a path start → … → goal along `edges` ({id: [ids it depends on]}), or None
    when goal is not reached from start: the shortest, so that a refusal names the plainest
    reason."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = came_from[node]
            return path[::-1]
        for after in edges.get(node, ()):
            if after not in came_from:
                came_from[after] = node
                queue.append(after)
    return None


def dependents_within(edges, start, depth=SLIP_ALERT_DEPTH):
    """{id: (depth, via)} of every commitment that depends on `start`, directly (depth 1) or
    through others, up to `depth`: each at its shortest distance, `via` the ids between it and
    `start` (nearest to `start` first)."""
    dependents_of = {}
    for commitment_id, depends_on in edges.items():
        for depends_on_id in depends_on:
            dependents_of.setdefault(depends_on_id, []).append(commitment_id)
    found = {}
    frontier = [(start, ())]
    for level in range(1, depth + 1):
        following = []
        for node, via in frontier:
            for dependent in sorted(dependents_of.get(node, ())):
                if dependent != start and dependent not in found:
                    found[dependent] = (level, via)
                    following.append((dependent, (*via, dependent)))
        frontier = following
    return found


class Dependency(models.Model):
    """That a commitment depends on another: it cannot succeed unless that one does (returns
    need stabilization, stabilization needs security). Editors add and remove them; a removal
    is kept in the history (simple_history), as every edit of a commitment is."""

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="dependency_links",
        help_text=_("The commitment that depends on the other."),
    )
    depends_on = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="dependent_links",
        help_text=_(
            "The commitment it depends on: when this one slips, its dependents' owners are alerted."
        ),
    )
    note = models.TextField(blank=True, help_text=_("Why it depends on it, in a sentence."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who recorded it."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    objects = DependencyQuerySet.as_manager()

    class Meta:
        ordering = ["commitment__code", "depends_on__code"]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "depends_on"],
                name="dependency_unique_pair",
                violation_error_message=_("This dependency is recorded already."),
            ),
            models.CheckConstraint(
                condition=~Q(commitment=F("depends_on")),
                name="dependency_not_on_itself",
                violation_error_message=_("A commitment cannot depend on itself."),
            ),
        ]
        indexes = [
            # The dependents of a commitment (the detail's `dependents`, who a slip alerts):
            # the unique pair's index serves the other direction.
            models.Index(fields=["depends_on"], name="dependency_depends_on_idx"),
        ]

    def __str__(self):
        return f"{self.commitment.code} depends on {self.depends_on.code}"

    def clean(self):
        if self.commitment_id is not None and self.commitment_id == self.depends_on_id:
            raise ValidationError({"depends_on": _("A commitment cannot depend on itself.")})


class SlipAlert(models.Model):
    """That the owner of commitments depending on a slipped one was emailed about the update
    that made it slip: one per update and person, whoever sends it (two workers running the
    same task race on the unique pair, and one of them sends nothing). Written just before the
    email goes out and taken back if the mail server refuses it, as a reminder is."""

    update = models.ForeignKey(
        StatusUpdate,
        on_delete=models.PROTECT,
        related_name="slip_alerts",
        help_text=_("The approved update that moved its commitment to at risk or off track."),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slip_alerts"
    )
    commitments = models.PositiveIntegerField(
        default=0, help_text=_("How many of their commitments depending on it the email listed.")
    )
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("slip alert")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "recipient"],
                name="slipalert_once_per_update_and_person",
                violation_error_message=_("This person was alerted of this slip already."),
            ),
        ]

    def __str__(self):
        return f"Slip alert of update #{self.update_id} to user #{self.recipient_id}"

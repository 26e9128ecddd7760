"""Events: one append-only stream of what changed for the API's readers and the secretariat's
other systems (GET /api/v1/events/, and the webhooks that deliver each event).

An event is written in the same transaction as the change it describes (services.events.record),
so a change is never visible without its event, nor an event without its change. It carries the
affected object's representation at that moment, as the API gave it then: a reader who missed the
change can rebuild it from the event alone. Events are never changed or deleted (database
triggers, migration 0032)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.records import releasability_constraint, releasability_field
from commitments.models.vocabulary import Releasability


class EventType(models.TextChoices):
    """What happened. The public ones change what anonymous readers see; the others are for
    staff with the view permission (review work in progress)."""

    UPDATE_SUBMITTED = "update.submitted", _("Status update submitted")
    UPDATE_APPROVED = "update.approved", _("Status update approved")
    UPDATE_RETURNED = "update.returned", _("Status update returned")
    UPDATE_WITHDRAWN = "update.withdrawn", _("Status update withdrawn")
    COMMITMENT_CREATED = "commitment.created", _("Commitment created")
    COMMITMENT_CHANGED = "commitment.changed", _("Commitment changed")
    CONTRIBUTION_RECORDED = "contribution.recorded", _("Contribution recorded")
    CONTRIBUTION_CORRECTED = "contribution.corrected", _("Contribution corrected")
    INDICATOR_CREATED = "indicator.created", _("Indicator created")
    INDICATOR_CHANGED = "indicator.changed", _("Indicator changed")
    VALUE_SUBMITTED = "indicator_value.submitted", _("Indicator value submitted")
    VALUE_APPROVED = "indicator_value.approved", _("Indicator value approved")
    VALUE_RETURNED = "indicator_value.returned", _("Indicator value returned")
    VALUE_WITHDRAWN = "indicator_value.withdrawn", _("Indicator value withdrawn")
    # An approved update moved a commitment that others depend on to at risk or off track
    # (services.dependencies): its dependents' owners are emailed, and webhooks told.
    DEPENDENCY_SLIPPED = "dependency.slipped", _("Dependency slipped")


# What anonymous readers see: the rest is review work in progress.
PUBLIC_EVENT_TYPES = frozenset(
    {
        EventType.UPDATE_APPROVED,
        EventType.COMMITMENT_CREATED,
        EventType.COMMITMENT_CHANGED,
        EventType.CONTRIBUTION_RECORDED,
        EventType.CONTRIBUTION_CORRECTED,
        EventType.INDICATOR_CREATED,
        EventType.INDICATOR_CHANGED,
        EventType.VALUE_APPROVED,
        # Public when the update that slipped is (services.dependencies records the slip of
        # a coalition or secretariat update as staff-only).
        EventType.DEPENDENCY_SLIPPED,
    }
)


def may_see_private_events(user):
    """Staff who may view events see review work in progress too (every role may)."""
    return user.is_authenticated and user.has_perm("commitments.view_event")


class EventQuerySet(models.QuerySet):
    def public(self):
        return self.filter(public=True)

    def visible_to(self, user):
        """Public events for everyone; all of them for staff who may view events. Chain
        readable_by(the user's clearance) too: which records an event may tell of is a
        second rule, of its subject's releasability."""
        return self if may_see_private_events(user) else self.public()

    def readable_by(self, clearance):
        """The events a reader of `clearance` (a Releasability) may read: those about a record
        released to their clearance or a wider one, and those about no record (public)."""
        return self.filter(releasability__in=Releasability(clearance).readable())


class Event(models.Model):
    """One change, as its readers are told of it. Its id is its place in the stream (a cursor
    walks it in id order); `type` says what happened, `subject_url` to what (the API's URL of
    the object), and `data` what the object was just after."""

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    public = models.BooleanField(
        help_text=_(
            "Whether anonymous readers see it (an approval, an edit); review work in "
            "progress is for staff."
        )
    )
    subject_url = models.CharField(
        max_length=200,
        help_text=_("The API's path of the object it is about, e.g. /api/v1/updates/12/."),
    )
    # For the filters: the commitment it concerns (and through it the pillar), if any.
    commitment = models.ForeignKey(
        "commitments.Commitment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    data = models.JSONField(help_text=_("The object's representation just after the change."))
    releasability = releasability_field(
        _(
            "Who may read it: its record's releasability (public for an event about a commitment "
            "or an indicator, which are not marked). Webhook endpoints are delivered only the "
            "events their clearance may read."
        )
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [releasability_constraint("event")]
        indexes = [
            models.Index(fields=["commitment", "id"], name="event_commitment_idx"),
            models.Index(fields=["type", "id"], name="event_type_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.type} {self.subject_url}"

"""Webhooks: endpoints that Editors register, and the log of each attempt to deliver an event
to one of them (services.webhooks writes both; commitments/webhooks.py sends the requests).

An endpoint receives the public events of the types it chose: webhooks leave the site for
whoever registered a URL, so review work in progress (staff-only events) is never pushed; staff
read it from GET /api/v1/events/. Of those, it receives the events its clearance may read (the
events' releasability, their records'), a clearance its Editor chooses no narrower than their
own."""

import base64
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from commitments.models.events import PUBLIC_EVENT_TYPES, Event, EventType
from commitments.models.records import releasability_field
from commitments.models.vocabulary import Releasability
from commitments.webhooks import check_endpoint_url

# What an endpoint may subscribe to, in the order EventType declares them.
SUBSCRIBABLE_EVENT_TYPES = [
    (value, label) for value, label in EventType.choices if value in PUBLIC_EVENT_TYPES
]


def new_secret():
    """A signing secret as the Standard Webhooks specification writes it: whsec_ and 24 random
    bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class WebhookEndpointQuerySet(models.QuerySet):
    def receiving(self, event):
        """The active endpoints that want `event`: of its type, and cleared to read it.
        Endpoints are few (a handful per deployment): filtered in Python, as SQLite cannot
        look inside a JSON list."""
        return [endpoint for endpoint in self.filter(active=True) if endpoint.receives(event)]


class WebhookEndpoint(models.Model):
    url = models.URLField(
        _("URL"),
        max_length=500,
        help_text=_("Where each event is POSTed: https only, on a public address."),
    )
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The event types it receives; none ticked: every public event."),
    )
    clearance = releasability_field(
        _(
            "What it may be told of: only the events about records of this releasability or a "
            "wider one are delivered to it. No narrower than the clearance of the Editor who "
            "registers it: whoever reads the URL's requests reads what they could."
        )
    )
    active = models.BooleanField(
        default=True, help_text=_("Untick to stop deliveries; ticking it again re-enables it.")
    )
    secret = models.CharField(
        max_length=60,
        default=new_secret,
        editable=False,
        help_text=_("The receiver checks each request's webhook-signature with it."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
        help_text=_("Who is emailed when the endpoint is disabled after repeated failures."),
    )
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text=_("Deliveries in a row that failed every attempt.")
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["url", "id"]
        verbose_name = _("webhook endpoint")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clearance__in=Releasability.values),
                name="webhookendpoint_clearance_valid",
                violation_error_message=_("Choose public, coalition or secretariat."),
            )
        ]

    def __str__(self):
        return self.url

    def receives(self, event):
        """Whether `event` is one it subscribed to and its clearance may read."""
        return self.may_read(event) and (not self.event_types or event.type in self.event_types)

    def may_read(self, event):
        return event.releasability in Releasability(self.clearance).readable()

    def clean(self):
        check_endpoint_url(self.url)
        unknown = set(self.event_types) - set(PUBLIC_EVENT_TYPES)
        if unknown:
            raise ValidationError(
                {
                    "event_types": _("Not a public event type: %(types)s.")
                    % {"types": ", ".join(sorted(unknown))}
                }
            )


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Delivering")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class WebhookDeliveryQuerySet(models.QuerySet):
    def of_message(self, message_id):
        return self.filter(message_id=message_id)


class WebhookDelivery(models.Model):
    """One attempt to deliver one event (or a test event) to one endpoint. The first attempt is
    written in the event's own transaction, so an event is never without its deliveries; a
    failed attempt writes the next one, due after the backoff, until the last."""

    Status = DeliveryStatus

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # None: a test event sent from the admin (not a change, so not in the stream of events).
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    message_id = models.CharField(
        _("webhook-id"),
        max_length=60,
        help_text=_(
            "The same for every attempt of one event to one endpoint: receivers "
            "ignore a message they have already handled."
        ),
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    due_at = models.DateTimeField(help_text=_("When the attempt is to be made."))
    # When a task for it was last queued: the sweep queues another after a while without one.
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text=_("When a worker began it."))
    finished_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_retry_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the next attempt is due, after this one failed.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who asked for it (a redelivery or a test event); empty: the event itself."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attempt__gte=1), name="webhookdelivery_attempt_1"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values),
                name="webhookdelivery_status_valid",
            ),
        ]
        indexes = [
            # The sweep: deliveries pending or claimed, by when they were due.
            models.Index(fields=["status", "due_at"], name="webhookdelivery_status_idx"),
            # An endpoint's delivery log, newest first.
            models.Index(fields=["endpoint", "-id"], name="webhookdelivery_endpoint_idx"),
            # A message's attempts (redelivery refuses while one is under way).
            models.Index(fields=["message_id"], name="webhookdelivery_message_idx"),
        ]

    def __str__(self):
        return f"{self.message_id} attempt {self.attempt} ({self.get_status_display()})"

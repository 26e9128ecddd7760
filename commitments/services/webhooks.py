"""Delivering events to webhook endpoints (models.webhooks): the deliveries an event starts,
each attempt and what follows it (the next attempt after the backoff, or the endpoint disabled
after repeated failure), redelivery and test events, and the sweep.

No event is lost: an event's first delivery rows are written in the event's own transaction
(record_event calls deliveries_for), and its task is queued only once that commits. Whatever
then goes wrong (the queue unreachable when queuing, a worker killed during an attempt, a task
lost with its queue), the row stays pending, or claimed, in the database, and the sweep that
every task worker runs (sweep_deliveries) queues a task for it again. A task only acts on a row
it claims (pending and due, atomically), so a duplicate task does nothing. Delivery is at least
once: a worker killed after the receiver got the request but before the answer was recorded
sends it again, with the same webhook-id, which receivers use to ignore a repeat."""

import datetime
import json
import logging
import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import metrics
from commitments.clearance import clearance_of, may_mark
from commitments.emails import webhook_disabled_message
from commitments.languages import preferred_language
from commitments.models import WebhookDelivery, WebhookEndpoint
from commitments.webhooks import DeliveryError, post, signed_headers

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status
TEST_EVENT_TYPE = "webhook.test"


def deliveries_for(events):
    """Writes the first delivery of each of `events` to each endpoint that receives it (of
    the event's type, cleared to read its releasability), and queues them once the transaction
    commits; one query for the endpoints of each event type and releasability. Called by
    services.events as each event is written, in the event's transaction."""
    now = timezone.now()
    receivers = {}
    deliveries = []
    for event in events:
        if not event.public:
            continue
        kind = (event.type, event.releasability)
        if kind not in receivers:
            receivers[kind] = list(WebhookEndpoint.objects.receiving(event))
        deliveries += [
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                message_id=f"msg_{event.pk}_{endpoint.pk}",
                due_at=now,
                queued_at=now,
            )
            for endpoint in receivers[kind]
        ]
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    _queue_on_commit(deliveries)
    return deliveries


def _queue_on_commit(deliveries):
    ids_and_times = [(delivery.pk, delivery.due_at) for delivery in deliveries]
    if ids_and_times:
        transaction.on_commit(lambda: _queue(ids_and_times))


def _queue(ids_and_times):
    # Imported here: the task module calls this one.
    from commitments.tasks import deliver_webhook

    now = timezone.now()
    for delivery_id, due_at in ids_and_times:
        try:
            deliver_webhook.using(run_after=due_at if due_at > now else None).enqueue(delivery_id)
        except Exception:
            # The row is pending in the database: the sweep queues it again.
            logger.exception("Could not queue webhook delivery %s", delivery_id)


def payload(delivery):
    """The body of a delivery, as the Standard Webhooks specification shapes it."""
    event = delivery.event
    if event is None:
        return {
            "type": TEST_EVENT_TYPE,
            "timestamp": delivery.created_at.isoformat(),
            "data": {"endpoint": delivery.endpoint.url},
        }
    return {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat(),
        "data": {
            "id": event.pk,
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "subject_url": event.subject_url,
            "data": event.data,
        },
    }


def attempt_delivery(delivery_id):
    """Makes the attempt `delivery_id`, if it is still pending and due (a task may run twice),
    and records what came of it."""
    claimed_at = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, due_at__lte=claimed_at
    ).update(status=Status.DELIVERING, claimed_at=claimed_at)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if (refusal := _not_deliverable(delivery)) is not None:
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=Status.CANCELLED, finished_at=timezone.now(), error=refusal
        )
        metrics.WEBHOOK_DELIVERIES.labels(Status.CANCELLED.value).inc()
        return Status.CANCELLED
    body = json.dumps(payload(delivery), separators=(",", ":"))
    headers = signed_headers(
        secret=endpoint.secret, message_id=delivery.message_id, timestamp=claimed_at, body=body
    )
    started = time.monotonic()
    response_status, error = None, ""
    try:
        response_status = post(
            endpoint.url, headers=headers, body=body, timeout=settings.WEBHOOK_TIMEOUT
        )
        if not 200 <= response_status < 300:
            error = f"The endpoint answered {response_status}."
    except DeliveryError as failure:
        error = str(failure)
    duration_ms = round((time.monotonic() - started) * 1000)
    outcome = _record_attempt(
        delivery, claimed_at=claimed_at, response_status=response_status, error=error,
        duration_ms=duration_ms,
    )  # fmt: skip
    if outcome is not None:  # None: the sweep took the claim back, another attempt counts
        metrics.WEBHOOK_DELIVERIES.labels(outcome.value).inc()
    return outcome


def _not_deliverable(delivery):
    """Why `delivery` is not to be made now, if it is not: its endpoint disabled, or no longer
    cleared to read its event (an Editor narrowed its clearance after the event)."""
    endpoint = delivery.endpoint
    if not endpoint.active:
        return "The endpoint is disabled."
    if delivery.event is not None and not endpoint.may_read(delivery.event):
        return f"The endpoint's clearance ({endpoint.clearance}) may not read this event."
    return None


@transaction.atomic
def _record_attempt(delivery, *, claimed_at, response_status, error, duration_ms):
    now = timezone.now()
    succeeded = not error
    next_retry_at = None
    if not succeeded and delivery.attempt <= len(settings.WEBHOOK_RETRY_DELAYS):
        delay = settings.WEBHOOK_RETRY_DELAYS[delivery.attempt - 1]
        next_retry_at = now + datetime.timedelta(seconds=delay)
    # Only the claim this worker holds: the sweep may have taken back a claim that outlived
    # WEBHOOK_CLAIM_SECONDS, and another worker made the attempt again.
    recorded = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=Status.DELIVERING, claimed_at=claimed_at
    ).update(
        status=Status.SUCCEEDED if succeeded else Status.FAILED,
        finished_at=now,
        response_status=response_status,
        duration_ms=duration_ms,
        error=error[:500],
        next_retry_at=next_retry_at,
    )
    if not recorded:
        return None
    endpoint = delivery.endpoint
    if succeeded:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return Status.SUCCEEDED
    if next_retry_at is not None:
        _queue_on_commit(
            [
                WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    event=delivery.event,
                    message_id=delivery.message_id,
                    attempt=delivery.attempt + 1,
                    due_at=next_retry_at,
                    queued_at=now,
                    requested_by=delivery.requested_by,
                )
            ]
        )
        return Status.FAILED
    # Every attempt failed: one more failed delivery in a row for the endpoint.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint.refresh_from_db(fields=["consecutive_failures", "active"])
    if endpoint.active and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER:
        _disable(endpoint, now=now)
    return Status.FAILED


def _disable(endpoint, *, now):
    reason = f"{endpoint.consecutive_failures} deliveries in a row failed every attempt."
    # Only while it is active: two deliveries failing at once disable it (and email) once.
    disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason
    )
    if not disabled:
        return
    endpoint.refresh_from_db()
    # Pending attempts of a disabled endpoint are not made.
    endpoint.deliveries.filter(status=Status.PENDING).update(
        status=Status.CANCELLED, finished_at=now, error="The endpoint was disabled."
    )
    language = preferred_language(endpoint.owner)
    transaction.on_commit(lambda: webhook_disabled_message(endpoint, language=language).send())


@transaction.atomic
def save_webhook_endpoint(endpoint, *, by):
    """Validates and saves an endpoint registered or changed by `by`, whose clearance it may
    not exceed (whoever reads the URL's requests would read what `by` may not); (re-)enabling
    one clears its record of failures.

    Raises django.core.exceptions.ValidationError, with nothing written, when it is invalid."""
    endpoint.full_clean()
    if not may_mark(by, endpoint.clearance):
        raise ValidationError({"clearance": clearance_refusal(by)})
    if endpoint.active:
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    endpoint.save()
    return endpoint


def clearance_refusal(user):
    """Why `user` may not give an endpoint a clearance, as the admin's form says it."""
    own = clearance_of(user)
    return _(
        "Choose a clearance no narrower than your own (%(clearance)s): an endpoint may not be "
        "told what you may not read."
    ) % {"clearance": own.label}


class RedeliveryRefused(Exception):
    pass


@transaction.atomic
def redeliver(delivery, *, by):
    """Delivers the message of `delivery` again, now, with a new series of attempts."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if not endpoint.active:
        raise RedeliveryRefused(
            _("%(endpoint)s is disabled: enable it first.") % {"endpoint": endpoint}
        )
    if delivery.event is not None and not endpoint.may_read(delivery.event):
        raise RedeliveryRefused(
            _(
                "%(endpoint)s may not read %(message)s: its clearance is %(clearance)s, the "
                "event's %(marking)s."
            )
            % {
                "endpoint": endpoint,
                "message": delivery.message_id,
                "clearance": endpoint.clearance,
                "marking": delivery.event.releasability,
            }
        )
    under_way = Q(status__in=[Status.PENDING, Status.DELIVERING])
    if WebhookDelivery.objects.of_message(delivery.message_id).filter(under_way).exists():
        raise RedeliveryRefused(
            _("%(message)s is already being delivered.") % {"message": delivery.message_id}
        )
    now = timezone.now()
    again = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=delivery.event,
        message_id=delivery.message_id,
        due_at=now,
        queued_at=now,
        requested_by=by,
    )
    _queue_on_commit([again])
    return again


@transaction.atomic
def send_test_event(endpoint, *, by):
    """Sends `endpoint` a test event (type webhook.test), which is in no stream of events."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        message_id=f"msg_test_{uuid.uuid4().hex}",
        due_at=now,
        queued_at=now,
        requested_by=by,
    )
    _queue_on_commit([delivery])
    return delivery


def sweep_deliveries():
    """Queues a task again for every delivery whose task seems lost: claimed by a worker longer
    ago than any attempt lasts (the worker died), or pending, due and neither run nor queued
    for that long (the queue lost it, or queuing failed). Returns how many."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS)
    with transaction.atomic():
        WebhookDelivery.objects.filter(status=Status.DELIVERING, claimed_at__lt=stale).update(
            status=Status.PENDING, claimed_at=None, queued_at=None
        )
        lost = WebhookDelivery.objects.filter(
            Q(queued_at__isnull=True) | Q(queued_at__lt=stale),
            status=Status.PENDING,
            due_at__lt=stale,
        )
        deliveries = list(lost.only("pk", "due_at"))
        lost.filter(pk__in=[delivery.pk for delivery in deliveries]).update(queued_at=now)
        _queue_on_commit(deliveries)
    return len(deliveries)

"""Writing events (models.events): one function, called by each service that changes what
readers see, inside that service's transaction."""

from django.db import transaction

from commitments.models import PUBLIC_EVENT_TYPES, Event
from commitments.services.webhooks import deliveries_for


def record_event(event_type, *, subject_url, data, commitment=None) -> Event:
    """Records that `event_type` happened to the object at `subject_url` (its API path), which is
    now `data` (its API representation). Must run inside the transaction of the change itself:
    if that rolls back, so does its event."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An event is recorded in the transaction of the change it describes.")
    event = Event.objects.create(
        type=event_type,
        public=event_type in PUBLIC_EVENT_TYPES,
        subject_url=subject_url,
        data=data,
        commitment=commitment,
    )
    # Its webhook deliveries, in the same transaction: an event is never without them.
    deliveries_for(event)
    return event

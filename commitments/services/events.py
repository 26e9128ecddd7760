"""Writing events (models.events): the function that records one, called by each service that
changes what readers see, inside that service's transaction; the same for a thing the service
has just written, represented as the API gives it (record_change); and for many at once
(record_changes, the status imports').

An event's data is the API's representation of its subject. Representing is the API layer's
job, above this one: rather than import it here (an import that runs back up), the API
registers one function per model (`represents`) when the app starts (CommitmentsConfig.ready
imports commitments.api.event_data), and a write looks it up by its subject's model. The
services stay importable, and testable, without the API; a model nobody registered is an error
at the first write, not a silently empty event."""

from django.conf import settings
from django.db import transaction
from django.utils import translation

from commitments.models import (
    PUBLIC_EVENT_TYPES,
    Commitment,
    Event,
    EventType,
    IndicatorValue,
    Releasability,
    ReviewDecision,
    StatusUpdate,
)
from commitments.services.webhooks import deliveries_for

APPROVE, RETURN, WITHDRAW = ReviewDecision.Decision
SUBMIT = "submit"

# What each step of a reviewed record's life is called in the stream, by record type. A key
# message of the briefing pack has none: the API does not serve it.
REVIEW_EVENTS = {
    StatusUpdate: {
        SUBMIT: EventType.UPDATE_SUBMITTED,
        APPROVE: EventType.UPDATE_APPROVED,
        RETURN: EventType.UPDATE_RETURNED,
        WITHDRAW: EventType.UPDATE_WITHDRAWN,
    },
    IndicatorValue: {
        SUBMIT: EventType.VALUE_SUBMITTED,
        APPROVE: EventType.VALUE_APPROVED,
        RETURN: EventType.VALUE_RETURNED,
        WITHDRAW: EventType.VALUE_WITHDRAWN,
    },
}

# model -> function(pks) -> {pk: the API's representation}, filled in by the API layer.
_representations = {}


def represents(model):
    """Registers the decorated function as the API's representation of `model`'s rows:
    `function(pks)` returns {pk: data} for the rows with these primary keys, as they are now."""

    def register(function):
        _representations[model] = function
        return function

    return register


def representations(model, pks) -> dict:
    """{pk: data}: the API's representation of these rows of `model`, as they are now, in the
    default language (English), whichever the writer reads: an event is read by anyone."""
    try:
        represent = _representations[model]
    except KeyError:
        raise LookupError(f"No representation of {model.__name__} is registered.") from None
    with translation.override(settings.LANGUAGE_CODE):
        return represent(pks)


def _in_the_change():
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An event is recorded in the transaction of the change it describes.")


def _event(event_type, *, subject_url, data, commitment_id, releasability, public=None):
    """Every event is built here: whoever writes one says the releasability of its subject
    (releasability_of), so that a reader and a webhook endpoint are told only of what their
    clearance may read."""
    return Event(
        type=event_type,
        public=event_type in PUBLIC_EVENT_TYPES if public is None else public,
        subject_url=subject_url,
        data=data,
        commitment_id=commitment_id,
        releasability=Releasability(releasability),
    )


def releasability_of(subject):
    """Who may read an event about `subject`: a marked record's readers (its
    releasability); anyone, for what is not marked (a commitment, an indicator, a briefing
    message, which the pack marks)."""
    return getattr(subject, "releasability", None) or Releasability.PUBLIC


def _releasabilities(model, pks):
    """{pk: releasability} of these rows of `model` (releasability_of's rule, in one query
    for a marked model, none for another)."""
    if not any(field.name == "releasability" for field in model._meta.concrete_fields):
        return dict.fromkeys(pks, Releasability.PUBLIC)
    return dict(model.objects.filter(pk__in=pks).values_list("pk", "releasability"))


def record_event(
    event_type,
    *,
    subject_url,
    data,
    commitment=None,
    releasability=Releasability.PUBLIC,
    public=None,
) -> Event:
    """Records that `event_type` happened to the object at `subject_url` (its API path), which is
    now `data` (its API representation), readable by `releasability`'s readers (public unless
    told). Must run inside the transaction of the change itself: if that rolls back, so does
    its event. `public`: False keeps an event of a public type to staff (what it tells is not
    for everyone); by default its type decides."""
    _in_the_change()
    event = _event(
        event_type,
        subject_url=subject_url,
        data=data,
        commitment_id=commitment.pk if commitment is not None else None,
        releasability=releasability,
        public=public,
    )
    event.save(force_insert=True)
    # Its webhook deliveries, in the same transaction: an event is never without them.
    deliveries_for([event])
    return event


def _commitment_id(subject):
    """The commitment an event about `subject` concerns (the stream's commitment and pillar
    filters read it), if any: a context indicator and its values concern none."""
    if isinstance(subject, Commitment):
        return subject.pk
    if isinstance(subject, IndicatorValue):
        return subject.indicator.commitment_id
    return subject.commitment_id


def record_change(event_type, subject) -> Event:
    """record_event for `subject`, just written by the calling service (a commitment, a status
    update, a contribution, an indicator or an indicator value): its data is the API's
    representation of it now, its URL the one that representation gives."""
    _in_the_change()
    data = representations(type(subject), [subject.pk])[subject.pk]
    event = _event(
        event_type,
        subject_url=data["url"],
        data=data,
        commitment_id=_commitment_id(subject),
        releasability=releasability_of(subject),
    )
    event.save(force_insert=True)
    # Its webhook deliveries, in the same transaction: an event is never without them.
    deliveries_for([event])
    return event


def record_review_step(record, step):
    """The event of a step (SUBMIT, or a decision) in a reviewed record's life, when its record
    type has events."""
    if (steps := REVIEW_EVENTS.get(type(record))) is not None:
        record_change(steps[step], record)


def record_changes(event_type, model, commitment_of, *, batch_size=500):
    """One event for each row of `model` in `commitment_of` ({pk: its commitment's id}), in the
    order of its keys, represented in one query (and their releasabilities read in one more)
    and inserted `batch_size` at a time: a bulk write's events, written as fast as it writes
    its rows."""
    _in_the_change()
    data = representations(model, list(commitment_of))
    releasabilities = _releasabilities(model, list(commitment_of))
    events = Event.objects.bulk_create(
        (
            _event(
                event_type,
                subject_url=data[pk]["url"],
                data=data[pk],
                commitment_id=commitment_id,
                releasability=releasabilities[pk],
            )
            for pk, commitment_id in commitment_of.items()
        ),
        batch_size=batch_size,
    )
    # Their webhook deliveries (bulk_create gives each event its id on both databases).
    deliveries_for(events)

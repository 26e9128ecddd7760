"""Dependencies between commitments: adding one (a cycle refused, with its path named) and
removing one; and slips, when an approved update moves a commitment that others depend on to at
risk or off track: the event that tells webhooks, and the alert emailed to the owners of its
dependents (to SLIP_ALERT_DEPTH), once per update and person.

A slip is decided from the approved update itself, for the readers of its releasability: the
status that held for them before it (their newest standing update) against the update's own,
when it is the one that holds for them after. The stored current status is not read: it is
the public one, and a coalition update moves only what members read.

What counts as a slip: a move into at risk or off track from any other status (not assessed
included), and from at risk to off track; not from off track to at risk (an improvement), and
not a move to the status that held already (a correction that says at risk again of an update
that said at risk is the same slip, told once already)."""

import logging
import smtplib

from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.clearance import clearance_of
from commitments.emails import slip_alert_message
from commitments.integrity import unique_violations_refused
from commitments.languages import preferred_language
from commitments.models import (
    STATUS_RANK,
    Commitment,
    Dependency,
    Event,
    EventType,
    Releasability,
    SlipAlert,
    Status,
    StatusUpdate,
    dependents_within,
    path_between,
)
from commitments.services.events import record_event

logger = logging.getLogger(__name__)

TROUBLED = (Status.AT_RISK, Status.OFF_TRACK)
# pg_advisory_xact_lock's key for the dependency graph: "DEPS" in ASCII.
GRAPH_LOCK = 0x44455053


def _lock_graph():
    """Adds to the graph take turns, so that two adds at the same moment cannot close a cycle
    that neither sees alone (A → B beside B → A). PostgreSQL: a transaction-level advisory
    lock. SQLite's transactions are IMMEDIATE (settings): writers take turns already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GRAPH_LOCK])


def _codes(ids):
    return dict(Commitment.objects.filter(pk__in=ids).values_list("pk", "code"))


def cycle_refusal(edges, commitment, depends_on):
    """Why `commitment` cannot depend on `depends_on` in the graph `edges` ({id: [ids it
    depends on]}), naming the path that leads back, or None when it closes no cycle."""
    path = path_between(edges, depends_on.pk, commitment.pk)
    if path is None:
        return None
    codes = _codes(path)
    return _(
        "%(depends_on)s already depends on %(commitment)s (%(path)s): %(commitment)s cannot "
        "depend on %(depends_on)s."
    ) % {
        "depends_on": depends_on.code,
        "commitment": commitment.code,
        "path": " → ".join(codes[pk] for pk in path),
    }


@unique_violations_refused()
@transaction.atomic
def add_dependency(*, commitment, depends_on, note="", author=None) -> Dependency:
    """Records that `commitment` depends on `depends_on`, with a note saying why.

    Raises ValidationError on depends_on, with nothing written, for a commitment depending on
    itself, a dependency recorded already, or one that would close a cycle: "MIL-1 already
    depends on STB-1 (MIL-1 → GOV-2 → STB-1): STB-1 cannot depend on MIL-1."."""
    dependency = Dependency(
        commitment=commitment, depends_on=depends_on, note=(note or "").strip(), author=author
    )
    dependency.full_clean(validate_constraints=False)
    _lock_graph()
    if Dependency.objects.filter(commitment=commitment, depends_on=depends_on).exists():
        raise ValidationError(
            {
                "depends_on": _("%(commitment)s depends on %(depends_on)s already.")
                % {"commitment": commitment.code, "depends_on": depends_on.code}
            }
        )
    if refusal := cycle_refusal(Dependency.objects.graph(), commitment, depends_on):
        raise ValidationError({"depends_on": refusal})
    dependency._history_user = author
    dependency.save(force_insert=True)
    return dependency


@transaction.atomic
def remove_dependency(dependency: Dependency, *, by=None) -> None:
    """Removes a dependency; its history keeps it, with who removed it and when."""
    dependency._history_user = by
    dependency.delete()


# Slips.


def is_slip(before, after):
    """Whether a commitment that read `before` and now reads `after` slipped (the module's
    docstring says what counts)."""
    if after not in TROUBLED or before == after:
        return False
    return before not in TROUBLED or STATUS_RANK[after] < STATUS_RANK[before]


def _held(commitment_id, releasability):
    """The standing update that gives the commitment its status for readers of
    `releasability`, or None."""
    updates = StatusUpdate.objects.readable_by(releasability).newest_standing(commitment_id)
    return updates.only("pk", "status", "releasability").first()


def watch_for_slips(pairs):
    """Before updates are approved: the status each (commitment id, releasability) of `pairs`
    reads now, for those commitments that others depend on (the rest cannot slip for anyone).
    Call it with the commitments locked, and record_slips after the approval."""
    pairs = set(pairs)
    if not pairs:
        return {}
    watched = set(
        Dependency.objects.filter(depends_on__in={pk for pk, _status in pairs}).values_list(
            "depends_on_id", flat=True
        )
    )
    before = {}
    for commitment_id, releasability in sorted(pairs):
        if commitment_id in watched:
            held = _held(commitment_id, releasability)
            before[commitment_id, releasability] = held.status if held else Status.NOT_ASSESSED
    return before


def troubled_pairs(updates):
    """The (commitment id, releasability) pairs of `updates` (a queryset of updates about to be
    approved) that might slip: at risk or off track, of a commitment others depend on."""
    return (
        updates.filter(status__in=TROUBLED, commitment__in=Dependency.objects.values("depends_on"))
        .values_list("commitment_id", "releasability")
        .distinct()
    )


def record_slips(before, approved_ids):
    """After updates were approved (`approved_ids`, whose commitments watch_for_slips read
    first into `before`): one dependency.slipped event for each of them that made its commitment
    slip for readers of its releasability, and its alert emailed once the approval commits.
    Returns the events."""
    events = []
    edges = None
    for (commitment_id, releasability), status_before in before.items():
        held = _held(commitment_id, releasability)
        if held is None or held.pk not in approved_ids or held.releasability != releasability:
            continue  # a newer update holds, or a wider one: its own watch decides
        if not is_slip(status_before, held.status):
            continue
        edges = Dependency.objects.graph() if edges is None else edges
        events.append(_record_slip(held.pk, status_before, edges))
    return events


def _record_slip(update_id, status_before, edges):
    update = StatusUpdate.objects.select_related("commitment").get(pk=update_id)
    commitment = update.commitment
    dependents = dependents_within(edges, commitment.pk)
    codes = _codes([*dependents, *(pk for _update, via in dependents.values() for pk in via)])
    titles = dict(Commitment.objects.filter(pk__in=dependents).values_list("pk", "title"))
    ordered = sorted(dependents.items(), key=lambda item: (item[1][0], codes[item[0]]))
    update_url = reverse("api:update-detail", kwargs={"pk": update.pk})
    data = {
        "commitment": commitment.code,
        "title": commitment.title,
        "url": reverse("api:commitment-detail", kwargs={"code": commitment.code}),
        "from": status_before,
        "from_label": Status(status_before).label,
        "to": update.status,
        "to_label": Status(update.status).label,
        "update": {
            "id": update.pk,
            "url": update_url,
            "as_of": update.as_of.isoformat(),
            "summary": update.summary,
            "releasability": update.releasability,
        },
        "dependents": [
            {
                "code": codes[pk],
                "title": titles[pk],
                "depth": depth,
                "via": [codes[between] for between in via],
            }
            for pk, (depth, via) in ordered
        ],
    }
    event = record_event(
        EventType.DEPENDENCY_SLIPPED,
        subject_url=update_url,
        data=data,
        commitment=commitment,
        releasability=update.releasability,
    )
    transaction.on_commit(lambda: _queue_alerts(event.pk))
    return event


def _queue_alerts(event_id):
    # Imported here: the task module calls this one.
    from commitments.tasks import send_slip_alerts

    try:
        send_slip_alerts.enqueue(event_id)
    except Exception:
        # The slip is in the events stream; `manage.py send_slip_alerts` (or a later run of
        # the task) sends what was not.
        logger.exception("Could not queue the slip alerts of event %s", event_id)


class SlipAlertsInterrupted(Exception):
    """The mail server refused or failed an alert: the others may be sent by running again."""


def alerts_of(event):
    """[(owner, [their dependent commitments, nearest first])] for a dependency.slipped event:
    the owners, active and with an email address, who may read the update that slipped (their
    clearance reads its releasability), of the commitments that depend on it."""
    data = event.data
    releasability = Releasability(data["update"]["releasability"])
    order = {row["code"]: index for index, row in enumerate(data["dependents"])}
    commitments = Commitment.objects.filter(code__in=order, owner__isnull=False).select_related(
        "owner__preferences"  # the language each owner's alert is written in
    )
    by_owner = {}
    for commitment in sorted(commitments, key=lambda commitment: order[commitment.code]):
        owner = commitment.owner
        if not (owner.is_active and owner.email):
            continue
        by_owner.setdefault(owner.pk, (owner, []))[1].append(commitment)
    return [
        (owner, dependents)
        for owner, dependents in by_owner.values()
        if clearance_of(owner).rank >= releasability.rank
    ]


def send_slip_alerts(event_id) -> int:
    """Emails each owner alerts_of the slip event `event_id` names, once per update and person:
    their SlipAlert is written just before the email goes out (a second run, or a second
    worker at the same moment, finds it and sends nothing) and taken back if the mail server
    refuses it. Returns how many were sent; raises SlipAlertsInterrupted when the mail server
    fails (those before were sent)."""
    event = Event.objects.get(pk=event_id, type=EventType.DEPENDENCY_SLIPPED)
    update_id = event.data["update"]["id"]
    sent = 0
    try:
        with mail.get_connection() as mail_connection:
            for owner, dependents in alerts_of(event):
                try:
                    with transaction.atomic():
                        alert = SlipAlert.objects.create(
                            update_id=update_id,
                            recipient=owner,
                            commitments=len(dependents),
                            sent_at=timezone.now(),
                        )
                except IntegrityError:
                    continue  # alerted already, by another run
                try:
                    slip_alert_message(
                        owner,
                        event.data,
                        dependents,
                        connection=mail_connection,
                        language=preferred_language(owner),
                    ).send()
                except BaseException:
                    alert.delete()
                    raise
                sent += 1
    except (smtplib.SMTPException, OSError) as error:
        raise SlipAlertsInterrupted(f"Could not send every slip alert: {error}") from error
    return sent

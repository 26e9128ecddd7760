"""What the emails of Roadmap Tracker say. Links are absolute, made with SITE_URL: an email is
written without a request to take the site's address from."""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode

from commitments.models import StatusUpdate
from commitments.people import person_name


def site_url(path):
    return f"{settings.SITE_URL}{path}"


def _counted(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def reminder_subject(reminder):
    parts = []
    if to_assess := reminder.to_assess:
        parts.append(f"{_counted(len(to_assess), 'commitment')} to assess")
    if awaiting := len(reminder.due) - len(to_assess):
        parts.append(f"{_counted(awaiting, 'commitment')} of yours awaiting review")
    if reminder.returned:
        parts.append(f"{_counted(len(reminder.returned), 'record')} returned to you")
    if reminder.pending:
        parts.append(f"{_counted(len(reminder.pending), 'update')} to review")
    if reminder.pending_values:
        parts.append(f"{_counted(len(reminder.pending_values), 'indicator value')} to review")
    listed = ", ".join(parts[:-1])
    return f"Roadmap Tracker: {f'{listed} and ' if listed else ''}{parts[-1]}"


def reminder_message(reminder, *, today, connection=None) -> EmailMessage:
    """The plain-text email of a selectors.Reminder, to its person's address."""
    user = reminder.user

    def name(person, acting_as):
        # Reminded people are staff: a login name is no secret to them.
        return person_name(person, reader=user, acting_as=acting_as)

    due = [
        {
            "code": row.commitment.code,
            "title": row.commitment.title,
            "why": row.why if row.awaiting is None else _awaiting(row.awaiting, today, user, name),
            "url": site_url(
                reverse("admin:commitments_commitment_change", args=[row.commitment.pk])
            ),
        }
        for row in reminder.due
    ]
    returned = [
        {
            "what": f"{_kind(record)} {_described(record)}",
            "reviewer": name(record.review.reviewer, "Reviewer"),
            "returned_on": timezone.localdate(record.review.decided_at),
            # Continued lines of the comment stay inside its item.
            "comment": record.review.comment.replace("\n", "\n  "),
            # The add form, filled in from the record (RecordAdmin: ?correct=<id>).
            "url": site_url(
                f"{reverse(f'admin:commitments_{record._meta.model_name}_add')}"
                f"?{urlencode({'correct': record.pk})}"
            ),
        }
        for record in reminder.returned
    ]
    context = {
        "name": user.get_full_name() or user.get_username(),
        "due": due,
        "returned": returned,
        "pending": [_to_review(update, today, name) for update in reminder.pending],
        "pending_values": [_to_review(value, today, name) for value in reminder.pending_values],
        "site_url": settings.SITE_URL,
    }
    return EmailMessage(
        subject=reminder_subject(reminder),
        body=render_to_string("emails/reminder.txt", context),
        to=[user.email],
        connection=connection,
    )


def _kind(record):
    return "Status update" if isinstance(record, StatusUpdate) else "Indicator value"


def _described(record):
    """`REV-1: At risk, as of 1 Mar 2024`, `MIL-1: People trained, 2,000 people, as of
    15 Jan 2024`: what a record says, in a line."""
    if isinstance(record, StatusUpdate):
        return (
            f"{record.commitment.code}: {record.get_status_display()}, as of {_day(record.as_of)}"
        )
    if record.as_of is not None:
        when = f"as of {_day(record.as_of)}"
    else:
        start = _day(record.period_start) if record.period_start else "…"
        when = f"{start} to {_day(record.period_end)}"
    return f"{record.indicator}, {record.phrase}, {when}"


def _day(date):
    return dateformat.format(date, "j M Y")


def _to_review(record, today, name):
    """A pending record in a reviewer's list, with its place in its model's review queue
    (admin.reviews.queue_url's anchor), where it is approved or returned."""
    queue = reverse(f"admin:commitments_{record._meta.model_name}_review")
    return {
        "what": _described(record),
        "author": name(record.author, "Analyst"),
        "since": _since(record.created_at, today),
        "url": site_url(f"{queue}#{record.noun}-{record.pk}"),
    }


def _awaiting(update, today, owner, name):
    """Instead of "never assessed" or "overdue", for a due commitment that an update assesses
    anew: its owner waits for a reviewer, not the other way round."""
    if update.author_id == owner.pk:
        whose = "your update"
    else:
        whose = f"an update by {name(update.author, 'Analyst')}"
    return f"{whose} of {_day(update.as_of)} is awaiting review {_since(update.created_at, today)}"


def _since(moment, today):
    """`since 3 Dec 2026 (3 days)`: the day a record was submitted, and how long ago."""
    day = timezone.localdate(moment)
    days = (today - day).days
    return f"since {_day(day)}" + (f" ({_counted(days, 'day')})" if days > 0 else "")


def invitation_message(person, *, invited_by) -> EmailMessage:
    """The email that brings a new person in: who invited them, in which role, and the link
    where they choose a password (Django's password reset confirmation: one use, and no
    longer than PASSWORD_RESET_TIMEOUT)."""
    link = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    context = {
        "name": person.get_full_name() or person.email,
        "invited_by": invited_by.get_full_name() or invited_by.get_username(),
        "roles": ", ".join(person.groups.values_list("name", flat=True)),
        "username": person.get_username(),
        "link": site_url(link),
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        "site_url": settings.SITE_URL,
    }
    return EmailMessage(
        subject="Roadmap Tracker: your account",
        body=render_to_string("emails/invitation.txt", context),
        to=[person.email],
    )


def webhook_disabled_message(endpoint) -> EmailMessage:
    """The email to a webhook endpoint's owner when repeated failures have disabled it."""
    link = site_url(reverse("admin:commitments_webhookendpoint_change", args=[endpoint.pk]))
    body = (
        f"Roadmap Tracker has stopped sending events to the webhook endpoint\n\n  {endpoint.url}\n\n"
        f"because {endpoint.disabled_reason[0].lower()}{endpoint.disabled_reason[1:]}\n"
        "Each delivery was tried for over a day before it counted as failed; the delivery log "
        "says what the endpoint answered.\n\n"
        f"Once it works again, tick Active and save to resume deliveries (and redeliver what it "
        f"missed from its delivery log):\n{link}\n"
    )
    return EmailMessage(
        subject="Roadmap Tracker: webhook endpoint disabled",
        body=body,
        to=[endpoint.owner.email],
    )


def slip_alert_message(owner, slip, dependents, *, connection=None) -> EmailMessage:
    """The email to the owner of `dependents` (their commitments that depend on the one that
    slipped) about a slip: `slip` is the dependency.slipped event's data (which dependency,
    from what to what, and why: the update's summary)."""
    depth = {row["code"]: row for row in slip["dependents"]}
    rows = [
        {
            "code": commitment.code,
            "title": commitment.title,
            "how": _how_it_depends(slip["commitment"], depth[commitment.code]["via"]),
            "url": site_url(reverse("admin:commitments_commitment_change", args=[commitment.pk])),
        }
        for commitment in dependents
    ]
    update = slip["update"]
    context = {
        "name": owner.get_full_name() or owner.get_username(),
        "slip": slip,
        "as_of": _day(datetime.date.fromisoformat(update["as_of"])),
        # Continued lines of the summary stay inside its quotation.
        "why": update["summary"].replace("\n", "\n  "),
        "dependents": rows,
        "page": site_url(reverse("commitment", args=[slip["commitment"]])),
        "site_url": settings.SITE_URL,
    }
    theirs = "yours depends" if len(rows) == 1 else f"{len(rows)} of yours depend"
    return EmailMessage(
        subject=f"Roadmap Tracker: {slip['commitment']}, which {theirs} on, is now "
        f"{slip['to_label'].lower()}",
        body=render_to_string("emails/slip_alert.txt", context),
        to=[owner.email],
        connection=connection,
    )


def _how_it_depends(slipped, via):
    """`depends on MIL-1 directly`, `depends on it through STB-1 and GOV-2`."""
    if not via:
        return f"depends on {slipped} directly"
    return f"depends on it through {' and '.join(reversed(via))}"

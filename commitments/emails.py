"""What the emails of Roadmap Tracker say. Links are absolute, made with SITE_URL: an email is
written without a request to take the site's address from, nor its language: each is written
in the `language` it is given (its recipient's, which the caller knows), LANGUAGE_CODE without
one."""

import datetime
import functools

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext, ngettext, pgettext

from commitments.models import Status, StatusUpdate
from commitments.people import ROLE_WORDS, person_name
from commitments.prose import day, number


def site_url(path):
    return f"{settings.SITE_URL}{path}"


def in_language(write):
    """`write` (a function that writes an email, or a part of one) given a keyword argument
    `language`: it writes in that language (a code of LANGUAGES), LANGUAGE_CODE when it is
    None or not given."""

    @functools.wraps(write)
    def written(*args, language=None, **kwargs):
        with translation.override(language or settings.LANGUAGE_CODE):
            return write(*args, **kwargs)

    return written


def _subject(what):
    return gettext("Roadmap Tracker: %(what)s") % {"what": what}


def _listed(parts):
    """ "a, b and c", as the language lists things."""
    if len(parts) == 1:
        return parts[0]
    separator = pgettext("between the items of a list", ", ")
    return gettext("%(listed)s and %(last)s") % {
        "listed": separator.join(parts[:-1]),
        "last": parts[-1],
    }


@in_language
def reminder_subject(reminder):
    parts = []
    if to_assess := len(reminder.to_assess):
        parts.append(
            ngettext("%(count)s commitment to assess", "%(count)s commitments to assess", to_assess)
            % {"count": number(to_assess)}
        )
    if awaiting := len(reminder.due) - to_assess:
        parts.append(
            ngettext(
                "%(count)s commitment of yours awaiting review",
                "%(count)s commitments of yours awaiting review",
                awaiting,
            )
            % {"count": number(awaiting)}
        )
    if returned := len(reminder.returned):
        parts.append(
            ngettext(
                "%(count)s record returned to you", "%(count)s records returned to you", returned
            )
            % {"count": number(returned)}
        )
    if pending := len(reminder.pending):
        parts.append(
            ngettext("%(count)s update to review", "%(count)s updates to review", pending)
            % {"count": number(pending)}
        )
    if pending_values := len(reminder.pending_values):
        parts.append(
            ngettext(
                "%(count)s indicator value to review",
                "%(count)s indicator values to review",
                pending_values,
            )
            % {"count": number(pending_values)}
        )
    return _subject(_listed(parts))


@in_language
def reminder_message(reminder, *, today, connection=None) -> EmailMessage:
    """The plain-text email of a selectors.Reminder, to its person's address."""
    user = reminder.user

    def name(person, acting_as):
        # Reminded people are staff: a login name is no secret to them.
        return person_name(person, reader=user, acting_as=ROLE_WORDS[acting_as])

    due = [
        {
            "code": row.commitment.code,
            "title": row.commitment.title,
            "why": _why(row)
            if row.awaiting is None
            else _awaiting(row.awaiting, today, user, name),
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
            "returned_on": _day(timezone.localdate(record.review.decided_at)),
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
        subject=reminder_subject(reminder, language=translation.get_language()),
        body=render_to_string("emails/reminder.txt", context),
        to=[user.email],
        connection=connection,
    )


def _why(row):
    """Why a commitment of theirs is due (a selectors.DueCommitment): "Never assessed", "12
    days overdue", "Due today", "Due in 5 days"."""
    if row.days_overdue is None:
        return gettext("Never assessed")
    if row.days_overdue > 0:
        days = row.days_overdue
        return ngettext("%(count)s day overdue", "%(count)s days overdue", days) % {
            "count": number(days)
        }
    if row.days_overdue == 0:
        return gettext("Due today")
    days = -row.days_overdue
    return ngettext("Due in %(count)s day", "Due in %(count)s days", days) % {"count": number(days)}


def _kind(record):
    return (
        gettext("Status update") if isinstance(record, StatusUpdate) else gettext("Indicator value")
    )


def _described(record):
    """`REV-1: At risk, as of 1 Mar 2024`, `MIL-1: People trained, 2,000 people, as of
    15 Jan 2024`: what a record says, in a line."""
    if isinstance(record, StatusUpdate):
        return gettext("%(code)s: %(status)s, %(when)s") % {
            "code": record.commitment.code,
            "status": record.get_status_display(),
            "when": _as_of(record.as_of),
        }
    if record.as_of is not None:
        when = _as_of(record.as_of)
    else:
        start = _day(record.period_start) if record.period_start else "…"
        when = gettext("%(start)s to %(end)s") % {"start": start, "end": _day(record.period_end)}
    return f"{record.indicator}, {record.phrase}, {when}"


def _as_of(date):
    return gettext("as of %(day)s") % {"day": _day(date)}


def _day(date):
    return day(date, short=True)


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
    context = {"day": _day(update.as_of), "since": _since(update.created_at, today)}
    if update.author_id == owner.pk:
        return gettext("your update of %(day)s is awaiting review %(since)s") % context
    return gettext("an update by %(author)s of %(day)s is awaiting review %(since)s") % {
        **context,
        "author": name(update.author, "Analyst"),
    }


def _since(moment, today):
    """`since 3 Dec 2026 (3 days)`: the day a record was submitted, and how long ago."""
    submitted = timezone.localdate(moment)
    days = (today - submitted).days
    if days <= 0:
        return gettext("since %(day)s") % {"day": _day(submitted)}
    return ngettext("since %(day)s (%(count)s day)", "since %(day)s (%(count)s days)", days) % {
        "day": _day(submitted),
        "count": number(days),
    }


@in_language
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
        subject=_subject(gettext("your account")),
        body=render_to_string("emails/invitation.txt", context),
        to=[person.email],
    )


@in_language
def webhook_disabled_message(endpoint) -> EmailMessage:
    """The email to a webhook endpoint's owner when repeated failures have disabled it."""
    link = site_url(reverse("admin:commitments_webhookendpoint_change", args=[endpoint.pk]))
    reason = f"{endpoint.disabled_reason[0].lower()}{endpoint.disabled_reason[1:]}"
    body = gettext(
        "Roadmap Tracker has stopped sending events to the webhook endpoint\n\n  %(url)s\n\n"
        "because %(reason)s\n"
        "Each delivery was tried for over a day before it counted as failed; the delivery log "
        "says what the endpoint answered.\n\n"
        "Once it works again, tick Active and save to resume deliveries (and redeliver what it "
        "missed from its delivery log):\n%(link)s\n"
    ) % {"url": endpoint.url, "reason": reason, "link": link}
    return EmailMessage(
        subject=_subject(gettext("webhook endpoint disabled")),
        body=body,
        to=[endpoint.owner.email],
    )


@in_language
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
        # The statuses in the email's language (the event's labels are the API's, in English).
        "from_label": Status(slip["from"]).label,
        "to_label": Status(slip["to"]).label,
        "as_of": _day(datetime.date.fromisoformat(update["as_of"])),
        # Continued lines of the summary stay inside its quotation.
        "why": update["summary"].replace("\n", "\n  "),
        "dependents": rows,
        "page": site_url(reverse("commitment", args=[slip["commitment"]])),
        "site_url": settings.SITE_URL,
    }
    subject = ngettext(
        "%(code)s, which yours depends on, is now %(status)s",
        "%(code)s, which %(count)s of yours depend on, is now %(status)s",
        len(rows),
    ) % {
        "code": slip["commitment"],
        "count": number(len(rows)),
        "status": Status(slip["to"]).label.lower(),
    }
    return EmailMessage(
        subject=_subject(subject),
        body=render_to_string("emails/slip_alert.txt", context),
        to=[owner.email],
        connection=connection,
    )


def _how_it_depends(slipped, via):
    """`It depends on MIL-1 directly.`, `It depends on it through STB-1 and GOV-2.`"""
    if not via:
        return gettext("It depends on %(code)s directly.") % {"code": slipped}
    return gettext("It depends on it through %(codes)s.") % {"codes": _listed(list(reversed(via)))}

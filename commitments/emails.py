"""What the emails of Roadmap Tracker say. Links are absolute, made with SITE_URL: an email is
written without a request to take the site's address from."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from commitments.people import person_name


def site_url(path):
    return f"{settings.SITE_URL}{path}"


def _counted(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def reminder_subject(reminder):
    parts = []
    if reminder.due:
        parts.append(f"{_counted(len(reminder.due), 'commitment')} to assess")
    if reminder.pending:
        parts.append(f"{_counted(len(reminder.pending), 'update')} to review")
    return f"Roadmap Tracker: {' and '.join(parts)}"


def reminder_message(reminder, *, today, connection=None) -> EmailMessage:
    """The plain-text email of a selectors.Reminder, to its person's address."""
    user = reminder.user
    due = [
        {
            "code": row.commitment.code,
            "title": row.commitment.title,
            "why": row.why,
            "url": site_url(
                reverse("admin:commitments_commitment_change", args=[row.commitment.pk])
            ),
        }
        for row in reminder.due
    ]
    pending = [
        {
            "code": update.commitment.code,
            "status": update.get_status_display(),
            "as_of": update.as_of,
            # Reviewers are staff: a login name is no secret to them.
            "author": person_name(update.author, reader=user, acting_as="Analyst"),
            "age": _age(today, update),
            # Its place in the review queue, where it is approved or returned.
            "url": site_url(
                f"{reverse('admin:commitments_statusupdate_review')}#update-{update.pk}"
            ),
        }
        for update in reminder.pending
    ]
    context = {
        "name": user.get_full_name() or user.get_username(),
        "due": due,
        "pending": pending,
        "site_url": settings.SITE_URL,
    }
    return EmailMessage(
        subject=reminder_subject(reminder),
        body=render_to_string("emails/reminder.txt", context),
        to=[user.email],
        connection=connection,
    )


def _age(today, update):
    days = (today - timezone.localdate(update.created_at)).days
    if days <= 0:
        return "submitted today"
    return f"waiting {_counted(days, 'day')}"


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

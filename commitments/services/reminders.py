"""Sending reminders by email (selectors.reminders_due says who is reminded of what), each
recorded once per person and day.
"""

import smtplib

from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments.emails import reminder_message
from commitments.languages import preferred_language
from commitments.models import ReminderSent


class RemindersInterrupted(Exception):
    """The mail server refused or failed a reminder: those before it were sent (and recorded),
    this one and those after it were not."""

    def __init__(self, sent, failed, error):
        super().__init__(f"Could not send the reminder to {failed.user.email}: {error}")
        self.sent, self.failed, self.error = sent, failed, error


def send_reminders(reminders, *, today) -> list:
    """Emails each of `reminders` (selectors.reminders_due) and records it as sent on `today`,
    one person at a time over one connection to the mail server. A person's record is written
    just before their email goes out, and taken back if the server refuses it; a reminder
    recorded by another run in the meantime is not sent again (the database's unique constraint
    decides between two runs). Returns the reminders sent.

    Raises RemindersInterrupted, naming those already sent, when the mail server fails; the
    others can be sent by running again on the same day. Reminders already sent today, or to a
    person without an email address, are the caller's to leave out."""
    sent = []
    if not reminders:
        return sent
    reminder = reminders[0]
    try:
        with mail.get_connection() as connection:
            for reminder in reminders:
                # Reserved first, in a transaction of its own: no write lock is held while the
                # mail server takes its time (EMAIL_TIMEOUT), which on SQLite would keep every
                # other writer waiting. A reservation whose email fails is taken back.
                try:
                    with transaction.atomic():
                        record = ReminderSent.objects.create(
                            user=reminder.user,
                            sent_on=today,
                            sent_at=timezone.now(),
                            commitments=len(reminder.due),
                            pending_updates=len(reminder.pending),
                            pending_values=len(reminder.pending_values),
                            returned_records=len(reminder.returned),
                        )
                except IntegrityError:
                    continue  # another run reminded this person today
                try:
                    reminder_message(
                        reminder,
                        today=today,
                        connection=connection,
                        language=preferred_language(reminder.user),
                    ).send()
                except BaseException:
                    record.delete()
                    raise
                sent.append(reminder)
    except (smtplib.SMTPException, OSError) as error:
        raise RemindersInterrupted(sent, reminder, error) from error
    return sent

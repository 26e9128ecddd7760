import textwrap

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commitments.emails import reminder_message, reminder_subject
from commitments.selectors import REMINDER_HORIZON_DAYS, reminders_due
from commitments.services import RemindersInterrupted, send_reminders


class Command(BaseCommand):
    help = (
        "Emails each owner the commitments of theirs that are stale or fall due within "
        f"{REMINDER_HORIZON_DAYS} days, each author the status updates and indicator values "
        "returned to them that no correction answers yet, and each Reviewer and Editor the "
        "pending updates and values they may decide: one email a person, at most once a day (a "
        "second run on the same day sends nothing again). Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say who would get what, with each email's full text, and send and record "
            "nothing.",
        )

    def handle(self, *args, dry_run, **options):
        today = timezone.localdate()
        to_send = []
        for reminder in reminders_due(today):
            user = reminder.user.get_username()
            if reminder.sent_today:
                self.stdout.write(f"  {user}: already reminded today")
            elif not reminder.user.email:
                self.stderr.write(f"  {user}: skipped, no email address ({_contents(reminder)})")
            else:
                to_send.append(reminder)
        if dry_run:
            for reminder in to_send:
                self.stdout.write(f"  {_recipient(reminder)}: would be sent {_contents(reminder)}")
                # The email as it would leave, to read before a first real run.
                body = reminder_message(reminder, today=today).body
                self.stdout.write(textwrap.indent(body, "    | ", lambda line: True))
            self.stdout.write(f"Dry run: {_people(len(to_send))} would be emailed; nothing sent.")
            return
        if (
            to_send
            and settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
            and not settings.DEBUG
        ):
            self.stderr.write("EMAIL_URL is not set: the emails are printed here, not sent.")
        try:
            sent = send_reminders(to_send, today=today)
        except RemindersInterrupted as error:
            self._report(error.sent)
            raise CommandError(
                f"{error} Not sent: {_people(len(to_send) - len(error.sent))}; run again to "
                "send them."
            ) from error
        self._report(sent)

    def _report(self, sent):
        for reminder in sent:
            self.stdout.write(f"  {_recipient(reminder)}: sent {_contents(reminder)}")
        self.stdout.write(self.style.SUCCESS(f"Reminded {_people(len(sent))}."))


def _recipient(reminder):
    return f"{reminder.user.get_username()} <{reminder.user.email}>"


def _contents(reminder):
    """`"Roadmap Tracker: 2 commitments to assess" (MIL-1, MIL-2)`: the subject, and what it
    lists."""
    listed = [row.commitment.code for row in reminder.due]
    listed += [f"returned {_record(record)}" for record in reminder.returned]
    listed += [_record(record) for record in reminder.pending + reminder.pending_values]
    return f'"{reminder_subject(reminder)}" ({", ".join(listed)})'


def _record(record):
    """`update #3 of MIL-1`, `value #4 of MIL-1: People trained`."""
    subject = getattr(record, record.subject)  # a commitment, by its code; an indicator
    return f"{record.noun} #{record.pk} of {getattr(subject, 'code', subject)}"


def _people(number):
    return f"{number} {'person' if number == 1 else 'people'}"

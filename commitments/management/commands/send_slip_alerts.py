import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commitments.models import Event, EventType
from commitments.services.dependencies import SlipAlertsInterrupted, send_slip_alerts


class Command(BaseCommand):
    help = (
        "Sends the slip alerts of the last days' dependency.slipped events that were not sent "
        "(the task queue was unreachable when the slip was approved, or the mail server "
        "failed): each owner is alerted once per slip, so running it again sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7, help="How many days of slips to look at (7)."
        )

    def handle(self, *args, days, **options):
        since = timezone.now() - datetime.timedelta(days=days)
        slips = Event.objects.filter(type=EventType.DEPENDENCY_SLIPPED, occurred_at__gte=since)
        sent = 0
        for event_id in slips.values_list("pk", flat=True):
            try:
                sent += send_slip_alerts(event_id)
            except SlipAlertsInterrupted as error:
                raise CommandError(f"{error} ({sent} sent before it)") from error
        self.stdout.write(f"{sent} slip alert{'' if sent == 1 else 's'} sent.")

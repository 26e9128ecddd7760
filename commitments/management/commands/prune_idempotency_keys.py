from django.core.management.base import BaseCommand

from commitments.models import IdempotencyKey


class Command(BaseCommand):
    help = (
        "Deletes the API's idempotency keys older than "
        f"{int(IdempotencyKey.KEPT_FOR.total_seconds() // 3600)} hours, which no retry may use "
        "any more. Each keyed write already deletes its own user's; this deletes those of users "
        "who wrote nothing since. Run it daily, e.g. from cron."
    )

    def handle(self, *args, **options):
        deleted, _ = IdempotencyKey.objects.expired().delete()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} expired idempotency keys."))

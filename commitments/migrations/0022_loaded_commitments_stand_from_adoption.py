"""The commitments load_roadmap created stand from the day their document adopted them (25 June
2019 for the Paris Roadmap), not from the day they were loaded: reads as of a date (issue 16)
leave out a commitment created after it, so a Roadmap loaded last week had no commitment at
any earlier date. load_roadmap now dates new commitments so; this dates the ones it created
before. A commitment an editor added in the admin or the API keeps the moment it was added.
The commitments table's data-version trigger (migration 0005) moves the data version, so no
cached read as of a date outlives the change."""

import datetime

from django.db import migrations
from django.utils import timezone


def date_loaded_commitments(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    HistoricalCommitment = apps.get_model("commitments", "HistoricalCommitment")
    loaded = HistoricalCommitment.objects.filter(
        history_type="+", history_change_reason="load_roadmap"
    ).values_list("id", flat=True)
    for commitment in Commitment.objects.filter(pk__in=list(loaded)).select_related(
        "source_document"
    ):
        adopted = timezone.make_aware(
            datetime.datetime.combine(commitment.source_document.issued_on, datetime.time.min)
        )
        if commitment.created_at > adopted:
            Commitment.objects.filter(pk=commitment.pk).update(created_at=adopted)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0021_indicators")]

    operations = [
        migrations.RunPython(date_loaded_commitments, migrations.RunPython.noop, elidable=True),
    ]

"""A commitment's last_update_at meant two things: the latest approval of any of its updates on a
plain read, and when the update in effect was recorded on an as_of read. It becomes two columns
that mean one thing each, on both reads: when the update that gives the current status was
recorded (last_recorded_at) and approved (last_approved_at, the old column renamed, with its
index). Existing rows get both from that update."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def from_current_update(apps, schema_editor):
    """Both times from each commitment's newest standing update (StatusUpdateQuerySet.
    newest_standing, spelled out: a migration's models have no custom querysets)."""
    Commitment = apps.get_model("commitments", "Commitment")
    StatusUpdate = apps.get_model("commitments", "StatusUpdate")
    approved = StatusUpdate.objects.filter(review__decision="approve")
    corrected = approved.filter(corrects=OuterRef("pk"))
    newest = (
        approved.filter(commitment=OuterRef("pk"))
        .exclude(Exists(corrected))
        .order_by("-as_of", "-created_at", "-id")
    )
    Commitment.objects.update(
        last_recorded_at=Subquery(newest.values("created_at")[:1]),
        last_approved_at=Subquery(newest.values("review__decided_at")[:1]),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0034_webhooks"),
    ]

    operations = [
        # Made again under its new name, on the renamed column.
        migrations.RemoveIndex(model_name="commitment", name="commitment_last_update_idx"),
        migrations.RenameField(
            model_name="commitment", old_name="last_update_at", new_name="last_approved_at"
        ),
        migrations.AlterField(
            model_name="commitment",
            name="last_approved_at",
            field=models.DateTimeField(
                editable=False,
                help_text="When the status update that gives the current status was approved.",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["last_approved_at"], name="commitment_last_approved_idx"),
        ),
        migrations.AddField(
            model_name="commitment",
            name="last_recorded_at",
            field=models.DateTimeField(
                editable=False,
                help_text="When the status update that gives the current status was recorded.",
                null=True,
            ),
        ),
        migrations.RunPython(from_current_update, migrations.RunPython.noop),
    ]

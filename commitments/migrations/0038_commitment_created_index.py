"""An index of the commitments' creation times: the as-of list counts the commitments created by
the end of its day (CommitmentQuerySet.as_of) from it alone, an index-only scan, instead of
reading every row of the table."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0037_commitment_list_filtered_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="commitment",
            index=models.Index(fields=["created_at"], name="commitment_created_idx"),
        ),
    ]

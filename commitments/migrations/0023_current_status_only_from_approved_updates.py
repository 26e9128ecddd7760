"""Issue 22, point 3: a commitment's current status is only ever what its approved history says,
down to the database (migration_sql.current_status_reviewed). An older release still serving
while a deploy migrates wrote the status of an update nobody had approved; its write is refused
from now on, whoever sends it.

Before the triggers, every commitment whose current status differs from its newest standing
update (such a write of an earlier deploy, kept until another update was approved) is given
it again, written out as the services derive it on this day; nothing is written when none
differs, so the data version moves only when something readers see was wrong."""

from django.db import migrations
from django.db.models import Subquery, Value

from commitments.migration_sql import (
    commitment_search_vector,
    current_status_reviewed,
    run_python,
    standing_updates,
)

FORWARD, REVERSE = current_status_reviewed()


def derive_current_statuses(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    using = schema_editor.connection.alias
    # The newest standing update, in StatusUpdate's Meta.ordering.
    newest = standing_updates(apps.get_model("commitments", "StatusUpdate"))
    rows = Commitment.objects.using(using).annotate(
        **{
            f"derived_{column}": Subquery(newest.values(column)[:1])
            for column in ("status", "progress", "as_of", "summary")
        }
    )
    for row in rows.values(
        "pk",
        "current_status",
        "current_progress",
        "current_as_of",
        "derived_status",
        "derived_progress",
        "derived_as_of",
        "derived_summary",
    ):
        derived = (
            row["derived_status"] or "not_assessed",
            row["derived_progress"],
            row["derived_as_of"],
        )
        if (row["current_status"], row["current_progress"], row["current_as_of"]) == derived:
            continue
        searched = {}
        if schema_editor.connection.vendor == "postgresql":
            summary = Value(row["derived_summary"] or "")
            searched["search_vector"] = commitment_search_vector(summary)
        Commitment.objects.using(using).filter(pk=row["pk"]).update(
            current_status=derived[0],
            current_progress=derived[1],
            current_as_of=derived[2],
            **searched,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0022_loaded_commitments_stand_from_adoption"),
    ]

    operations = [
        migrations.RunPython(derive_current_statuses, migrations.RunPython.noop),
        run_python(FORWARD, REVERSE),
    ]

"""Issue 22, point 3: a commitment's current status is only ever what its approved history says,
down to the database (migration_sql.current_status_reviewed). An older release still serving
while a deploy migrates wrote the status of an update nobody had approved; its write is refused
from now on, whoever sends it.

Before the triggers, every commitment whose current status differs from its newest standing
update (such a write of an earlier deploy, kept until another update was approved) is given
it again, written out as the services derive it on this day; nothing is written when none
differs, so the data version moves only when something readers see was wrong."""

from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery, Value

from commitments.migration_sql import current_status_reviewed, run_python

FORWARD, REVERSE = current_status_reviewed()


def derive_current_statuses(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    StatusUpdate = apps.get_model("commitments", "StatusUpdate")
    using = schema_editor.connection.alias
    # The newest standing update: approved, not replaced by an approved correction, in
    # StatusUpdate's Meta.ordering (StatusUpdateQuerySet.newest_standing).
    approved_correction = StatusUpdate.objects.filter(
        corrects=OuterRef("pk"), review__decision="approve"
    )
    newest = (
        StatusUpdate.objects.filter(commitment=OuterRef("pk"), review__decision="approve")
        .exclude(Exists(approved_correction))
        .order_by("-as_of", "-created_at", "-id")
    )
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
            # Weighed as models.search_vector weighs it (migration 0018).
            searched["search_vector"] = (
                SearchVector("code", "title", config="english", weight="A")
                + SearchVector("text", config="english", weight="B")
                + SearchVector(Value(row["derived_summary"] or ""), config="english", weight="C")
            )
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

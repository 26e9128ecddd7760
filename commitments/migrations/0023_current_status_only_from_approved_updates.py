"""Issue 22, point 3: a commitment's current status is only ever what its approved history says,
down to the database (migration_sql.current_status_reviewed). An older release still serving
while a deploy migrates wrote the status of an update nobody had approved; its write is refused
from now on, whoever sends it.

Before the triggers, every commitment whose current status differs from its newest standing
update (such a write of an earlier deploy, kept until another update was approved) is given
it again, written out as the services derive it on this day; nothing is written when none
differs, so the data version moves only when something readers see was wrong."""

from django.db import migrations

from commitments.migration_sql import current_status_reviewed, derive_current_statuses, run_python

FORWARD, REVERSE = current_status_reviewed()


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0022_loaded_commitments_stand_from_adoption"),
    ]

    operations = [
        migrations.RunPython(derive_current_statuses, migrations.RunPython.noop),
        run_python(FORWARD, REVERSE),
    ]

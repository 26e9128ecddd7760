"""Issue 28, releasability: what the public reads is never moved by what it may not read.

- A commitment's stored current status (and its search vector's summary) is that of its newest
  standing *public* update, which only public corrections replace: the database's guard
  (migration_sql.current_status_reviewed, migration 0023) is created again to say so. Readers
  cleared beyond the public read theirs computed from the records they may read
  (CommitmentQuerySet.seen_by). Before the guard, every commitment whose stored status differs
  from that (a non-public update approved since migration 0039) is given it again.
- The data version is split by releasability (migration_sql.data_versions_by_releasability):
  a non-public record that comes to count moves a second row of models.DataVersion, which only
  cleared readers' ETags and cache keys follow, never the public's.
"""

import functools

from django.db import migrations

from commitments.migration_sql import (
    current_status_reviewed,
    data_versions_by_releasability,
    derive_current_statuses,
    run_python,
)

OLD_GUARD, DROP_OLD_GUARD = current_status_reviewed()
PUBLIC_GUARD, DROP_PUBLIC_GUARD = current_status_reviewed(public_only=True)
VERSIONS, VERSIONS_REVERSE = data_versions_by_releasability()
derive_public_current_statuses = functools.partial(
    derive_current_statuses, public_only=True, times=True
)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0039_releasability"),
    ]

    operations = [
        run_python(DROP_OLD_GUARD, OLD_GUARD),
        migrations.RunPython(derive_public_current_statuses, migrations.RunPython.noop),
        run_python(PUBLIC_GUARD, DROP_PUBLIC_GUARD),
        run_python(VERSIONS, VERSIONS_REVERSE),
    ]

"""Status history is append-only in the database itself: UPDATE and DELETE of a status update
are refused whatever the client, the ORM, raw SQL or a database shell. (PostgreSQL's TRUNCATE,
which a test run uses to empty tables, is left to the database owner.)"""

from django.db import migrations

from commitments.migration_sql import (
    postgresql_no_update_or_delete,
    run_python,
    sqlite_no_update_or_delete,
)

TABLE = "commitments_statusupdate"
MESSAGE = "status updates are append-only: record a correction instead"

SQLITE = sqlite_no_update_or_delete(TABLE, MESSAGE)
SQLITE_REVERSE = [f"DROP TRIGGER {TABLE}_no_update;", f"DROP TRIGGER {TABLE}_no_delete;"]
FORWARD = {"postgresql": postgresql_no_update_or_delete(TABLE, MESSAGE), "sqlite": SQLITE}
REVERSE = {
    "postgresql": [
        f"DROP TRIGGER {TABLE}_append_only ON {TABLE};",
        f"DROP FUNCTION {TABLE}_append_only();",
    ],
    "sqlite": SQLITE_REVERSE,
}


class Migration(migrations.Migration):
    dependencies = [("commitments", "0002_reference_data_updated_at")]

    operations = [run_python(FORWARD, REVERSE)]

"""Status history is append-only in the database itself: UPDATE and DELETE of a status update
are refused whatever the client, the ORM, raw SQL or a database shell. (PostgreSQL's TRUNCATE,
which a test run uses to empty tables, is left to the database owner.)"""

from django.db import migrations

from commitments.migration_sql import run

MESSAGE = "status updates are append-only: record a correction instead"

POSTGRESQL = [
    f"""
    CREATE FUNCTION commitments_statusupdate_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER commitments_statusupdate_append_only
    BEFORE UPDATE OR DELETE ON commitments_statusupdate
    FOR EACH ROW EXECUTE FUNCTION commitments_statusupdate_append_only();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER commitments_statusupdate_append_only ON commitments_statusupdate;",
    "DROP FUNCTION commitments_statusupdate_append_only();",
]

SQLITE = [
    f"""
    CREATE TRIGGER commitments_statusupdate_no_update BEFORE UPDATE ON commitments_statusupdate
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END;
    """,
    f"""
    CREATE TRIGGER commitments_statusupdate_no_delete BEFORE DELETE ON commitments_statusupdate
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE refused)'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER commitments_statusupdate_no_update;",
    "DROP TRIGGER commitments_statusupdate_no_delete;",
]


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0002_reference_data_updated_at"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]

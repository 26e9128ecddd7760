"""Two holes in the triggers of migrations 0003 and 0005.

Append-only against every statement: SQLite's REPLACE (and INSERT OR REPLACE) deletes the row it
replaces without firing delete triggers, so an existing status update could be rewritten. A
BEFORE INSERT trigger now refuses any insert whose id already exists there, which also covers
an upsert. PostgreSQL has no REPLACE and its upsert (INSERT ... ON CONFLICT DO UPDATE) fires the
UPDATE trigger; TRUNCATE there is refused by a statement trigger: a database owner who
really must empty the table (a test run's flush does) says so first, in the same session, with
`SET roadmap.allow_truncate = on`.

Logins are not data: an admin login writes auth_user.last_login, which moved the data version,
so anonymous readers could watch staff log in through the ETags. Only the columns the API shows
(names) move it now."""

from django.db import migrations

from commitments.migration_sql import (
    postgresql_data_version_trigger,
    postgresql_no_truncate_trigger,
    run_python,
    sqlite_data_version_trigger,
    sqlite_no_replace,
)

TABLE = "commitments_statusupdate"
MESSAGE = "status updates are append-only: record a correction instead"

POSTGRESQL = [
    f"""
    CREATE FUNCTION commitments_statusupdate_no_truncate() RETURNS trigger AS $$
    BEGIN
        IF coalesce(current_setting('roadmap.allow_truncate', true), '') <> 'on' THEN
            RAISE EXCEPTION '{MESSAGE} (TRUNCATE refused)' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql;
    """,
    postgresql_no_truncate_trigger(TABLE, "commitments_statusupdate_no_truncate"),
    # auth_user: rows in and out, and renames; not last_login.
    "DROP TRIGGER commitments_data_changed ON auth_user;",
    postgresql_data_version_trigger("auth_user", "INSERT OR DELETE OR TRUNCATE"),
    postgresql_data_version_trigger(
        "auth_user",
        "UPDATE OF username, first_name, last_name",
        name="commitments_data_changed_names",
    ),
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER commitments_statusupdate_no_truncate ON commitments_statusupdate;",
    "DROP FUNCTION commitments_statusupdate_no_truncate();",
    "DROP TRIGGER commitments_data_changed_names ON auth_user;",
    "DROP TRIGGER commitments_data_changed ON auth_user;",
    postgresql_data_version_trigger("auth_user"),
]

# SQLite: an insert may only add a new id. (PostgreSQL has no REPLACE, and its upsert fires the
# UPDATE trigger of migration 0003; a check per inserted row would only slow imports there.)
SQLITE = [
    sqlite_no_replace(TABLE, MESSAGE),
    "DROP TRIGGER auth_user_update_data_changed;",
    sqlite_data_version_trigger(
        "auth_user",
        "UPDATE",
        name="auth_user_update_names_data_changed",
        columns=["username", "first_name", "last_name"],
    ),
]
SQLITE_REVERSE = [
    "DROP TRIGGER commitments_statusupdate_no_replace;",
    "DROP TRIGGER auth_user_update_names_data_changed;",
    sqlite_data_version_trigger("auth_user", "UPDATE"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0007_bounded_numbers_and_dates"),
    ]

    operations = [
        run_python(
            {"postgresql": POSTGRESQL, "sqlite": SQLITE},
            {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]

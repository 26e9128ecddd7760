"""For migrations that speak SQL of their own (triggers): one list of statements per database."""


def run(statements_by_vendor):
    """A RunPython function that executes the statements written for the migrating database,
    and nothing on any other."""

    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return apply


SQLITE_DATA_VERSION_EVENTS = ["INSERT", "UPDATE", "DELETE"]


def sqlite_data_version_trigger(table, event, *, name=None, columns=None):
    """The SQLite trigger of migration 0005 that moves the data version on after `event` on
    `table` (optionally only an UPDATE OF `columns`).

    SQLite rebuilds a table to add a check constraint, and a rebuilt table has lost its
    triggers: a migration that rebuilds a watched table creates its triggers again with this."""
    name = name or f"{table}_{event.lower()}_data_changed"
    of_columns = f" OF {', '.join(columns)}" if columns else ""
    return f"""
    CREATE TRIGGER IF NOT EXISTS {name} AFTER {event}{of_columns} ON {table}
    BEGIN
        INSERT INTO commitments_dataversion (id, number, changed_at)
        VALUES (1, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'))
        ON CONFLICT (id) DO UPDATE SET number = number + 1, changed_at = excluded.changed_at;
    END;
    """


def append_only(table, message):
    """The statements that make `table` append-only as migrations 0003, 0008 and 0011 made the
    status history and the review decisions: UPDATE and DELETE refused whoever sends them;
    SQLite's REPLACE (an insert over an existing id) refused too; PostgreSQL's TRUNCATE refused
    unless the session sets roadmap.allow_truncate (a test run's flush does). Returns
    {"postgresql": [...], "sqlite": [...]} and the reverse, for `run`."""
    function = f"{table}_append_only"
    no_truncate = f"{table}_no_truncate"
    forward = {
        "postgresql": [
            f"""
            CREATE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{message} (% refused)', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
            END
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
            """,
            f"""
            CREATE FUNCTION {no_truncate}() RETURNS trigger AS $$
            BEGIN
                IF coalesce(current_setting('roadmap.allow_truncate', true), '') <> 'on' THEN
                    RAISE EXCEPTION '{message} (TRUNCATE refused)'
                    USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {no_truncate} BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {no_truncate}();
            """,
        ],
        "sqlite": [
            f"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message} (UPDATE refused)'); END;
            """,
            f"""
            CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message} (DELETE refused)'); END;
            """,
            f"""
            CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{message} (an insert over an existing id refused)'); END;
            """,
        ],
    }
    reverse = {
        "postgresql": [
            f"DROP TRIGGER {no_truncate} ON {table};",
            f"DROP FUNCTION {no_truncate}();",
            f"DROP TRIGGER {function} ON {table};",
            f"DROP FUNCTION {function}();",
        ],
        "sqlite": [
            f"DROP TRIGGER {table}_no_replace;",
            f"DROP TRIGGER {table}_no_delete;",
            f"DROP TRIGGER {table}_no_update;",
        ],
    }
    return forward, reverse

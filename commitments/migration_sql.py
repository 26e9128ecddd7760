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

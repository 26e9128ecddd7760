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


CURRENT_STATUS_MESSAGE = (
    "a commitment's current status is that of its newest approved status update, set when an "
    "update is approved: record an update and have it reviewed"
)


def _current_status_allowed(same):
    """True when NEW (a commitments_commitment row) holds what
    services.commitments.refresh_current_status derives: the status, progress and as-of date of its newest standing update (approved, and
    not replaced by an approved correction: StatusUpdateQuerySet.newest_standing, in
    StatusUpdate's Meta.ordering), or, with none, not assessed. `same` is the vendor's
    null-safe equality."""
    standing = """
        FROM commitments_statusupdate u
        JOIN commitments_review r ON r.update_id = u.id AND r.decision = 'approve'
        WHERE u.commitment_id = NEW.id AND NOT EXISTS (
            SELECT 1 FROM commitments_statusupdate c
            JOIN commitments_review cr ON cr.update_id = c.id AND cr.decision = 'approve'
            WHERE c.corrects_id = u.id
        )
    """
    return f"""
        EXISTS (
            SELECT 1 FROM (
                SELECT u.status, u.progress, u.as_of {standing}
                ORDER BY u.as_of DESC, u.created_at DESC, u.id DESC LIMIT 1
            ) newest
            WHERE newest.status = NEW.current_status
              AND newest.progress {same} NEW.current_progress
              AND newest.as_of = NEW.current_as_of
        )
        OR (
            NEW.current_status = 'not_assessed'
            AND NEW.current_progress IS NULL
            AND NEW.current_as_of IS NULL
            AND NOT EXISTS (SELECT 1 {standing})
        )
    """


CURRENT_COLUMNS = "current_status, current_progress, current_as_of"


def _current_changed(distinct):
    return " OR ".join(
        f"OLD.{column} {distinct} NEW.{column}" for column in CURRENT_COLUMNS.split(", ")
    )


def current_status_reviewed():
    """The statements that let a commitment's current status be only what the approved history
    says (issue 22): an INSERT, or an UPDATE that changes the current status, progress or as-of
    date, is refused unless they are those of the commitment's newest standing update (or not
    assessed, when it has none). Whoever sends it: an older release still serving during a
    deploy, which wrote the status of an update nobody approved, is refused too.

    AFTER triggers, so that the named check constraints (commitment_assessed_iff_as_of...)
    refuse an inconsistent row first, with their own message. SQLite rebuilds a table to
    change its check constraints, losing its triggers: a migration that rebuilds
    commitments_commitment runs the "sqlite" statements again. Returns (forward, reverse), as
    append_only does."""
    table = "commitments_commitment"
    function = f"{table}_current_status_reviewed"
    message = CURRENT_STATUS_MESSAGE.replace("'", "''")  # in an SQL string
    forward = {
        "postgresql": [
            f"""
            CREATE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                IF NOT ({_current_status_allowed("IS NOT DISTINCT FROM")}) THEN
                    RAISE EXCEPTION '{message} (% of %: %, %, as of % refused)',
                        TG_OP, NEW.code, NEW.current_status, NEW.current_progress,
                        NEW.current_as_of
                    USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {function}_insert AFTER INSERT ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
            """,
            f"""
            CREATE TRIGGER {function}_update AFTER UPDATE OF {CURRENT_COLUMNS} ON {table}
            FOR EACH ROW WHEN ({_current_changed("IS DISTINCT FROM")})
            EXECUTE FUNCTION {function}();
            """,
        ],
        "sqlite": [
            f"""
            CREATE TRIGGER IF NOT EXISTS {function}_insert AFTER INSERT ON {table}
            WHEN NOT ({_current_status_allowed("IS")})
            BEGIN SELECT RAISE(ABORT, '{message} (INSERT refused)'); END;
            """,
            f"""
            CREATE TRIGGER IF NOT EXISTS {function}_update
            AFTER UPDATE OF {CURRENT_COLUMNS} ON {table}
            WHEN ({_current_changed("IS NOT")}) AND NOT ({_current_status_allowed("IS")})
            BEGIN SELECT RAISE(ABORT, '{message} (UPDATE refused)'); END;
            """,
        ],
    }
    reverse = {
        "postgresql": [
            f"DROP TRIGGER {function}_update ON {table};",
            f"DROP TRIGGER {function}_insert ON {table};",
            f"DROP FUNCTION {function}();",
        ],
        "sqlite": [f"DROP TRIGGER {function}_update;", f"DROP TRIGGER {function}_insert;"],
    }
    return forward, reverse

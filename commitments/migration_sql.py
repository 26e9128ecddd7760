"""For migrations that speak SQL of their own (triggers): one list of statements per database,
and one helper per kind of trigger, which every migration that creates one calls; and the
queries of the data migrations.

The helpers return each statement exactly as the migration that first ran it wrote it, to the
byte: PostgreSQL keeps a function's body and SQLite a trigger's statement as they were sent,
so a database migrated today holds the same text as one migrated on the day. (`indent` says
how deeply that migration indented the statement's lines.) For the same reason a helper is
never changed once a migration has run with it; what a new migration needs differently is a
new helper or a new argument whose default keeps the old text."""

import re
from urllib.parse import urlsplit

from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import Exists, F, OuterRef, Subquery, Value


def run(statements_by_vendor):
    """A RunPython function that executes the statements written for the migrating database,
    and nothing on any other."""

    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return apply


def run_python(forward=None, reverse=None):
    """The RunPython operation that runs `forward`'s statements (by vendor, as `run` takes them)
    when migrating forwards and `reverse`'s when migrating backwards; nothing for a direction
    given none."""
    return migrations.RunPython(
        run(forward) if forward else migrations.RunPython.noop,
        run(reverse) if reverse else migrations.RunPython.noop,
    )


def keeping_sqlite_triggers(tables, *operations):
    """`operations`, around which SQLite keeps the triggers of `tables` and those of other
    tables that name them. SQLite rebuilds a table to change its check constraints: the rebuilt
    table has lost its own triggers, and renaming it into place fails while another table's
    trigger names it (the commitments' current-status guard names the decisions). The first
    operation reads all of them as the database holds them and drops the others' for the
    while; the last creates again every one of them that is missing, in the same text, in the
    same transaction. Nothing on PostgreSQL, which alters a table in place."""
    kept = []

    def names_a_table(sql):
        return any(re.search(rf"\b{table}\b", sql) for table in tables)

    def read(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
        kept[:] = [
            (name, sql) for name, table, sql in triggers if table in tables or names_a_table(sql)
        ]
        for name, table, sql in triggers:
            if table not in tables and names_a_table(sql):
                schema_editor.execute(f"DROP TRIGGER {name}", params=None)

    def create_again(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {name for (name,) in cursor.fetchall()}
        for name, statement in kept:
            if name not in present:
                schema_editor.execute(statement, params=None)

    # Backwards, the same: read and drop before the reversed operations, create after.
    return [
        migrations.RunPython(read, create_again),
        *operations,
        migrations.RunPython(create_again, read),
    ]


def _indented(statement, indent):
    """`statement`, written with its lines indented by four spaces, indented by `indent`."""
    return statement.replace("\n", "\n" + " " * (indent - 4))


def _postgresql_trigger(name, fires, function, *, each="STATEMENT", indent=4):
    """PostgreSQL's trigger `name` that runs `function` when it `fires` (e.g. "AFTER INSERT ON
    a_table"), once per statement or per row (`each`)."""
    return _indented(
        f"""
    CREATE TRIGGER {name}
    {fires}
    FOR EACH {each} EXECUTE FUNCTION {function}();
    """,
        indent,
    )


# The data version (migration 0005, models.DataVersion): moved on by a trigger after every write
# to a table the API shows. PostgreSQL: one trigger per statement, running migration 0005's
# function commitments_data_changed. SQLite, which has only row triggers: one per event.

EVERY_WRITE = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
SQLITE_DATA_VERSION_EVENTS = ["INSERT", "UPDATE", "DELETE"]


def postgresql_data_version_trigger(
    table, events=EVERY_WRITE, *, name="commitments_data_changed", indent=4
):
    """The PostgreSQL trigger that moves the data version on after `events` on `table`."""
    return _postgresql_trigger(
        name, f"AFTER {events} ON {table}", "commitments_data_changed", indent=indent
    )


def sqlite_data_version_trigger(
    table, event, *, name=None, columns=None, when=None, if_not_exists=True, row=1
):
    """The SQLite trigger that moves the data version on after `event` on `table` (optionally
    only an UPDATE OF `columns`, or only `when` the new row meets a condition). `row`: which
    of models.DataVersion's rows (RESTRICTED_DATA_VERSION: the one records beyond the public
    move, migration 0041).

    SQLite rebuilds a table to add a check constraint, and a rebuilt table has lost its
    triggers: a migration that rebuilds a watched table creates its triggers again with this,
    IF NOT EXISTS (migration 0005 created them without)."""
    name = name or f"{table}_{event.lower()}_data_changed"
    create = "CREATE TRIGGER IF NOT EXISTS" if if_not_exists else "CREATE TRIGGER"
    of_columns = f" OF {', '.join(columns)}" if columns else ""
    condition = f"\n    WHEN {when}" if when else ""
    return f"""
    {create} {name} AFTER {event}{of_columns} ON {table}{condition}
    BEGIN
        INSERT INTO commitments_dataversion (id, number, changed_at)
        VALUES ({row}, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'))
        ON CONFLICT (id) DO UPDATE SET number = number + 1, changed_at = excluded.changed_at;
    END;
    """


def sqlite_data_version_triggers(table, **options):
    """`table`'s SQLite data-version triggers, one per event."""
    return [
        sqlite_data_version_trigger(table, event, **options) for event in SQLITE_DATA_VERSION_EVENTS
    ]


def sqlite_drop_data_version_triggers(table):
    """The reverse of sqlite_data_version_triggers."""
    return [
        f"DROP TRIGGER {table}_{event.lower()}_data_changed;"
        for event in SQLITE_DATA_VERSION_EVENTS
    ]


def postgresql_data_version_trigger_on_approval(table):
    """The PostgreSQL trigger that moves the data version on when decisions inserted into
    `table` approve something (migration 0011's function), and never when a submission only
    waits for review."""
    return _postgresql_trigger(
        "commitments_data_changed_if_approved",
        f"AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_reviews",
        "commitments_data_changed_if_approved",
    )


def sqlite_data_version_trigger_on_approval(table):
    """SQLite's counterpart of postgresql_data_version_trigger_on_approval."""
    return sqlite_data_version_trigger(
        table, "INSERT", when="NEW.decision = 'approve'", if_not_exists=False
    )


# Append-only tables: UPDATE and DELETE refused whoever sends them, and on SQLite REPLACE (an
# insert over an existing row) too; on PostgreSQL TRUNCATE unless the session sets
# roadmap.allow_truncate (a test run's flush does). Migrations 0003, 0008 and 0011 created these
# triggers for the status updates and their review decisions, a few at a time, with the helpers
# below; append_only creates them all for a table, as migrations from 0020 on do. Its SQLite
# triggers are the same, indented deeper; its PostgreSQL statements are laid out differently,
# and so written out in it.


def sqlite_refusal(name, event, table, message, *, existing=None, indent=4):
    """SQLite's trigger `name` that refuses `event` on `table` with `message`: every time, or,
    for an INSERT given `existing` (a condition on NEW), when such a row already exists."""
    condition = f"\n    WHEN EXISTS (SELECT 1 FROM {table} WHERE {existing})" if existing else ""
    return _indented(
        f"""
    CREATE TRIGGER {name} BEFORE {event} ON {table}{condition}
    BEGIN SELECT RAISE(ABORT, '{message}'); END;
    """,
        indent,
    )


def sqlite_no_update_or_delete(table, message, *, indent=4):
    """SQLite's triggers `table`_no_update and `table`_no_delete."""
    return [
        sqlite_refusal(
            f"{table}_no_{event.lower()}",
            event,
            table,
            f"{message} ({event} refused)",
            indent=indent,
        )
        for event in ("UPDATE", "DELETE")
    ]


def sqlite_no_replace(table, message, *, indent=4):
    """SQLite's trigger `table`_no_replace: no insert over an existing id."""
    return sqlite_refusal(
        f"{table}_no_replace",
        "INSERT",
        table,
        f"{message} (an insert over an existing id refused)",
        existing="id = NEW.id",
        indent=indent,
    )


def postgresql_no_update_or_delete(table, message):
    """PostgreSQL's function and row trigger that refuse an UPDATE or a DELETE on `table`, as
    migrations 0003 and 0011 wrote them."""
    function = f"{table}_append_only"
    return [
        f"""
    CREATE FUNCTION {function}() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{message} (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END
    $$ LANGUAGE plpgsql;
    """,
        _postgresql_trigger(function, f"BEFORE UPDATE OR DELETE ON {table}", function, each="ROW"),
    ]


def postgresql_no_truncate_trigger(table, function):
    """PostgreSQL's trigger that refuses a TRUNCATE of `table` with `function` (migration 0008's
    commitments_statusupdate_no_truncate), as migrations 0008 and 0011 wrote it."""
    return _postgresql_trigger(f"{table}_no_truncate", f"BEFORE TRUNCATE ON {table}", function)


def _postgresql_refusing_function(name, condition, exception):
    """The PL/pgSQL trigger function `name` that raises `exception` (RAISE EXCEPTION's
    arguments) as an integrity error when `condition` holds, as append_only and
    current_status_reviewed write it."""
    return f"""
            CREATE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
                IF {condition} THEN
                    RAISE EXCEPTION {exception}
                    USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql;
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
            _postgresql_refusing_function(
                no_truncate,
                "coalesce(current_setting('roadmap.allow_truncate', true), '') <> 'on'",
                f"'{message} (TRUNCATE refused)'",
            ),
            f"""
            CREATE TRIGGER {no_truncate} BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {no_truncate}();
            """,
        ],
        "sqlite": [
            *sqlite_no_update_or_delete(table, message, indent=12),
            sqlite_no_replace(table, message, indent=12),
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


def reviewed_record(table, decision_table, record_column, *, record_message, decision_message):
    """The statements of a reviewed record's two tables (`table`, and `decision_table` whose
    `record_column` names the record decided on), as migration 0021 made them for indicator
    values: both append-only (append_only, with `record_message` and `decision_message`);
    SQLite also refuses a second decision on a record (an insert over its decision); and the
    data version moves when a record is approved, never when one is submitted (migration
    0011's rule: anonymous readers see approved records only, and their ETags must not tell
    them a pending one arrived). Returns (forward, reverse), as append_only does."""
    records, records_reverse = append_only(table, record_message)
    decisions, decisions_reverse = append_only(decision_table, decision_message)
    forward = {
        "postgresql": [
            *records["postgresql"],
            *decisions["postgresql"],
            postgresql_data_version_trigger(table, "UPDATE OR DELETE OR TRUNCATE"),
            postgresql_data_version_trigger_on_approval(decision_table),
        ],
        "sqlite": [
            *records["sqlite"],
            *decisions["sqlite"],
            sqlite_refusal(
                f"{decision_table}_no_second_decision",
                "INSERT",
                decision_table,
                "review decisions are final (an insert over a decision refused)",
                existing=f"{record_column} = NEW.{record_column}",
            ),
            sqlite_data_version_trigger_on_approval(decision_table),
        ],
    }
    reverse = {
        "postgresql": [
            f"DROP TRIGGER commitments_data_changed_if_approved ON {decision_table};",
            f"DROP TRIGGER commitments_data_changed ON {table};",
            *decisions_reverse["postgresql"],
            *records_reverse["postgresql"],
        ],
        "sqlite": [
            f"DROP TRIGGER {decision_table}_insert_data_changed;",
            f"DROP TRIGGER {decision_table}_no_second_decision;",
            *decisions_reverse["sqlite"],
            *records_reverse["sqlite"],
        ],
    }
    return forward, reverse


CURRENT_STATUS_MESSAGE = (
    "a commitment's current status is that of its newest approved status update, set when an "
    "update is approved: record an update and have it reviewed"
)


def _current_status_allowed(same, *, public_only=False):
    """True when NEW (a commitments_commitment row) holds what
    services.commitments.refresh_current_status derives: the status, progress and as-of date of its newest standing update (approved, and
    not replaced by an approved correction: StatusUpdateQuerySet.newest_standing, in
    StatusUpdate's Meta.ordering), or, with none, not assessed. `same` is the vendor's
    null-safe equality. `public_only` (migration 0041): of public updates alone, which only public
    corrections replace (StatusUpdate.objects.readable_by(Releasability.PUBLIC)): the stored
    current status is the public's."""
    public = "\n              AND {}.releasability = 'public'" if public_only else ""
    standing = f"""
        FROM commitments_statusupdate u
        JOIN commitments_review r ON r.update_id = u.id AND r.decision = 'approve'
        WHERE u.commitment_id = NEW.id{public.format("u")} AND NOT EXISTS (
            SELECT 1 FROM commitments_statusupdate c
            JOIN commitments_review cr ON cr.update_id = c.id AND cr.decision = 'approve'
            WHERE c.corrects_id = u.id{public.format("c")}
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


def current_status_reviewed(*, public_only=False):
    """The statements that let a commitment's current status be only what the approved history
    says (issue 22): an INSERT, or an UPDATE that changes the current status, progress or as-of
    date, is refused unless they are those of the commitment's newest standing update (or not
    assessed, when it has none). Whoever sends it: an older release still serving during a
    deploy, which wrote the status of an update nobody approved, is refused too.

    AFTER triggers, so that the named check constraints (commitment_assessed_iff_as_of...)
    refuse an inconsistent row first, with their own message. SQLite rebuilds a table to
    change its check constraints, losing its triggers: a migration that rebuilds
    commitments_commitment runs the "sqlite" statements again. Returns (forward, reverse), as
    append_only does.

    `public_only` (migration 0041): the newest standing *public* update, which only public
    corrections replace: what the public reads is what is stored."""
    table = "commitments_commitment"
    function = f"{table}_current_status_reviewed"
    message = CURRENT_STATUS_MESSAGE.replace("'", "''")  # in an SQL string
    forward = {
        "postgresql": [
            _postgresql_refusing_function(
                function,
                f"NOT ({_current_status_allowed('IS NOT DISTINCT FROM', public_only=public_only)})",
                f"'{message} (% of %: %, %, as of % refused)',"
                "\n                        TG_OP, NEW.code, NEW.current_status, NEW.current_progress,"
                "\n                        NEW.current_as_of",
            ),
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
            WHEN NOT ({_current_status_allowed("IS", public_only=public_only)})
            BEGIN SELECT RAISE(ABORT, '{message} (INSERT refused)'); END;
            """,
            f"""
            CREATE TRIGGER IF NOT EXISTS {function}_update
            AFTER UPDATE OF {CURRENT_COLUMNS} ON {table}
            WHEN ({_current_changed("IS NOT")}) AND NOT ({_current_status_allowed("IS", public_only=public_only)})
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


# The data migrations' queries (migrations 0018 and 0023), as the models and services made them
# on the day.


def standing_updates(StatusUpdate, *, public_only=False):
    """The standing status updates of the commitment OuterRef("pk"), newest first: approved,
    and not replaced by an approved correction (StatusUpdateQuerySet.newest_standing).
    `StatusUpdate` is the migration's historical model. `public_only`: public updates, which
    only public corrections replace (migration 0041)."""
    public = {"releasability": "public"} if public_only else {}
    approved_correction = StatusUpdate.objects.filter(
        corrects=OuterRef("pk"), review__decision="approve", **public
    )
    return (
        StatusUpdate.objects.filter(commitment=OuterRef("pk"), review__decision="approve", **public)
        .exclude(Exists(approved_correction))
        .order_by("-as_of", "-created_at", "-id")
    )


def derive_current_statuses(apps, schema_editor, *, public_only=False, times=False):
    """Gives every commitment whose current status differs from its newest standing update
    (`public_only`: public update, standing_updates) that update's, written out as the services
    derive it on the day (`times`: with when it was recorded and approved, from migration 0035
    on); nothing is written where none differs, so the data version moves only when something
    readers see was wrong. A RunPython function's body (migrations 0023 and 0041)."""
    Commitment = apps.get_model("commitments", "Commitment")
    using = schema_editor.connection.alias
    # The newest standing update, in StatusUpdate's Meta.ordering.
    newest = standing_updates(
        apps.get_model("commitments", "StatusUpdate"), public_only=public_only
    )
    derived = {
        f"derived_{column}": Subquery(newest.values(column)[:1])
        for column in ("status", "progress", "as_of", "summary")
    }
    if times:
        derived["derived_created_at"] = Subquery(newest.values("created_at")[:1])
        derived["derived_decided_at"] = Subquery(newest.values("review__decided_at")[:1])
    rows = Commitment.objects.using(using).annotate(**derived)
    for row in rows.values("pk", "current_status", "current_progress", "current_as_of", *derived):
        current = (
            row["derived_status"] or "not_assessed",
            row["derived_progress"],
            row["derived_as_of"],
        )
        if (row["current_status"], row["current_progress"], row["current_as_of"]) == current:
            continue
        written = {}
        if schema_editor.connection.vendor == "postgresql":
            summary = Value(row["derived_summary"] or "")
            written["search_vector"] = commitment_search_vector(summary)
        if times:
            written["last_recorded_at"] = row["derived_created_at"]
            written["last_approved_at"] = row["derived_decided_at"]
        Commitment.objects.using(using).filter(pk=row["pk"]).update(
            current_status=current[0],
            current_progress=current[1],
            current_as_of=current[2],
            **written,
        )


def commitment_search_vector(summary):
    """A commitment's search vector, weighed as models.search_vector weighs it: its code and
    title first, then its text, then `summary` (its current summary, an expression)."""
    return (
        SearchVector("code", "title", config="english", weight="A")
        + SearchVector("text", config="english", weight="B")
        + SearchVector(summary, config="english", weight="C")
    )


# Releasability (migration 0041): the data version is two rows of models.DataVersion. Row 1
# moves with what the public may read, as before; row RESTRICTED_DATA_VERSION with records of a
# narrower releasability (coalition, secretariat), which only cleared readers' ETags and cache
# keys follow (selectors.cache). A public reader's version never moves for what they may not
# read, so their bodies, ETags and Last-Modified stay as they were.

RESTRICTED_DATA_VERSION = 2

# The tables whose inserts make a record count, each with the record's table and the column that
# names it (None: the row is the record itself, a contribution, which counts once recorded).
# A status update and an indicator value count once a review decision approves them.
_RELEASED_ON = {
    "commitments_review": ("commitments_statusupdate", "update_id"),
    "commitments_indicatorvaluereview": ("commitments_indicatorvalue", "value_id"),
    "commitments_contribution": (None, None),
}


def _postgresql_released(table, compare):
    """The condition, in a trigger of `table` with the transition table new_rows, that a row
    made a record count whose releasability is `compare` ("= 'public'" or "<> 'public'")."""
    records, column = _RELEASED_ON[table]
    if records is None:
        return f"EXISTS (SELECT 1 FROM new_rows WHERE releasability {compare})"
    return (
        f"EXISTS (SELECT 1 FROM new_rows JOIN {records} record ON record.id = new_rows.{column}"
        f"\n                  WHERE new_rows.decision = 'approve'"
        f" AND record.releasability {compare})"
    )


def _sqlite_released(table, compare):
    """SQLite's counterpart, on the row NEW."""
    records, column = _RELEASED_ON[table]
    if records is None:
        return f"NEW.releasability {compare}"
    return (
        f"NEW.decision = 'approve' AND (SELECT releasability FROM {records}"
        f" WHERE id = NEW.{column}) {compare}"
    )


def data_versions_by_releasability():
    """The statements that split the data version by releasability: an approval of a status
    update or an indicator value, and a contribution's insert, move row 1 when the record is
    public and row RESTRICTED_DATA_VERSION when it is not, never both. Every other write moves
    row 1 as before. Returns (forward, reverse), as append_only does."""
    restricted = RESTRICTED_DATA_VERSION
    postgresql = [
        f"""
    CREATE FUNCTION commitments_bump_restricted_data_version() RETURNS void AS $$
        INSERT INTO commitments_dataversion (id, number, changed_at)
        VALUES ({restricted}, 1, clock_timestamp())
        ON CONFLICT (id) DO UPDATE
        SET number = commitments_dataversion.number + 1, changed_at = clock_timestamp();
    $$ LANGUAGE sql;
    """
    ]
    postgresql_reverse = []
    for table in _RELEASED_ON:
        function = f"{table}_released"
        postgresql.append(
            f"""
    CREATE FUNCTION {function}() RETURNS trigger AS $$
    BEGIN
        IF {_postgresql_released(table, "= 'public'")} THEN
            PERFORM commitments_bump_data_version();
        END IF;
        IF {_postgresql_released(table, "<> 'public'")} THEN
            PERFORM commitments_bump_restricted_data_version();
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql;
    """
        )
        if table == "commitments_contribution":
            postgresql += [
                f"DROP TRIGGER commitments_data_changed ON {table};",
                postgresql_data_version_trigger(table, "UPDATE OR DELETE OR TRUNCATE"),
            ]
            postgresql_reverse += [
                f"DROP TRIGGER commitments_data_changed ON {table};",
                postgresql_data_version_trigger(table),
            ]
        else:
            postgresql.append(f"DROP TRIGGER commitments_data_changed_if_approved ON {table};")
            postgresql_reverse.append(postgresql_data_version_trigger_on_approval(table))
        postgresql.append(
            _postgresql_trigger(
                function, f"AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows", function
            )
        )
        postgresql_reverse[:0] = [f"DROP TRIGGER {function} ON {table};"]
        postgresql_reverse.append(f"DROP FUNCTION {function}();")
    postgresql_reverse.append("DROP FUNCTION commitments_bump_restricted_data_version();")

    sqlite, sqlite_reverse = [], []
    for table in _RELEASED_ON:
        sqlite += [
            f"DROP TRIGGER {table}_insert_data_changed;",
            sqlite_data_version_trigger(
                table, "INSERT", when=_sqlite_released(table, "= 'public'"), if_not_exists=False
            ),
            sqlite_data_version_trigger(
                table,
                "INSERT",
                name=f"{table}_insert_restricted_data_changed",
                when=_sqlite_released(table, "<> 'public'"),
                if_not_exists=False,
                row=restricted,
            ),
        ]
        original = (
            sqlite_data_version_trigger(table, "INSERT")
            if _RELEASED_ON[table][0] is None
            else sqlite_data_version_trigger_on_approval(table)
        )
        sqlite_reverse += [
            f"DROP TRIGGER {table}_insert_restricted_data_changed;",
            f"DROP TRIGGER {table}_insert_data_changed;",
            original,
        ]
    return (
        {"postgresql": postgresql, "sqlite": sqlite},
        {"postgresql": postgresql_reverse, "sqlite": sqlite_reverse},
    )


# Releases (migration 0043, models.Release): a record's releasability is the one column an UPDATE
# may change, to a wider level, and only as an approved release of that record says. The ranks
# are models.Releasability's, widest first.
RELEASABILITY_RANK = (
    "CASE {} WHEN 'public' THEN 0 WHEN 'coalition' THEN 1 WHEN 'secretariat' THEN 2 END"
)


def _released(release_column):
    """True when the UPDATE of NEW over OLD widens its releasability as an approved release of
    the record (`release_column`: the release's column naming it) says, from OLD's to NEW's."""
    return f"""({RELEASABILITY_RANK.format("NEW.releasability")})
                < ({RELEASABILITY_RANK.format("OLD.releasability")})
                AND EXISTS (
                    SELECT 1 FROM commitments_release r
                    JOIN commitments_releasereview d
                        ON d.release_id = r.id AND d.decision = 'approve'
                    WHERE r.{release_column} = OLD.id
                      AND r.released_from = OLD.releasability
                      AND r.released_to = NEW.releasability
                )"""


# The released tables (migration 0044): the column of a release that names a record of each, its
# append-only message, every column but releasability as it had them then (SQLite's guard
# compares them one by one), and how its append-only triggers were written before.
RELEASED_RECORDS = {
    "commitments_statusupdate": (
        "status_update_id",
        "status updates are append-only: record a correction instead",
        [
            "id",
            "status",
            "progress",
            "as_of",
            "summary",
            "evidence_url",
            "evidence_source",
            "confidence",
            "created_at",
            "author_id",
            "commitment_id",
            "corrects_id",
            "evidence_cited",
        ],
        "0003",
    ),
    "commitments_indicatorvalue": (
        "indicator_value_id",
        "indicator values are append-only: record a correction instead",
        [
            "id",
            "value",
            "qualifier",
            "as_of",
            "period_start",
            "period_end",
            "evidence_url",
            "evidence_source",
            "confidence",
            "created_at",
            "author_id",
            "indicator_id",
            "corrects_id",
            "evidence_cited",
        ],
        "append_only",
    ),
    "commitments_contribution": (
        "contribution_id",
        "contributions are append-only: record a correction instead",
        [
            "id",
            "kind",
            "amount",
            "currency",
            "count",
            "unit",
            "date",
            "evidence_url",
            "evidence_source",
            "note",
            "created_at",
            "author_id",
            "commitment_id",
            "partner_id",
            "corrects_id",
            "evidence_cited",
        ],
        "append_only",
    ),
}


def append_only_but_released(table, release_column, message, *, columns, was):
    """The statements that let through, of every UPDATE of append-only `table`, exactly one
    kind: one that changes its releasability alone, to a wider level, as an approved release
    says (`_released`); everything else is refused as before, with `message`. PostgreSQL
    compares every column but releasability, whatever columns the table has; SQLite compares
    `columns` (every column but releasability, as the table has them: a test checks them
    against the model). `was` ("append_only", or "0003" for the status updates' first
    triggers) says how the triggers replaced were written, for the reverse. Returns
    (forward, reverse), as append_only does."""
    function = f"{table}_append_only"
    unchanged = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in columns)
    if was == "0003":
        old_function = postgresql_no_update_or_delete(table, message)[0]
        old_sqlite, _ = sqlite_no_update_or_delete(table, message)
    else:
        old_function = append_only(table, message)[0]["postgresql"][0]
        old_sqlite, _ = sqlite_no_update_or_delete(table, message, indent=12)
    forward = {
        "postgresql": [
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE'
                   AND to_jsonb(NEW) - 'releasability' = to_jsonb(OLD) - 'releasability'
                   AND {_released(release_column)} THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{message} (% refused)', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
            END
            $$ LANGUAGE plpgsql;
            """,
        ],
        "sqlite": [
            f"DROP TRIGGER {table}_no_update;",
            f"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            WHEN NOT ({unchanged}
                AND {_released(release_column)})
            BEGIN SELECT RAISE(ABORT, '{message} (UPDATE refused)'); END;
            """,
        ],
    }
    reverse = {
        "postgresql": [old_function.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)],
        "sqlite": [f"DROP TRIGGER {table}_no_update;", old_sqlite],
    }
    return forward, reverse


# The records' own evidence columns, evidence_url and evidence_source, moved into graded evidence
# (migration 0043) and dropped (migration 0046). Each kind of record, with the field that dates
# it (None: an indicator value's as_of, or else its period's end).
EVIDENCE_RECORDS = {"StatusUpdate": "as_of", "IndicatorValue": None, "Contribution": "date"}
MIGRATED_SUMMARY = "Cited by records before evidence was graded; not graded since."


def evidence_source(url, source):
    """Who or what evidence given as a URL and a source comes from: the source, or else the
    host of its URL."""
    return (source or urlsplit(url).hostname or url)[:300]


def evidence_from_record_columns(apps, schema_editor):
    """Moves each record's evidence_url and evidence_source into a piece of evidence it cites,
    unless it cites such a piece already (one moved before, by migration 0043): one piece for
    each distinct URL, source and releasability across the three kinds of record, graded F6,
    dated the earliest date of the records citing it, recorded by the author of the first of
    them (and when it was recorded). A source without a URL is its own reference. The record
    cites it after the evidence it cited already: its evidence_cited grows by one."""
    Evidence = apps.get_model("commitments", "Evidence")
    pieces, citations = {}, []
    for name, date_field in EVIDENCE_RECORDS.items():
        model = apps.get_model("commitments", name)
        records = (
            model.objects.exclude(evidence_url="", evidence_source="")
            .prefetch_related("citations__evidence")
            .order_by("created_at", "id")
        )
        for record in records.iterator(chunk_size=2000):
            url, source = record.evidence_url, record.evidence_source
            moved = (url, evidence_source(url, source))
            if any(
                (citation.evidence.url, citation.evidence.source) == moved
                for citation in record.citations.all()
            ):
                continue
            date = getattr(record, date_field) if date_field else record.as_of or record.period_end
            key = (url, source, record.releasability)
            piece = pieces.get(key)
            if piece is None:
                piece = pieces[key] = Evidence(
                    source=evidence_source(url, source),
                    url=url,
                    reference="" if url else source,
                    date=date,
                    summary=MIGRATED_SUMMARY,
                    reliability="F",
                    credibility="6",
                    releasability=record.releasability,
                    author_id=record.author_id,
                    created_at=record.created_at,
                )
            piece.date = min(piece.date, date)
            citations.append((model, record.pk, record.evidence_cited, key))
    for piece in pieces.values():
        piece.save(force_insert=True)
    cited = {}
    for model, record_id, position, key in citations:
        cited.setdefault(model, []).append((record_id, position, pieces[key]))
    for model, records in cited.items():
        # A citation past evidence_cited is refused: the number grows first.
        ids = [record_id for record_id, _, _ in records]
        update_lifting_append_only(
            schema_editor, model, ids, evidence_cited=F("evidence_cited") + 1
        )
        citation = model._meta.get_field("evidence").remote_field.through
        field = next(field.name for field in citation._meta.fields if field.related_model is model)
        citation.objects.bulk_create(
            citation(**{f"{field}_id": record_id}, evidence=piece, position=position)
            for record_id, position, piece in records
        )


def update_lifting_append_only(schema_editor, model, ids, **values):
    """Updates `model`'s rows `ids` with `values`, the append-only triggers of its table lifted
    for the one UPDATE: on PostgreSQL disabled, on SQLite dropped and created again in the same
    text (gone already, when the migration rebuilt the table)."""
    table = model._meta.db_table
    postgresql = schema_editor.connection.vendor == "postgresql"
    kept = []
    if postgresql:
        # ALTER TABLE waits for no deferred check of rows written before in the transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER", params=None)
    else:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [f"{table}_no_update"],
            )
            kept = cursor.fetchall()
        for name, _ in kept:
            schema_editor.execute(f"DROP TRIGGER {name}", params=None)
    model.objects.filter(pk__in=ids).update(**values)
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE", params=None)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER", params=None)
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED", params=None)
    for _, sql in kept:
        schema_editor.execute(sql, params=None)

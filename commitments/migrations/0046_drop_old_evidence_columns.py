"""Evidence is said once: the reviewed records' own evidence_url and evidence_source, which
migration 0043 moved into graded evidence, are dropped from status updates, indicator values and
contributions. A record written with them after 0043 (the API took them until now) has them
moved first, as 0043 moved the others (migration_sql.evidence_from_record_columns: a record that
cites such a piece already is left as it is).

SQLite's guard of the released records (migration 0044, migration_sql.append_only_but_released)
names every column but the marking, and SQLite refuses to drop a column a trigger names: each
table's guard is dropped before its columns and created again without them after. PostgreSQL's
compares whole rows, whatever their columns: it stays as it is.

Backwards, the columns come back empty (their values live on in the evidence), with 0044's
guards; SQLite rebuilds the tables to add them, which keeping_sqlite_triggers lets it do."""

from django.db import migrations

from commitments.migration_sql import (
    RELEASED_RECORDS,
    append_only_but_released,
    evidence_from_record_columns,
    keeping_sqlite_triggers,
    run_python,
)

DROPPED = ["evidence_url", "evidence_source"]


def _guards(dropped=()):
    """SQLite's guard of each released table (migration 0044's, migration_sql.RELEASED_RECORDS),
    comparing every column but releasability and the `dropped` ones."""
    return [
        append_only_but_released(
            table,
            release_column,
            message,
            columns=[column for column in columns if column not in dropped],
            was=was,
        )[0]["sqlite"][1]
        for table, (release_column, message, columns, was) in RELEASED_RECORDS.items()
    ]


DROP_GUARDS = {"sqlite": [f"DROP TRIGGER {table}_no_update;" for table in RELEASED_RECORDS]}
NEW_GUARDS = {"sqlite": _guards(DROPPED)}
OLD_GUARDS = {"sqlite": _guards()}


def _removed(model):
    return [migrations.RemoveField(model_name=model, name=name) for name in DROPPED]


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0045_dependencies"),
    ]

    operations = [
        migrations.RunPython(evidence_from_record_columns, migrations.RunPython.noop),
        *keeping_sqlite_triggers(
            list(RELEASED_RECORDS),
            run_python(DROP_GUARDS, OLD_GUARDS),
            *_removed("statusupdate"),
            *_removed("indicatorvalue"),
            *_removed("contribution"),
            run_python(NEW_GUARDS, DROP_GUARDS),
        ),
    ]


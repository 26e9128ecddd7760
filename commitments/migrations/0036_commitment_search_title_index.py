"""A GIN index of the words of a commitment's search vector weighted A (its code and title), on
PostgreSQL: a search of one word ranks a page from the commitments that hold it there when
enough do (models.commitments._FirstByTitle). Outside the model's state, as migration 0018's
index on the whole vector: SQLite has no GIN."""

from django.db import migrations

INDEX = "commitment_search_title_idx"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON commitments_commitment "
            "USING gin (ts_filter(search_vector, '{a}'))"
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("commitments", "0035_current_update_recorded_and_approved")]

    operations = [migrations.RunPython(add_index, remove_index)]

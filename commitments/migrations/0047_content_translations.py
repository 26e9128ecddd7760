"""French and Arabic versions of the texts Editors translate (commitments/translation.py,
django-modeltranslation): a column a language beside each field's own, which keeps the English.
The English column of every row that exists is filled from the field's own column, so that each
text reads the same as before in English and falls back to it in French and Arabic.

SQLite rebuilds a table to add a unique column (the names'); keeping_sqlite_triggers keeps the
triggers of the tables rebuilt, and of the tables whose triggers name them."""

from django.db import migrations, models

from commitments.migration_sql import keeping_sqlite_triggers

TRANSLATED = {
    "commitments_commitment": "title",
    "commitments_indicator": "name",
    "commitments_pillar": "name",
    "commitments_theme": "name",
    "commitments_place": "name",
}


def _english_from_own_column(apps, schema_editor):
    for table, column in TRANSLATED.items():
        schema_editor.execute(f"UPDATE {table} SET {column}_en_gb = {column}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0046_drop_old_evidence_columns"),
    ]

    operations = [
        *keeping_sqlite_triggers(
            list(TRANSLATED),
            migrations.AddField(
                model_name="commitment",
                name="title_ar",
                field=models.CharField(
                    help_text="Short title for lists.", max_length=200, null=True
                ),
            ),
            migrations.AddField(
                model_name="commitment",
                name="title_en_gb",
                field=models.CharField(
                    help_text="Short title for lists.", max_length=200, null=True
                ),
            ),
            migrations.AddField(
                model_name="commitment",
                name="title_fr",
                field=models.CharField(
                    help_text="Short title for lists.", max_length=200, null=True
                ),
            ),
            migrations.AddField(
                model_name="indicator",
                name="name_ar",
                field=models.CharField(
                    help_text="What is measured, e.g. people freed.", max_length=200, null=True
                ),
            ),
            migrations.AddField(
                model_name="indicator",
                name="name_en_gb",
                field=models.CharField(
                    help_text="What is measured, e.g. people freed.", max_length=200, null=True
                ),
            ),
            migrations.AddField(
                model_name="indicator",
                name="name_fr",
                field=models.CharField(
                    help_text="What is measured, e.g. people freed.", max_length=200, null=True
                ),
            ),
            migrations.AddField(
                model_name="pillar",
                name="name_ar",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="pillar",
                name="name_en_gb",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="pillar",
                name="name_fr",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="place",
                name="name_ar",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="place",
                name="name_en_gb",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="place",
                name="name_fr",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="theme",
                name="name_ar",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="theme",
                name="name_en_gb",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
            migrations.AddField(
                model_name="theme",
                name="name_fr",
                field=models.CharField(max_length=100, null=True, unique=True),
            ),
        ),
        migrations.RunPython(_english_from_own_column, migrations.RunPython.noop),
    ]

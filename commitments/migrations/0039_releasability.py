"""Releasability (issue 28): every status update, indicator value and contribution says who may
read it, public for every record there is; and the clearances that open the narrower ones, as
permissions of the commitment (the clearance groups get them from roles.sync_roles).

SQLite rebuilds the three record tables to add the column and its check, which drops their
triggers (append-only, the data version, and the commitments' current-status guard that names
the status updates): keeping_sqlite_triggers reads them first and creates them again."""

from django.conf import settings
from django.db import migrations, models

from commitments.migration_sql import keeping_sqlite_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0038_commitment_created_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = keeping_sqlite_triggers(
        [
            "commitments_statusupdate",
            "commitments_indicatorvalue",
            "commitments_contribution",
        ],
        migrations.AlterModelOptions(
            name="commitment",
            options={
                "ordering": ["source_document_id", "paragraph", "code"],
                "permissions": [
                    ("read_coalition", "Can read what is released to the coalition"),
                    ("read_secretariat", "Can read what is released to the secretariat"),
                ],
            },
        ),
        migrations.AddField(
            model_name="contribution",
            name="releasability",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("coalition", "Coalition"),
                    ("secretariat", "Secretariat"),
                ],
                db_default="public",
                default="public",
                help_text="Who may read it: the public, Coalition members' staff, or the secretariat alone. Its author names it (RELEASABILITY_DEFAULTS when they do not).",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="releasability",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("coalition", "Coalition"),
                    ("secretariat", "Secretariat"),
                ],
                db_default="public",
                default="public",
                help_text="Who may read it: the public, Coalition members' staff, or the secretariat alone. Its author names it (RELEASABILITY_DEFAULTS when they do not).",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="statusupdate",
            name="releasability",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("coalition", "Coalition"),
                    ("secretariat", "Secretariat"),
                ],
                db_default="public",
                default="public",
                help_text="Who may read it: the public, Coalition members' staff, or the secretariat alone. Its author names it (RELEASABILITY_DEFAULTS when they do not).",
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="contribution",
            constraint=models.CheckConstraint(
                condition=models.Q(("releasability__in", ["public", "coalition", "secretariat"])),
                name="contribution_releasability_valid",
                violation_error_message="Choose public, coalition or secretariat.",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicatorvalue",
            constraint=models.CheckConstraint(
                condition=models.Q(("releasability__in", ["public", "coalition", "secretariat"])),
                name="indicatorvalue_releasability_valid",
                violation_error_message="Choose public, coalition or secretariat.",
            ),
        ),
        migrations.AddConstraint(
            model_name="statusupdate",
            constraint=models.CheckConstraint(
                condition=models.Q(("releasability__in", ["public", "coalition", "secretariat"])),
                name="statusupdate_releasability_valid",
                violation_error_message="Choose public, coalition or secretariat.",
            ),
        ),
    )

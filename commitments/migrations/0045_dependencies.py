"""Issue 28, dependencies and slip alerts: which commitments depend on which (with their
history, removals included), the alerts sent to their owners when one slips (one per update and
person), and the event type that tells webhooks of a slip.

The API shows the dependencies (a commitment's detail, GET /api/v1/dependencies/): a write to
them moves the data version, as a write to any table the API shows does (migration 0005's
trigger on PostgreSQL, one per event on SQLite). The events' type only gains a choice, which
changes nothing in the database (SQLite does not rebuild the table for it)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from commitments.migration_models import historical_foreign_key, historical_model
from commitments.migration_sql import (
    postgresql_data_version_trigger,
    run_python,
    sqlite_data_version_triggers,
    sqlite_drop_data_version_triggers,
)

TABLE = "commitments_dependency"


def _history():
    """simple_history's model of the dependencies' history: the removals stay in it."""
    operation = historical_model(
        "HistoricalDependency",
        ("note", models.TextField(blank=True, help_text="Why it depends on it, in a sentence.")),
        ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
        verbose_name="dependency",
        relations=[
            (
                "author",
                historical_foreign_key(settings.AUTH_USER_MODEL, help_text="Who recorded it."),
            ),
            (
                "commitment",
                historical_foreign_key(
                    "commitments.commitment",
                    help_text="The commitment that depends on the other.",
                ),
            ),
            (
                "depends_on",
                historical_foreign_key(
                    "commitments.commitment",
                    help_text="The commitment it depends on: when this one slips, its "
                    "dependents' owners are alerted.",
                ),
            ),
        ],
    )
    operation.options["verbose_name_plural"] = "historical dependencies"
    return operation


HISTORY = _history()
TRIGGERS = {
    "postgresql": [postgresql_data_version_trigger(TABLE)],
    "sqlite": sqlite_data_version_triggers(TABLE),
}
TRIGGERS_REVERSE = {
    "postgresql": [f"DROP TRIGGER commitments_data_changed ON {TABLE};"],
    "sqlite": sqlite_drop_data_version_triggers(TABLE),
}


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0044_releases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="type",
            field=models.CharField(
                choices=[
                    ("update.submitted", "Status update submitted"),
                    ("update.approved", "Status update approved"),
                    ("update.returned", "Status update returned"),
                    ("update.withdrawn", "Status update withdrawn"),
                    ("commitment.created", "Commitment created"),
                    ("commitment.changed", "Commitment changed"),
                    ("contribution.recorded", "Contribution recorded"),
                    ("contribution.corrected", "Contribution corrected"),
                    ("indicator.created", "Indicator created"),
                    ("indicator.changed", "Indicator changed"),
                    ("indicator_value.submitted", "Indicator value submitted"),
                    ("indicator_value.approved", "Indicator value approved"),
                    ("indicator_value.returned", "Indicator value returned"),
                    ("indicator_value.withdrawn", "Indicator value withdrawn"),
                    ("dependency.slipped", "Dependency slipped"),
                ],
                max_length=40,
            ),
        ),
        HISTORY,
        migrations.CreateModel(
            name="Dependency",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "note",
                    models.TextField(blank=True, help_text="Why it depends on it, in a sentence."),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        help_text="Who recorded it.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "commitment",
                    models.ForeignKey(
                        help_text="The commitment that depends on the other.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="dependency_links",
                        to="commitments.commitment",
                    ),
                ),
                (
                    "depends_on",
                    models.ForeignKey(
                        help_text="The commitment it depends on: when this one slips, its dependents' owners are alerted.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="dependent_links",
                        to="commitments.commitment",
                    ),
                ),
            ],
            options={
                "verbose_name": "dependency",
                "verbose_name_plural": "dependencies",
                "ordering": ["commitment__code", "depends_on__code"],
                "indexes": [models.Index(fields=["depends_on"], name="dependency_depends_on_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("commitment", "depends_on"),
                        name="dependency_unique_pair",
                        violation_error_message="This dependency is recorded already.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("commitment", models.F("depends_on")), _negated=True),
                        name="dependency_not_on_itself",
                        violation_error_message="A commitment cannot depend on itself.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SlipAlert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "commitments",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="How many of their commitments depending on it the email listed.",
                    ),
                ),
                (
                    "sent_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="slip_alerts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "update",
                    models.ForeignKey(
                        help_text="The approved update that moved its commitment to at risk or off track.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="slip_alerts",
                        to="commitments.statusupdate",
                    ),
                ),
            ],
            options={
                "verbose_name": "slip alert",
                "ordering": ["-sent_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("update", "recipient"),
                        name="slipalert_once_per_update_and_person",
                        violation_error_message="This person was alerted of this slip already.",
                    )
                ],
            },
        ),
        run_python(TRIGGERS, TRIGGERS_REVERSE),
    ]

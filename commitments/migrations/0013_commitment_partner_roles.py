"""A commitment's partners get a role, lead or support: the link table Django made for
Commitment.partners becomes the model CommitmentPartner, under the same table name, so that
every link, its data-version triggers (migration 0005) and its history rows are kept.

The state first learns of the table as it is (with the pair unique as Django made it), then
the database gets the role and the named constraints. SQLite rebuilds the table to add a NOT
NULL column or a constraint, and the rebuilt table has lost its data-version triggers: they are
created again at the end (and, migrating back, after the reverse rebuilds).

The history of the links (simple_history's HistoricalCommitment_partners) follows the through
model's new name, with its rows: links recorded before roles existed read as support, which
is what every partner was."""

import django.db.models.deletion
from django.db import migrations, models

from commitments.migration_models import create_model
from commitments.migration_sql import run_python, sqlite_data_version_triggers

LINK_TABLE = "commitments_commitment_partners"
SQLITE_TRIGGERS = {"sqlite": sqlite_data_version_triggers(LINK_TABLE)}
ROLE = models.CharField(
    choices=[("lead", "Lead"), ("support", "Support")],
    default="support",
    help_text="Lead only where the source says this partner leads.",
    max_length=10,
)


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0012_commitment_owner"),
    ]

    operations = [
        # Migrating back, this runs last: the triggers again, after the reverse rebuilds.
        run_python(reverse=SQLITE_TRIGGERS),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                create_model(
                    "CommitmentPartner",
                    ("commitment", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="partner_links", to="commitments.commitment")),
                    ("partner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="commitment_links", to="commitments.partner")),
                    options={
                        "verbose_name": "partner of a commitment",
                        "db_table": LINK_TABLE,
                        "ordering": ["partner__name"],
                        # As Django made the link table; replaced by a named constraint below.
                        "unique_together": {("commitment", "partner")},
                    },
                ),
                migrations.AlterField(
                    model_name="commitment",
                    name="partners",
                    field=models.ManyToManyField(blank=True, related_name="commitments", through="commitments.CommitmentPartner", to="commitments.partner"),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(model_name="commitmentpartner", name="role", field=ROLE),
        migrations.AlterUniqueTogether(name="commitmentpartner", unique_together=set()),
        migrations.AddConstraint(
            model_name="commitmentpartner",
            constraint=models.UniqueConstraint(fields=("commitment", "partner"), name="commitmentpartner_unique_pair", violation_error_message="A partner is named once per commitment."),
        ),
        migrations.AddConstraint(
            model_name="commitmentpartner",
            constraint=models.CheckConstraint(condition=models.Q(("role__in", ["lead", "support"])), name="commitmentpartner_role_valid", violation_error_message="Choose lead or support."),
        ),
        # The links' history, under the through model's name, rows kept.
        migrations.RenameModel("HistoricalCommitment_partners", "HistoricalCommitmentPartner"),
        migrations.AlterModelOptions(
            name="historicalcommitmentpartner",
            options={"verbose_name": "HistoricalCommitmentPartner"},
        ),
        migrations.AddField(model_name="historicalcommitmentpartner", name="role", field=ROLE),
        # As simple_history copies the through model's foreign keys now (no tablespace).
        migrations.AlterField(
            model_name="historicalcommitmentpartner",
            name="commitment",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="commitments.commitment"),
        ),
        migrations.AlterField(
            model_name="historicalcommitmentpartner",
            name="partner",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="commitments.partner"),
        ),
        run_python(SQLITE_TRIGGERS),
    ]

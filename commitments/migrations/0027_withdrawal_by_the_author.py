"""An author may withdraw their own pending update or value: a third decision, "withdraw",
written like the others (final, one per record, the author as its `reviewer`).

SQLite rebuilds the two decision tables to change their check constraint, which drops their
triggers (append-only, one decision per record, the data version on approval):
keeping_sqlite_triggers reads them first and creates them again, in the same text."""

from django.db import migrations, models

from commitments.migration_sql import keeping_sqlite_triggers

DECISIONS = [
    ("approve", "Approved"),
    ("return", "Returned for revision"),
    ("withdraw", "Withdrawn by its author"),
]


def decision_valid(table, noun):
    return models.CheckConstraint(
        condition=models.Q(("decision__in", ["approve", "return", "withdraw"])),
        name=f"{table}_decision_valid",
        violation_error_message=f"Decide to approve or to return the {noun} (or, its author, to "
        "withdraw it).",
    )


class Migration(migrations.Migration):
    dependencies = [("commitments", "0026_records_share_author_and_reviewer")]

    operations = keeping_sqlite_triggers(
        ["commitments_review", "commitments_indicatorvaluereview"],
        *[
            operation
            for model, noun in (("review", "update"), ("indicatorvaluereview", "value"))
            for operation in (
                migrations.RemoveConstraint(model_name=model, name=f"{model}_decision_valid"),
                migrations.AlterField(
                    model_name=model,
                    name="decision",
                    field=models.CharField(choices=DECISIONS, max_length=10),
                ),
                migrations.AddConstraint(model_name=model, constraint=decision_valid(model, noun)),
            )
        ],
    )

"""Issue 28, graded evidence: Evidence (who or what, a URL or a reference, a date, a summary,
graded A-F and 1-6 as STANAG 2511 grades it, with its releasability), and the citations by
which status updates, indicator values and contributions cite it, in order. Both append-only
(migration_sql.append_only) and in the data version; a record's citations fixed at its
submission: it says how many it cites (`evidence_cited`), and a citation past that number is
refused.

The records' own evidence_url and evidence_source become evidence: one piece for each distinct
URL, source and releasability, graded F6 (nobody graded them: reliability cannot be judged,
truth cannot be judged), dated the earliest date of the records that gave it, cited by them.

SQLite rebuilds the three record tables to add evidence_cited, which drops their triggers:
keeping_sqlite_triggers creates them again, after the data has moved (the records are
append-only: on PostgreSQL the move lifts their triggers for its one UPDATE)."""

import datetime

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from commitments.migration_sql import (
    append_only,
    evidence_from_record_columns,
    keeping_sqlite_triggers,
    postgresql_data_version_trigger,
    run_python,
    sqlite_data_version_triggers,
    sqlite_drop_data_version_triggers,
)

# Each record table, the citation table that cites from it, and its column naming the record.
CITING = {
    "commitments_statusupdate": ("commitments_statusupdateevidence", "update_id"),
    "commitments_indicatorvalue": ("commitments_indicatorvalueevidence", "value_id"),
    "commitments_contribution": ("commitments_contributionevidence", "contribution_id"),
}
EVIDENCE = "commitments_evidence"
EVIDENCE_MESSAGE = "evidence is append-only: record a new piece of evidence instead"
CITATION_MESSAGE = "citations are fixed when their record is submitted"


def sealed(table, record_table, record_column):
    """The trigger that refuses a citation of a record past the number it was submitted with
    (its evidence_cited): nothing is added to a record's evidence once it is recorded."""
    full = (
        f"(SELECT count(*) FROM {table} WHERE {record_column} = NEW.{record_column}) >= "
        f"(SELECT evidence_cited FROM {record_table} WHERE id = NEW.{record_column})"
    )
    function = f"{table}_sealed"
    return {
        "postgresql": [
            f"""
            CREATE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                IF {full} THEN
                    RAISE EXCEPTION '{CITATION_MESSAGE} (INSERT refused)'
                    USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql;
            """,
            f"""
            CREATE TRIGGER {function} BEFORE INSERT ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
            """,
        ],
        "sqlite": [
            f"""
            CREATE TRIGGER {function} BEFORE INSERT ON {table}
            WHEN {full}
            BEGIN SELECT RAISE(ABORT, '{CITATION_MESSAGE} (INSERT refused)'); END;
            """
        ],
    }, {
        "postgresql": [f"DROP TRIGGER {function} ON {table};", f"DROP FUNCTION {function}();"],
        "sqlite": [f"DROP TRIGGER {function};"],
    }


def triggers():
    """Every trigger of the new tables, forward and reverse, by vendor."""
    forward = {"postgresql": [], "sqlite": []}
    reverse = {"postgresql": [], "sqlite": []}
    tables = [(EVIDENCE, EVIDENCE_MESSAGE, None)] + [
        (table, CITATION_MESSAGE, (record_table, column))
        for record_table, (table, column) in CITING.items()
    ]
    for table, message, cites in tables:
        parts = [append_only(table, message)]
        if cites:
            parts.append(sealed(table, *cites))
        for part_forward, part_reverse in parts:
            for vendor in forward:
                forward[vendor] += part_forward[vendor]
                reverse[vendor] = part_reverse[vendor] + reverse[vendor]
        forward["postgresql"].append(postgresql_data_version_trigger(table))
        forward["sqlite"] += sqlite_data_version_triggers(table)
        reverse["postgresql"].insert(0, f"DROP TRIGGER commitments_data_changed ON {table};")
        reverse["sqlite"] = sqlite_drop_data_version_triggers(table) + reverse["sqlite"]
    return forward, reverse


FORWARD, REVERSE = triggers()

# The records' columns, by model, and the date each describes.
class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0042_releasability_of_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = keeping_sqlite_triggers(
        list(CITING),
        migrations.AddField(
            model_name="contribution",
            name="evidence_cited",
            field=models.PositiveSmallIntegerField(
                db_default=0,
                default=0,
                editable=False,
                help_text="How many pieces of evidence it cites: fixed when it is submitted.",
            ),
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="evidence_cited",
            field=models.PositiveSmallIntegerField(
                db_default=0,
                default=0,
                editable=False,
                help_text="How many pieces of evidence it cites: fixed when it is submitted.",
            ),
        ),
        migrations.AddField(
            model_name="statusupdate",
            name="evidence_cited",
            field=models.PositiveSmallIntegerField(
                db_default=0,
                default=0,
                editable=False,
                help_text="How many pieces of evidence it cites: fixed when it is submitted.",
            ),
        ),
        migrations.CreateModel(
            name="Evidence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        help_text="Who or what the information comes from, e.g. a ministry, a field office, a report's title.",
                        max_length=300,
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        blank=True,
                        help_text="Where it can be read, if it is online.",
                        max_length=500,
                        verbose_name="URL",
                    ),
                ),
                (
                    "reference",
                    models.CharField(
                        blank=True,
                        help_text="Where it can be found otherwise, e.g. a document's number or a message's date and sender. A URL, a reference or both.",
                        max_length=300,
                    ),
                ),
                (
                    "date",
                    models.DateField(
                        help_text="When the information dates from. Not in the future.",
                        validators=[
                            django.core.validators.MinValueValidator(
                                datetime.date(1900, 1, 1),
                                "The date must lie between 01 Jan 1900 and 31 Dec 2099.",
                            ),
                            django.core.validators.MaxValueValidator(
                                datetime.date(2099, 12, 31),
                                "The date must lie between 01 Jan 1900 and 31 Dec 2099.",
                            ),
                        ],
                    ),
                ),
                (
                    "summary",
                    models.TextField(blank=True, help_text="What it says, in a sentence or two."),
                ),
                (
                    "reliability",
                    models.CharField(
                        choices=[
                            ("A", "A: completely reliable"),
                            ("B", "B: usually reliable"),
                            ("C", "C: fairly reliable"),
                            ("D", "D: not usually reliable"),
                            ("E", "E: unreliable"),
                            ("F", "F: reliability cannot be judged"),
                        ],
                        help_text="How far the source can be trusted (A completely reliable ... F cannot be judged).",
                        max_length=1,
                        verbose_name="source reliability",
                    ),
                ),
                (
                    "credibility",
                    models.CharField(
                        choices=[
                            ("1", "1: confirmed by other sources"),
                            ("2", "2: probably true"),
                            ("3", "3: possibly true"),
                            ("4", "4: doubtful"),
                            ("5", "5: improbable"),
                            ("6", "6: truth cannot be judged"),
                        ],
                        help_text="How far the information is borne out (1 confirmed ... 6 cannot be judged).",
                        max_length=1,
                        verbose_name="information credibility",
                    ),
                ),
                (
                    "releasability",
                    models.CharField(
                        choices=[
                            ("public", "Public"),
                            ("coalition", "Coalition"),
                            ("secretariat", "Secretariat"),
                        ],
                        db_default="public",
                        default="public",
                        help_text="Who may read it: the public, Coalition members' staff, or the secretariat alone (RELEASABILITY_DEFAULT_EVIDENCE when its author names none).",
                        max_length=12,
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        editable=False,
                        verbose_name="recorded at",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "evidence",
                "verbose_name_plural": "evidence",
                "ordering": ["-date", "-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ContributionEvidence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "contribution",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="citations",
                        to="commitments.contribution",
                    ),
                ),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="commitments.evidence",
                    ),
                ),
            ],
            options={
                "verbose_name": "contribution's evidence",
                "verbose_name_plural": "contributions' evidence",
                "ordering": ["position", "id"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="contribution",
            name="evidence",
            field=models.ManyToManyField(
                blank=True,
                help_text="The evidence it rests on, each graded.",
                related_name="contributions",
                through="commitments.ContributionEvidence",
                to="commitments.evidence",
            ),
        ),
        migrations.CreateModel(
            name="IndicatorValueEvidence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="commitments.evidence",
                    ),
                ),
                (
                    "value",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="citations",
                        to="commitments.indicatorvalue",
                    ),
                ),
            ],
            options={
                "verbose_name": "indicator value's evidence",
                "verbose_name_plural": "indicator values' evidence",
                "ordering": ["position", "id"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="evidence",
            field=models.ManyToManyField(
                blank=True,
                help_text="The evidence it rests on, each graded.",
                related_name="indicator_values",
                through="commitments.IndicatorValueEvidence",
                to="commitments.evidence",
            ),
        ),
        migrations.CreateModel(
            name="StatusUpdateEvidence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="commitments.evidence",
                    ),
                ),
                (
                    "update",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="citations",
                        to="commitments.statusupdate",
                    ),
                ),
            ],
            options={
                "verbose_name": "status update's evidence",
                "verbose_name_plural": "status updates' evidence",
                "ordering": ["position", "id"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="statusupdate",
            name="evidence",
            field=models.ManyToManyField(
                blank=True,
                help_text="The evidence it rests on, each graded.",
                related_name="status_updates",
                through="commitments.StatusUpdateEvidence",
                to="commitments.evidence",
            ),
        ),
        migrations.AddIndex(
            model_name="evidence",
            index=models.Index(
                models.OrderBy(models.F("date"), descending=True),
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="evidence_list_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.CheckConstraint(
                condition=models.Q(("releasability__in", ["public", "coalition", "secretariat"])),
                name="evidence_releasability_valid",
                violation_error_message="Choose public, coalition or secretariat.",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.CheckConstraint(
                condition=models.Q(("reliability__in", ["A", "B", "C", "D", "E", "F"])),
                name="evidence_reliability_valid",
                violation_error_message="Grade the source's reliability from A to F.",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.CheckConstraint(
                condition=models.Q(("credibility__in", ["1", "2", "3", "4", "5", "6"])),
                name="evidence_credibility_valid",
                violation_error_message="Grade the information's credibility from 1 to 6.",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("url", ""), _negated=True),
                    models.Q(("reference", ""), _negated=True),
                    _connector="OR",
                ),
                name="evidence_url_or_reference",
                violation_error_message="Give a URL or a reference, so that a reader can find the evidence.",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.CheckConstraint(
                condition=models.Q(("source", ""), _negated=True),
                name="evidence_source_not_empty",
                violation_error_message="Say who or what the evidence comes from.",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("date__isnull", True),
                    models.Q(
                        ("date__gte", datetime.date(1900, 1, 1)),
                        ("date__lte", datetime.date(2099, 12, 31)),
                    ),
                    _connector="OR",
                ),
                name="evidence_date_range",
                violation_error_message="The date must lie between 01 Jan 1900 and 31 Dec 2099.",
            ),
        ),
        migrations.AddConstraint(
            model_name="contributionevidence",
            constraint=models.UniqueConstraint(
                fields=("contribution", "evidence"),
                name="contributionevidence_cited_once",
                violation_error_message="A record cites a piece of evidence once.",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicatorvalueevidence",
            constraint=models.UniqueConstraint(
                fields=("value", "evidence"),
                name="indicatorvalueevidence_cited_once",
                violation_error_message="A record cites a piece of evidence once.",
            ),
        ),
        migrations.AddConstraint(
            model_name="statusupdateevidence",
            constraint=models.UniqueConstraint(
                fields=("update", "evidence"),
                name="statusupdateevidence_cited_once",
                violation_error_message="A record cites a piece of evidence once.",
            ),
        ),
        migrations.RunPython(evidence_from_record_columns, migrations.RunPython.noop),
        run_python(FORWARD, REVERSE),
    )

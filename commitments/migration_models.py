"""What the migrations declare many times over, written once: the primary key Django gives every
model, the reference data's slug, a review's decision, simple_history's history models.

Each call returns new field instances, as every operation needs its own. As for migration_sql,
a helper is never changed once a migration has run with it: a migration must go on declaring
what it declared on the day."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def id_field():
    """The primary key Django gives a model that declares none (DEFAULT_AUTO_FIELD)."""
    return (
        "id",
        models.BigAutoField(
            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
        ),
    )


def create_model(name, *fields, **kwargs):
    """migrations.CreateModel of `name`: Django's primary key, then `fields`; `kwargs` as
    CreateModel takes them (options, bases)."""
    return migrations.CreateModel(name=name, fields=[id_field(), *fields], **kwargs)


def slug_field(*, unique=True):
    """The slug of the reference data (pillars, themes, places, ...); its history's copy is not
    unique."""
    return (
        "slug",
        models.SlugField(
            help_text="Stable identifier used in URLs and the API.", max_length=60, unique=unique
        ),
    )


def source_document_fields():
    """A source document's own fields, as migration 0001 declared them and migration 0004 their
    history's copy."""
    return [
        ("short_name", models.CharField(help_text="How analysts refer to it.", max_length=100)),
        ("title", models.CharField(help_text="Full title as published.", max_length=300)),
        ("issuer", models.CharField(help_text="Who adopted or published it.", max_length=300)),
        (
            "issued_on",
            models.DateField(
                help_text="Date of adoption. No status update can be dated before it."
            ),
        ),
        (
            "url",
            models.URLField(
                blank=True,
                help_text="Where the text is published.",
                max_length=500,
                verbose_name="URL",
            ),
        ),
        ("description", models.TextField(blank=True)),
    ]


def add_constraints(model_name, *constraints):
    """An AddConstraint operation per constraint of `model_name`, in order."""
    return [
        migrations.AddConstraint(model_name=model_name, constraint=constraint)
        for constraint in constraints
    ]


APPROVE_OR_RETURN = [("approve", "Approved"), ("return", "Returned for revision")]
# From migration 0027: an author may withdraw their own pending record.
APPROVE_RETURN_OR_WITHDRAW = [*APPROVE_OR_RETURN, ("withdraw", "Withdrawn by its author")]


def decision_fields(reviewer_help_text, reviewer_related_name, decisions=APPROVE_OR_RETURN):
    """The fields of a review decision (models.Review, models.IndicatorValueReview), but for
    what it decides on."""
    return [
        ("decision", models.CharField(choices=decisions, max_length=10)),
        (
            "comment",
            models.TextField(
                blank=True, help_text="Why it was returned (required), or a remark on approval."
            ),
        ),
        ("decided_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
        (
            "reviewer",
            models.ForeignKey(
                blank=True,
                help_text=reviewer_help_text,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name=reviewer_related_name,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]


# simple_history's history models (migration 0004): a copy of the model's fields (no longer
# unique; its keys plain indexed columns, its foreign keys without constraint), then the
# record's own.

HISTORY_BASES = (simple_history.models.HistoricalChanges, models.Model)


def _historical_id():
    return (
        "id",
        models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID"),
    )


def historical_foreign_key(to, **kwargs):
    """A foreign key as simple_history copies it into a history model: no constraint, nothing
    deleted with it, no reverse accessor."""
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        null=True,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=to,
        **kwargs,
    )


def historical_model(name, *fields, verbose_name, relations=()):
    """simple_history's CreateModel of the history model `name` (e.g. HistoricalPillar), with the
    copied `fields`, then the history record's own fields, then the copied `relations`."""
    return migrations.CreateModel(
        name=name,
        fields=[
            _historical_id(),
            *fields,
            ("history_id", models.AutoField(primary_key=True, serialize=False)),
            ("history_date", models.DateTimeField(db_index=True)),
            ("history_change_reason", models.CharField(max_length=100, null=True)),
            (
                "history_type",
                models.CharField(
                    choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                ),
            ),
            (
                "history_user",
                models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+",
                    to=settings.AUTH_USER_MODEL,
                ),
            ),
            *relations,
        ],
        options={
            "verbose_name": f"historical {verbose_name}",
            "verbose_name_plural": f"historical {verbose_name}s",
            "ordering": ("-history_date", "-history_id"),
            "get_latest_by": ("history_date", "history_id"),
        },
        bases=HISTORY_BASES,
    )


def historical_reference_model(name, *fields, verbose_name, relations=()):
    """historical_model of reference data (pillars, themes, ...): its slug, `fields`, and the
    time of its last change (migration 0002)."""
    return historical_model(
        name,
        slug_field(unique=False),
        *fields,
        ("updated_at", models.DateTimeField(blank=True, editable=False)),
        verbose_name=verbose_name,
        relations=relations,
    )


def historical_commitment_link(name, other):
    """simple_history's CreateModel of the history of commitments' many-to-many link `name`
    (HistoricalCommitment_places, ...) to the model `other` (place, ...)."""
    return migrations.CreateModel(
        name=f"HistoricalCommitment_{name}",
        fields=[
            _historical_id(),
            ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
            ("commitment", historical_foreign_key("commitments.commitment", db_tablespace="")),
            (
                "history",
                models.ForeignKey(
                    db_constraint=False,
                    on_delete=django.db.models.deletion.DO_NOTHING,
                    to="commitments.historicalcommitment",
                ),
            ),
            (other, historical_foreign_key(f"commitments.{other}", db_tablespace="")),
        ],
        options={"verbose_name": f"HistoricalCommitment_{name}"},
        bases=HISTORY_BASES,
    )

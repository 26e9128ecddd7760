"""Releases (issue 28): a record released to a wider audience, a reviewed record of its own with
its decision (both append-only, as migration 0021 made indicator values: migration_sql.
reviewed_record); and the append-only triggers of the three released tables, which now let
through exactly one UPDATE: of the releasability alone, to a wider level, as an approved release
of that record says (migration_sql.append_only_but_released)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from commitments.migration_sql import (
    RELEASED_RECORDS,
    append_only_but_released,
    reviewed_record,
    run_python,
)

RELEASES, RELEASES_REVERSE = reviewed_record(
    "commitments_release",
    "commitments_releasereview",
    "release_id",
    record_message="releases are append-only: propose another release instead",
    decision_message="review decisions are final: answer a returned release with another",
)

# Every column but releasability, as each table had them (SQLite compares them one by one;
# tests/test_releases.py checks them against the models).
RELEASED = [
    append_only_but_released(table, release_column, message, columns=columns, was=was)
    for table, (release_column, message, columns, was) in RELEASED_RECORDS.items()
]


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0043_evidence"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Release",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
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
                    "released_from",
                    models.CharField(
                        choices=[
                            ("public", "Public"),
                            ("coalition", "Coalition"),
                            ("secretariat", "Secretariat"),
                        ],
                        help_text="The record's marking when the release was proposed.",
                        max_length=12,
                        verbose_name="from",
                    ),
                ),
                (
                    "released_to",
                    models.CharField(
                        choices=[
                            ("public", "Public"),
                            ("coalition", "Coalition"),
                            ("secretariat", "Secretariat"),
                        ],
                        help_text="The wider audience it is released to: coalition or public.",
                        max_length=12,
                        verbose_name="to",
                    ),
                ),
                (
                    "reason",
                    models.TextField(
                        error_messages={"blank": "Say why it may be released."},
                        help_text="Why it may now be read more widely, for the reviewer and for the history."
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "commitment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="commitments.commitment",
                    ),
                ),
                (
                    "contribution",
                    models.ForeignKey(
                        blank=True,
                        help_text="The contribution it releases.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="commitments.contribution",
                    ),
                ),
                (
                    "corrects",
                    models.ForeignKey(
                        blank=True,
                        help_text="The returned release of the same record that this one answers.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrections",
                        to="commitments.release",
                    ),
                ),
                (
                    "indicator_value",
                    models.ForeignKey(
                        blank=True,
                        help_text="The indicator value it releases.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="commitments.indicatorvalue",
                    ),
                ),
                (
                    "status_update",
                    models.ForeignKey(
                        blank=True,
                        help_text="The status update it releases (or an indicator value, or a contribution).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="commitments.statusupdate",
                    ),
                ),
            ],
            options={
                "verbose_name": "release",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ReleaseReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("approve", "Approved"),
                            ("return", "Returned for revision"),
                            ("withdraw", "Withdrawn by its author"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "comment",
                    models.TextField(
                        blank=True,
                        help_text="Why it was returned (required), or a remark on approval.",
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "release",
                    models.OneToOneField(
                        error_messages={"unique": "This release has already been reviewed."},
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="review",
                        to="commitments.release",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when it was approved on submission (review not required).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "release review",
                "ordering": ["-decided_at", "-id"],
                "abstract": False,
            },
        ),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("contribution__isnull", True),
                        ("indicator_value__isnull", True),
                        ("status_update__isnull", False),
                    ),
                    models.Q(
                        ("contribution__isnull", True),
                        ("indicator_value__isnull", False),
                        ("status_update__isnull", True),
                    ),
                    models.Q(
                        ("contribution__isnull", False),
                        ("indicator_value__isnull", True),
                        ("status_update__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="release_one_record",
                violation_error_message="Name the one record it releases: a status update, an indicator value or a contribution.",
            ),
        ),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("released_from", "coalition"), ("released_to", "public")),
                    models.Q(("released_from", "secretariat"), ("released_to", "public")),
                    models.Q(("released_from", "secretariat"), ("released_to", "coalition")),
                    _connector="OR",
                ),
                name="release_widens",
                violation_error_message="A release widens who may read a record (secretariat to coalition or public, coalition to public): once read, a record cannot be unread.",
            ),
        ),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason", ""), _negated=True),
                name="release_reason_not_empty",
                violation_error_message="Say why it may be released.",
            ),
        ),
        migrations.AddConstraint(
            model_name="releasereview",
            constraint=models.CheckConstraint(
                condition=models.Q(("decision__in", ["approve", "return", "withdraw"])),
                name="releasereview_decision_valid",
                violation_error_message="Decide to approve or to return the release (or, its author, to withdraw it).",
            ),
        ),
        migrations.AddConstraint(
            model_name="releasereview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decision", "return"), _negated=True),
                    models.Q(("comment", ""), _negated=True),
                    _connector="OR",
                ),
                name="releasereview_return_has_comment",
                violation_error_message="Say why the release is returned, so that its author can propose it again.",
            ),
        ),
        migrations.AddConstraint(
            model_name="releasereview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("decision", "approve"), ("reviewer__isnull", False), _connector="OR"
                ),
                name="releasereview_return_has_reviewer",
                violation_error_message="Only a reviewer can return a release.",
            ),
        ),
        run_python(RELEASES, RELEASES_REVERSE),
        *(run_python(forward, reverse) for forward, reverse in RELEASED),
    ]

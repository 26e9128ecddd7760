"""Releasability of events and webhooks (issue 28): an event carries its record's releasability
(public for every event there is: all were about public records), and a webhook endpoint has a
clearance (public for every endpoint there is), so that each is delivered only what it may read.

SQLite rebuilds both tables to add the column and its check, which drops their triggers (events
are append-only): keeping_sqlite_triggers reads them first and creates them again."""

from django.db import migrations, models

from commitments.migration_sql import keeping_sqlite_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0041_public_current_status_and_data_versions"),
    ]

    operations = keeping_sqlite_triggers(
        ["commitments_event", "commitments_webhookendpoint"],
        migrations.AddField(
            model_name="event",
            name="releasability",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("coalition", "Coalition"),
                    ("secretariat", "Secretariat"),
                ],
                db_default="public",
                default="public",
                help_text="Who may read it: its record's releasability (public for an event about a commitment or an indicator, which are not marked). Webhook endpoints are delivered only the events their clearance may read.",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="clearance",
            field=models.CharField(
                choices=[
                    ("public", "Public"),
                    ("coalition", "Coalition"),
                    ("secretariat", "Secretariat"),
                ],
                db_default="public",
                default="public",
                help_text="What it may be told of: only the events about records of this releasability or a wider one are delivered to it. No narrower than the clearance of the Editor who registers it: whoever reads the URL's requests reads what they could.",
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.CheckConstraint(
                condition=models.Q(("releasability__in", ["public", "coalition", "secretariat"])),
                name="event_releasability_valid",
                violation_error_message="Choose public, coalition or secretariat.",
            ),
        ),
        migrations.AddConstraint(
            model_name="webhookendpoint",
            constraint=models.CheckConstraint(
                condition=models.Q(("clearance__in", ["public", "coalition", "secretariat"])),
                name="webhookendpoint_clearance_valid",
                violation_error_message="Choose public, coalition or secretariat.",
            ),
        ),
    )

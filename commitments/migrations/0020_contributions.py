"""Issue 15, members and contributions.

Partners' kinds become those of the Coalition's own vocabulary: Coalition member state,
international organisation, local partner, working group, other. The two kinds that go are
mapped to what the Roadmap supports: its "four working groups" are a working group, and the
Government of Iraq and the Iraqi Security Forces, whom the Roadmap supports but does not call
members, are other. (Historical records of partners keep the kind they were recorded with.)

Contributions: append-only as status updates are (migration_sql.append_only), and public once
recorded, with no review: an insert moves the data version (migration 0005's trigger), so ETags
and cached responses move on with it.

SQLite rebuilds the partners' table to change its check constraint, and the rebuilt table has
lost its data-version triggers: they are created again at the end."""

import datetime

import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from commitments.migration_models import create_model
from commitments.migration_sql import (
    append_only,
    postgresql_data_version_trigger,
    run_python,
    sqlite_data_version_triggers,
    sqlite_drop_data_version_triggers,
)

KINDS = [
    ("member_state", "Coalition member state"),
    ("international_organisation", "International organisation"),
    ("local_partner", "Local partner"),
    ("working_group", "Working group"),
    ("other", "Other"),
]
KIND_HELP = (
    "A Coalition member state only where it is known to be a member; a government the "
    "Coalition supports is other."
)
NEW_KINDS = """
    UPDATE commitments_partner SET kind = CASE kind
        WHEN 'coalition_body' THEN 'working_group'
        WHEN 'government' THEN 'other'
        ELSE kind END
    WHERE kind IN ('coalition_body', 'government')
"""
# Back to the old vocabulary; a member state, a working group or another partner added since
# has no better home there than these.
OLD_KINDS = """
    UPDATE commitments_partner SET kind = CASE kind
        WHEN 'working_group' THEN 'coalition_body'
        WHEN 'member_state' THEN 'government'
        WHEN 'other' THEN 'government'
        ELSE kind END
    WHERE kind IN ('working_group', 'member_state', 'other')
"""

# ISO 4217 codes as commitments/currencies.py listed them on the day.
CURRENCIES = [('AED', 'AED'), ('AFN', 'AFN'), ('ALL', 'ALL'), ('AMD', 'AMD'), ('ANG', 'ANG'), ('AOA', 'AOA'), ('ARS', 'ARS'), ('AUD', 'AUD'), ('AWG', 'AWG'), ('AZN', 'AZN'), ('BAM', 'BAM'), ('BBD', 'BBD'), ('BDT', 'BDT'), ('BGN', 'BGN'), ('BHD', 'BHD'), ('BIF', 'BIF'), ('BMD', 'BMD'), ('BND', 'BND'), ('BOB', 'BOB'), ('BRL', 'BRL'), ('BSD', 'BSD'), ('BTN', 'BTN'), ('BWP', 'BWP'), ('BYN', 'BYN'), ('BZD', 'BZD'), ('CAD', 'CAD'), ('CDF', 'CDF'), ('CHF', 'CHF'), ('CLP', 'CLP'), ('CNY', 'CNY'), ('COP', 'COP'), ('CRC', 'CRC'), ('CUC', 'CUC'), ('CUP', 'CUP'), ('CVE', 'CVE'), ('CZK', 'CZK'), ('DJF', 'DJF'), ('DKK', 'DKK'), ('DOP', 'DOP'), ('DZD', 'DZD'), ('EGP', 'EGP'), ('ERN', 'ERN'), ('ETB', 'ETB'), ('EUR', 'EUR'), ('FJD', 'FJD'), ('FKP', 'FKP'), ('GBP', 'GBP'), ('GEL', 'GEL'), ('GHS', 'GHS'), ('GIP', 'GIP'), ('GMD', 'GMD'), ('GNF', 'GNF'), ('GTQ', 'GTQ'), ('GYD', 'GYD'), ('HKD', 'HKD'), ('HNL', 'HNL'), ('HRK', 'HRK'), ('HTG', 'HTG'), ('HUF', 'HUF'), ('IDR', 'IDR'), ('ILS', 'ILS'), ('INR', 'INR'), ('IQD', 'IQD'), ('IRR', 'IRR'), ('ISK', 'ISK'), ('JMD', 'JMD'), ('JOD', 'JOD'), ('JPY', 'JPY'), ('KES', 'KES'), ('KGS', 'KGS'), ('KHR', 'KHR'), ('KMF', 'KMF'), ('KPW', 'KPW'), ('KRW', 'KRW'), ('KWD', 'KWD'), ('KYD', 'KYD'), ('KZT', 'KZT'), ('LAK', 'LAK'), ('LBP', 'LBP'), ('LKR', 'LKR'), ('LRD', 'LRD'), ('LSL', 'LSL'), ('LYD', 'LYD'), ('MAD', 'MAD'), ('MDL', 'MDL'), ('MGA', 'MGA'), ('MKD', 'MKD'), ('MMK', 'MMK'), ('MNT', 'MNT'), ('MOP', 'MOP'), ('MRU', 'MRU'), ('MUR', 'MUR'), ('MVR', 'MVR'), ('MWK', 'MWK'), ('MXN', 'MXN'), ('MYR', 'MYR'), ('MZN', 'MZN'), ('NAD', 'NAD'), ('NGN', 'NGN'), ('NIO', 'NIO'), ('NOK', 'NOK'), ('NPR', 'NPR'), ('NZD', 'NZD'), ('OMR', 'OMR'), ('PAB', 'PAB'), ('PEN', 'PEN'), ('PGK', 'PGK'), ('PHP', 'PHP'), ('PKR', 'PKR'), ('PLN', 'PLN'), ('PYG', 'PYG'), ('QAR', 'QAR'), ('RON', 'RON'), ('RSD', 'RSD'), ('RUB', 'RUB'), ('RWF', 'RWF'), ('SAR', 'SAR'), ('SBD', 'SBD'), ('SCR', 'SCR'), ('SDG', 'SDG'), ('SEK', 'SEK'), ('SGD', 'SGD'), ('SHP', 'SHP'), ('SLE', 'SLE'), ('SLL', 'SLL'), ('SOS', 'SOS'), ('SRD', 'SRD'), ('SSP', 'SSP'), ('STN', 'STN'), ('SVC', 'SVC'), ('SYP', 'SYP'), ('SZL', 'SZL'), ('THB', 'THB'), ('TJS', 'TJS'), ('TMT', 'TMT'), ('TND', 'TND'), ('TOP', 'TOP'), ('TRY', 'TRY'), ('TTD', 'TTD'), ('TWD', 'TWD'), ('TZS', 'TZS'), ('UAH', 'UAH'), ('UGX', 'UGX'), ('USD', 'USD'), ('UYU', 'UYU'), ('UZS', 'UZS'), ('VED', 'VED'), ('VES', 'VES'), ('VND', 'VND'), ('VUV', 'VUV'), ('WST', 'WST'), ('XAF', 'XAF'), ('XCD', 'XCD'), ('XCG', 'XCG'), ('XDR', 'XDR'), ('XOF', 'XOF'), ('XPF', 'XPF'), ('YER', 'YER'), ('ZAR', 'ZAR'), ('ZMW', 'ZMW'), ('ZWG', 'ZWG'), ('ZWL', 'ZWL')]

TABLE = "commitments_contribution"
MESSAGE = "contributions are append-only: record a correction instead"
APPEND_ONLY, APPEND_ONLY_REVERSE = append_only(TABLE, MESSAGE)

POSTGRESQL = [*APPEND_ONLY["postgresql"], postgresql_data_version_trigger(TABLE)]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER commitments_data_changed ON {TABLE};",
    *APPEND_ONLY_REVERSE["postgresql"],
]
SQLITE = [
    *APPEND_ONLY["sqlite"],
    *sqlite_data_version_triggers(TABLE),
    # The partners' table, rebuilt above.
    *sqlite_data_version_triggers("commitments_partner"),
]
SQLITE_REVERSE = [*sqlite_drop_data_version_triggers(TABLE), *APPEND_ONLY_REVERSE["sqlite"]]
# Migrating back rebuilds the partners' table again (its old constraint): its triggers too.
SQLITE_PARTNER_TRIGGERS = sqlite_data_version_triggers("commitments_partner")


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0018_commitment_search_vector"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Undone last when migrating back: after the partners' table is rebuilt once more.
        run_python(reverse={"sqlite": SQLITE_PARTNER_TRIGGERS}),
        migrations.RemoveConstraint(
            model_name="partner",
            name="partner_kind_valid",
        ),
        migrations.RunSQL(NEW_KINDS, OLD_KINDS),
        migrations.AlterField(
            model_name="partner",
            name="kind",
            field=models.CharField(choices=KINDS, help_text=KIND_HELP, max_length=30),
        ),
        migrations.AlterField(
            model_name="historicalpartner",
            name="kind",
            field=models.CharField(choices=KINDS, help_text=KIND_HELP, max_length=30),
        ),
        migrations.AddConstraint(
            model_name="partner",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind__in", [kind for kind, _ in KINDS])
                ),
                name="partner_kind_valid",
                violation_error_message="Choose a kind of partner from the list.",
            ),
        ),
        create_model(
            "Contribution",
            ("kind", models.CharField(choices=[("funds_pledged", "Funds pledged"), ("funds_committed", "Funds committed"), ("funds_disbursed", "Funds disbursed"), ("personnel", "Personnel"), ("training", "Training"), ("equipment", "Equipment"), ("in_kind", "In kind"), ("political", "Political or diplomatic")], max_length=20)),
            ("amount", models.DecimalField(blank=True, decimal_places=2, help_text="Funds only: how much, in the currency.", max_digits=18, null=True, validators=[django.core.validators.MinValueValidator(0, "An amount of money is 0 or more.")])),
            ("currency", models.CharField(blank=True, choices=CURRENCIES, error_messages={"invalid_choice": "%(value)r is not an ISO 4217 currency code: use one such as USD, EUR or GBP."}, help_text="Funds only: the ISO 4217 code of the currency, e.g. USD or EUR. Totals are per currency: amounts are never converted.", max_length=3)),
            ("count", models.PositiveIntegerField(blank=True, help_text="Other than funds: how many, in the unit (e.g. 40).", null=True)),
            ("unit", models.CharField(blank=True, help_text="Other than funds: what is counted (e.g. instructors, vehicles, meetings).", max_length=50)),
            ("date", models.DateField(help_text="When it was pledged, committed, disbursed or given. Not in the future.", validators=[django.core.validators.MinValueValidator(datetime.date(1900, 1, 1), "The date must lie between 01 Jan 1900 and 31 Dec 2099."), django.core.validators.MaxValueValidator(datetime.date(2099, 12, 31), "The date must lie between 01 Jan 1900 and 31 Dec 2099.")])),
            ("evidence_url", models.URLField(blank=True, max_length=500, verbose_name="evidence URL")),
            ("evidence_source", models.CharField(blank=True, help_text="Where the evidence comes from, e.g. a pledging conference's statement.", max_length=300)),
            ("note", models.TextField(blank=True)),
            ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="recorded at")),
            ("author", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="contributions", to=settings.AUTH_USER_MODEL)),
            ("commitment", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="contributions", to="commitments.commitment")),
            ("corrects", models.ForeignKey(blank=True, db_index=False, help_text="The contribution this one corrects, if any: it then no longer counts.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="corrections", to="commitments.contribution")),
            ("partner", models.ForeignKey(help_text="Who contributes: a Coalition member or an organisation.", on_delete=django.db.models.deletion.PROTECT, related_name="contributions", to="commitments.partner")),
            options={
                "verbose_name": "contribution",
                "ordering": ["-date", "-created_at", "-id"],
                "indexes": [models.Index(django.db.models.expressions.OrderBy(django.db.models.expressions.F("date"), descending=True), django.db.models.expressions.OrderBy(django.db.models.expressions.F("created_at"), descending=True), django.db.models.expressions.OrderBy(django.db.models.expressions.F("id"), descending=True), name="contribution_list_idx")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("kind__in", ["funds_pledged", "funds_committed", "funds_disbursed", "personnel", "training", "equipment", "in_kind", "political"])), name="contribution_kind_valid", violation_error_message="Choose a kind of contribution from the list."),
                    models.CheckConstraint(condition=models.Q(models.Q(("kind__in", ["funds_pledged", "funds_committed", "funds_disbursed"]), _negated=True), models.Q(("amount__isnull", False), ("count__isnull", True), ("unit", ""), models.Q(("currency", ""), _negated=True)), _connector="OR"), name="contribution_funds_have_amount", violation_error_message="Funds need an amount and a currency, and no count or unit."),
                    models.CheckConstraint(condition=models.Q(("kind__in", ["funds_pledged", "funds_committed", "funds_disbursed"]), models.Q(("amount__isnull", True), ("count__isnull", False), ("currency", ""), models.Q(("unit", ""), _negated=True)), _connector="OR"), name="contribution_others_have_count", violation_error_message="A contribution other than funds needs a count and a unit (e.g. 40 instructors), and no amount or currency."),
                    models.CheckConstraint(condition=models.Q(("amount__isnull", True), ("amount__gte", 0), _connector="OR"), name="contribution_amount_not_negative", violation_error_message="An amount of money is 0 or more."),
                    models.CheckConstraint(condition=models.Q(("date__isnull", True), models.Q(("date__gte", datetime.date(1900, 1, 1)), ("date__lte", datetime.date(2099, 12, 31))), _connector="OR"), name="contribution_date_range", violation_error_message="The date must lie between 01 Jan 1900 and 31 Dec 2099."),
                    models.UniqueConstraint(fields=("corrects",), name="contribution_corrected_once", violation_error_message="This contribution has already been corrected: correct its correction instead."),
                ],
            },
        ),
        run_python(
            {"postgresql": POSTGRESQL, "sqlite": SQLITE},
            {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]

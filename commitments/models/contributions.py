"""Contributions: what partners give to commitments (funds in a currency, or support counted in a
unit), append-only and not reviewed. Not the partners themselves (reference.py)."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.currencies import CODES as CURRENCY_CODES
from commitments.models.bounds import (
    _date_in_range,
    _date_range_message,
    _date_validators,
)
from commitments.models.evidence import ContributionEvidence, cites_evidence
from commitments.models.records import (
    Record,
    RecordQuerySet,
    correction_field,
    releasability_constraint,
)
from commitments.models.reference import Partner


class ContributionKind(models.TextChoices):
    FUNDS_PLEDGED = "funds_pledged", _("Funds pledged")
    FUNDS_COMMITTED = "funds_committed", _("Funds committed")
    FUNDS_DISBURSED = "funds_disbursed", _("Funds disbursed")
    PERSONNEL = "personnel", _("Personnel")
    TRAINING = "training", _("Training")
    EQUIPMENT = "equipment", _("Equipment")
    IN_KIND = "in_kind", _("In kind")
    POLITICAL = "political", _("Political or diplomatic")


# Money, in the order it moves: pledged, then committed, then disbursed (the funnel).
FUNDS_KINDS = [
    ContributionKind.FUNDS_PLEDGED,
    ContributionKind.FUNDS_COMMITTED,
    ContributionKind.FUNDS_DISBURSED,
]
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_CODES)]
CURRENCY_MESSAGE = _("%(value)r is not an ISO 4217 currency code: use one such as USD, EUR or GBP.")
FUNDS_MESSAGE = _("Funds need an amount and a currency, and no count or unit.")
COUNTED_MESSAGE = _(
    "A contribution other than funds needs a count and a unit (e.g. 40 instructors), and no "
    "amount or currency."
)


class ContributionQuerySet(RecordQuerySet):
    """Reads of contributions: a record's (RecordQuerySet), counted as soon as recorded."""

    def currencies_used(self):
        """The currencies contributions are recorded in, each once."""
        return self.exclude(currency="").values_list("currency", flat=True).order_by().distinct()


class Contribution(Record):
    """What a partner (a Coalition member or an organisation) contributes to a commitment:
    money pledged, committed or disbursed, in a currency; or people, training, equipment,
    in-kind or political support, counted in a unit. Never edited or deleted (database
    triggers, migration 0020): a correction is a new contribution that names the one it
    corrects, which then no longer counts anywhere. No review: a contribution is public once
    recorded, as the data version (migration 0020) says to readers."""

    Kind = ContributionKind
    subject = "commitment"
    noun = "contribution"
    shown_with = ("partner", "commitment", "author")

    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="contributions",
        help_text=_("Who contributes: a Coalition member or an organisation."),
    )
    commitment = models.ForeignKey(
        "Commitment", on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(max_length=20, choices=ContributionKind.choices)
    amount = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, _("An amount of money is 0 or more."))],
        help_text=_("Funds only: how much, in the currency."),
    )
    currency = models.CharField(
        max_length=3,
        blank=True,
        choices=CURRENCY_CHOICES,
        error_messages={"invalid_choice": CURRENCY_MESSAGE},
        help_text=_(
            "Funds only: the ISO 4217 code of the currency, e.g. USD or EUR. Totals are "
            "per currency: amounts are never converted."
        ),
    )
    count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Other than funds: how many, in the unit (e.g. 40)."),
    )
    unit = models.CharField(
        max_length=50,
        blank=True,
        help_text=_("Other than funds: what is counted (e.g. instructors, vehicles, meetings)."),
    )
    date = models.DateField(
        validators=_date_validators(_("The date")),
        help_text=_("When it was pledged, committed, disbursed or given. Not in the future."),
    )
    note = models.TextField(blank=True)
    corrects = correction_field(
        _("The contribution this one corrects, if any: it then no longer counts."),
        # contribution_corrected_once's unique index serves every lookup by it.
        db_index=False,
    )

    evidence = cites_evidence(ContributionEvidence, "contributions")

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-created_at", "-id"]
        verbose_name = _("contribution")
        constraints = [
            releasability_constraint("contribution"),
            models.CheckConstraint(
                condition=Q(kind__in=ContributionKind.values),
                name="contribution_kind_valid",
                violation_error_message=_("Choose a kind of contribution from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=FUNDS_KINDS)
                | (Q(amount__isnull=False, count__isnull=True, unit="") & ~Q(currency="")),
                name="contribution_funds_have_amount",
                violation_error_message=FUNDS_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FUNDS_KINDS)
                | (Q(count__isnull=False, amount__isnull=True, currency="") & ~Q(unit="")),
                name="contribution_others_have_count",
                violation_error_message=COUNTED_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="contribution_amount_not_negative",
                violation_error_message=_("An amount of money is 0 or more."),
            ),
            models.CheckConstraint(
                condition=_date_in_range("date"),
                name="contribution_date_range",
                violation_error_message=_date_range_message(_("The date")),
            ),
            # Its index serves "the correction of this one" (ContributionQuerySet.standing).
            models.UniqueConstraint(
                fields=["corrects"],
                name="contribution_corrected_once",
                violation_error_message=_(
                    "This contribution has already been corrected: correct its correction instead."
                ),
            ),
        ]
        indexes = [
            # The list in Meta.ordering, newest first: a page is read off the index.
            models.Index(
                F("date").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="contribution_list_idx",
            ),
        ]

    @classmethod
    def observed_on_expression(cls):
        return F("date")

    def __str__(self):
        return f"{self.partner}: {self.what} to {self.commitment.code} ({self.date:%d %b %Y})"

    @property
    def is_funds(self):
        return self.kind in FUNDS_KINDS

    @property
    def what(self):
        """The contribution in words: "USD 1,000,000.00 pledged", "40 instructors (training)"."""
        if self.is_funds:
            verb = self.get_kind_display().removeprefix("Funds ")
            return f"{self.currency} {self.amount:,} {verb}"
        return f"{self.count} {self.unit} ({self.get_kind_display().lower()})"

    def clean(self):
        errors = {}
        if self.kind in FUNDS_KINDS:
            if self.amount is None:
                errors["amount"] = _("Funds need an amount.")
            if not self.currency:
                errors["currency"] = _("Funds need a currency (an ISO 4217 code such as USD).")
            if self.count is not None:
                errors["count"] = _("Funds are counted in money: leave the count empty.")
            if self.unit:
                errors["unit"] = _("Funds are counted in money: leave the unit empty.")
        elif self.kind:
            if self.count is None:
                errors["count"] = _("Say how many (e.g. 40).")
            if not self.unit:
                errors["unit"] = _("Say what is counted (e.g. instructors).")
            if self.amount is not None:
                errors["amount"] = _(
                    "Only funds have an amount: record money as funds pledged, committed or "
                    "disbursed."
                )
            if self.currency:
                errors["currency"] = _("Only funds have a currency.")
        if self.date is not None and self.date > (today := timezone.localdate()):
            errors["date"] = _("The date cannot be in the future (today is %(today)s).") % {
                "today": f"{today:%Y-%m-%d}"
            }
        if correction_error := self.clean_correction():
            errors["corrects"] = correction_error
        if marking_error := self.clean_marking():
            errors["releasability"] = marking_error
        if errors:
            raise ValidationError(errors)

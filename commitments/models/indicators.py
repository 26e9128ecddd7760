"""Indicators, their values (reviewed records, records.py, read by the same rules as status
updates) and each value's decision, kept beside its value as Review is beside its update.
Figures and progress: figures.py."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat, Length, Lower
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from commitments.models import records
from commitments.models.assessments import StatusUpdate
from commitments.models.bounds import (
    MAX_PARAGRAPH,
    _date_in_range,
    _date_range_message,
    optional_date,
)
from commitments.models.commitments import Commitment
from commitments.models.evidence import IndicatorValueEvidence, cites_evidence
from commitments.models.figures import (
    FIGURE_DECIMALS,
    FIGURE_DIGITS,
    UNIT_OTHER_MESSAGE,
    Direction,
    IndicatorUnit,
    Qualifier,
    _figure_field,
    phrase,
    progress,
)
from commitments.models.reference import SourceDocument, _slug_field
from commitments.models.vocabulary import Releasability


def _observed_on():
    """The date a value describes: its as-of date, or the last day of its period."""
    return Coalesce("as_of", "period_end")


class IndicatorQuerySet(models.QuerySet):
    def best_matches_first(self, term):
        """Ordered by how well the name matches `term`: the whole name, then the term as whole
        words of it, then as the start of a word, then anywhere; the shorter name first within
        each (so "members" finds "Coalition members" before "Coalition service members who gave
        their lives"). Words are told apart by spaces, which both databases compare alike."""
        term = " ".join(term.lower().split())
        if not term:
            return self
        padded = Concat(Value(" "), Lower("name"), Value(" "))
        return self.annotate(padded_name=padded).order_by(
            Case(
                When(name__iexact=term, then=0),
                When(padded_name__contains=f" {term} ", then=1),
                When(padded_name__contains=f" {term}", then=2),
                default=3,
            ),
            Length("name"),
            "name",
            "pk",
        )

    def context(self):
        """The Roadmap-level indicators: figures that describe the Coalition's past, no
        commitment's."""
        return self.filter(commitment__isnull=True)

    def with_latest(self, as_of=None, known_on=None, *, clearance=Releasability.PUBLIC):
        """Annotates each indicator with its latest standing value (`latest_id`,
        `latest_value`, `latest_qualifier`, `latest_on`, `latest_releasability`): the approved value with the latest
        date, ties going to the latest recorded, of the values a reader of `clearance` may
        read (public unless told: a figure is never moved by a value its reader may not
        read). With `as_of` (and `known_on`), the latest that counted on that day as known by
        the end of that one (in_effect_on). One read of indicatorvalue_history_idx per
        indicator and column."""
        values = IndicatorValue.objects.filter(indicator=OuterRef("pk")).readable_by(clearance)
        if as_of is None:
            latest = values.counting(known_on).order_by(*IndicatorValue._meta.ordering)
        else:
            latest = values.in_effect_on(as_of, known_on)
        return self.annotate(
            latest_id=Subquery(latest.values("pk")[:1]),
            latest_value=Subquery(latest.values("value")[:1]),
            latest_qualifier=Subquery(latest.values("qualifier")[:1]),
            latest_on=Subquery(latest.annotate(on=_observed_on()).values("on")[:1]),
            latest_releasability=Subquery(latest.values("releasability")[:1]),
        )


class Indicator(models.Model):
    """What measures a commitment (or, without one, the Roadmap's context: a figure about the
    Coalition's past that no commitment undertakes), with where it started (the baseline,
    quoted from its source like a commitment's text) and, optionally, where it should get to
    (the target). Its observations are IndicatorValues; its progress is computed from them,
    never entered."""

    Unit = IndicatorUnit
    Direction = Direction
    Qualifier = Qualifier

    class Measure(models.TextChoices):
        QUANTITATIVE = "quantitative", _("Quantitative")
        QUALITATIVE = "qualitative", _("Qualitative")

    # Its definition, part by part, as each form of it lists them (the admin's page and inline,
    # the API's write serializer and CSV, the Roadmap's data file): a new field is added here.
    MEASURE_FIELDS = ("unit", "unit_other", "measure", "direction")
    BASELINE_FIELDS = ("baseline_value", "baseline_qualifier", "baseline_date")
    # Where the baseline is quoted from, with baseline_source (its document).
    BASELINE_QUOTE_FIELDS = ("baseline_paragraph", "baseline_quote")
    TARGET_FIELDS = ("target_value", "target_qualifier", "target_date")

    slug = _slug_field()
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        help_text=_(
            "The commitment it measures. Empty: a context indicator of the Roadmap, a "
            "figure that describes the past rather than what a commitment undertakes."
        ),
    )
    name = models.CharField(max_length=200, help_text=_("What is measured, e.g. people freed."))
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=20, choices=IndicatorUnit.choices)
    unit_other = models.CharField(
        _("other unit"),
        max_length=50,
        blank=True,
        help_text=_("When the unit is other, and only then: what is counted (e.g. years)."),
    )
    measure = models.CharField(max_length=20, choices=Measure.choices, default=Measure.QUANTITATIVE)
    direction = models.CharField(
        max_length=10,
        choices=Direction.choices,
        blank=True,
        help_text=_("Which way is progress. Only a context indicator may have none."),
    )
    baseline_value = _figure_field("baseline", help_text=_("Where it started, if known."))
    baseline_qualifier = models.CharField(
        max_length=20,
        choices=Qualifier.choices,
        default=Qualifier.EXACTLY,
        help_text=_("As the source says it: nearly, more than, approximately, at least ..."),
    )
    baseline_date = optional_date(
        _("The baseline date"), _("The date the baseline describes, where the source says.")
    )
    baseline_source = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="baselines",
        help_text=_("The document the baseline is quoted from."),
    )
    baseline_paragraph = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PARAGRAPH)],
        help_text=_("Paragraph of that document (first = 1)."),
    )
    baseline_quote = models.TextField(
        blank=True, help_text=_("The sentence that states the baseline, quoted verbatim.")
    )
    target_value = _figure_field("target", help_text=_("Where it should get to, if set."))
    target_qualifier = models.CharField(
        max_length=20, choices=Qualifier.choices, default=Qualifier.EXACTLY
    )
    target_date = optional_date(
        _("The target date"), _("When the target should be reached, if set.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        # Context indicators (no commitment) first, then by commitment in Roadmap order.
        ordering = [
            F("commitment__paragraph").asc(nulls_first=True),
            "commitment__code",
            "baseline_paragraph",
            "slug",
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__in=IndicatorUnit.values),
                name="indicator_unit_valid",
                violation_error_message=_("Choose a unit from the list."),
            ),
            models.CheckConstraint(
                condition=Q(unit=IndicatorUnit.OTHER, unit_other__gt="")
                | (~Q(unit=IndicatorUnit.OTHER) & Q(unit_other="")),
                name="indicator_unit_other_iff_other",
                violation_error_message=UNIT_OTHER_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(measure__in=["quantitative", "qualitative"]),
                name="indicator_measure_valid",
                violation_error_message=_("Choose quantitative or qualitative."),
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["", *Direction.values]),
                name="indicator_direction_valid",
                violation_error_message=_("Choose increase, decrease or maintain."),
            ),
            models.CheckConstraint(
                condition=Q(commitment__isnull=True) | ~Q(direction=""),
                name="indicator_commitment_has_direction",
                violation_error_message=_("An indicator of a commitment needs a direction."),
            ),
            models.CheckConstraint(
                condition=Q(
                    baseline_qualifier__in=Qualifier.values, target_qualifier__in=Qualifier.values
                ),
                name="indicator_qualifiers_valid",
                violation_error_message=_("Choose a qualifier from the list."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_quote="", baseline_paragraph__isnull=True)
                | (
                    ~Q(baseline_quote="")
                    & Q(baseline_paragraph__isnull=False, baseline_source__isnull=False)
                ),
                name="indicator_quote_has_source",
                violation_error_message=_("A quoted baseline names its document and paragraph."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_paragraph__isnull=True)
                | Q(baseline_paragraph__gte=1, baseline_paragraph__lte=MAX_PARAGRAPH),
                name="indicator_paragraph_range",
                violation_error_message=format_lazy(
                    _("Paragraphs are numbered from 1 to {max}."), max=MAX_PARAGRAPH
                ),
            ),
            models.CheckConstraint(
                condition=_date_in_range("baseline_date") & _date_in_range("target_date"),
                name="indicator_dates_range",
                violation_error_message=_date_range_message(_("A date")),
            ),
        ]
        indexes = [
            # The list filtered by unit (the API's unit filter).
            models.Index(fields=["unit"], name="indicator_unit_idx"),
        ]

    def __str__(self):
        where = self.commitment.code if self.commitment_id else "Roadmap context"
        return f"{where}: {self.name}"

    @property
    def is_context(self):
        return self.commitment_id is None

    @property
    def unit_label(self):
        return self.unit_other if self.unit == IndicatorUnit.OTHER else self.get_unit_display()

    def phrase(self, value, qualifier):
        return phrase(value, qualifier, self.unit, self.unit_other)

    @property
    def baseline_phrase(self):
        return self.phrase(self.baseline_value, self.baseline_qualifier)

    @property
    def target_phrase(self):
        return self.phrase(self.target_value, self.target_qualifier)

    def progress(self, latest):
        """Progress toward the target of a latest approved value (see `progress`)."""
        return progress(
            baseline=self.baseline_value,
            latest=latest,
            target=self.target_value,
            direction=self.direction,
        )

    def clean(self):
        errors = {}
        if self.unit == IndicatorUnit.OTHER and not self.unit_other.strip():
            errors["unit_other"] = _("Say what is counted (e.g. years): the unit is other.")
        elif self.unit and self.unit != IndicatorUnit.OTHER and self.unit_other:
            errors["unit_other"] = _("Only an indicator whose unit is other says its own unit.")
        if self.commitment_id is not None and not self.direction:
            errors["direction"] = _("An indicator of a commitment needs a direction.")
        if self.baseline_quote:
            if self.baseline_paragraph is None:
                errors["baseline_paragraph"] = _("Say which paragraph the baseline is quoted from.")
            if self.baseline_source_id is None:
                errors["baseline_source"] = _("Say which document the baseline is quoted from.")
        elif self.baseline_paragraph is not None:
            errors["baseline_quote"] = _("Quote the sentence of that paragraph that states it.")
        if errors:
            raise ValidationError(errors)


class IndicatorValueQuerySet(records.ReviewedRecordQuerySet):
    """Reads of indicator values: the reviewed record's (ReviewedRecordQuerySet), the same
    rules as status updates'."""


class IndicatorValue(records.ReviewedRecord):
    """An observation of an indicator: a value as of a date, or over a period, with its
    evidence. Never edited or deleted (database triggers, migration 0021): a correction is a
    new value that names the one it corrects, once. Reviewed as status updates are (four
    eyes, IndicatorValueReview): only approved values count."""

    Qualifier = Qualifier
    Confidence = StatusUpdate.Confidence
    subject = "indicator"
    noun = "value"
    shown_with = ("indicator__commitment", "author")

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="values",
        # indicatorvalue_history_idx begins with it and serves every lookup by it.
        db_index=False,
    )
    value = models.DecimalField(
        max_digits=FIGURE_DIGITS,
        decimal_places=FIGURE_DECIMALS,
        help_text=_("The figure observed, in the indicator's unit."),
    )
    qualifier = models.CharField(
        max_length=20,
        choices=Qualifier.choices,
        default=Qualifier.EXACTLY,
        help_text=_("As the evidence says it: exactly, approximately, nearly, more than ..."),
    )
    as_of = optional_date(
        _("The as-of date"),
        _("The day the value describes; or give a period instead. Not in the future."),
        _("as of"),
    )
    period_start = optional_date(
        _("The start of the period"),
        _("The first day of the period the value covers, if it covers one."),
    )
    period_end = optional_date(
        _("The end of the period"),
        _("The last day of that period: on or after its start, not in the future."),
    )
    confidence = models.CharField(
        max_length=10, choices=StatusUpdate.Confidence.choices, blank=True
    )
    corrects = records.correction_field(
        # indicatorvalue_corrects_idx serves every lookup by it.
        db_index=False,
        help_text=_(
            "The earlier value of the same indicator that this one corrects: once "
            "approved, it replaces it (a returned value is answered by a correction too). A value "
            "has one correction pending or approved at most; once one is returned, another may be "
            "recorded."
        ),
    )

    evidence = cites_evidence(IndicatorValueEvidence, "indicator_values")

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = [_observed_on().desc(), "-created_at", "-id"]
        verbose_name = _("indicator value")
        constraints = [
            records.releasability_constraint("indicatorvalue"),
            models.CheckConstraint(
                condition=Q(as_of__isnull=False, period_start__isnull=True, period_end__isnull=True)
                | Q(as_of__isnull=True, period_end__isnull=False),
                name="indicatorvalue_as_of_or_period",
                violation_error_message=_(
                    "Give an as-of date, or a period (its end at least), not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="indicatorvalue_period_in_order",
                violation_error_message=_("A period ends on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=_date_in_range("as_of")
                & _date_in_range("period_start")
                & _date_in_range("period_end"),
                name="indicatorvalue_dates_range",
                violation_error_message=_date_range_message(_("A date")),
            ),
            models.CheckConstraint(
                condition=Q(qualifier__in=Qualifier.values),
                name="indicatorvalue_qualifier_valid",
                violation_error_message=_("Choose a qualifier from the list."),
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=["", *StatusUpdate.Confidence.values]),
                name="indicatorvalue_confidence_valid",
                violation_error_message=_(
                    "Choose low, medium or high confidence, or leave it empty."
                ),
            ),
        ]
        indexes = [
            # "The corrections of this one" (IndicatorValueQuerySet.standing, with_corrected_by,
            # the one live correction that clean() allows). Not unique: a returned correction
            # leaves room for another, as for status updates, and the indicator's lock
            # (services.record_indicator_value) makes two corrections of one value take turns.
            models.Index(fields=["corrects"], name="indicatorvalue_corrects_idx"),
            # An indicator's values in Meta.ordering, newest first (its latest value, the
            # values of one indicator): read off the index, however long the history.
            models.Index(
                F("indicator"),
                _observed_on().desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="indicatorvalue_history_idx",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.name}: {self.phrase} ({self.observed_on:%d %b %Y})"

    @property
    def observed_on(self):
        return self.as_of or self.period_end

    @property
    def phrase(self):
        return self.indicator.phrase(self.value, self.qualifier)

    @classmethod
    def observed_on_expression(cls):
        return _observed_on()

    def clean(self):
        errors = {}
        today = timezone.localdate()
        for name in ("as_of", "period_start", "period_end"):
            day = getattr(self, name)
            if day is not None and day > today:
                label = self._meta.get_field(name).verbose_name
                errors[name] = _("The %(label)s cannot be in the future (today is %(today)s).") % {
                    "label": label,
                    "today": f"{today:%Y-%m-%d}",
                }
        if self.as_of is not None and (self.period_start or self.period_end):
            errors["as_of"] = _("Give an as-of date or a period, not both.")
        elif self.as_of is None and self.period_end is None:
            key = "period_end" if self.period_start else "as_of"
            errors[key] = _("Give the date the value is as of, or the period it covers.")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The period cannot end before it starts.")
        if correction_error := self.clean_correction():
            errors["corrects"] = correction_error
        if marking_error := self.clean_marking():
            errors["releasability"] = marking_error
        if errors:
            raise ValidationError(errors)


class IndicatorValueReview(records.ReviewDecision):
    """The decision on an indicator value (ReviewDecision), as Review is on a status update."""

    record_field = "value"

    value = records.decided_record(IndicatorValue)

    class Meta(records.ReviewDecision.Meta):
        verbose_name = _("indicator value review")
        constraints = records.decision_constraints(
            "indicatorvaluereview", "value", return_help=_("can record a better one")
        )

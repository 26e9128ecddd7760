"""An indicator's figures: units, qualifiers, directions, a figure in words ("more than 7.7
million people"), progress toward a target. Choices and arithmetic; the models: indicators.py."""

from decimal import Decimal

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class IndicatorUnit(models.TextChoices):
    PEOPLE = "people", _("people")
    PERSONNEL = "personnel", _("personnel")
    SQUARE_KILOMETRES = "square_kilometres", _("square kilometres")
    US_DOLLARS = "us_dollars", _("US dollars")
    COUNT = "count", _("count")
    PERCENT = "percent", _("percent")
    OTHER = "other", _("other (say which)")


class Qualifier(models.TextChoices):
    """How exact a figure is, as its source says it: the Roadmap's "nearly 110,000", "more
    than 7.7 million", "approximately $20 billion" and "at least 46" keep their words."""

    EXACTLY = "exactly", _("exactly")
    APPROXIMATELY = "approximately", _("approximately")
    NEARLY = "nearly", _("nearly")
    MORE_THAN = "more_than", _("more than")
    AT_LEAST = "at_least", _("at least")
    FEWER_THAN = "fewer_than", _("fewer than")


# Figures are decimals (never floats): up to 16 digits before the point, 4 after.
FIGURE_DIGITS = 20
FIGURE_DECIMALS = 4
UNIT_OTHER_MESSAGE = _("Say what is counted when the unit is other, and only then.")
# Money is written with its sign; everything else with its unit after it.
_UNIT_WORDS = {
    IndicatorUnit.PEOPLE: " people",
    IndicatorUnit.PERSONNEL: " personnel",
    IndicatorUnit.SQUARE_KILOMETRES: " square kilometres",
    IndicatorUnit.COUNT: "",
    IndicatorUnit.PERCENT: "%",
}
_SCALES = [(10**12, "trillion"), (10**9, "billion"), (10**6, "million")]


def figure_words(value):
    """A number as the Roadmap writes one: "7.7 million", "20 billion", "110,000", "46"."""
    value = value.normalize() if hasattr(value, "normalize") else value
    for size, word in _SCALES:
        if abs(value) >= size and (value * 10 / size) == int(value * 10 / size):
            scaled = format((value / size).normalize(), "f")
            return f"{scaled} {word}"
    text = format(value, ",f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def phrase(value, qualifier, unit, unit_other=""):
    """A figure in words, its qualifier first: "more than 7.7 million people", "nearly 110,000
    square kilometres", "approximately US$20 billion"; None without a value."""
    if value is None:
        return None
    number = figure_words(value)
    if unit == IndicatorUnit.US_DOLLARS:
        figure = f"US${number}"
    elif unit == IndicatorUnit.OTHER:
        figure = f"{number} {unit_other}".rstrip()
    else:
        figure = f"{number}{_UNIT_WORDS.get(unit, '')}"
    if qualifier in ("", None, Qualifier.EXACTLY):
        return figure
    # Its numbers and units are written as the Roadmap writes them, in English, whatever the
    # reader's language: so is its qualifier, rather than half a phrase in each language.
    with translation.override("en"):
        return f"{Qualifier(qualifier).label} {figure}"


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")
    MAINTAIN = "maintain", _("Maintain")


PROGRESS_PLACES = Decimal("0.1")


def progress(*, baseline, latest, target, direction):
    """How far the latest approved value has come from the baseline toward the target, in
    percent (a Decimal to one place), or None without a baseline, a target, a latest value or
    a direction. Never clamped: past the target is more than 100, back past the baseline is
    below 0, which is what a reader needs to know.

    - increase and decrease: (latest - baseline) / (target - baseline) * 100; the sign of the
      denominator mirrors a decrease. A target equal to the baseline is 100 once reached
      (at or past it in the direction), else 0.
    - maintain: 100 while the latest value lies between the baseline and the target (either
      way round, ends included); outside, 100 less the distance to the nearer end as a
      percentage of that end, down to 0 (an end at 0: 0)."""
    if None in (baseline, latest, target) or not direction:
        return None
    baseline, latest, target = Decimal(baseline), Decimal(latest), Decimal(target)
    if direction == Direction.MAINTAIN:
        low, high = min(baseline, target), max(baseline, target)
        if low <= latest <= high:
            return Decimal(100).quantize(PROGRESS_PLACES)
        edge = low if latest < low else high
        if edge == 0:
            return Decimal(0).quantize(PROGRESS_PLACES)
        missed = abs(latest - edge) / abs(edge) * 100
        return max(Decimal(0), 100 - missed).quantize(PROGRESS_PLACES)
    if target == baseline:
        reached = latest >= target if direction == Direction.INCREASE else latest <= target
        return Decimal(100 if reached else 0).quantize(PROGRESS_PLACES)
    return ((latest - baseline) / (target - baseline) * 100).quantize(PROGRESS_PLACES)


def _figure_field(label, **kwargs):
    return models.DecimalField(
        label,
        max_digits=FIGURE_DIGITS,
        decimal_places=FIGURE_DECIMALS,
        null=True,
        blank=True,
        **kwargs,
    )

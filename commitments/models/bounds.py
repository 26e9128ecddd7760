"""The bounds of what a user can set (dates, cadences, paragraphs, display order), with their
validators, constraints and fields, and the bounds of a day: shared by several concepts. No
model here."""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


def start_of_day(day):
    """The first instant of `day`, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of_day(day):
    """The first instant after `day`, in the site's time zone: what was recorded "by `day`"
    was recorded before it."""
    return start_of_day(day + datetime.timedelta(days=1))


# Bounds of what a user can set: beyond them a value is a typo, and unbounded integers and dates
# reach arithmetic that overflows (staleness adds the cadence to a date).
MAX_CADENCE_DAYS = 3650  # ten years
MAX_PARAGRAPH = 9999
MAX_DISPLAY_ORDER = 32767
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def _date_in_range(field):
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": EARLIEST_DATE, f"{field}__lte": LATEST_DATE}
    )


def _date_range_message(label):
    return format_lazy(
        _("{label} must lie between {earliest} and {latest}."),
        label=label,
        earliest=f"{EARLIEST_DATE:%d %b %Y}",
        latest=f"{LATEST_DATE:%d %b %Y}",
    )


def optional_date(label, help_text, verbose_name=None):
    """A date a user may leave empty, within the bounds (`label` names it in their message)."""
    return models.DateField(
        verbose_name, null=True, blank=True, validators=_date_validators(label), help_text=help_text
    )


def _date_validators(label):
    return [
        MinValueValidator(EARLIEST_DATE, _date_range_message(label)),
        MaxValueValidator(LATEST_DATE, _date_range_message(label)),
    ]

"""Values read by raw SQL, made what the ORM would have given (SQLite gives text): the
conversions that summary and cache share, nothing else.
"""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def _date(value):
    """A date read by raw SQL: SQLite gives text."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _aware(value):
    """A time read by raw SQL: SQLite gives text or a naive datetime, in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value

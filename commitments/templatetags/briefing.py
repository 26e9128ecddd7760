"""The briefing pack's vocabulary in templates, and its form on the admin's home page."""

import datetime

from django import template
from django.utils import timezone

from commitments.briefing import DEFAULT_SINCE_DAYS, percent
from commitments.models import Change, Status

register = template.Library()


@register.filter
def status_label(value):
    return Status(value).label


@register.filter
def change_label(value):
    return Change(value).label


register.filter("percent", percent)


@register.inclusion_tag("admin/briefing_form.html")
def briefing_form():
    """The two dates of a briefing pack, today and DEFAULT_SINCE_DAYS before, to change."""
    today = timezone.localdate()
    return {"as_of": today, "since": today - datetime.timedelta(days=DEFAULT_SINCE_DAYS)}

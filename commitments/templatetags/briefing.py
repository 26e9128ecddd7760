"""The briefing pack's words in templates (commitments.briefing says each sentence once, for
the page and the .docx), its statuses on their colours, and its form on the admin's home
page. Dates and numbers are the active language's (commitments.prose)."""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from commitments import briefing as words
from commitments import prose
from commitments.models import Change, Status

register = template.Library()


@register.filter
def status_label(value):
    return Status(value).label


@register.filter
def change_label(value):
    return Change(value).label


@register.simple_tag
def status_badge(status, text=None):
    """A status on its colour (status_stylesheet), its name always written on it."""
    return format_html(
        '<span class="status-badge status-{}">{}</span>', status, text or Status(status).label
    )


@register.simple_tag
def change_words(change, since):
    """How a commitment moved, in plain words (briefing.change_parts), statuses on their
    colours."""
    return format_html_join(
        "",
        "{}",
        (
            (status_badge(part.status, part.text) if isinstance(part, words.StatusWord) else part,)
            for part in words.change_parts(change, since)
        ),
    )


@register.simple_tag
def time_tag(date):
    """A date in words, machine-readable too."""
    return format_html('<time datetime="{}">{}</time>', f"{date:%Y-%m-%d}", prose.day(date))


@register.simple_tag
def list_separator():
    return words.SEPARATOR


@register.filter
def short_day(date):
    return prose.day(date, short=True)


register.filter("day", prose.day)
register.filter("number", prose.number)
for name in (
    "percent",
    "pack_name",
    "changed_line",
    "assessment_heading",
    "update_line",
    "counts_line",
    "overdue",
    "contribution_lines",
    "short_title",
    "never_assessed_note",
):
    register.filter(name, getattr(words, name))


@register.inclusion_tag("admin/briefing_form.html")
def briefing_form():
    """The two dates of a briefing pack, today and DEFAULT_SINCE_DAYS before, to change."""
    today = timezone.localdate()
    return {"as_of": today, "since": today - datetime.timedelta(days=words.DEFAULT_SINCE_DAYS)}

"""The graded evidence a record cites, in the admin: the add forms' choice of the pieces to cite
(`cites`: a picker of the pieces the user's clearance may read, and a link to record a new one),
and the list a record's page and its review show, each piece with its grade, as far as the
reader's clearance goes. The pieces themselves are recorded through evidence.py."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from commitments.clearance import clearance_of
from commitments.models import Evidence


def grade_badge(piece):
    """A piece's grade, its meaning on hover."""
    return format_html(
        '<strong title="{}; {}">{}</strong>',
        piece.get_reliability_display(),
        piece.get_credibility_display(),
        piece.grade,
    )


def _where(piece):
    if piece.url:
        return format_html(' <a href="{}" rel="noopener noreferrer">{}</a>', piece.url, piece.url)
    return format_html(" {}", piece.reference)


def cited_for(record, clearance):
    """The evidence `record` cites that a reader of `clearance` may read, in order, and how
    many other pieces it cites."""
    pieces = record.cited()
    readable = clearance.readable()
    shown = [piece for piece in pieces if piece.releasability in readable]
    return shown, len(pieces) - len(shown)


def evidence_list(record, clearance):
    """The evidence `record` cites, in order, each with its grade beside it, as the record's
    page and its review show it to a reader of `clearance`: the pieces they may not read are
    counted, not listed, so that a record is never taken to rest on less than it does."""
    shown, withheld = cited_for(record, clearance)
    if not shown and not withheld:
        return gettext("none cited")
    items = format_html_join(
        "",
        "<li>{} {} ({}){}</li>",
        ((grade_badge(p), p.source, date_format(p.date, "d M Y"), _where(p)) for p in shown),
    )
    if withheld:
        if shown:
            unread = ngettext(
                "and %(count)s piece you are not cleared to read",
                "and %(count)s pieces you are not cleared to read",
                withheld,
            )
        else:
            unread = ngettext(
                "%(count)s piece you are not cleared to read",
                "%(count)s pieces you are not cleared to read",
                withheld,
            )
        items = format_html('{}<li class="withheld">{}</li>', items, unread % {"count": withheld})
    return format_html("<ul class='evidence'>{}</ul>", items)


class CitesField(forms.ModelMultipleChoiceField):
    """The pieces of evidence a new record cites, in the order they were chosen, each one of
    `queryset` (what its author may read), as the service takes them (`evidence`)."""

    default_error_messages = {
        "invalid_choice": _("There is no evidence #%(value)s that you may cite: check its id."),
    }

    def clean(self, value):
        chosen = {str(piece.pk): piece for piece in super().clean(value)}
        return [chosen[pk] for pk in dict.fromkeys(map(str, value or ()))]


def cites_field(model_admin, request):
    """The add form's `cites` of `model_admin`'s records: the pieces the user's clearance may
    read, found as they type (Evidence's own admin answers the autocomplete, and lists only
    those), each named with its grade (Evidence.__str__); and, for whoever may record
    evidence, a link to its add form in a popup (Django's RelatedObjectLookups, as the "+"
    beside a picker opens it), whose new piece is then chosen here."""
    site = model_admin.admin_site
    cited = model_admin.model._meta.get_field("evidence")
    help_text = format_html(
        "{} {}",
        cited.help_text,
        gettext(
            "Type a source, a URL, a reference or words of its summary; fixed once it is recorded."
        ),
    )
    if site.get_model_admin(Evidence).has_add_permission(request):
        add = reverse("admin:commitments_evidence_add", current_app=site.name)
        help_text = format_html(
            '{} {} <a href="{}?_to_field=id&amp;_popup=1" id="add_id_cites" '
            'class="related-widget-wrapper-link add-related" data-popup="yes">{}</a>.',
            help_text,
            gettext("Not listed?"),
            add,
            gettext("Add a new piece of evidence"),
        )
    return CitesField(
        queryset=Evidence.objects.readable_by(clearance_of(request.user)),
        widget=AutocompleteSelectMultiple(cited, site),
        required=False,
        label=capfirst(cited.verbose_name),
        help_text=help_text,
    )

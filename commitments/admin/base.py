"""What the admin's modules share: how people, statuses, corrections and an indicator's latest
value are shown, links to add forms, the URLs of the admins' own pages, the bound on searches,
the refusal of duplicates, RecordAdmin (records, added and viewed only, with RecordColumns),
IndicatorProgress (an indicator's latest value and progress as columns) and HistoryAdmin
(history pages that show and never write); and a record's marking (its releasability) as a
badge and as a page's banner, and the records a user's clearance may read. Nothing is
registered here."""

import datetime

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.dateformat import format as date_format
from django.utils.decorators import method_decorator
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timezone import localdate, localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from commitments.admin.citations import cited_for, cites_field, evidence_list
from commitments.clearance import clearance_of, default_releasability, markings_for
from commitments.integrity import UniqueViolation, unique_violations_refused
from commitments.models import (
    RELEASABILITY_COLOURS,
    RELEASABILITY_MEANING,
    STATUS_COLOURS,
    PartnerRole,
    Releasability,
    search_words,
)
from commitments.numbers import GROUPED_DECIMALS

# Evidence and document links are typed without a scheme more often than not; assume https.
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


def status_badge(status, label):
    return format_html(
        '<span class="status-badge" style="background:{};color:#fff;padding:1px 6px;'
        'border-radius:8px;white-space:nowrap">{}</span>',
        STATUS_COLOURS[status],
        label,
    )


def marking_badge(releasability):
    """A record's marking in a list: its name in capitals on its colour, its meaning on hover."""
    level = Releasability(releasability)
    return format_html(
        '<span class="marking-badge marking-{}" style="background:{}" title="{}">{}</span>',
        level.value,
        RELEASABILITY_COLOURS[level],
        RELEASABILITY_MEANING[level],
        level.label.upper(),
    )


def marking_banner(releasability):
    """A record's marking across the top (and the foot) of its page, as a marked document
    carries it: "COALITION: For the staff of Coalition members ... and the secretariat." """
    level = Releasability(releasability)
    return format_html(
        '<p class="marking-banner marking-{}" role="note" style="background:{}">'
        "<strong>{}</strong>: {}</p>",
        level.value,
        RELEASABILITY_COLOURS[level],
        level.label.upper(),
        RELEASABILITY_MEANING[level],
    )


def is_marked(model):
    """Whether records of `model` carry a releasability (a key message does not: the pack it is
    printed in is marked)."""
    return any(field.name == "releasability" for field in model._meta.concrete_fields)


def readable_in_admin(user, records):
    """`records` as far as `user`'s clearance may read them (RecordQuerySet.readable_by): the
    admin shows nobody a record they could not read elsewhere. Unmarked records as they are."""
    if not is_marked(records.model):
        return records
    return records.readable_by(clearance_of(user))


def person_name(user):
    """A person as the admin names them: by their name, as the dashboard does."""
    return user.get_full_name() or user.get_username()


def person(user):
    """A person's name, with their login name on hover (the admin is for staff only)."""
    return format_html(
        '<span title="{}">{}</span>',
        gettext("login: %(login)s") % {"login": user.get_username()},
        person_name(user),
    )


def html_message(message, **values):
    """A translated `message` with named placeholders filled in with `values`, some of them
    HTML (a person, a badge, a link): each value escaped unless it is safe, as format_html does
    with the positional ones; the message itself is ours (the catalogs')."""
    return mark_safe(message % {name: conditional_escape(value) for name, value in values.items()})


def day_text(value):
    """A date as the admin writes it, "05 Mar 2024", its month in the user's language."""
    return date_format(value, "d M Y")


def moment_text(value):
    """A time as the admin writes it, "05 Mar 2024 14:30" (local time)."""
    return date_format(localtime(value), "d M Y H:i")


def correction_note(update):
    """Where an update stands among corrections: superseded (a later update corrects it), a
    correction itself, or nothing to say."""
    corrected_by = getattr(update, "corrected_by_id", None)
    if corrected_by is not None:
        return format_html(
            '<strong class="superseded">{}</strong> {}',
            gettext("Superseded"),
            gettext("by #%(id)s") % {"id": corrected_by},
        )
    if update.corrects_id is not None:
        return gettext("Corrects #%(id)s") % {"id": update.corrects_id}
    return ""


def add_form_link(model_name, text, query, **attributes):
    """A link to the admin's add form of `model_name`, filled in from `query`."""
    url = f"{reverse(f'admin:commitments_{model_name}_add')}?{urlencode(query)}"
    extra = format_html_join("", ' {}="{}"', attributes.items())
    return format_html('<a href="{}"{}>{}</a>', url, extra, text)


def commitment_in_list(commitment):
    """A commitment in a list: its code, and its title below it (admin.css gives it the
    width)."""
    return format_html(
        '{} <span class="commitment-title">{}</span>', commitment.code, commitment.title
    )


def own_page(model_admin, name, view):
    """The URL of a page of `model_admin`'s own: "<name>/" under its model's, named
    "<app>_<model>_<name>", for staff (admin_view). get_urls lists it before the default ones,
    whose "<path:object_id>/" would take the name for an id."""
    opts = model_admin.model._meta
    return path(
        f"{name}/",
        model_admin.admin_site.admin_view(view),
        name=f"{opts.app_label}_{opts.model_name}_{name}",
    )


def record_button(model_name, text, subject):
    """A button to the add form of `model_name` for a record of `subject` (a commitment's
    status update, an indicator's value), once the subject is saved."""
    if subject.pk is None:
        return gettext("Save the %(subject)s first.") % {"subject": subject._meta.verbose_name}
    query = {subject._meta.model_name: subject.pk}
    return add_form_link(model_name, text, query, **{"class": "button"})


def correct_link(update):
    return add_form_link("statusupdate", gettext("Correct this update"), {"correct": update.pk})


class BoundedSearch:
    """Refuses, with a message, a search too long for the database to run (search_words)."""

    def get_search_results(self, request, queryset, search_term):
        try:
            search_words(search_term)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.ERROR)
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


def indicator_latest(indicator):
    """The latest approved value of an indicator annotated with_latest, in words."""
    latest = getattr(indicator, "latest_value", None)
    if latest is None:
        return "—"
    phrase = indicator.phrase(latest, indicator.latest_qualifier)
    return f"{phrase} ({day_text(indicator.latest_on)})"


def indicator_progress(indicator):
    percent = indicator.progress(getattr(indicator, "latest_value", None))
    return "—" if percent is None else f"{percent}%"


class IndicatorProgress:
    """An indicator's latest approved value and its progress, as read-only fields or columns
    of the indicators it lists (annotated with_latest)."""

    def get_queryset(self, request):
        # Of the values the user's clearance may read, as the API reads them.
        return super().get_queryset(request).with_latest(clearance=clearance_of(request.user))

    @admin.display(description=_("latest approved value"))
    def latest_display(self, indicator):
        return indicator_latest(indicator)

    @admin.display(description=_("progress"))
    def progress_display(self, indicator):
        return indicator_progress(indicator)


class RecordColumns:
    """How a record (models/records.py) is shown in a list or on its page: its author, and
    where it stands among corrections."""

    @admin.display(description=_("author"), ordering="author__last_name")
    def author_display(self, record):
        return person(record.author)

    @admin.display(description=_("correction"), empty_value="")
    def correction_display(self, record):
        return correction_note(record)

    @admin.display(description=_("marking"), ordering="releasability")
    def marking_display(self, record):
        return marking_badge(record.releasability)


class RecordAdmin(RecordColumns):
    """The admin of a record (status updates, indicator values, contributions): add and view
    only, as the database enforces, for anyone; a correction is a new record. A record is
    written by its service, `record_with(author=..., **fields)` (a staticmethod), as the API
    and the importer write it; "cites" among its `fields` (the evidence it cites, a form field
    of its own: citations.cites_field) is handed to the service as `evidence`."""

    class Media:
        css = {"all": ["commitments/admin.css"]}
        # Amounts and values in words as they are typed (numbers.GroupedDecimalField).
        js = ["commitments/number-words.js"]

    # A record's evidence URL; its amounts and values typed with thousands separators.
    formfield_overrides = {**URL_FIELDS_ASSUME_HTTPS, models.DecimalField: GROUPED_DECIMALS}

    record_with = None
    # A record's page carries its marking as a banner, at its top and its foot.
    change_form_template = "admin/commitments/marked_change_form.html"
    # The field the add form dates today, and what a correction starts from: the values of the
    # record it corrects (?correct=<id>).
    dated_by = "as_of"
    correction_starts_from = []

    def get_fields(self, request, obj=None):
        """The add form: the fields a record is recorded with, and `cites`, the evidence it
        cites (citations.cites_field), where a record cites evidence. A record's page: those,
        the evidence it cites with their grades in place of `cites`, who recorded it and when,
        and what the admin adds about it (page_extras)."""
        if obj is None:
            return self.fields
        return [
            *("evidence_display" if name == "cites" else name for name in self.fields),
            "author_display",
            "created_at",
            *self.page_extras(request, obj),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "evidence_display"]

    def get_object(self, request, object_id, from_field=None):
        """The record, with the clearance of the user it is shown to (`shown_to`): its page
        lists the evidence they may read (evidence_display)."""
        record = super().get_object(request, object_id, from_field)
        if record is not None:
            record.shown_to = clearance_of(request.user)
        return record

    @admin.display(description=_("evidence"))
    def evidence_display(self, record):
        return evidence_list(record, record.shown_to)

    def page_extras(self, request, record):
        return []

    def get_changeform_initial_data(self, request):
        """The add form: empty but for today's date; or, to correct a record (?correct=<id>),
        that record's own values and `corrects` set to it; or, to record again one its author
        withdrew (?start_from=<id>), its values. Either cites the evidence that record cites,
        as far as the user may read it."""
        initial = super().get_changeform_initial_data(request)
        # Only a record the user may read is copied.
        records = readable_in_admin(request.user, self.model.objects.all())
        original = records.filter(pk=request.GET.get("correct") or None).first()
        # A withdrawn record its author starts again from (?start_from=<id>): its values, and
        # what it corrected.
        start_from = records.filter(
            pk=request.GET.get("start_from") or None, author=request.user
        ).first()
        if original is None and start_from is None:
            initial.setdefault(self.dated_by, localdate())
            if is_marked(self.model):
                initial.setdefault("releasability", default_releasability(self.model))
            return initial
        source = original or start_from
        fields = map(self.model._meta.get_field, self.correction_starts_from)
        copied = {field.name: field.value_from_object(source) for field in fields}
        if "cites" in self.fields:
            cited, _withheld = cited_for(source, clearance_of(request.user))
            copied["cites"] = [piece.pk for piece in cited]
        corrects = original.pk if original else start_from.corrects_id
        return {**initial, **copied, "corrects": corrects}

    def get_queryset(self, request):
        """What the user's clearance may read, in the list, on a record's page (a 404 beyond
        it, as for a record that does not exist) and in the pickers of `corrects`."""
        return readable_in_admin(request.user, super().get_queryset(request))

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        """The add form offers the markings the user may give; one posted beyond them is
        refused by the record's own check (Record.clean_marking, as the form checks the record
        as the user's: get_form). When the project's default is narrower than the user's
        clearance, they choose: nothing is marked wider than the default without them."""
        field = super().formfield_for_choice_field(db_field, request, **kwargs)
        if db_field.name == "releasability":
            allowed = markings_for(request.user)
            offered = [(level, Releasability(level).label) for level in allowed]
            # Left out (a script's post, an older form), it is the default, as in the API.
            field.required = default_releasability(self.model) not in allowed
            if field.required:
                offered = [("", gettext("Choose a marking")), *offered]
            field.widget.choices = offered
            field.help_text = " ".join(
                f"{level.label}: {RELEASABILITY_MEANING[level]}" for level in Releasability
            )
        return field

    def get_form(self, request, obj=None, change=False, **kwargs):
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        # A record's `evidence` goes through a citation table, which a model form cannot
        # write (admin.E013): the form cites through a field of its own, `cites`, which
        # save_model hands the service.
        citing = "cites" in fields
        fields = [name for name in fields if name != "cites"]
        form = super().get_form(request, obj, change, fields=fields, **kwargs)
        if citing:
            form = type(form.__name__, (form,), {"cites": cites_field(self, request)})
        author = request.user

        class AuthoredForm(form):
            """A new record is checked as its author's (the user's), as the service will check
            it: its marking against their clearance, in the form, with what they typed kept."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.author_id is None:
                    self.instance.author = author
                # A correction names a record the user may read.
                if corrects := self.fields.get("corrects"):
                    corrects.queryset = readable_in_admin(author, corrects.queryset)

        return AuthoredForm

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and is_marked(self.model):
            context["marking"] = marking_banner(obj.releasability)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in self.fields}
        if "cites" in fields:
            fields["evidence"] = fields.pop("cites")
        record = self.record_with(author=request.user, **fields)
        # The admin goes on to log and redirect with the object it passed in.
        obj.pk = record.pk
        obj.refresh_from_db()


class RefusesDuplicates:
    """A save refused by a unique constraint, because someone else saved the same code or slug
    after the form was checked, shows the form again with the error on the field, as the
    form's own check would have, instead of a server error."""

    def save_model(self, request, obj, form, change):
        with unique_violations_refused():
            super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except UniqueViolation as refusal:
            # Nothing was saved (the admin's transaction rolled back): the same request again,
            # with a form that carries the refusal, so that what was typed is kept.
            request.unique_violation = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "unique_violation", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                self.add_error(None, refusal)
                return cleaned

        return RefusedForm


def with_role(partner, role):
    """A linked row by name; a lead partner says so."""
    if role == PartnerRole.LEAD:
        return gettext("%(partner)s (lead)") % {"partner": partner}
    return str(partner)


class ReadableChanges(HistoricalRecordContextHelper):
    """Values of a change as an analyst reads them: "none" for nothing, a list of names for
    tags, the label of a choice; not Python's None and [] (simple_history's display)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            target = field.m2m_reverse_field_name()
            names = (with_role(row[target], row.get("role")) for row in value)
            return ", ".join(sorted(names)) or gettext("none")
        value = super().prepare_delta_change_value(change, value)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return _readable(value)


class HistoryAdmin(SimpleHistoryAdmin):
    """The admin of a model whose history is kept: its history pages show, and never write.

    simple_history's page of one version shows the change form filled in with that version,
    and saves it when it is POSTed back, for anyone who may merely view the object: a Viewer
    could edit through it, and SIMPLE_HISTORY_REVERT_DISABLED only hides the button. So the
    history list and its versions answer GET and HEAD, and 405 to anything else; and a version
    is shown as what it is, a read-only record of the past (admin/past_version.html), not as a
    form."""

    object_history_list_template = "admin/history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    @method_decorator(require_safe)
    def history_view(self, request, object_id, extra_context=None):
        extra = {"can_open_users": request.user.has_perm("auth.view_user")}
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    @method_decorator(require_safe)
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history = self.model.history.model
        record = get_object_or_404(history, **{"id": object_id, "history_id": version_id})
        current = self.get_queryset(request).filter(pk=object_id).first()
        if not self.has_view_or_change_permission(request, current or record.instance):
            raise PermissionDenied
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("%(object)s as it was on %(when)s")
            % {"object": record.instance, "when": moment_text(record.history_date)},
            "opts": opts,
            "record": record,
            "saved_by": (
                person_name(record.history_user) if record.history_user else gettext("the system")
            ),
            "fields": list(self.past_version_fields(record)),
            "history_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history", args=[object_id]
            ),
            "change_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]
            ),
        }
        return render(request, "admin/past_version.html", {**context, **(extra_context or {})})

    def past_version_fields(self, record):
        """(label, value) for each field of a historical record, as an analyst reads it."""
        history = self.model.history.model
        for field in self.model._meta.concrete_fields:
            name = field.name
            if name == "id" or not hasattr(record, field.attname):
                continue  # not recorded (the current status, say)
            value = getattr(record, name, None) if field.is_relation else getattr(record, name)
            if field.choices:
                value = dict(field.flatchoices).get(value, value)
            yield capfirst(field.verbose_name), _readable(value)
        for field in getattr(history, "_history_m2m_fields", []):
            target = field.remote_field.model._meta.model_name
            rows = getattr(record, field.name).all()
            names = sorted(
                with_role(getattr(row, target), getattr(row, "role", None)) for row in rows
            )
            yield capfirst(field.verbose_name), ", ".join(names) or gettext("none")


def _readable(value):
    if value is None or value == "":
        return gettext("none")
    if isinstance(value, datetime.datetime):
        return moment_text(value)
    if isinstance(value, datetime.date):
        return day_text(value)
    return value

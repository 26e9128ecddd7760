"""The analysts' admin: where commitments and their indicators are maintained, and status
updates and indicator values recorded."""

import datetime

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods, require_safe
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.admin import AuthTokenCreateForm
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from commitments.admin import imports as admin_import
from commitments.integrity import UniqueViolation, unique_violations_refused
from commitments.models import (
    MAX_CADENCE_DAYS,
    STATUS_COLOURS,
    Commitment,
    CommitmentPartner,
    Contribution,
    Indicator,
    IndicatorValue,
    IndicatorValueReview,
    Partner,
    PartnerRole,
    Pillar,
    Place,
    Review,
    ReviewState,
    SourceDocument,
    Status,
    StatusUpdate,
    Theme,
    search_words,
)
from commitments.roles import roles_with
from commitments.selectors import contribution_matrix, current_status_after, review_queue
from commitments.services import (
    COMMITMENT_EDITABLE_FIELDS,
    COMMITMENT_SOURCE_FIELDS,
    ReviewRefused,
    StaleVersion,
    approve_or_return,
    approve_or_return_indicator_value,
    record_contribution,
    record_indicator_value,
    record_status_update,
    save_commitment,
    save_indicator,
)
from commitments.source_texts import paragraphs_of

# Evidence and document links are typed without a scheme more often than not; assume https.
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


def status_badge(status, label):
    return format_html(
        '<span class="status-badge" style="background:{};color:#fff;padding:1px 6px;'
        'border-radius:8px;white-space:nowrap">{}</span>',
        STATUS_COLOURS[status],
        label,
    )


def person_name(user):
    """A person as the admin names them: by their name, as the dashboard does."""
    return user.get_full_name() or user.get_username()


def person(user):
    """A person's name, with their login name on hover (the admin is for staff only)."""
    return format_html('<span title="login: {}">{}</span>', user.get_username(), person_name(user))


def correction_note(update):
    """Where an update stands among corrections: superseded (a later update corrects it), a
    correction itself, or nothing to say."""
    corrected_by = getattr(update, "corrected_by_id", None)
    if corrected_by is not None:
        return format_html('<strong class="superseded">Superseded</strong> by #{}', corrected_by)
    if update.corrects_id is not None:
        return f"Corrects #{update.corrects_id}"
    return ""


def add_form_link(model_name, text, query, **attributes):
    """A link to the admin's add form of `model_name`, filled in from `query`."""
    url = f"{reverse(f'admin:commitments_{model_name}_add')}?{urlencode(query)}"
    extra = format_html_join("", ' {}="{}"', attributes.items())
    return format_html('<a href="{}"{}>{}</a>', url, extra, text)


def correct_link(update):
    return add_form_link("statusupdate", "Correct this update", {"correct": update.pk})


# Text is always shown next to the colour here too.
REVIEW_COLOURS = {
    ReviewState.PENDING: "#b45309",
    ReviewState.APPROVED: "#15803d",
    ReviewState.RETURNED: "#b91c1c",
}


def review_badge(update):
    state = update.review_state
    return format_html(
        '<span class="review-badge" style="color:{}">{}</span>', REVIEW_COLOURS[state], state.label
    )


def queue_url(update=None):
    """The review queue, at one update's place in it when given."""
    url = reverse("admin:commitments_statusupdate_review")
    return f"{url}#update-{update.pk}" if update is not None else url


def may_review(user):
    return user.has_perm("commitments.add_review")


def who_reviews():
    """The roles that decide on updates, in words: "a Reviewer or an Editor"."""
    return " or ".join(
        f"an {role}" if role[0] in "AEIOU" else f"a {role}" for role in roles_with("add_review")
    )


def update_choice_label(update):
    """How an update is told apart from its neighbours in a list of choices."""
    author = person_name(update.author)
    return (
        f"#{update.pk} · {update.get_status_display()} as of {update.as_of:%d %b %Y} · by "
        f"{author}, recorded {timezone.localtime(update.created_at):%d %b %Y %H:%M}"
    )


def _due(commitment):
    every = f"due every {commitment.stale_after_days} days"
    if commitment.current_as_of is None:
        return f"Not assessed yet; {every}."
    return f"Last assessed as of {commitment.current_as_of:%d %b %Y}; {every}."


class BoundedSearch:
    """Refuses, with a message, a search too long for the database to run (search_words)."""

    def get_search_results(self, request, queryset, search_term):
        try:
            search_words(search_term)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.ERROR)
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class StaleListFilter(admin.SimpleListFilter):
    title = "stale"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", "Stale (needs an update)"), ("no", "Up to date")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.stale()
        if self.value() == "no":
            return queryset.fresh()
        return queryset


class OwnerListFilter(admin.SimpleListFilter):
    """Whose commitments: the analyst's own ("Mine"), nobody's, or an owner's by name."""

    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        owners = get_user_model().objects.filter(owned_commitments__isnull=False).distinct()
        return [
            ("mine", "Mine"),
            ("none", "Nobody"),
            *sorted(((str(user.pk), person_name(user)) for user in owners), key=lambda o: o[1]),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(owner=request.user)
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if value:
            return queryset.filter(owner_id=value) if value.isdigit() else queryset.none()
        return queryset


class StatusHistoryInline(admin.TabularInline):
    """The commitment's approved status history, newest first, read-only: it is append-only.
    Updates still in review, or returned, are listed apart (CommitmentAdmin.in_review_display):
    they never counted."""

    model = StatusUpdate
    fk_name = "commitment"
    verbose_name_plural = "status history (approved, newest first)"
    fields = [
        "as_of",
        "status_display",
        "progress",
        "summary",
        "confidence",
        "author_display",
        "created_at",
        "correction_display",
    ]
    readonly_fields = [*fields, "correct_link_display"]
    ordering = ["-as_of", "-created_at", "-id"]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_fields(self, request, obj=None):
        # Only those who may record an update are offered to correct one.
        if request.user.has_perm("commitments.add_statusupdate"):
            return [*self.fields, "correct_link_display"]
        return self.fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .approved()
            .select_related("author", "commitment")
            .with_corrected_by()
        )

    @admin.display(description="status")
    def status_display(self, update):
        return status_badge(update.status, update.get_status_display())

    @admin.display(description="correction", empty_value="")
    def correction_display(self, update):
        return correction_note(update)

    @admin.display(description="")
    def correct_link_display(self, update):
        return correct_link(update)

    @admin.display(description="author")
    def author_display(self, update):
        return person(update.author)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IndicatorInline(admin.TabularInline):
    """What measures the commitment, defined by Editors; its values are recorded apart, as
    status updates are, and its progress is computed from them."""

    model = Indicator
    fk_name = "commitment"
    fields = [
        "slug",
        "name",
        "unit",
        "unit_other",
        "measure",
        "direction",
        "baseline_value",
        "baseline_qualifier",
        "baseline_date",
        "target_value",
        "target_qualifier",
        "target_date",
        "latest_display",
        "progress_display",
    ]
    readonly_fields = ["latest_display", "progress_display"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).with_latest()

    @admin.display(description="latest approved value")
    def latest_display(self, indicator):
        return indicator_latest(indicator)

    @admin.display(description="progress")
    def progress_display(self, indicator):
        return indicator_progress(indicator)


def indicator_latest(indicator):
    """The latest approved value of an indicator annotated with_latest, in words."""
    latest = getattr(indicator, "latest_value", None)
    if latest is None:
        return "—"
    return (
        f"{indicator.phrase(latest, indicator.latest_qualifier)} ({indicator.latest_on:%d %b %Y})"
    )


def indicator_progress(indicator):
    percent = indicator.progress(getattr(indicator, "latest_value", None))
    return "—" if percent is None else f"{percent}%"


def _next_step(update, user):
    """What `user` may do next about an update that does not count, as a link, if anything."""
    if update.review_state == ReviewState.RETURNED:
        if user.has_perm("commitments.add_statusupdate"):
            return add_form_link("statusupdate", "Correct it", {"correct": update.pk})
        return ""
    if update.author_id == user.pk:
        return "Yours: another reviewer must decide"
    if may_review(user):
        return format_html('<a href="{}">Review it in the queue</a>', queue_url(update))
    return ""


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


STALE_EDIT = (
    "This commitment was changed by someone else since you opened it (it is now at version "
    "{version}). Nothing was saved: reload the page to see their changes, then make yours again."
)


INHERITED_FROM_PARENT = ["pillar", "source_document", "paragraph"]
FIXED_ONCE_SAVED = (
    "The text, its source document and paragraph, and the pillar (above) are fixed once the "
    "commitment is saved: check them now. The text must quote the paragraph word for word."
)


class CommitmentForm(forms.ModelForm):
    """Carries the version the editor opened, so that a save cannot silently overwrite an edit
    made in the meantime. A new commitment with a parent takes the parent's pillar, document
    and paragraph where they are left empty, and its text must quote its paragraph verbatim
    when the document's text ships with the project (source_texts)."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Commitment
        fields = [
            "code",
            *COMMITMENT_SOURCE_FIELDS,
            *COMMITMENT_EDITABLE_FIELDS,
            "themes",
            "places",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.version
        if self.instance.pk is None:
            for name in INHERITED_FROM_PARENT:
                if name in self.fields:
                    self.fields[name].required = False
                    self.fields[name].help_text += " Empty: the parent's."
        if "owner" in self.fields:
            owner = self.fields["owner"]
            owner.label_from_instance = person_name
            # Active staff, and the owner the commitment has, who may have left since: an
            # edit of something else keeps them.
            owner.queryset = get_user_model().objects.filter(
                Q(is_staff=True, is_active=True) | Q(pk=self.instance.owner_id)
            )
        if "update_cadence_days" in self.fields:
            # Said to analysts in days, not in the name of a setting.
            self.fields["update_cadence_days"].help_text = (
                f"How often it should be assessed, in days (1 to {MAX_CADENCE_DAYS}). Empty: "
                f"every {settings.STALE_AFTER_DAYS} days, the default."
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            self._inherit_from_parent(cleaned)
            self._check_the_quote(cleaned)
        opened = cleaned.get("opened_version")
        if self.instance.pk is not None and opened is not None:
            current = Commitment.objects.values_list("version", flat=True).get(pk=self.instance.pk)
            if opened != current:
                raise forms.ValidationError(STALE_EDIT.format(version=current), code="stale")
        return cleaned

    def _inherit_from_parent(self, cleaned):
        parent = cleaned.get("parent")
        for name in INHERITED_FROM_PARENT:
            if name not in self.fields or cleaned.get(name) is not None or name in self.errors:
                continue
            if parent is None:
                self.add_error(name, "This field is required (or choose a parent to take it from).")
            else:
                cleaned[name] = getattr(parent, name)
                setattr(self.instance, name, cleaned[name])

    def _check_the_quote(self, cleaned):
        document, paragraph, text = (
            cleaned.get(name) for name in ("source_document", "paragraph", "text")
        )
        if document is None or paragraph is None or not text:
            return
        paragraphs = paragraphs_of(document.slug)
        if paragraphs is None:
            return  # a document whose text is not shipped: not checked
        if paragraph not in paragraphs:
            self.add_error(
                "paragraph", f"{document.short_name} has paragraphs 1 to {len(paragraphs)}."
            )
        elif " ".join(text.split()) not in paragraphs[paragraph]:
            self.add_error(
                "text",
                f"This is not a verbatim quote of paragraph {paragraph} of {document.short_name}: "
                "copy the words exactly as published, or check the paragraph number.",
            )


class PartnerInline(admin.TabularInline):
    """The commitment's partners, each with its role. Saved with the commitment, by
    CommitmentAdmin.save_related, as one write and one entry in its history."""

    model = CommitmentPartner
    fk_name = "commitment"
    fields = ["partner", "role"]
    autocomplete_fields = ["partner"]
    extra = 0
    verbose_name = "partner"
    verbose_name_plural = "partners"

    # A partner's link is part of its commitment: whoever may edit the commitment sets them,
    # as with themes and places (CommitmentPartner has no permissions of its own in the roles).
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("commitments.view_commitment") or self._may_edit(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    @staticmethod
    def _may_edit(request, obj):
        action = "add" if obj is None else "change"
        return request.user.has_perm(f"commitments.{action}_commitment")


def with_role(partner, role):
    """A linked row by name; a lead partner says so."""
    return f"{partner} (lead)" if role == PartnerRole.LEAD else str(partner)


class ReadableChanges(HistoricalRecordContextHelper):
    """Values of a change as an analyst reads them: "none" for nothing, a list of names for
    tags, the label of a choice; not Python's None and [] (simple_history's display)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            target = field.m2m_reverse_field_name()
            names = (with_role(row[target], row.get("role")) for row in value)
            return ", ".join(sorted(names)) or "none"
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
            "title": f"{record.instance} as it was on {localtime(record.history_date):%d %b %Y %H:%M}",
            "opts": opts,
            "record": record,
            "saved_by": person_name(record.history_user) if record.history_user else "the system",
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
            yield capfirst(field.verbose_name), ", ".join(names) or "none"


def _readable(value):
    if value is None or value == "":
        return "none"
    if isinstance(value, datetime.datetime):
        return f"{localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d %b %Y}"
    return value


@admin.register(Commitment)
class CommitmentAdmin(BoundedSearch, RefusesDuplicates, HistoryAdmin):
    form = CommitmentForm
    # Fits a 1280-pixel screen: long titles are cut short (whole on hover and on the page).
    list_display = [
        "paragraph_display",
        "code",
        "title_display",
        "pillar",
        "status_display",
        "progress_display",
        "as_of_display",
        "stale_display",
        "owner_display",
    ]
    list_display_links = ["code", "title_display"]
    list_filter = [
        OwnerListFilter,
        "pillar",
        ("current_status", admin.ChoicesFieldListFilter),
        StaleListFilter,
        "places",
        "themes",
        "partners",
        "source_document",
    ]
    list_select_related = ["pillar", "owner"]
    # Every word of a search must be found in one of these (Django's admin search): "foreign
    # terrorist fighters information sharing" finds FTF-2 through its themes.
    search_fields = ["code", "title", "text", "themes__name", "places__name", "partners__name"]
    ordering = ["source_document_id", "paragraph", "code"]
    list_per_page = 50
    autocomplete_fields = ["parent"]
    filter_horizontal = ["themes", "places"]
    readonly_fields = [
        "status_display",
        "progress_display",
        "current_as_of",
        "last_update_at",
        "stale_display",
        "assessment_display",
        "in_review_display",
        "version",
        "created_at",
        "updated_at",
        "record_update_link",
        "add_child_link",
    ]
    fieldsets = [
        (None, {"fields": ["code", "title", "pillar", "parent", "opened_version"]}),
        ("Source", {"fields": ["text", "source_document", "paragraph"]}),
        (
            "Current status",
            {
                "description": "Derived from the status history below. Record a new status "
                "update to change it.",
                "fields": [
                    "status_display",
                    "progress_display",
                    "current_as_of",
                    "last_update_at",
                    "assessment_display",
                    "record_update_link",
                ],
            },
        ),
        (
            "In review or returned",
            {
                "description": "Updates that do not count: pending until someone other than "
                "their author approves them, or returned to their author. The approved history "
                "is below.",
                "fields": ["in_review_display"],
            },
        ),
        ("Scope", {"fields": ["themes", "places"]}),
        ("Schedule", {"fields": ["owner", "target_date", "update_cadence_days"]}),
        ("Record", {"classes": ["collapse"], "fields": ["version", "created_at", "updated_at"]}),
    ]
    inlines = [PartnerInline, IndicatorInline, StatusHistoryInline]

    class Media:
        css = {"all": ["commitments/admin.css"]}

    def get_changeform_initial_data(self, request):
        """A child (?parent=<id>, "Add a child commitment") starts from its parent's pillar,
        document and paragraph."""
        initial = super().get_changeform_initial_data(request)
        parent = Commitment.objects.filter(pk=request.GET.get("parent") or None).first()
        if parent is not None:
            initial |= {
                name: getattr(parent, f"{name}_id", None) or getattr(parent, name)
                for name in INHERITED_FROM_PARENT
            }
        return initial

    def history_view(self, request, object_id, extra_context=None):
        # A commitment's story is its edits and its assessments: both on one page.
        updates = StatusUpdate.objects.filter(commitment_id=object_id).for_display()
        return super().history_view(request, object_id, {"status_updates": updates})

    def get_fieldsets(self, request, obj=None):
        fieldsets = self.fieldsets
        if obj is None:
            # Said before saving, since it cannot be undone after; nothing derived yet.
            fieldsets = [
                (
                    name,
                    {**options, "description": FIXED_ONCE_SAVED} if name == "Source" else options,
                )
                for name, options in fieldsets
                if name not in {"Current status", "In review or returned", "Record"}
            ]
        elif request.user.has_perm("commitments.add_commitment"):
            (name, options), *rest = fieldsets
            fieldsets = [
                (name, {**options, "fields": [*options["fields"], "add_child_link"]}),
                *rest,
            ]
        # Controls a role cannot use are not offered: no "Record" for a Viewer.
        if request.user.has_perm("commitments.add_statusupdate"):
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f != "record_update_link"]},
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        # The code is the commitment's stable identifier, quoted in reports and URLs; the text
        # and its source are what the commitment is. Both are fixed once it exists.
        if obj is not None:
            return ["code", *COMMITMENT_SOURCE_FIELDS, *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description="as of", ordering="current_as_of", empty_value="—")
    def as_of_display(self, commitment):
        return commitment.current_as_of

    @admin.display(description="¶", ordering="paragraph")
    def paragraph_display(self, commitment):
        """Where the commitment stands in its document: the list is in Roadmap order."""
        return commitment.paragraph

    @admin.display(description="title", ordering="title")
    def title_display(self, commitment):
        return format_html(
            '<span class="cut-short" title="{}">{}</span>', commitment.title, commitment.title
        )

    def changelist_view(self, request, extra_context=None):
        extra = {"title": "Commitments, in Roadmap order (document, then paragraph)"}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    @admin.display(description="status", ordering="current_status")
    def status_display(self, commitment):
        return status_badge(commitment.current_status, commitment.get_current_status_display())

    @admin.display(description="owner", ordering="owner__last_name", empty_value="—")
    def owner_display(self, commitment):
        return person(commitment.owner) if commitment.owner_id else None

    @admin.display(description="progress", ordering="current_progress")
    def progress_display(self, commitment):
        if commitment.current_progress is None:
            return "—"
        return f"{commitment.current_progress}%"

    @admin.display(description="assessment", empty_value="")
    def stale_display(self, commitment):
        """A warning when a new assessment is due, as the dashboard words it; nothing when the
        commitment is up to date (or not saved yet)."""
        if commitment.pk is None:
            return ""
        overdue = commitment.days_overdue()
        if overdue is None:
            text = "Never assessed"
        elif overdue > 0:
            text = f"Needs assessment — {overdue} day{'s' if overdue > 1 else ''} overdue"
        else:
            return ""
        return format_html(
            '<span class="stale-badge" title="{}">⚠ {}</span>', _due(commitment), text
        )

    @admin.display(description="assessment")
    def assessment_display(self, commitment):
        """On the commitment's page: whether an assessment is due, and why, in words (the list
        flags only what is due, with the reason on hover)."""
        if commitment.pk is None:
            return ""
        every = f"due every {commitment.stale_after_days} days"
        if commitment.current_as_of is None:
            return format_html('<span class="stale-badge">⚠ Never assessed</span>; {}.', every)
        age = (timezone.localdate() - commitment.current_as_of).days
        reason = f"Last assessed {age} day{'' if age == 1 else 's'} ago; {every}."
        overdue = commitment.days_overdue()
        if overdue > 0:
            return format_html(
                '<span class="stale-badge">⚠ Needs assessment — {} day{} overdue</span>. {}',
                overdue,
                "s" if overdue > 1 else "",
                reason,
            )
        return f"Up to date. {reason}"

    def get_object(self, request, object_id, from_field=None):
        commitment = super().get_object(request, object_id, from_field)
        if commitment is not None:
            # Whose page it is: in_review_display offers only the links this user may follow.
            commitment.shown_to = request.user
        return commitment

    @admin.display(description="updates")
    def in_review_display(self, commitment):
        """A read-only table, apart from the approved history (the inline below): a table, not
        an inline, so that saving the commitment's form does not depend on it. Oldest first, as
        the review queue lists them."""
        user = commitment.shown_to
        updates = (
            StatusUpdate.objects.filter(commitment=commitment)
            .exclude(review__decision=Review.Decision.APPROVE)
            .select_related("author", "review__reviewer")
            .order_by("created_at", "id")
        )
        rows = [
            {
                "update": update,
                "status": status_badge(update.status, update.get_status_display()),
                "author": person(update.author),
                "review": review_badge(update),
                "reviewer": person(update.review.reviewer) if hasattr(update, "review") else "",
                "next_step": _next_step(update, user),
            }
            for update in updates
        ]
        return render_to_string("admin/commitments/commitment/in_review.html", {"rows": rows})

    @admin.display(description="")
    def record_link(self, commitment):
        title = f"Record a status update of {commitment.code}"
        return add_form_link("statusupdate", "Record", {"commitment": commitment.pk}, title=title)

    def get_list_display(self, request):
        if request.user.has_perm("commitments.add_statusupdate"):
            return [*self.list_display, "record_link"]
        return self.list_display

    @admin.display(description="children")
    def add_child_link(self, commitment):
        link = add_form_link("commitment", "Add a child commitment", {"parent": commitment.pk})
        return format_html("{} (one of several tools it lists)", link)

    @admin.display(description="new status update")
    def record_update_link(self, commitment):
        if commitment.pk is None:
            return "Save the commitment first."
        query = {"commitment": commitment.pk}
        return add_form_link("statusupdate", "Record a status update", query, **{"class": "button"})

    def save_model(self, request, obj, form, change):
        # Saved by save_related instead, where the partners' inline is at hand: the commitment,
        # its tags and its partners are one write and one entry in its history.
        pass

    def save_related(self, request, form, formsets, change):
        # The form checked the version already; the service checks it again under a row
        # lock, for two saves in the same instant.
        links = next(formset for formset in formsets if formset.model is CommitmentPartner)
        links.save(commit=False)  # only what the change message lists: the service writes
        rows = [
            link.cleaned_data
            for link in links.forms
            if link.cleaned_data.get("partner") and link not in links.deleted_forms
        ]
        save_commitment(
            form.instance,
            expected_version=form.cleaned_data.get("opened_version"),
            themes=form.cleaned_data["themes"],
            places=form.cleaned_data["places"],
            partners=[row["partner"] for row in rows],
            lead_partners=[row["partner"] for row in rows if row["role"] == PartnerRole.LEAD],
        )
        for formset in formsets:
            if formset is not links:
                self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Indicator:
            return super().save_formset(request, form, formset, change)
        # The indicators inline writes through the service, as the API and the loader do.
        for indicator in formset.save(commit=False):
            save_indicator(indicator)
        for indicator in formset.deleted_objects:
            indicator.delete()
        return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleVersion as stale:
            self.message_user(
                request, STALE_EDIT.format(version=stale.current_version), messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())


# What a correction's form starts from: the corrected update's values, its as-of date included
# (a correction describes the same moment unless the analyst says otherwise).
CORRECTION_STARTS_FROM = [
    "status",
    "progress",
    "as_of",
    "summary",
    "confidence",
    "evidence_url",
    "evidence_source",
]


class StatusUpdateForm(forms.ModelForm):
    """A new status update. A correction names the update it corrects among the standing
    and returned updates of the same commitment, each told apart by number, author and time
    recorded. With review off, a correction that would change the commitment's current status
    must be confirmed, with what it would show said in words, since nothing recorded can be
    undone; with review on, the submission changes nothing yet, and the review queue shows the
    reviewer what approving it would change instead."""

    confirm_current_status = forms.BooleanField(
        required=False,
        label="Yes, make this the current status",
        help_text="Asked only when a correction would change what the commitment shows.",
    )

    # No Meta: StatusUpdateAdmin builds the model form from its `fields` and overrides.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "corrects" in self.fields:
            commitment = self.data.get("commitment") or self.initial.get("commitment")
            corrects = self.fields["corrects"]
            corrects.queryset = (
                StatusUpdate.objects.filter(commitment=commitment or None)
                .correctable()
                .select_related("author")
            )
            corrects.label_from_instance = update_choice_label
            # A correction corrects an update already recorded: adding one from here makes no
            # sense.
            corrects.widget.can_add_related = False
            corrects.help_text = (
                "The update of this commitment that this one corrects, if any: it then no longer "
                "counts. Use “Correct this update” on the update to start from its values."
            )

    def clean(self):
        cleaned = super().clean()
        commitment, corrects = cleaned.get("commitment"), cleaned.get("corrects")
        if corrects is None or commitment is None or self.errors or settings.REVIEW_REQUIRED:
            return cleaned
        after = current_status_after(
            commitment,
            status=cleaned["status"],
            progress=cleaned.get("progress"),
            as_of=cleaned["as_of"],
            corrects=corrects,
        )
        before = (commitment.current_status, commitment.current_progress, commitment.current_as_of)
        if tuple(after) != before and not cleaned.get("confirm_current_status"):
            label = dict(Status.choices)
            self.add_error(
                "confirm_current_status",
                f"This will make {commitment.code} “{label[after.status]}” as of "
                f"{after.as_of:%d %b %Y} — current: “{commitment.get_current_status_display()}”"
                + (
                    f" as of {commitment.current_as_of:%d %b %Y}"
                    if commitment.current_as_of
                    else ""
                )
                + ". Check the status and the date, then tick the box to confirm.",
            )
        return cleaned


class ReviewStateListFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return ReviewState.choices

    def queryset(self, request, queryset):
        if self.value() in ReviewState.values:
            return queryset.in_review_state(self.value())
        return queryset


class AuthorListFilter(admin.SimpleListFilter):
    """Your own updates: what an analyst follows through review."""

    title = "author"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        return [("me", "Me")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(author=request.user)
        return queryset


class ReviewDecisionForm(forms.Form):
    """One decision, as the review queue posts it; approve_or_return checks the rest."""

    update = forms.ModelChoiceField(
        queryset=StatusUpdate.objects.select_related("commitment", "author")
    )
    decision = forms.ChoiceField(choices=Review.Decision.choices)
    comment = forms.CharField(required=False)


# The review queue shows this many of the oldest pending updates: a bulk import of thousands
# is still one page, and the oldest wait longest.
QUEUE_LENGTH = 100

REVIEW_FIELDS = [
    "review_display",
    "reviewer_display",
    "review_comment_display",
    "decided_at_display",
]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(BoundedSearch, admin.ModelAdmin):
    """Add and view only: a status update is never changed or deleted, by anyone. Reviewers
    and Editors decide on pending ones in the review queue (review_queue_view)."""

    class Media:
        css = {"all": ["commitments/admin.css"]}

    formfield_overrides = URL_FIELDS_ASSUME_HTTPS

    form = StatusUpdateForm
    list_display = [
        "commitment_display",
        "status_display",
        "progress",
        "as_of",
        "author_display",
        "created_at",
        "review_state_display",
        "correction_display",
    ]
    list_display_links = ["commitment_display"]
    list_filter = [
        ReviewStateListFilter,
        AuthorListFilter,
        ("status", admin.ChoicesFieldListFilter),
        "confidence",
        "commitment__pillar",
        "as_of",
        "created_at",
    ]
    list_select_related = ["commitment", "author", "review"]
    search_fields = ["commitment__code", "commitment__title", "summary", "evidence_source"]
    date_hierarchy = "as_of"
    autocomplete_fields = ["commitment"]
    fields = ["commitment", *CORRECTION_STARTS_FROM, "corrects"]
    readonly_fields = [
        "author_display",
        "created_at",
        "correction_display",
        *REVIEW_FIELDS,
        "correct_link_display",
        "queue_link_display",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            if settings.REVIEW_REQUIRED:
                return self.fields  # the queue shows the reviewer what approving would change
            return [*self.fields, "confirm_current_status"]
        shown = [*self.fields, "author_display", "created_at", "correction_display"]
        shown += REVIEW_FIELDS
        if obj.review_state == ReviewState.PENDING:
            if may_review(request.user) and obj.author_id != request.user.pk:
                shown.append("queue_link_display")
        elif self.has_add_permission(request):
            shown.append("correct_link_display")
        return shown

    def get_queryset(self, request):
        return super().get_queryset(request).with_corrected_by()

    def get_urls(self):
        # Before the default ones, whose "<path:object_id>/" would take "import/" or "review/"
        # for an id.
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="commitments_statusupdate_import",
            ),
            path(
                "review/",
                self.admin_site.admin_view(self.review_queue_view),
                name="commitments_statusupdate_review",
            ),
        ]
        return [*own, *super().get_urls()]

    def import_view(self, request):
        return admin_import.import_view(self, request)

    @admin.display(description="status", ordering="status")
    def status_display(self, update):
        return status_badge(update.status, update.get_status_display())

    @admin.display(description="correction", empty_value="")
    def correction_display(self, update):
        return correction_note(update)

    @admin.display(description="commitment", ordering="commitment__code")
    def commitment_display(self, update):
        title = update.commitment.title
        return format_html(
            '{} <span class="cut-short" title="{}">{}</span>', update.commitment.code, title, title
        )

    @admin.display(description="correct it")
    def correct_link_display(self, update):
        if update.review_state == ReviewState.RETURNED:
            return add_form_link("statusupdate", "Correct it", {"correct": update.pk})
        if update.corrected_by_id is not None:
            return f"Superseded by #{update.corrected_by_id}: correct that one instead."
        return correct_link(update)

    @admin.display(description="review")
    def queue_link_display(self, update):
        return format_html('<a href="{}">Review it in the queue</a>', queue_url(update))

    @admin.display(description="review")
    def review_state_display(self, update):
        return review_badge(update)

    @admin.display(description="review")
    def review_display(self, update):
        if update.review_state == ReviewState.PENDING:
            return format_html(
                "{} — {} other than its author decides.", review_badge(update), who_reviews()
            )
        return review_badge(update)

    @admin.display(description="reviewer", empty_value="—")
    def reviewer_display(self, update):
        review = getattr(update, "review", None)
        if review is None:
            return None
        if review.reviewer is None:
            return "Nobody: approved on submission (review was not required)"
        return person(review.reviewer)

    @admin.display(description="reviewer's comment", empty_value="—")
    def review_comment_display(self, update):
        review = getattr(update, "review", None)
        return review.comment if review else None

    @admin.display(description="decided at", empty_value="—")
    def decided_at_display(self, update):
        review = getattr(update, "review", None)
        return _readable(review.decided_at) if review else None

    @admin.display(description="author", ordering="author__last_name")
    def author_display(self, update):
        return person(update.author)

    def get_changeform_initial_data(self, request):
        """The add form: empty but for today's date; or, to correct an update (?correct=<id>),
        that update's own values, its as-of date included, and `corrects` set to it."""
        initial = super().get_changeform_initial_data(request)
        original = StatusUpdate.objects.filter(pk=request.GET.get("correct") or None).first()
        if original is None:
            initial.setdefault("as_of", timezone.localdate())
            return initial
        copied = {name: getattr(original, name) for name in CORRECTION_STARTS_FROM}
        return {**initial, **copied, "commitment": original.commitment_id, "corrects": original.pk}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        update = record_status_update(
            author=request.user, **{name: form.cleaned_data[name] for name in self.fields}
        )
        # The admin goes on to log and redirect with the object it passed in.
        obj.pk = update.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        if "_addanother" in request.POST or "_continue" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        shows = f"“{obj.commitment.get_current_status_display()}”"
        if obj.review_state == ReviewState.PENDING:
            message = (
                f"Recorded: {obj}. It is pending review: {who_reviews()} other than you must "
                f"approve it before it counts; {obj.commitment.code} shows {shows} until then."
            )
        else:
            message = f"Recorded: {obj}. The commitment now shows {shows}."
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:commitments_commitment_change", args=[obj.commitment_id])
        )

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def review_queue_view(self, request):
        """The review queue: pending updates, oldest first, each beside what its commitment
        shows now and what approving it would make it show, with Approve and Return for those
        the user may decide (everyone's but their own). A decision is a POST, through
        approve_or_return, answered with a message and the queue again."""
        if not may_review(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return self._decide(request)
        updates = review_queue(StatusUpdate.objects.all(), limit=QUEUE_LENGTH)
        rows = [
            {
                "update": update,
                "mine": update.author_id == request.user.pk,
                "author": person(update.author),
                "now": status_badge(
                    update.commitment.current_status,
                    update.commitment.get_current_status_display(),
                ),
                "proposed": status_badge(update.status, update.get_status_display()),
                "after": status_badge(
                    update.on_approval.status, Status(update.on_approval.status).label
                ),
            }
            for update in updates
        ]
        pending = StatusUpdate.objects.pending()
        context = {
            **self.admin_site.each_context(request),
            "title": "Review queue",
            "opts": self.model._meta,
            "rows": rows,
            "pending_total": pending.count(),
            "yours_total": pending.filter(author=request.user).count(),
            "who_reviews": who_reviews(),
        }
        return render(request, "admin/commitments/statusupdate/review_queue.html", context)

    def _decide(self, request):
        form = ReviewDecisionForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request,
                "Nothing was decided: choose Approve or Return on an update of the queue "
                "(it may no longer exist).",
                messages.ERROR,
            )
            return HttpResponseRedirect(queue_url())
        update, decision = form.cleaned_data["update"], form.cleaned_data["decision"]
        try:
            approve_or_return(
                update,
                reviewer=request.user,
                decision=decision,
                comment=form.cleaned_data["comment"],
            )
        except ReviewRefused as refusal:
            self.message_user(request, f"Nothing was decided. {refusal}", messages.ERROR)
        except ValidationError as error:
            self.message_user(
                request,
                f"Update #{update.pk} was not decided: {' '.join(error.messages)}",
                messages.ERROR,
            )
            return HttpResponseRedirect(queue_url(update))
        else:
            self.message_user(request, self._decided(update, decision), messages.SUCCESS)
        return HttpResponseRedirect(queue_url())

    @staticmethod
    def _decided(update, decision):
        commitment = update.commitment
        if decision == Review.Decision.RETURN:
            return (
                f"Returned update #{update.pk} of {commitment.code} to "
                f"{person_name(update.author)} with your comment. It does not count; its "
                "author can answer it with a correction."
            )
        as_of = f" as of {commitment.current_as_of:%d %b %Y}" if commitment.current_as_of else ""
        return (
            f"Approved update #{update.pk} of {commitment.code}. {commitment.code} now shows "
            f"“{commitment.get_current_status_display()}”{as_of}."
        )


@admin.register(Review)
class ReviewAdmin(BoundedSearch, admin.ModelAdmin):
    """Decisions, read-only: a decision is taken in the review queue (approve_or_return), once,
    and never changed or deleted, by anyone (as status updates)."""

    list_display = ["update_display", "decision", "reviewer_display", "decided_at", "comment"]
    list_filter = ["decision", "decided_at"]
    list_select_related = ["update__commitment", "reviewer"]
    search_fields = ["update__commitment__code", "comment"]
    date_hierarchy = "decided_at"
    fields = ["update_display", "decision", "reviewer_display", "comment", "decided_at"]
    readonly_fields = fields

    @admin.display(description="update", ordering="update_id")
    def update_display(self, review):
        url = reverse("admin:commitments_statusupdate_change", args=[review.update_id])
        return format_html('<a href="{}">#{} {}</a>', url, review.update_id, review.update)

    @admin.display(description="reviewer", ordering="reviewer__last_name")
    def reviewer_display(self, review):
        if review.reviewer is None:
            return "Nobody: approved on submission"
        return person(review.reviewer)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Indicator)
class IndicatorAdmin(BoundedSearch, admin.ModelAdmin):
    """Indicators of commitments (also on each commitment's page) and the Roadmap's context
    indicators (no commitment), defined by Editors through save_indicator."""

    list_display = [
        "name",
        "commitment",
        "unit",
        "direction",
        "baseline_display",
        "target_display",
        "latest_display",
        "progress_display",
    ]
    list_filter = [
        ("commitment", admin.EmptyFieldListFilter),
        "unit",
        "direction",
        "commitment__pillar",
    ]
    list_select_related = ["commitment"]
    search_fields = ["name", "slug", "commitment__code", "baseline_quote"]
    autocomplete_fields = ["commitment"]
    fieldsets = [
        (None, {"fields": ["slug", "name", "description", "commitment"]}),
        ("Measure", {"fields": ["unit", "unit_other", "measure", "direction"]}),
        (
            "Baseline",
            {
                "fields": [
                    "baseline_value",
                    "baseline_qualifier",
                    "baseline_date",
                    "baseline_source",
                    "baseline_paragraph",
                    "baseline_quote",
                ]
            },
        ),
        ("Target", {"fields": ["target_value", "target_qualifier", "target_date"]}),
        ("Progress", {"fields": ["latest_display", "progress_display", "record_value_link"]}),
    ]
    readonly_fields = ["latest_display", "progress_display", "record_value_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_latest()

    @admin.display(description="baseline")
    def baseline_display(self, indicator):
        return indicator.baseline_phrase or "—"

    @admin.display(description="target")
    def target_display(self, indicator):
        return indicator.target_phrase or "—"

    @admin.display(description="latest approved value")
    def latest_display(self, indicator):
        return indicator_latest(indicator)

    @admin.display(description="progress")
    def progress_display(self, indicator):
        return indicator_progress(indicator)

    @admin.display(description="new value")
    def record_value_link(self, indicator):
        if indicator.pk is None:
            return "Save the indicator first."
        query = {"indicator": indicator.pk}
        return add_form_link("indicatorvalue", "Record a value", query, **{"class": "button"})

    def save_model(self, request, obj, form, change):
        save_indicator(obj)


class ValueDecisionForm(forms.Form):
    """One decision, as the indicator values' review queue posts it."""

    value = forms.ModelChoiceField(
        queryset=IndicatorValue.objects.select_related("indicator", "author")
    )
    decision = forms.ChoiceField(choices=IndicatorValueReview.Decision.choices)
    comment = forms.CharField(required=False)


INDICATOR_VALUE_FIELDS = [
    "indicator",
    "value",
    "qualifier",
    "as_of",
    "period_start",
    "period_end",
    "evidence_source",
    "evidence_url",
    "confidence",
    "corrects",
]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(BoundedSearch, admin.ModelAdmin):
    """Add and view only, as status updates: a value is never changed or deleted, by anyone.
    Reviewers and Editors decide on pending ones in the review queue (review_queue_view)."""

    class Media:
        css = {"all": ["commitments/admin.css"]}

    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = [
        "indicator",
        "phrase_display",
        "observed_display",
        "author_display",
        "created_at",
        "review_state_display",
    ]
    list_filter = [ReviewStateListFilter, AuthorListFilter, "indicator__unit", "created_at"]
    list_select_related = ["indicator__commitment", "author", "review"]
    search_fields = ["indicator__name", "indicator__commitment__code", "evidence_source"]
    autocomplete_fields = ["indicator", "corrects"]
    fields = INDICATOR_VALUE_FIELDS
    readonly_fields = ["author_display", "created_at", "review_state_display", "queue_link_display"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        shown = [*self.fields, "author_display", "created_at", "review_state_display"]
        if obj.review_state == ReviewState.PENDING and may_review(request.user):
            shown.append("queue_link_display")
        return shown

    def get_urls(self):
        # Before the default ones, whose "<path:object_id>/" would take "review/" for an id.
        own = [
            path(
                "review/",
                self.admin_site.admin_view(self.review_queue_view),
                name="commitments_indicatorvalue_review",
            ),
        ]
        return [*own, *super().get_urls()]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("as_of", timezone.localdate())
        return initial

    @admin.display(description="value")
    def phrase_display(self, observation):
        return observation.phrase

    @admin.display(description="date", ordering="as_of")
    def observed_display(self, observation):
        if observation.as_of:
            return f"{observation.as_of:%d %b %Y}"
        start = f"{observation.period_start:%d %b %Y}" if observation.period_start else "…"
        return f"{start} to {observation.period_end:%d %b %Y}"

    @admin.display(description="author", ordering="author__last_name")
    def author_display(self, observation):
        return person(observation.author)

    @admin.display(description="review")
    def review_state_display(self, observation):
        return review_badge(observation)

    @admin.display(description="review")
    def queue_link_display(self, observation):
        url = reverse("admin:commitments_indicatorvalue_review")
        return format_html('<a href="{}#value-{}">Review it in the queue</a>', url, observation.pk)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        observation = record_indicator_value(
            author=request.user, **{name: form.cleaned_data[name] for name in self.fields}
        )
        # The admin goes on to log and redirect with the object it passed in.
        obj.pk = observation.pk
        obj.refresh_from_db()

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def review_queue_view(self, request):
        """Pending values, oldest first, each beside its indicator's baseline, latest approved
        value and target, with Approve and Return for those the user may decide (everyone's
        but their own), through approve_or_return_indicator_value."""
        if not may_review(request.user):
            raise PermissionDenied
        queue_url = reverse("admin:commitments_indicatorvalue_review")
        if request.method == "POST":
            self._decide(request)
            return HttpResponseRedirect(queue_url)
        pending = IndicatorValue.objects.pending()
        values = pending.select_related("indicator__commitment", "author").order_by(
            "created_at", "id"
        )[:QUEUE_LENGTH]
        latest = {
            indicator.pk: indicator
            for indicator in Indicator.objects.filter(
                pk__in={value.indicator_id for value in values}
            ).with_latest()
        }
        rows = [
            {
                "value": value,
                "mine": value.author_id == request.user.pk,
                "author": person(value.author),
                "latest": indicator_latest(latest[value.indicator_id])
                if latest[value.indicator_id].latest_value is not None
                else "",
            }
            for value in values
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Review queue of indicator values",
            "opts": self.model._meta,
            "rows": rows,
            "pending_total": pending.count(),
            "yours_total": pending.filter(author=request.user).count(),
            "who_reviews": who_reviews(),
        }
        return render(request, "admin/commitments/indicatorvalue/review_queue.html", context)

    def _decide(self, request):
        form = ValueDecisionForm(request.POST)
        if not form.is_valid():
            self.message_user(
                request,
                "Nothing was decided: choose Approve or Return on a value of the queue (it may "
                "no longer exist).",
                messages.ERROR,
            )
            return
        observation, decision = form.cleaned_data["value"], form.cleaned_data["decision"]
        try:
            approve_or_return_indicator_value(
                observation,
                reviewer=request.user,
                decision=decision,
                comment=form.cleaned_data["comment"],
            )
        except ReviewRefused as refusal:
            self.message_user(request, f"Nothing was decided. {refusal}", messages.ERROR)
        except ValidationError as error:
            self.message_user(
                request,
                f"Value #{observation.pk} was not decided: {' '.join(error.messages)}",
                messages.ERROR,
            )
        else:
            done = "Approved" if decision == IndicatorValueReview.Decision.APPROVE else "Returned"
            self.message_user(
                request,
                f"{done} value #{observation.pk} of {observation.indicator}.",
                messages.SUCCESS,
            )


class ContributionMatrixFilters(forms.Form):
    """The matrix's filters, as the API's matrix takes them."""

    pillar = forms.ModelChoiceField(
        queryset=Pillar.objects.order_by("display_order", "name"), required=False
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Contribution.Kind.choices], required=False)
    partner_kind = forms.ChoiceField(
        label="Partner kind", choices=[("", "Any partner"), *Partner.Kind.choices], required=False
    )
    since = forms.DateField(required=False, help_text="Made on or after.")
    until = forms.DateField(required=False, help_text="Made on or before.")

    def contributions(self):
        """The contributions the filters choose (all of them when the form is not valid)."""
        contributions = Contribution.objects.all()
        if not self.is_valid():
            return contributions
        chosen = {
            "commitment__pillar": self.cleaned_data["pillar"],
            "kind": self.cleaned_data["kind"],
            "partner__kind": self.cleaned_data["partner_kind"],
            "date__gte": self.cleaned_data["since"],
            "date__lte": self.cleaned_data["until"],
        }
        return contributions.filter(**{name: value for name, value in chosen.items() if value})


# What a correction starts from: the corrected contribution's own values.
CONTRIBUTION_FIELDS = [
    "partner",
    "commitment",
    "kind",
    "date",
    "amount",
    "currency",
    "count",
    "unit",
    "evidence_url",
    "evidence_source",
    "note",
]


@admin.register(Contribution)
class ContributionAdmin(BoundedSearch, admin.ModelAdmin):
    """Add and view only, as status updates: a contribution is never changed or deleted, by
    anyone; a correction is a new one that names it. The matrix (matrix_view) adds them up."""

    class Media:
        css = {"all": ["commitments/admin.css"]}

    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = [
        "partner",
        "commitment_display",
        "what_display",
        "date",
        "author_display",
        "created_at",
        "correction_display",
    ]
    list_display_links = ["partner"]
    list_filter = ["kind", "partner__kind", "commitment__pillar", "currency", "date", "created_at"]
    list_select_related = ["partner", "commitment", "author"]
    search_fields = [
        "partner__name",
        "commitment__code",
        "commitment__title",
        "unit",
        "evidence_source",
        "note",
    ]
    date_hierarchy = "date"
    autocomplete_fields = ["partner", "commitment", "corrects"]
    fields = [*CONTRIBUTION_FIELDS, "corrects"]
    readonly_fields = [
        "author_display",
        "created_at",
        "correction_display",
        "correct_link_display",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        shown = [*self.fields, "author_display", "created_at", "correction_display"]
        if self.has_add_permission(request):
            shown.append("correct_link_display")
        return shown

    def get_queryset(self, request):
        return super().get_queryset(request).for_display()

    def get_search_results(self, request, queryset, search_term):
        if request.GET.get("field_name") == "corrects":
            # A correction names a contribution no other correction has replaced yet.
            queryset = queryset.standing()
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self):
        # Before the default ones, whose "<path:object_id>/" would take "matrix/" for an id.
        own = [
            path(
                "matrix/",
                self.admin_site.admin_view(self.matrix_view),
                name="commitments_contribution_matrix",
            ),
        ]
        return [*own, *super().get_urls()]

    @admin.display(description="commitment", ordering="commitment__code")
    def commitment_display(self, contribution):
        title = contribution.commitment.title
        return format_html(
            '{} <span class="cut-short" title="{}">{}</span>',
            contribution.commitment.code,
            title,
            title,
        )

    @admin.display(description="contribution", ordering="kind")
    def what_display(self, contribution):
        return contribution.what

    @admin.display(description="author", ordering="author__last_name")
    def author_display(self, contribution):
        return person(contribution.author)

    @admin.display(description="correction", empty_value="")
    def correction_display(self, contribution):
        return correction_note(contribution)

    @admin.display(description="correct it")
    def correct_link_display(self, contribution):
        if contribution.corrected_by_id is not None:
            return f"Superseded by #{contribution.corrected_by_id}: correct that one instead."
        return add_form_link(
            "contribution", "Correct this contribution", {"correct": contribution.pk}
        )

    def get_changeform_initial_data(self, request):
        """The add form: empty but for today's date; or, to correct a contribution
        (?correct=<id>), that contribution's own values and `corrects` set to it."""
        initial = super().get_changeform_initial_data(request)
        original = Contribution.objects.filter(pk=request.GET.get("correct") or None).first()
        if original is None:
            initial.setdefault("date", timezone.localdate())
            return initial
        copied = {name: getattr(original, name) for name in CONTRIBUTION_FIELDS}
        copied["partner"], copied["commitment"] = original.partner_id, original.commitment_id
        return {**initial, **copied, "corrects": original.pk}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        contribution = record_contribution(
            author=request.user, **{name: form.cleaned_data[name] for name in self.fields}
        )
        # The admin goes on to log and redirect with the object it passed in.
        obj.pk = contribution.pk
        obj.refresh_from_db()

    @method_decorator(require_safe)
    def matrix_view(self, request):
        """Partners by commitments, as the API's matrix: totals per cell, partner, commitment
        and pillar, money per currency through the funnel, other kinds per unit. Standing
        contributions only (a correction replaces what it corrects). Two queries: the matrix
        (selectors.contribution_matrix), the pillars of the filter."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        filters = ContributionMatrixFilters(request.GET or None)
        matrix = contribution_matrix(filters.contributions())
        cells = {(cell["partner"], cell["commitment"]): cell["totals"] for cell in matrix.cells}
        grid = [
            {
                "partner": partner,
                "cells": [cells.get((partner["slug"], c["code"])) for c in matrix.commitments],
            }
            for partner in matrix.partners
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Contribution matrix",
            "opts": self.model._meta,
            "filters": filters,
            "matrix": matrix,
            "grid": grid,
        }
        return render(request, "admin/commitments/contribution/matrix.html", context)


class CommitmentCountAdmin(BoundedSearch, RefusesDuplicates, HistoryAdmin):
    """Reference data, listed with how many commitments use each entry."""

    search_fields = ["name"]
    # What a new entry's slug is typed from. Deliberately not the `prepopulated_fields`
    # attribute: simple_history's version page reads that attribute instead of
    # get_prepopulated_fields, for an existing entry whose slug is read-only, hence not in its
    # form, and the page failed (KeyError: 'slug').
    slug_from = "name"

    # A slug is a stable identifier, in shared links and in the Roadmap's data file.
    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else {"slug": [self.slug_from]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(commitment_total=Count("commitments"))

    @admin.display(description="commitments", ordering="commitment_total")
    def commitment_count(self, obj):
        return obj.commitment_total


@admin.register(SourceDocument)
class SourceDocumentAdmin(CommitmentCountAdmin):
    list_display = ["short_name", "title", "issuer", "issued_on", "commitment_count"]
    search_fields = ["short_name", "title", "issuer"]
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    slug_from = "short_name"
    date_hierarchy = "issued_on"


@admin.register(Pillar)
class PillarAdmin(CommitmentCountAdmin):
    list_display = ["name", "slug", "display_order", "commitment_count"]
    list_editable = ["display_order"]


@admin.register(Theme)
class ThemeAdmin(CommitmentCountAdmin):
    list_display = ["name", "slug", "commitment_count"]


@admin.register(Place)
class PlaceAdmin(CommitmentCountAdmin):
    list_display = ["name", "kind", "parent", "commitment_count"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Partner)
class PartnerAdmin(CommitmentCountAdmin):
    """Partners, of every kind: the Roadmap's own, and the Coalition's member states, which
    Editors add (the Roadmap counts them without naming them)."""

    list_display = ["name", "kind", "commitment_count"]
    list_filter = ["kind"]


# API tokens (django-rest-knox): only a hash is stored, so the token is shown once, when it
# is created here. Deleting a token revokes it at once.
admin.site.unregister(AuthToken)


class OwnTokenForm(AuthTokenCreateForm):
    """A new token, for whoever fills in the form and no one else: a token acts as its user,
    and is shown to whoever creates it, so a superuser who made a reviewer's could approve
    their own updates with it. The user is shown, not chosen; one posted anyway is refused."""

    owner = None  # the signed-in user, set by ApiTokenAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        user.queryset = user.queryset.filter(pk=self.owner.pk)
        user.initial = self.owner.pk
        user.disabled = True
        user.empty_label = None
        user.widget = forms.Select(choices=user.choices)
        user.help_text = (
            "A token acts as its user: you create your own, signed in as yourself, and each "
            "user theirs."
        )

    def clean_user(self):
        posted = self.data.get(self.add_prefix("user"))
        if posted not in (None, "", str(self.owner.pk)):
            raise ValidationError(
                "You may create a token for yourself only: a token acts as its user, so each "
                "user creates their own, signed in as themselves."
            )
        return self.owner


@admin.register(AuthToken)
class ApiTokenAdmin(KnoxAuthTokenAdmin):
    """Each user creates their own tokens (OwnTokenForm); whoever may delete tokens (a
    superuser, or a user given knox's delete permission) may revoke anyone's."""

    add_form = OwnTokenForm
    list_display = ["token_key", "user", "created", "expiry"]
    list_select_related = ["user"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.owner = request.user  # on the class modelform_factory made for this request
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.user = request.user
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        if not change:
            self.message_user(
                request,
                f"API token for {obj.user}: {form.token} — copy it now, it is not shown again "
                "(only a hash is kept). Send it as the header 'Authorization: Bearer <token>'.",
                messages.WARNING,
            )


# django-axes' list of login attempts: its "Clean up expired attempts" action answered 500,
# reading the time of an attempt that only axes' own login handling sets
# (jazzband/django-axes#1424). It is given the time of the request.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts")
    def cleanup_expired_attempts(self, request, queryset):
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)

"""Commitments: their admin, its form and list filters, and what their page shows inline
(partners, indicators, what it depends on and what depends on it, the approved status history,
updates in review). Status updates are
recorded and reviewed in assessments.py."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import (
    BoundedSearch,
    HistoryAdmin,
    IndicatorProgress,
    RecordColumns,
    RefusesDuplicates,
    add_form_link,
    correct_link,
    correction_note,
    day_text,
    marking_badge,
    person,
    person_name,
    readable_in_admin,
    record_button,
    status_badge,
)
from commitments.admin.reviews import may_review, queue_url, review_badge
from commitments.models import (
    MAX_CADENCE_DAYS,
    Commitment,
    CommitmentPartner,
    Contribution,
    Dependency,
    Indicator,
    PartnerRole,
    Review,
    ReviewState,
    Status,
    StatusUpdate,
)
from commitments.numbers import GROUPED_DECIMALS
from commitments.services import (
    COMMITMENT_EDITABLE_FIELDS,
    COMMITMENT_SOURCE_FIELDS,
    StaleVersion,
    add_dependency,
    remove_dependency,
    save_commitment,
    save_indicator,
)
from commitments.services.dependencies import cycle_refusal
from commitments.source_texts import paragraphs_of


def _due(commitment):
    every = _due_every(commitment)
    if commitment.current_as_of is None:
        return gettext("Not assessed yet; %(every)s.") % {"every": every}
    return gettext("Last assessed as of %(as_of)s; %(every)s.") % {
        "as_of": day_text(commitment.current_as_of),
        "every": every,
    }


def _due_every(commitment):
    days = commitment.stale_after_days
    return ngettext("due every %(days)s day", "due every %(days)s days", days) % {"days": days}


def _days_overdue(days):
    return ngettext(
        "Needs assessment — %(days)s day overdue", "Needs assessment — %(days)s days overdue", days
    ) % {"days": days}


class StaleListFilter(admin.SimpleListFilter):
    title = _("stale")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", _("Stale (needs an update)")), ("no", _("Up to date"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.stale()
        if self.value() == "no":
            return queryset.fresh()
        return queryset


class OwnerListFilter(admin.SimpleListFilter):
    """Whose commitments: the analyst's own ("Mine"), nobody's, or an owner's by name."""

    title = _("owner")
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        owners = get_user_model().objects.filter(owned_commitments__isnull=False).distinct()
        return [
            ("mine", _("Mine")),
            ("none", _("Nobody")),
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


class StatusHistoryInline(RecordColumns, admin.TabularInline):
    """The commitment's approved status history, newest first, read-only: it is append-only.
    Updates still in review, or returned, are listed apart (CommitmentAdmin.in_review_display):
    they never counted."""

    model = StatusUpdate
    fk_name = "commitment"
    verbose_name_plural = _("status history (approved, newest first)")
    fields = [
        "marking_display",
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
        # What the user's clearance may read, its corrections included (readable_by).
        return (
            readable_in_admin(request.user, super().get_queryset(request))
            .approved()
            .select_related("author", "commitment")
            .with_corrected_by()
        )

    @admin.display(description=_("status"))
    def status_display(self, update):
        return status_badge(update.status, update.get_status_display())

    @admin.display(description="")
    def correct_link_display(self, update):
        return correct_link(update)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IndicatorInline(IndicatorProgress, admin.TabularInline):
    """What measures the commitment, defined by Editors; its values are recorded apart, as
    status updates are, and its progress is computed from them."""

    model = Indicator
    fk_name = "commitment"
    fields = [
        "slug",
        "name",
        *Indicator.MEASURE_FIELDS,
        *Indicator.BASELINE_FIELDS,
        *Indicator.TARGET_FIELDS,
        "latest_display",
        "progress_display",
    ]
    readonly_fields = ["latest_display", "progress_display"]
    formfield_overrides = {models.DecimalField: GROUPED_DECIMALS}
    extra = 0
    show_change_link = True

    class Media:
        js = ["commitments/number-words.js"]


def _next_step(update, user):
    """What `user` may do next about an update that does not count, as a link, if anything."""
    if update.review_state == ReviewState.RETURNED:
        if user.has_perm("commitments.add_statusupdate"):
            return add_form_link("statusupdate", gettext("Correct it"), {"correct": update.pk})
        return ""
    if update.author_id == user.pk:
        return gettext("Yours: another reviewer must decide")
    if may_review(user):
        return format_html(
            '<a href="{}">{}</a>',
            queue_url(StatusUpdate, update),
            gettext("Review it in the queue"),
        )
    return ""


STALE_EDIT = _(
    "This commitment was changed by someone else since you opened it (it is now at version "
    "%(version)s). Nothing was saved: reload the page to see their changes, then make yours again."
)


INHERITED_FROM_PARENT = ["pillar", "source_document", "paragraph"]

# The commitment's fieldsets that get_fieldsets leaves out of the add form, or describes there.
SOURCE = _("Source")
CURRENT_STATUS = _("Current status")
IN_REVIEW = _("In review or returned")
CONTRIBUTIONS = _("Contributions")
RECORD = pgettext_lazy("the fieldset of a commitment's version and times", "Record")


FIXED_ONCE_SAVED = _(
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
                    field = self.fields[name]
                    empty = gettext("Empty: the parent's.")
                    field.help_text = f"{field.help_text} {empty}"
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
            self.fields["update_cadence_days"].help_text = gettext(
                "How often it should be assessed, in days (1 to %(max)s). Empty: every "
                "%(default)s days, the default."
            ) % {"max": MAX_CADENCE_DAYS, "default": settings.STALE_AFTER_DAYS}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            self._inherit_from_parent(cleaned)
            self._check_the_quote(cleaned)
        opened = cleaned.get("opened_version")
        if self.instance.pk is not None and opened is not None:
            current = Commitment.objects.values_list("version", flat=True).get(pk=self.instance.pk)
            if opened != current:
                raise forms.ValidationError(STALE_EDIT % {"version": current}, code="stale")
        return cleaned

    def _inherit_from_parent(self, cleaned):
        parent = cleaned.get("parent")
        for name in INHERITED_FROM_PARENT:
            if name not in self.fields or cleaned.get(name) is not None or name in self.errors:
                continue
            if parent is None:
                self.add_error(
                    name, gettext("This field is required (or choose a parent to take it from).")
                )
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
                "paragraph",
                gettext("%(document)s has paragraphs 1 to %(last)s.")
                % {"document": document.short_name, "last": len(paragraphs)},
            )
        elif " ".join(text.split()) not in paragraphs[paragraph]:
            self.add_error(
                "text",
                gettext(
                    "This is not a verbatim quote of paragraph %(paragraph)s of %(document)s: "
                    "copy the words exactly as published, or check the paragraph number."
                )
                % {"paragraph": paragraph, "document": document.short_name},
            )


class PartnerInline(admin.TabularInline):
    """The commitment's partners, each with its role. Saved with the commitment, by
    CommitmentAdmin.save_related, as one write and one entry in its history."""

    model = CommitmentPartner
    fk_name = "commitment"
    fields = ["partner", "role"]
    autocomplete_fields = ["partner"]
    extra = 0
    verbose_name = _("partner")
    verbose_name_plural = _("partners")

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


class DependencyFormSet(forms.BaseInlineFormSet):
    """Refuses a new dependency that would close a cycle, on its row, naming the path (the
    service checks again, under its lock, when it saves)."""

    def __init__(self, data=None, *args, prefix=None, **kwargs):
        prefix = prefix or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            # A commitment's form from a page without this inline (opened before it existed,
            # or posted by a script written before it): it changes no dependency, rather than
            # refusing the whole save for a missing management form.
            data = data.copy()
            data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = "0"
        super().__init__(data, *args, prefix=prefix, **kwargs)

    def clean(self):
        super().clean()
        commitment = self.instance
        if commitment.pk is None:
            return  # a new commitment: nothing depends on it yet
        edges = Dependency.objects.graph()
        for form in self.forms:
            depends_on = form.cleaned_data.get("depends_on")
            if form.instance.pk is not None or depends_on is None or form in self.deleted_forms:
                continue
            if refusal := cycle_refusal(edges, commitment, depends_on):
                form.add_error("depends_on", refusal)
            else:
                edges.setdefault(commitment.pk, []).append(depends_on.pk)


class DependencyInline(admin.TabularInline):
    """What the commitment depends on, each with why: Editors add and remove them (a removal
    is kept in the dependency's history). What depends on it is shown read-only above."""

    model = Dependency
    fk_name = "commitment"
    formset = DependencyFormSet
    fields = ["depends_on", "note"]
    autocomplete_fields = ["depends_on"]
    extra = 0
    verbose_name = _("depends on")
    verbose_name_plural = _("depends on")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("depends_on")

    # An edge is added or removed, never edited: a new note is a new edge.
    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Commitment)
class CommitmentAdmin(BoundedSearch, RefusesDuplicates, HistoryAdmin):
    form = CommitmentForm
    # Fits a 1280-pixel screen, the title given the width (admin.css).
    list_display = [
        "paragraph_display",
        "code",
        "title",
        "pillar",
        "status_display",
        "progress_display",
        "as_of_display",
        "stale_display",
        "owner_display",
    ]
    list_display_links = ["code", "title"]
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
        "last_recorded_at",
        "last_approved_at",
        "stale_display",
        "assessment_display",
        "in_review_display",
        "contributions_display",
        "dependents_display",
        "version",
        "created_at",
        "updated_at",
        "record_update_link",
        "add_child_link",
    ]
    fieldsets = [
        (None, {"fields": ["code", "title", "pillar", "parent", "opened_version"]}),
        (SOURCE, {"fields": ["text", "source_document", "paragraph"]}),
        (
            CURRENT_STATUS,
            {
                "description": _(
                    "Derived from the status history below. Record a new status update to "
                    "change it."
                ),
                "fields": [
                    "status_display",
                    "progress_display",
                    "current_as_of",
                    "last_recorded_at",
                    "last_approved_at",
                    "assessment_display",
                    "record_update_link",
                ],
            },
        ),
        (
            IN_REVIEW,
            {
                "description": _(
                    "Updates that do not count: pending until someone other than their author "
                    "approves them, or returned to their author. The approved history is below."
                ),
                "fields": ["in_review_display"],
            },
        ),
        (
            CONTRIBUTIONS,
            {
                "description": _(
                    "What partners contributed to it, newest first. Each is recorded, and "
                    "corrected, on its own page."
                ),
                "fields": ["contributions_display"],
            },
        ),
        (
            _("Depended on by"),
            {
                "description": _(
                    "Commitments that depend on this one: when it moves to at risk or off track, "
                    "their owners are emailed (to three steps away). What this one depends on is "
                    "listed below, under Depends on."
                ),
                "fields": ["dependents_display"],
            },
        ),
        (_("Scope"), {"fields": ["themes", "places"]}),
        (_("Schedule"), {"fields": ["owner", "target_date", "update_cadence_days"]}),
        (RECORD, {"classes": ["collapse"], "fields": ["version", "created_at", "updated_at"]}),
    ]
    inlines = [PartnerInline, DependencyInline, IndicatorInline, StatusHistoryInline]

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
        updates = readable_in_admin(
            request.user, StatusUpdate.objects.filter(commitment_id=object_id)
        ).for_display()
        return super().history_view(request, object_id, {"status_updates": updates})

    def get_fieldsets(self, request, obj=None):
        fieldsets = self.fieldsets
        if obj is None:
            # Said before saving, since it cannot be undone after; nothing derived yet.
            fieldsets = [
                (
                    name,
                    {**options, "description": FIXED_ONCE_SAVED} if name is SOURCE else options,
                )
                for name, options in fieldsets
                if not any(
                    name is saved for saved in (CURRENT_STATUS, IN_REVIEW, CONTRIBUTIONS, RECORD)
                )
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

    @admin.display(description=_("as of"), ordering="current_as_of", empty_value="—")
    def as_of_display(self, commitment):
        return commitment.current_as_of

    @admin.display(description="¶", ordering="paragraph")
    def paragraph_display(self, commitment):
        """Where the commitment stands in its document: the list is in Roadmap order."""
        return commitment.paragraph

    def changelist_view(self, request, extra_context=None):
        extra = {"title": gettext("Commitments, in Roadmap order (document, then paragraph)")}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    @admin.display(description=_("status"), ordering="current_status")
    def status_display(self, commitment):
        return status_badge(commitment.current_status, commitment.get_current_status_display())

    @admin.display(description=_("owner"), ordering="owner__last_name", empty_value="—")
    def owner_display(self, commitment):
        return person(commitment.owner) if commitment.owner_id else None

    @admin.display(description=_("progress"), ordering="current_progress")
    def progress_display(self, commitment):
        if commitment.current_progress is None:
            return "—"
        return f"{commitment.current_progress}%"

    @admin.display(description=_("assessment"), empty_value="")
    def stale_display(self, commitment):
        """A warning when a new assessment is due, as the dashboard words it; nothing when the
        commitment is up to date (or not saved yet)."""
        if commitment.pk is None:
            return ""
        overdue = commitment.days_overdue()
        if overdue is None:
            text = gettext("Never assessed")
        elif overdue > 0:
            text = _days_overdue(overdue)
        else:
            return ""
        return format_html(
            '<span class="stale-badge" title="{}">⚠ {}</span>', _due(commitment), text
        )

    @admin.display(description=_("assessment"))
    def assessment_display(self, commitment):
        """On the commitment's page: whether an assessment is due, and why, in words (the list
        flags only what is due, with the reason on hover)."""
        if commitment.pk is None:
            return ""
        every = _due_every(commitment)
        if commitment.current_as_of is None:
            return format_html(
                '<span class="stale-badge">⚠ {}</span>; {}.', gettext("Never assessed"), every
            )
        age = (timezone.localdate() - commitment.current_as_of).days
        reason = ngettext(
            "Last assessed %(days)s day ago; %(every)s.",
            "Last assessed %(days)s days ago; %(every)s.",
            age,
        ) % {"days": age, "every": every}
        overdue = commitment.days_overdue()
        if overdue > 0:
            return format_html(
                '<span class="stale-badge">⚠ {}</span>. {}', _days_overdue(overdue), reason
            )
        return gettext("Up to date. %(reason)s") % {"reason": reason}

    def get_object(self, request, object_id, from_field=None):
        commitment = super().get_object(request, object_id, from_field)
        if commitment is not None:
            # Whose page it is: in_review_display offers only the links this user may follow.
            commitment.shown_to = request.user
        return commitment

    @admin.display(description=_("updates"))
    def in_review_display(self, commitment):
        """A read-only table, apart from the approved history (the inline below): a table, not
        an inline, so that saving the commitment's form does not depend on it. Oldest first, as
        the review queue lists them."""
        user = commitment.shown_to
        updates = (
            readable_in_admin(user, StatusUpdate.objects.filter(commitment=commitment))
            .exclude(review__decision=Review.Decision.APPROVE)
            .select_related("author", "review__reviewer")
            .order_by("created_at", "id")
        )
        rows = [
            {
                "update": update,
                "marking": marking_badge(update.releasability),
                "status": status_badge(update.status, update.get_status_display()),
                "author": person(update.author),
                "review": review_badge(update),
                "reviewer": person(update.review.reviewer) if hasattr(update, "review") else "",
                "next_step": _next_step(update, user),
            }
            for update in updates
        ]
        # Never assessed and nothing in review: nothing was ever recorded that counts or waits.
        assessed = commitment.current_status != Status.NOT_ASSESSED
        context = {"rows": rows, "assessed": assessed}
        return render_to_string("admin/commitments/commitment/in_review.html", context)

    @admin.display(description=_("contributions"))
    def contributions_display(self, commitment):
        """A read-only table, as in_review_display (not an inline: the commitment's form does
        not depend on it). One query. A superseded contribution says by which correction."""
        contributions = readable_in_admin(
            getattr(commitment, "shown_to", None),
            Contribution.objects.filter(commitment=commitment),
        ).for_display()
        rows = [
            {
                "contribution": contribution,
                "correction": correction_note(contribution),
                "marking": marking_badge(contribution.releasability),
            }
            for contribution in contributions
        ]
        return render_to_string("admin/commitments/commitment/contributions.html", {"rows": rows})

    @admin.display(description=_("depended on by"))
    def dependents_display(self, commitment):
        """The commitments that depend on this one, each with its status and why. One query."""
        if commitment.pk is None:
            return gettext("None yet.")
        dependents = Dependency.objects.filter(depends_on=commitment).select_related("commitment")
        rows = [
            format_html(
                '<li><a href="{}">{}</a> {} {}</li>',
                reverse("admin:commitments_commitment_change", args=[dependency.commitment_id]),
                dependency.commitment,
                status_badge(
                    dependency.commitment.current_status,
                    dependency.commitment.get_current_status_display(),
                ),
                f"— {dependency.note}" if dependency.note else "",
            )
            for dependency in dependents
        ]
        if not rows:
            return gettext("No commitment depends on it.")
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((row,) for row in rows)))

    @admin.display(description="")
    def record_link(self, commitment):
        title = gettext("Record a status update of %(code)s") % {"code": commitment.code}
        return add_form_link(
            "statusupdate", gettext("Record"), {"commitment": commitment.pk}, title=title
        )

    def get_list_display(self, request):
        if request.user.has_perm("commitments.add_statusupdate"):
            return [*self.list_display, "record_link"]
        return self.list_display

    @admin.display(description=_("children"))
    def add_child_link(self, commitment):
        link = add_form_link(
            "commitment", gettext("Add a child commitment"), {"parent": commitment.pk}
        )
        return format_html("{} {}", link, gettext("(one of several tools it lists)"))

    @admin.display(description=_("new status update"))
    def record_update_link(self, commitment):
        return record_button("statusupdate", gettext("Record a status update"), commitment)

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
        if formset.model is Dependency:
            # Through the service, as the API adds and removes them (the cycle checked again
            # under its lock, the removal kept in the history with its editor).
            for dependency in formset.save(commit=False):
                add_dependency(
                    commitment=form.instance,
                    depends_on=dependency.depends_on,
                    note=dependency.note,
                    author=request.user,
                )
            for dependency in formset.deleted_objects:
                remove_dependency(dependency, by=request.user)
            return None
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
                request, STALE_EDIT % {"version": stale.current_version}, messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())

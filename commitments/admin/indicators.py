"""Indicators and their values: the indicators' admin, and the values' (add and view only)
with its review queue. The indicators on a commitment's page are in commitments.py
(IndicatorInline)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from commitments.admin.base import (
    URL_FIELDS_ASSUME_HTTPS,
    BoundedSearch,
    add_form_link,
    indicator_latest,
    indicator_progress,
    person,
)
from commitments.admin.reviews import (
    QUEUE_LENGTH,
    AuthorListFilter,
    ReviewStateListFilter,
    may_review,
    review_badge,
    who_reviews,
)
from commitments.models import Indicator, IndicatorValue, IndicatorValueReview, ReviewState
from commitments.services import (
    ReviewRefused,
    approve_or_return,
    record_indicator_value,
    save_indicator,
)


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
        ("Measure", {"fields": Indicator.MEASURE_FIELDS}),
        (
            "Baseline",
            {
                "fields": [
                    *Indicator.BASELINE_FIELDS,
                    "baseline_source",
                    *Indicator.BASELINE_QUOTE_FIELDS,
                ]
            },
        ),
        ("Target", {"fields": Indicator.TARGET_FIELDS}),
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
        but their own), through approve_or_return."""
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
            approve_or_return(
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

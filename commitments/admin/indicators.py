"""Indicators and their values: the indicators' admin, and the values' (add and view only)
with its review queue. The indicators on a commitment's page are in commitments.py
(IndicatorInline)."""

from django.contrib import admin
from django.db import models
from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import (
    BoundedSearch,
    IndicatorProgress,
    RecordAdmin,
    day_text,
    indicator_latest,
    record_button,
)
from commitments.admin.releases import ReleasedOnPage
from commitments.admin.reviews import AuthorListFilter, ReviewQueueMixin, ReviewStateListFilter
from commitments.models import Indicator, IndicatorValue
from commitments.numbers import GROUPED_DECIMALS
from commitments.services import record_indicator_value, save_indicator


@admin.register(Indicator)
class IndicatorAdmin(IndicatorProgress, BoundedSearch, admin.ModelAdmin):
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
        (_("Measure"), {"fields": Indicator.MEASURE_FIELDS}),
        (
            _("Baseline"),
            {
                "fields": [
                    *Indicator.BASELINE_FIELDS,
                    "baseline_source",
                    *Indicator.BASELINE_QUOTE_FIELDS,
                ]
            },
        ),
        (_("Target"), {"fields": Indicator.TARGET_FIELDS}),
        (_("Progress"), {"fields": ["latest_display", "progress_display", "record_value_link"]}),
    ]
    readonly_fields = ["latest_display", "progress_display", "record_value_link"]
    formfield_overrides = {models.DecimalField: GROUPED_DECIMALS}

    class Media:
        css = {"all": ["commitments/admin.css"]}
        js = ["commitments/number-words.js"]

    def get_search_results(self, request, queryset, search_term):
        """The best matches first (best_matches_first), for the indicator pickers' autocomplete;
        a changelist orders its results by its own columns afterwards."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.select_related("commitment").best_matches_first(search_term), (
            may_have_duplicates
        )

    def autocomplete_label(self, indicator):
        """A choice in the indicator pickers (admin_site.LabelledAutocompleteJsonView): which
        of two alike names is meant shows in the unit and the commitment."""
        where = indicator.commitment.code if indicator.commitment_id else gettext("Roadmap context")
        return f"{indicator.name} ({indicator.unit_label}; {where})"

    @admin.display(description=_("baseline"))
    def baseline_display(self, indicator):
        return indicator.baseline_phrase or "—"

    @admin.display(description=_("target"))
    def target_display(self, indicator):
        return indicator.target_phrase or "—"

    @admin.display(description=_("new value"))
    def record_value_link(self, indicator):
        return record_button("indicatorvalue", gettext("Record a value"), indicator)

    def save_model(self, request, obj, form, change):
        save_indicator(obj)


INDICATOR_VALUE_FIELDS = [
    "indicator",
    "releasability",
    "value",
    "qualifier",
    "as_of",
    "period_start",
    "period_end",
    "confidence",
    "corrects",
]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(
    ReleasedOnPage, ReviewQueueMixin, RecordAdmin, BoundedSearch, admin.ModelAdmin
):
    """Add and view only (RecordAdmin), as status updates. Reviewers and Editors decide on
    pending ones in the review queue (ReviewQueueMixin), each beside its indicator's baseline,
    latest approved value and target."""

    record_with = staticmethod(record_indicator_value)
    correction_starts_from = [name for name in INDICATOR_VALUE_FIELDS if name != "corrects"]
    queue_title = _("Review queue of indicator values")
    list_display = [
        "indicator",
        "marking_display",
        "phrase_display",
        "observed_display",
        "author_display",
        "created_at",
        "review_state_display",
    ]
    list_filter = [
        ReviewStateListFilter,
        AuthorListFilter,
        ("releasability", admin.ChoicesFieldListFilter),
        "indicator__unit",
        "created_at",
    ]
    list_select_related = ["indicator__commitment", "author", "review"]
    search_fields = ["indicator__name", "indicator__commitment__code"]
    autocomplete_fields = ["indicator", "corrects"]
    fields = [*correction_starts_from, "cites", "corrects"]

    readonly_fields = [
        "author_display",
        "created_at",
        "review_state_display",
        "queue_link_display",
        "withdraw_display",
    ]

    def page_extras(self, request, value):
        shown = ["review_state_display"]
        if self.may_withdraw(request, value):
            shown.append("withdraw_display")
        if self.sends_to_queue(request, value):
            shown.append("queue_link_display")
        return shown

    @admin.display(description=_("value"))
    def phrase_display(self, observation):
        return observation.phrase

    @admin.display(description=_("date"), ordering="as_of")
    def observed_display(self, observation):
        if observation.as_of:
            return day_text(observation.as_of)
        start = day_text(observation.period_start) if observation.period_start else "…"
        return gettext("%(start)s to %(end)s") % {
            "start": start,
            "end": day_text(observation.period_end),
        }

    # The review queue (ReviewQueueMixin)

    queue_pillar = "indicator__commitment__pillar"

    def queue_records(self, records, limit):
        """Two queries: the values with their authors, then their indicators, each with its
        latest approved value."""
        indicators = Indicator.objects.select_related("commitment").with_latest(
            clearance=records.clearance
        )
        return (
            records.pending()
            .select_related("author")
            .prefetch_related(Prefetch("indicator", queryset=indicators))
            # Oldest first.
            .order_by("created_at", "id")[:limit]
        )

    def queue_row(self, value):
        indicator = value.indicator
        return {"latest": indicator_latest(indicator) if indicator.latest_value is not None else ""}

    def now_shows(self, value):
        # What readers of its marking see now that it counts.
        indicator = Indicator.objects.with_latest(clearance=value.releasability).get(
            pk=value.indicator_id
        )
        progress = indicator.progress(indicator.latest_value)
        latest = indicator_latest(indicator)
        if progress is None:
            return gettext("Its latest approved value is %(latest)s.") % {"latest": latest}
        return gettext(
            "Its latest approved value is %(latest)s; progress toward its target: %(progress)s%%."
        ) % {"latest": latest, "progress": progress}

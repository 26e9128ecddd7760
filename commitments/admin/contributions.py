"""Partners' contributions: add and view only, corrected by a new one that names it, and the
partners-by-commitments matrix. Partners themselves are reference data (reference.py)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from commitments.admin.base import (
    URL_FIELDS_ASSUME_HTTPS,
    AppendOnlyAdmin,
    BoundedSearch,
    add_form_link,
    correction_note,
    person,
)
from commitments.models import Contribution, Partner, Pillar
from commitments.selectors import contribution_matrix
from commitments.services import record_contribution


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
class ContributionAdmin(AppendOnlyAdmin, BoundedSearch, admin.ModelAdmin):
    """Add and view only, as status updates: a contribution is never changed or deleted, by
    anyone; a correction is a new one that names it. The matrix (matrix_view) adds them up."""

    class Media:
        css = {"all": ["commitments/admin.css"]}

    service = staticmethod(record_contribution)
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

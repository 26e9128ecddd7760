"""Partners' contributions: add and view only, corrected by a new one that names it, and the
partners-by-commitments matrix. Partners themselves are reference data (reference.py)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from commitments.admin.base import (
    BoundedSearch,
    RecordAdmin,
    add_form_link,
    commitment_in_list,
    own_page,
)
from commitments.admin.releases import ReleasedOnPage
from commitments.clearance import clearance_of
from commitments.currencies import grouped_choices
from commitments.models import Contribution, Partner, Pillar
from commitments.selectors import contribution_matrix
from commitments.services import record_contribution


class ContributionMatrixFilters(forms.Form):
    """The matrix's filters, as the API's matrix takes them."""

    pillar = forms.ModelChoiceField(
        queryset=Pillar.objects.order_by("display_order", "name"), required=False
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any kind")), *Contribution.Kind.choices], required=False
    )
    partner_kind = forms.ChoiceField(
        label=_("Partner kind"),
        choices=[("", _("Any partner")), *Partner.Kind.choices],
        required=False,
    )
    since = forms.DateField(required=False, help_text=_("Made on or after."))
    until = forms.DateField(required=False, help_text=_("Made on or before."))

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
    "releasability",
    "partner",
    "commitment",
    "kind",
    "date",
    "amount",
    "currency",
    "count",
    "unit",
    "note",
]


@admin.register(Contribution)
class ContributionAdmin(ReleasedOnPage, RecordAdmin, BoundedSearch, admin.ModelAdmin):
    """Add and view only (RecordAdmin), as status updates; a correction is a new contribution
    that names the one it corrects. The matrix (matrix_view) adds them up."""

    record_with = staticmethod(record_contribution)
    dated_by = "date"
    correction_starts_from = CONTRIBUTION_FIELDS
    list_display = [
        "partner",
        "marking_display",
        "commitment_display",
        "what_display",
        "date",
        "author_display",
        "created_at",
        "correction_display",
    ]
    list_display_links = ["partner"]
    list_filter = [
        ("releasability", admin.ChoicesFieldListFilter),
        "kind",
        "partner__kind",
        "commitment__pillar",
        "currency",
        "date",
        "created_at",
    ]
    list_select_related = ["partner", "commitment", "author"]
    search_fields = [
        "partner__name",
        "commitment__code",
        "commitment__title",
        "unit",
        "note",
    ]
    date_hierarchy = "date"
    autocomplete_fields = ["partner", "commitment", "corrects"]
    fields = [*CONTRIBUTION_FIELDS, "cites", "corrects"]
    readonly_fields = [
        "author_display",
        "created_at",
        "correction_display",
        "correct_link_display",
    ]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "currency":
            used = Contribution.objects.currencies_used()
            kwargs["choices"] = [("", "---------"), *grouped_choices(used)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def page_extras(self, request, contribution):
        if self.has_add_permission(request):
            return ["correction_display", "correct_link_display"]
        return ["correction_display"]

    def get_queryset(self, request):
        return super().get_queryset(request).for_display()

    def get_search_results(self, request, queryset, search_term):
        if request.GET.get("field_name") == "corrects":
            # A correction names a contribution no other correction has replaced yet.
            queryset = queryset.standing()
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self):
        return [own_page(self, "matrix", self.matrix_view), *super().get_urls()]

    @admin.display(description=_("commitment"), ordering="commitment__code")
    def commitment_display(self, contribution):
        return commitment_in_list(contribution.commitment)

    @admin.display(description=_("contribution"), ordering="kind")
    def what_display(self, contribution):
        return contribution.what

    @admin.display(description=_("correct it"))
    def correct_link_display(self, contribution):
        if contribution.corrected_by_id is not None:
            return gettext("Superseded by #%(id)s: correct that one instead.") % {
                "id": contribution.corrected_by_id
            }
        return add_form_link(
            "contribution", gettext("Correct this contribution"), {"correct": contribution.pk}
        )

    @method_decorator(require_safe)
    def matrix_view(self, request):
        """Partners by commitments, as the API's matrix: totals per cell, partner, commitment
        and pillar, money per currency through the funnel, other kinds per unit. Standing
        contributions only (a correction replaces what it corrects). Two queries: the matrix
        (selectors.contribution_matrix), the pillars of the filter."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        filters = ContributionMatrixFilters(request.GET or None)
        matrix = contribution_matrix(filters.contributions(), clearance=clearance_of(request.user))
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
            "title": gettext("Contribution matrix"),
            "opts": self.model._meta,
            "filters": filters,
            "matrix": matrix,
            "grid": grid,
        }
        return render(request, "admin/commitments/contribution/matrix.html", context)

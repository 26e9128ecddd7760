"""The Roadmap's reference data: source documents, pillars, themes, places and partners, each
listed with how many commitments use it. Commitments themselves are in commitments.py."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import (
    URL_FIELDS_ASSUME_HTTPS,
    BoundedSearch,
    HistoryAdmin,
    RefusesDuplicates,
)
from commitments.models import Partner, Pillar, Place, SourceDocument, Theme


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

    def get_ordering(self, request):
        # The count's GROUP BY makes Django drop the model's Meta.ordering, and an unordered list
        # pages unreliably (the autocomplete of a contribution's partner failed on it): say it.
        return self.ordering or self.model._meta.ordering

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(commitment_total=Count("commitments"))

    @admin.display(description=_("commitments"), ordering="commitment_total")
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

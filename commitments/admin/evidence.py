"""Graded evidence: recorded through its admin (add and view only: a piece is never changed,
a new grade is a new piece) and listed with its grade. The records' pages show what they cite
with citations.evidence_list, and their add forms cite it with citations.cites_field."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import URL_FIELDS_ASSUME_HTTPS, BoundedSearch, person
from commitments.admin.citations import grade_badge
from commitments.clearance import clearance_of, default_releasability
from commitments.models import Evidence
from commitments.services import record_evidence


@admin.register(Evidence)
class EvidenceAdmin(BoundedSearch, admin.ModelAdmin):
    """Add and view only, as the database enforces; the list shows what the user's clearance
    may read."""

    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = ["source", "grade_display", "date", "releasability", "author_display"]
    list_filter = ["reliability", "credibility", "releasability", "date"]
    list_select_related = ["author"]
    search_fields = ["source", "url", "reference", "summary"]
    date_hierarchy = "date"
    fields = Evidence.recorded_fields
    readonly_fields = ["grade_display", "author_display", "created_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, "grade_display", "author_display", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).readable_by(clearance_of(request.user))

    def get_changeform_initial_data(self, request):
        return {
            "releasability": default_releasability(Evidence),
            **super().get_changeform_initial_data(request),
        }

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        piece = record_evidence(
            author=request.user, **{name: form.cleaned_data[name] for name in self.fields}
        )
        obj.pk = piece.pk

    @admin.display(description=_("grade"), ordering="reliability")
    def grade_display(self, piece):
        return grade_badge(piece)

    @admin.display(description=_("recorded by"), ordering="author__username")
    def author_display(self, piece):
        return person(piece.author)

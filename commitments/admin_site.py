"""The admin site: Django's, with choice labels a ModelAdmin may set for its autocomplete.

Apart from the admin package (commitments/admin/), which registers its ModelAdmins on this
site: Django imports it first, for TrackerAdminConfig (INSTALLED_APPS), before that package."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """An autocomplete's choices, each labelled by its ModelAdmin's `autocomplete_label(obj)`
    when it has one (str(obj) otherwise, as Django does)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        return result if label is None else {**result, "text": label(obj)}


class TrackerAdminSite(admin.AdminSite):
    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)


class TrackerAdminConfig(AdminConfig):
    """django.contrib.admin, in INSTALLED_APPS, with TrackerAdminSite as admin.site."""

    default_site = "commitments.admin_site.TrackerAdminSite"

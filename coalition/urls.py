from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from commitments.feeds import updates_feed
from commitments.metrics.views import metrics
from commitments.views import (
    briefing_pack,
    briefing_statuses,
    contributions,
    dashboard,
    dependency_graph,
    favicon,
    healthz,
    readyz,
    set_language,
)

handler403 = "commitments.views.permission_denied"
handler500 = "commitments.views.server_error"

admin.site.site_header = _("Roadmap Tracker")
admin.site.site_title = _("Roadmap Tracker admin")
admin.site.index_title = _("Paris Roadmap commitments")
# The lists need the width (1280-pixel screens); every page links home, where the models are.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    # Where an invited person chooses a password (services.invite_person's email), with the
    # admin's own templates for Django's password reset.
    path(
        "admin/password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/password/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    # The language switchers post to set_language; the dashboard's strings for its JavaScript.
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include("commitments.api.urls")),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("feeds/updates/", updates_feed, name="feed-updates"),
    path("briefing/", briefing_pack, name="briefing"),
    path("briefing/statuses.css", briefing_statuses, name="briefing-statuses"),
    path("", dashboard, name="dashboard"),
    path("commitments/<str:code>/", dashboard, name="commitment"),
    path("contributions/", contributions, name="contributions"),
    path("dependencies/", dependency_graph, name="dependency-graph"),
]

from django.contrib import admin
from django.urls import include, path

from commitments.feeds import updates_feed
from commitments.views import (
    briefing_pack,
    briefing_statuses,
    contributions,
    dashboard,
    favicon,
    healthz,
    readyz,
)

handler403 = "commitments.views.permission_denied"
handler500 = "commitments.views.server_error"

admin.site.site_header = "Roadmap Tracker"
admin.site.site_title = "Roadmap Tracker admin"
admin.site.index_title = "Paris Roadmap commitments"
# The lists need the width (1280-pixel screens); every page links home, where the models are.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("commitments.api.urls")),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("feeds/updates/", updates_feed, name="feed-updates"),
    path("briefing/", briefing_pack, name="briefing"),
    path("briefing/statuses.css", briefing_statuses, name="briefing-statuses"),
    path("", dashboard, name="dashboard"),
    path("commitments/<str:code>/", dashboard, name="commitment"),
    path("contributions/", contributions, name="contributions"),
]

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from commitments.views import dashboard, healthz, readyz

admin.site.site_header = "Roadmap Tracker"
admin.site.site_title = "Roadmap Tracker admin"
admin.site.index_title = "Paris Roadmap commitments"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("commitments.api.urls")),
    # Browsers ask for it on every page, the admin's included.
    path("favicon.ico", RedirectView.as_view(url=static("dashboard/favicon.svg"), permanent=True)),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("", dashboard, name="dashboard"),
    path("commitments/<str:code>/", dashboard, name="commitment"),
]

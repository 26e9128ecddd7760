from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Roadmap Tracker"
admin.site.site_title = "Roadmap Tracker admin"
admin.site.index_title = "Paris Roadmap commitments"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("commitments.api.urls")),
    # Until the dashboard lands, the admin is the product's front door.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from commitments.api import contributions, indicators, time, views

app_name = "api"

router = DefaultRouter()
router.register("pillars", views.PillarViewSet, basename="pillar")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("places", views.PlaceViewSet, basename="place")
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("documents", views.SourceDocumentViewSet, basename="document")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("updates", views.StatusUpdateViewSet, basename="update")
router.register("contributions", contributions.ContributionViewSet, basename="contribution")
router.register("indicators", indicators.IndicatorViewSet, basename="indicator")
router.register("indicator-values", indicators.IndicatorValueViewSet, basename="indicatorvalue")

urlpatterns = [
    path(
        "commitments/<str:code>/updates/",
        views.CommitmentUpdatesView.as_view(),
        name="commitment-updates",
    ),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("summary/timeline/", time.TimelineView.as_view(), name="timeline"),
    path("changes/", time.ChangesView.as_view(), name="changes"),
    path("statuses/", views.StatusesView.as_view(), name="statuses"),
    path(
        "contribution-kinds/",
        contributions.ContributionKindsView.as_view(),
        name="contribution-kinds",
    ),
    # The documentation describes the API, not the data: it stays public even when reads are not.
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file, which the CSP allows.
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path("", include(router.urls)),
]

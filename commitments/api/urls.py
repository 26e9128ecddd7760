from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from commitments.api import (
    commitments,
    contributions,
    dependencies,
    events,
    evidence,
    indicator_values,
    indicators,
    matrix,
    reference,
    releases,
    snapshot,
    summary,
    time,
    updates,
)

app_name = "api"

router = DefaultRouter()
router.register("pillars", reference.PillarViewSet, basename="pillar")
router.register("themes", reference.ThemeViewSet, basename="theme")
router.register("places", reference.PlaceViewSet, basename="place")
router.register("partners", reference.PartnerViewSet, basename="partner")
router.register("documents", reference.SourceDocumentViewSet, basename="document")
router.register("commitments", commitments.CommitmentViewSet, basename="commitment")
router.register("updates", updates.StatusUpdateViewSet, basename="update")
router.register("contributions", contributions.ContributionViewSet, basename="contribution")
router.register("indicators", indicators.IndicatorViewSet, basename="indicator")
router.register(
    "indicator-values", indicator_values.IndicatorValueViewSet, basename="indicatorvalue"
)
router.register("events", events.EventViewSet, basename="event")
router.register("dependencies", dependencies.DependencyViewSet, basename="dependency")
router.register("evidence", evidence.EvidenceViewSet, basename="evidence")
router.register("releases", releases.ReleaseViewSet, basename="release")

urlpatterns = [
    # Before the router's, whose commitment detail would take "matrix" for a code.
    path("commitments/matrix/", matrix.MatrixView.as_view(), name="matrix"),
    path(
        "commitments/<str:code>/updates/",
        updates.CommitmentUpdatesView.as_view(),
        name="commitment-updates",
    ),
    path("summary/", summary.SummaryView.as_view(), name="summary"),
    path("summary/timeline/", time.TimelineView.as_view(), name="timeline"),
    path("changes/", time.ChangesView.as_view(), name="changes"),
    path("snapshot/", snapshot.SnapshotView.as_view(), name="snapshot"),
    path("statuses/", reference.StatusesView.as_view(), name="statuses"),
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

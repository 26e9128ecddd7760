"""Reference lists, pillar statistics and the summary a dashboard's first screen needs."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.fields import DateTimeField

from commitments.models import Commitment

pytestmark = pytest.mark.django_db

ZERO = {
    "not_assessed": 0,
    "not_started": 0,
    "on_track": 0,
    "at_risk": 0,
    "off_track": 0,
    "completed": 0,
    "discontinued": 0,
}


@pytest.fixture
def assessed(roadmap, record):
    """Three assessed military commitments and one political one; the rest never assessed."""
    today = timezone.localdate()
    record(Commitment.objects.get(code="MIL-1"), status="on_track", progress=60, as_of=today)
    record(Commitment.objects.get(code="MIL-2"), status="at_risk", progress=30, as_of=today)
    record(Commitment.objects.get(code="MIL-3"), status="at_risk", as_of=datetime.date(2020, 1, 1))
    return record(Commitment.objects.get(code="POL-4"), status="off_track", progress=5, as_of=today)


def test_a_pillar_carries_its_commitments_by_status_average_progress_and_stale_count(api, assessed):
    military = api.get("/api/v1/pillars/military/").json()

    assert military == {
        "slug": "military",
        "name": "Military",
        "description": military["description"],
        "display_order": 1,
        "commitments": {
            "total": 3,
            "by_status": {**ZERO, "on_track": 1, "at_risk": 2},
            "average_progress": 45.0,
            "progress_reported": 2,  # MIL-3 is assessed, without a progress
            "stale": 1,
        },
    }
    assert military["description"].startswith("Military engagement in the Core")


def test_pillars_are_listed_in_display_order_with_empty_ones_included(api, assessed):
    from tests.factories import PillarFactory

    PillarFactory(slug="communications", name="Communications", display_order=9)

    pillars = api.get("/api/v1/pillars/").json()

    assert [pillar["slug"] for pillar in pillars] == [
        "military", "humanitarian", "stabilization", "political", "global-networks", "communications",
    ]  # fmt: skip
    assert pillars[-1]["commitments"] == {
        "total": 0,
        "by_status": ZERO,
        "average_progress": None,
        "progress_reported": 0,
        "stale": 0,
    }
    assert sum(pillar["commitments"]["total"] for pillar in pillars) == 29


def test_an_unknown_pillar_is_a_404(api, roadmap):
    response = api.get("/api/v1/pillars/navy/")

    assert response.status_code == 404
    assert response.json()["detail"] == "No pillar 'navy'. See /api/v1/pillars/ for the list."


def test_the_summary_counts_the_whole_roadmap(api, assessed):
    summary = api.get("/api/v1/summary/").json()

    assert summary["total"] == 29
    assert summary["by_status"] == {
        **ZERO,
        "not_assessed": 25,
        "on_track": 1,
        "at_risk": 2,
        "off_track": 1,
    }
    assert summary["average_progress"] == 31.7  # (60 + 30 + 5) / 3
    assert summary["progress_reported"] == 3  # of the 29: what the average is of
    assert summary["stale"] == 26  # 25 never assessed, and MIL-3 assessed in 2020
    assert summary["latest_update_at"] == DateTimeField().to_representation(assessed.created_at)
    assert [pillar["slug"] for pillar in summary["pillars"]][:2] == ["military", "humanitarian"]
    assert summary["pillars"][3]["commitments"]["by_status"]["off_track"] == 1
    generated = datetime.datetime.fromisoformat(summary["generated_at"].replace("Z", "+00:00"))
    assert abs(generated - timezone.now()) < datetime.timedelta(minutes=1)


def test_the_summary_of_an_empty_tracker_says_so_with_zeros(api, db):
    summary = api.get("/api/v1/summary/").json()

    assert {
        key: summary[key]
        for key in (
            "total",
            "by_status",
            "average_progress",
            "progress_reported",
            "stale",
            "latest_update_at",
            "pillars",
        )
    } == {
        "total": 0,
        "by_status": ZERO,
        "average_progress": None,
        "progress_reported": 0,
        "stale": 0,
        "latest_update_at": None,
        "pillars": [],
    }


def test_places_name_the_place_they_lie_in(api, roadmap):
    places = {place["slug"]: place for place in api.get("/api/v1/places/").json()}

    assert places["northeast-syria"] == {
        "slug": "northeast-syria",
        "name": "Northeast Syria",
        "kind": "area",
        "parent": "syria",
    }
    assert places["the-levant"]["parent"] is None


@pytest.mark.parametrize(
    ("url", "slug", "expected"),
    [
        ("/api/v1/themes/", "communications", {"name": "Communications"}),
        (
            "/api/v1/partners/",
            "interpol",
            {"name": "INTERPOL", "kind": "international_organisation"},
        ),
        (
            "/api/v1/documents/",
            "unscr-2254",
            {
                "short_name": "UNSCR 2254",
                "issued_on": "2015-12-18",
                "url": "https://undocs.org/S/RES/2254(2015)",
            },
        ),
        (
            "/api/v1/documents/",
            "paris-roadmap-2019",
            {"short_name": "Paris Roadmap", "issued_on": "2019-06-25"},
        ),
    ],
)
def test_reference_lists_come_whole_by_slug(api, roadmap, url, slug, expected):
    items = {item["slug"]: item for item in api.get(url).json()}

    assert items[slug] | expected == items[slug]
    assert api.get(f"{url}{slug}/").json() == items[slug]

"""The summary's counts per group (/summary/?group_by=): every group in one read, each the
counts the summary gives when filtered by that group, on the Roadmap as shipped."""

import datetime

import pytest
from django.utils import timezone

from commitments.models import Commitment, Place
from tests.helpers import refusal
from tests.scenario import record_illustrative_history

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/summary/"
COUNTS = ("total", "by_status", "average_progress", "progress_reported", "stale")


@pytest.fixture
def history(roadmap, analyst):
    record_illustrative_history(analyst)


def counts(body):
    return {key: body[key] for key in COUNTS}


def grouped(api, query):
    response = api.get(SUMMARY, query)
    assert response.status_code == 200, response.json()
    return response.json()


def a_month_ago():
    return (timezone.localdate() - datetime.timedelta(days=30)).isoformat()


@pytest.mark.parametrize("group_by", ["pillar", "place", "theme", "partner"])
@pytest.mark.parametrize(
    "query",
    [{}, {"stale": "true"}, {"as_of": "a month ago"}, {"search": "Iraq"}],
    ids=["all", "filtered", "as_of", "searched"],
)
def test_each_group_counts_what_the_summary_filtered_by_it_counts(api, history, group_by, query):
    query = {
        key: a_month_ago() if value == "a month ago" else value for key, value in query.items()
    }
    body = grouped(api, {**query, "group_by": group_by})
    assert body["group_by"] == group_by
    assert body["groups"]
    assert any(group["total"] for group in body["groups"])
    for group in body["groups"]:
        alone = grouped(api, {**query, group_by: group["key"]})
        assert {key: group[key] for key in COUNTS} == counts(alone), group["key"]


def test_every_pillar_is_a_group_in_its_order_zero_included(api, history):
    body = grouped(api, {"group_by": "pillar", "pillar": "military"})
    assert [(group["key"], group["name"]) for group in body["groups"]] == [
        (pillar["slug"], pillar["name"]) for pillar in body["pillars"]
    ]
    assert [group["total"] > 0 for group in body["groups"]].count(True) == 1


def test_a_commitment_in_two_places_counts_in_each_and_once_in_the_wider_place(api, roadmap):
    wider = Place.objects.create(slug="wider", name="Wider", kind="country")
    east = Place.objects.create(slug="east", name="East", kind="area", parent=wider)
    west = Place.objects.create(slug="west", name="West", kind="area", parent=wider)
    Commitment.objects.get(code="MIL-1").places.set([east, west])

    groups = {g["key"]: g["total"] for g in grouped(api, {"group_by": "place"})["groups"]}

    assert (groups["east"], groups["west"], groups["wider"]) == (1, 1, 1)


def test_owners_are_groups_for_staff_by_login_name(api, history, analyst, editor, viewer):
    Commitment.objects.filter(code__in=["MIL-1", "POL-1"]).update(owner=analyst)
    Commitment.objects.filter(code="MIL-2").update(owner=editor)
    editor.first_name, editor.last_name = "Edith", "Tor"
    editor.save()
    api.force_authenticate(viewer)

    body = grouped(api, {"group_by": "owner"})

    assert [(group["key"], group["name"], group["total"]) for group in body["groups"]] == [
        ("analyst", "analyst", 2),
        ("editor", "Edith Tor", 1),
    ]
    for group in body["groups"]:
        assert {key: group[key] for key in COUNTS} == counts(grouped(api, {"owner": group["key"]}))


def test_only_staff_count_by_owner(api, history, settings):
    response = api.get(SUMMARY, {"group_by": "owner"})
    assert (response.status_code, refusal(response)) == (
        403,
        {"detail": "Only signed-in staff count commitments by owner."},
    )


def test_an_unknown_group_by_is_a_400_naming_the_choices(api, history):
    response = api.get(SUMMARY, {"group_by": "country"})
    assert (response.status_code, refusal(response)) == (
        400,
        {"group_by": ["Unknown group_by 'country': one of pillar, place, theme, partner, owner."]},
    )


def test_without_group_by_the_summary_has_no_groups(api, history):
    body = grouped(api, {})
    assert "groups" not in body
    assert "group_by" not in body


@pytest.mark.parametrize("group_by", ["pillar", "place", "theme", "partner"])
@pytest.mark.parametrize("more_places", [0, 20])
def test_groups_take_3_more_queries_however_many_groups(
    api, history, settings, group_by, more_places, django_assert_num_queries
):
    settings.RESPONSE_CACHE = False  # which would answer the same address again in 1 query
    places = Place.objects.bulk_create(
        Place(slug=f"more-{n}", name=f"More {n}", kind="area") for n in range(more_places)
    )
    for commitment, place in zip(Commitment.objects.all(), places, strict=False):
        commitment.places.add(place)
    # Expect 6 queries: the fingerprint, the pillars, the commitments grouped by pillar and
    # status (the summary's), then the commitments' states, which groups they are in, and
    # the groups.
    with django_assert_num_queries(6):
        body = grouped(api, {"group_by": group_by})
    assert len(body["groups"]) > 1

"""The summary of a filtered set: /summary/ takes the commitment list's filters and counts the
commitments that the list gives for them, each set cached apart."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from commitments.models import Commitment, CommitmentPartner, PartnerRole, Status
from tests.helpers import refusal
from tests.scenario import record_illustrative_history

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
SUMMARY = "/api/v1/summary/"


@pytest.fixture
def history(roadmap, analyst):
    record_illustrative_history(analyst)


@pytest.fixture
def lead():
    """The slug of a partner that leads a commitment of the Roadmap."""
    return CommitmentPartner.objects.filter(role=PartnerRole.LEAD).first().partner.slug


def counts_of(commitments):
    """What the summary should say of these commitments, as the list shows them."""
    by_status = dict.fromkeys(Status.values, 0)
    for commitment in commitments:
        by_status[commitment["status"]] += 1
    progress = [c["progress"] for c in commitments if c["progress"] is not None]
    mean = Decimal(sum(progress)) / len(progress) if progress else None
    return {
        "total": len(commitments),
        "by_status": by_status,
        "stale": sum(commitment["is_stale"] for commitment in commitments),
        "average_progress": mean and float(mean.quantize(Decimal("0.1"), ROUND_HALF_UP)),
        "progress_reported": len(progress),
    }


def listed(api, query):
    response = api.get(f"{LIST}?{query}&page_size=200")
    assert response.status_code == 200
    assert response.json()["next"] is None
    return response.json()["results"]


def summarised(api, query):
    response = api.get(f"{SUMMARY}?{query}")
    assert response.status_code == 200, response.json()
    summary = response.json()
    return summary, {
        key: summary[key]
        for key in ("total", "by_status", "stale", "average_progress", "progress_reported")
    }


@pytest.mark.parametrize(
    "query",
    [
        "pillar=military",
        "pillar=military&pillar=political",
        "status=on_track",
        "status=at_risk&status=off_track",
        "place=syria",
        "theme=foreign-terrorist-fighters",
        "search=border",
        "stale=true",
        "stale=false",
        f"updated_since={(timezone.localdate() - datetime.timedelta(days=100)).isoformat()}",
        "pillar=military&status=on_track&place=iraq",
        "stale=true&search=border",
        "pillar=military&status=completed",  # nothing matches
    ],
)
def test_the_filtered_summary_counts_what_the_filtered_list_lists(api, history, query):
    summary, counts = summarised(api, query)
    commitments = listed(api, query)

    assert counts == counts_of(commitments)
    for pillar in summary["pillars"]:
        own = [c for c in commitments if c["pillar"]["slug"] == pillar["slug"]]
        assert pillar["commitments"] == counts_of(own)


@pytest.mark.parametrize("filter_name", ["partner", "lead"])
def test_the_summary_filters_by_partner_and_lead_partner(api, history, lead, filter_name):
    summary, counts = summarised(api, f"{filter_name}={lead}")

    assert counts == counts_of(listed(api, f"{filter_name}={lead}"))
    assert 0 < summary["total"] < Commitment.objects.count()


def test_the_summary_of_the_commitments_you_own(api, history, analyst):
    Commitment.objects.filter(code__in=["MIL-1", "MIL-2"]).update(owner=analyst)
    api.force_authenticate(analyst)

    summary, counts = summarised(api, "owner=me")

    assert counts == counts_of(listed(api, "owner=me"))
    assert summary["total"] == 2


def test_every_pillar_is_listed_even_when_the_filters_leave_it_nothing(api, history):
    everything, _ = summarised(api, "")
    military, _ = summarised(api, "pillar=military")

    assert [p["slug"] for p in military["pillars"]] == [p["slug"] for p in everything["pillars"]]
    assert [p["commitments"]["total"] for p in military["pillars"] if p["slug"] != "military"] == [
        0
    ] * (len(everything["pillars"]) - 1)


def test_the_latest_update_is_the_latest_of_the_filtered_set(api, history):
    summary, _ = summarised(api, "pillar=humanitarian")
    latest = max(c["last_recorded_at"] or "" for c in listed(api, "pillar=humanitarian"))

    assert summary["latest_update_at"] == (latest or None)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "pillar=navy",
            "pillar",
            "Select a valid choice. navy is not one of the available choices.",
        ),
        (
            "status=lost",
            "status",
            "Select a valid choice. lost is not one of the available choices.",
        ),
        (
            "place=atlantis",
            "place",
            "Select a valid choice. atlantis is not one of the available choices.",
        ),
        (
            "stale=maybe",
            "stale",
            "Select a valid choice. maybe is not one of the available choices.",
        ),
        ("updated_since=yesterday", "updated_since", "Enter a valid date/time."),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_it_as_on_the_list(api, roadmap, query, field, message):
    response = api.get(f"{SUMMARY}?{query}")

    assert response.status_code == 400
    assert refusal(response) == {field: [message]}
    assert refusal(api.get(f"{LIST}?{query}")) == refusal(response)


def test_a_search_too_long_is_a_400(api, roadmap):
    response = api.get(SUMMARY, {"search": " ".join(["word"] * 50)})

    assert response.status_code == 400
    assert list(refusal(response)) == ["search"]


def test_owner_me_needs_a_signed_in_reader(api, roadmap):
    response = api.get(f"{SUMMARY}?owner=me")

    assert response.status_code == 400
    assert list(refusal(response)) == ["owner"]


@pytest.mark.parametrize("parameter", ["code=MIL-1", "ordering=title"])
def test_code_and_ordering_are_not_parameters_of_the_summary(api, roadmap, parameter):
    response = api.get(f"{SUMMARY}?{parameter}")

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"


def test_different_filters_are_cached_apart(api, history):
    military = api.get(f"{SUMMARY}?pillar=military").json()
    political = api.get(f"{SUMMARY}?pillar=political").json()
    everything = api.get(SUMMARY).json()
    # Another address, which the response cache has not seen: the summary cache answers.
    military_again = api.get(f"{SUMMARY}?pillar=military&pillar=military").json()

    assert len({military["total"], political["total"], everything["total"]}) == 3
    assert military_again == military


def test_the_same_filters_spelled_otherwise_share_one_cache_entry(
    api, history, settings, django_assert_num_queries
):
    settings.RESPONSE_CACHE = False
    api.get(f"{SUMMARY}?pillar=military&pillar=political&stale=true")

    # Expect 2 queries: fingerprint, and the pillar slugs checked; the counts are cached.
    with django_assert_num_queries(2):
        api.get(f"{SUMMARY}?stale=true&pillar=political&pillar=military")


@pytest.mark.parametrize(
    "repeated", ["stale=true&stale=false", "search=nothing-at-all&search=border"]
)
def test_a_repeated_single_value_is_the_last_one_whatever_was_read_before(api, history, repeated):
    # django-filter applies the last of a single-valued filter's values: so does the cache key.
    first, last = repeated.split("&")
    api.get(f"{SUMMARY}?{last}&{first}")  # the other order, read first

    _, counts = summarised(api, repeated)

    assert counts == counts_of(listed(api, repeated)) == counts_of(listed(api, last))


def test_owner_me_is_cached_per_reader(api, history, analyst, editor):
    Commitment.objects.filter(code="MIL-1").update(owner=analyst)
    api.force_authenticate(analyst)
    mine = api.get(f"{SUMMARY}?owner=me").json()
    api.force_authenticate(editor)
    theirs = api.get(f"{SUMMARY}?owner=me").json()

    assert (mine["total"], theirs["total"]) == (1, 0)


def test_a_filtered_summary_takes_5_queries_then_3_from_the_cache(
    api, history, settings, django_assert_num_queries
):
    settings.RESPONSE_CACHE = False  # which would answer the same address again in 1 query
    query = {"pillar": "military", "place": "syria", "stale": "true", "search": "e"}
    # Expect 5 queries: fingerprint, the pillar and place slugs checked (one query each), the
    # pillars, and the filtered commitments grouped by pillar and status.
    with django_assert_num_queries(5):
        first = api.get(SUMMARY, query).json()
    # Then the fingerprint and the slugs checked: the counts come from the cache.
    with django_assert_num_queries(3):
        again = api.get(SUMMARY, query).json()
    assert {**again, "generated_at": None} == {**first, "generated_at": None}

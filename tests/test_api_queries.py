"""The API's query counts are fixed: they do not grow with the page size or the data."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commitments.models import Commitment
from commitments.roles import COALITION
from tests.factories import CommitmentFactory, PlaceFactory, ThemeFactory, UserFactory
from tests.helpers import statement_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lots(roadmap, record):
    """Every commitment tagged, assessed several times, and more commitments than a page."""
    theme, place = ThemeFactory(), PlaceFactory()
    pillar = Commitment.objects.get(code="MIL-1").pillar
    document = Commitment.objects.get(code="MIL-1").source_document
    extra = CommitmentFactory.create_batch(180, pillar=pillar, source_document=document)
    for commitment in extra:
        commitment.themes.add(theme)
        commitment.places.add(place)
    for commitment in Commitment.objects.all()[:40]:
        for day in (1, 2, 3):
            record(commitment, as_of=datetime.date(2024, 1, day))


@pytest.mark.parametrize("page_size", [5, 50, 200])
def test_the_commitments_list_takes_4_queries_whatever_the_page_size(
    api, lots, page_size, django_assert_num_queries
):
    # Expect 4 queries: the data fingerprint (ETag), the count, the page of commitments with
    # pillar, document and parent joined, and the union of their themes, places, partners and
    # children.
    with django_assert_num_queries(4):
        response = api.get("/api/v1/commitments/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("filters", [{}, {"pillar": "military", "status": "not_assessed"}])
def test_the_commitments_list_counts_without_the_tables_its_columns_come_from(
    api, lots, filters, django_assert_num_queries
):
    with django_assert_num_queries(5 if filters else 4) as queries:
        response = api.get("/api/v1/commitments/", filters)
    statements = [statement_text(query["sql"]) for query in queries.captured_queries]
    (count,) = [sql for sql in statements if "COUNT(" in sql]
    # The pillar, the document, the parent and the owner are never joined: a pillar is
    # filtered by its id, found when its slug was checked.
    assert count.count("JOIN") == 0
    counted = Commitment.objects.filter(pillar__slug="military", current_status="not_assessed")
    assert response.json()["count"] == (counted if filters else Commitment.objects).count()


def test_the_plain_list_is_counted_once_per_data_version(api, lots, django_assert_num_queries):
    # The list no parameter narrows: its count is made by the first read of a data version
    # (commitments.api.pagination.UnfilteredPages); later pages of that version, and every
    # reader class's, take 3 queries (the fingerprint, the page, the related rows).
    total = Commitment.objects.count()
    with django_assert_num_queries(4):
        assert api.get("/api/v1/commitments/").json()["count"] == total
    with django_assert_num_queries(3):
        response = api.get("/api/v1/commitments/", {"page": 2, "page_size": 7})
    assert response.json()["count"] == total
    expected = list(Commitment.objects.values_list("code", flat=True)[7:14])
    assert [row["code"] for row in response.json()["results"]] == expected
    # A write moves the data version on: the next read counts again, and sees it.
    CommitmentFactory(pillar=Commitment.objects.get(code="MIL-1").pillar)
    with django_assert_num_queries(4):
        assert api.get("/api/v1/commitments/", {"page_size": 7}).json()["count"] == total + 1


def test_without_the_response_cache_the_plain_list_counts_on_every_read(
    api, lots, settings, django_assert_num_queries
):
    # RESPONSE_CACHE=false keeps nothing per data version, the count included: each read
    # does the whole work (the benchmark's cold reader measures exactly that).
    settings.RESPONSE_CACHE = False
    api.get("/api/v1/commitments/")
    with django_assert_num_queries(4):
        response = api.get("/api/v1/commitments/", {"page": 2, "page_size": 7})
    assert response.json()["count"] == Commitment.objects.count()


def test_the_plain_list_of_no_commitments_is_empty(api):
    Commitment.objects.all().delete()
    body = api.get("/api/v1/commitments/").json()
    assert (body["count"], body["results"]) == (0, [])


def test_a_filter_is_counted_on_every_read(api, lots, django_assert_num_queries):
    # (Another page size each time: the response cache would answer the same address.)
    api.get("/api/v1/commitments/", {"pillar": "military"})
    with django_assert_num_queries(5):
        api.get("/api/v1/commitments/", {"pillar": "military", "page_size": 7})


def test_the_csv_export_takes_the_same_queries_for_every_row(api, lots, django_assert_num_queries):
    # Expect 3 queries: fingerprint, all matching commitments, the union of their relations.
    with django_assert_num_queries(3):
        api.get("/api/v1/commitments/", {"format": "csv"})


def test_a_filtered_list_adds_one_query_per_filter_that_names_rows(
    api, lots, django_assert_num_queries
):
    # Expect 4 queries as unfiltered, plus 1 to check that the pillar slug exists.
    with django_assert_num_queries(5):
        response = api.get(
            "/api/v1/commitments/", {"pillar": "military", "stale": "true", "search": "commitment"}
        )
    assert response.json()["count"] > 50


@pytest.mark.parametrize(
    ("code", "queries"),
    # MIL-1: updates; GLB-2: children, no update; POL-7: two indicators, no update.
    [("MIL-1", 7), ("GLB-2", 7), ("POL-7", 6)],
)
@pytest.mark.parametrize("as_of", [None, "2024-01-02"])
def test_a_commitment_detail_takes_6_queries_1_for_its_children_1_for_its_updates_evidence(
    api, lots, code, queries, as_of, django_assert_num_queries
):
    # Expect 6 queries: fingerprint, the commitment (joined with pillar, document, parent),
    # the union of its relations, its latest updates with their authors, its indicators
    # with their latest approved values (a subquery per column, in the one query), and the
    # commitments at the other end of its dependencies, either way, with their status; plus
    # 1, its children with their status, when the union found any; plus 1, the evidence its
    # latest updates cite, when it has any (their releases: none for the public).
    with django_assert_num_queries(queries):
        response = api.get(f"/api/v1/commitments/{code}/", {"as_of": as_of} if as_of else {})
    assert response.status_code == 200
    assert bool(response.json()["children"]) == (code == "GLB-2")
    assert bool(response.json()["latest_updates"]) == (code == "MIL-1")


@pytest.mark.parametrize("page_size", [5, 50, 200])
def test_the_updates_feed_takes_3_queries_whatever_the_page_size(
    api, lots, page_size, django_assert_num_queries
):
    # Expect 3 queries: fingerprint, the page of updates joined with commitment and author, and
    # the evidence they cite (their releases: none for the public, tests/test_api_cited.py).
    with django_assert_num_queries(3):
        api.get("/api/v1/updates/", {"page_size": page_size})


def test_a_commitments_history_takes_5_queries(api, lots, django_assert_num_queries):
    # Expect 5 queries: fingerprint, the commitment, the count, the page with authors, the
    # evidence its updates cite.
    with django_assert_num_queries(5):
        api.get("/api/v1/commitments/MIL-1/updates/")


def test_the_summary_takes_3_queries_then_1_from_the_cache(api, lots, django_assert_num_queries):
    # Expect 3 queries: fingerprint, the pillars, and the counts grouped by pillar and status.
    with django_assert_num_queries(3):
        first = api.get("/api/v1/summary/").json()
    # Then the fingerprint alone: the figures come from the cache until the data change.
    with django_assert_num_queries(1):
        again = api.get("/api/v1/summary/").json()
    assert {**again, "generated_at": None} == {**first, "generated_at": None}


def test_the_pillars_take_3_queries_then_1_from_the_cache(api, lots, django_assert_num_queries):
    with django_assert_num_queries(3):
        api.get("/api/v1/pillars/")
    with django_assert_num_queries(1):
        api.get("/api/v1/pillars/military/")


def test_a_revalidation_takes_1_query_whatever_the_data(api, lots, django_assert_num_queries):
    etag = api.get("/api/v1/commitments/").headers["ETag"]
    with django_assert_num_queries(1):
        response = api.get("/api/v1/commitments/", headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_a_cleared_readers_plain_list_is_counted_once_per_data_version_too(lots):
    # A Coalition member's list is computed from the records they may read (as_of today), the
    # same statements for every reader of that clearance on a day: counted once per data
    # version, as the public's; its next page reads one query fewer than the first.
    member = UserFactory(is_staff=False)
    member.groups.add(Group.objects.get(name=COALITION))
    client = APIClient()
    client.force_login(member)
    total = Commitment.objects.count()
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/commitments/").json()["count"] == total
    with CaptureQueriesContext(connection) as second:
        response = client.get("/api/v1/commitments/", {"page": 2, "page_size": 7})

    assert len(second) == len(first) - 1
    assert not [query for query in second if "COUNT(" in query["sql"]]
    assert response.json()["count"] == total
    expected = list(Commitment.objects.values_list("code", flat=True)[7:14])
    assert [row["code"] for row in response.json()["results"]] == expected

"""The summary is computed once per state of the data and kept in the shared cache: every
process reads it from there, and no write leaves a stale summary behind."""

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from coalition.redis_cache import RedisCache
from commitments.models import Commitment, Pillar, StatusUpdate

pytestmark = pytest.mark.django_db


def counts(api):
    summary = api.get("/api/v1/summary/").json()
    return summary["by_status"], {pillar["slug"]: pillar["name"] for pillar in summary["pillars"]}


def test_the_summary_is_computed_once_per_state_of_the_data(
    roadmap, api, shared_cache, django_assert_num_queries
):
    counts(api)
    with django_assert_num_queries(1):  # the data version; the figures come from the cache
        counts(api)


def test_a_recorded_status_update_shows_at_once(roadmap, api, record, shared_cache):
    by_status, _ = counts(api)
    record(Commitment.objects.get(code="MIL-1"), status="at_risk")
    after, _ = counts(api)
    assert after["at_risk"] == by_status["at_risk"] + 1
    assert after["not_assessed"] == by_status["not_assessed"] - 1


def test_a_write_outside_the_app_shows_at_once(roadmap, api, analyst, shared_cache):
    # As an import or a database shell would write: no signal, no service, only SQL (an
    # approved update first: the database refuses a current status that none gives).
    counts(api)
    commitment = Commitment.objects.get(code="MIL-1")
    as_of, now = datetime.date(2024, 1, 1), timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO commitments_statusupdate (commitment_id, status, as_of, summary,"
            " confidence, author_id, created_at)"
            " VALUES (%s, 'off_track', %s, 'Imported.', '', %s, %s)",
            [commitment.pk, as_of, analyst.pk, now],
        )
        cursor.execute(
            "INSERT INTO commitments_review (update_id, decision, comment, decided_at)"
            " SELECT id, 'approve', '', created_at FROM commitments_statusupdate"
            " WHERE commitment_id = %s",
            [commitment.pk],
        )
        cursor.execute(
            f"UPDATE {Commitment._meta.db_table} SET current_status = 'off_track',"
            " current_as_of = %s WHERE id = %s",
            [as_of, commitment.pk],
        )
    by_status, _ = counts(api)
    assert by_status["off_track"] == 1


def test_a_renamed_pillar_shows_at_once(roadmap, api, shared_cache):
    counts(api)
    api.get("/api/v1/pillars/")
    Pillar.objects.filter(slug="military").update(name="Defence")
    _, names = counts(api)
    assert names["military"] == "Defence"
    assert api.get("/api/v1/pillars/military/").json()["name"] == "Defence"


def test_staleness_follows_the_setting(roadmap, api, record, shared_cache, settings):
    record(
        Commitment.objects.get(code="MIL-1"),
        as_of=timezone.localdate() - datetime.timedelta(days=40),
    )
    settings.STALE_AFTER_DAYS = 90
    fresh = api.get("/api/v1/summary/").json()["stale"]
    settings.STALE_AFTER_DAYS = 30
    assert api.get("/api/v1/summary/").json()["stale"] == fresh + 1


def test_the_redis_backend_keeps_one_client(shared_cache):
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("in-process memory has no client")
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client
    shared_cache.set("answer", 42)
    assert shared_cache.get("answer") == 42
    assert StatusUpdate.objects.count() == 0  # nothing else was written


def test_a_count_starts_at_one_and_is_read_with_a_value(shared_cache):
    # What the rate limits do on every API request (coalition.redis_cache.CountingCache).
    assert [shared_cache.count("window", 60) for _ in range(3)] == [1, 2, 3]
    shared_cache.set("entry", {"body": b"{}"})
    shared_cache.set("reader", "R")
    assert shared_cache.get_many_and_count(
        ["entry", "absent", "reader"], {"window": 60, "other": 60}
    ) == ({"entry": {"body": b"{}"}, "reader": "R"}, [4, 1])
    assert shared_cache.get_many_and_count(["absent"], {}) == ({}, [])


def test_a_count_in_redis_expires_with_its_window(shared_cache):
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("in-process memory expires keys as Django's backend does")
    shared_cache.count("window", 60)
    shared_cache.count("window", 60)
    client = backend._cache.get_client()
    assert 0 < client.ttl(backend.make_and_validate_key("window")) <= 60

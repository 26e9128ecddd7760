"""Redis is optional: while it is stopped or frozen, the API answers as it does without it,
the rate limits hold in each process, /readyz says so and stays ready (coalition/redis_cache.py,
commitments/dependencies.py). Against a private redis-server (tests/redis_server.py), killed or
frozen for real."""

import contextlib
import logging
import time

import pytest
import redis
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from coalition import redis_cache
from commitments import dependencies
from commitments.dependencies import Fault
from tests.helpers import READY, counted

pytestmark = [pytest.mark.fault, pytest.mark.django_db]

LIST = "/api/v1/commitments/"
UPDATE = {"status": "on_track", "as_of": "2024-01-15", "summary": "Training went on."}
# A request that Redis slows down waits at most its socket timeout (0.5 s), once per process
# every RETRY_SECONDS; the rest is the request's own work, on a busy test machine.
BOUND_SECONDS = 1.5


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


def test_while_redis_is_stopped_reads_and_token_writes_answer_as_without_it(
    api, roadmap, analyst, token_for, redis_server
):
    api.get(LIST)  # kept in Redis
    failures = dependencies.counts[Fault.CACHE_UNAVAILABLE]
    counted_before = counted("roadmap_dependency_faults_total", fault="cache_unavailable")
    redis_server.stop()
    token = {"Authorization": f"Bearer {token_for(analyst)}"}

    answers = [
        timed(api.get, LIST),
        timed(api.get, "/api/v1/summary/"),
        timed(api.get, f"{LIST}MIL-1/"),
        timed(api.post, f"{LIST}MIL-1/updates/", UPDATE, headers=token),
        timed(api.post, f"{LIST}MIL-1/updates/", {**UPDATE, "status": "?"}, headers=token),
        timed(api.get, f"{LIST}MIL-1/", headers=token),
    ]

    assert [response.status_code for response, _ in answers] == [200, 200, 200, 201, 400, 200]
    assert max(seconds for _, seconds in answers) < BOUND_SECONDS
    assert answers[-1][0].json()["status"] == "on_track"
    assert dependencies.counts[Fault.CACHE_UNAVAILABLE] > failures
    assert counted("roadmap_dependency_faults_total", fault="cache_unavailable") > counted_before


def test_while_redis_is_stopped_the_rate_limits_hold_in_each_process(
    api, roadmap, redis_server, monkeypatch
):
    # DRF reads the rates once, into the class; this test gives the anonymous scope a low one.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1000/minute"}
    )
    redis_server.stop()

    statuses = [api.get("/api/v1/summary/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_a_frozen_redis_costs_a_request_at_most_its_socket_timeout(
    api, roadmap, analyst, token_for, redis_server
):
    token = {"Authorization": f"Bearer {token_for(analyst)}"}
    api.get(LIST)

    with redis_server.frozen():
        answers = [
            timed(api.get, LIST),
            timed(api.get, "/api/v1/summary/"),
            timed(api.post, f"{LIST}MIL-1/updates/", UPDATE, headers=token),
            timed(api.get, LIST),
        ]

    assert [response.status_code for response, _ in answers] == [200, 200, 201, 200]
    assert max(seconds for _, seconds in answers) < BOUND_SECONDS
    # The first request waited for Redis; the process then leaves it alone for a while.
    assert sum(seconds for _, seconds in answers[1:]) < answers[0][1]


def test_redis_failures_are_counted_and_logged_once_a_minute(api, roadmap, redis_server, caplog):
    before = dependencies.counts[Fault.CACHE_UNAVAILABLE]
    counted_before = counted("roadmap_dependency_faults_total", fault="cache_unavailable")
    redis_server.stop()

    with caplog.at_level(logging.WARNING, logger="commitments.dependencies"):
        for _ in range(3):
            redis_cache._down_until.clear()  # as if RETRY_SECONDS had passed each time
            assert api.get(LIST).status_code == 200

    assert dependencies.counts[Fault.CACHE_UNAVAILABLE] == before + 3
    # What /metrics tells: roadmap_dependency_faults_total{fault="cache_unavailable"}.
    assert counted("roadmap_dependency_faults_total", fault="cache_unavailable") == (
        counted_before + 3
    )
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 1
    assert warnings[0].startswith("Redis does not answer (ConnectionError")
    assert not any(record.exc_info for record in caplog.records)


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_readyz_says_the_cache_is_unavailable_and_stays_ready(client, redis_server, fault):
    if fault == "stopped":
        redis_server.stop()
        response, seconds = timed(client.get, "/readyz")
    else:
        with redis_server.frozen():
            response, seconds = timed(client.get, "/readyz")

    assert response.status_code == 200
    assert response.json() == READY | {"cache": "unavailable"}
    assert seconds < BOUND_SECONDS


def test_once_redis_answers_again_the_processes_share_it_again(client, api, roadmap, redis_server):
    with redis_server.frozen():
        api.get(LIST)  # kept in this process's memory
    shared = redis.Redis.from_url(redis_server.url, socket_timeout=1)
    assert shared.dbsize() == 0

    assert client.get("/readyz").json()["cache"] == "ok"  # a probe finds Redis back at once
    cache.set("written", 1)

    assert api.get(LIST).status_code == 200
    assert shared.dbsize() > 1  # the key above, throttle counts, the response


def statuses_of_two_reads_and_a_write(api, token):
    """The statuses of a read of the list, one of the summary, and a status update recorded
    with `token`."""
    return [
        api.get(LIST).status_code,
        api.get("/api/v1/summary/").status_code,
        api.post(
            f"{LIST}MIL-1/updates/", UPDATE, headers={"Authorization": f"Bearer {token}"}
        ).status_code,
    ]


@pytest.mark.parametrize(
    "redis_server", [("--maxmemory", "2mb", "--maxmemory-policy", "noeviction")], indirect=True
)
def test_a_full_redis_that_refuses_writes_leaves_requests_answered(
    api, roadmap, analyst, token_for, redis_server
):
    full = redis.Redis.from_url(redis_server.url, socket_timeout=1)
    with contextlib.suppress(redis.exceptions.OutOfMemoryError):
        for number in range(100):
            full.set(f"filler:{number}", b"x" * 100_000)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        full.set("one more", b"x" * 100_000)

    assert statuses_of_two_reads_and_a_write(api, token_for(analyst)) == [200, 200, 201]


def test_a_redis_that_refuses_writes_for_want_of_replicas_leaves_requests_answered(
    api, roadmap, analyst, token_for, redis_server
):
    # Every write is then refused with an error reply ("NOREPLICAS ..."), not a lost connection.
    redis.Redis.from_url(redis_server.url).config_set("min-replicas-to-write", 1)
    with pytest.raises(redis.exceptions.ResponseError, match="NOREPLICAS"):
        redis.Redis.from_url(redis_server.url).set("a key", "a value")

    assert statuses_of_two_reads_and_a_write(api, token_for(analyst)) == [200, 200, 201]

"""Read replicas: anonymous reads go to a replica, everything else to the primary, and a
replica's lag or failure never shows (commitments/db_router.py).

Against a real streaming replica of the local PostgreSQL (tests/replica.py), started once for
the session. The test database streams to it like any other, so these tests commit what they
write (transaction=True) and wait for the replica to replay it."""

import shutil
import time

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import close_old_connections, connection, connections
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from commitments import db_deadlines, db_router, dependencies
from commitments.models import DataVersion
from tests.factories import CommitmentFactory, UserFactory
from tests.helpers import counted, reads_commitments
from tests.replica import ReplicaUnavailable, streaming_replica

REPLICA = "replica_1"
LIST = "/api/v1/commitments/"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="read replicas are PostgreSQL streaming replicas; this run is on SQLite",
    ),
    pytest.mark.skipif(
        shutil.which("pg_basebackup") is None,
        reason="pg_basebackup is not installed (the PostgreSQL client package has it)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]


@pytest.fixture(scope="session")
def replica(django_db_setup, django_db_blocker):
    """A streaming replica, known to Django as replica_1 (on the test database, as the
    DATABASE_REPLICA_URLS aliases are in a test run), for the whole session."""
    try:
        context = streaming_replica()
        running = context.__enter__()
    except ReplicaUnavailable as error:
        # Not a skip: CI must run these (.ci/run makes the replica possible).
        pytest.fail(f"cannot start a replica: {error}")
    primary = connections["default"].settings_dict
    django_settings.DATABASES[REPLICA] = {
        **primary,
        "HOST": "127.0.0.1",
        "PORT": running.port,
        # A replica's limits, as settings give them (DATABASE_REPLICA_TIMEOUT), of 1 s here.
        "OPTIONS": {
            **primary["OPTIONS"],
            "connect_timeout": 1,
            "options": f"{primary['OPTIONS']['options']} -c statement_timeout=1000",
        },
        "TEST": {**primary["TEST"], "MIRROR": "default"},  # never flushed, never created
    }
    try:
        yield running
    finally:
        with django_db_blocker.unblock():
            connections[REPLICA].close()
        del connections[REPLICA]
        del django_settings.DATABASES[REPLICA]
        context.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def replica_reads(replica, settings):
    """The settings that DATABASE_REPLICA_URLS makes, with replica_1 as the one replica."""
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = ["commitments.db_router.ReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("commitments.middleware.DatabaseUnavailableMiddleware") + 1,
        "commitments.middleware.ReplicaReadsMiddleware",
    )
    settings.MIDDLEWARE = middleware
    db_router.reset_health()
    yield replica
    db_router.reset_health()
    db_deadlines.forget()


def read(client, path=LIST, **headers):
    """GETs `path`; returns the response and the SQL that the primary and the replica ran."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(path, headers=headers)
    return response, [q["sql"] for q in primary], [q["sql"] for q in replica]


def codes(response):
    return [row["code"] for row in response.json()["results"]]


def test_the_replicas_lag_and_health_are_read_when_prometheus_scrapes(client, settings, replica):
    settings.METRICS_TOKEN = "replica-metrics"
    CommitmentFactory()
    replica.wait_for_replay()

    def scrape():
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer replica-metrics")
        return {
            (sample.name, tuple(sample.labels.values())): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    caught_up = scrape()
    with replica.paused():
        CommitmentFactory()  # received by the replica, not replayed
        time.sleep(0.3)
        lagging = scrape()

    assert caught_up[("roadmap_replica_up", (REPLICA,))] == 1
    # Other databases of the same cluster stream to it too: nearly, not exactly, 0.
    assert caught_up[("roadmap_replica_lag_seconds", (REPLICA,))] < 5
    assert lagging[("roadmap_replica_up", (REPLICA,))] == 1
    assert lagging[("roadmap_replica_lag_seconds", (REPLICA,))] > 0


def test_an_anonymous_read_is_served_by_the_replica(api, replica):
    commitment = CommitmentFactory()
    replica.wait_for_replay()
    reads = counted("roadmap_replica_reads_total", replica=REPLICA)

    response, on_primary, on_replica = read(api)

    assert response.status_code == 200
    assert codes(response) == [commitment.code]
    # The primary answers the data version only; the replica, its own version and the rest.
    assert len(on_primary) == 1
    assert DataVersion._meta.db_table in on_primary[0]
    assert any(reads_commitments(sql) for sql in on_replica)
    assert counted("roadmap_replica_reads_total", replica=REPLICA) == reads + 1


def test_a_signed_in_user_reads_the_primary(client, analyst, replica):
    CommitmentFactory()
    replica.wait_for_replay()
    client.force_login(analyst)

    response, on_primary, on_replica = read(client)

    assert response.status_code == 200
    assert on_replica == []
    assert any(reads_commitments(sql) for sql in on_primary)


def test_an_api_token_holder_reads_the_primary(api, analyst, token_for, replica):
    CommitmentFactory()
    replica.wait_for_replay()

    response, _, on_replica = read(api, Authorization=f"Bearer {token_for(analyst)}")

    assert response.status_code == 200
    assert on_replica == []


def test_after_signing_out_a_browser_reads_the_primary_for_a_few_seconds(client, replica):
    UserFactory(username="ana")
    replica.wait_for_replay()
    client.post("/admin/login/", {"username": "ana", "password": "correct horse battery staple"})
    signed_out = client.post("/admin/logout/")

    response, _, on_replica = read(client)

    assert signed_out.cookies["read_primary"]["max-age"] == 5  # REPLICA_PIN_SECONDS
    assert response.status_code == 200
    assert on_replica == []


def test_the_data_version_is_read_on_the_primary_and_a_lagging_replica_is_passed_over(api, replica):
    first = CommitmentFactory()
    replica.wait_for_replay()
    passed_over = counted("roadmap_replica_fallbacks_total", reason="lagging")
    with replica.paused():
        second = CommitmentFactory()  # on the primary only, for now

        response, on_primary, on_replica = read(api)

    assert codes(response) == [first.code, second.code]
    # The replica answered its version, found older than the primary's; the rest was read there.
    assert len(on_replica) == 1
    assert DataVersion._meta.db_table in on_replica[0]
    assert any(reads_commitments(sql) for sql in on_primary)
    assert counted("roadmap_replica_fallbacks_total", reason="lagging") == passed_over + 1


def test_a_lagging_replica_never_puts_an_old_body_under_a_new_key(api, replica):
    first = CommitmentFactory()
    replica.wait_for_replay()
    with replica.paused():
        second = CommitmentFactory()
        stored = api.get(LIST)
    replica.wait_for_replay()

    response, on_primary, on_replica = read(api)

    assert codes(stored) == codes(response) == [first.code, second.code]
    # Served from the response cache, before any read is routed: the primary's version only.
    assert on_replica == []
    assert len(on_primary) == 1
    assert DataVersion._meta.db_table in on_primary[0]


def test_when_the_replica_is_down_the_primary_answers(api, replica, unused_port):
    commitment = CommitmentFactory()
    set_aside = counted("roadmap_dependency_faults_total", fault="replica_set_aside")
    fell_back = counted("roadmap_replica_fallbacks_total", reason="failed")
    connections[REPLICA].close()
    running = connections[REPLICA].settings_dict
    connections[REPLICA].settings_dict = {**running, "PORT": unused_port}
    try:
        response = api.get(LIST)
        then = db_router.healthy_replica()
    finally:
        connections[REPLICA].close()
        connections[REPLICA].settings_dict = running

    assert response.status_code == 200
    assert codes(response) == [commitment.code]
    assert then is None  # set aside: the next reads go straight to the primary
    assert counted("roadmap_dependency_faults_total", fault="replica_set_aside") == set_aside + 1
    assert counted("roadmap_replica_fallbacks_total", reason="failed") == fell_back + 1


@pytest.fixture
def unused_port():
    from tests.replica import _free_port

    return _free_port()


def test_the_feeds_streamed_csv_is_read_on_the_replica(api, replica, record):
    # Its rows are read after the view returns: the view chose the replica while it could.
    record(CommitmentFactory(), summary="Replicated.")
    replica.wait_for_replay()

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        body = api.get("/api/v1/updates/?format=csv").getvalue().decode()

    assert "Replicated." in body
    assert any("commitments_statusupdate" in query["sql"] for query in on_replica)


def test_the_whole_feed_compiled_once_is_read_on_the_replica(api, replica, record):
    # Its SQL is compiled once (pagination.PagesCompiledOnce), for the database the ORM reads.
    record(CommitmentFactory(), summary="Replicated.")
    replica.wait_for_replay()

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        results = api.get("/api/v1/updates/").json()["results"]

    assert [update["summary"] for update in results] == ["Replicated."]
    assert any("commitments_statusupdate" in query["sql"] for query in on_replica)


@pytest.mark.fault
def test_a_frozen_replica_is_set_aside_and_the_primary_answers_within_its_deadline(
    api, replica, settings
):
    # SIGSTOP: the replica's kernel still accepts and acknowledges, so neither TCP keepalives
    # nor its own statement_timeout can tell; the client's deadline does (db_deadlines).
    settings.RESPONSE_CACHE = False  # every read below reads the database
    commitment = CommitmentFactory()
    replica.wait_for_replay()
    assert read(api)[2]  # the replica answered, and its connection stays open
    set_aside = counted("roadmap_dependency_faults_total", fault="replica_set_aside")

    with replica.frozen():
        with CaptureQueriesContext(connections["default"]) as on_primary:
            started = time.monotonic()
            # What the start of a request does outside tests (the test client leaves it out):
            # a kept connection is health-checked at its first use.
            close_old_connections()
            response = api.get(LIST)
            seconds = time.monotonic() - started
        read_on_primary = [query["sql"] for query in on_primary]
        then = db_router.healthy_replica()
        # Closed by psycopg2 when the deadline passed, and let go by Django.
        closed = connections[REPLICA].connection is None
        started = time.monotonic()
        again = api.get(LIST)
        seconds_again = time.monotonic() - started

    assert response.status_code == again.status_code == 200
    assert codes(response) == codes(again) == [commitment.code]
    assert any(reads_commitments(sql) for sql in read_on_primary)
    assert then is None  # set aside: the next reads go straight to the primary
    assert counted("roadmap_dependency_faults_total", fault="replica_set_aside") == set_aside + 1
    assert closed  # the connection that timed out is not used again
    # The deadline of one query (the health check's: 1 s, plus db_deadlines.MARGIN_SECONDS),
    # and no second wait for a new connection to the same server; then none at all.
    assert 1 < seconds < 1 + db_deadlines.MARGIN_SECONDS + 0.5
    assert seconds_again < 0.5


@pytest.mark.fault
def test_a_frozen_server_is_given_up_at_the_deadlines_the_primary_has_too(replica):
    # The primary's connections have the same client deadlines as the replica's (settings:
    # connect_timeout, and statement_timeout plus db_deadlines.MARGIN_SECONDS), from the same
    # wait callback: a frozen PostgreSQL, the replica here, stands for a frozen primary.
    dsn = f"host=127.0.0.1 port={replica.port} dbname=postgres user=postgres"
    kept = psycopg2.connect(f"{dsn} connect_timeout=2 options='-c statement_timeout=1000'")
    db_deadlines.forget()
    try:
        with replica.frozen():
            started = time.monotonic()
            with pytest.raises(db_deadlines.DeadlineExceeded) as on_a_query:
                kept.cursor().execute("SELECT 1")
            query_seconds = time.monotonic() - started
            db_deadlines.forget()  # a new connection is tried, not refused at once
            started = time.monotonic()
            with pytest.raises(db_deadlines.DeadlineExceeded) as on_connecting:
                psycopg2.connect(f"{dsn} connect_timeout=1")
            connect_seconds = time.monotonic() - started
    finally:
        kept.close()
        db_deadlines.forget()

    assert 1 < query_seconds < 1 + db_deadlines.MARGIN_SECONDS + 0.5
    assert 1 <= connect_seconds < 1.5
    assert kept.closed  # never used again
    # What a request that met either is answered: a 503 that says the database is busy.
    faults = {dependencies.database_fault(error.value) for error in (on_a_query, on_connecting)}
    assert faults == {dependencies.Fault.DATABASE_BUSY}

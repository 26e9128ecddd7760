"""/metrics: the Prometheus text format, for Prometheus only (a bearer token or an allowed
address), with the requests, the faults, the caches, the throttles and the domain (the review
queue, stale commitments, approvals) as Prometheus reads them, and correct under several gunicorn
workers."""

import datetime
import ipaddress
import json
import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.throttling import SimpleRateThrottle

from commitments.models import WebhookDelivery, WebhookEndpoint
from commitments.services import approve_or_return, record_briefing_message, record_event
from commitments.tasks import deliver_webhook
from tests.factories import CommitmentFactory, UserFactory
from tests.gunicorn_server import get, serving
from tests.redis_server import RedisUnavailable, private_redis
from tests.test_webhooks import Receiver, _erasable_events  # noqa: F401 (a fixture, used below)
from tests.test_webhooks import _wait_for as wait_for
from tests.test_webhooks import _worker as task_worker

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "metrics-token-of-the-tests"


@pytest.fixture
def scrape(client, settings):
    """Reads /metrics with the token, as Prometheus would: {(sample name, labels): value}."""
    settings.METRICS_TOKEN = TOKEN

    def scrape():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        return samples(response.content.decode())

    return scrape


def samples(text):
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped, name, **labels):
    """A sample's value; 0 for a labelled counter not counted yet."""
    return scraped.get((name, frozenset(labels.items())), 0)


# Access


def test_metrics_do_not_exist_unless_a_token_or_addresses_are_configured(client, settings):
    # A 404, as before there were metrics: nothing tells a stranger there is a page to unlock.
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = []

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Token {TOKEN}", TOKEN])
def test_metrics_are_refused_without_the_token(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **headers)

    assert response.status_code == 403
    assert b"roadmap_" not in response.content


def test_metrics_are_served_with_the_token_in_the_prometheus_text_format(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"roadmap_http_requests", "roadmap_ready", "roadmap_review_queue_size"} <= names


def test_metrics_are_served_to_an_allowed_address_only(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = [ipaddress.ip_network("10.0.0.0/8")]

    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


@pytest.mark.parametrize(("proxies", "status"), [(0, 403), (1, 200)])
def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(
    client, settings, proxies, status
):
    settings.METRICS_ALLOWED_ADDRESSES = [ipaddress.ip_network("10.0.0.5")]
    settings.TRUSTED_PROXY_COUNT = proxies

    response = client.get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.0.0.5")

    assert response.status_code == status


# Requests, caches, throttles


def test_a_request_is_counted_under_its_route_template_with_its_status(roadmap, api, scrape):
    route = "api/v1/commitments/<code>/"
    before = scrape()

    api.get("/api/v1/commitments/MIL-1/")
    api.get("/api/v1/commitments/NO-SUCH-1/")
    api.get("/api/v1/commitments/MIL-1/")  # a response-cache hit: the same route
    after = scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("roadmap_http_requests_total", route=route, method="GET", status="200") == 2
    assert moved("roadmap_http_requests_total", route=route, method="GET", status="404") == 1
    assert moved("roadmap_http_request_duration_seconds_count", route=route, method="GET") == 3
    assert not any("MIL-1" in dict(labels).get("route", "") for _, labels in after), (
        "a path, not a route template, was used as a label"
    )


def test_a_cache_miss_a_store_and_a_hit_move_their_counters(roadmap, api, scrape):
    before = scrape()

    api.get("/api/v1/pillars/")
    api.get("/api/v1/pillars/")
    after = scrape()

    assert (
        value(after, "roadmap_response_cache_lookups_total", result="miss")
        - value(before, "roadmap_response_cache_lookups_total", result="miss")
        == 1
    )
    assert (
        value(after, "roadmap_response_cache_stores_total")
        - value(before, "roadmap_response_cache_stores_total")
        == 1
    )
    assert (
        value(after, "roadmap_response_cache_lookups_total", result="hit")
        - value(before, "roadmap_response_cache_lookups_total", result="hit")
        == 1
    )


def test_a_throttled_request_is_counted(roadmap, api, scrape, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "1000/minute"}
    )
    cache.clear()
    before = scrape()

    statuses = [api.get("/api/v1/summary/").status_code for _ in range(3)]
    after = scrape()

    assert statuses == [200, 200, 429]
    assert (
        value(after, "roadmap_throttled_requests_total", scope="api")
        - value(before, "roadmap_throttled_requests_total", scope="api")
        == 1
    )
    assert (
        value(
            after,
            "roadmap_http_requests_total",
            route="api/v1/summary/",
            method="GET",
            status="429",
        )
        - value(
            before,
            "roadmap_http_requests_total",
            route="api/v1/summary/",
            method="GET",
            status="429",
        )
        == 1
    )


# The domain, read at scrape time


# The kinds of reviewed record, as the review queue's gauges label them.
RECORDS = ["status_update", "indicator_value", "key_message"]


@pytest.fixture
def submit(commitment, record, observe, hum1_indicator, analyst):
    """Submits a record of a kind (a `record` label) through its service; returns it."""

    def submit(kind):
        if kind == "status_update":
            return record(commitment)
        if kind == "indicator_value":
            return observe(hum1_indicator, "12")
        return record_briefing_message(
            pillar=commitment.pillar, author=analyst, as_of=datetime.date(2026, 5, 31),
            text="Training is on track.",
        )  # fmt: skip

    return submit


def test_the_review_queue_tells_the_size_and_oldest_age_of_each_kind_of_record(
    review_required, submit, scrape
):
    assert [value(scrape(), "roadmap_review_queue_size", record=kind) for kind in RECORDS] == [
        0,
        0,
        0,
    ]
    for kind in RECORDS:
        submit(kind)
    submit("key_message")

    scraped = scrape()

    sizes = [value(scraped, "roadmap_review_queue_size", record=kind) for kind in RECORDS]
    assert sizes == [1, 1, 2]
    for kind in RECORDS:
        assert value(scraped, "roadmap_review_queue_oldest_age_seconds", record=kind) > 0
    assert value(scraped, "roadmap_status_updates_approved_last_24h") == 0


@pytest.mark.parametrize("kind", RECORDS)
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_the_review_queue_of_a_kind_moves_with_each_submission_and_decision(
    review_required, submit, reviewer, scrape, kind, decision
):
    # Each scrape keeps the counts under the queue's version: a count that a submission or a
    # decision did not make new again would be read back unchanged.
    def size():
        return value(scrape(), "roadmap_review_queue_size", record=kind)

    before = size()
    submitted = submit(kind)
    after_submission = size()
    approve_or_return(submitted, reviewer=reviewer, decision=decision, comment="Say who counted.")

    assert [before, after_submission, size()] == [0, 1, 0]


def test_stale_commitments_and_approvals_of_the_day_are_counted(
    review_required, record_approved, scrape
):
    never_assessed = CommitmentFactory()
    assessed_today = CommitmentFactory()
    record_approved(assessed_today, as_of=timezone.localdate())
    assessed_today.refresh_from_db()

    scraped = scrape()

    assert never_assessed.is_stale()
    assert not assessed_today.is_stale()
    assert value(scraped, "roadmap_commitments_stale") == 1
    assert value(scraped, "roadmap_status_updates_approved_last_24h") == 1
    assert value(scraped, "roadmap_review_queue_size", record="status_update") == 0


def test_the_domain_is_read_in_7_queries_and_a_review_queue_counted_once_a_change_of_its_kind(
    review_required, submit, client, settings, django_assert_num_queries
):
    settings.METRICS_TOKEN = TOKEN
    submit("status_update")

    def scrape():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        return samples(response.content.decode())

    # Expect 10 queries: readiness (SELECT 1), the review queues' versions, the queue of each
    # of the 3 kinds of reviewed record (none counted yet), stale commitments, approvals of the
    # last 24 hours, ready tasks, failed webhook attempts of the last hour, and webhook
    # endpoints failing or disabled.
    with django_assert_num_queries(10):
        first = scrape()
    # Expect 7: no queue has changed, their versions say so.
    with django_assert_num_queries(7):
        again = scrape()
    submit("key_message")
    # Expect 8: the key messages' queue is counted again, and it alone.
    with django_assert_num_queries(8):
        after_a_message = scrape()

    assert value(first, "roadmap_review_queue_size", record="status_update") == 1
    assert value(again, "roadmap_review_queue_size", record="status_update") == 1
    assert value(after_a_message, "roadmap_review_queue_size", record="status_update") == 1
    assert value(after_a_message, "roadmap_review_queue_size", record="key_message") == 1


@pytest.fixture
def rq_queue(settings):
    """TASK_QUEUE=rq, on a Redis of the test's own: yields that Redis."""
    try:
        with private_redis() as server:
            settings.TASK_QUEUE = "rq"
            settings.TASKS = {
                "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
            }
            settings.RQ_QUEUES = {"default": {"URL": server.url, "DEFAULT_TIMEOUT": 300}}
            yield server
    except RedisUnavailable as missing:
        pytest.skip(str(missing))


@pytest.fixture(params=["database", "rq"])
def task_queue(request):
    """Each queue TASK_QUEUE may name: the database (the tests' default), and RQ."""
    if request.param == "rq":
        request.getfixturevalue("rq_queue")


def test_the_tasks_ready_on_the_task_queue_are_counted(task_queue, scrape):
    assert value(scrape(), "roadmap_task_queue_ready") == 0

    for delivery_id in (101, 102, 103):
        deliver_webhook.enqueue(delivery_id)
    # Due later: waiting to be due (RQ's scheduled registry), not ready.
    deliver_webhook.using(run_after=timezone.now() + datetime.timedelta(hours=1)).enqueue(104)

    assert value(scrape(), "roadmap_task_queue_ready") == 3


def test_a_scrape_without_the_task_queues_redis_tells_the_rest(rq_queue, scrape):
    rq_queue.stop()

    scraped = scrape()

    assert ("roadmap_task_queue_ready", frozenset()) not in scraped
    assert value(scraped, "roadmap_ready") == 1
    assert ("roadmap_commitments_stale", frozenset()) in scraped


# The alert rules and the dashboard name metrics that exist


def metric_names(text):
    """{name a query may use: its family} for what /metrics serves: each family by its name,
    a counter's samples by _total, a histogram's by _bucket, _count and _sum."""
    names = {}
    for family in text_string_to_metric_families(text):
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
        for suffix in ["", *suffixes.get(family.type, [])]:
            names[family.name + suffix] = family.name
    return names


def named_in(expression):
    return set(re.findall(r"\broadmap_[a-z0-9_]+", expression))


@pytest.fixture
def served_names(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return metric_names(response.content.decode())


def test_every_alert_rule_is_complete_and_names_served_metrics(served_names):
    rules = yaml.safe_load((ROOT / "docs" / "prometheus-alerts.yml").read_text())

    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {rule["alert"] for rule in alerts} >= {
        "RoadmapServerErrors",
        "RoadmapNotReady",
        "RoadmapReplicaLagging",
        "RoadmapReviewQueueSlipping",
        "RoadmapWebhooksFailing",
    }
    for rule in alerts:
        assert set(rule) >= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
        assert "severity" in rule["labels"], rule["alert"]
        assert named_in(rule["expr"]), rule["alert"]
        assert named_in(rule["expr"]) <= served_names.keys(), rule["alert"]


def test_the_dashboard_takes_its_datasource_as_a_variable_and_charts_served_metrics(
    served_names,
):
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())

    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    targets = [target for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert targets
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
    charted = set().union(*(named_in(target["expr"]) for target in targets))
    assert charted <= served_names.keys()
    served_families = {family for family in served_names.values() if family.startswith("roadmap_")}
    assert served_families == {served_names[name] for name in charted}, "a metric not charted"


# Several gunicorn workers


@pytest.fixture
def gunicorn(db, tmp_path):
    """The project's gunicorn.conf.py with 2 sync workers (one request at a time each, so that
    requests sent together are shared out) on a free loopback port, on the test database, its
    workers' counts in a folder of this test's; yields (port, that folder)."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"")  # of an earlier run: emptied at start
    with serving(
        tmp_path / "gunicorn.log",
        GUNICORN_WORKER_CLASS="sync",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_DRAIN_SECONDS="0",
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(folder),
    ) as (process, port):
        yield port, folder
        process.terminate()
        process.wait(timeout=30)


def _counted_by_each_worker(folder, tmp_path):
    """{pid: requests to /api/v1/pillars/ that worker counted}, read from each worker's own
    file by the client library's own reader."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        alone = Path(tempfile.mkdtemp(prefix=f"alone-{path.stem}-", dir=tmp_path))
        shutil.copy(path, alone)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        scraped = samples(generate_latest(registry).decode())
        counts[path.stem.removeprefix("counter_")] = value(
            scraped,
            "roadmap_http_requests_total",
            route="api/v1/pillars/",
            method="GET",
            status="200",
        )
    return counts


def test_the_counts_of_two_gunicorn_workers_add_up_whichever_answers(gunicorn, tmp_path):
    port, folder = gunicorn
    clients, each = 6, 10
    statuses = []

    def read():
        for _ in range(each):
            statuses.append(get(port, "/api/v1/pillars/")[0])

    # Which worker takes a connection is the kernel's choice: rounds of reads until both have
    # served some (almost always the first), so that the sum below adds two workers' counts.
    for _ in range(5):
        threads = [threading.Thread(target=read) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        by_worker = _counted_by_each_worker(folder, tmp_path)
        if len([count for count in by_worker.values() if count]) == 2:
            break
    totals = []
    for _ in range(6):  # each scrape is answered by one worker or the other
        status, body = get(port, "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        totals.append(
            value(
                samples(body),
                "roadmap_http_requests_total",
                route="api/v1/pillars/",
                method="GET",
                status="200",
            )
        )

    assert statuses == [200] * len(statuses)
    assert totals == [len(statuses)] * 6
    assert "1" not in by_worker, "the counts of an earlier run were not emptied at start"
    served = [count for count in by_worker.values() if count]
    assert len(served) == 2, by_worker
    assert sum(served) == len(statuses)


@pytest.mark.usefixtures("_erasable_events")
@pytest.mark.parametrize("queue", ["database", "rq"])
def test_a_webhook_delivery_counted_by_the_task_worker_is_in_the_servers_metrics(
    request, gunicorn, queue
):
    """The task worker shares the server's PROMETHEUS_MULTIPROC_DIR: its counts are added to
    those of the server's workers, whichever answers the scrape."""
    port, folder = gunicorn
    worker_settings = {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    if queue == "rq":
        redis_server = request.getfixturevalue("rq_queue")
        worker_settings |= {"TASK_QUEUE": "rq", "TASK_REDIS_URL": redis_server.url}
    receiver = Receiver().start()
    request.addfinalizer(receiver.stop)
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, owner=UserFactory())
    receiver.secret = endpoint.secret

    with task_worker(**worker_settings) as worker:
        with transaction.atomic():
            record_event("update.approved", subject_url="/api/v1/updates/1/", data={})
        wait_for(lambda: WebhookDelivery.objects.filter(status="succeeded").exists())
        # Stopped as a service manager stops it, its connections closed: its counts stay.
        worker.terminate()
        assert worker.wait(30) == 0
    scrapes = [
        get(port, "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}) for _ in range(4)
    ]

    assert [request["verified"] for request in receiver.requests] == [True]
    assert [
        value(samples(body), "roadmap_webhook_deliveries_total", outcome="succeeded")
        for _, body in scrapes
    ] == [1] * 4

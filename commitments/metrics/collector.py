"""What the database knows, read when Prometheus scrapes: readiness, the review queues of the
reviewed records, stale commitments, approvals, the task queue, webhook endpoints that fail, and
each replica's lag.

Read at scrape time rather than counted as things happen, so that the figures are the same
whichever worker answers and survive restarts. Seven queries on the primary (six and a LLEN on
Redis with TASK_QUEUE=rq), and one per replica (tests/test_metrics.py pins the count); one more
for each kind of reviewed record whose queue changed. While the database does not answer, only
roadmap_ready (0) and the replicas are told: the scrape itself still succeeds.
"""

import contextlib
import datetime

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from redis import RedisError

from commitments import db_router, dependencies, tasks
from commitments.models import (
    BriefingMessage,
    Commitment,
    IndicatorValue,
    Review,
    StatusUpdate,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.selectors import cached

# How far back roadmap_status_updates_approved_last_24h and
# roadmap_webhook_attempts_failed_last_hour look.
APPROVALS_WINDOW = datetime.timedelta(hours=24)
WEBHOOK_FAILURES_WINDOW = datetime.timedelta(hours=1)


# The reviewed records (models.records.ReviewedRecord), by the `record` label of the review
# queue's gauges.
REVIEWED_RECORDS = {
    "status_update": StatusUpdate,
    "indicator_value": IndicatorValue,
    "key_message": BriefingMessage,
}


def _review_queues():
    """{record: (how many are pending, when the oldest was submitted)} for each kind of reviewed
    record. Counting them reads every record (an anti-join with the decisions: 1.5 s at a
    million status updates), so each kind's figures are kept in the shared cache under its
    version, which moves exactly when a record of that kind is submitted or decided: counted
    once a change of that kind, not once a scrape."""
    versions = _review_queue_versions()
    queues = {}
    for record, model in REVIEWED_RECORDS.items():

        def count(model=model):
            queue = model.objects.pending().aggregate(size=Count("id"), oldest=Min("created_at"))
            return queue["size"], queue["oldest"]

        queues[record] = cached(f"metrics-review-queue-{record}", versions[record], count)
    return queues


def _review_queue_versions():
    """{record: the newest id of its records and of their decisions}: the tables are
    append-only, so the pair changes exactly when a record is submitted or decided. One query,
    six reads of primary-key indexes. (selectors.review_queue_version, the response cache's,
    leaves key messages out: the API does not show them.)"""
    tables = {
        record: [model._meta.db_table, model._meta.get_field("review").related_model._meta.db_table]
        for record, model in REVIEWED_RECORDS.items()
    }
    quote = connection.ops.quote_name
    newest = ", ".join(
        f"(SELECT id FROM {quote(table)} ORDER BY id DESC LIMIT 1)"
        for pair in tables.values()
        for table in pair
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {newest}")
        ids = iter(cursor.fetchone())
    return {record: f"{next(ids) or 0}.{next(ids) or 0}" for record in tables}


def _gauge(name, documentation, value):
    return GaugeMetricFamily(name, documentation, value=value)


class DomainCollector:
    """A prometheus-client collector: registered on the registry of one scrape only."""

    def collect(self):
        ready = dependencies.readiness()
        yield _gauge(
            "roadmap_ready",
            "1 when this worker is ready to serve, as /readyz answers 200: not draining, the "
            "database answers, its disk is not full.",
            1 if ready["status"] == "ok" else 0,
        )
        if ready.get("database") == "ok":
            # Failing between readiness's query and these, roadmap_ready told the moment before.
            with contextlib.suppress(DatabaseError):
                yield from self._domain()
        yield from self._replicas()

    def _domain(self):
        now = timezone.now()
        yield from self._review_queue(now)
        for name, documentation, queryset in self._counted(now):
            yield _gauge(name, documentation, queryset.count())
        try:
            ready_tasks = tasks.ready_count()
        except RedisError:
            pass  # TASK_QUEUE=rq and Redis does not answer: the gauge is absent meanwhile
        else:
            yield _gauge(
                "roadmap_task_queue_ready",
                "Background tasks (webhook deliveries) due and waiting for a task worker, on "
                "the queue TASK_QUEUE names: rows in the database, or RQ's queue in Redis.",
                ready_tasks,
            )
        endpoints = WebhookEndpoint.objects.aggregate(
            failing=Count("id", filter=Q(active=True, consecutive_failures__gt=0)),
            disabled=Count("id", filter=Q(active=False)),
        )
        yield _gauge(
            "roadmap_webhook_endpoints_failing",
            "Active webhook endpoints whose latest delivery failed every attempt.",
            endpoints["failing"],
        )
        yield _gauge(
            "roadmap_webhook_endpoints_disabled",
            "Webhook endpoints disabled, by their owner or after WEBHOOK_DISABLE_AFTER failed "
            "deliveries in a row.",
            endpoints["disabled"],
        )

    def _review_queue(self, now):
        size = GaugeMetricFamily(
            "roadmap_review_queue_size",
            "Records waiting for a reviewer's decision, by kind: status_update, "
            "indicator_value, key_message.",
            labels=["record"],
        )
        oldest_age = GaugeMetricFamily(
            "roadmap_review_queue_oldest_age_seconds",
            "How long the oldest record of each kind waiting for review has waited (0: none "
            "waits).",
            labels=["record"],
        )
        for record, (pending, oldest) in _review_queues().items():
            size.add_metric([record], pending)
            oldest_age.add_metric([record], (now - oldest).total_seconds() if oldest else 0)
        yield size
        yield oldest_age

    def _counted(self, now):
        """(name, documentation, the queryset it counts) of the gauges that count rows."""
        yield (
            "roadmap_commitments_stale",
            "Commitments never assessed, or not within their cadence (STALE_AFTER_DAYS when "
            "they have none), as the dashboard counts them.",
            Commitment.objects.stale(),
        )
        yield (
            "roadmap_status_updates_approved_last_24h",
            "Status updates approved in the last 24 hours (on submission too, with "
            "REVIEW_REQUIRED off).",
            Review.objects.filter(
                decision=Review.Decision.APPROVE, decided_at__gte=now - APPROVALS_WINDOW
            ),
        )
        yield (
            "roadmap_webhook_attempts_failed_last_hour",
            "Webhook delivery attempts due in the last hour that failed (each is retried "
            "later, WEBHOOK_RETRY_DELAYS).",
            # A range of webhookdelivery_status_idx: an attempt is made once it is due.
            WebhookDelivery.objects.filter(
                status=WebhookDelivery.Status.FAILED, due_at__gte=now - WEBHOOK_FAILURES_WINDOW
            ),
        )

    def _replicas(self):
        """Declared without replicas too, with no samples: the alert rules name them."""
        up = GaugeMetricFamily(
            "roadmap_replica_up",
            "1 when the replica answered this scrape and this worker has not set it aside.",
            labels=["replica"],
        )
        lag = GaugeMetricFamily(
            "roadmap_replica_lag_seconds",
            "How far the replica's replay is behind: 0 when it has replayed all it received, "
            "else the time since the last transaction it replayed.",
            labels=["replica"],
        )
        healthy = db_router.healthy_replicas()
        for alias in settings.DATABASE_REPLICAS:
            seconds = _replica_lag(alias) if alias in healthy else None
            up.add_metric([alias], 0 if seconds is None else 1)
            if seconds is not None:
                lag.add_metric([alias], seconds)
        yield up
        yield lag


# PostgreSQL's own measure of a standby's lag. An idle primary sends nothing to replay, so a
# replica that has replayed all it received is 0 behind, however old its last transaction.
LAG_SQL = """
    SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END
"""


def _replica_lag(alias):
    """The lag of replica `alias` in seconds, or None when it does not answer (within its
    DATABASE_REPLICA_TIMEOUT)."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            return float(cursor.fetchone()[0])
    except DatabaseError:
        return None

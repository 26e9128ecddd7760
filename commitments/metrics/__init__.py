"""The app's Prometheus metrics (prometheus-client), served at /metrics (commitments.metrics.views).

The counters and histograms here are moved where things happen: a request answered, a fault
met (commitments.dependencies, the one place that names faults), a response-cache hit, miss or
store, a request throttled, a replica read or left, a webhook delivery attempted. What the
database already knows (the review queue, stale commitments, approvals, the task queue, webhook
endpoints that fail, readiness, replica lag) is read when Prometheus scrapes
(commitments.metrics.collector), so it is right whichever worker answers.

Under gunicorn every worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR (client's
multiprocess mode: gunicorn.conf.py sets the folder up, empties it at start, and marks a worker
dead when it exits), and a scrape answered by any worker adds up the files of all: the counts of
the machine, not of one worker. Without it (manage.py runserver, the tests) they are the
process's own.

This module imports nothing of the project's, so that the lowest layers can count.
"""

import os
from pathlib import Path

from prometheus_client import Counter, Histogram, disable_created_metrics

# The client writes a file there for each metric made below: a folder named in .env for the
# server must not make every management command fail where it does not exist yet.
if folder := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(folder).mkdir(parents=True, exist_ok=True)

# The _created series (when each counter started) double the output and say nothing that a
# restart, seen in the counters themselves, does not; multiprocess mode has none anyway.
disable_created_metrics()

# Label values come from short fixed lists (route templates, methods, statuses, fault names),
# never from a path, an address or a user: each value is a time series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "roadmap_http_requests",
    "HTTP requests answered, by route template (the URL pattern, not the path), method and status.",
    ["route", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "roadmap_http_request_duration_seconds",
    "Time from the first middleware to the response, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UNAVAILABLE = Counter(
    "roadmap_http_unavailable",
    "503 responses by cause: database_unavailable, database_busy (a timeout), disk_full, "
    "briefing_busy.",
    ["cause"],
)
FAULTS = Counter(
    "roadmap_dependency_faults",
    "Faults of a dependency met by the app (commitments.dependencies): database_unavailable, "
    "database_busy, disk_full, replica_set_aside, cache_unavailable (Redis).",
    ["fault"],
)
RESPONSE_CACHE_LOOKUPS = Counter(
    "roadmap_response_cache_lookups",
    "Anonymous API reads looked up in the response cache, by result: hit or miss.",
    ["result"],
)
RESPONSE_CACHE_STORES = Counter(
    "roadmap_response_cache_stores", "API responses kept in the response cache."
)
THROTTLED = Counter(
    "roadmap_throttled_requests",
    "Requests refused for their client's rate (429), by throttle: api or briefing.",
    ["scope"],
)
REPLICA_READS = Counter(
    "roadmap_replica_reads",
    "Requests whose reads were sent to a replica, by replica.",
    ["replica"],
)
REPLICA_FALLBACKS = Counter(
    "roadmap_replica_fallbacks",
    "Requests meant for a replica that read the primary instead, by reason: lagging (the "
    "replica had not replayed the primary's data version) or failed (it was set aside).",
    ["reason"],
)
WEBHOOK_DELIVERIES = Counter(
    "roadmap_webhook_deliveries",
    "Webhook delivery attempts, by outcome: succeeded, failed, cancelled (counted by the task "
    "worker, which shares PROMETHEUS_MULTIPROC_DIR to be seen here).",
    ["outcome"],
)


def count_cache_lookup(entry):
    """One lookup of the response cache, which found `entry` (None: a miss)."""
    RESPONSE_CACHE_LOOKUPS.labels("miss" if entry is None else "hit").inc()

"""Runs each scenario once inside Django and reports, as JSON on stdout, the SQL queries it made
and whether PostgreSQL's plan for any of them reads the status-update table sequentially.

Usage (from the project root, with the environment of the served app):
    python bench/inspect_queries.py '{"list": ["/api/v1/commitments/", {}], ...}'
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TABLE = "commitments_statusupdate"


def sequential_scans(plan):
    """The nodes of an EXPLAIN (FORMAT JSON) plan that scan the status updates sequentially."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == TABLE:
        found.append(plan)
    for child in plan.get("Plans", []):
        found += sequential_scans(child)
    return found


def inspect(path, headers):
    client = Client(HTTP_HOST="127.0.0.1", headers=headers)
    client.get(path)  # warms the caches the app keeps, as the load test's warm-up does
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    verdicts = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if TABLE not in query["sql"]:
                continue
            cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            verdicts += [node["Relation Name"] for node in sequential_scans(plan[0]["Plan"])]
    return {
        "status": response.status_code,
        "queries": len(captured.captured_queries),
        "reads_updates": sum(TABLE in query["sql"] for query in captured.captured_queries),
        "sequential_scans": len(verdicts),
    }


if __name__ == "__main__":
    scenarios = json.loads(sys.argv[1])
    print(json.dumps({name: inspect(path, headers) for name, (path, headers) in scenarios.items()}))

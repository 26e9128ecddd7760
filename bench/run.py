"""The benchmark (make bench): the API against a hand-written baseline, at two data sizes and
in two server configurations.

For each size (S, then M): a fresh PostgreSQL database is migrated and filled by generate.py,
and a Viewer (a read-only role) is given an API token. In each server configuration (CONFIGS:
2 sync workers loaded by 2 connections, and the README's production setting, 2 gthread workers of
4 threads loaded by 16), the app is served twice (gunicorn, DEBUG off, as in production): warm,
with the versioned response cache on, and cold, with RESPONSE_CACHE=false; the baseline
(baseline.py, served the same way) beside them, all on loopback. Every scenario's answer from
the app is first compared with the baseline's: they must hold the same data. Then wrk loads each
scenario for a fixed time, reader by reader (READERS: the warm app read anonymously and with
the token, the cold app) and the baseline in turn; inspect_queries.py counts the queries of each
scenario for each reader and EXPLAINs them; dashboard.py opens the dashboard in Chromium against
the warm app. Then the bulk import of status updates is timed on the M database.

Prints a table per size and reader with the configurations side by side, the dashboard's
figures, and the goals of the performance issue (at size M, in each configuration), every goal
missed as a MISSED line with its figure; writes them to docs/performance.md with a description
of the machine.

    python bench/run.py [--sizes S,M] [--configs sync,gthread] [--duration SECONDS]
                        [--databases PREFIX] [--port PORT] [--cache-url URL] [--no-write]
                        [--scenarios NAME,...] [--template DATABASE] [--keep]

`--scenarios` loads only the scenarios named (and `dashboard` for the dashboard), prints their
figures and writes nothing; `--template` copies a database filled earlier (at the one size run)
instead of generating one, so that one change can be measured in a minute; `--keep` leaves the
databases a run filled, to be copied so.
"""

import argparse
import base64
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT / "reliability"), str(BENCH)]

import generate  # noqa: E402
from dashboard import measure_dashboard  # noqa: E402
from server import BIN, environment, gunicorn, manage, robot_token  # noqa: E402

REPORT = ROOT / "docs" / "performance.md"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]


@dataclass(frozen=True)
class Config:
    """How the app and the baseline alike are served (gunicorn's worker class, processes and
    threads) and how hard wrk loads them (connections)."""

    title: str
    worker_class: str
    workers: int
    threads: int
    connections: int

    def environment(self):
        return {"GUNICORN_WORKER_CLASS": self.worker_class, "GUNICORN_THREADS": str(self.threads)}


CONFIGS = {
    # What the benchmark measured until issue 26: a sync worker per core, a connection each.
    "sync": Config("2 sync workers, 2 connections", "sync", 2, 1, 2),
    # What the README recommends for production (gunicorn.conf.py's defaults), loaded by two
    # connections per thread.
    "gthread": Config("2 gthread workers x 4 threads, 16 connections", "gthread", 2, 4, 16),
}

# Seconds of load per scenario, reader and configuration, by size (--duration sets one for all):
# the goals are checked at M; S's figures feed the scaling guard, p50(M) / p50(S).
DURATIONS = {"S": 2, "M": 5}

# Who reads, and which app serves them: the warm app (response cache on, the normal mode) read
# anonymously and with an API token, and the cold app (RESPONSE_CACHE=false: every request does
# the view's work) read anonymously.
# A Coalition member's token reads too, warm and cold (issue 28): the public's view is the stored
# columns, a cleared reader's is computed from the records their clearance may read (as_of today).
# The data holds public records only, so both readers are answered the baseline's data.
READERS = {
    "warm": "warm",
    "token": "warm",
    "cleared": "warm",
    "cold": "cold",
    "cold_cleared": "cold",
}
READER_TITLES = {
    "warm": "warm, anonymous: response cache on",
    "token": "warm, token reader (a Viewer's `Authorization: Token`): response cache on",
    "cleared": "warm, cleared token reader (a Viewer of the Coalition group): response cache on",
    "cold": "cold, anonymous: RESPONSE_CACHE=false",
    "cold_cleared": "cold, cleared token reader (a Viewer of the Coalition group): "
    "RESPONSE_CACHE=false",
}
# The role of the token readers: read-only, what a dashboard or a warehouse is given; the cleared
# ones' clearance group.
TOKEN_ROLE, TOKEN_CLEARANCE = "Viewer", "Coalition"
# Which token each reader sends (none: anonymous).
TOKEN_OF_READER = {"token": "viewer", "cleared": "cleared", "cold_cleared": "cleared"}

# The goals of the performance issue (26), checked at size M in every configuration: warm, for
# anonymous and token readers alike, every scenario at least the baseline's throughput; cold, a
# share of it by kind of read; search and the dashboard in absolute terms.
WARM_RATIO_MIN = 1.0
COLD_RATIO_MIN = {
    "list": 0.5,
    "list_filtered": 0.5,
    "detail_few": 0.4,
    "detail_hot": 0.4,
    "feed": 0.3,
    "feed_deep": 0.3,
    "as_of_list": 0.5,
}
SEARCH_P50_MAX_MS = 32
DASHBOARD_FIRST_VIEW_REQUESTS, DASHBOARD_SETTLED_MS = 5, 1500
# Goals of earlier issues, kept as guards: a filter change of the dashboard, the 304's cost, the
# growth of the cold p50 from S to M, no sequential scan of the status updates, the same query
# count at S and M for the scenarios without a baseline.
DASHBOARD_FILTER_CHANGE_REQUESTS = 3
SCALING_MAX, REVALIDATION_MAX = 1.2, 0.3
SCALING_SCENARIOS = [
    "list",
    "list_filtered",
    "search",
    "detail_few",
    "detail_hot",
    "feed",
    "feed_deep",
]


def database_url(database):
    return f"postgres://postgres@127.0.0.1:5432/{database}"


def fresh_database(database, env, size, template=None):
    subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
    if template:
        started = time.monotonic()
        subprocess.run([*PSQL, "-c", f"CREATE DATABASE {database} TEMPLATE {template}"], check=True)
        manage(env, "migrate", "--no-input")
        return time.monotonic() - started
    subprocess.run([*PSQL, "-c", f"CREATE DATABASE {database}"], check=True)
    manage(env, "migrate", "--no-input")
    return generate.generate(database_url(database).replace("postgres://", "postgresql://"), size)


# A day in the generated history (generate.EPOCH to generate.LAST_DAY), a week before it
# (what changed in a week: at M, a few thousand commitments), and twelve months to it.
AS_OF = "2026-06-30"
CHANGES_FROM = "2026-06-23"
TIMELINE_FROM = "2025-07-01"


def scenarios(database):
    """Scenario name -> (path, extra headers), chosen on this database's data."""

    def one(sql):
        out = subprocess.run([*PSQL, "-d", database, "-At", "-c", sql], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
        return out.strip()

    commitments = int(one("SELECT count(*) FROM commitments_commitment"))
    updates = int(one("SELECT count(*) FROM commitments_statusupdate"))
    # 90% of the way down the feed; the cursor is the one Django REST framework would hand out.
    position = one(
        "SELECT created_at FROM commitments_statusupdate ORDER BY created_at DESC, id DESC"
        f" OFFSET {updates * 9 // 10} LIMIT 1"
    )
    position = str(datetime.datetime.fromisoformat(position).astimezone(datetime.UTC))
    cursor = base64.b64encode(urllib.parse.urlencode({"p": position}).encode()).decode()
    return {
        "list": ("/api/v1/commitments/", {}),
        "list_filtered": ("/api/v1/commitments/?pillar=military&status=on_track", {}),
        "search": ("/api/v1/commitments/?search=reintegration", {}),
        "deep_page": (f"/api/v1/commitments/?page={commitments // 50 - 1}", {}),
        "detail_few": (f"/api/v1/commitments/{generate.FEW_CODE}/", {}),
        "detail_hot": (f"/api/v1/commitments/{generate.HOT_CODE}/", {}),
        "feed": ("/api/v1/updates/", {}),
        "feed_deep": (f"/api/v1/updates/?{urllib.parse.urlencode({'cursor': cursor})}", {}),
        "summary": ("/api/v1/summary/", {}),
        # The time axes (issue 16), at a day the generated history covers.
        "as_of_list": (f"/api/v1/commitments/?as_of={AS_OF}", {}),
        "as_of_summary": (f"/api/v1/summary/?as_of={AS_OF}", {}),
        "changes": (f"/api/v1/changes/?from={CHANGES_FROM}&to={AS_OF}", {}),
        "timeline": (f"/api/v1/summary/timeline/?from={TIMELINE_FROM}&to={AS_OF}", {}),
        "revalidation": ("/api/v1/commitments/", {"If-None-Match": "<etag>"}),
        "contributions": ("/api/v1/contributions/", {}),
        "matrix": ("/api/v1/contributions/matrix/", {}),
        "matrix_pillar": ("/api/v1/contributions/matrix/?pillar=military&kind=funds_pledged", {}),
        # HOT-1's indicator: its latest value and progress among thousands of values.
        "indicator_detail": ("/api/v1/indicators/1/", {}),
        "indicator_values": ("/api/v1/indicators/1/values/", {}),
    }


# Scenarios the baseline does not answer: the revalidation compares the app with itself, and
# contributions and indicators came after the baseline was written; their goal is a query count that
# does not grow with the data (the same at S and M).
WITHOUT_BASELINE = {
    "revalidation",
    "contributions",
    "matrix",
    "matrix_pillar",
    "indicator_detail",
    "indicator_values",
}


def etag_of(url, headers):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return response.headers["ETag"]


def for_readers(chosen, warm_url, tokens):
    """{reader: {scenario: (path, headers)}}: each token reader sends its token (`tokens`, by
    TOKEN_OF_READER's names), and each reader revalidates the list with the ETag it was given."""
    readers = {}
    for reader in READERS:
        token = tokens.get(TOKEN_OF_READER.get(reader))
        sent = {"Authorization": f"Token {token}"} if token else {}
        scenarios_read = {
            name: (path, {**headers, **sent}) for name, (path, headers) in chosen.items()
        }
        path = chosen["revalidation"][0]
        etag = etag_of(warm_url + path, sent)
        scenarios_read["revalidation"] = (path, {**sent, "If-None-Match": etag})
        readers[reader] = scenarios_read
    return readers


WRK_LINE = {
    "throughput": re.compile(r"Requests/sec:\s+([0-9.]+)"),
    "p50": re.compile(r"^\s+50%\s+([0-9.]+)(us|ms|s)\s*$", re.M),
    "p99": re.compile(r"^\s+99%\s+([0-9.]+)(us|ms|s)\s*$", re.M),
    "errors": re.compile(r"Non-2xx or 3xx responses:\s+([0-9]+)"),
}
TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def warm_up(url, headers, connections, rounds=2):
    """Readies the server for `url`: `rounds` of `connections` requests at once, so that every
    worker and thread has its database connection and has answered the request (and the warm
    app has kept its body). A second of wrk did the same, at a second a load."""
    address = urllib.parse.urlsplit(url)

    def get(_):
        # Generous: at M a cold read of the changes or the timeline takes seconds, and 16 of them
        # at once queue behind each other (30 s ended a run there).
        connection = http.client.HTTPConnection(address.netloc, timeout=300)
        try:
            path = f"{address.path}?{address.query}" if address.query else address.path
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                sys.exit(f"{url}: warming up, it answered {response.status}")
        finally:
            connection.close()

    with ThreadPoolExecutor(connections) as pool:
        for _ in range(rounds):
            list(pool.map(get, range(connections)))


def wrk(url, headers, duration, connections):
    """Loads `url` with wrk (after a warm-up); returns req/s, p50 and p99 in ms."""
    command = ["wrk", "-t1", f"-c{connections}", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    warm_up(url, headers, connections)
    output = subprocess.run(
        [*command, f"-d{duration}s", url], check=True, capture_output=True, text=True
    ).stdout
    errors = WRK_LINE["errors"].search(output)
    if errors:
        sys.exit(f"{url}: {errors[1]} responses were errors; see var/bench-*.log\n{output}")
    result = {"throughput": float(WRK_LINE["throughput"].search(output)[1])}
    for name in ("p50", "p99"):
        value, unit = WRK_LINE[name].search(output).groups()
        result[name] = float(value) * TO_MS[unit]
    return result


def header(url, name):
    with urllib.request.urlopen(url) as response:
        return response.headers[name]


def answer(base_url, path, headers):
    """The JSON answer to `path`, with the server's own address in its links replaced by one
    that every server shares."""
    request = urllib.request.Request(base_url + path, headers=headers)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read().decode().replace(base_url, "http://server"))


# What two answers to the same request may differ in: the moment each was made; and whether an
# update's evidence is all below the review threshold, which the app tells staff (the token
# reader is a Viewer) and the baseline, written for anonymous readers, never computes: the
# app does that work on top of the baseline's, so its ratio is, if anything, understated.
UNCOMPARED = {"generated_at", "evidence_below_threshold"}


def difference(app, baseline, where="$"):
    """Where the JSON values `app` and `baseline` first differ (e.g. `$.results[3].status: 'at_risk'
    in the app, 'on_track' in the baseline`), or None when they hold the same data."""
    if isinstance(app, dict) and isinstance(baseline, dict):
        for key in sorted((app.keys() | baseline.keys()) - UNCOMPARED):
            if key not in app or key not in baseline:
                return f"{where}.{key} is only in the {'app' if key in app else 'baseline'}"
            if found := difference(app[key], baseline[key], f"{where}.{key}"):
                return found
        return None
    if isinstance(app, list) and isinstance(baseline, list):
        if len(app) != len(baseline):
            return f"{where}: {len(app)} items in the app, {len(baseline)} in the baseline"
        for index, (one, other) in enumerate(zip(app, baseline, strict=True)):
            if found := difference(one, other, f"{where}[{index}]"):
                return found
        return None
    if isinstance(app, bool) == isinstance(baseline, bool) and app == baseline:
        return None
    return f"{where}: {app!r} in the app, {baseline!r} in the baseline"


def check_answers(servers, readers):
    """Exits unless every reader of the app gets the baseline's data for every scenario it
    answers: a ratio to a baseline that does other work would mean nothing."""
    for reader, read in readers.items():
        app = servers[READERS[reader]]
        for name, (path, headers) in read.items():
            if name in WITHOUT_BASELINE:
                continue
            found = difference(answer(app, path, headers), answer(servers["baseline"], path, {}))
            if found:
                sys.exit(
                    f"{name} ({path}), {reader} reader: the app and the baseline differ at {found}"
                )


def inspect(env, chosen):
    """Queries and plans of each scenario, as bench/inspect_queries.py reports them."""
    return json.loads(
        subprocess.run(
            [str(BIN / "python"), str(BENCH / "inspect_queries.py"), json.dumps(chosen)],
            check=True, capture_output=True, text=True, cwd=ROOT, env=env,
        ).stdout
    )  # fmt: skip


def clear_cache(env):
    """Empties the benchmark's cache: a body kept by an earlier run (older code, the same data
    version) must not answer this run's warm reads."""
    manage(env, "shell", "-c", "from django.core.cache import cache; cache.clear()")


@contextlib.contextmanager
def served(config, envs, baseline_env, port, size):
    """The warm app, the cold app and the baseline, served in `config` on ports `port`, +1
    and +2; yields their base URLs by name."""
    log = f"{size.name}-{config.worker_class}.log"
    with (
        gunicorn({**envs["warm"], **config.environment()}, port, f"bench-app-{log}",
                 workers=config.workers) as warm,
        gunicorn({**envs["cold"], **config.environment()}, port + 2, f"bench-cold-{log}",
                 workers=config.workers) as cold,
        gunicorn({**baseline_env, **config.environment()}, port + 1, f"bench-baseline-{log}",
                 app="baseline:application", cwd=BENCH, workers=config.workers) as baseline,
    ):  # fmt: skip
        yield {"warm": warm, "cold": cold, "baseline": baseline}


def measure_size(size, options):
    """Every scenario, in each configuration, against the app for each reader and against the
    baseline; the queries of each scenario for each reader; the dashboard."""
    started = time.monotonic()
    duration = options.duration or DURATIONS[size.name]
    database = f"{options.databases}_{size.name.lower()}"
    env = {
        **environment(database),
        "STALE_AFTER_DAYS": "180",
        "ROADMAP_PUBLIC_READ": "true",
        # As in production: throttle counts, the summary and the responses in the local Redis.
        "CACHE_URL": options.cache_url,
    }
    envs = {"warm": {**env, "RESPONSE_CACHE": "true"}, "cold": {**env, "RESPONSE_CACHE": "false"}}
    print(f"Size {size.name}: generating into {database}...", flush=True)
    load_seconds = fresh_database(database, env, size, options.template)
    clear_cache(env)
    tokens = {
        "viewer": robot_token(env, TOKEN_ROLE),
        "cleared": robot_token(env, TOKEN_ROLE, clearance=TOKEN_CLEARANCE),
    }
    chosen = scenarios(database)
    if options.scenarios:
        # The revalidation's ETag is read from the list: keep its path whatever is named.
        chosen = {
            name: read for name, read in chosen.items()
            if name in options.scenarios or name == "revalidation"
        }  # fmt: skip
    baseline_env = {
        **env,
        "BASELINE_DSN": database_url(database).replace("postgres://", "postgresql://"),
    }
    run = {
        "load_seconds": load_seconds,
        "database": database,
        "env": env,
        "duration": duration,
        "configs": {},
    }
    for name in options.configs:
        config = CONFIGS[name]
        print(f"  {config.title}", flush=True)
        config_started = time.monotonic()
        results = {}
        with served(config, envs, baseline_env, options.port, size) as servers:
            if "readers" not in run:
                run["readers"] = readers = for_readers(chosen, servers["warm"], tokens)
                run["inspected"] = {
                    reader: inspect(envs[app], readers[reader]) for reader, app in READERS.items()
                }
                run["baseline_queries"] = {
                    scenario: int(header(servers["baseline"] + path, "X-Queries"))
                    for scenario, (path, _) in chosen.items()
                    if scenario not in WITHOUT_BASELINE
                }
            check_answers(servers, run["readers"])
            # The readers and the baseline take turns, scenario by scenario, so that a change in
            # the machine's speed during the run touches all alike.
            for scenario in chosen:
                if options.scenarios and scenario not in options.scenarios:
                    continue
                results[scenario] = {
                    reader: wrk(
                        servers[app] + run["readers"][reader][scenario][0],
                        run["readers"][reader][scenario][1],
                        duration,
                        config.connections,
                    )
                    for reader, app in READERS.items()
                }
                if scenario not in WITHOUT_BASELINE:
                    path, headers = chosen[scenario]
                    results[scenario]["baseline"] = wrk(
                        servers["baseline"] + path, headers, duration, config.connections
                    )
                print(f"    {scenario:16} {results[scenario]}", flush=True)
            dashboard = (
                measure_dashboard(servers["warm"])
                if not options.scenarios or "dashboard" in options.scenarios
                else None
            )
        run["configs"][name] = {"results": results, "dashboard": dashboard}
        print(f"  ({time.monotonic() - config_started:.0f} s)", flush=True)
    run["minutes"] = (time.monotonic() - started) / 60
    return run


def import_rate(env):
    """Rows per second of `manage.py import_updates` on the M database, from bench/import_updates.py."""
    output = subprocess.run(
        [str(BIN / "python"), str(BENCH / "import_updates.py")],
        check=True, capture_output=True, text=True, cwd=ROOT, env=env,
    ).stdout  # fmt: skip
    print(output.strip())
    return output.strip().splitlines()[-1]


def ratio(numerator, denominator):
    return numerator / denominator if denominator else float("nan")


def tables(measured, configs):
    """A table per size and reader: each scenario's figures, a column group per configuration."""
    lines = []
    for size_name, run in measured.items():
        for reader, title in READER_TITLES.items():
            columns = ["scenario", "queries (baseline)"]
            for name in configs:
                columns += [f"{name} req/s", f"{name} p50 ms", f"{name} p99 ms",
                            f"{name} baseline req/s", f"{name} req/s ÷ baseline"]  # fmt: skip
            if READERS[reader] == "cold":
                columns.append("seq scans of updates")
            lines += [
                f"### Size {size_name}, {title}",
                "",
                "| " + " | ".join(columns) + " |",
                "|---|" + "---:|" * (len(columns) - 1),
            ]
            for scenario, inspected in run["inspected"][reader].items():
                cells = [scenario, f"{inspected['queries']} "
                         f"({run['baseline_queries'].get(scenario, '—')})"]  # fmt: skip
                for name in configs:
                    result = run["configs"][name]["results"][scenario]
                    app, base = result[reader], result.get("baseline")
                    cells += [f"{app['throughput']:.0f}", f"{app['p50']:.2f}", f"{app['p99']:.2f}"]
                    cells += (
                        [f"{base['throughput']:.0f}",
                         f"{ratio(app['throughput'], base['throughput']):.2f}x"]
                        if base else ["—", "—"]
                    )  # fmt: skip
                if READERS[reader] == "cold":
                    cells.append(f"{inspected['sequential_scans']} of {inspected['reads_updates']}")
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
        for name in configs:
            if dashboard := run["configs"][name].get("dashboard"):
                lines.append(
                    f"Dashboard at size {size_name}, {name}: {describe_dashboard(dashboard)}."
                )
        lines.append("")
    return lines


def print_scenarios(measured):
    """The figures of a run of chosen scenarios: each reader's req/s and p50, and its ratio to
    the baseline's req/s."""
    for size_name, run in measured.items():
        for config, figures in run["configs"].items():
            print(f"Size {size_name}, {config}:")
            for scenario, result in figures["results"].items():
                base = result.get("baseline")
                cells = [
                    f"{reader} {result[reader]['throughput']:.0f} req/s "
                    f"p50 {result[reader]['p50']:.2f} ms"
                    + (f" ({ratio(result[reader]['throughput'], base['throughput']):.2f}x)"
                       if base else "")
                    for reader in READERS
                ]  # fmt: skip
                if base:
                    cells.append(
                        f"baseline {base['throughput']:.0f} req/s p50 {base['p50']:.2f} ms"
                    )
                print(f"  {scenario:16} " + "; ".join(cells))
            if figures["dashboard"]:
                print(f"  dashboard: {describe_dashboard(figures['dashboard'])}")


def describe_dashboard(figures):
    return (
        f"first view {figures['first_view_requests']} API requests, settled in "
        f"{figures['first_view_ms']:.0f} ms; a filter change {figures['filter_change_requests']} "
        f"requests, settled in {figures['filter_change_ms']:.0f} ms"
    )


def issue_goals(run, config):
    """The performance issue's goals in one configuration of one size's run: (goal, figure,
    met) each."""
    results = run["configs"][config]["results"]
    goals = []
    for reader, who in (
        ("warm", "anonymous"),
        ("token", "token reader"),
        ("cleared", "cleared token reader"),
    ):
        for name, result in results.items():
            if "baseline" in result:
                throughput = ratio(result[reader]["throughput"], result["baseline"]["throughput"])
                goals.append((f"{name} warm, {who}: req/s ≥ {WARM_RATIO_MIN}x the baseline",
                              f"{throughput:.2f}x", throughput >= WARM_RATIO_MIN))  # fmt: skip
    for name, minimum in COLD_RATIO_MIN.items():
        result = results[name]
        throughput = ratio(result["cold"]["throughput"], result["baseline"]["throughput"])
        goals.append((f"{name} cold: req/s ≥ {minimum}x the baseline", f"{throughput:.2f}x",
                      throughput >= minimum))  # fmt: skip
    search = results["search"]
    goals.append((f"search cold: p50 ≤ {SEARCH_P50_MAX_MS} ms",
                  f"{search['cold']['p50']:.1f} ms (baseline {search['baseline']['p50']:.1f} ms)",
                  search["cold"]["p50"] <= SEARCH_P50_MAX_MS))  # fmt: skip
    dashboard = run["configs"][config].get("dashboard")
    goals.append((
        f"dashboard: settled ≤ {DASHBOARD_SETTLED_MS / 1000} s with ≤ "
        f"{DASHBOARD_FIRST_VIEW_REQUESTS} requests",
        f"{dashboard['first_view_ms']} ms, {dashboard['first_view_requests']} requests"
        if dashboard else "not measured",
        bool(dashboard) and dashboard["first_view_ms"] <= DASHBOARD_SETTLED_MS
        and dashboard["first_view_requests"] <= DASHBOARD_FIRST_VIEW_REQUESTS,
    ))  # fmt: skip
    return goals


def guard_goals(measured, size_name, config):
    """Earlier issues' goals, kept as guards, in one configuration: (goal, figure, met) each."""
    run = measured[size_name]
    results = run["configs"][config]["results"]
    goals = []
    dashboard = run["configs"][config].get("dashboard")
    if dashboard:
        requests = dashboard["filter_change_requests"]
        goals.append((f"dashboard: a filter change makes ≤ {DASHBOARD_FILTER_CHANGE_REQUESTS} "
                      "requests", f"{requests} ({dashboard['filter_change_ms']} ms)",
                      requests <= DASHBOARD_FILTER_CHANGE_REQUESTS))  # fmt: skip
    revalidation = ratio(results["revalidation"]["cold"]["p50"], results["list"]["cold"]["p50"])
    goals.append((f"revalidation: a cold 304 of the list ≤ {REVALIDATION_MAX}x its full cold 200 "
                  "at p50", f"{revalidation:.2f}x", revalidation <= REVALIDATION_MAX))  # fmt: skip
    scans = sum(
        inspected["sequential_scans"]
        for reader in READERS
        for inspected in run["inspected"][reader].values()
    )
    goals.append(("no sequential scan of the status updates in any scenario's plans (EXPLAIN)",
                  str(scans), scans == 0))  # fmt: skip
    if size_name == "M" and "S" in measured:
        small = measured["S"]
        for name in sorted(WITHOUT_BASELINE - {"revalidation"}):
            queries = [measured[size]["inspected"]["cold"][name]["queries"] for size in ("S", "M")]
            goals.append((f"{name} cold: the same queries at S and M",
                          f"{queries[0]} and {queries[1]}", queries[0] == queries[1]))  # fmt: skip
        for name in SCALING_SCENARIOS:
            before = small["configs"][config]["results"][name]["cold"]["p50"]
            scaling = ratio(results[name]["cold"]["p50"], before)
            goals.append((f"{name} cold: p50(M) ÷ p50(S) ≤ {SCALING_MAX}", f"{scaling:.2f}",
                          scaling <= SCALING_MAX))  # fmt: skip
    return goals


def goal_table(rows_by_config):
    """A table of goals with a column per configuration; and the missed ones, as (goal,
    configuration, figure)."""
    configs = list(rows_by_config)
    lines = ["| goal | " + " | ".join(configs) + " |", "|---|" + "---|" * len(configs)]
    missed = []
    for index, (goal, _, _) in enumerate(rows_by_config[configs[0]]):
        cells = []
        for config in configs:
            _, figure, met = rows_by_config[config][index]
            cells.append(figure if met else f"**{figure} MISSED**")
            if not met:
                missed.append((goal, config, figure))
        lines.append(f"| {goal} | " + " | ".join(cells) + " |")
    return lines, missed


def goals(measured, configs):
    """The goals' section of the report, and every goal missed as (goal, configuration, figure).
    The issue states its goals at size M; without M they are checked at the largest size run,
    for a look only."""
    size_name = "M" if "M" in measured else list(measured)[-1]
    run = measured[size_name]
    issue, missed = goal_table({config: issue_goals(run, config) for config in configs})
    guards, missed_guards = goal_table(
        {config: guard_goals(measured, size_name, config) for config in configs}
    )
    note = (
        "" if size_name == "M"
        else f" (size M was not run: checked at size {size_name}, for a look only)"
    )  # fmt: skip
    lines = [
        f"The performance issue's goals (issue 26), at size {size_name}{note}, in each "
        "configuration:",
        "",
        *issue,
        "",
        "Goals of earlier issues, kept as guards:",
        "",
        *guards,
        "",
    ]
    return lines, missed + missed_guards


def why(missed):
    """A line per goal missed, for the integrator to say why (from this round's profiling)."""
    if not missed:
        return ["Every goal is met.", ""]
    by_goal = {}
    for goal, config, figure in missed:
        by_goal.setdefault(goal, []).append(f"{config} {figure}")
    return [
        *(f"- **{goal}** ({'; '.join(figures)}): _why: to be written._"
          for goal, figures in by_goal.items()),
        "",
    ]  # fmt: skip


def method(measured, configs, minutes):
    """The report's opening: what was measured, how and for how long."""
    served = "; ".join(f"**{name}**: {CONFIGS[name].title}" for name in configs)
    durations = ", ".join(f"{run['duration']} s at size {name}" for name, run in measured.items())
    taken = ", ".join(f"size {name} {run['minutes']:.1f}" for name, run in measured.items())
    return [
        f"Server configurations, side by side ({served}): the app and the baseline are "
        "served alike in each (gunicorn, DEBUG off), and wrk loads them with the "
        "configuration's connections. Every scenario is loaded for "
        f"{durations} (after a warm-up: two rounds of as many requests as connections) by "
        "each reader in turn: the warm app (the versioned response cache on, as in production) "
        "read anonymously, the warm app read with an API token (a Viewer's, `Authorization: "
        "Token`) and with a cleared one (a Viewer of the Coalition group, whose view is computed "
        "from the records their clearance reads), the cold app (`RESPONSE_CACHE=false`: every "
        "request does the view's work) read anonymously and with the cleared token, and the "
        "baseline. Before the load, each scenario's answer to every reader was checked to "
        "hold the baseline's data. Latencies in milliseconds. Queries are counted per request "
        "in Django (the baseline's in its own header). The 304 revalidation has no baseline: "
        "its goal compares it with the full cold list. The dashboard is opened in Chromium "
        "(bench/dashboard.py) against the warm app.",
        "",
        f"The run took {minutes:.0f} minutes ({taken}).",
        "",
    ]


def machine():
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    postgres = subprocess.run([*PSQL, "-At", "-c", "SHOW server_version"], capture_output=True,
                              text=True).stdout.strip()  # fmt: skip
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(memory) // 1024**2} GiB; PostgreSQL {postgres} on "
        f"the same machine; Python {platform.python_version()}; wrk {wrk_version}"
    )


def drop_databases(measured, options):
    """Drops the databases the run filled, unless --keep. Most of a gigabyte at M: left behind,
    it would be copied by every pg_basebackup of the cluster (the read replicas' tests make
    one)."""
    for run in measured.values():
        if options.keep:
            print(f"Kept {run['database']}: --template {run['database']} copies it.")
        else:
            subprocess.run(
                [*PSQL, "-c", f"DROP DATABASE {run['database']} WITH (FORCE)"], check=True
            )


def main():
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--sizes", default="S,M")
    parser.add_argument(
        "--configs", default=",".join(CONFIGS), help=f"of {', '.join(CONFIGS)}, comma-separated"
    )
    parser.add_argument(
        "--duration", type=int, default=os.environ.get("BENCH_DURATION"),
        help="seconds of load per scenario, reader and configuration, at every size "
        f"(default: {', '.join(f'{size} {seconds} s' for size, seconds in DURATIONS.items())})",
    )  # fmt: skip
    parser.add_argument("--databases", default="bench", help="the databases' prefix (bench_s...)")
    parser.add_argument("--port", type=int, default=8771, help="the first of three ports")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/3", help="emptied first")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    parser.add_argument(
        "--scenarios",
        help="only these (comma-separated; `dashboard` for the dashboard): "
        "print their figures, check no goal, write nothing",
    )
    parser.add_argument(
        "--template", help="a database filled earlier, copied instead of generating (one size)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the filled databases, for --template"
    )
    options = parser.parse_args()
    if options.scenarios:
        options.scenarios = set(options.scenarios.split(","))
        options.no_write = True
    if options.template and "," in options.sizes:
        parser.error("--template copies one database: name one size")
    options.configs = options.configs.split(",")
    if unknown := set(options.configs) - set(CONFIGS):
        parser.error(f"unknown configurations: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    # The dashboard's assets, served as in production; the same for every size.
    manage(environment(options.databases), "collectstatic", "--no-input")
    measured = {}
    for name in options.sizes.split(","):
        size = generate.SIZES[name]
        measured[name] = measure_size(size, options)
        measured[name]["counts"] = (
            f"{size.commitments:,} commitments, ~{size.updates:,} status updates"
        )
    if options.scenarios:
        drop_databases(measured, options)
        print_scenarios(measured)
        return
    imported = (
        import_rate(measured["M"]["env"]) if "M" in measured else "not measured (size M not run)"
    )
    drop_databases(measured, options)
    minutes = (time.monotonic() - started) / 60
    goal_lines, missed = goals(measured, options.configs)
    summary = [
        "# Performance",
        "",
        f"Measured by `make bench` on {datetime.datetime.now(datetime.UTC).date():%Y-%m-%d}: {machine()}.",
        "",
        *method(measured, options.configs, minutes),
        *(
            f"Size {name}: {run['counts']}; generated in {run['load_seconds']:.1f} s."
            for name, run in measured.items()
        ),
        "",
        *tables(measured, options.configs),
        "## Goals",
        "",
        *goal_lines,
        "## Why the goals marked MISSED are missed",
        "",
        *why(missed),
        "## Bulk import",
        "",
        f"- {imported}",
        "",
    ]
    text = "\n".join(summary)
    print("\n" + text)
    for goal, config, figure in missed:
        print(f"MISSED ({config}): {goal}: {figure}")
    if not options.no_write:
        REPORT.write_text(text + "\n" + REPORT_TAIL)
        print(f"Written to {REPORT.relative_to(ROOT)}.")


REPORT_TAIL = """
## What this round changed (2026-12-06), and how it was measured

The tables at the top are one `make bench` run of all this round's code, on a quiet machine.
Each change below was measured while it was made, on the same machine shared by eight
concurrent runs (load average 20 to 40 on its 2 cores): wrk's figures from those runs moved by
2x to 10x from one run to the next (the baseline alone from 39 to 806 req/s), so they are not
kept here. What is kept is what held under that load: CPU time read in process or from /proc,
before and after alternated in the same minutes, EXPLAIN ANALYZE, and counts (queries,
connections, bytes).

### A token reader's hit without the token's queries

Redis remembers each token's user, visibility class and expiry (`commitments/api/readers.py`),
stamped with a readers' version that any change of who may use a token or what they see moves
(a token deleted, a user saved or deleted, groups or permissions changed: signals, at once and
again on commit). A token reader's hit then reads no token, user or permission, and for staff
classes the data version and the review queue's version are read in one statement
(`selectors.data_and_review_queue_version`): one query, as for an anonymous hit, and one Redis
round trip more (the remembered reader). What no signal sees (an `update()`, SQL by hand) is
seen within `TOKEN_READER_CACHE_SECONDS` (300); without a shared Redis every token is checked in
the database, as before. A hit's queries before → after: a token holder of no role 3 → 1, staff
with a token 4 → 1 (the benchmark's Viewer), staff signed in 5 → 4. In process, 2,000 hits of a
Viewer's token a path, the one statement instead of two saved 36-96 µs of CPU a hit (median of
paired rounds).

The remembered reader now rides in the response lookup's Redis pipeline: each process keeps a
hint of the reader it last found for each token, keys the lookup by the hint's class, and
reads the entry, the remembered reader and the readers' version with the rate count in one
round trip (counted on redis-py's connection in `tests/test_token_reader_cache.py`: 1, as an
anonymous hit); the entry is served only when Redis confirms the hint in that trip, and a wrong
hint (rights changed) costs a second trip, never another class's body. In process (a WSGI call
loop, blocks of 200 hits alternated with anonymous ones, median of paired blocks over three
rounds), a token hit's CPU beyond an anonymous hit's: a token holder of no role +27 to +168 µs
→ -25 to +37 µs (the same); the Viewer (staff) +213 to +339 µs → +72 to +178 µs, what remains
being the staff class's version statement. A staff miss reads the review queue's version once
(the view uses what the middleware read), not twice.

### Warm hits under gthread: connections shared between workers

In the 2026-12-06 morning run, `feed_deep` and `list_filtered` hits ran at half the speed of
`feed` and `list` under gthread. Not the hits: wrk opens 16 kept-alive connections at once, and
gunicorn's threaded worker accepts every connection it is offered and keeps it, so the worker
that woke first took nearly all (counted with `ss`: 16/0 three times, 15/1 twice, 14/2, 12/4 in
seven loads; CPU 85 and 16 ticks), and a hit is Python under the GIL: one process, one core.
The baseline, served by the same gunicorn.conf.py, drew its own lot, which is why the ratios
swung both ways. The gthread worker is now gunicorn's, except that a worker whose threads are
all busy stops accepting until one is free (`coalition/gunicorn_workers.py`;
`tests/test_gunicorn_workers.py` fails on gunicorn's own worker): 10/6, 9/7, 9/7 in the same
trials, CPU 72/67, 33/33, 72/61. A load balancer's pool or a dashboard's parallel reads gain the
same. And a hit for a client that does not accept gzip (wrk, curl, .NET's and Java's HTTP
clients by default) no longer inflates the stored body on every request: a process keeps what
it inflated, up to 8 MiB (`compression.decompress`): 190-770 µs → 11-16 µs a hit.

### The floor of a request

What every request the response cache does not answer pays around its own work, in process
(the WSGI handler called directly, production settings, `RESPONSE_CACHE=false`, Redis as the
cache, a copy of M; the serving thread's CPU, medians of 300 requests, before and after
alternated twice):

| part of a cold request (µs of CPU) | summary | list, `page_size=1` | feed |
|---|---:|---:|---:|
| the floor: all but the view's own work and orjson, before → after | 950-1,170 → 960-1,040 | 1,280-1,740 → 1,360-1,390 | 1,330-1,690 → 1,390-1,630 |
| Content-Security-Policy, before → after | 66-70 → 5-6 | 75-88 → 7 | 73-82 → 7 |
| the access line, before → after | 51-57 → 45-48 | 69-93 → 66-68 | 68-83 → 69-74 |
| DRF's throttles, of which the Redis count's round trip | 164-218, 137-185 | 281-380, 242-328 | 283-351, 245-303 |
| the ETag's fingerprint, of which the data version | 167-296, 106-221 | 208-342, 126-228 | 216-375, 144-268 |
| the other middleware, their own time | 210-230 | 260-340 | 320-400 |
| URL resolution | 29-33 | 78-105 | 81-108 |

Cut: the CSP header is built once per process (`commitments.middleware.ContentSecurityPolicyMiddleware`,
django-csp's own `build_policy` of the settings; django-csp built it twice a response for
nonces, decorators and a report-only policy the project does not use), and log records no longer
gather the caller's file and line, thread and process, which no formatter writes. Measured and
left: content negotiation's short cut for `*/*` (6 µs), parsing each rate once (2-3 µs), the
day's start once a day (3 µs), the metrics (2.5 µs). What remains is mostly two round trips: a
Redis command costs 80-95 µs of CPU in redis-py whether pipelined or not, and the data version is
Django's health check `SELECT 1` and the version's query.

### The cold commitment list and detail: planned once

PostgreSQL planned the list's and a commitment's statements on every request, and planning cost
more than running: at M the unfiltered page 0.8 ms to plan for 0.2 to run, the related rows 0.4
for 0.2, a commitment's four statements 0.3, 0.2, 0.6 and 1.1 ms for 0.05-0.15 each.
`execute_prepared` (`commitments/selectors/raw_sql.py`) runs a statement as a server-side
prepared statement, prepared in the same round trip as its first run, at most 64 a connection,
and only where the plan cannot depend on the values: reads by an id, a code or an array of ids,
and a page with no parameter. A filtered page is not (a generic plan of
`pillar=military&status=on_track` ran 5.9 ms against 1.2 in one measurement, until the
afternoon's indexes in the list's order, below); PostgreSQL itself re-planned the as-of page
(until the afternoon, below). (So the app needs session-level pooling if a pooler sits between it
and PostgreSQL: a prepared statement lives in its session.) App + PostgreSQL CPU per request, in
process at M, two rounds alternated, inflated by the load (the comparison within a round holds):

| read | before, ms | after, ms |
|---|---:|---:|
| list | 11.3-11.4 | 9.1-9.8 |
| list_filtered | 16.1-16.2 | 14.9-15.0 |
| as_of_list | 19.2-21.1 | 20.4-20.8 |
| detail_few | 10.0-10.5 | 6.4-6.8 |
| detail_hot | 9.6-11.1 | 6.6-6.9 |

### The cold feed: its pages compiled once

A cold page of the feed spent 6-7 ms of CPU: 1-1.4 ms in DRF's `initial`, 0.3 ms building the
queryset, 0.6-0.9 ms compiling it (as long without its two per-row subqueries: the joins and
columns are the cost, not the subqueries, as this page said before), 0.5 ms running and reading
it, 0.85-1 ms representing 50 rows, 0.15-0.3 ms for the page's links (each made twice). The feed
asked with no parameter but its cursor and page size (what readers and the dashboard poll) is
now read by `PagesCompiledOnce` (`commitments/api/pagination.py`): its SQL compiled once per
process, database, day and shape, the cursor's position a parameter; each link is made once.
Any filter or format still goes through the ORM. Alternated three times in process: the feed
5.95-6.81 → 4.30-5.09 ms of CPU, the deep cursor 6.14-7.09 → 3.76-4.91.

### The afternoon's cold reads: the list's rows, a filtered list, the as-of list

Measured like the rest of this section, by five concurrent helpers (load average 10 to 20):
CPU per request in process on copies of the size-M template (the WSGI handler or the test
client, production settings, `RESPONSE_CACHE=false`, Redis as the cache, before and after
alternated, medians of rounds of 150 to 400 requests), PostgreSQL's backend CPU from /proc,
EXPLAIN ANALYZE; every response body compared with the morning's code's.

- **The representation** (`commitments/api/representation.py`): each serializer's declared
  fields are compiled into one function a row (one dict of expressions, not a closure a field),
  what is the same for a whole response (the time zone, each link's pattern) is read once per
  response, and each link's path is reversed once per process (`reverse()` per URLconf and
  script prefix; the request still makes it absolute, `?format=` kept as DRF keeps it): 50
  commitments 0.93-1.37 → 0.86-0.89 ms. A page's next and previous links are made once, for
  the body and the Link header alike (the feed's memo, now in `LinkHeader`).
- **The plain list's pages** (`UnfilteredPages`, `commitments/api/pagination.py`): the list no
  parameter narrows or orders reads each page by SQL compiled once per process, database,
  day, visibility class and page, and, while the response cache is on, counts itself once per
  data version (so page 2 after page 1 does not count again; with `RESPONSE_CACHE=false`, the
  benchmark's cold reader, it counts every time). In cProfile the list's paging went from 9.5
  to 1.7 ms of 36 (the profiler inflates about 4x). The whole cold list, app CPU: 6.4-8.3 →
  4.4-5.5 ms (with the count memo; it is off in the tables above), a commitment 3.9-4.7 →
  3.6-4.0 ms. Left, with their cProfile share of a cold list of 20 ms: DRF's `initial` (the
  throttle's Redis count, 2.1), `attach_related` (2.2), `point_in_time`'s form when no date
  is asked (0.7), URL resolution (0.7). The throttle as one Lua script instead of a pipeline:
  39-50 against 45-52 µs, not taken.
- **A list filtered by pillar and status**: two indexes in the list's own order (migration
  0037: (current_status, document, paragraph, code) replaces the status index, and (pillar,
  current_status, document, paragraph, code)), the pillar filtered by the ids found when its
  slugs were checked rather than a join on the slug (the join kept PostgreSQL from walking the
  index in order), `CommitmentFilter.quick_values` reading pillar and status directly when they
  (and the page) are all the query holds and every value is valid (anything else, any bad value
  included, goes through django-filter, whose 400 names the field), and the page and count
  compiled once per shape with the values as parameters (`FilteredCompiledOnce`), prepared where
  the generic plan walks the new indexes whatever the values (one pillar and one status; one
  status). EXPLAIN ANALYZE at M: the count a bitmap scan of 342 heap pages (0.56-0.6 ms) → an
  index-only scan (0.05 ms); the page read and sorted every match (1.1-1.3 ms, planned in
  0.6-0.8) → the first 50 index entries (0.15 ms). App CPU 8.0-8.1 → 4.9-5.3 ms, PostgreSQL's
  4.3-4.6 → 1.2-1.3 ms. What grew from S to M (reading every match) is gone. A pillar alone, a
  theme, or several values are planned each time: their best plan depends on how many match.
- **The as-of list**: an index of the commitments' creation times (migration 0038) makes its
  count an index-only scan (2,934 pages and 7 ms → 11 pages and 0.85 ms at M; the baseline's
  count gains it too, since it counts the same way on the same tables), and its page and count
  are prepared once per connection with the day hidden from the planner (`(SELECT
  value::timestamptz)`): PostgreSQL had re-planned the page each time, since with the day in
  view the custom plan always looked cheaper (estimated 1,219 against 1,388); now one plan,
  read off the list's order index and filtered by the day, planned in 0.03 ms instead of
  1.55-1.78. PostgreSQL CPU per request 8.4-9.2 → 2.0-2.4 ms, app + PostgreSQL 17-20.5 → 10-14
  ms. Only the as-of list with no other filter (`plans_alike`): hiding the day in every as-of
  read turned the as-of summary's merge join into a hash join.

### Large bodies: `changes`, `matrix` and `timeline`

`changes` and `matrix` were never kept: over `RESPONSE_CACHE_MAX_BYTES` (1 MiB) as rendered,
though the cache keeps JSON and CSV gzipped. The bound is for the cache's memory, so it now
applies to the entry as kept; its default stays. At M, rendered → gzipped: a week's `changes`
2.82 → 0.26 MB (now kept), `matrix` 4.43 → 0.61 MB (now kept), every contribution as CSV 8.28 →
0.90 MB (now kept), every commitment as CSV 7.96 → 1.26 MB (still not), a year's `changes` 96.5
→ 9.35 MB (not). Cold: the matrix groups the 50,000 contributions by ids, a hash, where grouping
by names sorted 9.6 MB of wide keys on disk (the query 0.90 → 0.21-0.36 s), and writes a cell out
directly; `changes` adds its counts up from the states it read instead of reading all 10,000
commitments' states on both dates a second time, and writes a change out directly (CPU 180-193
→ 138-156 ms in process). The timeline's 130,000 lateral reads are what the baseline does too.

### PostgreSQL's JIT off

PostgreSQL's JIT compiles a query to machine code when its estimated cost is high, which the
time axes' reads are. Serving processes and replicas now connect with `-c jit=off`
(`coalition/settings.py` SESSION_SETTINGS; DATABASE_URL's own options win). In process at M,
two rounds alternated, three reads each: the timeline's cold read 1.17-1.25 s → 0.75-0.86 s, an
as-of summary's first 86 → 73-74 ms; the week's changes (0.31-0.43 s after the first), the
matrix and the as-of list unchanged.

### Search: one word ranked in advance, measured and not taken

The goal of a 32 ms search under 16 connections needs some 500 cold searches a second on 2
cores. Tried: a table of each commitment's words with the rank PostgreSQL's own `ts_rank` gives
each (for one lexeme and no normalization the rank depends on that lexeme's positions alone, so
it is exact), kept by row triggers in the statement that writes the vector, and an index on
(word, rank, Roadmap order). At M for 36 words its counts and whole orders equalled the ranked
query's; the page's statement went from 21.5-30 ms to 0.24-0.30 ms, the count from 2.2-2.8 to 1.0
ms, and a whole search to about what a page of the plain list costs (76 against 124 ms, under
load). Not taken: under 16 connections a search would then queue like the list does (128 ms cold
at p50 in the morning run), still far from 32 ms, for a table of 345,000 rows (68 MB), a
migration of 16-27 s, a commitment's write 2-4 times dearer and an import touching every
commitment three times slower (5.3 → 15.4 s). The 32 ms goal is met with 2 connections.

### Tracing's cost

OpenTelemetry tracing is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and then nothing of
it is imported (`tests/test_tracing.py`). Its cost when on was measured only on the loaded
machine, where two runs of the same setting differed more than on from off: to be measured
before tracing every request (or sample, `OTEL_TRACES_SAMPLER=parentbased_traceidratio`).

## What a hit costs

Measured by hand on the development machine (2 cores shared with other work, load 3 to 12),
not by `make bench`: a warm hit of the feed (`/api/v1/updates/`, a 36 KB page of JSON) and of a
commitment (`FEW-1`, 5.7 KB) at size M, production settings, Redis as the cache. In process,
the WSGI handler called directly, medians of 1,500 to 3,000 calls, before this round's change:

| part of a hit | µs |
|---|---:|
| the whole hit of the feed; for a client that accepts gzip | 1,170-1,330; 1,500-1,730 |
| the data version through the ORM (the queryset compiled on every request) | 360-570 |
| the same query written out (`selectors.cache.DATA_VERSION_SQL`) | 90-130 |
| `CONN_HEALTH_CHECKS`' `SELECT 1`, once a request | 43-53 |
| the anonymous rate's count: Django's `incr` is an `EXISTS` and an `INCRBY`, two round trips | 240 |
| the entry's `GET` and unpickling | 120-140 (unpickling 3) |
| gzip of the feed's body, again on every hit of a client that accepts it | 210 (360 in the stack) |
| the key (SHA-256 of the address), the `HttpResponse` from the entry | 9, 6 |
| the middleware around the cache, self time each | CSP 64, CORS 18, session 18, common 15, compression's checks 14, security 10, rate-limit headers 7, CSRF 4, authentication 4, WhiteNoise 2 |
| outside the middleware (the WSGI handler, the request, signals) | 75-85 |

So a hit was two PostgreSQL round trips, three Redis round trips, the ORM's compilation and,
for every browser, a fresh gzip of the whole body. Now (`commitments/api/response_cache.py`):

- **The data version is one written-out statement**: same SQL, same fingerprint, no
  staleness; it saves the compilation on every API read, hit or not.
- **One Redis round trip**: the entry's `GET` and each throttle's count (`SET` 0 with the
  window's expiry unless it exists, `INCR`) go in one pipeline
  (`coalition.redis_cache.CountingCache`); a request is counted once, hit or miss, and the
  view's throttle judges a miss or a request over the rate on that count. Outside the response
  cache a count is one round trip too, not two or three.
- **Bodies are kept gzipped**: JSON and CSV are compressed once, when stored; a client that
  accepts gzip is sent those bytes (the compression middleware's share of a hit: 360 → 20 µs),
  any other the body decompressed (29 µs for the feed's). An entry of the feed takes 4.3 KB of
  Redis instead of 36 KB.

Before against after, alternated in the same run:

| measured | feed | feed, gzip | commitment | commitment, gzip |
|---|---:|---:|---:|---:|
| CPU time of a hit in process, after ÷ before (2 rounds of 1,500 hits) | 0.64-0.82 | 0.43-0.73 | 0.54-0.69 | 0.46-0.61 |
| gunicorn, 2 sync workers, `wrk -t1 -c16 -d5s`: req/s after ÷ before (median of 3 rounds) | 1.59 | 1.64 | 1.26 | 1.57 |
| the same runs, req/s ÷ the baseline's: before → after | 0.37 → 0.47 | 0.33 → 0.56 | 0.46 → 0.53 | 0.48 → 0.65 |

The machine was at load 10 to 12 during the gunicorn runs (25 to 60 requests a second where a
quiet run serves about 1,000), so the ratios to the baseline say little about the goal:
`make bench` on a quiet machine does. With 2 gthread workers of 4 threads the same runs
ranged from 0.75 to 4.2 after ÷ before, too noisy to read.

Measured and not taken, this round:

- **The data version kept in the process** (a short TTL, or moved on by LISTEN/NOTIFY): its
  upper bound, every hit served with a version read once, took a hit to 0.71 of its CPU time
  and 0.59 of its wall time (6 alternating rounds of 400 hits at load 12, where every
  PostgreSQL round trip waits its turn). The largest saving left, but a TTL lets a write made
  through one process go unseen by the others' reads for up to the TTL, which breaks what
  the response cache promises (a write is visible to the very next read, README and
  docs/reliability.md); its own process could forget its copy, but writes also come from
  other workers, management commands and database shells. LISTEN/NOTIFY narrows the window to
  the notification's delay, at the price of a listening connection per process and a fallback
  when it drops. Worth doing with the promise restated as "within N ms".
- **The CSP header built once**: django-csp builds the policy twice per response (65-100 µs);
  a constant header took a hit to 0.86 of its CPU time. Done since ("The floor of a request").
- **The health check** (43-53 µs): a reliability setting (a restarted database costs one
  failed check instead of an error), kept. **The rest of the middleware** (about 150 µs): each
  writes headers a hit must carry as a computed response does, kept. **Unpickling, the
  response object** (3 and 6 µs): not worth it.

## The cold path

Where a request the response cache cannot answer spends its time, and what this round changed.

- **As of a date, cold**: `?as_of=` read the update in effect on the date through five
  correlated subqueries per commitment (status, progress, as-of date, recorded, approved), each
  finding the same update again; the page's query took 6.4 ms to run and 4.0 ms to plan at M,
  and a page deep in the list 4.2 s (the subqueries ran for every row skipped). The update is
  now joined once per commitment (`commitments/models/in_effect.py`): a LATERAL join on
  PostgreSQL, as the timeline and the baseline read it (0.8 ms to run, 1.7 ms to plan; 0.54 s
  for page 100), a join on the id of a correlated subquery on SQLite; the count and the ids
  the summary counts leave it out, and its SQL is compiled once per date. In-process, the
  request's CPU fell from 19.5 to 15.3 ms and its ratio to the baseline from 0.36 to 0.42 (old
  and new alternated in one process on a loaded machine); a filter by the status then went
  from 0.35x to 0.83x. A short wrk run (2 cold gunicorn workers, 2 connections, the same
  loaded machine, app and baseline in turn) gave 0.14-0.19x before and 0.22-0.23x after. What
  is left is the list's own cost (the filter set, the count, the representation), which the
  list's cold path shares.
- **Feed, cold**: the SQL is under a millisecond (statusupdate_feed_idx, first page and deep
  cursor alike); the rest is Python. The feed's query is now built once per serializer and
  cloned per request (`rows_of` in `commitments/api/updates.py`), where building its joins and
  two subqueries cost as long as the database took to answer: about 7% of the request's CPU.
  What remains is the floor every request pays (middleware, the throttle's and the data
  version's round trips), compiling the query (its joins and columns; compiled once since, "The cold feed" above), and representing 50 rows with two times and two
  links each. The same wrk run: 0.15x before, 0.19x after.

## Where a cold list or commitment spends its time

Measured in process at size M on a copy of the benchmark's data (django.test.Client with the
production settings and RESPONSE_CACHE=false; the CPU time of the thread that serves, median of
30 requests, since the shared machine's load made wall times meaningless; PostgreSQL's own
times from EXPLAIN ANALYZE).

- **A page of 50 commitments** makes 4 queries: the data version (a primary-key read); the
  count, of the filtered commitments alone (counting the page's queryset made PostgreSQL join
  all 10,000 with their pillar, document, parent and owner: 24 ms, against 0.8 ms now); the
  page, joined (0.3 ms along the Roadmap-order index, after 1.6 ms of planning); and the union
  of its themes, places, partners and children (1 to 1.5 ms). Python spends some 9.5 ms of
  CPU: 1 ms in the middleware, 1.8 ms in DRF's `initial` (authentication, the throttle's Redis
  count, the version), 2 ms building, compiling and reading the count and the page through
  the ORM, 0.8 ms on the related rows, 1.5 ms representing the 50 rows (the plan of
  `commitments/api/representation.py`, the time zone and the day read once a response) and
  0.3 ms in orjson. A filter adds a filterset of the filters it names only (about 1.5 ms for
  pillar and status, where building all fifteen took 4.6) and, for a pillar, one query that
  checks its slug.
- **A commitment** makes 5 queries (6 when it has children, read with their status only then):
  the version, the commitment, its related rows, its ten latest updates and its indicators.
  Python spends 7 to 8 ms of CPU (17 before): the updates' and indicators' querysets, with
  subqueries in their columns, are built and compiled once per process and day
  (`raw_sql.CompiledOnce`) instead of for each request. PostgreSQL still plans those two
  statements each time (0.7 and 1.1 ms of planning for 0.15 ms of execution each): server-side
  prepared statements (psycopg 3 with server-side binding) would save that; not tried.
- What the baseline does not pay is now mostly the floor of every request (middleware,
  authentication, throttle and version: some 3 ms of CPU, the same for a warm hit) and the
  ORM's building and compiling of the list's count and page (about 2 ms).

## How a search is answered

A search shows the most relevant commitments first (`ts_rank` over the stored vector, then
the Roadmap's order, as the schema says); that stays exact. The page's keys are ranked from the
commitments table alone and only those 50 rows are joined with their pillar, document,
parent and owner, in one statement (`id = ANY(ARRAY(ranked keys))`; `CommitmentQuerySet.rows`
and `__getitem__`); before, PostgreSQL joined all 9,000 matches and sorted the wide rows whole.
For a search of one word, `ts_rank` puts every commitment holding the word in its code or
title (weight A) above every one holding it only in its text or summary (at least 0.61
against at most 0.46, whatever the positions; the bound is worked out in
`models.commitments._FirstByTitle`). So when at least as many commitments as the page needs
hold it there, the page is ranked from those alone, found by a GIN index of the vectors'
A-weighted words (`commitment_search_title_idx`, 776 kB at M): 1,564 ranked at M for the
scenario's word instead of 9,002, the same rows in the same order; otherwise (several words, a
phrase, a word left out, fewer title matches than the page needs) the same statement ranks
every match. Measured at M, in process on a copy of the template, alternated (machine loaded):
the page's statement 9.3 → 3.7 ms of PostgreSQL CPU (60 runs each), a whole cold search 13.9-14.3
→ 8.2-8.6 ms of PostgreSQL CPU and about 11 ms of Python's, unchanged (200 requests, three
rounds); a statement rewriting 2,000 vectors 329 → 452 ms at the median (310 → 314 at the
least). A search with no other filter is counted by its GIN index; PostgreSQL's cost model
expects that to cost about as much as matching every row's vector and scans the table, so the
count repeats the match with words the planner cannot see, whose small estimate makes it take
the index (3.5 against 8.2 ms of CPU; it still reads every page that holds a match). Measured
and left: ranking only the first candidates the GIN index returns (inexact: it returns matches
in table order); `ts_rank_cd` (half as dear again); the count in the page's statement
(`count(*) OVER ()`, dearer: it keeps every match); a covering index holding the vector (a
vector has no size bound, a B-tree entry has); an estimated or capped count (the API promises
the number of matches and the last page); a narrow table of (key, vector, order) on a copy:
the whole ranking 8.2 → 6.5 ms of CPU and the page ranked by title 3.0 → 2.2 ms, the count
unchanged (3.8 ms), for a second write of every change of a commitment's text or summary. What
is left is Python's share (the list's), the count, and a page ranked whole for searches of
several words.

## The cost of failing safely

Measured by hand on the development machine (2 cores shared with other work, load about 4),
not by `make bench`; each figure alternates the two cases in the same run.

- **Client-side deadlines** (`commitments/db_deadlines.py`, psycopg2's wait callback): a
  `SELECT 1` through psycopg2 took 24 µs blocking and 27-28 µs through the callback (5,000
  queries each); a read of the data version through the ORM took about 410 µs either way (15
  rounds of 2,000 reads: median paired difference 14 µs, within the noise).
- While the callback is registered, psycopg2 refuses COPY: the admin's import, at most
  `ADMIN_IMPORT_MAX_BYTES` (some 10,000 rows), INSERTs its rows instead: 10,000 rows of the
  same shape in 0.45-0.5 s, against 0.4 s without the callback. `manage.py import_updates`
  has no deadline, and keeps COPY.
- **Redis as an optional cache** (`coalition.redis_cache.FailOpenRedisCache`): a cache read
  takes 57 µs, the same as without the wrapper (11 rounds of 5,000 reads: median paired
  difference 1.5 µs).

## How to read and repeat this

`make bench` reruns all of it (about 25 minutes on 2 cores: the databases `bench_s` and
`bench_m` are made and filled at the start, and dropped at the end). `make bench
BENCH_ARGS="--sizes S --duration 1 --no-write"` is a quick look (CI runs it with `--configs
gthread`, one configuration); `--databases`, `--port` and `--cache-url` keep a run apart
from another on the same machine; `--scenarios list,detail_few --sizes M --template
filled_m` measures chosen scenarios on a copy of a database filled earlier (`--keep`), in a minute.
The data are generated by `bench/generate.py` from a fixed seed; the baseline is `bench/baseline.py`, and a run stops before loading anything if the
baseline's answer to a scenario holds other data than the app's (for any reader). Figures from a
shared or busy machine vary from run to run by 10-20%; the ratios, measured in the same
minutes, vary less. `bench/scaling.py` measures one app process against two (docs/scaling.md).
"""


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()

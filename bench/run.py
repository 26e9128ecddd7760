"""The benchmark (make bench): the API against a hand-written baseline, at two data sizes.

For each size (S, then M): a fresh PostgreSQL database is migrated and filled by generate.py;
the app is served twice (gunicorn, DEBUG off, as in production): warm, with the versioned
response cache on, and cold, with RESPONSE_CACHE=false; the baseline (baseline.py, the same
gunicorn) beside them, all on loopback. wrk loads each scenario for a fixed time, warm, cold
and baseline in turn; inspect_queries.py counts the queries of each scenario and EXPLAINs
them; dashboard.py opens the dashboard in Chromium against the warm app. Then the bulk import
of status updates is timed on the M database.

Prints a warm and a cold table per size, the dashboard's figures, the scaling p50(M)/p50(S)
and the goals of the performance issue, and writes them to docs/performance.md with a
description of the machine.

    python bench/run.py [--sizes S,M] [--duration SECONDS] [--connections N] [--no-write]
"""

import argparse
import base64
import contextlib
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT / "reliability"), str(BENCH)]

import generate  # noqa: E402
from dashboard import measure_dashboard  # noqa: E402
from server import BIN, environment, gunicorn, manage  # noqa: E402

APP_PORT, BASELINE_PORT, COLD_APP_PORT = 8771, 8772, 8773
WORKERS = 2  # gunicorn sync workers, for the app and the baseline alike: one per core
REPORT = ROOT / "docs" / "performance.md"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]

# Goals of the performance issue, checked on the figures of size M: warm, every scenario at
# least the baseline's throughput and no slower at p50; cold, a share of the baseline's
# throughput by kind of read; search and the dashboard in absolute terms.
WARM_RATIO_MIN = 1.0
COLD_RATIO_MIN = {
    "list": 0.5,
    "list_filtered": 0.5,
    "detail_few": 0.4,
    "detail_hot": 0.4,
    "feed": 0.3,
    "feed_deep": 0.3,
}
SEARCH_P50_MAX_MS = 32
DASHBOARD_FIRST_VIEW_REQUESTS, DASHBOARD_SETTLED_MS, DASHBOARD_FILTER_CHANGE_REQUESTS = 5, 1500, 3
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


def fresh_database(database, env, size):
    subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
    subprocess.run([*PSQL, "-c", f"CREATE DATABASE {database}"], check=True)
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")  # the dashboard's assets, served as in production
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


def etag_of(url):
    with urllib.request.urlopen(url) as response:
        return response.headers["ETag"]


WRK_LINE = {
    "throughput": re.compile(r"Requests/sec:\s+([0-9.]+)"),
    "p50": re.compile(r"^\s+50%\s+([0-9.]+)(us|ms|s)\s*$", re.M),
    "p99": re.compile(r"^\s+99%\s+([0-9.]+)(us|ms|s)\s*$", re.M),
    "errors": re.compile(r"Non-2xx or 3xx responses:\s+([0-9]+)"),
}
TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, headers, duration, connections):
    """Loads `url` with wrk (after a one-second warm-up); returns req/s, p50 and p99 in ms."""
    command = ["wrk", "-t1", f"-c{connections}", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    subprocess.run([*command, "-d1s", url], check=True, capture_output=True)
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


MODES = {"warm": "true", "cold": "false"}  # RESPONSE_CACHE of the app in each mode


def inspect(env, chosen):
    """Queries and plans of each scenario, as bench/inspect_queries.py reports them."""
    return json.loads(
        subprocess.run(
            [str(BIN / "python"), str(BENCH / "inspect_queries.py"), json.dumps(chosen)],
            check=True, capture_output=True, text=True, cwd=ROOT, env=env,
        ).stdout
    )  # fmt: skip


def measure_size(size, duration, connections):
    """Every scenario against the app warm (response cache on, the normal mode), the app cold
    (RESPONSE_CACHE=false: every request does the view's work) and the baseline."""
    database = f"bench_{size.name.lower()}"
    env = {
        **environment(database),
        "STALE_AFTER_DAYS": "180",
        "ROADMAP_PUBLIC_READ": "true",
        # As in production: throttle counts, the summary and the responses in the local Redis.
        "CACHE_URL": "redis://127.0.0.1:6379/3",
    }
    envs = {mode: {**env, "RESPONSE_CACHE": on} for mode, on in MODES.items()}
    print(f"Size {size.name}: generating into {database}...", flush=True)
    load_seconds = fresh_database(database, env, size)
    chosen = scenarios(database)
    results = {}
    baseline_env = {
        **env,
        "BASELINE_DSN": database_url(database).replace("postgres://", "postgresql://"),
    }
    with (
        gunicorn(envs["warm"], APP_PORT, f"bench-app-{size.name}.log", workers=WORKERS) as warm,
        gunicorn(envs["cold"], COLD_APP_PORT, f"bench-cold-{size.name}.log",
                 workers=WORKERS) as cold,
        gunicorn(baseline_env, BASELINE_PORT, f"bench-baseline-{size.name}.log",
                 app="baseline:application", cwd=BENCH, workers=WORKERS) as baseline,
    ):  # fmt: skip
        apps = {"warm": warm, "cold": cold}
        etag = etag_of(warm + chosen["revalidation"][0])
        chosen["revalidation"] = (chosen["revalidation"][0], {"If-None-Match": etag})
        inspected = {mode: inspect(envs[mode], chosen) for mode in MODES}
        # The modes and the baseline take turns, scenario by scenario, so that a change in the
        # machine's speed during the run touches all alike.
        for name, (path, headers) in chosen.items():
            results[name] = {
                **{mode: wrk(apps[mode] + path, headers, duration, connections) for mode in MODES},
                "queries": {mode: inspected[mode][name]["queries"] for mode in MODES},
                **{
                    key: inspected["cold"][name][key]
                    for key in ("reads_updates", "sequential_scans")
                },
            }
            if name not in WITHOUT_BASELINE:
                results[name]["baseline"] = wrk(baseline + path, headers, duration, connections)
                results[name]["baseline_queries"] = int(header(baseline + path, "X-Queries"))
            print(f"  {name:14} {results[name]}", flush=True)
        dashboard = measure_dashboard(warm)
    return {
        "load_seconds": load_seconds,
        "database": database,
        "env": env,
        "results": results,
        "dashboard": dashboard,
    }


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


def tables(measured):
    lines = []
    for size_name, run in measured.items():
        for mode, title in (
            ("warm", "warm: response cache on"),
            ("cold", "cold: RESPONSE_CACHE=false"),
        ):
            lines += [
                f"### Size {size_name}, {title} ({run['counts']}; generated in "
                f"{run['load_seconds']:.1f} s)",
                "",
                "| scenario | req/s | p50 ms | p99 ms | baseline req/s | baseline p50 ms "
                "| p50 ÷ baseline | req/s ÷ baseline | queries (baseline) | seq scans of updates |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for name, result in run["results"].items():
                app, base = result[mode], result.get("baseline")
                queries = result["queries"][mode]
                lines.append(
                    f"| {name} | {app['throughput']:.0f} | {app['p50']:.2f} | {app['p99']:.2f} | "
                    + (
                        f"{base['throughput']:.0f} | {base['p50']:.2f} | "
                        f"{ratio(app['p50'], base['p50']):.2f}x | "
                        f"{ratio(app['throughput'], base['throughput']):.2f}x | "
                        f"{queries} ({result['baseline_queries']}) | "
                        if base
                        else f"— | — | — | — | {queries} (—) | "
                    )
                    + f"{result['sequential_scans']} of {result['reads_updates']} |"
                )
            lines.append("")
        if run.get("dashboard"):
            lines += [f"Dashboard at size {size_name}: {describe_dashboard(run['dashboard'])}.", ""]
    return lines


def describe_dashboard(figures):
    return (
        f"first view {figures['first_view_requests']} API requests, settled in "
        f"{figures['first_view_ms']:.0f} ms; a filter change {figures['filter_change_requests']} "
        f"requests, settled in {figures['filter_change_ms']:.0f} ms"
    )


def verdict(ok):
    return "met" if ok else "MISSED"


def goals(measured):
    """The issue's goals, each with its figure and a verdict."""
    lines = []
    m = measured.get("M")
    if m:
        results = m["results"]
        for name, result in results.items():
            if "baseline" not in result:
                continue
            p50 = ratio(result["warm"]["p50"], result["baseline"]["p50"])
            throughput = ratio(result["warm"]["throughput"], result["baseline"]["throughput"])
            lines.append(
                f"- {verdict(p50 <= 1.0 and throughput >= WARM_RATIO_MIN)}: {name} warm at M, "
                f"throughput {throughput:.2f}x the baseline (goal ≥ {WARM_RATIO_MIN}x), "
                f"p50 {p50:.2f}x (goal ≤ 1.0x)"
            )
        for name, minimum in COLD_RATIO_MIN.items():
            result = results[name]
            throughput = ratio(result["cold"]["throughput"], result["baseline"]["throughput"])
            lines.append(
                f"- {verdict(throughput >= minimum)}: {name} cold at M, throughput "
                f"{throughput:.2f}x the baseline (goal ≥ {minimum}x)"
            )
        search = results["search"]
        p50, base_p50 = search["cold"]["p50"], search["baseline"]["p50"]
        lines.append(
            f"- {verdict(p50 <= SEARCH_P50_MAX_MS and p50 < base_p50)}: search cold at M, p50 "
            f"{p50:.1f} ms (goal ≤ {SEARCH_P50_MAX_MS} ms and below the baseline's "
            f"{base_p50:.1f} ms)"
        )
        revalidation = ratio(results["revalidation"]["cold"]["p50"], results["list"]["cold"]["p50"])
        lines.append(
            f"- {verdict(revalidation <= REVALIDATION_MAX)}: a 304 revalidation of the list costs "
            f"{revalidation:.2f}x its full cold 200 at p50 (goal ≤ {REVALIDATION_MAX}x)"
        )
        scans = sum(result["sequential_scans"] for result in results.values())
        lines.append(
            f"- {verdict(scans == 0)}: {scans} sequential scans of the status-update table in the "
            "plans of every scenario's queries at M (EXPLAIN; goal 0)"
        )
        if dashboard := m.get("dashboard"):
            ok = (
                dashboard["first_view_requests"] <= DASHBOARD_FIRST_VIEW_REQUESTS
                and dashboard["first_view_ms"] <= DASHBOARD_SETTLED_MS
                and dashboard["filter_change_requests"] <= DASHBOARD_FILTER_CHANGE_REQUESTS
            )
            lines.append(
                f"- {verdict(ok)}: dashboard at M, {describe_dashboard(dashboard)} (goals ≤ "
                f"{DASHBOARD_FIRST_VIEW_REQUESTS} requests settled within "
                f"{DASHBOARD_SETTLED_MS / 1000} s; ≤ {DASHBOARD_FILTER_CHANGE_REQUESTS} requests "
                "per filter change)"
            )
        else:
            lines.append("- MISSED: dashboard at M not measured (Playwright or Chromium missing)")
    if "S" in measured and m:
        for name in sorted(WITHOUT_BASELINE - {"revalidation"}):
            queries = [measured[size]["results"][name]["queries"]["cold"] for size in ("S", "M")]
            lines.append(
                f"- {verdict(queries[0] == queries[1])}: {name} cold makes {queries[0]} queries "
                f"at S and {queries[1]} at M (goal: the same, whatever the data)"
            )
        for name in SCALING_SCENARIOS:
            scaling = ratio(
                m["results"][name]["cold"]["p50"], measured["S"]["results"][name]["cold"]["p50"]
            )
            lines.append(
                f"- {verdict(scaling <= SCALING_MAX)}: {name} cold p50(M)/p50(S) = {scaling:.2f} "
                f"(goal ≤ {SCALING_MAX})"
            )
    return lines


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="S,M")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    parser.add_argument("--connections", type=int, default=WORKERS)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    options = parser.parse_args()
    measured = {}
    for name in options.sizes.split(","):
        size = generate.SIZES[name]
        measured[name] = measure_size(size, options.duration, options.connections)
        measured[name]["counts"] = (
            f"{size.commitments:,} commitments, ~{size.updates:,} status updates"
        )
    imported = (
        import_rate(measured["M"]["env"]) if "M" in measured else "not measured (size M not run)"
    )
    # Most of a gigabyte at M: left behind, it would be copied by every pg_basebackup of the
    # cluster (the read replicas' tests make one).
    for run in measured.values():
        subprocess.run([*PSQL, "-c", f"DROP DATABASE {run['database']} WITH (FORCE)"], check=True)
    summary = [
        "# Performance",
        "",
        f"Measured by `make bench` on {datetime.datetime.now(datetime.UTC).date():%Y-%m-%d}: {machine()}.",
        f"Each scenario is loaded by wrk for {options.duration} s with {options.connections} "
        f"connections (after a 1 s warm-up), against the app warm (the versioned response cache "
        f"on, as in production), the app cold (`RESPONSE_CACHE=false`: every request does the "
        f"view's work) and the baseline in turn; each runs {WORKERS} gunicorn sync workers. "
        "Latencies in milliseconds. Queries are counted per request in Django (the baseline's in "
        "its own header). The 304 revalidation has no baseline: its goal compares it with the "
        "full cold list. The dashboard is opened in Chromium (bench/dashboard.py) against the "
        "warm app.",
        "",
        *tables(measured),
        "## Goals",
        "",
        *goals(measured),
        "",
        "## Bulk import",
        "",
        f"- {imported}",
        "",
    ]
    text = "\n".join(summary)
    print("\n" + text)
    if not options.no_write:
        REPORT.write_text(text + "\n" + REPORT_TAIL)
        print(f"Written to {REPORT.relative_to(ROOT)}.")


REPORT_TAIL = """
## Why the goals marked MISSED are missed

- **Warm, a commitment and the feed**: a hit costs the floor of any request through the
  project, whatever the data: Django's middleware (security, gzip, CSP, static files, session,
  CORS, CSRF, authentication), the data version (one primary-key query), one Redis read and
  the anonymous throttle's count (one Redis increment). That is 3.5 to 4.5 ms at p50 here, the
  same as the baseline's whole answer for a commitment or a feed page (one to four indexed
  queries and orjson, no framework), so these scenarios land either side of 1.0x from run to
  run (in the same run one commitment can meet the goal and the other miss it, for the same
  work). The lists, the search, a deep page and the summary, where the baseline has real work
  to do, are 1.5x to 27x the baseline.
- **Cold**: every request does the view's work in Python: authentication and throttling, the
  data version, a count, the page and its related rows (4 or 5 queries where the baseline
  makes 3), and the rows' representation. The read path builds rows from `.values()` with a plan
  compiled once per serializer (`commitments/api/representation.py`), which took a 100-row
  page from about 47 to 19 ms in-process; what is left is Python per row and per field, which
  the baseline does not pay. Not tried: keeping each commitment's representation in the cache
  under its own version, so that a cold page would only assemble cached rows.
- **Search, cold**: full-text search over a stored, GIN-indexed vector made it three times
  faster than the substring search (161 ms at p50 before), but the scenario's word occurs in
  nine commitments in ten of the synthetic data, so PostgreSQL ranks some 9,000 matches for
  every page (see "How a search is answered" below). A rarer word, or an explicit
  `ordering`, answers in a few milliseconds.
- **Scaling p50(M)/p50(S)**: the list counts every matching commitment (ten times more at
  M); the commitment with few updates varies most between runs at both sizes.

## How a search is answered

A search shows the most relevant commitments first (`ts_rank` over the stored vector, then
the Roadmap's order, as the schema says), so a page of a word found in most commitments needs
every match ranked; that stays exact. What changed is the work around it
(`CommitmentQuerySet.rows`, `__getitem__` and `count`). The page's keys are ranked from the
commitments table alone and only those 50 rows are joined with their pillar, document,
parent and owner, in one statement (`id = ANY(ARRAY(ranked keys))`); before, PostgreSQL
joined all 9,000 matches and sorted the wide rows whole. A search with no other filter is
counted by its GIN index alone, which reads no row (the table's pages are all-visible);
PostgreSQL's cost model does not see that and scans the table, so the count repeats the match
with words the planner cannot see, whose small estimate makes it take the index. Measured and
left: ranking only the first candidates the GIN index returns (five times cheaper, but it
returns matches in table order: 8 of the scenario's true first 50); `ts_rank_cd` (half as
dear again); the count in the page's statement (`count(*) OVER ()`, dearer: it keeps every
match); a covering index holding the vector (a vector has no size bound, a B-tree entry has);
an estimated or capped count (the API promises the number of matches and the last page). What
is left is reading every match's row to rank it; a narrow table of vectors alone would cut
that by about a third (measured on a copy), for a second write on every change of a
commitment's text or current summary.

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

`make bench` reruns all of it (about fifteen minutes: the databases `bench_s` and `bench_m`
are made and filled at the start, and dropped at the end). `make bench BENCH_ARGS="--sizes S
--duration 3"` is a quick look. The data are generated by `bench/generate.py` from a fixed
seed; the baseline is `bench/baseline.py`. Figures from a shared or busy machine vary from run
to run by 10-20%; the ratios, measured in the same run, vary less. `bench/scaling.py` measures
one app process against two (docs/scaling.md).
"""


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()

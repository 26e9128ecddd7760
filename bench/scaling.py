"""What more app processes (gunicorn workers) and a read replica do to the API's throughput
here, for docs/scaling.md: a list and a detail URL, with the response cache off and on.

A fresh database of size S (generate.py) on the local PostgreSQL, gunicorn as in production on
loopback, Redis as the shared cache, wrk with as many connections as workers. Short runs (5 s
by default): the machine is shared, and the figures say what changes, not a capacity.

    python bench/scaling.py [--duration SECONDS] [--replica]

--replica adds runs with a streaming replica of the local PostgreSQL (tests/replica.py) that
the anonymous reads go to. The database is dropped at the end."""

import argparse
import contextlib
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT / "reliability"), str(BENCH), str(ROOT)]

import generate  # noqa: E402
from run import PSQL, database_url, wrk  # noqa: E402
from server import environment, gunicorn, manage  # noqa: E402

DATABASE = "wt_replicas_bench"
PORT = 8781
PATHS = {"list": "/api/v1/commitments/", "detail": f"/api/v1/commitments/{generate.FEW_CODE}/"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--replica", action="store_true")
    options = parser.parse_args()
    env = {**environment(DATABASE), "CACHE_URL": "redis://127.0.0.1:6379/11"}
    subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"], check=True)
    subprocess.run([*PSQL, "-c", f"CREATE DATABASE {DATABASE}"], check=True)
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        generate.generate(
            database_url(DATABASE).replace("postgres://", "postgresql://"), generate.SIZES["S"]
        )
        rows = []
        for workers in (1, 2):
            rows += measure(env, workers, "primary", options.duration)
        if options.replica:
            from tests.replica import streaming_replica

            with streaming_replica() as replica:
                replica.wait_for_replay()
                url = f"postgres://postgres@127.0.0.1:{replica.port}/{DATABASE}"
                rows += measure(
                    {**env, "DATABASE_REPLICA_URLS": url}, 2, "replica", options.duration
                )
    finally:
        subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"])
    print("| workers | reads | response cache | URL | req/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            "| {} | {} | {} | {} | {throughput:.0f} | {p50:.1f} | {p99:.1f} |".format(
                *row[:4], **row[4]
            )
        )


def measure(env, workers, reads, duration):
    rows = []
    for cache in ("false", "true"):
        with gunicorn(
            {**env, "RESPONSE_CACHE": cache}, PORT, "scaling.log", workers=workers
        ) as app:
            for name, path in PATHS.items():
                result = wrk(app + path, {}, duration, workers)
                rows.append((workers, reads, cache, name, result))
                print(workers, reads, cache, name, result, flush=True)
    return rows


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()

"""Fault test: gunicorn serves a steady stream of reads and writes while PostgreSQL restarts.

Proves, on this machine's own PostgreSQL and loopback only, bounded in time:
- during the outage, requests fail cleanly: 503 with Retry-After, no 500, no traceback;
- after it, service resumes by itself (no gunicorn restart) with zero errors;
- every status update acknowledged with a 201 is in the database afterwards.

Run by .ci/run (make fault-test). Exits non-zero when any of these does not hold.
"""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

from server import environment, gunicorn, manage, prepare

DATABASE = "roadmap_fault"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
BEFORE, OUTAGE, AFTER = 5.0, 4.0, 8.0  # seconds of load before, during and after the outage
GRACE = 3.0  # seconds after PostgreSQL accepts connections again
CLIENTS = 4


def postgres(action):
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True
    )


def postgres_ready():
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0


def request(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Accept", "application/json")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(req, timeout=15) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error), {}


def main():
    env = environment(DATABASE)
    token = prepare(DATABASE, env)
    results = []  # (time, phase, method, status, body, headers)
    phase = {"now": "before"}
    stop = threading.Event()
    acknowledged = []
    lock = threading.Lock()
    with gunicorn(env, PORT, "fault-test-gunicorn.log"):

        def client(number):
            sent = 0
            while not stop.is_set():
                sent += 1
                if sent % 2:
                    outcome = request("GET", "/api/v1/summary/")
                    method = "GET"
                else:
                    body = {
                        "status": "on_track",
                        "as_of": time.strftime("%Y-%m-%d"),
                        "summary": f"fault test {number}-{sent}",
                    }
                    outcome = request("POST", "/api/v1/commitments/MIL-1/updates/", token, body)
                    method = "POST"
                    if outcome[0] == 201:
                        with lock:
                            acknowledged.append(json.loads(outcome[1])["id"])
                with lock:
                    results.append((time.monotonic(), phase["now"], method, *outcome))
                time.sleep(0.01)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(BEFORE)
        phase["now"] = "outage"
        try:
            postgres("stop")
            time.sleep(OUTAGE)
        finally:
            postgres("start")  # whatever happened, leave PostgreSQL running
        while not postgres_ready():
            time.sleep(0.1)
        ready_at = time.monotonic()
        phase["now"] = "recovering"
        time.sleep(GRACE)
        phase["now"] = "after"
        time.sleep(AFTER)
        stop.set()
        for thread in threads:
            thread.join()

    check = (
        "from commitments.models import StatusUpdate; import json, sys;"
        "ids = json.loads(sys.stdin.read());"
        "print(StatusUpdate.objects.filter(pk__in=ids).count())"
    )
    stored = int(manage(env, "shell", "-c", check, stdin=json.dumps(acknowledged)).split()[-1])

    by_phase = {name: Counter() for name in ("before", "outage", "recovering", "after")}
    for _, name, _, status, _, _ in results:
        by_phase[name][status] += 1
    problems = []
    for _, name, method, status, body, headers in results:
        if "Traceback" in body:
            problems.append(f"{name} {method}: a traceback in the answer")
        if name in ("before", "after") and status not in (200, 201):
            problems.append(f"{name} {method}: {status} {body[:120]}")
        if name in ("outage", "recovering") and status not in (200, 201, 503):
            problems.append(f"{name} {method}: {status} instead of a clean 503: {body[:120]}")
        if status == 503 and "Retry-After" not in headers:
            problems.append(f"{name} {method}: 503 without Retry-After")
    if stored != len(acknowledged):
        problems.append(f"{len(acknowledged) - stored} acknowledged status updates are missing")
    if not by_phase["outage"][503]:
        problems.append("no request met the outage: the test proved nothing")

    print(f"Fault test: PostgreSQL stopped for {OUTAGE:.0f} s under load, gunicorn left running")
    for name, counts in by_phase.items():
        print(
            f"  {name:<10} "
            + ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(counts.items()))
        )
    print(
        f"  requests: {len(results)}; status updates acknowledged (201): {len(acknowledged)}; in the database afterwards: {stored}"
    )
    print(
        f"  back to serving {GRACE:.0f} s after PostgreSQL accepted connections ({time.monotonic() - ready_at:.0f} s ago)"
    )
    print("  restarts survived: 1" if not problems else "  FAILED:")
    for problem in problems[:20]:
        print(f"    - {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

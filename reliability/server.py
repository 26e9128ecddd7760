"""A production-like instance for the reliability scripts: its own database (PostgreSQL, or an
SQLite file), the Roadmap loaded, an API token of a user with a role, and gunicorn on a
loopback port."""

import contextlib
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The virtualenv these scripts run in (make runs them with its python) has gunicorn and the rest.
BIN = Path(sys.executable).parent


def environment(database, database_url=None):
    """The production settings, on the local PostgreSQL's `database` or at `database_url`."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"postgres://postgres@127.0.0.1:5432/{database}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "THROTTLE_ANON": "100000/minute",
        "THROTTLE_USER": "100000/minute",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def manage(env, *args, stdin=None):
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        check=True, cwd=ROOT, env=env, capture_output=True, text=True, input=stdin,
    ).stdout  # fmt: skip


def prepare(database, env, role="Analyst"):
    """A fresh PostgreSQL database with the Roadmap; returns an API token of a user with `role`."""
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run([*psql, "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
    subprocess.run([*psql, "-c", f"CREATE DATABASE {database}"], check=True)
    return populate(env, role)


def populate(env, role="Analyst"):
    """Migrates the empty database of `env` and loads the Roadmap; returns an API token of a
    user with `role`."""
    manage(env, "migrate", "--no-input")
    manage(env, "collectstatic", "--no-input")
    manage(env, "load_roadmap")
    return robot_token(env, role)


def robot_token(env, role, clearance=None):
    """An API token of a staff user with `role`, and of the `clearance` group (Coalition,
    Secretariat) when given (made in the database of `env` unless a copy of a database that a
    run kept holds it already: bench/run.py --keep)."""
    groups = [role, clearance] if clearance else [role]
    script = (
        "from django.contrib.auth.models import Group, User; from knox.models import AuthToken;"
        f"u, _ = User.objects.get_or_create(username='{'-'.join(groups).lower()}-robot', "
        "defaults={'is_staff': True});"
        f"u.groups.add(*Group.objects.filter(name__in={groups!r}));"
        "print(AuthToken.objects.create(user=u)[1])"
    )
    return manage(env, "shell", "-c", script).strip().splitlines()[-1]


# What these scripts have always measured, unless their environment says otherwise: sync
# workers, no access log (the benchmark's figures), and a stop without draining (nobody balances
# load in front of them).
SCRIPT_SERVER = {
    "GUNICORN_WORKER_CLASS": "sync",
    "GUNICORN_ACCESS_LOG": "",
    "GUNICORN_DRAIN_SECONDS": "0",
}


@contextlib.contextmanager
def gunicorn(env, port, log_name, app="coalition.wsgi", cwd=ROOT, workers=2):
    """Serves `app` (the project, by default) with the project's gunicorn.conf.py, sync workers
    (SCRIPT_SERVER), on a loopback port until the block ends; yields its base URL once /healthz
    answers."""
    (ROOT / "var").mkdir(exist_ok=True)
    log = (ROOT / "var" / log_name).open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), app,
         "-b", f"127.0.0.1:{port}", "-w", str(workers)],
        cwd=cwd, env={**SCRIPT_SERVER, **env}, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        for _ in range(100):
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2),
            ):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

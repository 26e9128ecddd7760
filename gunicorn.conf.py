"""gunicorn's settings for Roadmap Tracker, from the environment (README, Configuration).

`gunicorn coalition.wsgi` run in this folder reads this file (elsewhere: `-c
path/to/gunicorn.conf.py`); a command-line option overrides the setting here. A worker of a
stopping server drains before it stops (coalition/draining.py).
"""

import os
import shutil
import tempfile
from pathlib import Path

import environ

from coalition import draining, logs

# The settings read the project's .env file too; read here, the GUNICORN_* variables it sets
# count (the environment's own values win, as they do for the settings).
if (Path(__file__).resolve().parent / ".env").is_file():
    environ.Env.read_env(Path(__file__).resolve().parent / ".env")


def _seconds(name, default):
    """A number of seconds, fractions allowed (gunicorn's own settings take whole seconds)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1
    if number < 0:
        raise RuntimeError(f"{name} must be a number of seconds, not {value!r}.")
    return number


def _count(name, default, *, least=0):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < least:
        raise RuntimeError(f"{name} must be a whole number, at least {least}, not {value!r}.")
    return int(value)


wsgi_app = "coalition.wsgi:application"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]

# Threads: a request waiting on the database or Redis holds a thread, not a whole process. Each
# thread keeps its own database connection: workers x threads connections at most.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _count("WEB_CONCURRENCY", 2, least=1)
# (gunicorn runs sync workers with more than one thread as gthread.)
threads = _count("GUNICORN_THREADS", 4 if worker_class == "gthread" else 1, least=1)
# gthread as gunicorn's, except that a worker whose threads are all busy leaves new connections
# to another worker (coalition/gunicorn_workers.py): otherwise the first to wake takes them all.
if worker_class == "gthread" or (worker_class == "sync" and threads > 1):
    worker_class = "coalition.gunicorn_workers.BalancedThreadWorker"

# A worker whose main loop stops answering the master this long is killed and replaced. (With
# threads, a slow request does not stop that loop; the database's own timeouts bound it.)
timeout = _count("GUNICORN_TIMEOUT", 30, least=1)
# How long the master waits for a stopping worker (its drain, then what is in flight) before it
# kills it.
graceful_timeout = _count("GUNICORN_GRACEFUL_TIMEOUT", 30, least=1)
_drain_seconds = _seconds("GUNICORN_DRAIN_SECONDS", 5)
if graceful_timeout <= _drain_seconds:
    raise RuntimeError(
        f"GUNICORN_GRACEFUL_TIMEOUT ({graceful_timeout} s) must be longer than "
        f"GUNICORN_DRAIN_SECONDS ({_drain_seconds:g} s): requests in flight need time after it."
    )
# Longer than a proxy's idle timeout for its connections to us (nginx's and AWS ALB's are 60 s):
# then the proxy closes an idle connection, never gunicorn just as the proxy sends on it.
keepalive = _count("GUNICORN_KEEPALIVE", 75)

# Replaces a worker after this many requests (0: never), each at a different moment (jitter).
max_requests = _count("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# One line a request on stdout, with its duration. As the app writes its own (LOG_FORMAT, the
# settings: json unless DEBUG): a JSON object with the request's id, method, route, status,
# bytes, duration_ms and user_id (coalition.gunicorn_logs), gunicorn's own messages JSON too;
# or text: address, request line, status, bytes, time.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
_debug = environ.Env().bool("DEBUG", default=False)
_log_format = os.environ.get("LOG_FORMAT", "").strip() or ("text" if _debug else "json")
if _log_format not in logs.FORMATS:
    raise RuntimeError(f"LOG_FORMAT is how lines are written: json or text, not {_log_format!r}.")
if _log_format == "json":
    logger_class = "coalition.gunicorn_logs.JsonLogger"

# gunicorn's control socket (gunicornc) is a second way to reload or stop the server, shared by
# every instance of a user; signals are the one way here.
control_socket_disable = True


# /metrics adds up the counts of every worker (prometheus-client's multiprocess mode): each
# writes them to files in PROMETHEUS_MULTIPROC_DIR. The folder is emptied as the server starts,
# since counts of an earlier run would be added to this one's; unset, a folder of this server's
# own is made, and removed when it stops. (A reload, HUP, keeps it: counters only go up.)
# (The folder made is named in the environment: a reload reads this file again, afresh.)
_MADE = "ROADMAP_METRICS_DIR_MADE"


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not folder:
        folder = os.environ[_MADE] = tempfile.mkdtemp(prefix="roadmap-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    Path(folder).mkdir(parents=True, exist_ok=True)
    for counts in Path(folder).glob("*.db"):
        counts.unlink()


def on_exit(server):
    if made := os.environ.get(_MADE):
        shutil.rmtree(made, ignore_errors=True)


def post_fork(server, worker):
    # Tracing's spans leave from a thread (coalition/tracing.py), which the fork of a worker
    # does not carry: each worker starts its own, before it loads the app (off unless
    # OTEL_EXPORTER_OTLP_ENDPOINT is set).
    from coalition import tracing

    tracing.start()


def child_exit(server, worker):
    # Gauges of a live worker only ("livesum" and the like) leave with it; counters stay.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    draining.drain_on_sigterm(worker, _drain_seconds)
    # The app is loaded: the API's known query parameters are read from its schema before the
    # first request rather than during it. Not for another app served with this configuration
    # (the benchmark's hand-written baseline), which configures no Django.
    from django.conf import settings

    if settings.configured:
        from commitments.api import parameters

        parameters.prepare()


def pre_request(worker, request):
    draining.close_when_draining(request)

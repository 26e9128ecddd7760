"""Works the background tasks' queue (the webhooks' deliveries), whichever TASK_QUEUE holds it:
the database (django-tasks-db's db_worker) or Redis (django-rq's rqworker, with its scheduler
for the retries that wait). Beside it, every WEBHOOK_SWEEP_SECONDS, the sweep queues again any
delivery whose task was lost (services.webhooks.sweep_deliveries), first of all at start: what
a worker killed mid-delivery had claimed is delivered once a worker runs again.

With PROMETHEUS_MULTIPROC_DIR set to the web server's folder, what the worker counts (webhook
deliveries by outcome) is in every scrape of the server's /metrics, as its workers' counts are:
prometheus-client writes each process's counts to a file there. Tasks run in this process, on
either queue (RQ's SimpleWorker rather than a process forked per task, which would leave a file
of counts per delivery for every scrape to read), and the client is told when it exits, as
gunicorn.conf.py tells it of a web worker."""

import logging
import os
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks.signals import task_finished, task_started
from prometheus_client import multiprocess

from commitments.services.webhooks import sweep_deliveries

logger = logging.getLogger(__name__)


def _sweep_forever(stop):
    while not stop.wait(settings.WEBHOOK_SWEEP_SECONDS):
        try:
            sweep_deliveries()
        except Exception:
            # A database that does not answer for a while: the next sweep tries again.
            logger.exception("The sweep of webhook deliveries failed")
        finally:
            close_old_connections()


def _close_old_connections(**signal):
    close_old_connections()


class Command(BaseCommand):
    help = "Runs the background tasks (webhook deliveries) of the queue TASK_QUEUE names."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=1,
            help="Seconds between looks at an empty database queue (default 1).",
        )

    def handle(self, *, interval, verbosity, **options):
        swept = sweep_deliveries()
        if swept:
            self.stdout.write(f"Queued {swept} webhook deliveries again.")
        close_old_connections()
        stop = threading.Event()
        threading.Thread(target=_sweep_forever, args=(stop,), daemon=True).start()
        try:
            if settings.TASK_QUEUE == "rq":
                # As db_worker does around each task, and Django around each request: a
                # connection the database dropped between tasks is not the next task's fault.
                task_started.connect(_close_old_connections)
                task_finished.connect(_close_old_connections)
                call_command(
                    "rqworker",
                    "default",
                    job_class="django_tasks_rq.backend.Job",
                    worker_class="rq.worker.SimpleWorker",
                    with_scheduler=True,
                    verbosity=verbosity,
                )
            else:
                call_command(
                    "db_worker",
                    interval=interval,
                    reload=False,
                    startup_delay=False,
                    verbosity=verbosity,
                )
        finally:
            stop.set()
            if settings.PROMETHEUS_MULTIPROC_DIR:
                # Gauges of a live process only leave with it; its counters stay.
                multiprocess.mark_process_dead(os.getpid())

"""The background tasks (Django's task framework: django-tasks on Django 5.2), run by
`manage.py task_worker` on the queue TASK_QUEUE names. Each is a thin shell over a service."""

import functools

from django.conf import settings
from django_tasks import task

# A scrape of /metrics asks Redis for the queue's length (TASK_QUEUE=rq): a Redis that does not
# answer must not hold the scrape longer than this many seconds.
QUEUE_LENGTH_TIMEOUT = 1.0


@task()
def deliver_webhook(delivery_id):
    # Imported here: the service queues this task, and imports this module when it does.
    from commitments.services.webhooks import attempt_delivery

    return attempt_delivery(delivery_id)


def ready_count():
    """How many tasks are ready to run and wait for a worker, on the queue TASK_QUEUE names:
    rows of django-tasks-db's ready() (due, not started), or jobs in RQ's queues (LLEN; a task
    that waits to be due is in RQ's scheduled registry until then, not in the queue). Raises
    redis.RedisError when Redis does not answer."""
    queues = settings.TASKS["default"].get("QUEUES") or ["default"]
    if settings.TASK_QUEUE == "rq":
        from rq import Queue

        return sum(
            Queue(name, connection=_redis(settings.RQ_QUEUES[name]["URL"])).count for name in queues
        )
    # Only installed with TASK_QUEUE=database.
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(queue_name__in=queues).count()


@functools.cache
def _redis(url):
    """A client of its own for the Redis at `url`, with a timeout (django-rq's has none): kept
    for the process, as its pool of connections."""
    from redis import Redis

    return Redis.from_url(
        url,
        socket_timeout=QUEUE_LENGTH_TIMEOUT,
        socket_connect_timeout=QUEUE_LENGTH_TIMEOUT,
    )


@task()
def send_slip_alerts(event_id):
    # Imported here: the service queues this task, and imports this module when it does.
    from commitments.services.dependencies import send_slip_alerts as send

    return send(event_id)

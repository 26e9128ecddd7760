"""The background tasks (Django's task framework: django-tasks on Django 5.2), run by
`manage.py task_worker` on the queue TASK_QUEUE names. Each is a thin shell over a service."""

from django_tasks import task


@task()
def deliver_webhook(delivery_id):
    # Imported here: the service queues this task, and imports this module when it does.
    from commitments.services.webhooks import attempt_delivery

    return attempt_delivery(delivery_id)

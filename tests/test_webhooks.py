"""Webhooks: each public event is POSTed, signed per the Standard Webhooks specification, to
each endpoint that receives it; failures are retried with backoff, then count against the
endpoint, which repeated failure disables (its owner is emailed). Endpoints are https on public
addresses only. Deliveries go to a real HTTP receiver on loopback (allowed by the tests'
WEBHOOKS_ALLOW_PRIVATE), which checks each signature with the standardwebhooks library; the
`fault` tests run a real task worker (`manage.py task_worker`) and stop the receiver or kill
the worker. Every wait is bounded."""

import datetime
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from commitments.models import EventType, WebhookDelivery, WebhookEndpoint
from commitments.roles import COALITION, SECRETARIAT
from commitments.services import record_event
from commitments.services.webhooks import (
    RedeliveryRefused,
    attempt_delivery,
    redeliver,
    sweep_deliveries,
)
from tests.factories import UserFactory
from tests.helpers import database_url
from tests.redis_server import RedisUnavailable, free_port, private_redis

ROOT = Path(__file__).resolve().parents[1]
Status = WebhookDelivery.Status


class Receiver:
    """An HTTP server on loopback that records each request and whether its signature is
    valid for `secret`. `answer` is the status it replies; `hold` (an Event) makes the first
    request wait until it is set (at most 30 s)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.requests = []
        self.secret = None
        self.answer = 200
        self.hold = None
        self.received = threading.Event()
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks?source=roadmap"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    Webhook(receiver.secret).verify(body, dict(self.headers))
                    verified = True
                except WebhookVerificationError:
                    verified = False
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body),
                     "verified": verified}
                )  # fmt: skip
                receiver.received.set()
                if receiver.hold is not None and len(receiver.requests) == 1:
                    receiver.hold.wait(30)
                self.send_response(receiver.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    if receiver.hold is not None:
        receiver.hold.set()
    receiver.stop()


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    # The receiver is on loopback, over http: allowed here as in development, never in
    # production (test_production_refuses_...).
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT = 2


@pytest.fixture
def owner(db):
    return UserFactory(username="integrations", email="integrations@example.org")


@pytest.fixture
def endpoint(receiver, owner):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, owner=owner)
    receiver.secret = endpoint.secret
    return endpoint


def _record(event_type=EventType.COMMITMENT_CHANGED):
    with transaction.atomic():
        return record_event(
            event_type, subject_url="/api/v1/commitments/MIL-1/", data={"code": "MIL-1"}
        )


def _deliveries():
    return list(WebhookDelivery.objects.order_by("id"))


@pytest.mark.django_db
def test_an_event_is_posted_signed_to_an_endpoint(endpoint, receiver):
    event = _record()
    (delivery,) = _deliveries()

    assert attempt_delivery(delivery.pk) == Status.SUCCEEDED

    (request,) = receiver.requests
    assert request["verified"]
    assert request["path"] == "/hooks?source=roadmap"
    assert request["headers"]["webhook-id"] == f"msg_{event.pk}_{endpoint.pk}"
    assert request["body"] == {
        "type": "commitment.changed",
        "timestamp": event.occurred_at.isoformat(),
        "data": {
            "id": event.pk,
            "type": "commitment.changed",
            "occurred_at": event.occurred_at.isoformat(),
            "subject_url": "/api/v1/commitments/MIL-1/",
            "data": {"code": "MIL-1"},
        },
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status, delivery.attempt) == (
        Status.SUCCEEDED,
        200,
        1,
    )
    assert delivery.duration_ms is not None
    assert delivery.next_retry_at is None


@pytest.mark.django_db
def test_a_delivery_already_made_is_not_made_again(endpoint, receiver):
    _record()
    (delivery,) = _deliveries()
    attempt_delivery(delivery.pk)

    assert attempt_delivery(delivery.pk) is None
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_an_endpoint_receives_only_the_public_events_of_its_types(owner):
    approvals = WebhookEndpoint.objects.create(
        url="https://hooks.example.org/a", owner=owner, event_types=[EventType.UPDATE_APPROVED]
    )
    everything = WebhookEndpoint.objects.create(url="https://hooks.example.org/b", owner=owner)
    WebhookEndpoint.objects.create(url="https://hooks.example.org/c", owner=owner, active=False)

    _record(EventType.UPDATE_APPROVED)
    _record(EventType.COMMITMENT_CHANGED)
    _record(EventType.UPDATE_SUBMITTED)  # review work in progress: staff only

    assert sorted((d.endpoint_id, d.event.type) for d in _deliveries()) == sorted(
        [
            (approvals.pk, "update.approved"),
            (everything.pk, "update.approved"),
            (everything.pk, "commitment.changed"),
        ]
    )


@pytest.mark.django_db
def test_a_committed_event_queues_its_deliveries_and_a_rolled_back_one_nothing(
    endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _record()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        record_event(EventType.COMMITMENT_CHANGED, subject_url="/x/", data={})
        transaction.set_rollback(True)

    assert callbacks == []
    (delivery,) = _deliveries()
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs == {"args": [delivery.pk], "kwargs": {}}


@pytest.mark.django_db
def test_a_failed_attempt_is_retried_after_a_backoff(endpoint, receiver, settings):
    receiver.answer = 503
    _record()
    (first,) = _deliveries()

    before = timezone.now()
    assert attempt_delivery(first.pk) == Status.FAILED

    first, second = _deliveries()
    assert (first.status, first.response_status) == (Status.FAILED, 503)
    assert first.error == "The endpoint answered 503."
    assert before + datetime.timedelta(seconds=30) <= first.next_retry_at
    assert first.next_retry_at <= timezone.now() + datetime.timedelta(seconds=30)
    assert (second.status, second.attempt, second.message_id) == (
        Status.PENDING,
        2,
        first.message_id,
    )
    assert second.due_at == first.next_retry_at
    # Not due yet: a task that runs early does nothing.
    assert attempt_delivery(second.pk) is None


def test_the_retries_span_more_than_a_day(settings):
    assert sum(settings.WEBHOOK_RETRY_DELAYS) >= 24 * 3600


@pytest.mark.django_db
def test_every_attempt_of_a_retried_delivery_has_the_same_id_and_a_valid_signature(
    endpoint, receiver, settings
):
    settings.WEBHOOK_RETRY_DELAYS = [0, 0]
    receiver.answer = 500
    _record()
    for _ in range(3):
        attempt_delivery(_deliveries()[-1].pk)

    assert [d.status for d in _deliveries()] == [Status.FAILED] * 3
    assert _deliveries()[-1].next_retry_at is None
    assert len({request["headers"]["webhook-id"] for request in receiver.requests}) == 1
    assert all(request["verified"] for request in receiver.requests)


@pytest.mark.django_db
def test_repeated_failure_disables_the_endpoint_and_emails_its_owner(
    endpoint, receiver, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS = []
    settings.WEBHOOK_DISABLE_AFTER = 2
    receiver.stop()  # nothing listens: the connection is refused
    for _ in range(2):
        _record()
    pending = _record()
    first, second, third = _deliveries()

    attempt_delivery(first.pk)
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 1)
    with django_capture_on_commit_callbacks(execute=True):
        attempt_delivery(second.pk)

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_reason == "2 deliveries in a row failed every attempt."
    third.refresh_from_db()
    assert (third.event, third.status) == (pending, Status.CANCELLED)
    (mail,) = mailoutbox
    assert mail.to == ["integrations@example.org"]
    assert mail.subject == "Roadmap Tracker: webhook endpoint disabled"
    assert receiver.url in mail.body


@pytest.mark.django_db
def test_a_success_clears_the_failures_in_a_row(endpoint, receiver, settings):
    settings.WEBHOOK_RETRY_DELAYS = []
    receiver.answer = 500
    _record()
    _record()
    first, second = _deliveries()
    attempt_delivery(first.pk)
    receiver.answer = 204

    attempt_delivery(second.pk)

    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/",
        "https://127.0.0.1/",
        "https://localhost/",
        "https://10.1.2.3/",
        "https://192.168.0.10/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://100.64.0.1/",
        "https://user:password@hooks.example.org/",
        "ftp://hooks.example.org/",
    ],
)
@pytest.mark.django_db
def test_production_refuses_an_endpoint_off_https_or_on_a_private_address(settings, owner, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError):
        WebhookEndpoint(url=url, owner=owner).full_clean()


@pytest.mark.django_db
def test_production_accepts_an_https_endpoint_on_a_public_name(settings, owner):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    WebhookEndpoint(url="https://hooks.example.org/roadmap", owner=owner).full_clean()


@pytest.mark.django_db
def test_development_allows_http_on_loopback_only(owner):
    WebhookEndpoint(url="http://127.0.0.1:8000/hooks", owner=owner).full_clean()
    with pytest.raises(ValidationError):
        WebhookEndpoint(url="http://hooks.example.org/", owner=owner).full_clean()


@pytest.mark.django_db
def test_production_refuses_at_delivery_a_name_that_resolves_to_a_private_address(
    settings, owner, receiver
):
    # As a public-looking name whose DNS answers a private address would: the machine's own
    # name (loopback or the machine's private address) is no literal address nor a known
    # loopback name, so only resolving it tells.
    host = socket.gethostname()
    WebhookEndpoint.objects.create(url=f"https://{host}:{receiver.port}/", owner=owner)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    _record()
    (delivery,) = _deliveries()

    assert attempt_delivery(delivery.pk) == Status.FAILED

    delivery.refresh_from_db()
    assert delivery.error.startswith(f"Refused: {host} resolves to a non-public address")
    assert receiver.requests == []


@pytest.mark.django_db
def test_the_sweep_queues_again_a_delivery_whose_worker_died(endpoint, settings, receiver):
    settings.WEBHOOK_CLAIM_SECONDS = 60
    _record()
    (delivery,) = _deliveries()
    long_ago = timezone.now() - datetime.timedelta(seconds=61)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.DELIVERING, claimed_at=long_ago, due_at=long_ago
    )

    with transaction.atomic():  # the sweep queues once it commits
        assert sweep_deliveries() == 1
    assert sweep_deliveries() == 0  # queued again just now: not again at once

    assert attempt_delivery(delivery.pk) == Status.SUCCEEDED
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_the_sweep_leaves_a_delivery_being_made(endpoint):
    _record()
    (delivery,) = _deliveries()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.DELIVERING, claimed_at=timezone.now()
    )

    assert sweep_deliveries() == 0


@pytest.mark.django_db
def test_redelivery_sends_the_same_message_again(endpoint, receiver, editor):
    _record()
    (delivery,) = _deliveries()
    attempt_delivery(delivery.pk)

    again = redeliver(delivery, by=editor)
    attempt_delivery(again.pk)

    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert (again.attempt, again.requested_by) == (1, editor)


@pytest.mark.django_db
def test_redelivery_is_refused_while_the_message_is_under_way(endpoint, editor):
    _record()
    (delivery,) = _deliveries()

    with pytest.raises(RedeliveryRefused):
        redeliver(delivery, by=editor)


# Releasability: an endpoint is delivered only the events its clearance may read.


@pytest.fixture
def coalition_receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def _attempt_all():
    for delivery in _deliveries():
        attempt_delivery(delivery.pk)


@pytest.mark.django_db
def test_an_endpoint_of_public_clearance_is_not_delivered_a_coalition_event(
    commitment, endpoint, receiver, coalition_receiver, owner, record
):
    members = WebhookEndpoint.objects.create(
        url=coalition_receiver.url, owner=owner, clearance="coalition"
    )
    coalition_receiver.secret = members.secret

    public_update = record(commitment, summary="For everyone.")
    coalition_update = record(commitment, summary="For members.", releasability="coalition")
    _attempt_all()

    def told(receiver):
        return sorted(request["body"]["data"]["subject_url"] for request in receiver.requests)

    assert told(receiver) == [f"/api/v1/updates/{public_update.pk}/"]
    assert told(coalition_receiver) == [
        f"/api/v1/updates/{public_update.pk}/",
        f"/api/v1/updates/{coalition_update.pk}/",
    ]
    assert all(r["verified"] for r in coalition_receiver.requests)


@pytest.mark.django_db
def test_an_endpoint_whose_clearance_was_narrowed_is_not_delivered_what_it_may_no_longer_read(
    commitment, endpoint, receiver, record, editor
):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(clearance="coalition")
    record(commitment, releasability="coalition")
    (delivery,) = _deliveries()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(clearance="public")

    assert attempt_delivery(delivery.pk) == Status.CANCELLED
    assert receiver.requests == []
    with pytest.raises(RedeliveryRefused, match="may not read"):
        redeliver(delivery, by=editor)


# The admin, through real requests.


@pytest.mark.django_db
def test_an_editor_registers_an_endpoint_and_reads_its_secret(client, editor, receiver):
    client.force_login(editor)
    response = client.post(
        reverse("admin:commitments_webhookendpoint_add"),
        {
            "url": receiver.url,
            "description": "Partner portal",
            "event_types": [EventType.UPDATE_APPROVED, EventType.VALUE_APPROVED],
            "active": "on",
            "owner": editor.pk,
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["update.approved", "indicator_value.approved"]
    assert endpoint.clearance == "public"  # none chosen
    assert endpoint.secret.startswith("whsec_")
    page = client.get(reverse("admin:commitments_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret in page.content.decode()


@pytest.mark.parametrize(
    ("groups", "registered"), [([], False), ([COALITION], True), ([SECRETARIAT], True)]
)
@pytest.mark.django_db
def test_an_editor_gives_an_endpoint_a_clearance_no_narrower_than_their_own(
    client, editor, receiver, groups, registered
):
    editor.groups.add(*Group.objects.filter(name__in=groups))
    client.force_login(editor)

    response = client.post(
        reverse("admin:commitments_webhookendpoint_add"),
        {"url": receiver.url, "clearance": "coalition", "active": "on", "owner": editor.pk},
    )

    if registered:
        assert response.status_code == 302
        assert WebhookEndpoint.objects.get().clearance == "coalition"
    else:
        assert response.status_code == 200
        assert "no narrower than your own (Public)" in response.content.decode()
        assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_private_endpoint_in_production(client, editor, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(editor)
    response = client.post(
        reverse("admin:commitments_webhookendpoint_add"),
        {"url": "https://10.0.0.5/hooks", "active": "on", "owner": editor.pk},
    )

    assert response.status_code == 200
    assert "not sent to private or local addresses" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "analyst", "reviewer"])
@pytest.mark.django_db
def test_only_editors_see_webhook_endpoints(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:commitments_webhookendpoint_changelist"))

    assert response.status_code == 403


@pytest.mark.django_db
def test_an_editor_reads_the_delivery_log_and_redelivers(
    client, editor, endpoint, receiver, django_capture_on_commit_callbacks
):
    receiver.answer = 500
    _record()
    (delivery,) = _deliveries()
    attempt_delivery(delivery.pk)
    WebhookDelivery.objects.filter(status=Status.PENDING).update(status=Status.CANCELLED)
    client.force_login(editor)

    log = client.get(
        reverse("admin:commitments_webhookdelivery_changelist"),
        {"endpoint__id__exact": endpoint.pk},
    )
    assert log.status_code == 200
    assert delivery.message_id in log.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:commitments_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )

    assert response.status_code == 302
    again = WebhookDelivery.objects.filter(requested_by=editor).get()
    assert (again.status, again.message_id) == (Status.PENDING, delivery.message_id)
    assert DBTaskResult.objects.filter(args_kwargs__args=[again.pk]).exists()


@pytest.mark.django_db
def test_an_editor_sends_a_test_event(client, editor, endpoint, receiver):
    client.force_login(editor)
    client.post(
        reverse("admin:commitments_webhookendpoint_changelist"),
        {"action": "send_test_event", "_selected_action": [endpoint.pk]},
    )
    delivery = WebhookDelivery.objects.get()

    attempt_delivery(delivery.pk)

    (request,) = receiver.requests
    assert request["verified"]
    assert request["body"]["type"] == "webhook.test"


# A real worker (`manage.py task_worker` on the database queue), on the test database.


@contextmanager
def _worker(**environment):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--interval", "0.2"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "TASK_QUEUE": "database",
            "WEBHOOKS_ALLOW_PRIVATE": "true",
            "WEBHOOK_TIMEOUT": "1.5",
            "WEBHOOK_CLAIM_SECONDS": "4",
            "WEBHOOK_SWEEP_SECONDS": "0.5",
            **environment,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"Still not true after {seconds} s")


@pytest.fixture
def _erasable_events(transactional_db):
    """Lets the end of a transactional test empty the events on SQLite, whose append-only
    triggers refuse the DELETE that pytest-django empties tables with there (PostgreSQL's
    TRUNCATE they leave alone): lifted for that one clean-up, as tests/browser.py does for the
    records."""
    yield
    if connection.vendor != "sqlite":
        return
    events = importlib.import_module("commitments.migrations.0032_events")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM commitments_webhookdelivery")
        for statement in events.APPEND_ONLY_REVERSE["sqlite"]:
            cursor.execute(statement)
        cursor.execute("DELETE FROM commitments_event")
        for statement in events.APPEND_ONLY["sqlite"]:
            cursor.execute(statement)


@pytest.fixture
def committed_endpoint(_erasable_events, receiver, owner):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, owner=owner)
    receiver.secret = endpoint.secret
    return endpoint


@pytest.mark.fault
def test_a_worker_delivers_each_committed_event(committed_endpoint, receiver):
    with _worker():
        events = [_record(), _record(EventType.UPDATE_APPROVED)]
        _wait_for(lambda: len(receiver.requests) == 2)
        _wait_for(
            lambda: (
                set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}
            )
        )

    assert sorted(request["body"]["data"]["id"] for request in receiver.requests) == [
        event.pk for event in events
    ]
    assert all(request["verified"] for request in receiver.requests)


@pytest.mark.fault
def test_a_worker_retries_while_the_receiver_is_down(committed_endpoint, receiver):
    receiver.stop()
    with _worker(WEBHOOK_RETRY_DELAYS="1,1,1,30"):
        _record()
        _wait_for(lambda: WebhookDelivery.objects.filter(status=Status.FAILED).count() >= 2)
        receiver.start()
        _wait_for(lambda: WebhookDelivery.objects.filter(status=Status.SUCCEEDED).exists())

    *failed, succeeded = _deliveries()
    assert [d.attempt for d in _deliveries()] == list(range(1, len(failed) + 2))
    assert all(d.status == Status.FAILED and d.next_retry_at for d in failed)
    assert all("Connection refused" in d.error or "refused" in d.error for d in failed)
    assert succeeded.response_status == 200
    (request,) = receiver.requests
    assert request["verified"]


@pytest.mark.fault
def test_a_delivery_interrupted_by_a_killed_worker_is_made_once_a_worker_runs_again(
    committed_endpoint, receiver
):
    receiver.hold = threading.Event()  # the first request waits: the worker is mid-delivery
    with _worker() as worker:
        event = _record()
        assert receiver.received.wait(30)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    (delivery,) = _deliveries()
    assert delivery.status == Status.DELIVERING

    with _worker():
        _wait_for(lambda: len(receiver.requests) == 2, seconds=30)
        _wait_for(lambda: WebhookDelivery.objects.get().status == Status.SUCCEEDED)

    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["verified"]
    assert second["verified"]
    assert second["body"]["data"]["id"] == event.pk
    delivery.refresh_from_db()
    assert (delivery.attempt, delivery.response_status) == (1, 200)


@pytest.mark.fault
def test_the_same_tasks_run_on_rq(committed_endpoint, receiver):
    """TASK_QUEUE=rq (docs/scaling.md): the event is recorded by a process that queues on a
    Redis of the test's own, and the same task_worker command works that queue."""
    try:
        redis_server = private_redis()
        server = redis_server.__enter__()
    except RedisUnavailable as missing:
        pytest.skip(str(missing))
    rq = {"TASK_QUEUE": "rq", "TASK_REDIS_URL": server.url}
    try:
        with _worker(**rq):
            subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", RECORD_AN_EVENT],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": database_url(), **rq},
                check=True,
                timeout=60,
                capture_output=True,
            )
            _wait_for(lambda: WebhookDelivery.objects.filter(status=Status.SUCCEEDED).exists())
    finally:
        redis_server.__exit__(None, None, None)

    (request,) = receiver.requests
    assert request["verified"]
    assert request["body"]["type"] == "update.approved"


RECORD_AN_EVENT = """
from django.db import transaction
from commitments.services import record_event
with transaction.atomic():
    record_event("update.approved", subject_url="/api/v1/updates/1/", data={})
"""

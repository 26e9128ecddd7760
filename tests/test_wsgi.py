"""What a WSGI server demands of a response (PEP 3333): a status and headers of type `str`,
nothing that merely behaves like one. gunicorn lets a `str` subclass through, Django's
development server (wsgiref, `make run`) answers 500 instead. Every response of the test suite
is held to wsgiref's checks (tests.wsgi_validation, added by conftest.py); here the writes
that answer with a Location go through a real wsgiref server, as under `make run`."""

import json
import threading
import urllib.request
from decimal import Decimal
from wsgiref import simple_server, validate

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connections

from commitments.models import Indicator
from tests.factories import CommitmentFactory


class QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def wsgiref_server(_erasable_history):
    """The project's WSGI application behind wsgiref's server and its validator, on a free
    port, in a thread; its base URL."""
    application = validate.validator(get_wsgi_application())
    server = simple_server.make_server("127.0.0.1", 0, application, handler_class=QuietHandler)

    def serve():
        try:
            server.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def post(url, token, body):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_a_review_and_a_new_indicator_value_answer_201_with_a_location_under_wsgiref(
    wsgiref_server, analyst, reviewer, token_for, record, review_required
):
    commitment = CommitmentFactory()
    pending = record(commitment)
    indicator = Indicator.objects.create(
        slug="measured", commitment=commitment, name="Measured", unit="count", direction="increase"
    )

    reviewed, review_headers = post(
        f"{wsgiref_server}/api/v1/updates/{pending.pk}/review/",
        token_for(reviewer),
        {"decision": "approve"},
    )
    recorded, value_headers = post(
        f"{wsgiref_server}/api/v1/indicators/{indicator.pk}/values/",
        token_for(analyst),
        {"value": str(Decimal(12)), "as_of": "2024-01-15"},
    )

    assert (reviewed, recorded) == (201, 201)
    assert review_headers["Location"].endswith(f"/api/v1/updates/{pending.pk}/")
    assert f"/api/v1/indicator-values/{indicator.values.get().pk}/" in value_headers["Location"]

"""Tracing (coalition/tracing.py): with OTEL_EXPORTER_OTLP_ENDPOINT set, the server as deployed
(gunicorn, its workers forked) sends each request as a server span named for its route, with
its request id, and its SQL queries as spans within it, over OTLP/HTTP to a real receiver on
loopback, decoded with OpenTelemetry's own protobuf definitions; unset, nothing is traced."""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.gunicorn_server import ROOT, free_port, serving

pytestmark = pytest.mark.django_db


class OTLPReceiver:
    """An OTLP/HTTP receiver on loopback: keeps each request POSTed to /v1/traces, decoded."""

    def __init__(self):
        self.port = free_port()
        self.exports = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/traces":
                    receiver.exports.append(ExportTraceServiceRequest.FromString(body))
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def spans(self):
        """[(service name, span)] of every span received."""
        return [
            (_attributes(resource_spans.resource.attributes)["service.name"], span)
            for export in self.exports
            for resource_spans in export.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _attributes(key_values):
    return {item.key: getattr(item.value, item.value.WhichOneof("value")) for item in key_values}


@pytest.fixture
def receiver():
    receiver = OTLPReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def traced_request(receiver, tmp_path):
    """Serves with tracing on (2 workers), GETs the pillars once; returns (the response's
    request id, the spans received). The spans leave within a fifth of a second."""
    with serving(
        tmp_path / "gunicorn.log",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY="200",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_DRAIN_SECONDS="0",
    ) as (process, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/pillars/", headers={"Accept": "application/json"})
        response = conn.getresponse()
        response.read()
        conn.close()
        assert response.status == 200
        request_id = response.getheader("X-Request-ID")
        deadline = time.monotonic() + 20
        while not _server_spans(receiver.spans()) and time.monotonic() < deadline:
            time.sleep(0.1)
        process.terminate()
        process.wait(timeout=30)
    return request_id, receiver.spans()


def _server_spans(spans):
    return [span for _, span in spans if span.kind == Span.SpanKind.SPAN_KIND_SERVER]


def test_a_request_is_a_server_span_of_its_route_with_its_request_id(traced_request):
    request_id, spans = traced_request

    (server,) = _server_spans(spans)  # /readyz, polled while the server starts, is not traced
    # The route as Django's instrumentation names it: the URL pattern (DRF's router's end in $).
    assert server.name == "GET api/v1/pillars/$"
    assert _attributes(server.attributes)["request_id"] == request_id
    assert {service for service, _ in spans} == {"roadmap-tracker"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg2 is PostgreSQL's driver")
def test_the_sql_queries_of_a_request_are_spans_within_it(traced_request):
    _, spans = traced_request

    (server,) = _server_spans(spans)
    queries = [
        span
        for _, span in spans
        if span.parent_span_id == server.span_id
        and _attributes(span.attributes).get("db.system") == "postgresql"
    ]
    assert queries
    assert all(query.trace_id == server.trace_id for query in queries)
    assert any("SELECT" in _attributes(query.attributes)["db.statement"] for query in queries)


# What tracing.configure() leaves instrumented when it runs as the server's wsgi.py runs it.
INSTRUMENTED = """
import json
import coalition.wsgi
from django.conf import settings
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
print(json.dumps({
    "django": DjangoInstrumentor().is_instrumented_by_opentelemetry,
    "psycopg2": Psycopg2Instrumentor().is_instrumented_by_opentelemetry,
    "redis": RedisInstrumentor().is_instrumented_by_opentelemetry,
    "middleware": [name for name in settings.MIDDLEWARE if "opentelemetry" in name],
    "tracer_provider": type(trace.get_tracer_provider()).__name__,
}))
"""


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (
            None,
            {
                "django": False,
                "psycopg2": False,
                "redis": False,
                "middleware": [],
                "tracer_provider": "ProxyTracerProvider",
            },
        ),
        (
            "http://127.0.0.1:9",
            {
                "django": True,
                "psycopg2": True,
                "redis": True,
                "middleware": [
                    "opentelemetry.instrumentation.django.middleware.otel_middleware."
                    "_DjangoMiddleware"
                ],
                "tracer_provider": "TracerProvider",
            },
        ),
    ],
    ids=["unset", "set"],
)
def test_nothing_is_instrumented_unless_the_otlp_endpoint_is_set(endpoint, expected):
    env = {name: value for name, value in os.environ.items() if not name.startswith("OTEL_")}
    if endpoint:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    env |= {"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "coalition.settings"}

    found = subprocess.run(
        [sys.executable, "-c", INSTRUMENTED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(found.stdout.splitlines()[-1]) == expected

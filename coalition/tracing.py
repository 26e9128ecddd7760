"""Tracing (OpenTelemetry), off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/operations.md,
"Tracing"): then each request is a server span named for its route, with its request id, and
its SQL queries (psycopg2) and Redis commands are spans within it, exported over OTLP/HTTP
(protobuf) to that endpoint, as `<endpoint>/v1/traces`, under OTEL_SERVICE_NAME
("roadmap-tracker" by default). The SDK's other OTEL_* variables (OTEL_TRACES_SAMPLER, its
argument, OTEL_EXPORTER_OTLP_HEADERS, ...) are read by the SDK itself.

Set up once a process, in two steps, because the spans leave from a thread of the process
(BatchSpanProcessor) that a fork does not carry into the child:
- start(): the exporter, its thread, and the psycopg2 and Redis instrumentation. gunicorn calls
  it in each worker as it is forked (gunicorn.conf.py, post_fork), so that no worker relies on
  a thread of the master's;
- configure(): the settings loaded (they read .env), start() if not done yet, then Django's
  instrumentation, which puts its middleware first in the settings' MIDDLEWARE, and so must
  come after the settings module is chosen and before the app loads: coalition/wsgi.py (gunicorn's workers, any WSGI server) and
  manage.py (runserver, the task worker, every command) call it.
With the variable unset both do nothing: nothing of OpenTelemetry is even imported.
"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from coalition import logs

SERVICE_NAME = "roadmap-tracker"
# Requests not traced unless OTEL_PYTHON_DJANGO_EXCLUDED_URLS says otherwise: probes and
# scrapes, a few a second, that would bury the requests of readers.
EXCLUDED_URLS = "healthz,readyz,metrics"
# The server span's attribute that holds the request id: the name the log lines give it, so
# that a trace and the lines of its request are found from each other.
REQUEST_ID_ATTRIBUTE = "request_id"

_started = False
_django_instrumented = False


def enabled():
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip())


def start():
    """Exports this process's spans, and traces psycopg2 and Redis, if enabled (once)."""
    global _started
    if _started or not enabled():
        return
    _started = True
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME as SERVICE_NAME_KEY
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or SERVICE_NAME
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME_KEY: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    Psycopg2Instrumentor().instrument()
    RedisInstrumentor().instrument()


def configure():
    """start(), and Django's requests traced, if enabled (once). Call it once the settings
    module is chosen, before the app is loaded."""
    global _django_instrumented
    try:
        # Loaded first: the settings read the project's .env, which may set OTEL_* variables.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured:
        return  # Django says what is wrong as it starts
    start()
    if _django_instrumented or not enabled():
        return
    _django_instrumented = True
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    DjangoInstrumentor().instrument(
        excluded_urls=os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", EXCLUDED_URLS),
        response_hook=_tell_request_id,
    )


def _tell_request_id(span, request, response):
    # Django's instrumentation is the outermost middleware: by the time it sees the response,
    # RequestLogMiddleware (commitments.request_log) has given the request its id, which the
    # log lines read from here too until the response is sent.
    if span.is_recording() and (request_id := logs.request_id.get()):
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

"""WSGI entry point, e.g. `gunicorn coalition.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

from coalition import tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
# This process serves requests: they get the database's time limits (settings, SERVING).
os.environ.setdefault("ROADMAP_SERVING", "true")
# Before the app loads its middleware (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
tracing.configure()

application = get_wsgi_application()

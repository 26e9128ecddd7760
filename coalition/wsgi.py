"""WSGI entry point, e.g. `gunicorn coalition.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
# This process serves requests: they get the database's time limits (settings, SERVING).
os.environ.setdefault("ROADMAP_SERVING", "true")

application = get_wsgi_application()

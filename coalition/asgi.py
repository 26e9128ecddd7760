"""ASGI entry point, e.g. `uvicorn coalition.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
# This process serves requests: they get the database's time limits (settings, SERVING).
os.environ.setdefault("ROADMAP_SERVING", "true")

application = get_asgi_application()

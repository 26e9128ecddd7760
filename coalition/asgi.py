"""ASGI entry point, e.g. `uvicorn coalition.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")

application = get_asgi_application()

#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    if sys.argv[1:2] == ["runserver"]:
        # It serves requests, with their time limits (coalition/settings.py, SERVING); other
        # commands run as long as their work takes.
        os.environ.setdefault("ROADMAP_SERVING", "true")
    from django.core.management import execute_from_command_line

    from coalition import tracing

    # Traced (runserver's requests, the task worker's deliveries) when
    # OTEL_EXPORTER_OTLP_ENDPOINT is set.
    tracing.configure()

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

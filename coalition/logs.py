"""How the processes log (docs/operations.md, "Logs and request ids"): one JSON object a line
for log shippers (LOG_FORMAT=json), or plain lines for a person at a terminal (text, `make run`);
and the id of the request being served, which every line written while serving it carries.

No Django here: gunicorn's configuration (gunicorn.conf.py, coalition.gunicorn_logs) uses it
too, also to serve an app that is not Django (the benchmark's baseline)."""

import contextvars
import logging
import logging.config
from datetime import UTC, datetime

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

FORMATS = ("json", "text")

# The id of the request this thread (or task) is serving: set by
# commitments.request_log.RequestLogMiddleware for as long as the request is served.
request_id = contextvars.ContextVar("request_id", default=None)

# Where the Django app leaves a request's access fields (its id, route and user) in the WSGI
# environ, for gunicorn's access line (coalition.gunicorn_logs), which is written after the app
# has answered and knows only the environ and the response.
ENVIRON_KEY = "roadmap.request"


def configure(config):
    """Django's LOGGING_CONFIG: the settings' LOGGING, and Python's warnings (a deprecation, a
    missing folder) written as lines of the log like any other, not raw to stderr."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)
    # No formatter here writes where a line was logged from (file, function, line) nor the
    # thread's or the process's name: they are not looked up for every line (the logging
    # HOWTO's "Optimization"), two a request at least (the access lines). A third of the
    # access line's cost.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was written for (None outside requests).
    A filter of the handler, so that the lines of Django's, DRF's and other libraries' loggers
    carry it as the project's own do."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(OrjsonFormatter):
    """A record as one JSON object on one line: `time` (ISO 8601, UTC), `level`, `logger`,
    `message`, `request_id`, what the call gave as `extra` (route, status, duration_ms, ...) and
    an exception's traceback as one string, `exception` (JSON escapes its line breaks, so a
    line-based shipper never splits it)."""

    def __init__(self, **kwargs):
        super().__init__(
            # Django's own records carry the request object (django.request, django.server):
            # its repr is the path and query, which a password reset link's carries a token in.
            # The access line says the route instead.
            reserved_attrs=[*RESERVED_ATTRS, "request", "color_message"],
            **kwargs,
        )

    def add_fields(self, log_data, record, message_dict):
        # The library's own, less its renaming of any field, which costs a few microseconds of
        # every line: two a request (ours and gunicorn's).
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        skipped = self._skip_fields
        for key, value in record.__dict__.items():
            if key not in skipped:
                log_data[key] = value
        # A dict logged as the message, and the traceback the library formatted.
        for key, value in message_dict.items():
            log_data["exception" if key == "exc_info" else key] = value


class TextFormatter(logging.Formatter):
    """A line for a person: time, level, logger, message, and the request's id in brackets
    when there is one; a traceback on the lines after."""

    def __init__(self, **kwargs):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", **kwargs)

    def formatMessage(self, record):
        line = super().formatMessage(record)
        rid = getattr(record, "request_id", None)
        return f"{line} [{rid}]" if rid else line

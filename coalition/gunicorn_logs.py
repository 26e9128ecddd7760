"""gunicorn's log lines as JSON, one object a line like the app's (coalition.logs), when
LOG_FORMAT is json: gunicorn.conf.py names JsonLogger as gunicorn's logger_class.

The access line is built here rather than from an access_log_format: a template of JSON with
gunicorn's atoms in it breaks on a quote in a path or a user agent, and gunicorn would gather
every request and response header and the whole environ for it first."""

from gunicorn import glogging

from coalition.logs import ENVIRON_KEY, JsonFormatter


class JsonLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        formatter = JsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        """One line a request: its method and path (the route instead, with the request's id
        and user, when the Django app named them: see commitments.request_log), status, bytes
        sent, duration in milliseconds, the connection's address and the user agent. Never the
        query string nor a header that may hold a credential."""
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = int(status.split(None, 1)[0])
        app = environ.get(ENVIRON_KEY, {})
        fields = {
            "request_id": app.get("request_id"),
            "method": environ.get("REQUEST_METHOD"),
            "route": app.get("route"),
            "status": status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "user_id": app.get("user_id"),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        if fields["route"] is None:
            # No route matched (or not the Django app): the path, for a person to see what was
            # asked. A route's path is left out, as in the app's own line: some carry a token.
            fields["path"] = environ.get("PATH_INFO")
            what = fields["path"]
        else:
            what = f"/{fields['route']}"
        try:
            self.access_log.info("%s %s %s", fields["method"], what, status, extra=fields)
        except Exception:
            self.exception("Could not write the access log line")

"""Every response the test suite gets is checked as a WSGI server would check it (PEP 3333, by
wsgiref.validate's own checks): a status and headers of type `str` exactly, no control
characters, a Content-Type unless the status has no body. Django's test client hands the
response object straight to the test, so a header value that only behaves like a string (DRF's
Hyperlink) passes there and with gunicorn, yet makes Django's development server (wsgiref,
`make run`) answer 500.

The check is a middleware that conftest.py puts first, so that it sees the response as the
WSGI handler turns it into a status line and headers, every other middleware's work included."""

from wsgiref import validate


class WSGIResponseValidationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # What django.core.handlers.wsgi.WSGIHandler passes to start_response.
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [
            *response.items(),
            *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()),
        ]
        try:
            validate.check_status(status)
            validate.check_headers(headers)
            validate.check_content_type(status, headers)
        except AssertionError as error:
            raise AssertionError(
                f"{request.method} {request.get_full_path()} answered a response no WSGI server "
                f"would send: {error}"
            ) from error
        return response

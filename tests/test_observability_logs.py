"""Request ids and structured logs (issue 27): every response says its request's id, every line
logged while serving it carries that id, each request has an access line (route, status,
duration, user, never a credential), an exception is one line, and gunicorn writes its access
log as JSON too. Lines are read as they are written: JSON, one object a line."""

import io
import json
import logging
import re
import time

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.gunicorn_server import get, serving
from tests.test_settings import manage

pytestmark = pytest.mark.django_db

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def output():
    """What the console handler writes from now on (the production format: JSON), as text."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def lines_of(output):
    """Each line written, parsed: a line that is not one JSON object fails the test."""
    return [json.loads(line) for line in output.getvalue().splitlines()]


def access_lines(output):
    return [line for line in lines_of(output) if line["logger"] == "roadmap.access"]


# Request ids.


def test_every_response_carries_a_new_request_id(api, roadmap):
    first = api.get("/api/v1/commitments/MIL-1/")
    second = api.get("/api/v1/commitments/MIL-1/")

    assert NEW_ID.fullmatch(first["X-Request-ID"])
    assert NEW_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_id_a_trusted_proxy_gives_is_kept(api, roadmap, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    response = api.get("/api/v1/commitments/", HTTP_X_REQUEST_ID="7f3c2a9e-proxy-1")

    assert response["X-Request-ID"] == "7f3c2a9e-proxy-1"


def test_the_id_an_untrusted_client_gives_is_replaced(api, roadmap, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    response = api.get("/api/v1/commitments/", HTTP_X_REQUEST_ID="chosen-by-the-client")

    assert NEW_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.parametrize(
    "given",
    [
        "",
        "x" * 129,
        "two words",
        'quote"d',
        "semi;colon",
        "{json}",
        "naïve",
    ],
    ids=["empty", "too long", "space", "quote", "semicolon", "braces", "not ascii"],
)
def test_an_invalid_id_from_a_trusted_proxy_is_replaced(api, roadmap, settings, given):
    settings.TRUSTED_PROXY_COUNT = 1

    response = api.get("/api/v1/commitments/", HTTP_X_REQUEST_ID=given)

    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_a_cache_hit_carries_an_id_of_its_own(api, roadmap, django_assert_num_queries, output):
    miss = api.get("/api/v1/commitments/")
    with django_assert_num_queries(1):  # the data version: a hit
        hit = api.get("/api/v1/commitments/")

    assert NEW_ID.fullmatch(hit["X-Request-ID"])
    assert hit["X-Request-ID"] != miss["X-Request-ID"]
    assert access_lines(output)[-1]["route"] == "api/v1/commitments/"
    assert access_lines(output)[-1]["request_id"] == hit["X-Request-ID"]


def test_a_304_carries_the_id(api, roadmap):
    etag = api.get("/api/v1/commitments/MIL-1/")["ETag"]

    response = api.get("/api/v1/commitments/MIL-1/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_a_redirect_to_https_carries_the_id(client, settings):
    # Answered by the security middleware, before any other.
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/api/v1/commitments/")

    assert response.status_code == 301
    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_a_static_file_carries_the_id(client):
    # Answered by WhiteNoise, before the URLs are read.
    response = client.get("/static/dashboard/favicon.svg")
    response.close()  # the file it streams

    assert response.status_code == 200
    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_a_problem_names_its_request_id(api, roadmap):
    response = api.get("/api/v1/commitments/NO-SUCH-1/")

    assert response.status_code == 404
    assert response.json()["request_id"] == response["X-Request-ID"]


def test_a_server_error_page_names_its_request_id(db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the page broke")

    monkeypatch.setattr("commitments.views.render", broken)

    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 500
    assert f"reference {response['X-Request-ID']}" in response.content.decode()


# Every line of a request carries its id.


def test_every_line_logged_while_serving_a_request_carries_its_id(roadmap, monkeypatch, output):
    def broken(*args, **kwargs):
        raise RuntimeError("the summary broke")

    monkeypatch.setattr("commitments.api.summary.roadmap_summary", broken)

    response = Client(raise_request_exception=False).get("/api/v1/summary/")

    lines = lines_of(output)
    assert {line["logger"] for line in lines} == {
        "commitments.api.exceptions",  # the error, with its traceback
        "django.request",  # Django's word on the 500, after every middleware answered
        "roadmap.access",
    }
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}


def test_a_line_logged_outside_a_request_has_no_id(api, roadmap, output):
    api.get("/api/v1/commitments/")

    logging.getLogger("commitments").warning("After the request")

    assert lines_of(output)[-1]["request_id"] is None


# The access line.


def test_the_access_line_says_route_status_duration_and_user(
    api, roadmap, analyst, token_for, output
):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")

    response = api.get("/api/v1/commitments/MIL-1/")

    [line] = access_lines(output)
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "roadmap.access",
        "message": "GET /api/v1/commitments/<code>/ 200",
        "request_id": response["X-Request-ID"],
        "method": "GET",
        "route": "api/v1/commitments/<code>/",
        "status": 200,
        "duration_ms": line["duration_ms"],
        "user_id": analyst.pk,
        "client": "127.0.0.1",
    }
    assert line["duration_ms"] > 0


def test_an_anonymous_request_has_no_user_id(api, roadmap, output):
    api.get("/api/v1/commitments/")

    assert access_lines(output)[-1]["user_id"] is None


def test_a_request_no_route_matched_is_logged_with_its_path(client, output):
    response = client.get("/no-such-page/")

    [line] = access_lines(output)
    assert (line["route"], line["path"], line["status"]) == (None, "/no-such-page/", 404)
    assert response.status_code == 404


def test_no_line_holds_a_token_a_password_or_a_cookie(api, roadmap, analyst, token_for, output):
    token = token_for(analyst)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    api.post("/api/v1/updates/", {"commitment": "NO-SUCH-1"}, format="json")  # a 400, logged
    browser = Client()
    analyst.set_password("correct horse battery staple")
    analyst.save()
    browser.post(
        "/admin/login/",
        {"username": analyst.username, "password": "correct horse battery staple"},
    )
    session = browser.cookies["sessionid"].value
    browser.get("/admin/")

    written = output.getvalue()
    assert access_lines(output)  # the requests were logged
    for secret in (token, "correct horse battery staple", session, "Authorization", "Cookie"):
        assert secret not in written


def test_a_password_link_is_logged_by_its_route_not_its_token(client, analyst, output):
    uid = urlsafe_base64_encode(force_bytes(analyst.pk))
    token = default_token_generator.make_token(analyst)

    client.get(f"/admin/password/{uid}/{token}/")

    assert access_lines(output)[0]["route"] == "admin/password/<uidb64>/<token>/"
    assert token not in output.getvalue()


# An exception is one line.


@pytest.mark.parametrize(
    ("target", "url", "logger"),
    [
        (
            "commitments.api.summary.roadmap_summary",
            "/api/v1/summary/",
            "commitments.api.exceptions",
        ),
        ("commitments.views.render", "/", "django.request"),
    ],
    ids=["in the API", "in a page"],
)
def test_an_exception_is_one_line_with_its_traceback_in_one_field(
    roadmap, monkeypatch, output, target, url, logger
):
    def broken(*args, **kwargs):
        raise RuntimeError("the view broke")

    monkeypatch.setattr(target, broken)

    Client(raise_request_exception=False).get(url)

    [error] = [line for line in lines_of(output) if line.get("exception")]
    assert error["logger"] == logger
    assert error["level"] == "ERROR"
    assert error["exception"].startswith("Traceback (most recent call last):\n")
    assert error["exception"].endswith("RuntimeError: the view broke")


# The format.


def test_lines_are_text_for_a_person_with_debug():
    result = manage(
        "shell", "-c", "import logging; logging.getLogger('probe').warning('Hello')", DEBUG="true"
    )

    assert result.stderr.splitlines()[-1].endswith(" WARNING probe: Hello")


def test_lines_are_json_without_debug():
    result = manage(
        "shell",
        "-c",
        "import logging; logging.getLogger('probe').warning('Hello')",
        SECRET_KEY="test-only-secret-key-of-the-log-format-test-0123456789abcdefgh",
    )

    line = json.loads(result.stderr.splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "probe", "Hello")


def test_an_unknown_log_format_is_refused():
    result = manage("check", DEBUG="true", LOG_FORMAT="yaml")

    assert result.returncode != 0
    assert "LOG_FORMAT is how lines are written: json or text" in result.stderr


# gunicorn's access log.


@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_log_is_json_with_the_apps_request_id_route_and_user(
    roadmap, analyst, token_for, tmp_path
):
    token = token_for(analyst)
    log = tmp_path / "gunicorn.log"

    with serving(log, TRUSTED_PROXY_COUNT="1") as (_, port):
        status, _ = get(
            port,
            "/api/v1/commitments/MIL-1/",
            headers={"Authorization": f"Token {token}", "X-Request-ID": "from-the-proxy-42"},
        )
        # gunicorn writes the line once the response is sent, maybe after the client has it.
        deadline = time.monotonic() + 10
        while not (lines := _proxied(log)) and time.monotonic() < deadline:
            time.sleep(0.05)

    [line] = lines
    assert status == 200
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "gunicorn.access",
        "message": "GET /api/v1/commitments/<code>/ 200",
        "request_id": "from-the-proxy-42",
        "method": "GET",
        "route": "api/v1/commitments/<code>/",
        "status": 200,
        "bytes": line["bytes"],
        "duration_ms": line["duration_ms"],
        "user_id": analyst.pk,
        "remote_addr": "127.0.0.1",
        "user_agent": None,  # http.client sends none
    }
    assert line["bytes"] > 0
    assert line["duration_ms"] > 0
    assert token not in log.read_text()


def _proxied(log):
    """gunicorn's access lines of the request whose id the proxy gave."""
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    return [
        line
        for line in lines
        if line["logger"] == "gunicorn.access" and line["request_id"] == "from-the-proxy-42"
    ]

"""Secure by default: headers on every response, no caching of what a user reads, no
traceback with DEBUG off, forged hosts refused, and health endpoints for the operator."""

import pytest
from django.db import OperationalError
from django.test import Client

from tests.helpers import READY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/", "/commitments/MIL-1/", "/api/v1/summary/", "/api/v1/docs/", "/admin/login/", "/healthz"],
)
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_the_dashboard_allows_no_inline_style_or_script(client):
    policy = client.get("/")["Content-Security-Policy"]

    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.parametrize(
    ("url", "inline_styles"),
    [("/admin/login/", True), ("/api/v1/docs/", True), ("/", False), ("/api/v1/summary/", False)],
)
def test_only_the_admin_and_the_api_docs_allow_inline_styles(client, url, inline_styles):
    policy = client.get(url)["Content-Security-Policy"]
    style_src = policy.split("style-src")[1].split(";")[0]

    assert ("'unsafe-inline'" in style_src) is inline_styles
    assert "'unsafe-inline'" not in policy.replace(style_src, "")


def test_what_a_signed_in_user_reads_is_never_stored_in_a_cache(api, roadmap, viewer, token_for):
    anonymous = api.get("/api/v1/summary/")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    authenticated = api.get("/api/v1/summary/")

    assert "no-store" not in anonymous.get("Cache-Control", "")
    assert "no-store" in authenticated["Cache-Control"]
    assert "private" in authenticated["Cache-Control"]
    assert "Authorization" in authenticated["Vary"]


def test_a_forged_host_header_is_a_400(client):
    response = client.get("/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert b"Traceback" not in response.content


def get_with_a_failure_in(monkeypatch, target, url):
    """A GET of `url` while `target` (a dotted path) raises an error that names "secret
    internals", answered as a server answers it: the exception does not reach the test."""

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(target, broken)
    return Client(raise_request_exception=False).get(url)


def test_a_server_error_shows_a_plain_page_without_a_traceback(db, monkeypatch):
    response = get_with_a_failure_in(monkeypatch, "commitments.views.render", "/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "secret internals" not in page
    assert "Traceback" not in page


def test_a_server_error_of_the_api_outside_its_views_is_a_problem_too(db, monkeypatch):
    # A failure in a middleware (the response cache's, here) never reaches DRF's exception
    # handler; Django's handler500 answers it.
    response = get_with_a_failure_in(
        monkeypatch, "commitments.api.response_cache.key_for", "/api/v1/commitments/"
    )

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Something went wrong on our side; it has been logged. Please try again.",
        "code": "server_error",
        "request_id": response["X-Request-ID"],
    }


def test_an_unknown_page_is_a_plain_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "content_type", "text"),
    [
        ("/api/v1/summary/", "application/problem+json", '"detail": "The database is unavailable'),
        ("/", "text/html", "Back in a moment"),
    ],
)
def test_while_the_database_is_unreachable_requests_get_a_503_to_retry(
    db, monkeypatch, url, content_type, text
):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("commitments.api.summary.roadmap_summary", unreachable)
    monkeypatch.setattr("commitments.views.render", unreachable)

    response = Client(raise_request_exception=False).get(url)

    assert response.status_code == 503
    assert response["Content-Type"].startswith(content_type)
    assert response["Retry-After"] == "5"
    assert text in response.content.decode().replace("\\n", "")


def test_healthz_says_the_process_is_up(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_says_the_database_its_disk_and_the_cache_answer(client):
    assert client.get("/readyz").json() == READY


def test_the_favicon_is_served_by_the_project(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/dashboard/favicon.svg"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("https://evil.example/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
        ("", "/admin/"),
        ("/admin/commitments/commitment/", "/admin/commitments/commitment/"),
    ],
)
def test_after_signing_in_an_unsafe_next_lands_on_the_admin_home(
    client, analyst, next_url, lands_on
):
    # Django's default, /accounts/profile/, is a page this site does not have.
    response = client.post(
        "/admin/login/",
        {"username": "analyst", "password": "correct horse battery staple", "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == lands_on
    assert client.get(response["Location"]).status_code == 200

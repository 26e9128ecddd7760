"""HTTP behaviour of the API: conditional GETs, CORS, throttling, errors, and its docs."""

import pytest
from django.core.management import call_command
from rest_framework.throttling import SimpleRateThrottle

from commitments.models import Commitment
from commitments.services import save_commitment

pytestmark = pytest.mark.django_db

GETS = [
    "/api/v1/pillars/",
    "/api/v1/themes/",
    "/api/v1/places/",
    "/api/v1/partners/",
    "/api/v1/documents/",
    "/api/v1/commitments/",
    "/api/v1/commitments/?pillar=military&format=csv",
    "/api/v1/commitments/MIL-1/",
    "/api/v1/commitments/MIL-1/updates/",
    "/api/v1/updates/",
    "/api/v1/summary/",
]


@pytest.mark.parametrize("url", GETS)
def test_every_get_has_an_etag_and_a_matching_one_gets_a_304(api, roadmap, record, url):
    record(Commitment.objects.get(code="MIL-1"))
    first = api.get(url)

    revalidated = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert "Last-Modified" in first
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated["ETag"] == first["ETag"]


@pytest.mark.parametrize("url", GETS)
def test_every_read_is_revalidated_each_time_and_a_signed_in_readers_kept_by_no_cache(
    api, roadmap, viewer, token_for, url
):
    anonymous = api.get(url)
    from_the_response_cache = api.get(url)
    not_modified = api.get(url, HTTP_IF_NONE_MATCH=anonymous["ETag"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    with_a_token = api.get(url)
    api.credentials()
    api.force_login(viewer)
    signed_in = api.get(url)

    assert [
        response["Cache-Control"] for response in (anonymous, from_the_response_cache, not_modified)
    ] == ["no-cache"] * 3
    assert [response["Cache-Control"] for response in (with_a_token, signed_in)] == [
        "private, no-cache, no-store"
    ] * 2


def test_an_error_is_revalidated_too(api, roadmap):
    assert api.get("/api/v1/commitments/NOPE-1/")["Cache-Control"] == "no-cache"


def test_a_304_costs_one_query(api, roadmap, django_assert_num_queries):
    etag = api.get("/api/v1/commitments/")["ETag"]

    # Expect 1 query: the data fingerprint. Nothing of the response is built.
    with django_assert_num_queries(1):
        assert api.get("/api/v1/commitments/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize(
    "change",
    [
        lambda record: record(Commitment.objects.get(code="MIL-2")),
        lambda record: save_commitment(Commitment.objects.get(code="MIL-1"), themes=[]),
        lambda record: (
            __import__("commitments.models").models.Pillar.objects.get(slug="military").save()
        ),
    ],
)
def test_the_etag_changes_when_the_data_does(api, roadmap, record, change):
    before = api.get("/api/v1/commitments/MIL-1/")["ETag"]

    change(record)

    after = api.get("/api/v1/commitments/MIL-1/", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before


def test_the_etag_differs_between_queries_and_formats(api, roadmap):
    tags = {
        api.get(url)["ETag"]
        for url in [
            "/api/v1/commitments/",
            "/api/v1/commitments/?pillar=military",
            "/api/v1/commitments/?format=csv",
        ]
    }

    assert len(tags) == 3


def test_a_dashboard_on_an_allowed_origin_may_read(api, roadmap, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://dashboard.example.org"]

    allowed = api.get("/api/v1/summary/", HTTP_ORIGIN="https://dashboard.example.org")
    other = api.get("/api/v1/summary/", HTTP_ORIGIN="https://evil.example.com")

    assert allowed["Access-Control-Allow-Origin"] == "https://dashboard.example.org"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in other


def test_too_many_requests_get_a_429_with_retry_after(api, roadmap, monkeypatch):
    # DRF reads the rates once, into the class; this test gives the anonymous scope a low one.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1000/minute"}
    )
    from django.core.cache import cache

    cache.clear()
    statuses = [api.get("/api/v1/summary/").status_code for _ in range(4)]

    limited = api.get("/api/v1/summary/")
    assert statuses == [200, 200, 200, 429]
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["detail"].startswith("Request was throttled.")
    cache.clear()


def test_an_unexpected_error_is_a_problem_without_a_traceback(api, roadmap, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr("commitments.api.summary.roadmap_summary", broken)

    response = api.get("/api/v1/summary/")

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
    assert "exploded" not in response.content.decode()


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )

    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/commitments/{code}/updates/:" in schema
    assert "tokenAuth" in schema


def test_the_docs_page_loads_its_assets_from_this_site(client):
    page = client.get("/api/v1/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_the_schema_says_what_may_be_null_and_how_the_feed_pages():
    # Regressions from fuzzing (reliability/fuzz.py): answers broke the schema where a parent
    # was null, and the feed's cursor pages were described as numbered pages with a count.
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    assert components["Commitment"]["properties"]["parent"]["nullable"] is True
    assert components["CommitmentDetail"]["properties"]["parent"]["nullable"] is True
    assert components["Place"]["properties"]["parent"]["nullable"] is True
    assert "count" not in components["PaginatedFeedStatusUpdateList"]["properties"]
    assert "count" in components["PaginatedStatusUpdateList"]["properties"]


def test_the_limit_holds_for_signed_in_users_and_each_client_separately(
    api, roadmap, viewer, token_for, monkeypatch
):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"}
    )
    # A token, as a client sends it: the response cache, which counts anonymous reads before
    # the view, tells a reader by the request's headers (force_authenticate leaves none).
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    statuses = [api.get("/api/v1/summary/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]

    api.credentials()  # an anonymous client has a count of its own
    statuses = [api.get("/api/v1/summary/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.fixture
def three_anonymous_requests_a_minute(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1000/minute"}
    )


def test_a_forged_forwarded_for_header_does_not_escape_the_rate_limit(
    api, roadmap, three_anonymous_requests_a_minute
):
    statuses = [
        api.get("/api/v1/summary/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


def test_behind_trusted_proxies_the_outermost_proxy_tells_the_client_apart(
    api, roadmap, settings, three_anonymous_requests_a_minute
):
    settings.TRUSTED_PROXY_COUNT = 1

    def get(client_address, forged="203.0.113.9"):
        # Our one proxy appends the address it saw; whatever came before it is the client's.
        header = f"{forged}, {client_address}"
        return api.get("/api/v1/summary/", HTTP_X_FORWARDED_FOR=header).status_code

    first = [get("192.0.2.1", forged=f"198.51.100.{n}") for n in range(4)]

    assert first == [200, 200, 200, 429]
    assert get("192.0.2.2") == 200

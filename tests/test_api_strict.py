"""The API is strict and says so in ways a program reads: a query parameter an operation does
not take is a 400 naming it, on every endpoint of the schema; every error is a problem
(RFC 9457, application/problem+json) with a stable code; every response says the client's
rate limit (RateLimit-Policy, RateLimit); every page of a list links to the next and previous
ones in a Link header, as its body does."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
FEED = "/api/v1/updates/"
PROBLEM = "application/problem+json"


def get_operations():
    """Every GET of the committed schema: (address with its path parameters filled, the
    operation). The unknown parameter is refused before the object is looked up, so any value
    fills a path parameter."""
    document = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text())
    return [
        (re.sub(r"\{[^}]+\}", "1", path), operations["get"])
        for path, operations in document["paths"].items()
        if "get" in operations
    ]


GETS = get_operations()


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(("path", "operation"), GETS, ids=[path for path, _ in GETS])
def test_every_read_refuses_a_parameter_it_does_not_take_naming_it(api, roadmap, path, operation):
    response = api.get(path, {"no_such_parameter": "1"})

    assert response.status_code == 400, path
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "unknown_parameter"
    assert problem["errors"] == {"no_such_parameter": ["Unknown parameter 'no_such_parameter'."]}


@pytest.mark.parametrize(("path", "operation"), GETS, ids=[path for path, _ in GETS])
def test_every_read_takes_every_parameter_its_schema_declares(api, roadmap, path, operation):
    """The schema and the check are one declaration: no declared parameter is unknown (its
    value may still be refused, or need a role)."""
    declared = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
    for name in declared:
        response = api.get(path, {name: "x"})
        assert response.json().get("code") != "unknown_parameter", (path, name, response.json())


def test_a_misspelt_filter_is_a_400_that_says_what_was_meant(api, roadmap):
    response = api.get(LIST, {"pilar": "military"})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "pilar: Unknown parameter 'pilar': did you mean 'pillar'?",
        "code": "unknown_parameter",
        "errors": {"pilar": ["Unknown parameter 'pilar': did you mean 'pillar'?"]},
        "request_id": response["X-Request-ID"],
    }


def test_the_summary_refuses_a_misspelt_filter_too(api, roadmap):
    response = api.get("/api/v1/summary/", {"pilar": "military", "statu": "at_risk"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "pilar": ["Unknown parameter 'pilar': did you mean 'pillar'?"],
        "statu": ["Unknown parameter 'statu': did you mean 'status'?"],
    }


def test_the_feed_refuses_as_of_which_it_does_not_take(api, roadmap):
    response = api.get(FEED, {"as_of": "2024-01-01"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["as_of"]


@pytest.mark.parametrize(
    "query",
    [
        {"format": "json"},
        {"page": "1", "page_size": "10"},
        {"format": "json", "page_size": "5"},
    ],
)
@pytest.mark.parametrize("path", [LIST, FEED, "/api/v1/summary/", "/api/v1/pillars/"])
def test_format_and_the_paging_parameters_are_taken_everywhere(api, roadmap, path, query):
    assert api.get(path, query).status_code == 200


def test_an_unknown_parameter_on_a_write_is_refused_and_writes_nothing(as_analyst, roadmap):
    response = as_analyst.post(
        "/api/v1/commitments/MIL-1/updates/?dry_run=true",
        {"status": "on_track", "progress": 10, "as_of": "2024-01-01", "summary": "Fine."},
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["dry_run"]
    assert as_analyst.get("/api/v1/commitments/MIL-1/updates/").json()["count"] == 0


# Problems.


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["title"]
    assert problem["detail"]
    return problem


def test_a_bad_value_is_a_problem_with_its_field_errors(api, roadmap):
    problem = assert_problem(api.get(LIST, {"status": "sideways"}), 400, "invalid")

    assert list(problem["errors"]) == ["status"]
    assert problem["detail"].startswith("status: Select a valid choice.")


def test_a_bad_token_is_a_401_problem(api, roadmap):
    api.credentials(HTTP_AUTHORIZATION="Bearer rt_nothing")

    assert_problem(api.get(LIST), 401, "authentication_failed")


def test_a_write_without_credentials_is_a_401_problem(api, roadmap):
    assert_problem(api.post(LIST, {}), 401, "not_authenticated")


def test_a_write_without_the_role_is_a_403_problem(api, roadmap, viewer, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")

    assert_problem(api.post("/api/v1/commitments/MIL-1/updates/", {}), 403, "permission_denied")


def test_a_missing_commitment_is_a_404_problem(api, roadmap):
    problem = assert_problem(api.get(f"{LIST}NOPE-1/"), 404, "not_found")

    assert "NOPE-1" in problem["detail"]


def test_a_method_not_allowed_is_a_405_problem(api, roadmap):
    assert_problem(api.delete(f"{LIST}MIL-1/"), 405, "method_not_allowed")


def test_a_csv_that_cannot_be_given_is_a_problem_not_a_csv(api, roadmap):
    response = api.get(LIST, {"format": "csv", "status": "sideways"})

    assert_problem(response, 400, "invalid")
    assert "Content-Disposition" not in response


def test_too_many_requests_is_a_429_problem_with_retry_after(api, roadmap, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "1000/minute"}
    )
    statuses = [api.get("/api/v1/summary/").status_code for _ in range(2)]
    limited = api.get("/api/v1/summary/")

    assert statuses == [200, 200]
    assert_problem(limited, 429, "throttled")
    assert int(limited["Retry-After"]) > 0
    assert limited["RateLimit"].startswith('"anon";r=0;')


def test_pages_of_the_site_still_answer_html_errors(client, roadmap):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# Rate limits.


@pytest.fixture
def production_rates(monkeypatch):
    """The default rates (the tests' settings raise them); DRF reads them once, into the
    class."""
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "120/minute", "user": "1200/minute"}
    )


def rate_limit(response):
    policy = re.fullmatch(r'"(\w+)";q=(\d+);w=(\d+)', response["RateLimit-Policy"])
    state = re.fullmatch(r'"(\w+)";r=(\d+);t=(\d+)', response["RateLimit"])
    assert policy
    assert state
    assert policy[1] == state[1]
    return policy[1], int(policy[2]), int(policy[3]), int(state[2]), int(state[3])


def test_every_answer_says_the_rate_limit_and_what_is_left_of_it(api, roadmap, production_rates):
    first = rate_limit(api.get(LIST))
    second = rate_limit(api.get(LIST))  # from the response cache: counted all the same
    third = rate_limit(api.get(f"{LIST}NOPE-1/"))

    assert first[:3] == ("anon", 120, 60)
    assert [first[3], second[3], third[3]] == [119, 118, 117]
    assert 0 < first[4] <= 60


def test_a_token_holder_is_told_the_user_rate(api, roadmap, production_rates, analyst, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")

    assert rate_limit(api.get(LIST))[:4] == ("user", 1200, 60, 1199)


def test_an_answer_refused_before_counting_still_says_where_the_client_stands(
    api, roadmap, production_rates
):
    api.get(LIST)
    refused = api.post(LIST, {})  # 401: refused before the throttles count it

    assert refused.status_code == 401
    assert rate_limit(refused)[:4] == ("anon", 120, 60, 119)


# Links.


def links(response):
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.get("Link", ""))
    }


def test_a_page_links_to_the_next_and_previous_as_its_body_does(api, roadmap):
    first = api.get(LIST, {"page_size": 7})
    second = api.get(first.json()["next"])

    assert links(first) == {"next": first.json()["next"]}
    assert links(second) == {"next": second.json()["next"], "prev": second.json()["previous"]}


def test_the_last_page_links_only_back(api, roadmap):
    count = api.get(LIST).json()["count"]
    last = api.get(LIST, {"page_size": 10, "page": (count + 9) // 10})

    assert links(last) == {"prev": last.json()["previous"]}


def test_a_single_page_has_no_link(api, roadmap):
    assert "Link" not in api.get(LIST, {"page_size": 200})


def test_the_feed_links_to_its_next_cursor(api, roadmap, record, mil1):
    for progress in (10, 20, 30):
        record(mil1, progress=progress)

    page = api.get(FEED, {"page_size": 2})

    assert links(page) == {"next": page.json()["next"]}
    assert links(api.get(page.json()["next"]))["prev"]

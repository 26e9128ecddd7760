"""The OpenAPI schema is the contract with the developers of dashboards, who read nothing else:
what it says the API does, the API does. Each test here is a mismatch once found by generating
typed clients from the schema and using them against the server. (Beyond these, every response
of the whole test suite is validated against the schema: tests/openapi_validation.py.)"""

import datetime
import gzip

import pytest
from django.utils.http import http_date, parse_http_date
from drf_spectacular.generators import SchemaGenerator

from commitments.models import Commitment, StatusUpdate

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
FEED = "/api/v1/updates/"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


@pytest.fixture
def as_analyst(api, analyst, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(analyst)}")
    return api


# 1. Absent values are null, and declared nullable.


def test_an_update_without_its_optional_fields_has_them_null_everywhere(as_analyst, roadmap):
    created = as_analyst.post(
        f"{LIST}MIL-1/updates/",
        {"status": "on_track", "as_of": "2024-03-01", "summary": "On track."},
        format="json",
    )
    update_id = created.json()["id"]

    bodies = [
        created.json(),
        as_analyst.get(f"{FEED}{update_id}/").json(),
        as_analyst.get(f"{LIST}MIL-1/updates/").json()["results"][0],
        as_analyst.get(FEED).json()["results"][0],
        as_analyst.get(f"{LIST}MIL-1/").json()["latest_updates"][0],
    ]

    optional = ("confidence", "progress")
    assert [[body[name] for name in optional] for body in bodies] == [[None, None]] * 5


def test_null_is_accepted_for_an_optional_field_and_stored_empty(as_analyst, roadmap):
    response = as_analyst.post(
        f"{LIST}MIL-1/updates/",
        {
            "status": "at_risk",
            "as_of": "2024-03-01",
            "summary": "Slipping.",
            "confidence": None,
        },
        format="json",
    )

    assert response.status_code == 201
    stored = StatusUpdate.objects.get(pk=response.json()["id"])
    assert stored.confidence == ""


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("StatusUpdate", "confidence"),
        ("StatusUpdate", "progress"),
        ("FeedStatusUpdate", "confidence"),
        ("SourceDocument", "url"),
        ("Source", "url"),
        ("Theme", "description"),
    ],
)
def test_optional_fields_are_declared_nullable_with_no_empty_string_branch(
    schema, component, field
):
    declared = schema["components"]["schemas"][component]["properties"][field]

    assert declared.get("nullable") is True or {"type": "null"} in declared.get("oneOf", [])
    assert "maxLength" not in str(declared.get("oneOf", ""))  # once oneOf(uri, maxLength 0)


# 2. CSV is text.


@pytest.mark.parametrize("path", [LIST, FEED])
def test_the_csv_form_of_a_list_is_declared_as_text(schema, path):
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]

    assert content["text/csv"]["schema"]["type"] == "string"
    assert "$ref" in str(content["application/json"]["schema"])


# 3. Several orderings: repeated or comma-separated, never silently dropped.


def test_ordering_may_be_repeated_or_comma_separated(api, roadmap):
    repeated = api.get(LIST, {"ordering": ["-title", "code"]}).json()["results"]
    commas = api.get(f"{LIST}?ordering=-title,code").json()["results"]

    titles = [row["title"] for row in repeated]
    assert [row["code"] for row in repeated] == [row["code"] for row in commas]
    assert titles == sorted(titles, reverse=True)


def test_an_ordering_it_does_not_know_is_a_400_even_when_repeated(api, roadmap):
    response = api.get(LIST, {"ordering": ["title", "colour"]})

    assert response.status_code == 400
    assert "colour" in response.json()["errors"]["ordering"][0]


def test_an_empty_ordering_is_the_default_order_not_an_error(api, roadmap):
    """Found by the schema fuzzer (make fuzz): ?ordering=&ordering= was a 500."""
    default = api.get(LIST).json()["results"]

    for query in ("?ordering=", "?ordering=&ordering=", "?ordering=,"):
        response = api.get(f"{LIST}{query}")
        assert response.status_code == 200, query
        assert response.json()["results"] == default, query


def test_the_schema_says_to_repeat_the_ordering(schema):
    (ordering,) = [
        parameter
        for parameter in schema["paths"][LIST]["get"]["parameters"]
        if parameter["name"] == "ordering"
    ]

    assert (ordering["style"], ordering["explode"]) == ("form", True)


# 4. An operation declares the parameters it takes, no more.


def test_a_commitments_change_history_declares_only_what_it_takes(schema, api, roadmap):
    parameters = schema["paths"][f"{LIST}{{code}}/history/"]["get"]["parameters"]

    assert {parameter["name"] for parameter in parameters} == {
        "code",
        "page",
        "page_size",
        "If-None-Match",
        "If-Modified-Since",
        "lang",
        "Accept-Language",
    }
    assert api.get(f"{LIST}MIL-1/history/").status_code == 200


# 5. Anonymous reads and the token scheme.


def test_every_read_may_be_made_without_credentials_and_writes_may_not(schema):
    for path, method, operation in operations(schema):
        assert ({} in operation["security"]) is (method == "get"), (method, path)


def test_the_token_is_declared_as_bearer_and_accepted_as_such(schema, as_analyst, roadmap):
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]

    response = as_analyst.post(
        f"{LIST}MIL-1/updates/",
        {"status": "on_track", "as_of": "2024-03-01", "summary": "With a bearer token."},
        format="json",
    )

    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert response.status_code == 201


def test_the_token_prefix_of_knox_is_still_accepted(api, roadmap, analyst, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")

    response = api.post(
        f"{LIST}MIL-1/updates/",
        {"status": "on_track", "as_of": "2024-03-01", "summary": "With a Token token."},
        format="json",
    )

    assert response.status_code == 201


# 6. Errors, headers and conditional requests are declared on every operation.


def test_every_operation_declares_its_errors_with_their_bodies(schema):
    for path, method, operation in operations(schema):
        declared = operation["responses"]
        expected = {"400", "401", "403", "404", "429", "500", "503"}
        expected |= {"304"} if method == "get" else {"413", "415"}
        expected |= {"412", "428"} if method == "patch" else set()
        assert expected <= set(declared), (method, path, expected - set(declared))
        for status in expected - {"304"}:
            assert declared[status]["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)
        for response in declared.values():
            assert {"RateLimit-Policy", "RateLimit"} <= set(response["headers"]), (method, path)
        assert "Retry-After" in declared["429"]["headers"]
        assert "Retry-After" in declared["503"]["headers"]


def test_every_read_declares_its_validators_and_every_create_its_location(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        if method == "get":
            assert {"ETag", "Last-Modified"} <= set(responses["200"]["headers"]), path
            assert {"If-None-Match", "If-Modified-Since"} <= names, path
        if "201" in responses:
            assert "Location" in responses["201"]["headers"], path
        if method == "patch":
            (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
            assert if_match["required"] is True


# 7. What updated_since accepts.


def test_updated_since_is_declared_as_a_date_or_a_date_time(schema, api, roadmap):
    (updated_since,) = [
        parameter
        for parameter in schema["paths"][LIST]["get"]["parameters"]
        if parameter["name"] == "updated_since"
    ]

    formats = {branch["format"] for branch in updated_since["schema"]["anyOf"]}
    assert formats == {"date", "date-time"}
    assert api.get(LIST, {"updated_since": "2024-01-01"}).status_code == 200
    assert api.get(LIST, {"updated_since": "2024-01-01T10:00:00Z"}).status_code == 200


# 9. If-Modified-Since.


def test_if_modified_since_gets_a_304_when_nothing_changed_since(api, roadmap):
    first = api.get(LIST)
    last_modified = parse_http_date(first["Last-Modified"])

    unchanged = api.get(LIST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    # HTTP dates count whole seconds: a copy from a second before the change is out of date.
    older = api.get(LIST, HTTP_IF_MODIFIED_SINCE=http_date(last_modified - 1))

    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged["ETag"] == first["ETag"]
    assert older.status_code == 200


def test_if_none_match_decides_over_if_modified_since(api, roadmap):
    first = api.get(LIST)

    response = api.get(
        LIST, HTTP_IF_NONE_MATCH='"something-else"', HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert response.status_code == 200


# 10. One ETag, one body.


def test_the_summarys_etag_identifies_one_body(api, roadmap):
    first, second = api.get("/api/v1/summary/"), api.get("/api/v1/summary/")

    assert first["ETag"] == second["ETag"]
    assert first.content == second.content


# 11. A method the resource does not allow is a 405 for everyone who may read it.


@pytest.mark.parametrize("who", ["anonymous", "viewer", "analyst"])
def test_a_method_a_resource_does_not_allow_is_a_405_with_allow(api, roadmap, who, request):
    if who != "anonymous":
        api.force_authenticate(request.getfixturevalue(who))

    response = api.delete(f"{LIST}MIL-3/updates/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_with_private_reads_an_anonymous_client_is_told_to_sign_in_not_a_405(
    api, roadmap, settings
):
    settings.ROADMAP_PUBLIC_READ = False

    assert api.delete(f"{LIST}MIL-3/updates/").status_code == 401


# 12. A cursor the client got wrong is a 400.


def test_a_bad_cursor_is_a_400(api, roadmap):
    response = api.get(FEED, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "cursor: Not a cursor of this feed: follow `next` links.",
        "code": "invalid",
        "errors": {"cursor": ["Not a cursor of this feed: follow `next` links."]},
        "request_id": response["X-Request-ID"],
    }


# 13. The published documentation is written for client developers.

# The tags that group the operations, in the order the documentation lists them.
TAGS = [
    "commitments",
    "updates",
    "summary",
    "reference",
    "contributions",
    "indicators",
    "time",
    "events",
    "evidence",
    "releases",
]


def test_every_operation_has_a_summary_a_description_and_a_tag(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), (method, path)
        assert operation.get("description"), (method, path)
        assert operation["tags"][0] in TAGS


def test_no_implementation_note_leaks_into_the_documentation(schema):
    text = str(schema)

    for note in ["ms a row", "tests/", "selectors", "DirectRepresentation", "cache keys"]:
        assert note not in text


def test_only_operations_that_give_csv_mention_it(schema):
    for path, method, operation in operations(schema):
        gives_csv = "text/csv" in operation["responses"].get("200", {}).get("content", {})
        assert ("CSV" in operation["description"]) is gives_csv, (method, path)


def test_the_schema_names_its_server_licence_contact_and_tags(schema):
    assert schema["servers"] == [{"url": "/", "description": "This deployment"}]
    assert schema["info"]["license"]["name"]
    assert schema["info"]["contact"]["name"]
    assert [tag["name"] for tag in schema["tags"]] == TAGS


# 14. Compression of the API, not of pages with CSRF tokens.


@pytest.mark.parametrize("query", ["", "?format=csv"])
def test_api_responses_are_compressed_for_clients_that_accept_gzip(api, roadmap, query):
    plain = api.get(f"{LIST}{query}")
    compressed = api.get(f"{LIST}{query}", HTTP_ACCEPT_ENCODING="gzip")

    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 3


def test_admin_pages_are_not_compressed(client, viewer, roadmap):
    # They carry a CSRF token beside text a visitor can choose (BREACH).
    client.force_login(viewer)

    response = client.get("/admin/commitments/commitment/", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_the_weak_etag_of_a_compressed_read_allows_an_edit(api, roadmap, editor, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(editor)}")
    etag = api.get(f"{LIST}MIL-3/", HTTP_ACCEPT_ENCODING="gzip")["ETag"]

    response = api.patch(f"{LIST}MIL-3/", {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)

    assert etag.startswith('W/"v1-')
    assert response.status_code == 200


# Read needs of dashboard developers.


def test_several_commitments_in_one_read(api, roadmap):
    response = api.get(LIST, {"code": ["MIL-1", "POL-1"]})

    assert sorted(row["code"] for row in response.json()["results"]) == ["MIL-1", "POL-1"]


def test_an_unknown_code_among_several_is_a_400_naming_it(api, roadmap):
    response = api.get(LIST, {"code": ["MIL-1", "NOPE-1"]})

    assert response.status_code == 400
    assert "NOPE-1" in str(response.json()["errors"]["code"])


def test_the_feed_filters_by_place_including_places_within_and_by_theme(api, roadmap, record):
    day = datetime.date(2024, 2, 1)
    for code in ["STB-2", "MIL-3", "FTF-2"]:  # northeast Syria, Iraq, global
        record(Commitment.objects.get(code=code), as_of=day)

    in_syria = api.get(FEED, {"place": "syria"}).json()["results"]
    on_ftf = api.get(FEED, {"theme": "foreign-terrorist-fighters"}).json()["results"]

    assert [row["commitment"] for row in in_syria] == ["STB-2"]
    assert [row["commitment"] for row in on_ftf] == ["FTF-2"]


def test_a_bearer_header_without_a_token_reads_as_anonymous(api, roadmap):
    # A generated client types every operation as taking a token; given none, it sends this.
    api.credentials(HTTP_AUTHORIZATION="Bearer ")

    assert api.get(LIST).status_code == 200
    assert api.post(f"{LIST}MIL-1/updates/", {}, format="json").status_code == 401

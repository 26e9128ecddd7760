"""Bad and hostile input on every write path, as one table: each case is refused with a 4xx and
a message naming the problem, and nothing is written."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, Evidence, StatusUpdate
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

GOOD_UPDATE = {"status": "on_track", "progress": 50, "as_of": "2024-03-01", "summary": "Fine."}
GOOD_EVIDENCE = {
    "source": "Ministry of Defence",
    "url": "https://example.org/report",
    "date": "2024-03-01",
    "reliability": "B",
    "credibility": "2",
}
GOOD_COMMITMENT = {
    "code": "EXT-1",
    "title": "Another undertaking",
    "text": "We will.",
    "source_document": "paris-roadmap-2019",
    "paragraph": 5,
    "pillar": "political",
}
TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
HUGE = "x" * 5000

# (name, method, url, body or raw string, content type, expected status, text in the answer)
API_CASES = [
    (
        "wrong type",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "progress": "lots"},
        None,
        400,
        "A valid integer is required.",
    ),
    (
        "wrong type, list",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "summary": ["a", "b"]},
        None,
        400,
        "Not a valid string.",
    ),
    (
        "missing field",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {"status": "on_track", "as_of": "2024-03-01"},
        None,
        400,
        "This field is required.",
    ),
    (
        "out of range",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "progress": 101},
        None,
        400,
        "less than or equal to 100",
    ),
    (
        "negative",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "progress": -5},
        None,
        400,
        "greater than or equal to 0",
    ),
    (
        "unknown choice",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "status": "fine"},
        None,
        400,
        '"fine" is not a valid choice.',
    ),
    (
        "future date",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "as_of": TOMORROW},
        None,
        400,
        "cannot be in the future",
    ),
    (
        "impossible date",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "as_of": "2024-02-30"},
        None,
        400,
        "Date has wrong format",
    ),
    (
        "huge string",
        "post",
        "/api/v1/evidence/",
        {**GOOD_EVIDENCE, "source": HUGE},
        None,
        400,
        "no more than 300 characters",
    ),
    (
        "huge url",
        "post",
        "/api/v1/evidence/",
        {**GOOD_EVIDENCE, "url": "https://example.org/" + HUGE},
        None,
        400,
        "no more than 500 characters",
    ),
    (
        "script in a url",
        "post",
        "/api/v1/evidence/",
        {**GOOD_EVIDENCE, "url": "javascript:alert(1)"},
        None,
        400,
        "Enter a valid URL.",
    ),
    (
        "malformed JSON",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        '{"status": ',
        "application/json",
        400,
        "JSON parse error",
    ),
    (
        "not an object",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        "[1]",
        "application/json",
        400,
        "Expected a dictionary",
    ),
    (
        "null",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        "null",
        "application/json",
        400,
        "No data provided",
    ),
    (
        "wrong content type",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        "status=on_track",
        "text/plain",
        415,
        "Unsupported media type",
    ),
    (
        "oversized body",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        json.dumps({**GOOD_UPDATE, "summary": "x" * 70000}),
        "application/json",
        413,
        "larger than",
    ),
    (
        "unknown code",
        "post",
        "/api/v1/commitments/NOPE-9/updates/",
        GOOD_UPDATE,
        None,
        404,
        "No commitment with code 'NOPE-9'",
    ),
    (
        "sets its author",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "author": 1},
        None,
        400,
        "cannot be set here",
    ),
    (
        "sets its time",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "created_at": "2020-01-01T00:00:00Z"},
        None,
        400,
        "cannot be set here",
    ),
    (
        "sets its id",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        {**GOOD_UPDATE, "id": 99},
        None,
        400,
        "cannot be set here",
    ),
    (
        "commitment: wrong type",
        "post",
        "/api/v1/commitments/",
        {**GOOD_COMMITMENT, "paragraph": "five"},
        None,
        400,
        "A valid integer is required.",
    ),
    (
        "commitment: huge title",
        "post",
        "/api/v1/commitments/",
        {**GOOD_COMMITMENT, "title": HUGE},
        None,
        400,
        "no more than 200 characters",
    ),
    (
        "commitment: unknown pillar",
        "post",
        "/api/v1/commitments/",
        {**GOOD_COMMITMENT, "pillar": "navy"},
        None,
        400,
        "does not exist",
    ),
    (
        "commitment: sets its version",
        "post",
        "/api/v1/commitments/",
        {**GOOD_COMMITMENT, "version": 9},
        None,
        400,
        "cannot be set here",
    ),
    (
        "commitment: sets its status",
        "post",
        "/api/v1/commitments/",
        {**GOOD_COMMITMENT, "status": "completed"},
        None,
        400,
        "cannot be set here",
    ),
    (
        "edit: changes the code",
        "patch",
        "/api/v1/commitments/MIL-1/",
        {"code": "MIL-9"},
        None,
        400,
        "cannot be set here",
    ),
    (
        "edit: sets the version",
        "patch",
        "/api/v1/commitments/MIL-1/",
        {"version": 9},
        None,
        400,
        "cannot be set here",
    ),
    (
        "edit: malformed JSON",
        "patch",
        "/api/v1/commitments/MIL-1/",
        "{",
        "application/json",
        400,
        "JSON parse error",
    ),
    (
        "deeply nested JSON",
        "post",
        "/api/v1/commitments/MIL-1/updates/",
        "[" * 20_000 + "]" * 20_000,
        "application/json",
        400,
        "nested too deeply",
    ),
    (
        "edit: a cadence beyond ten years",
        "patch",
        "/api/v1/commitments/MIL-1/",
        {"update_cadence_days": 10**15},
        None,
        400,
        "less than or equal to 3650",
    ),
    (
        "edit: unknown code",
        "patch",
        "/api/v1/commitments/NOPE-9/",
        {"title": "x"},
        None,
        404,
        "No commitment with code 'NOPE-9'",
    ),
]


def messages(body):
    """Every message in an error body, as one string."""
    if isinstance(body, dict):
        return " ".join(messages(value) for value in body.values())
    if isinstance(body, list):
        return " ".join(messages(value) for value in body)
    return str(body)


def snapshot():
    return (
        StatusUpdate.objects.count(),
        Evidence.objects.count(),
        Commitment.objects.count(),
        list(Commitment.objects.order_by("pk").values_list("version", "title", "current_status")),
    )


@pytest.mark.parametrize(
    ("name", "method", "url", "body", "content_type", "status", "text"),
    API_CASES,
    ids=[case[0] for case in API_CASES],
)
def test_the_api_refuses_bad_input_and_writes_nothing(
    api, roadmap, editor, token_for, name, method, url, body, content_type, status, text
):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    headers = {}
    if method == "patch" and "NOPE" not in url:
        headers["HTTP_IF_MATCH"] = api.get(url)["ETag"]
    before = snapshot()

    if content_type is None:
        response = getattr(api, method)(url, body, format="json", **headers)
    else:
        response = getattr(api, method)(url, body, content_type=content_type, **headers)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert text in messages(refusal(response))
    assert snapshot() == before


ADMIN_UPDATE = {
    "status": "on_track",
    "progress": "50",
    "as_of": "2024-03-01",
    "summary": "Fine.",
    "confidence": "",
    "corrects": "",
}
ADMIN_CASES = [
    ("wrong type", {"progress": "lots"}, "Enter a whole number."),
    ("missing field", {"summary": ""}, "This field is required."),
    ("out of range", {"progress": "150"}, "less than or equal to 100"),
    ("unknown choice", {"status": "fine"}, "Select a valid choice."),
    ("future date", {"as_of": TOMORROW}, "cannot be in the future"),
    ("impossible date", {"as_of": "2024-02-30"}, "Enter a valid date."),
    (
        "completed below 100",
        {"status": "completed", "progress": "60"},
        "set progress to 100 or leave it empty",
    ),
    ("unknown commitment", {"commitment": "999999"}, "Select a valid choice."),
]


@pytest.mark.parametrize(
    ("name", "change", "text"), ADMIN_CASES, ids=[case[0] for case in ADMIN_CASES]
)
def test_the_admin_refuses_bad_status_updates_and_writes_nothing(
    client, roadmap, analyst, name, change, text
):
    client.force_login(analyst)
    before = snapshot()

    response = client.post(
        reverse("admin:commitments_statusupdate_add"),
        {"commitment": Commitment.objects.get(code="MIL-1").pk, **ADMIN_UPDATE, **change},
    )

    assert response.status_code == 200
    assert text in response.content.decode()
    assert snapshot() == before


def test_the_admin_says_when_a_commitment_was_changed_by_someone_else_since_it_was_opened(
    client, roadmap, editor
):
    from commitments.services import save_commitment

    commitment = Commitment.objects.get(code="MIL-2")
    client.force_login(editor)
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data |= {"status_updates-TOTAL_FORMS": 0, "status_updates-INITIAL_FORMS": 0, "title": "My edit"}
    data |= {"indicators-TOTAL_FORMS": 0, "indicators-INITIAL_FORMS": 0}

    someone_else = Commitment.objects.get(pk=commitment.pk)
    someone_else.title = "Their edit"
    save_commitment(someone_else)
    response = client.post(url, data)

    assert response.status_code == 200
    assert "changed by someone else since you opened it" in response.content.decode()
    commitment.refresh_from_db()
    assert (commitment.title, commitment.version) == ("Their edit", 2)


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/api/v1/contributions/", {"currency": "XYZ"}),
        ("/api/v1/contributions/", {"partner": "nobody"}),
        ("/api/v1/contributions/", {"since": "yesterday"}),
        ("/api/v1/contributions/", {"kind": "x"}),
        ("/api/v1/indicators/", {"commitment": "NOPE-1"}),
        ("/api/v1/indicators/", {"unit": "furlongs"}),
    ],
)
def test_a_bad_filter_of_a_list_is_a_400_naming_it(api, roadmap, url, query):
    response = api.get(url, query)

    assert response.status_code == 400
    assert list(refusal(response)) == list(query)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/commitments/?updated_since=0001-01-01T00:00:00%2B05:00", "updated_since"),
        ("/api/v1/updates/?since=9999-12-31T23:59:59-05:00", "since"),
        ("/api/v1/updates/?until=0001-01-01T00:00:00%2B01:00", "until"),
    ],
)
def test_a_date_beyond_what_the_database_stores_is_a_400(api, roadmap, url, field):
    # Found in review: on SQLite these overflowed into a server error.
    response = api.get(url)

    assert response.status_code == 400
    assert refusal(response) == {field: ["Enter a date and time between the years 1 and 9999."]}


def test_a_token_that_is_not_text_is_a_401(api, roadmap):
    # Found in review: django-rest-knox failed with a server error on a non-UTF-8 header.
    response = api.get("/api/v1/summary/", HTTP_AUTHORIZATION=b"Token \xff\xfe".decode("latin-1"))

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.parametrize(
    "search",
    ["word " * 999, "x" * 201],
    ids=["999 words", "201 characters"],
)
def test_a_search_too_long_to_run_is_a_400_that_says_the_limits(api, roadmap, search):
    # 999 words once made SQLite refuse the query (expression tree too large): a 503.
    response = api.get("/api/v1/commitments/", {"search": search})

    assert response.status_code == 400
    assert "at most 10 words and 200 characters" in messages(refusal(response))


def test_the_admin_refuses_a_search_too_long_to_run_with_a_message(client, roadmap, viewer):
    client.force_login(viewer)

    response = client.get("/admin/commitments/commitment/", {"q": "word " * 999}, follow=True)

    assert response.status_code == 200
    assert "Search for at most 10 words" in response.content.decode()


def test_every_503_of_the_api_is_logged_with_its_cause(api, roadmap, monkeypatch, caplog):
    from django.db import OperationalError

    from commitments.api import summary

    def refused(*args, **kwargs):
        raise OperationalError("Expression tree is too large (maximum depth 1000)")

    monkeypatch.setattr(summary, "roadmap_summary", refused)

    response = api.get("/api/v1/summary/")

    assert response.status_code == 503
    logged = [record for record in caplog.records if record.name == "commitments.api.exceptions"]
    assert "Expression tree is too large" in logged[-1].getMessage()
    assert logged[-1].exc_info is not None

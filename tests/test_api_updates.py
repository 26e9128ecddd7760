"""Status updates through the API: a commitment's history, recording one, and the feed."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from commitments.models import StatusUpdate
from tests.factories import CommitmentFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

FEED = "/api/v1/updates/"


def history_url(commitment):
    return f"/api/v1/commitments/{commitment.code}/updates/"


VALID = {
    "status": "on_track",
    "progress": 55,
    "as_of": "2024-04-01",
    "summary": "Second tranche of funding disbursed.",
    "confidence": "high",
}


def test_history_lists_every_update_newest_assessment_first(api, commitment, record):
    for day in [5, 1, 20, 10]:
        record(commitment, as_of=datetime.date(2024, 2, day), summary=f"day {day}")

    body = api.get(history_url(commitment)).json()

    assert body["count"] == 4
    assert [update["summary"] for update in body["results"]] == [
        "day 20",
        "day 10",
        "day 5",
        "day 1",
    ]


def test_the_history_of_an_unknown_commitment_is_a_404(api, db):
    assert api.get("/api/v1/commitments/XYZ-1/updates/").status_code == 404


def test_an_analyst_records_an_update_and_gets_it_back_with_its_location(
    as_analyst, analyst, commitment
):
    response = as_analyst.post(history_url(commitment), VALID, format="json")

    assert response.status_code == 201, response.json()
    update = StatusUpdate.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/updates/{update.pk}/"
    assert response.json()["summary"] == VALID["summary"]
    assert update.author == analyst
    assert as_analyst.get(response["Location"]).json() == response.json()
    commitment.refresh_from_db()
    assert (commitment.current_status, commitment.current_progress) == ("on_track", 55)


def test_evidence_is_cited_by_its_ids_and_a_url_or_source_of_its_own_is_refused(
    as_analyst, commitment, evidence
):
    piece = evidence()
    old = {"evidence_url": "https://example.org/report", "evidence_source": "A report"}

    refused = as_analyst.post(history_url(commitment), {**VALID, **old}, format="json")
    cited = as_analyst.post(
        history_url(commitment), {**VALID, "evidence": [piece.pk]}, format="json"
    )

    assert refused.status_code == 400
    assert refusal(refused) == {
        "evidence_url": ["Unknown field."],
        "evidence_source": ["Unknown field."],
    }
    assert cited.status_code == 201
    assert StatusUpdate.objects.get().cited() == [piece]


def test_a_correction_names_the_update_it_corrects(as_analyst, commitment, record):
    wrong = record(commitment, status="completed", progress=100)

    response = as_analyst.post(
        history_url(commitment),
        {**VALID, "summary": "Correction: not done.", "corrects": wrong.pk},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["corrects"] == wrong.pk


def test_a_corrected_update_names_its_correction_wherever_it_is_read(api, commitment, record):
    wrong = record(commitment, status="completed", progress=100)
    correction = record(commitment, status="at_risk", summary="Not done.", corrects=wrong)

    reads = [
        api.get(f"/api/v1/updates/{wrong.pk}/").json(),
        api.get(history_url(commitment)).json()["results"][1],
        api.get("/api/v1/updates/").json()["results"][1],
        api.get(f"/api/v1/commitments/{commitment.code}/").json()["latest_updates"][1],
    ]

    assert [read["corrected_by"] for read in reads] == [correction.pk] * 4
    assert api.get(f"/api/v1/updates/{correction.pk}/").json()["corrected_by"] is None


def tomorrow():
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"progress": 120}, {"progress": ["Ensure this value is less than or equal to 100."]}),
        ({"progress": "lots"}, {"progress": ["A valid integer is required."]}),
        ({"status": "great"}, {"status": ['"great" is not a valid choice.']}),
        ({"status": "not_assessed"}, {"status": ['"not_assessed" is not a valid choice.']}),
        ({"confidence": "total"}, {"confidence": ['"total" is not a valid choice.']}),
        ({"summary": "  "}, {"summary": ["This field may not be blank."]}),
        ({"summary": None}, {"summary": ["This field may not be null."]}),
        (
            {"as_of": "01/04/2024"},
            {"as_of": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            {"as_of": "2019-06-24"},
            {"as_of": ["The assessment date cannot be before Document 0 was issued (2019-06-25)."]},
        ),
        (
            {"status": "completed", "progress": 90},
            {
                "progress": [
                    "A completed commitment is 100% done: set progress to 100 or leave it empty."
                ]
            },
        ),
        ({"corrects": 999999}, {"corrects": ['Invalid pk "999999" - object does not exist.']}),
        ({"author": "someone-else"}, {"author": ["This field cannot be set here."]}),
        (
            {"created_at": "2020-01-01T00:00:00Z"},
            {"created_at": ["This field cannot be set here."]},
        ),
        ({"id": 1}, {"id": ["This field cannot be set here."]}),
        ({"colour": "red"}, {"colour": ["Unknown field."]}),
    ],
)
def test_a_bad_update_is_a_400_with_field_errors_and_nothing_is_written(
    as_analyst, db, change, errors
):
    commitment = CommitmentFactory(source_document__short_name="Document 0")

    response = as_analyst.post(history_url(commitment), {**VALID, **change}, format="json")

    assert response.status_code == 400
    assert refusal(response) == errors
    assert not StatusUpdate.objects.exists()


def test_an_update_dated_in_the_future_is_refused(as_analyst, commitment):
    response = as_analyst.post(
        history_url(commitment), {**VALID, "as_of": tomorrow()}, format="json"
    )

    assert response.status_code == 400
    assert "cannot be in the future" in refusal(response)["as_of"][0]


@pytest.mark.parametrize("missing", ["status", "as_of", "summary"])
def test_required_fields_are_named_when_missing(as_analyst, commitment, missing):
    body = {key: value for key, value in VALID.items() if key != missing}

    response = as_analyst.post(history_url(commitment), body, format="json")

    assert refusal(response) == {missing: ["This field is required."]}


def test_a_correction_of_another_commitments_update_is_refused(as_analyst, commitment, record):
    other = record(CommitmentFactory())

    response = as_analyst.post(
        history_url(commitment), {**VALID, "corrects": other.pk}, format="json"
    )

    assert refusal(response) == {
        "corrects": ["A correction must correct an update of the same commitment."]
    }


MALFORMED_JSON = '{"status": "on_track",'


def json_parse_error(text):
    """DRF's answer to a body that is not JSON: Python's own reason, after DRF's words."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return {"detail": f"JSON parse error - {error}"}
    raise AssertionError(f"{text!r} is JSON")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "answer"),
    [
        (MALFORMED_JSON, "application/json", 400, json_parse_error(MALFORMED_JSON)),
        (
            "[1, 2]",
            "application/json",
            400,
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
        ),
        (
            "status=on_track",
            "application/x-www-form-urlencoded",
            415,
            {"detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.'},
        ),
    ],
    ids=["malformed JSON", "not an object", "form-encoded"],
)
def test_a_body_the_api_cannot_read_is_refused_and_nothing_is_written(
    as_analyst, commitment, body, content_type, status, answer
):
    response = as_analyst.post(history_url(commitment), body, content_type=content_type)

    assert response.status_code == status
    assert refusal(response) == answer
    assert not StatusUpdate.objects.exists()


def test_an_oversized_body_is_a_413(as_analyst, commitment, settings):
    body = json.dumps({**VALID, "summary": "x" * (settings.API_MAX_BODY_BYTES + 1)})

    response = as_analyst.post(history_url(commitment), body, content_type="application/json")

    assert response.status_code == 413
    assert "larger than 65536 bytes" in response.json()["detail"]
    assert not StatusUpdate.objects.exists()


def test_the_feed_lists_updates_most_recently_recorded_first(api, db, record):
    first, second = CommitmentFactory(), CommitmentFactory()
    older = record(first, as_of=datetime.date(2024, 5, 1))
    newer = record(second, as_of=datetime.date(2023, 1, 1))

    results = api.get(FEED).json()["results"]

    assert [update["id"] for update in results] == [newer.pk, older.pk]
    assert results[0]["commitment"] == second.code


def test_the_feed_cursor_stays_stable_while_new_updates_arrive(api, commitment, record):
    recorded = [record(commitment, summary=f"update {n}") for n in range(5)]

    first_page = api.get(FEED, {"page_size": 2}).json()
    record(commitment, summary="arrived meanwhile")
    second_page = api.get(first_page["next"]).json()

    assert [update["id"] for update in first_page["results"]] == [recorded[4].pk, recorded[3].pk]
    assert [update["id"] for update in second_page["results"]] == [recorded[2].pk, recorded[1].pk]


def test_the_feed_filters_by_time_pillar_status_and_commitment(api, db, record):
    military, political = (
        CommitmentFactory(pillar__slug="military"),
        CommitmentFactory(pillar__slug="political"),
    )
    at_risk = record(military, status="at_risk")
    on_track = record(political, status="on_track")
    later = record(military, status="on_track")

    def ids(**query):
        response = api.get(FEED, query)
        assert response.status_code == 200, response.json()
        return [update["id"] for update in response.json()["results"]]

    assert ids(pillar="military") == [later.pk, at_risk.pk]
    assert ids(status="at_risk") == [at_risk.pk]
    assert ids(commitment=political.code) == [on_track.pk]
    assert ids(since=on_track.created_at.isoformat()) == [later.pk, on_track.pk]
    assert ids(until=on_track.created_at.isoformat()) == [at_risk.pk]
    assert ids(pillar="military", status="on_track") == [later.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"pillar": "navy"}, "pillar"),
        ({"status": "great"}, "status"),
        ({"commitment": "NOPE-1"}, "commitment"),
        ({"since": "soon"}, "since"),
    ],
)
def test_the_feed_refuses_unknown_filter_values(api, db, query, field):
    response = api.get(FEED, query)

    assert response.status_code == 400
    assert list(refusal(response)) == [field]


def test_the_feed_exports_csv(api, commitment, record):
    record(commitment, summary="First.")
    record(commitment, summary="Second.")

    response = api.get(FEED, {"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert [row["summary"] for row in rows] == ["Second.", "First."]
    assert rows[0]["commitment"] == commitment.code
    assert response["Content-Disposition"] == 'attachment; filename="status-updates.csv"'


def test_the_feeds_csv_is_sent_a_batch_at_a_time(api, commitment, record, monkeypatch):
    # A million updates are never held at once: each batch is read, written and sent.
    monkeypatch.setattr("commitments.api.updates.STREAMED_CSV_BATCH", 2)
    for n in range(5):
        record(commitment, summary=f"Update {n}.")

    chunks = list(api.get(FEED, {"format": "csv"}).streaming_content)

    lines_per_chunk = [chunk.decode().count("\r\n") for chunk in chunks]
    assert lines_per_chunk == [1 + 2, 2, 1]  # the header comes with the first batch
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert [row["summary"] for row in rows] == [f"Update {n}." for n in (4, 3, 2, 1, 0)]


def test_the_feeds_csv_shows_an_update_in_the_very_next_read(api, commitment, record):
    record(commitment, summary="First.")
    before = api.get(FEED, {"format": "csv"})
    record(commitment, summary="Second.")

    after = api.get(FEED, {"format": "csv"})

    assert after["ETag"] != before["ETag"]
    rows = list(csv.DictReader(io.StringIO(after.getvalue().decode())))
    assert [row["summary"] for row in rows] == ["Second.", "First."]


def test_the_feeds_csv_answers_304_and_head_without_a_body(api, commitment, record):
    record(commitment, summary="First.")
    first = api.get(FEED, {"format": "csv"})

    again = api.get(FEED, {"format": "csv"}, HTTP_IF_NONE_MATCH=first["ETag"])
    head = api.head(FEED, {"format": "csv"})

    assert again.status_code == 304
    assert head.status_code == 200
    assert head["ETag"] == first["ETag"]
    assert head.getvalue() == b""


def test_the_feeds_csv_of_nothing_is_its_header(api, commitment, record):
    record(commitment, summary="Recorded.")
    header = api.get(FEED, {"format": "csv"}).getvalue().decode().splitlines()[0]

    response = api.get(FEED, {"format": "csv", "status": "discontinued"})

    assert response.status_code == 200
    assert response.getvalue().decode().splitlines() == [header]

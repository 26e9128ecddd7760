"""Idempotency-Key on the API's POSTs: a retry gets the first response and writes nothing again
(commitments/api/idempotency.py)."""

import datetime
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from drf_spectacular.generators import SchemaGenerator

from commitments.models import (
    Commitment,
    Contribution,
    Dependency,
    Evidence,
    IdempotencyKey,
    Indicator,
    IndicatorValue,
    IndicatorValueReview,
    Release,
    ReleaseReview,
    Review,
    StatusUpdate,
)
from commitments.roles import SECRETARIAT
from commitments.services import approve_or_return, propose_release
from tests.conftest import at
from tests.helpers import PLEDGE, refusal
from tests.threads import client_with

UPDATES = "/api/v1/commitments/MIL-1/updates/"
UPDATE = {
    "status": "on_track",
    "progress": 40,
    "as_of": "2024-01-15",
    "summary": "Progress reported by partners.",
}
KEY = "3f0c8a52-1b7e-4c1e-9a55-0d6f3c2b9e10"


@pytest.fixture
def as_analyst(api, roadmap, analyst, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")
    return api


def post(api, url, body, key=KEY):
    return api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_post_gets_the_first_response_and_writes_once(as_analyst):
    first = post(as_analyst, UPDATES, UPDATE)
    retry = post(as_analyst, UPDATES, UPDATE)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"] == first.json()["url"]
    assert (first.has_header("Idempotent-Replayed"), retry["Idempotent-Replayed"]) == (
        False,
        "true",
    )
    assert StatusUpdate.objects.count() == 1


def test_the_same_json_spelt_otherwise_is_the_same_request(as_analyst):
    first = post(as_analyst, UPDATES, UPDATE)
    reordered = as_analyst.generic(
        "POST",
        UPDATES,
        '{"summary": "Progress reported by partners.", "as_of": "2024-01-15",\n'
        ' "progress": 40, "status": "on_track"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert reordered.json() == first.json()
    assert StatusUpdate.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (UPDATES, {**UPDATE, "progress": 41}),
        ("/api/v1/commitments/MIL-2/updates/", UPDATE),
    ],
    ids=["another body", "another address"],
)
def test_the_same_key_with_another_request_is_a_422_and_writes_nothing(as_analyst, url, body):
    first = post(as_analyst, UPDATES, UPDATE)

    reused = post(as_analyst, url, body)

    assert first.status_code == 201
    assert reused.status_code == 422
    assert "Idempotency-Key was used for another request" in reused.json()["detail"]
    assert StatusUpdate.objects.count() == 1


def test_without_a_key_a_post_sent_twice_writes_twice(as_analyst):
    first = as_analyst.post(UPDATES, UPDATE, format="json")
    second = as_analyst.post(UPDATES, UPDATE, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert not second.has_header("Idempotent-Replayed")
    assert not IdempotencyKey.objects.exists()


def test_keys_are_each_users_own(api, roadmap, analyst, editor, token_for):
    mine = post(client_with(token_for(analyst)), UPDATES, UPDATE)
    theirs = post(client_with(token_for(editor)), UPDATES, UPDATE)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["author"] == "editor"
    assert StatusUpdate.objects.count() == 2


def test_a_key_is_the_users_whatever_token_or_session_they_send_it_with(
    api, roadmap, analyst, token_for
):
    with_a_token = post(client_with(token_for(analyst)), UPDATES, UPDATE)
    with_another = post(client_with(token_for(analyst)), UPDATES, UPDATE)
    api.force_login(analyst)
    signed_in = post(api, UPDATES, UPDATE)

    assert with_another.json() == signed_in.json() == with_a_token.json()
    assert StatusUpdate.objects.count() == 1


def test_a_failed_request_spends_no_key_and_its_corrected_retry_runs(as_analyst):
    refused = post(as_analyst, UPDATES, {**UPDATE, "progress": 101})
    corrected = post(as_analyst, UPDATES, UPDATE)
    retried = post(as_analyst, UPDATES, UPDATE)

    assert refused.status_code == 400
    assert (corrected.status_code, retried.status_code) == (201, 201)
    assert retried.json() == corrected.json()
    assert StatusUpdate.objects.count() == 1


def test_a_key_is_kept_for_24_hours(as_analyst):
    recorded = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    with at(recorded):
        first = post(as_analyst, UPDATES, UPDATE)
    with at(recorded + datetime.timedelta(hours=23, minutes=59)):
        retried = post(as_analyst, UPDATES, UPDATE)
        other_body = post(as_analyst, UPDATES, {**UPDATE, "progress": 41})
    with at(recorded + datetime.timedelta(hours=24, minutes=1)):
        a_day_later = post(as_analyst, UPDATES, {**UPDATE, "progress": 41})

    assert (retried.json(), other_body.status_code) == (first.json(), 422)
    assert a_day_later.status_code == 201
    assert a_day_later.json()["id"] != first.json()["id"]
    # The expired key made way for the new one.
    assert list(IdempotencyKey.objects.values_list("key", "created_at")) == [
        (KEY, recorded + datetime.timedelta(hours=24, minutes=1))
    ]


def test_pruning_deletes_the_keys_older_than_24_hours(as_analyst, capsys):
    now = datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC)
    with at(now - datetime.timedelta(hours=25)):
        post(as_analyst, UPDATES, UPDATE, key="old")
    with at(now - datetime.timedelta(hours=1)):
        post(as_analyst, UPDATES, UPDATE, key="recent")

    with at(now):
        call_command("prune_idempotency_keys")

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert "Deleted 1 expired idempotency keys." in capsys.readouterr().out


@pytest.mark.parametrize("key", ["", " ", "k" * 256])
def test_a_key_that_is_empty_or_too_long_is_a_400(as_analyst, key):
    response = post(as_analyst, UPDATES, UPDATE, key=key)

    assert response.status_code == 400
    assert "1 to 255 characters" in refusal(response)["Idempotency-Key"][0]
    assert not StatusUpdate.objects.exists()


# Every POST of the API.


@pytest.fixture
def every_post(
    roadmap,
    analyst,
    editor,
    reviewer,
    record,
    hum1_indicator,
    observe,
    review_required,
    cleared_analyst,
):
    """Each POST of the API: who may send it, its address, a body, and what it writes."""
    pending = record(Commitment.objects.get(code="MIL-1"), as_of=datetime.date(2024, 1, 10))
    pending_value = observe(hum1_indicator, "12", as_of=datetime.date(2024, 1, 10))
    # Coalition updates to release (one release of a record pending at a time), by the
    # secretariat's analyst, whose releases the reviewer, of the secretariat too, decides.
    reviewer.groups.add(Group.objects.get(name=SECRETARIAT))
    for_members = [
        record(Commitment.objects.get(code=code), releasability="coalition")
        for code in ("MIL-2", "MIL-3", "HUM-1")
    ]
    for update in for_members:
        approve_or_return(update, reviewer=reviewer, decision="approve")
    to_decide, to_withdraw = (
        propose_release(
            record=update, author=cleared_analyst, released_to="public", reason="Published."
        )
        for update in for_members[1:]
    )

    def approval(url, written):
        return reviewer, url, {"decision": "approve"}, written

    return {
        "/api/v1/commitments/": (
            editor,
            "/api/v1/commitments/",
            {
                "code": "KGP-1",
                "title": "Sustain the Coalition's stabilization support",
                "text": "The Coalition will continue to support stabilization.",
                "source_document": "kuwait-guiding-principles-2018",
                "paragraph": 4,
                "pillar": "stabilization",
            },
            Commitment.objects.all(),
        ),
        "/api/v1/commitments/{code}/updates/": (
            analyst,
            UPDATES,
            UPDATE,
            StatusUpdate.objects.all(),
        ),
        "/api/v1/updates/{id}/review/": approval(
            f"/api/v1/updates/{pending.pk}/review/", Review.objects.all()
        ),
        "/api/v1/contributions/": (
            analyst,
            "/api/v1/contributions/",
            PLEDGE,
            Contribution.objects.all(),
        ),
        "/api/v1/indicators/": (
            editor,
            "/api/v1/indicators/",
            {
                "slug": "meetings",
                "name": "Meetings held",
                "commitment": "POL-1",
                "unit": "count",
                "direction": "increase",
            },
            Indicator.objects.all(),
        ),
        "/api/v1/indicators/{id}/values/": (
            analyst,
            f"/api/v1/indicators/{hum1_indicator.pk}/values/",
            {"value": "13", "as_of": "2024-01-15"},
            IndicatorValue.objects.all(),
        ),
        "/api/v1/indicator-values/{id}/review/": approval(
            f"/api/v1/indicator-values/{pending_value.pk}/review/",
            IndicatorValueReview.objects.all(),
        ),
        # Their author's withdrawal of the same pending records.
        "/api/v1/updates/{id}/withdraw/": (
            analyst,
            f"/api/v1/updates/{pending.pk}/withdraw/",
            {},
            Review.objects.all(),
        ),
        "/api/v1/indicator-values/{id}/withdraw/": (
            analyst,
            f"/api/v1/indicator-values/{pending_value.pk}/withdraw/",
            {},
            IndicatorValueReview.objects.all(),
        ),
        "/api/v1/evidence/": (
            analyst,
            "/api/v1/evidence/",
            {
                "source": "UNDP field office",
                "url": "https://example.org/report.pdf",
                "date": "2024-01-10",
                "summary": "Ten of twelve police stations reopened.",
                "reliability": "B",
                "credibility": "2",
            },
            Evidence.objects.all(),
        ),
        "/api/v1/dependencies/": (
            editor,
            "/api/v1/dependencies/",
            {"commitment": "MIL-2", "depends_on": "MIL-1", "note": "Needs bases."},
            Dependency.objects.all(),
        ),
        "/api/v1/releases/": (
            cleared_analyst,
            "/api/v1/releases/",
            {
                "record_kind": "status_update",
                "record": for_members[0].pk,
                "released_to": "public",
                "reason": "Published since.",
            },
            Release.objects.all(),
        ),
        "/api/v1/releases/{id}/review/": approval(
            f"/api/v1/releases/{to_decide.pk}/review/", ReleaseReview.objects.all()
        ),
        "/api/v1/releases/{id}/withdraw/": (
            cleared_analyst,
            f"/api/v1/releases/{to_withdraw.pk}/withdraw/",
            {},
            ReleaseReview.objects.all(),
        ),
    }


def test_every_post_of_the_schema_takes_an_idempotency_key(every_post):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = {path for path, operations in schema["paths"].items() if "post" in operations}

    assert posts == set(every_post)
    for path in posts:
        parameters = schema["paths"][path]["post"]["parameters"]
        assert "Idempotency-Key" in [parameter["name"] for parameter in parameters], path


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/commitments/",
        "/api/v1/commitments/{code}/updates/",
        "/api/v1/updates/{id}/review/",
        "/api/v1/contributions/",
        "/api/v1/indicators/",
        "/api/v1/indicators/{id}/values/",
        "/api/v1/indicator-values/{id}/review/",
        "/api/v1/updates/{id}/withdraw/",
        "/api/v1/indicator-values/{id}/withdraw/",
        "/api/v1/evidence/",
        "/api/v1/dependencies/",
        "/api/v1/releases/",
        "/api/v1/releases/{id}/review/",
        "/api/v1/releases/{id}/withdraw/",
    ],
)
def test_every_post_retried_with_its_key_writes_once(every_post, token_for, path):
    user, url, body, written = every_post[path]
    before = written.count()
    api = client_with(token_for(user))

    first = post(api, url, body)
    retry = post(api, url, body)

    assert first.status_code == 201, first.json()
    assert (retry.status_code, retry.json(), retry["Location"]) == (
        201,
        first.json(),
        first["Location"],
    )
    assert written.count() == before + 1


# A retry while the first request is still being processed.


def waiting_for_the_lock(thread):
    """Until the thread's request waits for the test's lock (PostgreSQL says so; SQLite does
    not, and there the order of the two requests does not matter)."""
    if connection.vendor != "postgresql":
        time.sleep(0.2)
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and thread.is_alive():
        with connection.cursor() as cursor:
            # (Within a transaction, the statistics views hold still unless told to let go.)
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError("The first request never waited for the lock.")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_erasable_history")
def test_a_retry_while_the_first_is_processed_writes_nothing(roadmap, analyst, token_for):
    """The first request waits for a lock on the commitment that the test holds. On PostgreSQL
    the retry is then refused at once (409, Retry-After); on SQLite, which runs one write at a
    time, both wait, and the one that runs second gets the response of the other."""
    token = token_for(analyst)
    results = {}

    def send(name):
        try:
            results[name] = post(client_with(token), UPDATES, UPDATE)
        finally:
            connection.close()

    first = threading.Thread(target=send, args=["first"])
    retry = threading.Thread(target=send, args=["retry"])
    with transaction.atomic():
        # A writer of the commitment (on SQLite, of the database) holds the first request.
        Commitment.objects.select_for_update().filter(code="MIL-1").update(title="Held")
        first.start()
        waiting_for_the_lock(first)
        retry.start()
        if connection.vendor == "postgresql":
            retry.join(timeout=10)
    first.join(timeout=30)
    retry.join(timeout=30)

    recorded = StatusUpdate.objects.get()
    if connection.vendor == "postgresql":
        assert results["first"].json()["id"] == recorded.pk
        assert results["retry"].status_code == 409
        assert results["retry"]["Retry-After"] == "1"
        assert "still being processed" in results["retry"].json()["detail"]
    else:
        # Whichever got the write lock first ran; the other got its response.
        responses = results.values()
        assert [response.json()["id"] for response in responses] == [recorded.pk] * 2
        assert sorted(response.has_header("Idempotent-Replayed") for response in responses) == [
            False,
            True,
        ]
    again = post(client_with(token), UPDATES, UPDATE)
    assert (again.status_code, again.json()["id"]) == (201, recorded.pk)


def test_a_dashboard_on_an_allowed_origin_may_send_a_key(api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://dashboard.example.org"]

    preflight = api.options(
        UPDATES,
        HTTP_ORIGIN="https://dashboard.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )

    assert "idempotency-key" in preflight["Access-Control-Allow-Headers"]

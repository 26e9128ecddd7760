"""A reviewer and the grades of the evidence a pending record cites: the queue's flag, and the
return for evidence all graded below EVIDENCE_GRADE_THRESHOLD (C3 by default)."""

import pytest

from commitments.models import ReviewState, StatusUpdate
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/updates/"


@pytest.fixture
def as_reviewer(api, reviewer, review_required):
    api.force_authenticate(reviewer)
    return api


def flags(api):
    body = api.get(QUEUE, {"review_state": "pending", "reviewable": "true"}).json()
    return {update["id"]: update["evidence_below_threshold"] for update in body["results"]}


def test_the_queue_flags_updates_whose_evidence_is_all_below_the_threshold(
    as_reviewer, commitment, record, evidence
):
    weak = record(commitment, evidence=[evidence("D2"), evidence("B4")])
    strong = record(commitment, evidence=[evidence("D2"), evidence("C3")])
    bare = record(commitment)

    assert flags(as_reviewer) == {weak.pk: True, strong.pk: False, bare.pk: True}


def test_the_threshold_is_a_setting(as_reviewer, commitment, record, evidence, settings):
    # (The queue's flag reads it as the process started: its query is compiled once.)
    settings.EVIDENCE_GRADE_THRESHOLD = "A1"
    update = record(commitment, evidence=[evidence("B2")])

    response = as_reviewer.post(
        f"{QUEUE}{update.pk}/review/",
        {"decision": "return", "reason": "evidence_below_threshold"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["comment"].startswith("Its evidence is all graded below A1 (graded B2)")
    below = StatusUpdate.objects.with_evidence_below("A1").get(pk=update.pk)
    assert below.evidence_below_threshold


def test_readers_who_do_not_review_see_no_flag(api, commitment, record, evidence):
    record(commitment, evidence=[evidence("E5")])

    body = api.get(QUEUE).json()

    assert [update["evidence_below_threshold"] for update in body["results"]] == [None]


def test_a_reviewer_returns_an_update_for_its_evidence_with_that_reason(
    as_reviewer, commitment, record, evidence
):
    update = record(commitment, evidence=[evidence("D2"), evidence("F6")])

    response = as_reviewer.post(
        f"{QUEUE}{update.pk}/review/",
        {"decision": "return", "reason": "evidence_below_threshold", "comment": "See Q2."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["comment"] == (
        "Its evidence is all graded below C3 (graded D2, F6): cite evidence graded C3 or "
        "better (a source C or more reliable, information 3 or more credible), or say why "
        "none can be had. See Q2."
    )
    assert StatusUpdate.objects.get(pk=update.pk).review_state == ReviewState.RETURNED


def test_the_reason_is_refused_when_a_piece_reaches_the_threshold(
    as_reviewer, commitment, record, evidence
):
    update = record(commitment, evidence=[evidence("D2"), evidence("C3")])

    response = as_reviewer.post(
        f"{QUEUE}{update.pk}/review/",
        {"decision": "return", "reason": "evidence_below_threshold"},
        format="json",
    )

    assert response.status_code == 400
    assert refusal(response) == {
        "reason": [
            f"Update #{update.pk} cites evidence graded C3 or better (D2, C3): return it with "
            "a comment of your own if it needs revising."
        ]
    }
    assert StatusUpdate.objects.get(pk=update.pk).review_state == ReviewState.PENDING


def test_the_reason_goes_with_a_return_only(as_reviewer, commitment, record):
    update = record(commitment)

    response = as_reviewer.post(
        f"{QUEUE}{update.pk}/review/",
        {"decision": "approve", "reason": "evidence_below_threshold"},
        format="json",
    )

    assert response.status_code == 400
    assert refusal(response) == {"reason": ["A reason goes with a return."]}

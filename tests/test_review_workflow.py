"""Four eyes: a status update counts only once someone other than its author approves it.

These tests run with review required, the product's default (the `review_required` fixture)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.http import http_date

from commitments.models import Commitment, Review, StatusUpdate
from commitments.services import AlreadyDecided, OwnRecord, approve_or_return
from tests.factories import CommitmentFactory, UserFactory
from tests.helpers import refusal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]

FEED = "/api/v1/updates/"


def review_url(update):
    return f"/api/v1/updates/{update.pk}/review/"


@pytest.fixture
def signed_in(api, token_for):
    """An API client signed in as `user`."""

    def signed_in(user):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return api

    return signed_in


def current(commitment):
    commitment = Commitment.objects.get(pk=commitment.pk)
    return commitment.current_status, commitment.current_progress, commitment.current_as_of


# Submission


def test_a_new_update_is_pending_and_changes_nothing_readers_see(signed_in, analyst, commitment):
    response = signed_in(analyst).post(
        f"/api/v1/commitments/{commitment.code}/updates/",
        {"status": "at_risk", "as_of": "2024-03-01", "summary": "Funding delayed."},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["review_state"], body["reviewer"], body["reviewed_at"]) == ("pending", None, None)
    assert current(commitment) == ("not_assessed", None, None)
    assert Commitment.objects.get(pk=commitment.pk).last_approved_at is None


def test_without_review_an_update_is_approved_on_submission_by_nobody(settings, record, commitment):
    settings.REVIEW_REQUIRED = False

    update = record(commitment, status="at_risk", as_of=datetime.date(2024, 3, 1))

    review = Review.objects.get(update=update)
    assert (review.decision, review.reviewer, review.decided_at) == (
        "approve",
        None,
        update.created_at,
    )
    assert current(commitment) == ("at_risk", None, datetime.date(2024, 3, 1))


# Deciding


def test_an_approved_update_becomes_the_current_status(signed_in, record, reviewer, commitment):
    update = record(commitment, status="at_risk", progress=40, as_of=datetime.date(2024, 3, 1))

    response = signed_in(reviewer).post(
        review_url(update),
        {"decision": "approve", "comment": "Checked against OCHA."},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["update"], body["decision"], body["reviewer"], body["comment"]) == (
        update.pk,
        "approve",
        "reviewer",
        "Checked against OCHA.",
    )
    assert response["Location"] == body["update_url"]
    assert current(commitment) == ("at_risk", 40, datetime.date(2024, 3, 1))
    commitment.refresh_from_db()
    assert (commitment.last_recorded_at, commitment.last_approved_at) == (
        update.created_at,
        Review.objects.get(update=update).decided_at,
    )


def test_an_editor_may_review_too(signed_in, record, editor, commitment):
    update = record(commitment)

    assert signed_in(editor).post(review_url(update), {"decision": "approve"}).status_code == 201


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_roles_without_the_permission_may_not_review(signed_in, record, role, request, commitment):
    update = record(commitment, author=UserFactory(username="someone"))
    user = request.getfixturevalue(role)

    response = signed_in(user).post(review_url(update), {"decision": "approve"})

    assert response.status_code == 403
    assert "Reviewers and Editors" in response.json()["detail"]
    assert not Review.objects.exists()


def test_an_anonymous_client_may_not_review(api, record, commitment):
    update = record(commitment)

    assert api.post(review_url(update), {"decision": "approve"}).status_code in (401, 403)
    assert not Review.objects.exists()


@pytest.mark.parametrize("author_role", ["editor", "superuser"])
def test_nobody_reviews_their_own_update_not_even_a_superuser(
    signed_in, record, author_role, request, commitment
):
    author = request.getfixturevalue(author_role)
    update = record(commitment, author=author)

    response = signed_in(author).post(review_url(update), {"decision": "approve"})

    assert response.status_code == 403
    assert "another reviewer" in response.json()["detail"]
    with pytest.raises(OwnRecord):
        approve_or_return(update, reviewer=author, decision="approve")
    assert not Review.objects.exists()
    assert current(commitment)[0] == "not_assessed"


def test_a_second_decision_is_a_409_and_the_first_stands(
    signed_in, record, reviewer, editor, commitment
):
    update = record(commitment)
    approve_or_return(update, reviewer=reviewer, decision="return", comment="No source given.")

    response = signed_in(editor).post(review_url(update), {"decision": "approve"})

    assert response.status_code == 409
    assert "already returned for revision" in response.json()["detail"]
    assert Review.objects.get(update=update).decision == "return"
    assert current(commitment)[0] == "not_assessed"


def test_returning_needs_a_comment(signed_in, record, reviewer, commitment):
    update = record(commitment)

    response = signed_in(reviewer).post(review_url(update), {"decision": "return", "comment": " "})

    assert response.status_code == 400
    assert "comment" in refusal(response)
    with pytest.raises(ValidationError, match="Say why"):
        approve_or_return(update, reviewer=reviewer, decision="return")
    assert not Review.objects.exists()


def test_a_decision_may_not_set_its_reviewer_or_update(signed_in, record, reviewer, commitment):
    update = record(commitment)

    response = signed_in(reviewer).post(
        review_url(update), {"decision": "approve", "reviewer": "someone"}, format="json"
    )

    assert response.status_code == 400
    assert refusal(response)["reviewer"] == ["This field cannot be set here."]


def test_reviewing_an_update_that_does_not_exist_is_a_404(signed_in, reviewer, db):
    assert (
        signed_in(reviewer).post("/api/v1/updates/999/review/", {"decision": "approve"}).status_code
        == 404
    )


# What counts


def test_a_returned_update_never_counts_and_its_correction_does_once_approved(
    record, reviewer, commitment
):
    first = record(commitment, status="on_track", as_of=datetime.date(2024, 3, 1))
    approve_or_return(first, reviewer=reviewer, decision="approve")
    wrong = record(commitment, status="completed", as_of=datetime.date(2024, 4, 1))
    approve_or_return(wrong, reviewer=reviewer, decision="return", comment="Not finished yet.")
    assert current(commitment)[0] == "on_track"

    answer = record(commitment, status="at_risk", as_of=datetime.date(2024, 4, 1), corrects=wrong)
    assert current(commitment)[0] == "on_track"  # pending
    approve_or_return(answer, reviewer=reviewer, decision="approve")

    assert current(commitment) == ("at_risk", None, datetime.date(2024, 4, 1))


def test_approving_an_older_assessment_never_overtakes_a_newer_approved_one(
    record, reviewer, commitment
):
    newer = record(commitment, status="at_risk", as_of=datetime.date(2024, 6, 1))
    older = record(commitment, status="on_track", as_of=datetime.date(2024, 2, 1))
    approve_or_return(newer, reviewer=reviewer, decision="approve")

    approve_or_return(older, reviewer=reviewer, decision="approve")

    assert current(commitment) == ("at_risk", None, datetime.date(2024, 6, 1))


def test_a_correction_replaces_the_update_it_corrects_only_once_approved(
    record, record_approved, reviewer, commitment
):
    original = record_approved(commitment, status="on_track", as_of=datetime.date(2024, 3, 1))
    correction = record(
        commitment, status="off_track", as_of=datetime.date(2024, 3, 1), corrects=original
    )
    assert current(commitment)[0] == "on_track"
    assert list(StatusUpdate.objects.standing()) == [original]

    approve_or_return(correction, reviewer=reviewer, decision="approve")

    assert current(commitment)[0] == "off_track"
    assert list(StatusUpdate.objects.superseded()) == [original]


def test_a_returned_correction_leaves_room_for_another(record, reviewer, commitment):
    original = record(commitment)
    approve_or_return(original, reviewer=reviewer, decision="approve")
    returned = record(commitment, status="off_track", corrects=original)
    with pytest.raises(ValidationError, match="already corrected"):
        record(commitment, status="at_risk", corrects=original)
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Wrong date.")

    again = record(commitment, status="at_risk", corrects=original)

    assert again.corrects == original


# Who sees what


def test_anonymous_readers_get_a_404_for_a_pending_or_returned_update(
    api, signed_in, record, reviewer, viewer, commitment
):
    pending = record(commitment, summary="Pending.")
    returned = record(commitment, summary="Returned.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")

    for update in (pending, returned):
        assert api.get(f"{FEED}{update.pk}/").status_code == 404
    staff = signed_in(viewer)
    assert staff.get(f"{FEED}{pending.pk}/").json()["review_state"] == "pending"
    assert staff.get(f"{FEED}{returned.pk}/").json()["review_comment"] == "Source?"


def test_staff_list_updates_by_review_state_and_the_feed_shows_approved_ones(
    api, signed_in, record, reviewer, viewer, commitment
):
    approved = record(commitment, summary="Approved.")
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    pending = record(commitment, summary="Pending.")
    returned = record(commitment, summary="Returned.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")

    def ids(client, query=""):
        return [row["id"] for row in client.get(f"{FEED}{query}").json()["results"]]

    assert ids(api) == [approved.pk]
    staff = signed_in(viewer)
    assert ids(staff) == [approved.pk]
    assert ids(staff, "?review_state=pending") == [pending.pk]
    assert ids(staff, "?review_state=returned") == [returned.pk]
    assert set(ids(staff, "?review_state=all")) == {approved.pk, pending.pk, returned.pk}


def test_anonymous_readers_may_not_ask_for_pending_updates(api, record, commitment):
    record(commitment)

    response = api.get(f"{FEED}?review_state=pending")

    assert response.status_code == 403
    assert "staff" in response.json()["detail"]


def test_a_reviewers_queue_leaves_out_their_own_updates(signed_in, record, editor, commitment):
    theirs = record(commitment, author=editor)
    others = record(commitment)

    queue = signed_in(editor).get(f"{FEED}?review_state=pending&reviewable=true").json()

    assert [row["id"] for row in queue["results"]] == [others.pk]
    assert theirs.pk not in [row["id"] for row in queue["results"]]


def test_only_reviewers_have_a_queue(signed_in, analyst, db):
    response = signed_in(analyst).get(f"{FEED}?review_state=pending&reviewable=true")

    assert response.status_code == 403


def test_the_service_refuses_a_decision_taken_already(record, reviewer, editor, commitment):
    update = record(commitment)
    approve_or_return(update, reviewer=reviewer, decision="approve")

    with pytest.raises(AlreadyDecided):
        approve_or_return(update, reviewer=editor, decision="approve")
    assert Review.objects.filter(update=update).count() == 1


def test_an_update_of_another_commitment_is_untouched_by_a_decision(record, reviewer):
    mine, other = CommitmentFactory(), CommitmentFactory()
    record(other, status="off_track")
    update = record(mine, status="at_risk")

    approve_or_return(update, reviewer=reviewer, decision="approve")

    assert current(other)[0] == "not_assessed"


def test_a_pending_update_is_corrected_only_once_a_reviewer_has_decided(
    signed_in, record, reviewer, analyst, commitment
):
    pending = record(commitment)

    response = signed_in(analyst).post(
        f"/api/v1/commitments/{commitment.code}/updates/",
        {"status": "at_risk", "as_of": "2024-01-15", "summary": "Fix.", "corrects": pending.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "pending review" in refusal(response)["corrects"][0]
    approve_or_return(pending, reviewer=reviewer, decision="return", comment="Date is wrong.")
    assert record(commitment, corrects=pending).corrects == pending


def test_answering_a_returned_correction_corrects_what_it_meant_to_correct(
    record, record_approved, reviewer, commitment
):
    original = record_approved(commitment, status="at_risk", as_of=datetime.date(2024, 3, 10))
    returned = record(
        commitment, status="on_track", as_of=datetime.date(2024, 3, 1), corrects=original
    )
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Which report?")
    assert list(StatusUpdate.objects.unanswered()) == [returned]

    answer = record(
        commitment, status="on_track", as_of=datetime.date(2024, 3, 1), corrects=returned
    )
    approve_or_return(answer, reviewer=reviewer, decision="approve")

    assert answer.corrects == original
    assert list(StatusUpdate.objects.unanswered()) == []
    assert list(StatusUpdate.objects.standing()) == [answer]
    assert current(commitment) == ("on_track", None, datetime.date(2024, 3, 1))


def test_the_public_never_learns_the_id_of_a_returned_update_a_correction_answers(
    api, signed_in, record, reviewer, viewer, commitment
):
    returned = record(commitment, status="completed")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Not yet.")
    answer = record(commitment, status="at_risk", corrects=returned)
    approve_or_return(answer, reviewer=reviewer, decision="approve")

    public = api.get(f"{FEED}{answer.pk}/").json()
    detail = api.get(f"/api/v1/commitments/{commitment.code}/").json()

    assert public["corrects"] is None
    assert detail["latest_updates"][0]["corrects"] is None
    assert signed_in(viewer).get(f"{FEED}{answer.pk}/").json()["corrects"] == returned.pk


def test_etags_of_readers_who_see_approved_updates_only_ignore_pending_ones(
    api, signed_in, record, commitment
):
    outsider = UserFactory(username="outsider", is_staff=False)
    client = signed_in(outsider)
    before = client.get(FEED)["ETag"]

    record(commitment)

    assert client.get(FEED)["ETag"] == before


def test_staff_are_not_told_their_queue_is_unchanged_when_an_update_arrived(
    signed_in, record, viewer, commitment
):
    first = record(commitment)
    staff = signed_in(viewer)
    queue = f"{FEED}?review_state=pending"
    seen = staff.get(queue)
    newer = record(commitment, summary="Arrived later.")

    again = staff.get(queue, HTTP_IF_NONE_MATCH=seen["ETag"])

    assert again.status_code == 200
    assert [row["id"] for row in again.json()["results"]] == [newer.pk, first.pk]
    # Last-Modified follows the newest submission too, so If-Modified-Since cannot answer a
    # stale 304 either.
    assert again["Last-Modified"] == http_date(newer.created_at.timestamp())


def test_a_client_keeping_a_copy_finds_an_update_approved_after_its_last_visit(
    api, record, reviewer, commitment
):
    submitted_before_the_visit = record(commitment, summary="Recorded early, approved late.")
    last_visit = timezone.now()
    approve_or_return(submitted_before_the_visit, reviewer=reviewer, decision="approve")

    since = api.get(FEED, {"approved_since": last_visit.isoformat()}).json()["results"]
    recorded_since = api.get(FEED, {"since": last_visit.isoformat()}).json()["results"]

    assert [row["id"] for row in since] == [submitted_before_the_visit.pk]
    assert recorded_since == []

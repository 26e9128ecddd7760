"""Writers at the same moment, with real threads and real transactions: the same answers on
PostgreSQL and SQLite."""

import datetime

import pytest

from commitments.models import Commitment, Review, StatusUpdate
from tests.helpers import refusal
from tests.threads import at_once, client_with

# Each test commits for real, so its status updates are erased afterwards (append-only).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_erasable_history")]


def test_twenty_status_updates_posted_at_once_are_all_recorded(roadmap, analyst, token_for):
    token = token_for(analyst)
    base = datetime.date(2024, 1, 1)
    # Out of order, with ties, so that the current-status rule has work to do.
    dates = [base + datetime.timedelta(days=(n * 7) % 11) for n in range(20)]

    def post(n):
        return lambda: (
            client_with(token)
            .post(
                "/api/v1/commitments/MIL-1/updates/",
                {
                    "status": ["on_track", "at_risk", "off_track"][n % 3],
                    "progress": n * 5,
                    "as_of": dates[n].isoformat(),
                    "summary": f"Update {n}",
                },
                format="json",
            )
            .status_code
        )

    statuses = at_once([post(n) for n in range(20)])

    assert statuses == [201] * 20
    commitment = Commitment.objects.get(code="MIL-1")
    updates = StatusUpdate.objects.filter(commitment=commitment)
    assert updates.count() == 20
    newest = updates.order_by("-as_of", "-created_at", "-id").first()
    assert (commitment.current_status, commitment.current_progress, commitment.current_as_of) == (
        newest.status,
        newest.progress,
        newest.as_of,
    )
    # Review is off here: the newest was approved as it was recorded.
    assert (commitment.last_recorded_at, commitment.last_approved_at) == (
        newest.created_at,
        newest.created_at,
    )


def test_of_two_edits_of_one_read_exactly_one_wins(roadmap, editor, token_for):
    token = token_for(editor)
    etag = client_with(token).get("/api/v1/commitments/MIL-2/")["ETag"]

    def patch(title):
        return lambda: (
            client_with(token)
            .patch(
                "/api/v1/commitments/MIL-2/", {"title": title}, format="json", HTTP_IF_MATCH=etag
            )
            .status_code
        )

    statuses = at_once([patch("Editor A's title"), patch("Editor B's title")])

    assert sorted(statuses) == [200, 412]
    commitment = Commitment.objects.get(code="MIL-2")
    winner = "Editor A's title" if statuses[0] == 200 else "Editor B's title"
    assert (commitment.title, commitment.version) == (winner, 2)


def test_of_two_creates_of_one_code_at_once_one_is_created_and_one_is_a_400(
    roadmap, editor, token_for
):
    # Found by the security test (finding 6): the second was a 500 on PostgreSQL.
    token = token_for(editor)

    def create(title):
        return lambda: client_with(token).post(
            "/api/v1/commitments/",
            {
                "code": "KGP-1",
                "title": title,
                "text": "The Coalition will continue to support stabilization.",
                "source_document": "kuwait-guiding-principles-2018",
                "paragraph": 4,
                "pillar": "stabilization",
            },
            format="json",
        )

    responses = at_once([create("Editor A's"), create("Editor B's")])

    assert sorted(response.status_code for response in responses) == [201, 400]
    created, refused = sorted(responses, key=lambda response: response.status_code)
    assert refusal(refused) == {"code": ["A commitment with this code already exists."]}
    assert list(Commitment.objects.filter(code="KGP-1").values_list("title", flat=True)) == [
        created.json()["title"]
    ]


def test_of_two_reviewers_deciding_one_update_at_once_exactly_one_wins(
    roadmap, record, reviewer, editor, token_for, settings
):
    settings.REVIEW_REQUIRED = True
    commitment = Commitment.objects.get(code="MIL-1")
    update = record(commitment, status="at_risk", as_of=datetime.date(2024, 5, 1))
    url = f"/api/v1/updates/{update.pk}/review/"
    decisions = [
        (reviewer, {"decision": "approve"}),
        (editor, {"decision": "return", "comment": "Which report says so?"}),
    ]

    responses = at_once(
        [
            lambda user=user, body=body: client_with(token_for(user)).post(url, body)
            for user, body in decisions
        ]
    )

    assert sorted(response.status_code for response in responses) == [201, 409]
    winner = next(response for response in responses if response.status_code == 201)
    review = Review.objects.get(update=update)
    assert review.decision == winner.json()["decision"]
    commitment.refresh_from_db()
    expected = "at_risk" if review.decision == "approve" else "not_assessed"
    assert commitment.current_status == expected

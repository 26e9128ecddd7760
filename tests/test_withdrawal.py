"""An author withdraws their own pending update or value (issue 24): without a reviewer, it
never counts and is never public, and it stays in the history as withdrawn. Status updates and
indicator values are both reviewed records: each rule is shown for both."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commitments.models import Commitment, Indicator, ReviewState, StatusUpdate
from commitments.services import (
    AlreadyDecided,
    NotYours,
    approve_or_return,
    record_indicator_value,
    withdraw,
)
from tests.helpers import refusal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]


@pytest.fixture(params=["update", "value"])
def submit(request, roadmap, analyst, record):
    """Submits a pending status update of HUM-1, or a value of one of its indicators."""
    commitment = Commitment.objects.get(code="HUM-1")
    indicator = Indicator.objects.filter(commitment=commitment).first()

    def submit(author=analyst, **fields):
        if request.param == "update":
            return record(commitment, author=author, **fields)
        fields.setdefault("as_of", datetime.date(2024, 1, 15))
        return record_indicator_value(
            indicator=indicator, author=author, value=Decimal("25"), **fields
        )

    return submit


def test_an_author_withdraws_their_pending_record_and_it_never_counts(submit, analyst):
    pending = submit()

    decision = withdraw(pending, author=analyst, comment="Wrong commitment.")

    assert (decision.reviewer, decision.comment) == (analyst, "Wrong commitment.")
    model = type(pending)
    assert model.objects.get(pk=pending.pk).review_state == ReviewState.WITHDRAWN
    assert list(model.objects.in_review_state(ReviewState.WITHDRAWN)) == [pending]
    assert not model.objects.approved().exists()
    assert not model.objects.reviewable_by(analyst).exists()
    assert not model.objects.pending().exists()


def test_only_its_author_withdraws_a_record(submit, reviewer, editor):
    pending = submit()

    for someone_else in (reviewer, editor):
        with pytest.raises(NotYours):
            withdraw(pending, author=someone_else)

    assert type(pending).objects.get(pk=pending.pk).review_state == ReviewState.PENDING


def test_a_decided_record_is_not_withdrawn_nor_a_withdrawn_one_decided(submit, analyst, reviewer):
    approved, withdrawn = submit(), submit()
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    withdraw(withdrawn, author=analyst)

    with pytest.raises(AlreadyDecided, match="already approved"):
        withdraw(approved, author=analyst)
    with pytest.raises(AlreadyDecided, match="already withdrawn by its author"):
        approve_or_return(withdrawn, reviewer=reviewer, decision="approve")


def test_a_reviewer_cannot_withdraw_for_the_author(submit, reviewer):
    pending = submit()

    with pytest.raises(ValidationError) as refused:
        approve_or_return(pending, reviewer=reviewer, decision="withdraw")

    assert "decision" in refused.value.message_dict


def test_a_withdrawn_correction_leaves_room_for_another(submit, analyst, reviewer):
    original = submit()
    approve_or_return(original, reviewer=reviewer, decision="approve")
    first_try = submit(corrects=original)
    withdraw(first_try, author=analyst)

    second_try = submit(corrects=original)

    assert second_try.corrects == original
    assert type(original).objects.standing().get() == original


def test_withdrawing_leaves_the_current_status_as_it_was(roadmap, analyst, reviewer, record):
    commitment = Commitment.objects.get(code="HUM-1")
    standing = record(commitment, status="on_track")
    approve_or_return(standing, reviewer=reviewer, decision="approve")
    wrong = record(commitment, status="off_track", as_of=datetime.date(2024, 2, 1))

    withdraw(wrong, author=analyst)

    assert Commitment.objects.get(pk=commitment.pk).current_status == "on_track"
    assert list(StatusUpdate.objects.in_effect_on(datetime.date(2024, 3, 1))) == [standing]


def test_the_public_never_sees_a_withdrawn_record(submit, analyst, api):
    pending = submit()
    withdraw(pending, author=analyst)

    url = (
        f"/api/v1/updates/{pending.pk}/"
        if isinstance(pending, StatusUpdate)
        else f"/api/v1/indicator-values/{pending.pk}/"
    )

    assert api.get(url).status_code == 404


# Through the API and the admin.


def paths(record):
    if isinstance(record, StatusUpdate):
        return f"/api/v1/updates/{record.pk}/", f"/admin/commitments/statusupdate/{record.pk}/"
    return (
        f"/api/v1/indicator-values/{record.pk}/",
        f"/admin/commitments/indicatorvalue/{record.pk}/",
    )


def withdraw_button(page):
    return 'name="withdraw"' in page


def test_an_author_withdraws_through_the_api_once(submit, analyst, editor, api, token_for):
    pending = submit()
    api_url, _ = paths(pending)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    not_theirs = api.post(f"{api_url}withdraw/", {}, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")

    withdrawn = api.post(f"{api_url}withdraw/", {"comment": "Wrong date."}, format="json")
    again = api.post(f"{api_url}withdraw/", {}, format="json")

    assert not_theirs.status_code == 403
    assert withdrawn.status_code == 201, withdrawn.json()
    assert (withdrawn.json()["decision"], withdrawn.json()["comment"]) == (
        "withdraw",
        "Wrong date.",
    )
    assert again.status_code == 409
    assert api.get(api_url).json()["review_state"] == "withdrawn"


def test_a_reviewer_is_not_offered_withdraw_as_a_decision(submit, reviewer, api, token_for):
    pending = submit()
    api_url, _ = paths(pending)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer)}")

    response = api.post(f"{api_url}review/", {"decision": "withdraw"}, format="json")

    assert response.status_code == 400
    assert "decision" in refusal(response)
    assert type(pending).objects.get(pk=pending.pk).review_state == ReviewState.PENDING


def test_an_author_withdraws_from_the_records_page_and_starts_again_from_it(
    submit, analyst, editor, client
):
    pending = submit()
    _, page = paths(pending)
    client.force_login(editor)
    assert not withdraw_button(client.get(f"{page}change/").content.decode())
    refused = client.post(f"{page}withdraw/", follow=True)
    client.force_login(analyst)
    assert withdraw_button(client.get(f"{page}change/").content.decode())

    response = client.post(f"{page}withdraw/", {"again": ""})

    assert "Nothing was withdrawn" in refused.content.decode()
    assert type(pending).objects.get(pk=pending.pk).review_state == ReviewState.WITHDRAWN
    assert response.status_code == 302
    assert response["Location"].endswith(f"/add/?start_from={pending.pk}")
    form = client.get(response["Location"]).context["adminform"].form
    assert form.initial["as_of"] == pending.as_of

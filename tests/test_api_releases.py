"""Releases through the API: POST /api/v1/releases/, the staff's list and detail, and the
review every reviewed record shares (POST /releases/<id>/review/)."""

import pytest

from commitments.models import Release, StatusUpdate
from commitments.roles import SECRETARIAT
from tests.releases import REASON, member_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]


@pytest.fixture
def update(coalition_update):
    return coalition_update


RELEASES = "/api/v1/releases/"


def signed_in(api, token_for, user):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return api


def proposal(update, **fields):
    return {
        "record_kind": "status_update",
        "record": update.pk,
        "released_to": "public",
        "reason": REASON,
        **fields,
    }


def test_a_release_is_proposed_approved_by_another_and_widens_its_record(
    api, token_for, update, secretary, coalition_reviewer
):
    proposed = signed_in(api, token_for, secretary).post(RELEASES, proposal(update), format="json")

    assert proposed.status_code == 201
    release = Release.objects.get()
    assert proposed["Location"] == f"http://testserver{RELEASES}{release.pk}/"
    body = proposed.json()
    assert body == {
        "id": release.pk,
        "url": f"http://testserver{RELEASES}{release.pk}/",
        "commitment": "MIL-9",
        "record_kind": "status_update",
        "record": update.pk,
        "record_url": f"http://testserver/api/v1/updates/{update.pk}/",
        "released_from": "coalition",
        "released_to": "public",
        "reason": "The donors' conference has made it public.",
        "corrects": None,
        "corrected_by": None,
        "author": "secretary",
        "created_at": body["created_at"],
        "review_state": "pending",
        "reviewer": None,
        "review_comment": None,
        "reviewed_at": None,
    }

    decided = signed_in(api, token_for, coalition_reviewer).post(
        f"{RELEASES}{release.pk}/review/", {"decision": "approve"}, format="json"
    )

    assert decided.status_code == 201
    assert decided.json()["release_url"] == body["url"]
    assert StatusUpdate.objects.get(pk=update.pk).releasability == "public"
    shown = api.get(f"{RELEASES}{release.pk}/").json()
    assert (shown["review_state"], shown["reviewer"]) == ("approved", "member")


@pytest.mark.parametrize(
    ("sent", "errors"),
    [
        ({"reason": "  "}, {"reason": ["Say why it may be released."]}),
        (
            {"released_to": "secretariat"},
            {
                "released_to": [
                    "A release widens who may read it: from coalition, to public. Once read, a "
                    "record cannot be unread."
                ]
            },
        ),
        (
            {"released_to": "coalition"},
            {"released_to": ["It is coalition already: release it to public."]},
        ),
        ({"record_kind": "evidence"}, {"record_kind": ['"evidence" is not a valid choice.']}),
    ],
    ids=["blank reason", "narrowing", "the same marking", "an unknown kind"],
)
def test_a_release_that_does_not_widen_for_a_reason_is_refused_with_what_to_do(
    api, token_for, update, secretary, sent, errors
):
    refused = signed_in(api, token_for, secretary).post(
        RELEASES, proposal(update, **sent), format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["errors"] == errors
    assert not Release.objects.exists()


def test_nobody_approves_their_own_release(api, token_for, update, secretary):
    client = signed_in(api, token_for, secretary)
    release = client.post(RELEASES, proposal(update), format="json").json()

    refused = client.post(f"{RELEASES}{release['id']}/review/", {"decision": "approve"})

    # A secretary who records updates does not review; an Editor would be refused as well,
    # by four eyes (tests/test_releases.py).
    assert refused.status_code == 403
    assert StatusUpdate.objects.get(pk=update.pk).releasability == "coalition"


def test_an_editor_is_refused_their_own_release_by_four_eyes(api, token_for, update):
    editor = member_of("Editor", SECRETARIAT, username="secretariat-editor")
    client = signed_in(api, token_for, editor)
    release = client.post(RELEASES, proposal(update), format="json").json()

    refused = client.post(f"{RELEASES}{release['id']}/review/", {"decision": "approve"})

    assert refused.status_code == 403
    assert "another reviewer must decide on it" in refused.json()["detail"]
    assert StatusUpdate.objects.get(pk=update.pk).releasability == "coalition"


def test_an_author_without_the_clearance_is_told_of_no_such_record(api, token_for, update, analyst):
    refused = signed_in(api, token_for, analyst).post(RELEASES, proposal(update), format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"] == {"record": [f"No status update #{update.pk}."]}
    assert not Release.objects.exists()


def test_a_member_who_may_not_record_updates_may_not_release_one(
    api, token_for, update, coalition_reviewer
):
    refused = signed_in(api, token_for, coalition_reviewer).post(
        RELEASES, proposal(update), format="json"
    )

    assert refused.status_code == 403
    assert not Release.objects.exists()


def test_staff_list_the_releases_their_clearance_reads_and_nobody_else_does(
    api, token_for, update, secretary, analyst
):
    signed_in(api, token_for, secretary).post(RELEASES, proposal(update), format="json")

    listed = api.get(RELEASES, {"review_state": "pending", "commitment": "MIL-9"})
    assert [release["record"] for release in listed.json()["results"]] == [update.pk]
    # Of a coalition record: not for an analyst who reads what is public only.
    assert signed_in(api, token_for, analyst).get(RELEASES).json()["results"] == []
    api.credentials()
    assert api.get(RELEASES).status_code in (401, 403)

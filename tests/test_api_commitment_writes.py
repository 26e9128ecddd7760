"""Editors add commitments from other documents and change what may change of one."""

import pytest

from commitments.models import Commitment
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"

NEW = {
    "code": "KGP-1",
    "title": "Sustain the Coalition's stabilization support",
    "text": "The Coalition will continue to support stabilization in liberated areas.",
    "source_document": "kuwait-guiding-principles-2018",
    "paragraph": 4,
    "pillar": "stabilization",
    "themes": ["governance"],
    "places": ["iraq", "syria"],
    "partners": ["united-nations"],
    "update_cadence_days": 30,
}


@pytest.fixture
def as_editor(api, roadmap, editor, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    return api


def patch(api, code, body):
    """A PATCH as a careful client sends it: with the ETag of its last read in If-Match."""
    etag = api.get(f"{LIST}{code}/")["ETag"]
    return api.patch(f"{LIST}{code}/", body, format="json", HTTP_IF_MATCH=etag)


def test_an_editor_adds_a_commitment_from_another_document(as_editor):
    response = as_editor.post(LIST, NEW, format="json")

    assert response.status_code == 201, response.json()
    assert response["Location"] == "http://testserver/api/v1/commitments/KGP-1/"
    body = response.json()
    assert (body["status"], body["version"], body["update_cadence_days"]) == ("not_assessed", 1, 30)
    assert [place["slug"] for place in body["places"]] == ["iraq", "syria"]
    assert body["source"]["document"] == "kuwait-guiding-principles-2018"
    assert as_editor.get(response["Location"]).json() == body


def test_an_editor_changes_title_schedule_parent_and_tags(as_editor):
    response = patch(
        as_editor,
        "GLB-3",
        {
            "title": "Fund capacity projects",
            "target_date": "2027-06-30",
            "parent": "GLB-2",
            "themes": [],
            "places": ["mali"],
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["target_date"], body["parent"], body["version"]) == (
        "Fund capacity projects",
        "2027-06-30",
        "GLB-2",
        2,
    )
    assert (body["themes"], body["places"]) == ([], [{"slug": "mali", "name": "Mali"}])
    assert Commitment.objects.get(code="GLB-3").partners.count() == 0


def test_a_patch_leaves_unnamed_fields_alone(as_editor):
    before = as_editor.get(f"{LIST}MIL-3/").json()

    after = patch(as_editor, "MIL-3", {"update_cadence_days": 14}).json()

    assert after["update_cadence_days"] == 14
    assert {
        key: value for key, value in after.items() if key not in {"update_cadence_days", "version"}
    } == {
        key: value for key, value in before.items() if key not in {"update_cadence_days", "version"}
    }


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"code": "MIL-9"}, {"code": ["This field cannot be set here."]}),
        ({"text": "Rewritten."}, {"text": ["This field cannot be set here."]}),
        ({"version": 7}, {"version": ["This field cannot be set here."]}),
        ({"status": "completed"}, {"status": ["This field cannot be set here."]}),
        ({"parent": "MIL-3"}, {"parent": ["A commitment cannot be its own parent or ancestor."]}),
        ({"parent": "NOPE-1"}, {"parent": ["Object with code=NOPE-1 does not exist."]}),
        ({"themes": ["weather"]}, {"themes": ["Object with slug=weather does not exist."]}),
        (
            {"update_cadence_days": 0},
            {"update_cadence_days": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"update_cadence_days": 3651},
            {"update_cadence_days": ["Ensure this value is less than or equal to 3650."]},
        ),
        (
            {"update_cadence_days": 10**15},
            {"update_cadence_days": ["Ensure this value is less than or equal to 3650."]},
        ),
        (
            {"target_date": "9999-12-31"},
            {"target_date": ["The target date must lie between 01 Jan 1900 and 31 Dec 2099."]},
        ),
        (
            {"target_date": "next year"},
            {
                "target_date": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
    ],
)
def test_a_bad_patch_is_a_400_and_changes_nothing(as_editor, change, errors):
    before = Commitment.objects.get(code="MIL-3")

    response = patch(as_editor, "MIL-3", change)

    assert response.status_code == 400
    assert refusal(response) == errors
    after = Commitment.objects.get(code="MIL-3")
    assert (after.title, after.version, after.parent_id, after.update_cadence_days) == (
        before.title,
        before.version,
        before.parent_id,
        before.update_cadence_days,
    )


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"code": "MIL-1"}, {"code": ["A commitment with this code already exists."]}),
        (
            {"code": "kgp 1"},
            {"code": ["Use an uppercase prefix, a dash and a number, e.g. MIL-1 or GLB-2.3."]},
        ),
        ({"pillar": "navy"}, {"pillar": ["Object with slug=navy does not exist."]}),
        ({"paragraph": 0}, {"paragraph": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"last_update_at": "2024-01-01T00:00:00Z"},
            {"last_update_at": ["This field cannot be set here."]},
        ),
    ],
)
def test_a_bad_new_commitment_is_a_400_and_nothing_is_written(as_editor, change, errors):
    response = as_editor.post(LIST, {**NEW, **change}, format="json")

    assert response.status_code == 400
    assert refusal(response) == errors
    assert not Commitment.objects.filter(code__in=["KGP-1", "kgp 1"]).exists()


def test_a_code_taken_between_the_check_and_the_write_is_a_400_and_nothing_is_written(
    as_editor, uniqueness_checks_miss
):
    # Found by the security test (finding 6): two creates of one code at the same moment both
    # passed the check, and the second was a 500 on PostgreSQL.
    taken = Commitment.objects.get(code="MIL-1")
    before = (Commitment.objects.count(), Commitment.history.count())

    response = as_editor.post(LIST, {**NEW, "code": "MIL-1"}, format="json")

    assert response.status_code == 400
    assert refusal(response) == {"code": ["A commitment with this code already exists."]}
    assert (Commitment.objects.count(), Commitment.history.count()) == before
    assert Commitment.objects.get(code="MIL-1").title == taken.title


@pytest.mark.parametrize(
    "missing", ["code", "title", "text", "source_document", "paragraph", "pillar"]
)
def test_a_new_commitment_names_its_missing_fields(as_editor, missing):
    response = as_editor.post(
        LIST, {key: value for key, value in NEW.items() if key != missing}, format="json"
    )

    assert refusal(response) == {missing: ["This field is required."]}


def test_a_patch_without_if_match_is_a_428_and_changes_nothing(as_editor):
    response = as_editor.patch(f"{LIST}MIL-3/", {"title": "Blind write"}, format="json")

    assert response.status_code == 428
    assert "Send If-Match with the ETag of your last GET" in response.json()["detail"]
    assert Commitment.objects.get(code="MIL-3").title != "Blind write"


def test_a_patch_from_a_stale_read_is_a_412_with_the_current_version(as_editor):
    stale_etag = as_editor.get(f"{LIST}MIL-3/")["ETag"]
    assert patch(as_editor, "MIL-3", {"title": "First editor"}).status_code == 200

    response = as_editor.patch(
        f"{LIST}MIL-3/", {"title": "Second editor"}, format="json", HTTP_IF_MATCH=stale_etag
    )

    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert "changed by someone else since you read it" in response.json()["detail"]
    assert Commitment.objects.get(code="MIL-3").title == "First editor"


def test_the_etag_of_a_patch_answer_allows_the_next_edit(as_editor):
    first = patch(as_editor, "MIL-3", {"title": "Once"})

    second = as_editor.patch(
        f"{LIST}MIL-3/", {"title": "Twice"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )

    assert first["ETag"].startswith('"v2-')
    assert (second.status_code, second.json()["version"]) == (200, 3)


def test_a_status_update_recorded_meanwhile_does_not_make_an_edit_stale(as_editor, record):
    etag = as_editor.get(f"{LIST}MIL-3/")["ETag"]
    record(Commitment.objects.get(code="MIL-3"))

    response = as_editor.patch(
        f"{LIST}MIL-3/", {"title": "Still mine"}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        '"not-ours"',
        "v2",
        'W/"abc"',
        # The current version with garbage for the rest: once accepted.
        '"v1-0000000000000000-0123abcd"',
        '"v1-garbage"',
    ],
)
def test_an_if_match_that_is_not_our_etag_is_a_412(as_editor, header):
    response = as_editor.patch(f"{LIST}MIL-3/", {"title": "x"}, format="json", HTTP_IF_MATCH=header)

    assert response.status_code == 412
    assert "If-Match must be the ETag" in response.json()["detail"]
    assert Commitment.objects.get(code="MIL-3").version == 1


def test_an_etag_of_another_commitment_is_not_accepted(as_editor):
    other = as_editor.get(f"{LIST}MIL-1/")["ETag"]

    response = as_editor.patch(f"{LIST}MIL-3/", {"title": "x"}, format="json", HTTP_IF_MATCH=other)

    assert response.status_code == 412


def test_if_match_star_is_refused_with_a_428(as_editor):
    response = as_editor.patch(
        f"{LIST}MIL-3/", {"title": "Whatever was there"}, format="json", HTTP_IF_MATCH="*"
    )

    assert response.status_code == 428
    assert "If-Match: * is not accepted" in response.json()["detail"]
    assert Commitment.objects.get(code="MIL-3").title != "Whatever was there"


def test_the_longest_cadence_keeps_every_read_working(as_editor, analyst, record):
    # A cadence of 10**15 days was once accepted, and after one assessment the staleness
    # arithmetic overflowed: the list, the CSV and the detail answered 500 for everyone.
    record(Commitment.objects.get(code="MIL-3"))
    assert patch(as_editor, "MIL-3", {"update_cadence_days": 3650}).status_code == 200

    reads = [f"{LIST}?stale=true", f"{LIST}?format=csv", f"{LIST}MIL-3/", "/api/v1/summary/"]

    assert [as_editor.get(path).status_code for path in reads] == [200] * 4
    assert as_editor.get(f"{LIST}MIL-3/").json()["is_stale"] is False

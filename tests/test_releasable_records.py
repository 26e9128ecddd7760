"""Releasability on the read side of indicator values, contributions and the review queue: a
reader sees, and is counted figures from, only the records their clearance may read. A
coalition value newer than the public one moves an indicator's latest value and progress for
Coalition members, not for the public; a coalition contribution is in a member's totals and
matrix, not in the public's; a reviewer sees and decides only the pending records their
clearance may read (one beyond it is a 404, as if absent).

The response cache keys its bodies by clearance (its own tests): it is off here, so that each
body is the view's."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from commitments.models import Contribution, Indicator, IndicatorValue, StatusUpdate
from commitments.roles import COALITION, REVIEWER
from commitments.selectors import review_queue
from commitments.services import approve_or_return
from tests.conftest import at
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

VALUES = "/api/v1/indicator-values/"
CONTRIBUTIONS = "/api/v1/contributions/"
MATRIX = "/api/v1/contributions/matrix/"
UPDATES = "/api/v1/updates/"


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    settings.RESPONSE_CACHE = False


def client_of(*groups):
    """An API client signed in as a user of `groups` (none: anonymous)."""
    client = APIClient()
    if groups:
        user = UserFactory()
        user.groups.add(*Group.objects.filter(name__in=groups))
        client.force_authenticate(user)
    return client


@pytest.fixture
def public():
    return client_of()


@pytest.fixture
def member(db):
    return client_of(COALITION)


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# Indicator values, and the figures derived from them.


@pytest.fixture
def values(hum1_indicator, observe):
    """HUM-1's indicator, from US$20 billion to a target of 30: a public value of 22 as of 1
    Jan 2024, then a coalition one of 25 as of 1 Jun."""
    Indicator.objects.filter(pk=hum1_indicator.pk).update(target_value=Decimal("30000000000"))
    public_value = observe(hum1_indicator, "22000000000", as_of=datetime.date(2024, 1, 1))
    coalition_value = observe(
        hum1_indicator,
        "25000000000",
        as_of=datetime.date(2024, 6, 1),
        releasability="coalition",
    )
    return public_value, coalition_value


def test_a_public_reader_is_not_shown_a_coalition_value(public, member, values):
    public_value, coalition_value = values

    assert ids(public.get(VALUES)) == [public_value.pk]
    assert ids(member.get(VALUES)) == [coalition_value.pk, public_value.pk]
    assert public.get(f"{VALUES}{coalition_value.pk}/").status_code == 404
    assert member.get(f"{VALUES}{coalition_value.pk}/").json()["value"] == "25000000000"


def test_an_indicators_own_values_are_read_per_clearance_as_of_a_day_too(
    public, member, values, hum1_indicator
):
    public_value, coalition_value = values
    path = f"/api/v1/indicators/{hum1_indicator.pk}/values/"

    assert ids(public.get(path)) == [public_value.pk]
    assert ids(member.get(path)) == [coalition_value.pk, public_value.pk]
    assert ids(public.get(path, {"as_of": "2024-12-31"})) == [public_value.pk]
    assert ids(member.get(VALUES, {"as_of": "2024-12-31"})) == [
        coalition_value.pk,
        public_value.pk,
    ]


def test_a_coalition_value_moves_the_latest_value_and_progress_for_members_only(
    public, member, values, hum1_indicator
):
    path = f"/api/v1/indicators/{hum1_indicator.pk}/"

    seen_by_public, seen_by_member = public.get(path).json(), member.get(path).json()

    assert seen_by_public["latest_value"] == "22000000000"
    assert seen_by_member["latest_value"] == "25000000000"
    assert (seen_by_public["progress"], seen_by_member["progress"]) == ("20.0", "50.0")
    listed = public.get("/api/v1/indicators/", {"as_of": "2024-12-31"}).json()["results"]
    (row,) = [row for row in listed if row["id"] == hum1_indicator.pk]
    assert row["latest_value"] == "22000000000"


def test_a_coalition_correction_replaces_a_public_value_for_members_only(
    public, member, hum1_indicator, observe
):
    first = observe(hum1_indicator, "22000000000")
    observe(hum1_indicator, "23000000000", corrects=first, releasability="coalition")
    path = f"/api/v1/indicators/{hum1_indicator.pk}/"

    assert public.get(path).json()["latest_value"] == "22000000000"
    assert member.get(path).json()["latest_value"] == "23000000000"


# Contributions and the matrix.


@pytest.fixture
def contributions(roadmap, nato, mil1, contribute):
    public_pledge = contribute(nato, mil1, amount=Decimal("1000.00"))
    coalition_pledge = contribute(nato, mil1, amount=Decimal("500.00"), releasability="coalition")
    return public_pledge, coalition_pledge


def test_a_public_reader_is_not_shown_a_coalition_contribution(public, member, contributions):
    public_pledge, coalition_pledge = contributions

    assert ids(public.get(CONTRIBUTIONS)) == [public_pledge.pk]
    assert sorted(ids(member.get(CONTRIBUTIONS))) == sorted([public_pledge.pk, coalition_pledge.pk])
    assert public.get(f"{CONTRIBUTIONS}{coalition_pledge.pk}/").status_code == 404
    assert member.get(f"{CONTRIBUTIONS}{coalition_pledge.pk}/").status_code == 200
    as_of = {"as_of": "2024-12-31"}
    assert ids(public.get(CONTRIBUTIONS, as_of)) == [public_pledge.pk]


def test_the_matrix_adds_up_only_what_the_reader_may_read(public, member, contributions):
    def pledged(client):
        (funds,) = client.get(MATRIX).json()["overall"]["funds"]
        return funds["pledged"]

    assert pledged(public) == "1000.00"
    assert pledged(member) == "1500.00"


@pytest.mark.parametrize(("reader", "amount"), [("public", "1000.00"), ("member", "1500.00")])
def test_the_matrix_csv_adds_up_only_what_the_reader_may_read(
    request, contributions, reader, amount
):
    response = request.getfixturevalue(reader).get(MATRIX, {"format": "csv"})

    (line,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert (line["amount"], line["contributions"]) == (amount, "1" if reader == "public" else "2")


def test_a_coalition_correction_of_a_public_contribution_replaces_it_for_members_only(
    public, member, nato, mil1, contribute
):
    wrong = contribute(nato, mil1, amount=Decimal("9999.00"))
    contribute(nato, mil1, amount=Decimal("1000.00"), corrects=wrong, releasability="coalition")

    assert public.get(MATRIX).json()["overall"]["funds"][0]["pledged"] == "9999.00"
    assert member.get(MATRIX).json()["overall"]["funds"][0]["pledged"] == "1000.00"


# The review queue.


@pytest.fixture
def pending(review_required, mil1, hum1_indicator, record, observe):
    """A pending public update of MIL-1, a pending coalition one, and a pending coalition value
    of HUM-1's indicator, by the analyst."""
    return (
        record(mil1, summary="Public, pending."),
        record(mil1, summary="Coalition, pending.", releasability="coalition"),
        observe(hum1_indicator, "25000000000", releasability="coalition"),
    )


def reviewer_of(*groups):
    return client_of(REVIEWER, *groups)


def test_staff_see_in_the_queue_only_what_their_clearance_may_read(pending):
    public_update, coalition_update, coalition_value = pending
    uncleared, cleared = reviewer_of(), reviewer_of(COALITION)
    queue = {"review_state": "pending"}

    assert ids(uncleared.get(UPDATES, queue)) == [public_update.pk]
    assert ids(uncleared.get(VALUES, queue)) == []
    assert sorted(ids(cleared.get(UPDATES, queue))) == [public_update.pk, coalition_update.pk]
    assert ids(cleared.get(VALUES, queue)) == [coalition_value.pk]
    assert uncleared.get(f"{UPDATES}{coalition_update.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "model", "index"), [(UPDATES, StatusUpdate, 1), (VALUES, IndicatorValue, 2)]
)
def test_a_reviewer_may_not_decide_what_their_clearance_may_not_read(pending, path, model, index):
    record = pending[index]
    decision = {"decision": "approve"}

    refused = reviewer_of().post(f"{path}{record.pk}/review/", decision, format="json")
    assert refused.status_code == 404
    assert model.objects.get(pk=record.pk).review_state == "pending"

    approved = reviewer_of(COALITION).post(f"{path}{record.pk}/review/", decision, format="json")
    assert approved.status_code == 201, approved.content
    assert model.objects.get(pk=record.pk).review_state == "approved"


def test_the_recording_service_marks_a_contribution_as_told_or_by_default(
    roadmap, nato, mil1, contribute, settings
):
    settings.RELEASABILITY_DEFAULTS = {
        **settings.RELEASABILITY_DEFAULTS,
        "contribution": "coalition",
    }

    assert contribute(nato, mil1).releasability == "coalition"
    assert contribute(nato, mil1, releasability="public").releasability == "public"
    assert Contribution.objects.filter(releasability="coalition").count() == 1


# The status matrix (a heatmap of each commitment's status at the end of each interval).


def test_a_coalition_assessment_colours_the_status_matrix_for_members_only(public, member, record):
    with at(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)):
        commitment = CommitmentFactory()
    record(commitment, status="on_track", as_of=datetime.date(2024, 1, 15))
    record(
        commitment, status="off_track", as_of=datetime.date(2024, 2, 15), releasability="coalition"
    )
    period = {"from": "2024-01-01", "to": "2024-02-29"}

    def statuses(client):
        (row,) = client.get("/api/v1/commitments/matrix/", period).json()["commitments"]
        return [cell["status"] for cell in row["cells"]]

    assert statuses(public) == ["on_track", "on_track"]
    assert statuses(member) == ["on_track", "off_track"]


def test_the_queue_tells_what_approval_would_show_from_what_the_reviewer_may_read(
    review_required, commitment, record, reviewer
):
    """A coalition assessment approved as of 1 Mar, newer than the pending public one of 1 Feb:
    approving the latter would show the coalition one to members, itself to the public."""
    newer = record(
        commitment, status="off_track", as_of=datetime.date(2024, 3, 1), releasability="coalition"
    )
    approve_or_return(newer, reviewer=reviewer, decision="approve")
    pending = record(commitment, status="on_track", as_of=datetime.date(2024, 2, 1))
    coalition_pending = record(
        commitment, as_of=datetime.date(2024, 2, 2), releasability="coalition"
    )
    updates = StatusUpdate.objects.all()

    (publicly,) = review_queue(updates, clearance="public")
    by_members = review_queue(updates, clearance="coalition")

    assert (publicly, publicly.on_approval.status) == (pending, "on_track")
    assert [update.pk for update in by_members] == [pending.pk, coalition_pending.pk]
    assert by_members[0].on_approval.status == "off_track"

"""The rules of a cleared read: the stored current status is the public's (down to the
database's guard); a reader cleared beyond the public reads each commitment from the records
they may read (Commitment.objects.seen_by), its staleness and the summary's counts too; the
search reads the public summary alone; and a record beyond the public moves the data version
of cleared readers only."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from commitments.models import Commitment, Contribution, Indicator, Partner, Releasability
from commitments.roles import COALITION, REVIEWER, SECRETARIAT
from commitments.selectors import data_version
from commitments.services import approve_or_return, record_indicator_value
from tests.factories import UserFactory
from tests.helpers import current
from tests.test_token_reader_cache import redis  # noqa: F401 (the shared cache in Redis)

pytestmark = [
    pytest.mark.django_db,
    # (The analyst who marks records narrower than public exists before the first reading.)
    pytest.mark.usefixtures("review_required", "cleared_analyst"),
]

PUBLIC, MEMBERS, SECRETARIAT_ONLY = Releasability
JAN, MAR = datetime.date(2024, 1, 15), datetime.date(2024, 3, 1)
REFUSED = "current status is that of its newest approved status update"


def client_of(*groups, token_for=None):
    user = UserFactory(is_staff=False)
    user.groups.add(*Group.objects.filter(name__in=groups))
    client = APIClient()
    if token_for:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    else:
        client.force_login(user)
    return client


def test_a_coalition_assessment_leaves_the_stored_current_status_as_the_public_one(
    commitment, record_approved
):
    record_approved(commitment, status="on_track", as_of=JAN)
    record_approved(commitment, status="off_track", as_of=MAR, releasability="coalition")

    assert current(commitment) == ("on_track", None, JAN)
    seen = {
        clearance: Commitment.objects.seen_by(clearance)
        .rows("current_status")
        .get(pk=commitment.pk)["current_status"]
        for clearance in Releasability
    }
    assert seen == {PUBLIC: "on_track", MEMBERS: "off_track", SECRETARIAT_ONLY: "off_track"}


def test_a_coalition_correction_replaces_the_public_assessment_for_members_only(
    commitment, record_approved
):
    first = record_approved(commitment, status="on_track", as_of=JAN)
    record_approved(
        commitment, status="at_risk", as_of=JAN, corrects=first, releasability="coalition"
    )

    assert current(commitment) == ("on_track", None, JAN)
    members = Commitment.objects.seen_by(MEMBERS).rows("current_status").get(pk=commitment.pk)
    assert members["current_status"] == "at_risk"


def test_the_public_reads_the_stored_columns_with_the_same_sql():
    plain = Commitment.objects.all()
    assert str(plain.seen_by(PUBLIC).query) == str(plain.query)
    assert plain.seen_by(MEMBERS).is_as_of


@pytest.mark.parametrize("releasability", ["coalition", "secretariat"])
def test_the_database_refuses_a_current_status_taken_from_a_narrower_update(
    commitment, record_approved, releasability
):
    record_approved(commitment, status="on_track", as_of=JAN)
    record_approved(
        commitment, status="off_track", progress=20, as_of=MAR, releasability=releasability
    )

    with (
        pytest.raises(IntegrityError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE commitments_commitment SET current_status = %s, current_progress = %s,"
            " current_as_of = %s WHERE id = %s",
            ["off_track", 20, MAR, commitment.pk],
        )
    assert current(commitment) == ("on_track", None, JAN)


def test_the_database_keeps_the_public_status_under_a_narrower_correction(
    commitment, record_approved
):
    first = record_approved(commitment, status="on_track", as_of=JAN)
    record_approved(
        commitment, status="at_risk", as_of=JAN, corrects=first, releasability="coalition"
    )

    # What the public reads stands: writing it again is allowed, the correction's is not.
    Commitment.objects.filter(pk=commitment.pk).update(current_progress=None)
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(current_status="at_risk")


def test_staleness_is_of_the_assessments_a_reader_may_read(roadmap, record_approved, token_for):
    mil1 = Commitment.objects.get(code="MIL-1")
    old = timezone.localdate() - datetime.timedelta(days=400)
    record_approved(mil1, status="on_track", as_of=old)
    record_approved(mil1, status="on_track", as_of=timezone.localdate(), releasability="coalition")

    def stale_codes(client):
        rows = client.get("/api/v1/commitments/?stale=true&page_size=200").json()["results"]
        return {row["code"] for row in rows}

    assert "MIL-1" in stale_codes(APIClient())
    assert "MIL-1" not in stale_codes(client_of(COALITION, token_for=token_for))
    assert APIClient().get("/api/v1/commitments/MIL-1/").json()["is_stale"] is True
    assert client_of(COALITION).get("/api/v1/commitments/MIL-1/").json()["is_stale"] is False


def test_the_summary_counts_what_each_clearance_may_read(roadmap, record_approved):
    mil1 = Commitment.objects.get(code="MIL-1")
    record_approved(mil1, status="on_track", as_of=JAN)
    record_approved(mil1, status="off_track", as_of=MAR, releasability="coalition")
    record_approved(mil1, status="completed", progress=100, as_of=MAR, releasability="secretariat")

    counts = {
        name: client.get("/api/v1/summary/").json()["by_status"]
        for name, client in [
            ("public", APIClient()),
            ("coalition", client_of(COALITION)),
            ("secretariat", client_of(SECRETARIAT)),
        ]
    }
    assert (counts["public"]["on_track"], counts["public"]["off_track"]) == (1, 0)
    assert (counts["coalition"]["on_track"], counts["coalition"]["off_track"]) == (0, 1)
    assert (counts["secretariat"]["off_track"], counts["secretariat"]["completed"]) == (0, 1)
    # Each total is the same Roadmap.
    assert len({sum(by_status.values()) for by_status in counts.values()}) == 1


def test_the_search_reads_the_public_summary_alone(roadmap, record_approved):
    mil1 = Commitment.objects.get(code="MIL-1")
    record_approved(mil1, status="on_track", as_of=JAN, summary="Sawmills inspected.")
    record_approved(
        mil1, status="off_track", as_of=MAR, summary="Gunboats sighted.", releasability="coalition"
    )

    for client in (APIClient(), client_of(COALITION)):
        assert client.get("/api/v1/commitments/?search=sawmills").json()["count"] == 1
        assert client.get("/api/v1/commitments/?search=gunboats").json()["count"] == 0


def test_a_narrower_approval_moves_only_the_cleared_data_version(commitment, record, reviewer):
    update = record(commitment, status="off_track", releasability="coalition")
    public, cleared = data_version(), data_version(cleared=True)

    approve_or_return(update, reviewer=reviewer, decision="approve")

    assert data_version() == public
    assert data_version(cleared=True)[0] != cleared[0]
    assert data_version(cleared=True)[0].startswith(public[0] + "~")


def test_a_public_approval_moves_both(commitment, record, reviewer):
    update = record(commitment, status="off_track")
    public, cleared = data_version(), data_version(cleared=True)

    approve_or_return(update, reviewer=reviewer, decision="approve")

    assert data_version()[0] != public[0]
    assert data_version(cleared=True)[0] != cleared[0]


def test_narrower_contributions_and_indicator_values_move_only_the_cleared_version(
    roadmap, contribute, cleared_analyst, reviewer
):
    analyst = cleared_analyst
    mil1 = Commitment.objects.get(code="MIL-1")
    indicator = Indicator.objects.filter(commitment__isnull=False).first()
    public, cleared = data_version(), data_version(cleared=True)

    # (Written as the service writes one: its input of a marking is the marks' own work.)
    Contribution.objects.create(
        partner=Partner.objects.get(slug="nato"),
        commitment=mil1,
        kind=Contribution.Kind.FUNDS_PLEDGED,
        date=JAN,
        amount=Decimal("10.00"),
        currency="USD",
        author=analyst,
        releasability="coalition",
    )
    value = record_indicator_value(
        indicator=indicator,
        author=analyst,
        value=Decimal("5"),
        as_of=JAN,
        releasability="secretariat",
    )
    approve_or_return(value, reviewer=reviewer, decision="approve")
    assert data_version() == public
    moved = data_version(cleared=True)
    assert moved[0] != cleared[0]

    contribute(Partner.objects.get(slug="nato"), mil1)
    assert data_version()[0] != public[0]


@pytest.mark.usefixtures("redis")
def test_a_cleared_token_readers_hit_asks_only_for_the_versions(
    roadmap, token_for, record_approved, django_assert_num_queries
):
    record_approved(Commitment.objects.get(code="MIL-1"), releasability="coalition")
    client = client_of(COALITION, token_for=token_for)
    for url in ["/api/v1/commitments/", "/api/v1/commitments/MIL-1/", "/api/v1/summary/"]:
        first = client.get(url)
        with django_assert_num_queries(1):  # both rows of the data version, in one query
            again = client.get(url)
        assert (again.status_code, again.content) == (200, first.content)


def test_a_cleared_readers_etag_follows_narrower_records_and_the_publics_does_not(
    roadmap, record_approved, token_for
):
    anonymous, member = APIClient(), client_of(COALITION, token_for=token_for)
    url = "/api/v1/commitments/MIL-1/"
    before = {name: client.get(url)["ETag"] for name, client in [("a", anonymous), ("m", member)]}

    record_approved(Commitment.objects.get(code="MIL-2"), releasability="coalition")

    assert anonymous.get(url)["ETag"] == before["a"]
    assert member.get(url)["ETag"] != before["m"]


def test_a_narrower_submission_moves_the_review_queues_etag_of_its_readers_alone(
    roadmap, record, review_required, cleared_analyst, token_for
):
    # Staff's ETags follow the review queue's version too: of the records their clearance reads.
    uncleared = client_of(REVIEWER, token_for=token_for)
    member = client_of(REVIEWER, COALITION, token_for=token_for)
    url = "/api/v1/updates/?review_state=pending"
    before = {name: client.get(url)["ETag"] for name, client in [("u", uncleared), ("m", member)]}

    record(Commitment.objects.get(code="MIL-1"), releasability="coalition")  # pending

    assert uncleared.get(url)["ETag"] == before["u"]
    assert member.get(url)["ETag"] != before["m"]

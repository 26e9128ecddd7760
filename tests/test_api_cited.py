"""A record's representation lists the evidence it cites and its releases, each as its reader's
clearance may read them (commitments/api/cited.py), read a page at a time."""

import datetime

import pytest

from commitments.languages import preferred_language
from commitments.models import Event
from commitments.roles import COALITION
from commitments.services import approve_or_return, propose_release, record_status_update
from tests.factories import CommitmentFactory
from tests.releases import REASON, member_of

FEED = "/api/v1/updates/"


def cited(response_json):
    return [piece["id"] for piece in response_json["evidence"]]


@pytest.fixture
def member(db):
    """A Coalition member who is not staff: reads coalition records, approved ones only."""
    return member_of(COALITION, username="member")


@pytest.fixture
def cited_update(review_required, record_approved, cleared_analyst, evidence, mil1):
    """An approved public update citing a coalition piece between two public ones."""
    first = evidence("A1", source="Ministry of Defence", reference="Letter 12/2024", url="")
    members_only = evidence("C3", releasability="coalition", author=cleared_analyst)
    last = evidence("B2")
    update = record_approved(mil1, evidence=[last, members_only, first], author=cleared_analyst)
    return update, (last, members_only, first)


def test_a_record_shows_the_evidence_it_cites_in_order_each_graded(api, cited_update):
    update, (last, _, first) = cited_update

    shown = api.get(f"{FEED}{update.pk}/").json()

    assert shown["evidence"] == [
        {
            "id": last.pk,
            "source": "UNDP field office",
            "url": "https://example.org/report.pdf",
            "reference": None,
            "date": "2024-01-10",
            "reliability": "B",
            "credibility": "2",
            "grade": "B2",
            "releasability": "public",
        },
        {
            "id": first.pk,
            "source": "Ministry of Defence",
            "url": None,
            "reference": "Letter 12/2024",
            "date": "2024-01-10",
            "reliability": "A",
            "credibility": "1",
            "grade": "A1",
            "releasability": "public",
        },
    ]
    assert shown["releases"] == []


@pytest.mark.parametrize("first_reader", ["member", "public"])
def test_the_public_never_reads_a_coalition_piece_nor_from_the_cache(
    api, cited_update, member, token_for, first_reader
):
    update, (last, members_only, first) = cited_update
    addresses = [f"{FEED}{update.pk}/", FEED, f"/api/v1/commitments/{update.commitment.code}/"]
    member_token = token_for(member)

    def read(address, token=None):
        api.credentials(**({"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}))
        body = api.get(address).json()
        if "results" in body:
            return body["results"][0]
        return body.get("latest_updates", [body])[0]

    for address in addresses:
        # Whoever reads first fills the response cache; each reads what is theirs, twice.
        readers = [member_token, None] if first_reader == "member" else [None, member_token]
        for token in readers * 2:
            expected = [last, members_only, first] if token else [last, first]
            assert cited(read(address, token)) == [piece.pk for piece in expected], address


@pytest.fixture
def released(review_required, secretary, reviewer, coalition_reviewer, evidence):
    """A coalition update of MIL-9 released to the public (approved), and a secretariat one
    whose release to the coalition is pending."""
    commitment = CommitmentFactory(code="MIL-9")

    coalition, secretariat = (
        record_approved_by(secretary, reviewer, commitment, marking)
        for marking in ("coalition", "secretariat")
    )
    approved = propose_release(
        record=coalition, author=secretary, released_to="public", reason=REASON
    )
    approve_or_return(approved, reviewer=coalition_reviewer, decision="approve")
    pending = propose_release(
        record=secretariat, author=secretary, released_to="coalition", reason=REASON
    )
    return coalition, approved, secretariat, pending


def record_approved_by(author, reviewer, commitment, releasability, evidence=()):
    update = record_status_update(
        commitment=commitment,
        author=author,
        status="at_risk",
        as_of=datetime.date(2024, 3, 1),
        summary="Members were told first.",
        releasability=releasability,
        evidence=evidence,
    )
    approve_or_return(update, reviewer=reviewer, decision="approve")
    return update


def releases_of(api, update, user=None):
    api.force_authenticate(user)
    return api.get(f"{FEED}{update.pk}/").json()["releases"]


def test_a_record_shows_its_approved_releases_to_those_who_read_its_former_marking(
    api, released, member
):
    coalition, approved, _, _ = released
    approved.refresh_from_db()

    assert releases_of(api, coalition, member) == [
        {
            "id": approved.pk,
            "released_from": "coalition",
            "released_to": "public",
            "reason": REASON,
            "review_state": "approved",
            "reviewed_at": approved.review.decided_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    # The public, whom the release concerned not before, reads the record but not its release.
    assert releases_of(api, coalition) == []


def test_staff_see_a_pending_release_and_other_readers_of_the_record_do_not(
    api, released, secretary
):
    _, _, secretariat, pending = released
    reader = member_of("Secretariat", username="reader")  # reads it all, but is not staff

    assert [release["id"] for release in releases_of(api, secretariat, secretary)] == [pending.pk]
    assert releases_of(api, secretariat, secretary)[0]["review_state"] == "pending"
    assert releases_of(api, secretariat, reader) == []


def test_a_value_and_a_contribution_show_their_evidence_too(
    api, review_required, observe, contribute, reviewer, hum1_indicator, nato, evidence
):
    piece = evidence("B2")
    value = observe(hum1_indicator, "12", evidence=[piece])
    approve_or_return(value, reviewer=reviewer, decision="approve")
    contribution = contribute(nato, hum1_indicator.commitment, evidence=[piece])

    assert cited(api.get(f"/api/v1/indicator-values/{value.pk}/").json()) == [piece.pk]
    assert cited(api.get(f"/api/v1/contributions/{contribution.pk}/").json()) == [piece.pk]
    listed = api.get("/api/v1/contributions/").json()["results"]
    assert [cited(each) for each in listed] == [[piece.pk]]


@pytest.mark.parametrize("records", [2, 6])
def test_a_page_reads_its_records_evidence_and_releases_in_2_more_queries_whatever_its_size(
    api,
    review_required,
    secretary,
    reviewer,
    coalition_reviewer,
    evidence,
    records,
    settings,
    django_assert_num_queries,
):
    settings.RESPONSE_CACHE = False  # each read is computed
    commitment = CommitmentFactory(code="MIL-9")
    for _ in range(records):
        piece = evidence("B2", releasability="coalition", author=secretary)
        update = record_approved_by(secretary, reviewer, commitment, "coalition", [piece])
        release = propose_release(
            record=update, author=secretary, released_to="public", reason=REASON
        )
        approve_or_return(release, reviewer=coalition_reviewer, decision="approve")
    api.force_authenticate(secretary)
    # A request's authentication reads its user's language (Preferences) with the user.
    preferred_language(secretary)

    # Expect 4 queries: the fingerprint, the page of updates, their evidence, their releases.
    with django_assert_num_queries(4):
        results = api.get(FEED).json()["results"]
    assert [len(each["evidence"]) for each in results] == [1] * records
    assert [len(each["releases"]) for each in results] == [1] * records


def test_an_events_record_shows_the_evidence_of_its_own_marking(
    review_required, record_approved, cleared_analyst, evidence, mil1
):
    # An event is read only by those its marking (its record's) is released to: a coalition
    # update's event lists its coalition piece, never a secretariat one; a public update's
    # event its public pieces only.
    public_piece = evidence("B2")
    members_piece = evidence("C3", releasability="coalition", author=cleared_analyst)
    secretariat_piece = evidence("A1", releasability="secretariat", author=cleared_analyst)
    pieces = [public_piece, members_piece, secretariat_piece]
    public = record_approved(mil1, evidence=pieces, author=cleared_analyst)
    members = record_approved(
        mil1, evidence=pieces, author=cleared_analyst, releasability="coalition"
    )

    def cited_in_event(update):
        event = Event.objects.filter(subject_url=f"{FEED}{update.pk}/").latest("id")
        return [piece["id"] for piece in event.data["evidence"]]

    assert cited_in_event(public) == [public_piece.pk]
    assert cited_in_event(members) == [public_piece.pk, members_piece.pk]

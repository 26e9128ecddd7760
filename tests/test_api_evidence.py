"""Graded evidence through the API: /evidence/, read per clearance, recorded by those who
record updates, and cited by the records' writes."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from commitments.models import Commitment, Contribution, Evidence, IndicatorValue, StatusUpdate
from commitments.roles import COALITION
from tests.factories import CommitmentFactory, UserFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/evidence/"

REPORT = {
    "source": "UNDP field office",
    "url": "https://example.org/report.pdf",
    "date": "2024-01-10",
    "summary": "Ten of twelve police stations reopened.",
    "reliability": "B",
    "credibility": "2",
}


def test_an_analyst_records_a_piece_of_evidence_and_gets_it_back_graded(as_analyst, analyst):
    response = as_analyst.post(LIST, REPORT, format="json")

    assert response.status_code == 201, response.json()
    piece = Evidence.objects.get()
    assert response["Location"].endswith(f"{LIST}{piece.pk}/")
    assert response.json() == {
        "id": piece.pk,
        **REPORT,
        "reference": None,
        "reliability_label": "B: usually reliable",
        "credibility_label": "2: probably true",
        "grade": "B2",
        "releasability": "public",
        "created_at": response.json()["created_at"],
    }
    assert piece.author == analyst


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "", "reference": ""}, "url"),
        ({"reliability": "G"}, "reliability"),
        ({"credibility": "7"}, "credibility"),
        ({"source": ""}, "source"),
        ({"releasability": "coalition"}, "releasability"),
    ],
)
def test_a_bad_piece_of_evidence_is_a_400_naming_the_field(as_analyst, changes, field):
    response = as_analyst.post(LIST, {**REPORT, **changes}, format="json")

    assert response.status_code == 400
    assert field in refusal(response)
    assert not Evidence.objects.exists()


def test_a_viewer_may_not_record_evidence(api, viewer, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")

    assert api.post(LIST, REPORT, format="json").status_code == 403


def test_the_public_reads_only_public_evidence_and_members_read_theirs_too(api, evidence):
    member = UserFactory()
    member.groups.add(Group.objects.get(name=COALITION))
    public = evidence("A1")
    members_only = evidence("C3", releasability="coalition", author=member)

    def ids(**query):
        return [piece["id"] for piece in api.get(LIST, query).json()["results"]]

    assert ids() == [public.pk]
    assert api.get(f"{LIST}{members_only.pk}/").status_code == 404
    api.force_authenticate(member)
    assert sorted(ids()) == sorted([public.pk, members_only.pk])


def test_the_list_keeps_evidence_graded_at_least_a_grade(api, evidence):
    kept = [evidence("A1"), evidence("B2")]
    evidence("B3")
    evidence("C1")

    body = api.get(LIST, {"grade": "b2"}).json()

    assert sorted(piece["id"] for piece in body["results"]) == sorted(p.pk for p in kept)
    assert api.get(LIST, {"grade": "Z9"}).status_code == 400


def test_the_list_is_given_as_csv_too(api, evidence):
    evidence("B2", source="UNDP field office")

    response = api.get(LIST, {"format": "csv"})

    assert response.status_code == 200
    header, row = (
        b"".join(response.streaming_content if response.streaming else [response.content])
        .decode()
        .splitlines()[:2]
    )
    assert header.split(",")[:2] == ["id", "source"]
    assert "UNDP field office" in row


def test_the_list_finds_evidence_by_its_source(api, evidence):
    found = evidence(source="Ministry of Interior")
    evidence(source="UNDP")

    body = api.get(LIST, {"source": "interior"}).json()

    assert [piece["id"] for piece in body["results"]] == [found.pk]


def test_an_update_cites_evidence_by_id(as_analyst, commitment, evidence):
    first, second = evidence("A1"), evidence("C3")
    update = {"status": "on_track", "as_of": "2024-02-01", "summary": "Stations reopened."}

    response = as_analyst.post(
        f"/api/v1/commitments/{commitment.code}/updates/",
        {**update, "evidence": [second.pk, first.pk]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    cited = StatusUpdate.objects.get().citations.all()
    assert [citation.evidence for citation in cited] == [second, first]


def test_citing_evidence_that_does_not_exist_or_is_not_readable_is_a_400_naming_it(
    as_analyst, commitment, evidence
):
    member = UserFactory()
    member.groups.add(Group.objects.get(name=COALITION))
    members_only = evidence(releasability="coalition", author=member)
    update = {"status": "on_track", "as_of": "2024-02-01", "summary": "Stations reopened."}

    for unseen in (members_only.pk, 999999):
        response = as_analyst.post(
            f"/api/v1/commitments/{commitment.code}/updates/",
            {**update, "evidence": [unseen]},
            format="json",
        )

        assert response.status_code == 400
        assert refusal(response) == {
            "evidence": [f"There is no evidence #{unseen} that you may cite: check its id."]
        }
    assert not StatusUpdate.objects.exists()


def test_a_value_and_a_contribution_cite_evidence_by_id(as_analyst, hum1_indicator, nato, evidence):
    piece = evidence()

    value = as_analyst.post(
        f"/api/v1/indicators/{hum1_indicator.pk}/values/",
        {"value": "5", "as_of": "2024-01-15", "evidence": [piece.pk]},
        format="json",
    )
    contribution = as_analyst.post(
        "/api/v1/contributions/",
        {
            "partner": nato.slug,
            "commitment": "MIL-1",
            "kind": "training",
            "count": 40,
            "unit": "instructors",
            "date": "2024-01-15",
            "evidence": [piece.pk],
        },
        format="json",
    )

    assert value.status_code == 201, value.json()
    assert contribution.status_code == 201, contribution.json()
    assert list(IndicatorValue.objects.get().evidence.all()) == [piece]
    assert list(Contribution.objects.get().evidence.all()) == [piece]


def test_evidence_dated_in_the_future_is_refused(as_analyst):
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)

    response = as_analyst.post(LIST, {**REPORT, "date": tomorrow.isoformat()}, format="json")

    assert response.status_code == 400
    assert refusal(response) == {"date": ["The date is not in the future."]}


def test_the_summary_counts_current_assessments_resting_on_b2_evidence(
    api, record, evidence, django_assert_num_queries
):
    strong, weak = evidence("A2"), evidence("C3")
    on_strong, on_weak, on_both, replaced = (CommitmentFactory() for _ in range(4))
    record(on_strong, evidence=[strong])
    record(on_weak, evidence=[weak])
    record(on_both, evidence=[weak, strong])
    # Its current assessment is the later one, on weak evidence: the strong one is history.
    record(replaced, evidence=[strong], as_of=datetime.date(2024, 1, 1))
    record(replaced, evidence=[weak], as_of=datetime.date(2024, 2, 1))

    # Expect 3 queries: the data version, the pillars, and the commitments counted by pillar
    # and status, those resting on B2 evidence among them (no query of its own).
    with django_assert_num_queries(3):
        body = api.get("/api/v1/summary/").json()

    assert body["assessed_on_b2_evidence"] == 2


def test_the_summary_as_of_a_past_day_counts_the_evidence_of_the_assessments_then(
    api, record, evidence
):
    commitment = CommitmentFactory()
    Commitment.objects.update(created_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC))
    record(commitment, evidence=[evidence("A2")], as_of=datetime.date(2024, 1, 1))
    record(commitment, evidence=[evidence("C3")], as_of=datetime.date(2024, 2, 1))

    def on_b2(as_of):
        return api.get("/api/v1/summary/", {"as_of": as_of}).json()["assessed_on_b2_evidence"]

    assert (on_b2("2024-01-15"), on_b2("2024-02-15")) == (1, 0)


def test_evidence_the_public_may_not_read_counts_in_no_public_summary(api, record, evidence):
    member = UserFactory()
    member.groups.add(Group.objects.get(name=COALITION))
    members_only = evidence("A1", releasability="coalition", author=member)
    record(CommitmentFactory(), evidence=[members_only], author=member)

    assert api.get("/api/v1/summary/").json()["assessed_on_b2_evidence"] == 0

"""Graded evidence: a piece of evidence and its grade (STANAG 2511), and the records that cite
it. The evidence migrated from the records' own columns: tests/test_evidence_migrations.py."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from commitments.models import (
    Contribution,
    Evidence,
    IndicatorValue,
    StatusUpdate,
    StatusUpdateEvidence,
)
from commitments.roles import COALITION
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_grade_is_the_sources_reliability_then_the_informations_credibility(evidence):
    piece = evidence("B2")

    assert piece.grade == "B2"
    assert str(piece) == "B2 UNDP field office (10 Jan 2024)"
    assert piece.get_reliability_display() == "B: usually reliable"
    assert piece.get_credibility_display() == "2: probably true"


@pytest.mark.parametrize(
    ("grade", "at_least_b2"),
    [("A1", True), ("B2", True), ("A2", True), ("B1", True), ("C2", False), ("B3", False)],
)
def test_at_least_b2_is_a_source_a_or_b_and_information_1_or_2(evidence, grade, at_least_b2):
    piece = evidence(grade)

    assert Evidence.objects.at_least("B2").filter(pk=piece.pk).exists() is at_least_b2
    assert piece.is_at_least("b2") is at_least_b2


def test_a_grade_outside_the_scale_is_refused(evidence):
    with pytest.raises(ValueError, match="not a grade"):
        Evidence.objects.at_least("G7")
    with pytest.raises(ValidationError) as refused:
        evidence("G7")
    assert set(refused.value.message_dict) == {"reliability", "credibility"}


def test_evidence_needs_a_url_or_a_reference(evidence):
    with pytest.raises(ValidationError, match="a URL or a reference"):
        evidence(url="", reference="")

    assert evidence(url="", reference="Ministry letter 2024/17").reference


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commitments_evidence SET reliability = 'A' WHERE id = %s",
        "DELETE FROM commitments_evidence WHERE id = %s",
    ],
)
def test_evidence_is_never_regraded_or_deleted(evidence, sql):
    piece = evidence("C3")

    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [piece.pk])

    assert Evidence.objects.get(pk=piece.pk).grade == "C3"


def test_nobody_marks_evidence_narrower_than_their_clearance(evidence):
    with pytest.raises(ValidationError, match="clearance does not reach coalition"):
        evidence(releasability="coalition")


def test_a_status_update_cites_evidence_in_the_order_given(commitment, record, evidence):
    first, second = evidence("A1"), evidence("C3")

    update = record(commitment, evidence=[second.pk, first])

    assert [citation.evidence for citation in update.citations.all()] == [second, first]
    assert update.evidence_cited == 2


def test_an_indicator_value_and_a_contribution_cite_evidence_too(
    hum1_indicator, commitment, observe, contribute, evidence
):
    piece = evidence()

    value = observe(hum1_indicator, "5", evidence=[piece])
    contribution = contribute(PartnerFactory(), commitment, evidence=[piece])

    assert list(IndicatorValue.objects.get(pk=value.pk).evidence.all()) == [piece]
    assert list(Contribution.objects.get(pk=contribution.pk).evidence.all()) == [piece]


def test_a_record_cites_only_evidence_its_author_may_read(commitment, record, evidence):
    member = UserFactory()
    member.groups.add(Group.objects.get(name=COALITION))
    members_only = evidence(releasability="coalition", author=member)

    with pytest.raises(ValidationError, match=f"no evidence #{members_only.pk} that you may"):
        record(commitment, evidence=[members_only])
    with pytest.raises(ValidationError, match="no evidence #999999"):
        record(commitment, evidence=[999999])

    assert not StatusUpdate.objects.exists()


def test_nothing_is_added_to_a_records_evidence_once_it_is_submitted(commitment, record, evidence):
    update = record(commitment, evidence=[evidence("C3")])
    uncited = record(commitment)

    for submitted in (update, uncited):
        refused = pytest.raises(DatabaseError, match="fixed when their record is submitted")
        with refused, transaction.atomic():
            StatusUpdateEvidence.objects.create(update=submitted, evidence=evidence("A1"))

    assert [piece.grade for piece in update.evidence.all()] == ["C3"]
    assert not uncited.evidence.exists()


def test_a_citation_is_never_removed(commitment, record, evidence):
    update = record(commitment, evidence=[evidence("E5")])

    with pytest.raises(DatabaseError, match="DELETE refused"), transaction.atomic():
        StatusUpdateEvidence.objects.filter(update=update).delete()

    assert update.evidence.count() == 1

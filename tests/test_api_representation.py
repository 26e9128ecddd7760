"""Commitments and status updates are represented by hand-written code on the hot paths
(serializers.DirectRepresentation); it must give exactly what the declared fields describe,
which is what the API documentation shows."""

import datetime

import pytest
from rest_framework.test import APIRequestFactory

from commitments.api import serializers
from commitments.models import Commitment, StatusUpdate
from commitments.selectors import attach_related
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def context():
    return {"request": APIRequestFactory().get("/api/v1/commitments/", HTTP_HOST="testserver")}


@pytest.fixture
def history(roadmap, record):
    """Commitments in every state: assessed or not, with a parent or children, tags or none."""
    for day, code in enumerate(["MIL-1", "GLB-2", "GLB-2.1", "STB-1", "HUM-1"], start=1):
        record(Commitment.objects.get(code=code), as_of=datetime.date(2024, 1, day), progress=day)
    record(
        Commitment.objects.get(code="MIL-1"),
        status="completed",
        as_of=datetime.date(2024, 2, 1),
        progress=None,
        evidence_url="https://example.org/report?a=1&b=2",
        confidence="high",
    )
    CommitmentFactory(code="NEW-1", update_cadence_days=30, target_date=datetime.date(2027, 1, 1))


def test_a_listed_commitment_is_what_its_fields_describe(history, context):
    commitments = attach_related(
        Commitment.objects.select_related("pillar", "source_document", "parent")
    )
    assert len(commitments) > 25
    for commitment in commitments:
        serializer = serializers.CommitmentSerializer(context=context)
        assert serializer.to_representation(commitment) == serializer.generic_representation(
            Commitment.objects.get(pk=commitment.pk)
        ), commitment.code


def test_a_commitment_in_detail_is_what_its_fields_describe(history, context):
    for code in ["MIL-1", "GLB-2", "GLB-2.1", "NEW-1"]:
        commitment = Commitment.objects.get(code=code)
        attach_related([commitment])
        commitment.child_rows = list(Commitment.objects.filter(parent=commitment).order_by("code"))
        commitment.latest_updates = list(StatusUpdate.objects.filter(commitment=commitment))
        serializer = serializers.CommitmentDetailSerializer(context=context)
        fresh = Commitment.objects.get(code=code)
        fresh.child_rows, fresh.latest_updates = commitment.child_rows, commitment.latest_updates
        assert serializer.to_representation(commitment) == serializer.generic_representation(fresh)


def test_a_status_update_is_what_its_fields_describe(history, context):
    updates = StatusUpdate.objects.select_related("commitment", "author")
    assert updates.count() == 6
    for serializer_class in [
        serializers.StatusUpdateSerializer,
        serializers.FeedStatusUpdateSerializer,
        serializers.StatusUpdateCSVSerializer,
    ]:
        serializer = serializer_class(context=context)
        for update in updates:
            assert serializer.to_representation(update) == serializer.generic_representation(update)


def test_links_quote_what_a_path_cannot_hold_as_is(context):
    links = serializers.Links(context["request"])
    assert links.commitment("MIL-1") == "http://testserver/api/v1/commitments/MIL-1/"
    assert links.updates("A B") == "http://testserver/api/v1/commitments/A%20B/updates/"
    assert links.update(7) == "http://testserver/api/v1/updates/7/"


def test_a_commitment_read_on_its_own_gets_its_relations_too(history, context):
    commitment = Commitment.objects.get(code="GLB-2")  # not through attach_related
    data = serializers.CommitmentSerializer(commitment, context=context).data
    assert data["children"] == sorted(
        Commitment.objects.filter(parent=commitment).values_list("code", flat=True)
    )
    assert data["children"]

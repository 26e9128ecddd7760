"""Commitments and status updates are read as `.values()` rows and represented by a plan
compiled from the declared serializer fields (commitments.api.representation); what the API
serves that way must be exactly what DRF's own walk over the same fields makes of model
instances, and have exactly the properties the API documentation (docs/openapi.yaml) lists."""

import csv
import datetime
import io
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import AnonymousUser
from django.urls import clear_script_prefix, set_script_prefix
from rest_framework.reverse import reverse
from rest_framework.test import APIRequestFactory

from commitments.api.commitments import (
    ChildSerializer,
    CommitmentCSVSerializer,
    CommitmentDetailSerializer,
    CommitmentSerializer,
    CommitmentViewSet,
)
from commitments.api.representation import Links
from commitments.api.updates import (
    FeedStatusUpdateSerializer,
    StatusUpdateCSVSerializer,
    StatusUpdateSerializer,
    StatusUpdateViewSet,
)
from commitments.models import Commitment, CommitmentPartner, Indicator, PartnerRole, StatusUpdate
from commitments.services import approve_or_return, save_commitment
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

SCHEMA = yaml.safe_load((Path(__file__).parent.parent / "docs" / "openapi.yaml").read_text())
LIST = "/api/v1/commitments/"


@pytest.fixture
def history(roadmap, record, evidence, analyst, reviewer, review_required):
    """Commitments in every state: assessed or not, with a parent or children, tags or none,
    a lead partner, an owner with a full name and one without; updates approved, pending,
    returned and corrected, with and without evidence and review comments."""
    approve = {"reviewer": reviewer, "decision": "approve"}
    for day, code in enumerate(["MIL-1", "GLB-2", "GLB-2.1", "STB-1", "HUM-1"], start=1):
        update = record(Commitment.objects.get(code=code), as_of=datetime.date(2024, 1, day))
        approve_or_return(update, **approve, comment="Checked." if day == 2 else "")
    mil = Commitment.objects.get(code="MIL-1")
    update = record(
        mil,
        status="completed",
        as_of=datetime.date(2024, 2, 1),
        progress=None,
        evidence=[evidence(source="A report", url="https://example.org/report?a=1&b=2")],
        confidence="high",
    )
    approve_or_return(update, reviewer=reviewer, decision="return", comment="Which report?")
    correction = record(mil, status="completed", as_of=datetime.date(2024, 2, 1), corrects=update)
    approve_or_return(correction, **approve)
    record(mil, status="at_risk", as_of=datetime.date(2024, 3, 1), corrects=correction)  # pending
    nadia = UserFactory(username="nhaddad", first_name="Nadia", last_name="Haddad")
    for code, owner in [("MIL-1", analyst), ("GLB-2", nadia)]:
        commitment = Commitment.objects.get(code=code)
        commitment.owner = owner
        save_commitment(commitment, fields=["owner"])
    link = CommitmentPartner.objects.filter(commitment__code="GLB-2").first()
    if link is not None:
        link.role = PartnerRole.LEAD
        link.save()
    CommitmentFactory(code="NEW-1", update_cadence_days=30, target_date=datetime.date(2027, 1, 1))


@pytest.fixture(params=["anonymous", "staff"])
def reader(request, viewer):
    return AnonymousUser() if request.param == "anonymous" else viewer


@pytest.fixture
def signed_in(api, reader):
    if reader.is_authenticated:
        api.force_authenticate(reader)
    return api


def generic(serializer_class, instance, reader):
    """DRF's own representation of the declared fields, on a model instance."""
    request = APIRequestFactory().get(LIST, HTTP_HOST="testserver")
    request.user = reader
    return serializer_class(context={"request": request}).to_representation(instance)


def test_a_listed_commitment_is_what_its_fields_describe(history, signed_in, reader):
    page = signed_in.get(LIST, {"page_size": 200}).json()["results"]
    assert len(page) > 25
    for item in page:
        commitment = Commitment.objects.get(code=item["code"])
        assert item == generic(CommitmentSerializer, commitment, reader), item["code"]


@pytest.mark.parametrize("code", ["MIL-1", "GLB-2", "GLB-2.1", "NEW-1", "POL-7"])
def test_a_commitment_in_detail_is_what_its_fields_describe(history, signed_in, reader, code):
    commitment = Commitment.objects.get(code=code)
    commitment.child_rows = list(Commitment.objects.filter(parent=commitment).order_by("code"))
    commitment.latest_updates = list(commitment.status_updates.approved().for_display()[:10])
    commitment.indicator_rows = list(Indicator.objects.filter(commitment=commitment).with_latest())
    commitment.depends_on_rows = commitment.dependent_rows = []  # (the history has none)
    served = signed_in.get(f"{LIST}{code}/").json()
    assert served == generic(CommitmentDetailSerializer, commitment, reader)


@pytest.mark.parametrize("review_state", ["approved", "pending", "returned"])
def test_a_status_update_is_what_its_fields_describe(history, signed_in, reader, review_state):
    # Anonymous readers may not ask for a review state: they get the approved feed.
    query = {"review_state": review_state} if reader.is_authenticated else {}
    served = signed_in.get("/api/v1/updates/", query).json()["results"]
    assert served
    for item in served:
        update = StatusUpdate.objects.for_display().get(pk=item["id"])
        assert item == generic(FeedStatusUpdateSerializer, update, reader), item["id"]


def test_a_commitment_in_the_csv_is_what_its_fields_describe(history, api):
    rows = csv.DictReader(io.StringIO(api.get(LIST, {"format": "csv"}).getvalue().decode()))
    renderer_cell = csv_cells(CommitmentCSVSerializer)
    for row in rows:
        commitment = Commitment.objects.get(code=row["code"])
        assert row == renderer_cell(commitment), row["code"]


def test_a_status_update_in_the_csv_is_what_its_fields_describe(history, api):
    rows = csv.DictReader(io.StringIO(api.get("/api/v1/updates/?format=csv").getvalue().decode()))
    renderer_cell = csv_cells(StatusUpdateCSVSerializer)
    for row in rows:
        update = StatusUpdate.objects.for_display().get(pk=row["id"])
        assert row == renderer_cell(update), row["id"]


def csv_cells(serializer_class):
    """A row of the CSV as DRF's own representation would fill it."""
    from commitments.api.renderers import cell

    def cells(instance):
        data = generic(serializer_class, instance, AnonymousUser())
        return {key: "" if value is None else str(cell(value)) for key, value in data.items()}

    return cells


@pytest.mark.parametrize(
    ("serializer_class", "component"),
    [
        (CommitmentSerializer, "Commitment"),
        (CommitmentDetailSerializer, "CommitmentDetail"),
        (ChildSerializer, "Child"),
        (StatusUpdateSerializer, "StatusUpdate"),
        (FeedStatusUpdateSerializer, "FeedStatusUpdate"),
    ],
)
def test_the_fast_representation_has_the_documented_properties(serializer_class, component):
    names = [name for name, _ in serializer_class.plan().getters]
    assert names == list(SCHEMA["components"]["schemas"][component]["properties"])


@pytest.mark.parametrize(
    ("serializer_class", "viewset"),
    [
        (CommitmentCSVSerializer, CommitmentViewSet),
        (StatusUpdateCSVSerializer, StatusUpdateViewSet),
    ],
)
def test_the_csv_representation_has_the_csv_columns(serializer_class, viewset):
    names = [name for name, _ in serializer_class.plan().getters]
    assert names == viewset.csv_columns


def test_links_quote_what_a_path_cannot_hold_as_is():
    links = Links(APIRequestFactory().get(LIST, HTTP_HOST="testserver"))
    assert links.url("api:commitment-detail", "code", "MIL-1") == f"http://testserver{LIST}MIL-1/"
    assert (
        links.url("api:commitment-updates", "code", "A B")
        == f"http://testserver{LIST}A%20B/updates/"
    )
    assert links.url("api:update-detail", "pk", 7) == "http://testserver/api/v1/updates/7/"


@pytest.mark.parametrize("code", ["GLB-2.3", "A B", "é-1", "x?y", "50%", "a#b", "~!$&'()*+,;=:@"])
def test_links_are_what_reverse_makes_of_any_code(code):
    request = APIRequestFactory().get(LIST, HTTP_HOST="testserver")
    expected = reverse("api:commitment-detail", kwargs={"code": code}, request=request)
    assert Links(request).url("api:commitment-detail", "code", code) == expected


def test_links_keep_the_requests_script_prefix_and_format(client, roadmap, settings):
    """Links reverse each path once per process (its URLconf and script prefix the key), and
    make it absolute for each request, as DRF's reverse() does: under a script prefix, then
    without, then with the `format` DRF carries over into links."""
    settings.RESPONSE_CACHE = False  # the same address each time: each is made
    detail = "api/v1/commitments/MIL-1/"
    # As the WSGI handler sets it from SCRIPT_NAME (the test client does not).
    set_script_prefix("/tracker/")
    try:
        under = client.get(LIST).json()["results"]
    finally:
        clear_script_prefix()
    assert f"http://testserver/tracker/{detail}" in [row["url"] for row in under]
    plain = client.get(LIST).json()["results"]
    assert f"http://testserver/{detail}" in [row["url"] for row in plain]
    formatted = client.get(LIST, {"format": "json"}).json()["results"]
    assert f"http://testserver/{detail}?format=json" in [row["url"] for row in formatted]
    updates = [row["updates_url"] for row in formatted]
    assert f"http://testserver/{detail}updates/?format=json" in updates

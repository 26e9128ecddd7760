"""The events stream (/api/v1/events/): every change of what readers see is told once, in the
transaction of the change, with what changed as the API gave it then; anonymous readers see the
public events, staff the review work in progress too."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from commitments.imports import parse_csv
from commitments.models import Commitment, Event, Indicator
from commitments.roles import COALITION
from commitments.services import (
    approve_or_return,
    import_status_updates,
    record_event,
    save_commitment,
    save_indicator,
    withdraw,
)
from tests.factories import CommitmentFactory, UserFactory
from tests.helpers import execute_refused, refusal

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


def as_paths(value):
    """The API's JSON with its links as paths, as an event's data has them."""
    if isinstance(value, dict):
        return {key: as_paths(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_paths(item) for item in value]
    if isinstance(value, str) and value.startswith("http://testserver/"):
        return value.removeprefix("http://testserver")
    return value


def listed(path, **params):
    """The only row that an anonymous reader's list at `path` gives, links as paths."""
    (row,) = APIClient().get(path, params).json()["results"]
    return as_paths(row)


def shown(path):
    return as_paths(APIClient().get(path).json())


def types():
    return list(Event.objects.values_list("type", flat=True))


@pytest.fixture
def signed_in(token_for):
    def signed_in(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return client

    return signed_in


# Each kind of change writes its event.


def test_an_update_approved_on_submission_is_told_as_approved_with_its_representation(mil1, record):
    update = record(mil1)

    event = Event.objects.get()
    assert (event.type, event.public, event.commitment) == ("update.approved", True, mil1)
    assert event.subject_url == f"/api/v1/updates/{update.pk}/"
    assert event.data == shown(f"/api/v1/updates/{update.pk}/")


@pytest.fixture
def updates_of_mil1(mil1, record):
    return lambda: record(mil1)


@pytest.fixture
def values_of_hum1(hum1_indicator, observe):
    return lambda: observe(hum1_indicator, 21)


@pytest.mark.parametrize(
    ("records", "told_as", "path"),
    [
        ("updates_of_mil1", "update", "/api/v1/updates/"),
        ("values_of_hum1", "indicator_value", "/api/v1/indicator-values/"),
    ],
)
def test_each_step_of_a_records_review_is_told(
    request, reviewer, review_required, records, told_as, path
):
    approved, returned, withdrawn = (request.getfixturevalue(records)() for _ in range(3))
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")
    withdraw(withdrawn, author=withdrawn.author)

    assert types() == [
        *[f"{told_as}.submitted"] * 3,
        f"{told_as}.approved",
        f"{told_as}.returned",
        f"{told_as}.withdrawn",
    ]
    event = Event.objects.get(type=f"{told_as}.approved")
    assert event.subject_url == f"{path}{approved.pk}/"
    assert event.commitment.code == ("MIL-1" if told_as == "update" else "HUM-1")
    assert event.data["review_state"] == "approved"
    assert event.data == shown(event.subject_url)
    assert Event.objects.get(type=f"{told_as}.returned").data["review_comment"] == "Source?"
    assert list(Event.objects.filter(public=True).values_list("type", flat=True)) == [
        f"{told_as}.approved"
    ]


def test_a_commitment_created_and_edited_is_told_as_the_list_gives_it(mil1):
    commitment = Commitment(
        code="MIL-99",
        title="A new one",
        text="Quoted.",
        pillar=mil1.pillar,
        source_document=mil1.source_document,
        paragraph=1,
    )
    save_commitment(commitment)
    commitment.title = "A new one, retitled"
    save_commitment(commitment, fields=["title"])

    created, changed = Event.objects.all()
    assert (created.type, changed.type) == ("commitment.created", "commitment.changed")
    assert created.subject_url == changed.subject_url == "/api/v1/commitments/MIL-99/"
    assert (created.data["title"], created.data["version"]) == ("A new one", 1)
    assert changed.data == listed("/api/v1/commitments/", code="MIL-99")
    assert changed.commitment == commitment


def test_a_contribution_and_its_correction_are_told(nato, mil1, contribute):
    contribution = contribute(nato, mil1)
    correction = contribute(nato, mil1, amount=Decimal("1500.00"), corrects=contribution)

    recorded, corrected = Event.objects.all()
    assert (recorded.type, corrected.type) == ("contribution.recorded", "contribution.corrected")
    assert corrected.subject_url == f"/api/v1/contributions/{correction.pk}/"
    assert corrected.data["corrects"] == contribution.pk
    assert recorded.data["amount"] == "1000.00"
    assert corrected.data == shown(f"/api/v1/contributions/{correction.pk}/")


def test_an_indicator_created_and_edited_is_told(mil1):
    indicator = Indicator(
        slug="units-deployed",
        commitment=mil1,
        name="Units deployed",
        unit=Indicator.Unit.COUNT,
        direction=Indicator.Direction.INCREASE,
        baseline_value=Decimal(0),
    )
    save_indicator(indicator)
    indicator.name = "Units deployed in the field"
    save_indicator(indicator)

    created, changed = Event.objects.all()
    assert (created.type, changed.type) == ("indicator.created", "indicator.changed")
    assert changed.subject_url == f"/api/v1/indicators/{indicator.pk}/"
    assert changed.data == shown(f"/api/v1/indicators/{indicator.pk}/")
    assert created.data["name"] == "Units deployed"


@pytest.mark.parametrize(
    ("review", "told_as"), [(False, "update.approved"), (True, "update.submitted")]
)
def test_an_import_tells_each_update_in_file_order(roadmap, analyst, settings, review, told_as):
    settings.REVIEW_REQUIRED = review
    content = (
        b"commitment,status,as_of,summary\n"
        b"MIL-1,on_track,2024-01-15,First.\n"
        b"HUM-1,at_risk,2024-01-16,Second.\n"
        b"MIL-1,off_track,2024-01-17,Third.\n"
    )
    import_status_updates(parse_csv(content, name="x.csv"), author=analyst)

    events = list(Event.objects.all())
    assert [event.type for event in events] == [told_as] * 3
    assert [event.data["summary"] for event in events] == ["First.", "Second.", "Third."]
    assert [event.commitment.code for event in events] == ["MIL-1", "HUM-1", "MIL-1"]
    assert [event.subject_url for event in events] == [
        f"/api/v1/updates/{event.data['id']}/" for event in events
    ]


# Events are written with their change, or not at all.


def test_a_change_that_is_refused_writes_no_event(mil1, record):
    with pytest.raises(ValidationError):
        record(mil1, status="not_a_status")

    assert not Event.objects.exists()


class Undone(Exception):
    pass


def test_a_change_rolled_back_after_its_event_takes_its_event_with_it(mil1, record):
    def record_then_fail():
        with transaction.atomic():
            record(mil1)
            assert Event.objects.count() == 1
            raise Undone

    with pytest.raises(Undone):
        record_then_fail()

    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_is_refused_outside_the_transaction_of_a_change(mil1):
    with pytest.raises(RuntimeError, match="in the transaction of the change"):
        record_event("commitment.changed", subject_url="/api/v1/commitments/MIL-1/", data={})

    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commitments_event SET type = 'update.returned' WHERE id = %s",
        "DELETE FROM commitments_event WHERE id = %s",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_an_event(mil1, record, sql):
    record(mil1)
    event = Event.objects.get()

    execute_refused(sql, [event.pk], match="events are append-only")

    assert Event.objects.get().type == "update.approved"


# Reading the stream.


@pytest.fixture
def stream(roadmap, record, reviewer, review_required, nato, contribute):
    """A pending update of MIL-1, an approved one of HUM-1, a contribution to MIL-1."""
    record(Commitment.objects.get(code="MIL-1"))
    approved = record(Commitment.objects.get(code="HUM-1"))
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    contribute(nato, Commitment.objects.get(code="MIL-1"))


def listed_types(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return [event["type"] for event in response.json()["results"]]


def test_anonymous_readers_see_public_events_only(stream):
    assert listed_types(APIClient()) == ["update.approved", "contribution.recorded"]


def test_staff_who_may_view_events_see_review_work_in_progress(stream, viewer, signed_in):
    assert listed_types(signed_in(viewer)) == [
        "update.submitted",
        "update.submitted",
        "update.approved",
        "contribution.recorded",
    ]


def test_a_staff_only_event_is_not_found_by_anonymous_readers(stream, viewer, signed_in):
    submitted = Event.objects.filter(type="update.submitted").first()

    assert APIClient().get(f"{URL}{submitted.pk}/").status_code == 404
    response = signed_in(viewer).get(f"{URL}{submitted.pk}/")
    assert response.json()["id"] == submitted.pk


def test_an_event_reads_in_full(stream):
    event = Event.objects.get(type="contribution.recorded")

    assert APIClient().get(f"{URL}{event.pk}/").json() == {
        "id": event.pk,
        "type": "contribution.recorded",
        "type_label": "Contribution recorded",
        "occurred_at": event.occurred_at.astimezone(timezone.get_current_timezone())
        .isoformat()
        .replace("+00:00", "Z"),
        "subject_url": event.subject_url,
        "commitment": "MIL-1",
        "data": event.data,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "update.submitted"}, ["update.submitted"] * 2),
        (
            {"type": "update.approved,contribution.recorded"},
            ["update.approved", "contribution.recorded"],
        ),
        (
            {"type": ["update.approved", "update.submitted"]},
            ["update.submitted"] * 2 + ["update.approved"],
        ),
        ({"commitment": "MIL-1"}, ["update.submitted", "contribution.recorded"]),
        ({"pillar": "humanitarian"}, ["update.submitted", "update.approved"]),
    ],
)
def test_events_are_filtered(stream, viewer, signed_in, params, expected):
    assert listed_types(signed_in(viewer), **params) == expected


def test_since_an_id_gives_the_events_after_it(stream):
    first = Event.objects.public().first()

    assert listed_types(APIClient(), since=first.pk) == ["contribution.recorded"]


def test_since_a_time_gives_the_events_at_or_after_it(stream):
    since = Event.objects.public().last().occurred_at.isoformat()

    assert listed_types(APIClient(), since=since) == ["contribution.recorded"]
    assert listed_types(APIClient(), since="2000-01-01") == [
        "update.approved",
        "contribution.recorded",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "-3"}, "since"),
        ({"type": "update.published"}, "type"),
        ({"commitment": "XYZ-9"}, "commitment"),
        ({"pillar": "nowhere"}, "pillar"),
    ],
)
def test_a_bad_filter_is_a_400_that_names_it(roadmap, params, field):
    response = APIClient().get(URL, params)

    assert response.status_code == 400
    assert list(refusal(response)) == [field]


def test_a_cursor_walks_the_whole_stream_in_order(mil1, record):
    for day in range(1, 8):
        record(mil1, as_of=datetime.date(2024, 1, day))
    ids = list(Event.objects.values_list("pk", flat=True))

    walked, url = [], URL + "?page_size=3"
    while url:
        page = APIClient().get(url).json()
        walked += [event["id"] for event in page["results"]]
        url = page["next"]

    assert walked == ids


def test_the_public_list_is_not_served_stale_after_a_new_public_event(
    mil1, record, reviewer, settings, review_required
):
    settings.RESPONSE_CACHE = True
    update = record(mil1)  # pending: nothing public yet
    assert listed_types(APIClient()) == []
    assert listed_types(APIClient()) == []  # from the cache now

    approve_or_return(update, reviewer=reviewer, decision="approve")

    assert listed_types(APIClient()) == ["update.approved"]


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_list_takes_2_queries_whatever_the_page_size(
    roadmap, record, page_size, django_assert_num_queries
):
    for commitment in Commitment.objects.all()[:20]:
        record(commitment)
    CommitmentFactory.create_batch(40)  # each told as created: 60 events, of either kind

    # Expect 2 queries: the data fingerprint (ETag), and the page of events with the code of
    # their commitment joined.
    with django_assert_num_queries(2):
        response = APIClient().get(URL, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_a_filter_that_names_rows_adds_one_query(roadmap, record, django_assert_num_queries):
    record(Commitment.objects.get(code="MIL-1"))

    # Expect 2 queries as unfiltered, plus 1 to check that the commitment exists.
    with django_assert_num_queries(3):
        APIClient().get(URL, {"commitment": "MIL-1", "type": "update.approved", "since": 0})


# Releasability: an event tells of its record to the readers its clearance lets read it.


@pytest.fixture
def marked(mil1, hum1_indicator, nato, record, observe, contribute):
    """A public update of MIL-1, then a coalition update, value and contribution (approved on
    submission: review is off)."""
    record(mil1)
    record(mil1, releasability="coalition")
    observe(hum1_indicator, 21, releasability="coalition")
    contribute(nato, mil1, releasability="coalition")


def member_of_the_coalition():
    user = UserFactory()
    user.groups.add(Group.objects.get(name=COALITION))
    return user


def test_an_event_about_a_record_carries_its_releasability(marked, mil1):
    assert list(Event.objects.values_list("type", "releasability")) == [
        ("update.approved", "public"),
        ("update.approved", "coalition"),
        ("indicator_value.approved", "coalition"),
        ("contribution.recorded", "coalition"),
    ]


def test_an_event_about_what_is_not_marked_is_public(mil1):
    indicator = Indicator(
        slug="units",
        commitment=mil1,
        name="Units",
        unit=Indicator.Unit.COUNT,
        direction=Indicator.Direction.INCREASE,
    )
    save_indicator(indicator)

    assert Event.objects.get().releasability == "public"


def test_a_public_reader_is_not_shown_a_coalition_event(marked, signed_in):
    public_events = listed_types(APIClient())
    member_events = listed_types(signed_in(member_of_the_coalition()))

    assert public_events == ["update.approved"]
    assert member_events == [
        "update.approved",
        "update.approved",
        "indicator_value.approved",
        "contribution.recorded",
    ]
    told = Event.objects.get(type="contribution.recorded")
    assert APIClient().get(f"{URL}{told.pk}/").status_code == 404


def test_staff_see_review_work_in_progress_only_within_their_clearance(
    mil1, record, review_required, viewer, signed_in
):
    record(mil1, releasability="coalition")

    assert listed_types(signed_in(viewer)) == []

"""What changed between two dates (/api/v1/changes/), on the small 2026 history of
conftest.time_history, whose answers are written out here by hand."""

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework import serializers

from commitments.api.time import CommitmentChangeSerializer, StateSerializer
from commitments.api.updates import StatusUpdateSerializer
from commitments.models import Commitment, Status
from commitments.selectors import changes_between
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes/"


def moves(response):
    """code -> (change, (status, progress) before, (status, progress) after, update as-of
    dates) of a changes response."""
    assert response.status_code == 200, response.json()
    return {
        row["code"]: (
            row["change"],
            (row["before"]["status"], row["before"]["progress"]),
            (row["after"]["status"], row["after"]["progress"]),
            [update["as_of"] for update in row["updates"]],
        )
        for row in response.json()["changes"]
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"from": "2026-02-15", "to": "2026-04-30"},
            {
                # Back-dated off_track (as known now) to at_risk: better.
                "A-1": ("improved", ("off_track", 25), ("at_risk", 30), ["2026-03-01"]),
                "A-3": (
                    "newly_assessed",
                    ("not_assessed", None),
                    ("on_track", 60),
                    ["2026-04-20", "2026-03-10", "2026-03-10"],
                ),
                # Created on 1 Apr.
                "B-1": (
                    "newly_assessed",
                    ("not_assessed", None),
                    ("not_started", None),
                    ["2026-04-05"],
                ),
            },
        ),
        (
            # As seen on 31 Mar, A-1 was on track on 15 Feb: it worsened.
            {"from": "2026-02-15", "to": "2026-03-31", "known_on": "2026-03-31"},
            {
                "A-1": ("worsened", ("on_track", 20), ("at_risk", 30), ["2026-03-01"]),
                "A-3": (
                    "newly_assessed",
                    ("not_assessed", None),
                    ("on_track", 50),
                    ["2026-03-10", "2026-03-10"],
                ),
            },
        ),
        (
            {"from": "2026-03-15", "to": "2026-04-30"},
            {
                # Its 30-day cadence ran out on 31 Mar.
                "A-1": ("became_stale", ("at_risk", 30), ("at_risk", 30), []),
                "A-3": ("progress_moved", ("on_track", 50), ("on_track", 60), ["2026-04-20"]),
                "B-1": (
                    "newly_assessed",
                    ("not_assessed", None),
                    ("not_started", None),
                    ["2026-04-05"],
                ),
            },
        ),
        (
            {"from": "2026-04-30", "to": "2026-05-31"},
            {
                # Discontinued stands outside the order of statuses.
                "B-1": ("changed", ("not_started", None), ("discontinued", None), ["2026-05-10"]),
                "A-2": ("became_stale", ("on_track", 80), ("on_track", 80), []),
            },
        ),
        (
            {"from": "2026-04-30", "to": "2026-05-31", "pillar": "beta"},
            {
                "B-1": ("changed", ("not_started", None), ("discontinued", None), ["2026-05-10"]),
            },
        ),
    ],
)
def test_changes_between_two_dates(api, time_history, query, expected):
    assert moves(api.get(CHANGES, query)) == expected


def test_the_changes_come_with_the_counts_at_both_dates_and_their_difference(api, time_history):
    summary = api.get(CHANGES, {"from": "2026-02-15", "to": "2026-04-30"}).json()["summary"]
    zero = dict.fromkeys(Status.values, 0)
    assert summary == {
        "before": {
            "total": 4,
            "by_status": {**zero, "off_track": 1, "on_track": 1, "not_assessed": 2},
            "average_progress": 52.5,
            "progress_reported": 2,
            "stale": 2,
        },
        "after": {
            "total": 5,
            "by_status": {**zero, "at_risk": 1, "on_track": 2, "not_started": 1, "not_assessed": 1},
            "average_progress": 56.7,
            "progress_reported": 3,
            "stale": 2,
        },
        "difference": {
            "total": 1,
            "by_status": {
                **zero,
                "off_track": -1,
                "at_risk": 1,
                "on_track": 1,
                "not_started": 1,
                "not_assessed": -1,
            },
            "average_progress": 4.2,
            "stale": 0,
        },
        "by_change": {
            "improved": 1,
            "worsened": 0,
            "changed": 0,
            "progress_moved": 0,
            "newly_assessed": 2,
            "became_stale": 0,
        },
    }


def test_a_commitment_created_in_between_says_so(api, time_history):
    rows = api.get(CHANGES, {"from": "2026-02-15", "to": "2026-04-30"}).json()["changes"]
    assert {row["code"]: row["created_since"] for row in rows} == {
        "A-1": False,
        "A-3": False,
        "B-1": True,
    }


def test_the_changes_as_csv(api, time_history):
    response = api.get(CHANGES, {"from": "2026-02-15", "to": "2026-04-30", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="changes.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [
        (r["code"], r["change"], r["status_before"], r["status_after"], r["progress_after"])
        for r in rows
    ] == [
        ("A-1", "improved", "off_track", "at_risk", "30"),
        ("A-3", "newly_assessed", "not_assessed", "on_track", "60"),
        ("B-1", "newly_assessed", "not_assessed", "not_started", ""),
    ]


def values_of(sheet):
    """The sheet's rows, with its dates as dates (Excel holds them as times at midnight)."""
    return [
        tuple(v.date() if isinstance(v, datetime.datetime) else v for v in row)
        for row in sheet.values
    ]


def test_the_changes_as_a_workbook(api, time_history):
    response = api.get(CHANGES, {"from": "2026-02-15", "to": "2026-04-30", "format": "xlsx"})

    header, *rows = values_of(load_workbook(io.BytesIO(response.content)).active)
    assert header[:4] == ("code", "title", "pillar", "change")
    shown = [dict(zip(header, row, strict=True)) for row in rows]
    assert [
        (r["code"], r["change"], r["status_after"], r["progress_after"], r["as_of_after"])
        for r in shown
    ] == [
        ("A-1", "improved", "at_risk", 30, datetime.date(2026, 3, 1)),
        ("A-3", "newly_assessed", "on_track", 60, datetime.date(2026, 4, 20)),
        ("B-1", "newly_assessed", "not_started", None, datetime.date(2026, 4, 5)),
    ]


def test_each_change_is_said_in_words(api, time_history):
    rows = api.get(CHANGES, {"from": "2026-02-15", "to": "2026-04-30"}).json()["changes"]

    assert {row["code"]: row["change_label"] for row in rows} == {
        "A-1": "Improved",
        "A-3": "Newly assessed",
        "B-1": "Newly assessed",
    }


def test_from_defaults_to_30_days_before_to(api, time_history):
    body = api.get(CHANGES, {"to": "2026-04-30"}).json()
    assert (body["from"], body["to"], body["known_on"]) == ("2026-03-31", "2026-04-30", None)
    assert api.get(CHANGES).json()["to"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"from": "2026-05-01", "to": "2026-04-30"}, {"from": ["from cannot be after to."]}),
        ({"to": "30 Apr 2026"}, {"to": ["Enter a date as YYYY-MM-DD."]}),
        (
            {"from": "2026-01-01", "to": "2026-04-30", "known_on": "2026-04-01"},
            {
                "known_on": [
                    "known_on cannot be before to: nothing recorded by then is dated later."
                ]
            },
        ),
        # Not a parameter of changes: refused, as every unknown parameter is.
        ({"status": "on_track"}, {"status": ["Unknown parameter 'status'."]}),
    ],
)
def test_a_bad_period_is_a_400_naming_it(api, time_history, query, errors):
    response = api.get(CHANGES, query)
    if errors is None:
        assert response.status_code == 200
    else:
        assert (response.status_code, refusal(response)) == (400, errors)


def test_changes_take_a_constant_number_of_queries(api, time_history, django_assert_num_queries):
    # Expect 5 queries, however many commitments changed and however long their histories:
    # the fingerprint, the states at both dates (which are counted too), the commitments that
    # changed, their updates in between, and the evidence those updates cite.
    with django_assert_num_queries(5):
        api.get(CHANGES, {"from": "2026-02-15", "to": "2026-04-30", "known_on": "2026-05-31"})


def test_a_change_is_written_as_its_declared_fields_would_write_it(time_history, rf):
    changes = changes_between(
        Commitment.objects.all(),
        datetime.date(2026, 2, 15),
        datetime.date(2026, 4, 30),
        update_columns=StatusUpdateSerializer.columns(),
    ).changes
    written = CommitmentChangeSerializer(context={"request": rf.get(CHANGES)})

    assert {change.change for change in changes} == {"improved", "newly_assessed"}
    assert any(change.before is None for change in changes)
    state = StateSerializer()
    for change in changes:
        generic = serializers.Serializer.to_representation(written, change)
        assert written.to_representation(change) == generic
        for then in (change.before_or_unassessed, change.after):
            assert state.to_representation(then) == serializers.Serializer.to_representation(
                state, then
            )

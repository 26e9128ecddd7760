"""Each commitment's status and progress at the end of each interval
(/api/v1/commitments/matrix/), on the small 2026 history of conftest.time_history; each column is
what the list reads ?as_of= its date."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from commitments.models import Commitment
from tests.conftest import _noon, at
from tests.factories import CommitmentFactory
from tests.helpers import refusal
from tests.test_changes import values_of

pytestmark = pytest.mark.django_db

MATRIX = "/api/v1/commitments/matrix/"
LIST = "/api/v1/commitments/"


def grid(response):
    """code -> [(status, progress) at each date]."""
    assert response.status_code == 200, response.json()
    return {
        row["code"]: [(cell["status"], cell["progress"]) for cell in row["cells"]]
        for row in response.json()["commitments"]
    }


def test_the_matrix_gives_each_commitment_at_the_end_of_each_month(api, time_history):
    response = api.get(MATRIX, {"from": "2026-01-01", "to": "2026-05-20"})
    body = response.json()
    assert {key: body[key] for key in ("from", "to", "known_on", "interval", "dates")} == {
        "from": "2026-01-01",
        "to": "2026-05-20",
        "known_on": None,
        "interval": "month",
        "dates": ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-20"],
    }
    assert body["commitments"][0] == {
        "code": "A-1",
        "title": Commitment.objects.get(code="A-1").title,
        "pillar": "alpha",
        "cells": [
            {"date": "2026-01-31", "status": "on_track", "progress": 20},
            # Back-dated on 15 Apr: as known today, it stood off track at the end of February.
            {"date": "2026-02-28", "status": "off_track", "progress": 25},
            {"date": "2026-03-31", "status": "at_risk", "progress": 30},
            {"date": "2026-04-30", "status": "at_risk", "progress": 30},
            {"date": "2026-05-20", "status": "at_risk", "progress": 30},
        ],
    }
    na, none = ("not_assessed", None), (None, None)
    assert grid(response) == {
        "A-1": [("on_track", 20), ("off_track", 25), ("at_risk", 30), ("at_risk", 30), ("at_risk", 30)],
        # The correction replaces the completed 100 it corrects, from the day it is dated.
        "A-2": [na, ("on_track", 80), ("on_track", 80), ("on_track", 80), ("on_track", 80)],
        # The off_track returned in review never counts.
        "A-3": [na, na, ("on_track", 50), ("on_track", 60), ("on_track", 60)],
        # Created on 1 April: nothing before.
        "B-1": [none, none, none, ("not_started", None), ("discontinued", None)],
        "B-2": [na, na, na, na, na],
    }  # fmt: skip


def test_the_matrix_as_known_on_a_day(api, time_history):
    response = api.get(MATRIX, {"from": "2026-01-15", "to": "2026-03-31", "known_on": "2026-03-31"})
    rows = grid(response)
    # Neither the back-dated off_track of A-1 nor the correction of A-2 was known.
    assert rows["A-1"] == [("on_track", 20), ("on_track", 20), ("at_risk", 30)]
    assert rows["A-2"] == [("not_assessed", None), ("completed", 100), ("completed", 100)]
    assert "B-1" not in rows  # not created by 31 March


@pytest.fixture
def pending(time_history, record):
    """An update of A-3 recorded on 25 April and still waiting for review."""
    with at(_noon(4, 25)):
        record(
            Commitment.objects.get(code="A-3"),
            status="off_track",
            progress=5,
            as_of=datetime.date(2026, 4, 25),
        )


@pytest.mark.parametrize(
    ("query", "interval"),
    [
        ({"from": "2026-01-01", "to": "2026-05-31"}, "month"),
        ({"from": "2026-02-20", "to": "2026-04-30", "interval": "week"}, "week"),
        ({"from": "2026-01-15", "to": "2026-04-30", "known_on": "2026-04-30"}, "month"),
    ],
)
def test_each_column_is_the_list_as_of_its_date(api, time_history, pending, query, interval):
    body = api.get(MATRIX, query).json()
    assert body["interval"] == interval
    for index, day in enumerate(body["dates"]):
        as_of = {"as_of": day, "page_size": 200}
        if "known_on" in query:
            as_of["known_on"] = query["known_on"]
        listed = api.get(LIST, as_of).json()["results"]
        column = {
            row["code"]: (row["cells"][index]["status"], row["cells"][index]["progress"])
            for row in body["commitments"]
            if row["cells"][index]["status"] is not None
        }
        assert column == {row["code"]: (row["status"], row["progress"]) for row in listed}, day


def test_a_pending_update_never_counts(api, time_history, pending):
    rows = grid(api.get(MATRIX, {"from": "2026-04-01", "to": "2026-05-31"}))
    assert rows["A-3"] == [("on_track", 60), ("on_track", 60)]


@pytest.mark.parametrize(
    ("query", "dates"),
    [
        (
            # Weeks run Monday to Sunday; 1 January 2026 is a Thursday.
            {"from": "2026-01-01", "to": "2026-01-20", "interval": "week"},
            ["2026-01-04", "2026-01-11", "2026-01-18", "2026-01-20"],
        ),
        (
            {"from": "2026-01-01", "to": "2026-05-20", "interval": "quarter"},
            ["2026-03-31", "2026-05-20"],
        ),
        (
            {"from": "2024-03-01", "to": "2026-05-20", "interval": "year"},
            ["2024-12-31", "2025-12-31", "2026-05-20"],
        ),
    ],
)
def test_the_intervals_end_on_their_last_day_and_the_last_at_to(api, time_history, query, dates):
    assert api.get(MATRIX, query).json()["dates"] == dates


def test_twelve_months_by_default(api, time_history):
    dates = api.get(MATRIX, {"to": "2026-05-31"}).json()["dates"]
    assert (len(dates), dates[0], dates[-1]) == (12, "2025-06-30", "2026-05-31")


def test_the_matrix_takes_the_timelines_filters(api, time_history):
    rows = grid(api.get(MATRIX, {"from": "2026-03-01", "to": "2026-04-30", "pillar": "beta"}))
    assert rows == {
        "B-1": [(None, None), ("not_started", None)],
        "B-2": [("not_assessed", None), ("not_assessed", None)],
    }


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        (
            {"from": "2024-01-01", "to": "2026-05-31", "interval": "week"},
            {
                "from": [
                    "At most 120 intervals at a time (126 asked for): take a later from, or a "
                    "longer interval."
                ]
            },
        ),
        (
            {"interval": "day"},
            {"interval": ["Select a valid choice. day is not one of the available choices."]},
        ),
        ({"from": "2026-05-01", "to": "2026-04-30"}, {"from": ["from cannot be after to."]}),
        ({"pillar": "gamma"}, None),
    ],
)
def test_a_bad_matrix_is_a_400_naming_it(api, time_history, query, errors):
    response = api.get(MATRIX, query)
    assert response.status_code == 400
    if errors is not None:
        assert refusal(response) == errors
    else:
        assert list(refusal(response)) == ["pillar"]


def test_the_matrix_as_csv_is_a_line_per_commitment(api, time_history):
    response = api.get(MATRIX, {"from": "2026-03-01", "to": "2026-04-30", "format": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="matrix.csv"'
    title = dict(Commitment.objects.values_list("code", "title"))
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["code", "title", "pillar", "status_2026-03-31", "status_2026-04-30",
         "progress_2026-03-31", "progress_2026-04-30"],
        ["A-1", title["A-1"], "alpha", "at_risk", "at_risk", "30", "30"],
        ["A-2", title["A-2"], "alpha", "on_track", "on_track", "80", "80"],
        ["A-3", title["A-3"], "alpha", "on_track", "on_track", "50", "60"],
        ["B-1", title["B-1"], "beta", "", "not_started", "", ""],
        ["B-2", title["B-2"], "beta", "not_assessed", "not_assessed", "", ""],
    ]  # fmt: skip


def test_the_matrix_as_a_workbook(api, time_history):
    response = api.get(
        MATRIX, {"from": "2026-03-01", "to": "2026-04-30", "pillar": "beta", "format": "xlsx"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="matrix-')
    title = dict(Commitment.objects.values_list("code", "title"))
    assert values_of(load_workbook(io.BytesIO(response.content)).active) == [
        ("code", "title", "pillar", "status_2026-03-31", "status_2026-04-30",
         "progress_2026-03-31", "progress_2026-04-30"),
        ("B-1", title["B-1"], "beta", None, "not_started", None, None),
        ("B-2", title["B-2"], "beta", "not_assessed", "not_assessed", None, None),
    ]  # fmt: skip


@pytest.mark.parametrize(("months", "more"), [(2, 0), (24, 0), (24, 30)])
def test_the_matrix_takes_3_queries_however_many_commitments_and_intervals(
    api, time_history, months, more, django_assert_num_queries
):
    with at(_noon(1, 1)):
        CommitmentFactory.create_batch(more)
    start = {2: "2026-04-01", 24: "2024-06-01"}[months]
    # Expect 3 queries: the fingerprint, the states on every date (one query), and the
    # commitments' codes and titles.
    with django_assert_num_queries(3):
        response = api.get(MATRIX, {"from": start, "to": "2026-05-31"})
    assert len(response.json()["dates"]) == months
    assert len(response.json()["commitments"]) == 5 + more

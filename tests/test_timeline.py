"""The counts by status at the end of each month or quarter (/api/v1/summary/timeline/), on the
small 2026 history of conftest.time_history, whose answers are written out here by hand."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from tests.helpers import refusal
from tests.test_changes import values_of

pytestmark = pytest.mark.django_db

TIMELINE = "/api/v1/summary/timeline/"


def points(response):
    """(date, total, {status: count, only those counted}, average progress, stale) of each
    point."""
    assert response.status_code == 200, response.json()
    return [
        (
            point["date"],
            point["total"],
            {status: n for status, n in point["by_status"].items() if n},
            point["average_progress"],
            point["stale"],
        )
        for point in response.json()["points"]
    ]


def test_the_timeline_counts_the_commitments_at_the_end_of_each_month(api, time_history):
    response = api.get(TIMELINE, {"from": "2026-01-01", "to": "2026-05-31"})
    assert points(response) == [
        ("2026-01-31", 4, {"on_track": 1, "not_assessed": 3}, 20.0, 3),
        ("2026-02-28", 4, {"off_track": 1, "on_track": 1, "not_assessed": 2}, 52.5, 2),
        ("2026-03-31", 4, {"at_risk": 1, "on_track": 2, "not_assessed": 1}, 53.3, 1),
        (
            "2026-04-30",
            5,
            {"at_risk": 1, "on_track": 2, "not_started": 1, "not_assessed": 1},
            56.7,
            2,
        ),
        (
            "2026-05-31",
            5,
            {"at_risk": 1, "on_track": 2, "discontinued": 1, "not_assessed": 1},
            56.7,
            3,
        ),
    ]
    # What each average is of: the commitments that report a progress.
    assert [point["progress_reported"] for point in response.json()["points"]] == [1, 2, 3, 3, 3]


def test_the_timeline_as_known_on_a_day(api, time_history):
    response = api.get(
        TIMELINE, {"from": "2026-01-15", "to": "2026-03-31", "known_on": "2026-03-31"}
    )
    assert points(response) == [
        ("2026-01-31", 4, {"on_track": 1, "not_assessed": 3}, 20.0, 3),
        # Neither the back-dated off_track of A-1 nor the correction of A-2 was known.
        ("2026-02-28", 4, {"on_track": 1, "completed": 1, "not_assessed": 2}, 60.0, 3),
        (
            "2026-03-31",
            4,
            {"at_risk": 1, "completed": 1, "on_track": 1, "not_assessed": 1},
            60.0,
            1,
        ),
    ]


def test_the_last_interval_ends_at_to(api, time_history):
    response = api.get(TIMELINE, {"from": "2026-01-01", "to": "2026-05-20", "interval": "quarter"})
    body = response.json()
    assert (body["from"], body["to"], body["interval"]) == ("2026-01-01", "2026-05-20", "quarter")
    assert [(p[0], p[1]) for p in points(response)] == [("2026-03-31", 4), ("2026-05-20", 5)]


def test_the_timeline_takes_the_lists_filters(api, time_history):
    response = api.get(TIMELINE, {"from": "2026-03-01", "to": "2026-04-30", "pillar": "beta"})
    assert points(response) == [
        ("2026-03-31", 1, {"not_assessed": 1}, None, 1),
        ("2026-04-30", 2, {"not_started": 1, "not_assessed": 1}, None, 1),
    ]


def test_twelve_months_by_default(api, time_history):
    body = api.get(TIMELINE, {"to": "2026-05-31"}).json()
    assert [p["date"] for p in body["points"]][:2] == ["2025-06-30", "2025-07-31"]
    assert len(body["points"]) == 12


def test_the_timeline_as_csv(api, time_history):
    response = api.get(TIMELINE, {"from": "2026-04-01", "to": "2026-05-31", "format": "csv"})
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["date", "total", "not_assessed", "not_started", "on_track", "at_risk", "off_track",
         "completed", "discontinued", "average_progress", "stale"],
        ["2026-04-30", "5", "1", "1", "2", "1", "0", "0", "0", "56.7", "2"],
        ["2026-05-31", "5", "1", "0", "2", "1", "0", "0", "1", "56.7", "3"],
    ]  # fmt: skip


def test_the_timeline_as_a_workbook(api, time_history):
    response = api.get(TIMELINE, {"from": "2026-04-01", "to": "2026-05-31", "format": "xlsx"})

    assert response["Content-Disposition"].startswith('attachment; filename="timeline-')
    assert values_of(load_workbook(io.BytesIO(response.content)).active) == [
        ("date", "total", "not_assessed", "not_started", "on_track", "at_risk", "off_track",
         "completed", "discontinued", "average_progress", "stale"),
        (datetime.date(2026, 4, 30), 5, 1, 1, 2, 1, 0, 0, 0, 56.7, 2),
        (datetime.date(2026, 5, 31), 5, 1, 0, 2, 1, 0, 0, 1, 56.7, 3),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        (
            {"from": "2010-01-01", "to": "2026-05-31"},
            {
                "from": [
                    "At most 120 intervals at a time (197 asked for): take a later from, or a "
                    "longer interval."
                ]
            },
        ),
        ({"interval": "week"}, {"interval": ["Select a valid choice. week is not one of the available choices."]}),
        ({"from": "2026-05-01", "to": "2026-04-30"}, {"from": ["from cannot be after to."]}),
    ],
)  # fmt: skip
def test_a_bad_timeline_is_a_400_naming_it(api, time_history, query, errors):
    response = api.get(TIMELINE, query)
    assert (response.status_code, refusal(response)) == (400, errors)


def test_a_long_quarterly_timeline_is_allowed(api, time_history):
    response = api.get(TIMELINE, {"from": "2010-01-01", "to": "2026-05-31", "interval": "quarter"})
    assert len(response.json()["points"]) == 66


@pytest.mark.parametrize("months", [2, 24])
def test_the_timeline_takes_2_queries_however_many_intervals(
    api, time_history, months, django_assert_num_queries
):
    # Expect 2 queries: the fingerprint, and the counts at every interval's end (one query).
    start = {2: "2026-04-01", 24: "2024-06-01"}[months]
    with django_assert_num_queries(2):
        response = api.get(TIMELINE, {"from": start, "to": "2026-05-31"})
    assert len(response.json()["points"]) == months

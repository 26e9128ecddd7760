"""Indicator values read as of a date (?as_of=) as known on a day (?known_on=), by status
updates' rule: a value counts on D, as known on K, when it was observed on or before D and
recorded and approved by the end of K; a correction replaces what it corrects from the day it
is approved. The small history below is written out by hand, and so are the answers."""

import datetime
from decimal import Decimal

import pytest

from commitments.models import Indicator
from commitments.services import approve_or_return, record_indicator_value
from tests.conftest import at
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/indicators/"
VALUES = "/api/v1/indicator-values/"


def _noon(month, day):
    return datetime.datetime(2026, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def history(roadmap, settings, analyst, reviewer):
    """HUM-1's indicator, from approximately US$20 billion toward US$30 billion, in 2026:

    v1 22bn as of 10 Jan, recorded 10 Jan, approved 11 Jan
    v2 24bn as of 1 Mar, recorded 2 Mar, approved 5 Mar
    v3 25bn as of 1 Feb, back-dated: recorded and approved 15 Apr
    v4 26bn as of 1 Mar, correcting v2: recorded 1 May, approved 2 May
    v5 28bn over April (period end 30 Apr), recorded and approved 10 May
    v6 29bn as of 20 May, recorded 20 May, never reviewed: never counts"""
    settings.REVIEW_REQUIRED = True
    indicator = Indicator.objects.get(slug="humanitarian-and-stabilization-assistance-raised")
    Indicator.objects.filter(pk=indicator.pk).update(target_value=Decimal("30000000000"))
    indicator.refresh_from_db()

    def observe(billions, recorded, approved=None, **fields):
        with at(recorded):
            value = record_indicator_value(
                indicator=indicator, author=analyst, value=Decimal(billions) * 10**9, **fields
            )
        if approved is not None:
            with at(approved):
                approve_or_return(value, reviewer=reviewer, decision="approve")
        return value

    day = datetime.date
    v1 = observe(22, _noon(1, 10), _noon(1, 11), as_of=day(2026, 1, 10))
    v2 = observe(24, _noon(3, 2), _noon(3, 5), as_of=day(2026, 3, 1))
    v3 = observe(25, _noon(4, 15), _noon(4, 15), as_of=day(2026, 2, 1))
    v4 = observe(26, _noon(5, 1), _noon(5, 2), as_of=day(2026, 3, 1), corrects=v2)
    v5 = observe(
        28, _noon(5, 10), _noon(5, 10), period_start=day(2026, 4, 1), period_end=day(2026, 4, 30)
    )
    v6 = observe(29, _noon(5, 20), as_of=day(2026, 5, 20))
    return indicator, {"v1": v1, "v2": v2, "v3": v3, "v4": v4, "v5": v5, "v6": v6}


NONE = (None, None, None, None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # (latest_value, latest_date, latest_phrase, progress)
        ({"as_of": "2026-01-05"}, NONE),
        # Today's knowledge: the back-dated v3 counts.
        (
            {"as_of": "2026-02-15"},
            ("25000000000", "2026-02-01", "US$25 billion", "50.0"),
        ),
        # As seen on 31 Mar, v3 had not been recorded.
        (
            {"as_of": "2026-02-15", "known_on": "2026-03-31"},
            ("22000000000", "2026-01-10", "US$22 billion", "20.0"),
        ),
        # v2 was recorded on 2 Mar but counts only from its approval, on 5 Mar.
        ({"known_on": "2026-03-04"}, ("22000000000", "2026-01-10", "US$22 billion", "20.0")),
        ({"known_on": "2026-03-05"}, ("24000000000", "2026-03-01", "US$24 billion", "40.0")),
        # Before its approval, v4 corrected nothing; once approved, it replaces v2 at v2's date.
        (
            {"as_of": "2026-03-31", "known_on": "2026-05-01"},
            ("24000000000", "2026-03-01", "US$24 billion", "40.0"),
        ),
        ({"as_of": "2026-03-31"}, ("26000000000", "2026-03-01", "US$26 billion", "60.0")),
        # A period's value is dated by its end.
        ({"as_of": "2026-04-29"}, ("26000000000", "2026-03-01", "US$26 billion", "60.0")),
        ({"as_of": "2026-04-30"}, ("28000000000", "2026-04-30", "US$28 billion", "80.0")),
        # Today: the pending v6 does not count.
        ({}, ("28000000000", "2026-04-30", "US$28 billion", "80.0")),
    ],
)
def test_an_indicators_latest_value_and_progress_are_those_of_the_date(
    api, history, query, expected
):
    indicator, _ = history

    listed = api.get(LIST, {"commitment": "HUM-1", **query}).json()["results"]
    one = api.get(f"{LIST}{indicator.pk}/", query).json()
    embedded = api.get("/api/v1/commitments/HUM-1/", query).json()["indicators"]

    def latest(item):
        return (
            item["latest_value"],
            item["latest_date"],
            item["latest_phrase"],
            item["progress"],
        )

    assert [latest(item) for item in listed] == [expected]
    assert latest(one) == expected
    assert [latest(item) for item in embedded] == [expected]


def _values(response, history):
    """(name, corrected_by name) of a page of values, in order."""
    assert response.status_code == 200, response.json()
    _, made = history
    names = {value.pk: name for name, value in made.items()}
    return [
        (names[item["id"]], names.get(item["corrected_by"])) for item in response.json()["results"]
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"as_of": "2026-02-15", "known_on": "2026-03-31"}, [("v1", None)]),
        ({"as_of": "2026-02-15"}, [("v3", None), ("v1", None)]),
        # As known on 1 May, v4 was recorded but not approved: it neither shows nor corrects.
        (
            {"as_of": "2026-03-31", "known_on": "2026-05-01"},
            [("v2", None), ("v3", None), ("v1", None)],
        ),
        (
            {"known_on": "2026-05-02"},
            [("v4", None), ("v2", "v4"), ("v3", None), ("v1", None)],
        ),
        (
            {},
            [("v5", None), ("v4", None), ("v2", "v4"), ("v3", None), ("v1", None)],
        ),
    ],
)
def test_an_indicators_values_are_those_known_on_the_day(api, history, query, expected):
    indicator, _ = history

    of_indicator = api.get(f"{LIST}{indicator.pk}/values/", query)
    everyone = api.get(VALUES, {"indicator": indicator.pk, **query})

    assert _values(of_indicator, history) == expected
    assert _values(everyone, history) == expected


def test_a_value_not_yet_known_is_a_404_as_of_then(api, history):
    _, made = history
    url = f"{VALUES}{made['v3'].pk}/"

    assert api.get(url, {"known_on": "2026-03-31"}).status_code == 404
    assert api.get(url, {"known_on": "2026-04-15"}).status_code == 200


def test_an_indicator_defined_after_the_date_is_still_listed_with_no_value(api, history):
    # Indicators are definitions: the Roadmap's are listed as of a day before any was defined.
    found = api.get(LIST, {"as_of": "2019-01-01"}).json()

    assert found["count"] == 10
    assert {item["latest_value"] for item in found["results"]} == {None}


@pytest.mark.parametrize("query", [{"as_of": "2099-01-01"}, {"known_on": "someday"}])
def test_a_bad_point_in_time_is_a_400(api, history, query):
    indicator, _ = history

    for url in (LIST, f"{LIST}{indicator.pk}/values/", VALUES):
        response = api.get(url, query)
        assert response.status_code == 400, url
        assert set(refusal(response)) == set(query)


def test_the_list_as_of_a_date_takes_3_queries(api, history, django_assert_num_queries):
    # Expect 3 queries, as today's list: the data fingerprint (ETag), the count, and the page
    # of indicators with their latest value of the date subqueried.
    with django_assert_num_queries(3):
        response = api.get(LIST, {"as_of": "2026-03-31", "known_on": "2026-05-01"})
    assert response.json()["count"] == 10


def test_the_values_as_of_a_date_take_5_queries(api, history, django_assert_num_queries):
    indicator, _ = history
    # Expect 5 queries, as today's: fingerprint, the indicator, the count, the page of values
    # of the date joined with their author and decision, and the evidence they cite.
    with django_assert_num_queries(5):
        response = api.get(
            f"{LIST}{indicator.pk}/values/", {"as_of": "2026-03-31", "known_on": "2026-05-02"}
        )
    assert response.json()["count"] == 4

"""When a commitment's current status was recorded and approved (last_recorded_at,
last_approved_at, and last_update_at, the deprecated name of last_approved_at): one meaning on a
plain read and on an as_of read, so that adding as_of=today changes nothing a client sees, sorts
or filters by. Read off conftest.time_history, where approval often comes after recording."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from commitments.models import Commitment
from commitments.services import approve_or_return

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


def noon(month, day):
    return f"2026-{month:02d}-{day:02d}T12:00:00Z"


# code -> (last_recorded_at, last_approved_at) of the update that gives the current status.
TODAY = {
    # at_risk of 1 Mar, recorded and approved 2 Mar; the back-dated update approved on 15 Apr
    # does not replace it, so it moves neither.
    "A-1": (noon(3, 2), noon(3, 2)),
    # The correction, recorded 1 May and approved 2 May.
    "A-2": (noon(5, 1), noon(5, 2)),
    "A-3": (noon(4, 20), noon(4, 20)),
    "B-1": (noon(5, 10), noon(5, 10)),
    "B-2": (None, None),
}


def times(response):
    """code -> (last_recorded_at, last_approved_at) of a list's page, checking that
    last_update_at is last_approved_at."""
    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    assert all(row["last_update_at"] == row["last_approved_at"] for row in rows)
    return {row["code"]: (row["last_recorded_at"], row["last_approved_at"]) for row in rows}


def codes(response):
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def today():
    return timezone.localdate().isoformat()


def test_a_plain_read_and_an_as_of_today_read_give_the_same_times(api, time_history):
    assert times(api.get(LIST)) == TODAY
    assert times(api.get(LIST, {"as_of": today()})) == TODAY


def test_a_correction_moves_the_times_to_the_update_that_then_gives_the_status(
    api, time_history, record, reviewer
):
    a3 = Commitment.objects.get(code="A-3")
    current = a3.status_updates.get(progress=60)
    correction = record(a3, status="on_track", as_of=datetime.date(2026, 3, 5), corrects=current)
    approve_or_return(correction, reviewer=reviewer, decision="approve")

    # Dated before A-3's updates of 10 Mar, the correction hands the status back to the later
    # of them (recorded 15:00, approved 16:00): its times, on both reads.
    expected = {**TODAY, "A-3": ("2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z")}
    assert times(api.get(LIST)) == expected
    assert times(api.get(LIST, {"as_of": today()})) == expected


@pytest.mark.parametrize("code", sorted(TODAY))
def test_the_detail_gives_the_same_times_with_or_without_as_of_today(api, time_history, code):
    plain = api.get(f"{LIST}{code}/").json()
    as_of = api.get(f"{LIST}{code}/", {"as_of": today()}).json()

    shown = ["last_recorded_at", "last_approved_at", "last_update_at"]
    assert [plain[name] for name in shown] == [as_of[name] for name in shown]
    assert (plain["last_recorded_at"], plain["last_approved_at"]) == TODAY[code]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A-1's back-dated update and the correction of A-2 are in effect on 15 Feb as known
        # today...
        (
            {"as_of": "2026-02-15"},
            {"A-1": (noon(4, 15), noon(4, 15)), "A-2": (noon(5, 1), noon(5, 2))},
        ),
        # ... and neither as known on 31 Mar.
        (
            {"as_of": "2026-02-15", "known_on": "2026-03-31"},
            {"A-1": (noon(1, 10), noon(1, 11)), "A-2": (noon(2, 10), noon(2, 10))},
        ),
    ],
)
def test_an_as_of_read_gives_the_times_of_the_update_in_effect_then(
    api, time_history, query, expected
):
    shown = times(api.get(LIST, query))

    assert {code: shown[code] for code in expected} == expected


@pytest.mark.parametrize("as_of", [None, "today"])
@pytest.mark.parametrize(
    ("since", "expected"),
    [
        # A-1's back-dated update was approved on 15 Apr, but its current one on 2 Mar.
        ("2026-04-10", ["A-2", "A-3", "B-1"]),
        ("2026-05-02T12:00:00Z", ["A-2", "B-1"]),
        ("2026-05-02T12:00:01Z", ["B-1"]),
    ],
)
def test_updated_since_reads_last_approved_at_with_or_without_as_of(
    api, time_history, as_of, since, expected
):
    query = {"updated_since": since, **({"as_of": today()} if as_of else {})}

    assert sorted(codes(api.get(LIST, query))) == expected


@pytest.mark.parametrize("as_of", [None, "today"])
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-last_approved_at", ["B-1", "A-2", "A-3", "A-1", "B-2"]),
        ("-last_update_at", ["B-1", "A-2", "A-3", "A-1", "B-2"]),
        ("last_recorded_at", ["A-1", "A-3", "A-2", "B-1", "B-2"]),
    ],
)
def test_ordering_by_the_times_is_the_same_with_or_without_as_of(
    api, time_history, as_of, ordering, expected
):
    query = {"ordering": ordering, **({"as_of": today()} if as_of else {})}

    assert codes(api.get(LIST, query)) == expected


def test_the_migration_sets_both_times_from_the_current_update(time_history):
    migration = importlib.import_module(
        "commitments.migrations.0035_current_update_recorded_and_approved"
    )
    Commitment.objects.update(last_recorded_at=None, last_approved_at=None)

    migration.from_current_update(apps, None)

    def at(text):
        return text and datetime.datetime.fromisoformat(text)

    stored = Commitment.objects.values_list("code", "last_recorded_at", "last_approved_at")
    assert {code: (recorded, approved) for code, recorded, approved in stored} == {
        code: (at(recorded), at(approved)) for code, (recorded, approved) in TODAY.items()
    }

"""A commitment is stale when it has never been assessed, or when its latest assessment is
older than its own update cadence (or STALE_AFTER_DAYS when it has none)."""

import datetime

import pytest

from commitments.models import Commitment
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 6, 30)


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


def stale_codes():
    return set(Commitment.objects.stale(today=TODAY).values_list("code", flat=True))


def fresh_codes():
    return set(Commitment.objects.fresh(today=TODAY).values_list("code", flat=True))


def test_a_commitment_never_assessed_is_stale():
    never = CommitmentFactory(code="NEW-1")

    assert never.is_stale(today=TODAY)
    assert stale_codes() == {"NEW-1"}
    assert fresh_codes() == set()


@pytest.mark.parametrize(
    ("cadence", "assessed_days_ago", "stale"),
    [
        (None, 90, False),  # the default of 90 days, on the last day
        (None, 91, True),
        (30, 30, False),
        (30, 31, True),
        (365, 200, False),
    ],
)
def test_staleness_follows_the_commitments_cadence_or_the_default(
    record, cadence, assessed_days_ago, stale
):
    commitment = CommitmentFactory(code="CAD-1", update_cadence_days=cadence)
    record(commitment, as_of=days_ago(assessed_days_ago))
    commitment.refresh_from_db()

    assert commitment.is_stale(today=TODAY) is stale
    assert stale_codes() == ({"CAD-1"} if stale else set())
    assert fresh_codes() == (set() if stale else {"CAD-1"})


def test_the_default_cadence_comes_from_the_stale_after_days_setting(settings, record):
    settings.STALE_AFTER_DAYS = 10
    commitment = CommitmentFactory(code="SET-1")
    record(commitment, as_of=days_ago(11))
    commitment.refresh_from_db()

    assert commitment.is_stale(today=TODAY)
    assert stale_codes() == {"SET-1"}


def test_a_new_assessment_makes_a_stale_commitment_fresh(record):
    commitment = CommitmentFactory(code="REV-1")
    record(commitment, as_of=days_ago(200))
    assert stale_codes() == {"REV-1"}

    record(commitment, as_of=days_ago(1))

    assert stale_codes() == set()


def test_staleness_can_be_annotated_for_counting_in_the_database(record):
    for code, age in [("A-1", 5), ("A-2", 500)]:
        record(CommitmentFactory(code=code), as_of=days_ago(age))
    CommitmentFactory(code="A-3")

    flags = dict(Commitment.objects.with_is_stale(today=TODAY).values_list("code", "is_stale_flag"))

    assert flags == {"A-1": False, "A-2": True, "A-3": True}

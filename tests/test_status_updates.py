"""Recording a status update: the current-status rule, validation, and database constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments.models import Commitment, StatusUpdate
from tests.helpers import current

pytestmark = pytest.mark.django_db

JAN = datetime.date(2024, 1, 15)
FEB = datetime.date(2024, 2, 15)
MAR = datetime.date(2024, 3, 15)


def test_a_commitment_never_assessed_shows_not_assessed(commitment):
    assert commitment.current_status == "not_assessed"
    assert commitment.get_current_status_display() == "Not assessed"
    assert commitment.current_as_of is None
    assert (commitment.last_recorded_at, commitment.last_approved_at) == (None, None)


def test_recording_an_update_makes_it_the_current_status(commitment, record, analyst):
    update = record(commitment, status="at_risk", progress=40, as_of=FEB)

    assert current(commitment) == ("at_risk", 40, FEB)
    # Review is off here: approved as it was recorded.
    assert (commitment.last_recorded_at, commitment.last_approved_at) == (
        update.created_at,
        update.created_at,
    )
    assert update.author == analyst


def test_a_back_dated_update_does_not_replace_a_newer_assessment(commitment, record):
    newer = record(commitment, status="on_track", progress=60, as_of=MAR)
    record(commitment, status="off_track", progress=10, as_of=JAN)

    assert current(commitment) == ("on_track", 60, MAR)
    # Its times are those of the update that gives it its status, not of the latest recorded.
    assert (commitment.last_recorded_at, commitment.last_approved_at) == (
        newer.created_at,
        newer.created_at,
    )


def test_out_of_order_updates_end_with_the_latest_as_of(commitment, record):
    for as_of, status in [
        (FEB, "at_risk"),
        (JAN, "not_started"),
        (MAR, "completed"),
        (JAN, "off_track"),
    ]:
        record(commitment, status=status, as_of=as_of)

    commitment.refresh_from_db()
    assert (commitment.current_status, commitment.current_as_of) == ("completed", MAR)


def test_on_the_same_as_of_date_the_latest_recorded_update_wins(commitment, record):
    record(commitment, status="on_track", as_of=FEB)
    record(commitment, status="at_risk", as_of=FEB)

    commitment.refresh_from_db()
    assert commitment.current_status == "at_risk"


def test_history_lists_newest_assessment_first(commitment, record):
    record(commitment, status="on_track", as_of=FEB, summary="second")
    record(commitment, status="at_risk", as_of=MAR, summary="third")
    record(commitment, status="not_started", as_of=JAN, summary="first")

    assert [update.summary for update in commitment.status_updates.all()] == [
        "third",
        "second",
        "first",
    ]


def test_recording_does_not_change_the_commitments_version(commitment, record):
    record(commitment)

    commitment.refresh_from_db()
    assert commitment.version == 1


def test_a_correction_names_the_update_it_corrects(commitment, record):
    wrong = record(commitment, status="completed", progress=100, as_of=FEB)
    correction = record(
        commitment,
        status="at_risk",
        progress=70,
        as_of=FEB,
        summary="Correction: not done yet.",
        corrects=wrong,
    )

    assert list(wrong.corrections.all()) == [correction]
    commitment.refresh_from_db()
    assert commitment.current_status == "at_risk"


# The rule for corrections: a correction stands in for the update it corrects, at the as-of
# date the correction states (the corrected update's own, unless it states another), and the
# current status never comes from an update a correction replaced.
OCT_1, OCT_15, NOV_1, SEP_20 = (
    datetime.date(2024, m, d) for m, d in [(10, 1), (10, 15), (11, 1), (9, 20)]
)


@pytest.mark.parametrize(
    ("correction_as_of", "expected"),
    [
        (NOV_1, ("off_track", NOV_1)),  # the corrected update's own date: the correction is current
        (OCT_15, ("off_track", OCT_15)),  # an earlier date, still the newest standing update
        (SEP_20, ("at_risk", OCT_1)),  # older than October's: October's is the newest standing
    ],
)
def test_a_corrected_update_never_stays_the_current_status(
    commitment, record, correction_as_of, expected
):
    record(commitment, status="at_risk", as_of=OCT_1)
    wrong = record(commitment, status="on_track", as_of=NOV_1)

    record(commitment, status="off_track", as_of=correction_as_of, corrects=wrong)

    commitment.refresh_from_db()
    assert (commitment.current_status, commitment.current_as_of) == expected


def test_correcting_an_older_update_leaves_the_current_status_alone(commitment, record):
    old = record(commitment, status="at_risk", as_of=OCT_1)
    record(commitment, status="on_track", as_of=NOV_1)

    record(commitment, status="off_track", as_of=OCT_1, corrects=old)

    commitment.refresh_from_db()
    assert (commitment.current_status, commitment.current_as_of) == ("on_track", NOV_1)


def test_an_update_corrected_once_is_corrected_through_its_correction(commitment, record):
    wrong = record(commitment, as_of=OCT_1)
    correction = record(commitment, as_of=OCT_1, corrects=wrong)

    with pytest.raises(ValidationError) as refused:
        record(commitment, as_of=OCT_1, corrects=wrong)

    assert refused.value.message_dict["corrects"] == [
        f"Update #{wrong.pk} was already corrected by update #{correction.pk}: correct that one "
        "instead."
    ]


def test_the_standing_history_leaves_out_what_corrections_replaced(commitment, record):
    wrong = record(commitment, as_of=OCT_1)
    correction = record(commitment, as_of=OCT_1, corrects=wrong)
    other = record(commitment, as_of=NOV_1)

    standing = StatusUpdate.objects.filter(commitment=commitment).standing()

    assert list(standing) == [other, correction]
    assert list(StatusUpdate.objects.superseded()) == [wrong]


TOMORROW = object()  # resolved at test time, in the project's time zone


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"progress": 101}, "progress", "less than or equal to 100"),
        ({"progress": -1}, "progress", "greater than or equal to 0"),
        ({"as_of": TOMORROW}, "as_of", "cannot be in the future"),
        ({"as_of": datetime.date(2019, 6, 24)}, "as_of", "cannot be before Document"),
        (
            {"status": "completed", "progress": 90},
            "progress",
            "set progress to 100 or leave it empty",
        ),
        ({"summary": ""}, "summary", "This field cannot be blank."),
        ({"summary": "   \n "}, "summary", "This field cannot be blank."),
        ({"status": "not_assessed"}, "status", "is not a valid choice"),
        ({"status": "great"}, "status", "is not a valid choice"),
        ({"confidence": "certain"}, "confidence", "is not a valid choice"),
    ],
)
def test_an_invalid_update_is_refused_with_a_message_and_nothing_is_written(
    commitment, record, fields, field, message
):
    if fields.get("as_of") is TOMORROW:
        fields["as_of"] = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        record(commitment, **fields)

    assert message in " ".join(refused.value.message_dict[field])
    assert StatusUpdate.objects.count() == 0
    commitment.refresh_from_db()
    assert commitment.current_status == "not_assessed"
    assert (commitment.last_recorded_at, commitment.last_approved_at) == (None, None)


def test_a_completed_update_may_leave_progress_empty_or_at_100(commitment, record):
    record(commitment, status="completed", progress=None)
    record(commitment, status="completed", progress=100)

    assert commitment.status_updates.count() == 2


def test_an_update_dated_today_is_accepted(commitment, record):
    record(commitment, as_of=timezone.localdate())

    commitment.refresh_from_db()
    assert commitment.current_as_of == timezone.localdate()


def test_a_correction_must_belong_to_the_same_commitment(record):
    from tests.factories import CommitmentFactory

    first, second = CommitmentFactory(), CommitmentFactory()
    other = record(first)

    with pytest.raises(ValidationError) as refused:
        record(second, corrects=other)

    assert "same commitment" in refused.value.message_dict["corrects"][0]


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"progress": 150}, "statusupdate_progress_0_100"),
        ({"status": "completed", "progress": 50}, "statusupdate_completed_is_100"),
        ({"summary": ""}, "statusupdate_summary_not_empty"),
        ({"status": "bogus"}, "statusupdate_status_valid"),
        ({"confidence": "sure"}, "statusupdate_confidence_valid"),
    ],
)
def test_the_database_refuses_updates_that_skip_validation(commitment, analyst, fields, constraint):
    values = {"status": "on_track", "as_of": JAN, "summary": "x", **fields}

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        StatusUpdate.objects.create(commitment=commitment, author=analyst, **values)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"current_progress": 101}, "commitment_current_progress_0_100"),
        ({"current_status": "on_track"}, "commitment_assessed_iff_as_of"),
        ({"current_status": "nonsense", "current_as_of": JAN}, "commitment_current_status_valid"),
        ({"paragraph": 0}, "commitment_paragraph_range"),
        ({"update_cadence_days": 0}, "commitment_cadence_range"),
        ({"update_cadence_days": 3651}, "commitment_cadence_range"),
        ({"paragraph": 10_000}, "commitment_paragraph_range"),
        ({"target_date": datetime.date(2100, 1, 1)}, "commitment_target_date_range"),
    ],
)
def test_the_database_refuses_inconsistent_commitments(commitment, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(**fields)

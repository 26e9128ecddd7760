"""Indicators (issue 15): what measures a commitment, from a baseline quoted from its source
toward a target, and the values observed of it. Values are append-only down to the database,
reviewed as status updates are, and progress is computed from the latest approved one."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from commitments.models import (
    Commitment,
    Indicator,
    IndicatorValue,
    IndicatorValueReview,
    progress,
)
from commitments.roadmap import load_roadmap
from commitments.selectors import data_version
from commitments.services import (
    OwnValue,
    ValueAlreadyDecided,
    approve_or_return_indicator_value,
    record_indicator_value,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hum1(roadmap):
    return Commitment.objects.get(code="HUM-1")


@pytest.fixture
def indicator(hum1):
    """HUM-1's shipped indicator, given a target: from US$20 billion to 30 billion."""
    indicator = Indicator.objects.get(slug="humanitarian-and-stabilization-assistance-raised")
    Indicator.objects.filter(pk=indicator.pk).update(target_value=Decimal("30000000000"))
    indicator.refresh_from_db()
    return indicator


@pytest.fixture
def observe(analyst):
    """Records a value through the service, as of 15 Jan 2024 unless told otherwise."""

    def observe(indicator, value, **fields):
        fields = {"author": analyst, **fields}
        if "period_end" not in fields:
            fields.setdefault("as_of", datetime.date(2024, 1, 15))
        return record_indicator_value(indicator=indicator, value=Decimal(value), **fields)

    return observe


# Progress, per direction.


@pytest.mark.parametrize(
    ("direction", "baseline", "latest", "target", "expected"),
    [
        ("increase", 20, 25, 30, "50.0"),
        ("increase", 20, 30, 30, "100.0"),
        ("increase", 20, 35, 30, "150.0"),  # past the target: not clamped
        ("increase", 20, 15, 30, "-50.0"),  # back past the baseline
        ("increase", 20, 20, 20, "100.0"),  # baseline is target: reached
        ("increase", 20, 19, 20, "0.0"),
        ("decrease", 100, 75, 50, "50.0"),
        ("decrease", 100, 50, 50, "100.0"),
        ("decrease", 100, 110, 50, "-20.0"),
        ("decrease", 50, 50, 50, "100.0"),
        ("decrease", 50, 51, 50, "0.0"),
        ("maintain", 80, 80, 80, "100.0"),
        ("maintain", 80, 85, 90, "100.0"),  # within baseline and target
        ("maintain", 80, 72, 80, "90.0"),  # 10% short of the nearer end
        ("maintain", 80, 200, 90, "0.0"),  # far off: never below 0
        ("maintain", 0, -5, 0, "0.0"),
    ],
)
def test_progress_is_the_way_from_baseline_to_target(direction, baseline, latest, target, expected):
    assert progress(
        baseline=Decimal(baseline),
        latest=Decimal(latest),
        target=Decimal(target),
        direction=direction,
    ) == Decimal(expected)


@pytest.mark.parametrize(
    ("baseline", "latest", "target", "direction"),
    [
        (20, 25, None, "increase"),  # no target
        (20, None, 30, "increase"),  # no approved value
        (None, 25, 30, "increase"),  # no baseline
        (20, 25, 30, ""),  # a context indicator: no direction
    ],
)
def test_there_is_no_progress_without_all_it_is_made_of(baseline, latest, target, direction):
    assert progress(baseline=baseline, latest=latest, target=target, direction=direction) is None


def test_an_indicators_progress_follows_its_latest_approved_value(indicator, observe):
    observe(indicator, "22000000000", as_of=datetime.date(2023, 1, 1))
    observe(indicator, "25000000000", as_of=datetime.date(2024, 1, 1))
    observe(indicator, "21000000000", as_of=datetime.date(2022, 1, 1))  # older, recorded later

    annotated = Indicator.objects.with_latest().get(pk=indicator.pk)

    assert annotated.latest_value == Decimal("25000000000")
    assert annotated.latest_on == datetime.date(2024, 1, 1)
    assert indicator.progress(annotated.latest_value) == Decimal("50.0")


def test_a_pending_value_does_not_count(indicator, observe, review_required):
    observe(indicator, "25000000000")

    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_value is None


def test_an_approved_correction_replaces_what_it_corrects(indicator, observe):
    wrong = observe(indicator, "29000000000", as_of=datetime.date(2024, 1, 1))
    observe(indicator, "24000000000", as_of=datetime.date(2024, 1, 1), corrects=wrong)

    annotated = Indicator.objects.with_latest().get(pk=indicator.pk)

    assert annotated.latest_value == Decimal("24000000000")
    assert list(IndicatorValue.objects.standing().values_list("value", flat=True)) == [
        Decimal("24000000000")
    ]


# What a value says.


def test_a_value_is_written_with_its_qualifier_and_unit(indicator, observe):
    value = observe(indicator, "21500000000", qualifier="nearly")

    assert value.phrase == "nearly US$21.5 billion"
    assert str(value) == (
        "Humanitarian and stabilization assistance raised: nearly US$21.5 billion (15 Jan 2024)"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"as_of": datetime.date(2099, 1, 1)}, "as_of"),
        (
            {"period_start": datetime.date(2024, 2, 1), "period_end": datetime.date(2024, 1, 1)},
            "period_end",
        ),
        ({"as_of": datetime.date(2024, 1, 1), "period_end": datetime.date(2024, 1, 1)}, "as_of"),
        ({}, "as_of"),  # no date at all
        ({"qualifier": "roughly"}, "qualifier"),
    ],
)
def test_a_value_that_says_the_wrong_thing_is_refused(indicator, analyst, fields, field):
    with pytest.raises(ValidationError) as refused:
        record_indicator_value(indicator=indicator, author=analyst, value=Decimal(1), **fields)

    assert field in refused.value.message_dict
    assert not IndicatorValue.objects.exists()


def test_a_value_over_a_period_is_dated_by_its_end(indicator, observe):
    value = observe(
        indicator,
        "25000000000",
        period_start=datetime.date(2023, 1, 1),
        period_end=datetime.date(2023, 12, 31),
    )

    assert value.observed_on == datetime.date(2023, 12, 31)
    annotated = Indicator.objects.with_latest().get(pk=indicator.pk)
    assert annotated.latest_on == datetime.date(2023, 12, 31)


@pytest.mark.parametrize(
    "columns",
    [
        {"as_of": None, "period_end": None},
        {"as_of": "2024-01-01", "period_end": "2024-01-01"},
        {"as_of": None, "period_start": "2024-02-01", "period_end": "2024-01-01"},
        {"qualifier": "roughly"},
    ],
)
def test_the_database_refuses_what_the_checks_refuse(indicator, analyst, columns):
    values = {
        "indicator": indicator,
        "author": analyst,
        "value": Decimal(1),
        "as_of": "2024-01-01",
        **columns,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(**values)


def test_a_unit_of_its_own_is_said_exactly_when_the_unit_is_other(hum1):
    other = Indicator(slug="x", commitment=hum1, name="X", unit="other", direction="increase")
    counted = Indicator(slug="y", commitment=hum1, name="Y", unit="count", unit_other="years")
    counted.direction = "increase"

    with pytest.raises(ValidationError) as unsaid:
        other.full_clean()
    with pytest.raises(ValidationError) as said:
        counted.full_clean()

    assert "unit_other" in unsaid.value.message_dict
    assert "unit_other" in said.value.message_dict
    for indicator in (other, counted):
        with pytest.raises(IntegrityError), transaction.atomic():
            indicator.save()


def test_an_indicator_of_a_commitment_needs_a_direction(hum1):
    indicator = Indicator(slug="x", commitment=hum1, name="X", unit="count")

    with pytest.raises(ValidationError) as refused:
        indicator.full_clean()

    assert refused.value.message_dict["direction"] == [
        "An indicator of a commitment needs a direction."
    ]


# Append-only, in the database.


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commitments_indicatorvalue SET value = 1 WHERE id = %s",
        "UPDATE commitments_indicatorvalue SET qualifier = 'nearly' WHERE id = %s",
        "DELETE FROM commitments_indicatorvalue WHERE id = %s",
        "UPDATE commitments_indicatorvaluereview SET decision = 'return' WHERE value_id = %s",
        "DELETE FROM commitments_indicatorvaluereview WHERE value_id = %s",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_a_value_or_its_decision(indicator, observe, sql):
    value = observe(indicator, "25000000000")

    with (
        pytest.raises(DatabaseError, match=r"append-only|final"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [value.pk])

    value.refresh_from_db()
    assert (value.value, value.review_state) == (Decimal("25000000000"), "approved")


def test_the_orm_is_refused_too(indicator, observe):
    value = observe(indicator, "25000000000")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        IndicatorValue.objects.filter(pk=value.pk).update(value=1)
    with pytest.raises(DatabaseError, match="final"), transaction.atomic():
        value.review.delete()

    assert IndicatorValue.objects.filter(pk=value.pk, value=Decimal("25000000000")).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE is SQLite's")
def test_sqlite_refuses_to_replace_a_value_or_its_decision(indicator, observe):
    observe(indicator, "25000000000")

    for table in ("commitments_indicatorvalue", "commitments_indicatorvaluereview"):
        with (
            pytest.raises(DatabaseError, match=r"append-only|final"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"REPLACE INTO {table} SELECT * FROM {table}")


def test_a_value_is_corrected_once(indicator, observe):
    wrong = observe(indicator, "29000000000")
    correction = observe(indicator, "24000000000", corrects=wrong)

    with pytest.raises(ValidationError) as refused:
        observe(indicator, "23000000000", corrects=wrong)

    assert refused.value.message_dict["corrects"] == [
        f"Value #{wrong.pk} was already corrected by value #{correction.pk}: record a new "
        "value instead."
    ]


def test_only_an_approved_value_is_corrected(indicator, observe, review_required):
    pending = observe(indicator, "29000000000")

    with pytest.raises(ValidationError) as refused:
        observe(indicator, "24000000000", corrects=pending)

    assert "is not approved" in refused.value.message_dict["corrects"][0]


# Review, four eyes.


def test_a_value_counts_once_someone_else_approves_it(
    indicator, observe, review_required, reviewer
):
    value = observe(indicator, "25000000000")
    assert value.review_state == "pending"

    review = approve_or_return_indicator_value(value, reviewer=reviewer, decision="approve")

    assert (review.reviewer, value.review_state) == (reviewer, "approved")
    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_id == value.pk


def test_nobody_decides_on_their_own_value(indicator, observe, review_required, analyst):
    value = observe(indicator, "25000000000")

    with pytest.raises(OwnValue):
        approve_or_return_indicator_value(value, reviewer=analyst, decision="approve")

    assert not IndicatorValueReview.objects.exists()


def test_a_decision_is_final(indicator, observe, review_required, reviewer, editor):
    value = observe(indicator, "25000000000")
    approve_or_return_indicator_value(
        value, reviewer=reviewer, decision="return", comment="Source?"
    )

    with pytest.raises(ValueAlreadyDecided):
        approve_or_return_indicator_value(value, reviewer=editor, decision="approve")

    assert IndicatorValue.objects.returned().get() == value
    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_value is None


def test_a_return_says_why(indicator, observe, review_required, reviewer):
    value = observe(indicator, "25000000000")

    with pytest.raises(ValidationError) as refused:
        approve_or_return_indicator_value(value, reviewer=reviewer, decision="return")

    assert "comment" in refused.value.message_dict


# The data version: what anonymous readers see.


def test_submitting_a_value_leaves_the_data_version_and_approving_it_moves_it(
    indicator, observe, review_required, reviewer
):
    before = data_version()
    value = observe(indicator, "25000000000")
    assert data_version()[0] == before[0]

    approve_or_return_indicator_value(value, reviewer=reviewer, decision="approve")

    assert data_version()[0] != before[0]


def test_recording_with_review_off_moves_the_data_version(indicator, observe):
    before = data_version()

    observe(indicator, "25000000000")

    assert data_version()[0] != before[0]


def test_editing_an_indicator_moves_the_data_version(indicator):
    before = data_version()

    Indicator.objects.filter(pk=indicator.pk).update(name="Renamed")

    assert data_version()[0] != before[0]


# The Roadmap's figures, loaded again.


def test_loading_the_roadmap_again_adds_no_indicator_and_keeps_their_values(indicator, observe):
    observe(indicator, "25000000000")
    count = Indicator.objects.count()

    report = load_roadmap()

    assert Indicator.objects.count() == count
    assert report.created["indicators"] == 0
    # The target an editor set is kept, and said to differ from the file.
    assert report.differing["indicators"] == [
        "humanitarian-and-stabilization-assistance-raised (target_value)"
    ]
    assert IndicatorValue.objects.count() == 1


def test_a_value_is_recorded_at_the_time_it_is_recorded(indicator, observe):
    before = timezone.now()

    value = observe(indicator, "25000000000")

    assert before <= value.created_at <= timezone.now()

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
    AlreadyDecided,
    OwnRecord,
    approve_or_return,
    record_indicator_value,
)
from tests.helpers import refusal

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
        f"Value #{wrong.pk} was already corrected by value #{correction.pk}: correct that one "
        "instead."
    ]


def test_a_pending_value_is_corrected_only_once_a_reviewer_has_decided(
    indicator, observe, review_required, reviewer
):
    """The status updates' rule (test_review_workflow): a returned value is answered by a
    correction, as a returned update is."""
    pending = observe(indicator, "29000000000")

    with pytest.raises(ValidationError) as refused:
        observe(indicator, "24000000000", corrects=pending)

    assert refused.value.message_dict["corrects"] == [
        f"Value #{pending.pk} is pending review: a reviewer approves or returns it first, and "
        "then it can be corrected."
    ]
    approve_or_return(pending, reviewer=reviewer, decision="return", comment="Source?")
    assert observe(indicator, "24000000000", corrects=pending).corrects == pending


def test_a_value_corrects_only_a_value_of_its_own_indicator(indicator, observe):
    elsewhere = observe(Indicator.objects.exclude(pk=indicator.pk).first(), "10")

    with pytest.raises(ValidationError) as refused:
        observe(indicator, "24000000000", corrects=elsewhere)

    assert refused.value.message_dict["corrects"] == [
        "A correction must correct a value of the same indicator."
    ]


def test_answering_a_returned_correction_of_a_value_corrects_what_it_meant_to_correct(
    indicator, observe, review_required, reviewer
):
    """As for status updates: the answer replaces the value the returned correction was
    meant to replace, and the returned one no longer waits for an answer."""
    original = observe(indicator, "29000000000")
    approve_or_return(original, reviewer=reviewer, decision="approve")
    returned = observe(indicator, "24000000000", corrects=original)
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Which report?")
    assert list(IndicatorValue.objects.unanswered()) == [returned]

    answer = observe(indicator, "24500000000", corrects=returned)
    approve_or_return(answer, reviewer=reviewer, decision="approve")

    assert answer.corrects == original
    assert list(IndicatorValue.objects.unanswered()) == []
    assert list(IndicatorValue.objects.standing()) == [answer]
    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_value == Decimal(
        "24500000000"
    )


def test_a_correction_of_a_returned_value_says_it_replaces_nothing(
    indicator, observe, review_required, reviewer
):
    """corrects_approved, as for status updates: the answer to a returned value is shown as
    an answer, not as the replacement of a value that counted."""
    returned = observe(indicator, "29000000000")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")
    answer = observe(indicator, "24000000000", corrects=returned)
    approve_or_return(answer, reviewer=reviewer, decision="approve")

    shown = {value.pk: value for value in IndicatorValue.objects.for_display()}

    assert shown[answer.pk].corrects_approved is False
    assert shown[answer.pk].corrected_by_id is None


# Review, four eyes.


def test_a_value_counts_once_someone_else_approves_it(
    indicator, observe, review_required, reviewer
):
    value = observe(indicator, "25000000000")
    assert value.review_state == "pending"

    review = approve_or_return(value, reviewer=reviewer, decision="approve")

    assert (review.reviewer, value.review_state) == (reviewer, "approved")
    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_id == value.pk


def test_nobody_decides_on_their_own_value(indicator, observe, review_required, analyst):
    value = observe(indicator, "25000000000")

    with pytest.raises(OwnRecord):
        approve_or_return(value, reviewer=analyst, decision="approve")

    assert not IndicatorValueReview.objects.exists()


def test_a_decision_is_final(indicator, observe, review_required, reviewer, editor):
    value = observe(indicator, "25000000000")
    approve_or_return(value, reviewer=reviewer, decision="return", comment="Source?")

    with pytest.raises(AlreadyDecided):
        approve_or_return(value, reviewer=editor, decision="approve")

    assert IndicatorValue.objects.returned().get() == value
    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_value is None


def test_a_return_says_why(indicator, observe, review_required, reviewer):
    value = observe(indicator, "25000000000")

    with pytest.raises(ValidationError) as refused:
        approve_or_return(value, reviewer=reviewer, decision="return")

    assert "comment" in refused.value.message_dict


# The data version: what anonymous readers see.


def test_submitting_a_value_leaves_the_data_version_and_approving_it_moves_it(
    indicator, observe, review_required, reviewer
):
    before = data_version()
    value = observe(indicator, "25000000000")
    assert data_version()[0] == before[0]

    approve_or_return(value, reviewer=reviewer, decision="approve")

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


# The API.

LIST = "/api/v1/indicators/"


def values_url(indicator):
    return f"{LIST}{indicator.pk}/values/"


def test_an_indicator_shows_its_baseline_target_latest_value_and_progress(api, indicator, observe):
    value = observe(indicator, "25000000000", qualifier="approximately")

    item = api.get(f"{LIST}{indicator.pk}/").json()

    assert item == {
        "id": indicator.pk,
        "url": f"http://testserver{LIST}{indicator.pk}/",
        "slug": "humanitarian-and-stabilization-assistance-raised",
        "name": "Humanitarian and stabilization assistance raised",
        "description": indicator.description,
        "commitment": "HUM-1",
        "pillar": "humanitarian",
        "is_context": False,
        "unit": "us_dollars",
        "unit_label": "US dollars",
        "unit_other": None,
        "measure": "quantitative",
        "direction": "increase",
        "baseline": {
            "value": "20000000000",
            "qualifier": "approximately",
            "date": "2019-06-25",
            "phrase": "approximately US$20 billion",
            "document": "paris-roadmap-2019",
            "paragraph": 2,
            "quote": indicator.baseline_quote,
        },
        "target": {
            "value": "30000000000",
            "qualifier": "exactly",
            "date": None,
            "phrase": "US$30 billion",
        },
        "latest_value": "25000000000",
        "latest_qualifier": "approximately",
        "latest_date": "2024-01-15",
        "latest_phrase": "approximately US$25 billion",
        "latest_value_url": f"http://testserver/api/v1/indicator-values/{value.pk}/",
        "progress": "50.0",
        "values_url": f"http://testserver{LIST}{indicator.pk}/values/",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"commitment": "HUM-1"}, {"humanitarian-and-stabilization-assistance-raised"}),
        ({"commitment": "POL-7"}, {"coalition-members", "coalition-working-groups"}),
        ({"pillar": "political"}, {"coalition-members", "coalition-working-groups"}),
        ({"unit": "square_kilometres"}, {"territory-controlled-at-peak"}),
        (
            {"context": "false"},
            {
                "humanitarian-and-stabilization-assistance-raised",
                "coalition-members",
                "coalition-working-groups",
            },
        ),
    ],
)
def test_the_list_is_filtered(api, roadmap, query, expected):
    found = api.get(LIST, query).json()["results"]

    assert {item["slug"] for item in found} == expected


def test_context_indicators_are_listed_on_their_own(api, roadmap):
    found = api.get(LIST, {"context": "true"}).json()

    assert found["count"] == 7
    assert all(item["is_context"] and item["commitment"] is None for item in found["results"])


def test_the_csv_has_a_row_per_indicator(api, roadmap):
    response = api.get(LIST, {"format": "csv"})

    lines = response.getvalue().decode().strip().splitlines()
    assert response["Content-Disposition"] == 'attachment; filename="indicators.csv"'
    assert lines[0].startswith("id,slug,name,commitment,pillar,is_context,unit")
    assert len(lines) == 1 + 10


def test_the_commitment_detail_embeds_its_indicators(api, indicator, observe):
    observe(indicator, "25000000000")

    embedded = api.get("/api/v1/commitments/HUM-1/").json()["indicators"]

    assert embedded == [api.get(f"{LIST}{indicator.pk}/").json()]
    assert embedded[0]["progress"] == "50.0"


@pytest.mark.parametrize("page_size", [2, 10])
def test_the_list_takes_3_queries_whatever_the_data(
    api, indicator, observe, page_size, django_assert_num_queries
):
    for day in (1, 2, 3):
        observe(indicator, "25000000000", as_of=datetime.date(2024, 1, day))
    # Expect 3 queries: the data fingerprint (ETag), the count, and the page of indicators
    # with their commitment, pillar and document joined and their latest value subqueried.
    with django_assert_num_queries(3):
        response = api.get(LIST, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_the_values_take_5_queries_whatever_the_data(
    api, indicator, observe, django_assert_num_queries
):
    for day in range(1, 8):
        observe(indicator, "25000000000", as_of=datetime.date(2024, 1, day))
    # Expect 5 queries: fingerprint, the indicator, the count, the page of values joined with
    # their author and decision, and the evidence they cite (their releases: none for the
    # public).
    with django_assert_num_queries(5):
        response = api.get(values_url(indicator))
    assert response.json()["count"] == 7


def test_an_analyst_records_a_value_and_reads_it_at_its_location(as_analyst, indicator):
    response = as_analyst.post(
        values_url(indicator),
        {
            "value": "21500000000.50",
            "qualifier": "more_than",
            "period_start": "2023-01-01",
            "period_end": "2023-12-31",
            "confidence": "medium",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["value"] == "21500000000.5"
    assert created["phrase"] == "more than US$21,500,000,000.5"
    assert (created["review_state"], created["author"]) == ("approved", "analyst")
    assert as_analyst.get(response["Location"]).json() == created


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"as_of": "2099-01-01"}, "as_of"),
        ({"as_of": None, "period_start": "2024-02-01", "period_end": "2024-01-01"}, "period_end"),
        ({"qualifier": "roughly"}, "qualifier"),
        ({"value": "1e30"}, "value"),
        ({"value": "many"}, "value"),
        ({"as_of": None}, "as_of"),
        ({"author": "editor"}, "author"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field(as_analyst, indicator, changes, field):
    body = {"value": "1", "as_of": "2024-01-01", **changes}

    response = as_analyst.post(values_url(indicator), body, format="json")

    assert response.status_code == 400
    assert field in refusal(response)
    assert not IndicatorValue.objects.exists()


def test_an_indicator_with_an_unsaid_other_unit_is_a_400(api, editor, token_for, roadmap):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    body = {"slug": "meetings", "name": "Meetings held", "commitment": "POL-1", "unit": "other"}

    refused = api.post(LIST, {**body, "direction": "increase"}, format="json")
    created = api.post(
        LIST, {**body, "direction": "increase", "unit_other": "meetings"}, format="json"
    )

    assert refused.status_code == 400
    assert refusal(refused) == {
        "unit_other": ["Say what is counted (e.g. years): the unit is other."]
    }
    assert created.status_code == 201, created.json()
    assert created.json()["unit_label"] == "meetings"


def test_only_editors_define_indicators(api, analyst, token_for, roadmap):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")

    response = api.post(LIST, {"slug": "x", "name": "X", "unit": "count"}, format="json")

    assert response.status_code == 403


def test_recording_a_value_needs_the_permission(api, viewer, token_for, indicator):
    body = {"value": "1", "as_of": "2024-01-01"}

    anonymous = api.post(values_url(indicator), body, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    viewing = api.post(values_url(indicator), body, format="json")

    assert (anonymous.status_code, viewing.status_code) == (401, 403)
    assert not IndicatorValue.objects.exists()


def test_no_pending_value_is_shown_to_anonymous_readers(
    api, indicator, observe, review_required, viewer, token_for
):
    pending = observe(indicator, "25000000000")

    listed = api.get(values_url(indicator), {"review_state": "pending"}).json()
    alone = api.get(f"/api/v1/indicator-values/{pending.pk}/")
    detail = api.get(f"{LIST}{indicator.pk}/").json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    staff = api.get(values_url(indicator), {"review_state": "pending"}).json()

    assert listed["count"] == 0
    assert alone.status_code == 404
    assert (detail["latest_value"], detail["latest_value_url"], detail["progress"]) == (
        None,
        None,
        None,
    )
    assert [item["id"] for item in staff["results"]] == [pending.pk]


def test_a_reviewer_approves_a_value_through_the_api(
    api, indicator, observe, review_required, reviewer, token_for
):
    pending = observe(indicator, "25000000000")
    etag = api.get(f"{LIST}{indicator.pk}/")["ETag"]
    url = f"/api/v1/indicator-values/{pending.pk}/review/"
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer)}")

    response = api.post(url, {"decision": "approve"}, format="json")
    again = api.post(url, {"decision": "approve"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["decision"] == "approve"
    assert again.status_code == 409
    api.credentials()
    assert api.get(f"{LIST}{indicator.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert api.get(f"{LIST}{indicator.pk}/").json()["progress"] == "50.0"


# Corrections, by the status updates' rules (issue 22, point 7).


def test_a_correction_replaces_a_value_for_every_reader_only_once_approved(
    api, indicator, observe, review_required, reviewer, viewer, token_for
):
    value = observe(indicator, "29000000000")
    approve_or_return(value, reviewer=reviewer, decision="approve")
    correction = observe(indicator, "24000000000", corrects=value)
    url = f"/api/v1/indicator-values/{value.pk}/"

    anonymous = api.get(url).json()["corrected_by"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    staff = api.get(url).json()["corrected_by"]
    approve_or_return(correction, reviewer=reviewer, decision="approve")
    approved = api.get(url).json()["corrected_by"]

    assert (anonymous, staff, approved) == (None, None, correction.pk)


def test_a_value_whose_correction_was_returned_is_corrected_again(
    api, indicator, observe, review_required, reviewer, analyst, token_for
):
    value = observe(indicator, "29000000000")
    approve_or_return(value, reviewer=reviewer, decision="approve")
    returned = observe(indicator, "24000000000", corrects=value)
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Which report?")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")

    response = api.post(
        values_url(indicator),
        {"value": "24500000000", "as_of": "2024-01-15", "corrects": value.pk},
        format="json",
    )

    assert response.status_code == 201, response.json()
    again = IndicatorValue.objects.get(pk=response.json()["id"])
    approve_or_return(again, reviewer=reviewer, decision="approve")
    assert api.get(f"/api/v1/indicator-values/{value.pk}/").json()["corrected_by"] == again.pk
    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_id == again.pk


def test_a_value_with_a_correction_pending_is_not_corrected_twice(
    api, indicator, observe, review_required, reviewer, analyst, token_for
):
    value = observe(indicator, "29000000000")
    approve_or_return(value, reviewer=reviewer, decision="approve")
    pending = observe(indicator, "24000000000", corrects=value)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")

    response = api.post(
        values_url(indicator),
        {"value": "24500000000", "as_of": "2024-01-15", "corrects": value.pk},
        format="json",
    )

    assert response.status_code == 400
    assert refusal(response)["corrects"] == [
        f"Value #{value.pk} was already corrected by value #{pending.pk}: correct that one instead."
    ]


def test_the_author_cannot_review_their_own_value_and_an_analyst_none(
    api, indicator, observe, review_required, analyst, editor, token_for
):
    own = observe(indicator, "25000000000", author=editor)
    other = observe(indicator, "26000000000")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    mine = api.post(f"/api/v1/indicator-values/{own.pk}/review/", {"decision": "approve"})
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")
    not_a_reviewer = api.post(
        f"/api/v1/indicator-values/{other.pk}/review/", {"decision": "approve"}
    )

    assert (mine.status_code, not_a_reviewer.status_code) == (403, 403)
    assert not_a_reviewer.json()["detail"] == (
        "Only Reviewers and Editors may approve or return indicator values."
    )
    assert not IndicatorValueReview.objects.exists()


def test_a_correction_of_a_returned_value_names_it_to_staff_only(
    api, indicator, observe, review_required, reviewer, viewer, token_for
):
    """As for status updates: a returned value was never public, nor is its id."""
    returned = observe(indicator, "29000000000")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")
    answer = observe(indicator, "24000000000", corrects=returned)
    approve_or_return(answer, reviewer=reviewer, decision="approve")
    url = f"/api/v1/indicator-values/{answer.pk}/"

    anonymous = api.get(url).json()["corrects"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    staff = api.get(url).json()["corrects"]

    assert (anonymous, staff) == (None, returned.pk)


def test_a_return_without_a_comment_is_a_400(
    api, indicator, observe, review_required, reviewer, token_for
):
    pending = observe(indicator, "25000000000")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer)}")

    response = api.post(f"/api/v1/indicator-values/{pending.pk}/review/", {"decision": "return"})

    assert response.status_code == 400
    assert "comment" in refusal(response)


# The admin.


def _commitment_page(client, user, commitment):
    """`commitment`'s admin page as `user` is shown it, and its Indicators inline."""
    client.force_login(user)
    page = client.get(f"/admin/commitments/commitment/{commitment.pk}/change/")
    inline = next(
        formset
        for formset in page.context["inline_admin_formsets"]
        if formset.formset.model is Indicator
    )
    return page, inline


def test_an_editor_defines_an_indicator_on_the_commitments_page(client, editor, roadmap):
    commitment = Commitment.objects.get(code="POL-1")
    page, inline = _commitment_page(client, editor, commitment)
    assert inline.has_add_permission

    data = {
        name: value
        for name, value in _form_data(page.context["adminform"].form).items()
        if value is not None
    }
    for formset in page.context["inline_admin_formsets"]:
        data.update(_management(formset.formset))
    prefix = inline.formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-slug": "meetings-held",
            f"{prefix}-0-name": "Meetings held",
            f"{prefix}-0-unit": "other",
            f"{prefix}-0-unit_other": "meetings",
            f"{prefix}-0-measure": "quantitative",
            f"{prefix}-0-direction": "increase",
            f"{prefix}-0-baseline_value": "3",
            f"{prefix}-0-baseline_qualifier": "exactly",
            f"{prefix}-0-target_qualifier": "exactly",
        }
    )
    response = client.post(f"/admin/commitments/commitment/{commitment.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert commitment.indicators.get().phrase(Decimal(3), "exactly") == "3 meetings"


def _form_data(form):
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, list | tuple):
            data[name] = [getattr(item, "pk", item) for item in value]
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif value is not None:
            data[name] = value
    return data


def _management(formset):
    prefix = formset.prefix
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(formset.forms)),
        f"{prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
    }
    for index, form in enumerate(formset.forms):
        for name, value in _form_data(form).items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def test_an_analyst_may_not_define_indicators(client, analyst, roadmap):
    _, inline = _commitment_page(client, analyst, Commitment.objects.get(code="POL-1"))

    assert not inline.has_add_permission
    assert client.get("/admin/commitments/indicator/add/").status_code == 403


def _add_value(client, indicator, **fields):
    """Posts the admin's form that adds a value of `indicator`."""
    form = {"indicator": indicator.pk, **fields}
    return client.post("/admin/commitments/indicatorvalue/add/", form)


def test_the_admin_records_a_value_with_its_author(client, analyst, indicator):
    client.force_login(analyst)

    response = _add_value(
        client, indicator, value="25000000000", qualifier="nearly", as_of="2024-04-01"
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    value = IndicatorValue.objects.get()
    assert (value.author, value.phrase, value.review_state) == (
        analyst,
        "nearly US$25 billion",
        "approved",
    )


def test_the_admin_shows_field_errors_and_records_nothing(client, analyst, indicator):
    client.force_login(analyst)

    response = _add_value(
        client,
        indicator,
        value="1",
        qualifier="exactly",
        period_start="2024-02-01",
        period_end="2024-01-01",
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["period_end"] == ["The period cannot end before it starts."]
    assert not IndicatorValue.objects.exists()


def test_the_review_queue_lists_pending_values_and_decides_them(
    client, indicator, observe, review_required, reviewer, analyst
):
    pending = observe(indicator, "25000000000")
    client.force_login(reviewer)

    queue = client.get("/admin/commitments/indicatorvalue/review/")
    decided = client.post(
        "/admin/commitments/indicatorvalue/review/", {"value": pending.pk, "decision": "approve"}
    )

    assert [row["record"] for row in queue.context["rows"]] == [pending]
    assert decided.status_code == 302
    assert IndicatorValue.objects.approved().get() == pending
    assert Indicator.objects.with_latest().get(pk=indicator.pk).latest_id == pending.pk


def test_an_analyst_has_no_review_queue(client, analyst, indicator):
    client.force_login(analyst)

    assert client.get("/admin/commitments/indicatorvalue/review/").status_code == 403

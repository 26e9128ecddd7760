"""GET /api/v1/indicator-values/ (issue 15): every indicator's values in one list, filtered, as
JSON pages, CSV or an Excel workbook of the same rows; approved values only, but for as_analyst."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from commitments.api.indicator_values import IndicatorValueCSVSerializer
from commitments.api.renderers import XLSXRenderer
from commitments.models import Indicator
from commitments.services import approve_or_return
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/indicator-values/"
COLUMNS = IndicatorValueCSVSerializer.Meta.fields


@pytest.fixture
def context_indicator(roadmap):
    return Indicator.objects.filter(commitment__isnull=True).order_by("pk").first()


@pytest.fixture
def observed(hum1_indicator, context_indicator, observe):
    """Two values of HUM-1's indicator and one of a context indicator, all approved."""
    return [
        observe(hum1_indicator, "21.5", as_of=datetime.date(2024, 1, 15)),
        observe(
            hum1_indicator,
            "25000000000",
            qualifier="approximately",
            period_start=datetime.date(2024, 1, 1),
            period_end=datetime.date(2024, 6, 30),
            confidence="high",
        ),
        observe(context_indicator, "0.1234", as_of=datetime.date(2023, 12, 31)),
    ]


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


def sheet_rows(response):
    assert response["Content-Type"] == XLSXRenderer.media_type
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[as_in_csv(each.value) for each in row] for row in sheet.iter_rows()]


def as_in_csv(value):
    """A cell's value as the CSV writes it (numbers as decimals, times to the millisecond)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, bool | int):
        return str(value)
    return "'" + value if value[:1] == "=" else value


def csv_as_in_sheet(rows):
    from django.utils import timezone

    def convert(text):
        if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", text):
            moment = timezone.localtime(datetime.datetime.fromisoformat(text)).replace(tzinfo=None)
            moment += datetime.timedelta(
                microseconds=round(moment.microsecond, -3) - moment.microsecond
            )
            return moment.isoformat(timespec="milliseconds")
        return text

    return [[convert(text) for text in row] for row in rows]


def ids(response):
    return [item["id"] for item in response.json()["results"]]


def test_the_list_holds_every_indicators_approved_values_newest_first(api, observed):
    response = api.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 3
    # By as-of date or period end: 30 Jun 2024, 15 Jan 2024, 31 Dec 2023.
    assert ids(response) == [observed[1].pk, observed[0].pk, observed[2].pk]
    first = response.json()["results"][0]
    assert first["value"] == "25000000000"
    assert first["url"].endswith(f"{LIST}{observed[1].pk}/")
    assert "ETag" in response


@pytest.mark.parametrize(
    ("query", "chosen"),
    [
        ({"commitment": "HUM-1"}, [1, 0]),
        ({"pillar": "humanitarian"}, [1, 0]),
        ({"context": "true"}, [2]),
        ({"context": "false"}, [1, 0]),
    ],
)
def test_filters_choose_the_values(api, observed, query, chosen):
    assert ids(api.get(LIST, query)) == [observed[i].pk for i in chosen]


def test_the_indicator_filter_takes_an_id(api, observed, context_indicator):
    assert ids(api.get(LIST, {"indicator": context_indicator.pk})) == [observed[2].pk]


@pytest.mark.parametrize("query", [{"format": "csv"}, {"format": "xlsx"}])
def test_filters_choose_the_rows_of_the_csv_and_the_workbook(api, observed, query):
    response = api.get(LIST, {**query, "context": "true"})
    rows = csv_rows(response) if query["format"] == "csv" else sheet_rows(response)

    header, *values = rows
    assert header == COLUMNS
    assert [row[0] for row in values] == [str(observed[2].pk)]
    assert values[0][header.index("commitment")] == ""  # a context indicator's


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"commitment": "NO-SUCH"}, "commitment"),
        ({"pillar": "no-such-pillar"}, "pillar"),
        ({"indicator": "999999"}, "indicator"),
    ],
)
@pytest.mark.parametrize("form", ["json", "xlsx"])
def test_a_bad_filter_is_a_400_in_json(api, observed, query, field, form):
    response = api.get(LIST, {**query, "format": form})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(refusal(response)) == [field]
    assert "Content-Disposition" not in response


def test_the_csv_has_every_row_flat(api, observed, hum1_indicator, analyst):
    analyst.first_name = '=HYPERLINK("x")'
    analyst.save()

    response = api.get(LIST, {"format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="indicator-values.csv"'
    header, *rows = csv_rows(response)
    assert header == COLUMNS
    assert len(rows) == 3
    row = dict(zip(header, rows[0], strict=True))
    assert row["id"] == str(observed[1].pk)
    assert row["indicator"] == str(hum1_indicator.pk)
    assert row["indicator_slug"] == hum1_indicator.slug
    assert row["indicator_name"] == hum1_indicator.name
    assert row["commitment"] == "HUM-1"
    assert row["unit_label"] == hum1_indicator.unit_label
    assert row["value"] == "25000000000"
    assert row["qualifier"] == "approximately"
    assert row["period_end"] == "2024-06-30"
    assert row["author"] == '\'=HYPERLINK("x")'  # never a formula
    assert row["review_state"] == "approved"


def test_the_csv_has_the_review_comment_as_the_updates_csv_has(
    api, observe, hum1_indicator, review_required, reviewer
):
    value = observe(hum1_indicator, "21.5")
    approve_or_return(value, reviewer=reviewer, decision="approve", comment="Checked.")

    header, row = csv_rows(api.get(LIST, {"format": "csv"}))

    assert dict(zip(header, row, strict=True))["review_comment"] == "Checked."


def test_the_csv_is_not_paged(api, observe, hum1_indicator, settings):
    for day in range(1, 56):
        observe(hum1_indicator, str(day), as_of=datetime.date(2024, 1, 1) + datetime.timedelta(day))

    assert len(api.get(LIST).json()["results"]) == 50
    assert len(csv_rows(api.get(LIST, {"format": "csv"}))) == 1 + 55


@pytest.mark.parametrize("query", [{}, {"commitment": "HUM-1"}, {"context": "true"}])
def test_the_workbook_has_the_header_and_rows_of_the_csv(api, observed, query):
    in_sheet = sheet_rows(api.get(LIST, {**query, "format": "xlsx"}))
    in_csv = csv_as_in_sheet(csv_rows(api.get(LIST, {**query, "format": "csv"})))

    assert in_sheet == in_csv
    assert len(in_sheet) > 1


def test_values_are_numbers_of_their_exact_digits(api, observed):
    response = api.get(LIST, {"format": "xlsx"})

    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[COLUMNS.index("value")]
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    for row, digits in [(2, "25000000000"), (3, "21.5"), (4, "0.1234")]:
        assert re.search(rf'<c r="{column}{row}"[^>]* t="n"><v>{digits}</v></c>', xml)
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [sheet[f"{column}{row}"] for row in (2, 3, 4)]
    assert [each.value for each in cells] == [25000000000, 21.5, 0.1234]
    assert {each.number_format for each in cells} == {"#,##0.0000"}
    assert sheet[f"{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[COLUMNS.index('as_of')]}3"].is_date


@pytest.mark.parametrize("form", ["json", "csv", "xlsx"])
def test_pending_values_never_reach_anonymous_readers(
    api, observed, observe, hum1_indicator, review_required, form
):
    pending = observe(hum1_indicator, "99", as_of=datetime.date(2024, 12, 1))

    for query in ({}, {"review_state": "pending"}, {"review_state": "returned"}):
        response = api.get(LIST, {**query, "format": form})
        assert response.status_code == 200
        if form == "json":
            shown = ids(response)
        else:
            rows = csv_rows(response) if form == "csv" else sheet_rows(response)
            shown = [int(row[0]) for row in rows[1:]]
        assert pending.pk not in shown
        assert sorted(shown) == sorted(each.pk for each in observed)


def test_staff_may_ask_for_pending_values(
    as_analyst, observed, observe, hum1_indicator, review_required
):
    pending = observe(hum1_indicator, "99", as_of=datetime.date(2024, 12, 1))

    assert pending.pk not in ids(as_analyst.get(LIST))
    assert ids(as_analyst.get(LIST, {"review_state": "pending"})) == [pending.pk]
    rows = csv_rows(as_analyst.get(LIST, {"review_state": "pending", "format": "csv"}))
    assert [(row[0], row[COLUMNS.index("review_state")]) for row in rows[1:]] == [
        (str(pending.pk), "pending")
    ]
    refused = as_analyst.get(LIST, {"review_state": "doubtful"})
    assert refused.status_code == 400
    assert list(refusal(refused)) == ["review_state"]


def test_the_list_cannot_be_written(as_analyst):
    assert as_analyst.post(LIST, {}).status_code == 405


@pytest.mark.parametrize("form", ["json", "csv"])
def test_the_queries_do_not_grow_with_the_values(
    api, observe, hum1_indicator, context_indicator, settings, django_assert_num_queries, form
):
    settings.RESPONSE_CACHE = False
    query = {"format": form, "commitment": "HUM-1", "pillar": "humanitarian", "indicator": ""}
    observe(hum1_indicator, "1")
    # 1 data version, 1 commitment code, 1 pillar slug, (JSON) 1 count, 1 page or rows, (JSON)
    # 1 for the evidence the page cites (the CSV has no such column).
    expected = 6 if form == "json" else 4
    with django_assert_num_queries(expected):
        api.get(LIST, query)

    for day in range(1, 20):
        observe(hum1_indicator, str(day), as_of=datetime.date(2024, 2, day))
        observe(context_indicator, str(day), as_of=datetime.date(2024, 2, day))
    with django_assert_num_queries(expected):
        response = api.get(LIST, query)

    assert response.status_code == 200

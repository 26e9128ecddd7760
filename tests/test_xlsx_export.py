"""`?format=xlsx` (issue 15): the lists analysts take into spreadsheets, as Excel workbooks with
the very rows and columns of their CSV, typed (dates as dates, amounts as exact numbers), every
text a text, never a formula."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from commitments.api.renderers import XLSXRenderer, cell
from commitments.models import Commitment, Partner
from tests.factories import PartnerFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

COMMITMENTS = "/api/v1/commitments/"
FEED = "/api/v1/updates/"
CONTRIBUTIONS = "/api/v1/contributions/"
MATRIX = "/api/v1/contributions/matrix/"
INDICATORS = "/api/v1/indicators/"
LISTS = [COMMITMENTS, FEED, CONTRIBUTIONS, MATRIX]


def commitment(code):
    return Commitment.objects.get(code=code)


@pytest.fixture
def recorded(roadmap, record, contribute):
    """Updates of MIL-1 and HUM-1, and contributions of France and NATO to both."""
    record(commitment("MIL-1"), status="at_risk", progress=40, summary="Behind schedule.")
    record(commitment("HUM-1"), as_of=datetime.date(2024, 3, 1), summary="On track.")
    france = PartnerFactory(slug="france", name="France", kind=Partner.Kind.MEMBER_STATE)
    contribute(france, commitment("MIL-1"), amount=Decimal("9390.79"))
    contribute(france, commitment("HUM-1"), currency="EUR", amount=Decimal("0.50"))
    nato = Partner.objects.get(slug="nato")
    contribute(nato, commitment("MIL-1"), kind="training", count=12, unit="courses")


@pytest.fixture
def staff(api, analyst, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")
    return api


def workbook(response):
    assert response["Content-Type"] == XLSXRenderer.media_type
    return load_workbook(io.BytesIO(response.content))


def sheet_xml(response):
    return zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


def as_in_csv(sheet_cell):
    """A cell of the workbook as the CSV writes its value, to Excel's precision (times to the
    millisecond: they are day fractions)."""
    value = sheet_cell.value
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if sheet_cell.number_format == "yyyy-mm-dd":
            return value.date().isoformat()
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, float):  # amounts, of two decimal places
        return f"{value:.2f}"
    if isinstance(value, bool | int):
        return str(value)
    return cell(value)  # the CSV's own escaping of text


def to_millisecond(text):
    """A time of the CSV ("2026-12-01T06:30:12.123456Z") as the workbook's cell holds it."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", text):
        return text
    moment = timezone.localtime(datetime.datetime.fromisoformat(text)).replace(tzinfo=None)
    return round_to_millisecond(moment).isoformat(timespec="milliseconds")


def round_to_millisecond(moment):
    # As openpyxl reads a day fraction back.
    return moment + datetime.timedelta(
        microseconds=round(moment.microsecond, -3) - moment.microsecond
    )


def same_rows(response_xlsx, response_csv):
    sheet = workbook(response_xlsx).active
    in_sheet = [[as_in_csv(each) for each in row] for row in sheet.iter_rows()]
    in_csv = [[to_millisecond(text) for text in row] for row in csv_rows(response_csv)]
    return in_sheet, in_csv


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (COMMITMENTS, {}),
        (COMMITMENTS, {"pillar": "military", "ordering": "-last_update_at"}),
        (FEED, {}),
        (FEED, {"commitment": "HUM-1"}),
        (CONTRIBUTIONS, {}),
        (CONTRIBUTIONS, {"partner": "france", "currency": "EUR"}),
        (MATRIX, {}),
        (MATRIX, {"kind": "training"}),
    ],
)
def test_a_workbook_has_the_header_and_rows_of_the_csv(api, recorded, url, query):
    in_sheet, in_csv = same_rows(
        api.get(url, {**query, "format": "xlsx"}), api.get(url, {**query, "format": "csv"})
    )

    assert in_sheet == in_csv
    assert len(in_sheet) > 1  # a header and rows


def test_filters_choose_the_rows_of_a_workbook(api, recorded):
    rows = list(workbook(api.get(FEED, {"commitment": "HUM-1", "format": "xlsx"})).active.values)

    header, *updates = rows
    assert [row[header.index("summary")] for row in updates] == ["On track."]


def test_the_header_is_bold_and_frozen(api, recorded):
    sheet = workbook(api.get(COMMITMENTS, {"format": "xlsx"})).active

    assert sheet.freeze_panes == "A2"
    assert all(each.font.b for each in sheet[1])
    assert not sheet["A2"].font.b


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("https://example.org","Click")', "+1 555", "-2+3", "@SUM(A1)", "#N/A", "=1+1"],
)
def test_text_that_looks_like_a_formula_stays_text(api, roadmap, record, text):
    record(commitment("MIL-1"), summary=text)

    response = api.get(FEED, {"format": "xlsx"})

    sheet = workbook(response).active
    summary = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("summary") + 1)
    assert (summary.value, summary.data_type) == (text, "s")
    assert "<f>" not in sheet_xml(response)


def test_control_characters_are_left_out_of_text(api, roadmap, record):
    record(commitment("MIL-1"), summary="Bell\x07 and tab\tkept.")

    rows = list(workbook(api.get(FEED, {"format": "xlsx"})).active.values)

    assert rows[1][rows[0].index("summary")] == "Bell and tab\tkept."


def test_amounts_are_numbers_of_their_exact_digits(api, roadmap, contribute):
    france = PartnerFactory(slug="france")
    contribute(france, commitment("MIL-1"), amount=Decimal("9390.79"))

    response = api.get(CONTRIBUTIONS, {"format": "xlsx"})

    # openpyxl alone would write the Decimal through a float: 9390.790000000001.
    assert re.search(r'<c r="H2"[^>]* t="n"><v>9390.79</v></c>', sheet_xml(response))
    amount = workbook(response).active["H2"]
    assert (amount.value, amount.number_format) == (9390.79, "#,##0.00")


def test_an_amount_excel_would_round_is_exact_text(api, roadmap, contribute):
    # Excel keeps 15 significant digits of a number; this one has 18.
    contribute(PartnerFactory(), commitment("MIL-1"), amount=Decimal("1234567890123456.78"))

    amount = workbook(api.get(CONTRIBUTIONS, {"format": "xlsx"})).active["H2"]

    # (SQLite itself keeps a decimal to 15 digits: the JSON says what the database holds.)
    exact = api.get(CONTRIBUTIONS).json()["results"][0]["amount"]
    assert (amount.value, amount.data_type) == (exact, "s")


def test_the_matrixs_totals_are_exact_numbers(api, recorded):
    response = api.get(MATRIX, {"currency": "USD", "format": "xlsx"})

    rows = list(workbook(response).active.values)
    assert rows[1][rows[0].index("amount")] == 9390.79
    assert "<v>9390.79</v>" in sheet_xml(response)


def test_dates_and_times_are_excels_own(api, recorded):
    header, first, *_ = workbook(api.get(FEED, {"format": "xlsx"})).active.iter_rows()
    column = {each.value: index for index, each in enumerate(header)}

    as_of, created_at = first[column["as_of"]], first[column["created_at"]]
    assert as_of.is_date
    assert as_of.number_format == "yyyy-mm-dd"
    assert as_of.value.date() == datetime.date(2024, 3, 1)
    assert created_at.is_date
    assert abs(created_at.value - timezone.now().replace(tzinfo=None)) < datetime.timedelta(
        minutes=1
    )


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (COMMITMENTS, "commitments"),
        (FEED, "status-updates"),
        (CONTRIBUTIONS, "contributions"),
        (MATRIX, "contribution-matrix"),
    ],
)
def test_a_workbook_is_an_attachment_named_after_the_csv_and_the_day(api, recorded, url, name):
    response = api.get(url, {"format": "xlsx"})

    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{name}-{today}.xlsx"'


def test_a_workbook_can_be_asked_for_by_its_media_type(api, recorded):
    response = api.get(COMMITMENTS, HTTP_ACCEPT=XLSXRenderer.media_type)

    assert workbook(response).active["A1"].value == "code"


@pytest.mark.parametrize("url", LISTS)
def test_a_workbook_takes_the_queries_of_the_csv(
    api, recorded, url, settings, django_assert_num_queries
):
    settings.RESPONSE_CACHE = False
    with CaptureQueriesContext(connection) as for_csv:
        api.get(url, {"format": "csv"}).getvalue()  # the feed's is read as it streams

    with django_assert_num_queries(len(for_csv)):
        api.get(url, {"format": "xlsx"})


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        (COMMITMENTS, {"pillar": "no-such-pillar"}, "pillar"),
        (FEED, {"since": "yesterday"}, "since"),
        (CONTRIBUTIONS, {"currency": "XXX"}, "currency"),
        (MATRIX, {"until": "soon"}, "until"),
    ],
)
def test_a_bad_filter_is_a_400_in_json_not_a_workbook(api, recorded, url, query, field):
    response = api.get(url, {**query, "format": "xlsx"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "Content-Disposition" not in response
    assert list(refusal(response)) == [field]


def test_pending_updates_stay_out_of_an_anonymous_workbook(
    api, staff, roadmap, record, review_required
):
    record(commitment("MIL-1"), summary="Awaiting review.")
    anonymous = list(workbook(api.get(FEED, {"format": "xlsx"})).active.values)

    pending = list(
        workbook(staff.get(FEED, {"format": "xlsx", "review_state": "pending"})).active.values
    )

    assert len(anonymous) == 1  # the header alone
    assert [row[pending[0].index("summary")] for row in pending[1:]] == ["Awaiting review."]


def test_an_anonymous_reader_asking_for_pending_updates_is_refused_in_json(
    api, roadmap, record, review_required
):
    record(commitment("MIL-1"), summary="Awaiting review.")

    response = api.get(FEED, {"format": "xlsx", "review_state": "pending"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "detail" in response.json()


@pytest.mark.parametrize("url", LISTS)
def test_a_cached_workbook_is_served_whole_to_the_next_reader(
    api, recorded, shared_cache, url, django_assert_num_queries
):
    first = api.get(url, {"format": "xlsx"})

    # Expect 1 query: the data version, which the key holds; the body comes from the cache.
    with django_assert_num_queries(1):
        again = api.get(url, {"format": "xlsx"})

    assert again.content == first.content
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert list(workbook(again).active.values) == list(workbook(first).active.values)


def test_a_cached_workbook_is_not_the_csv_of_the_same_list(api, recorded, shared_cache):
    api.get(COMMITMENTS, {"format": "csv"})

    assert workbook(api.get(COMMITMENTS, {"format": "xlsx"})).active["A1"].value == "code"


def test_a_workbook_of_the_feed_holds_at_most_its_limit(api, roadmap, record, monkeypatch):
    monkeypatch.setattr("commitments.api.updates.XLSX_MAX_ROWS", 2)
    monkeypatch.setattr("commitments.api.updates.STREAMED_CSV_BATCH", 1)
    record(commitment("MIL-1"), summary="First.")
    record(commitment("MIL-1"), summary="Second.")
    assert len(list(workbook(api.get(FEED, {"format": "xlsx"})).active.values)) == 3
    record(commitment("MIL-1"), summary="Third.")

    response = api.get(FEED, {"format": "xlsx"})

    assert response.status_code == 400
    assert "format=csv" in refusal(response)["format"][0]
    assert ALL_TEMP_FILES == []  # the workbook given up on left no file behind
    assert api.get(FEED, {"format": "csv"}).status_code == 200  # which has no limit


def test_the_indicators_workbook_has_the_rows_of_their_csv(api, hum1_indicator, observe):
    observe(hum1_indicator, "25000000000")  # as of 15 Jan 2024
    # The list's spreadsheet serializer is the CSV's for XLSX too, not the JSON's.
    in_sheet, in_csv = same_rows(
        api.get(INDICATORS, {"format": "xlsx"}), api.get(INDICATORS, {"format": "csv"})
    )

    assert in_sheet == in_csv
    assert in_sheet[0][:3] == ["id", "slug", "name"]
    assert len(in_sheet) > 1

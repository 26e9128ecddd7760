"""GET /api/v1/commitments/: the representation, filters, search, ordering, pages and CSV."""

import csv
import datetime
import io
import re

import pytest
from rest_framework.fields import DateTimeField

from commitments.models import Commitment
from tests.factories import CommitmentFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


def codes(response):
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


def test_a_commitment_is_represented_in_full(api, roadmap, record):
    update = record(
        Commitment.objects.get(code="MIL-3"),
        status="at_risk",
        progress=45,
        as_of=datetime.date(2024, 5, 2),
    )

    item = api.get(f"{LIST}MIL-3/").json()

    assert item == {
        "code": "MIL-3",
        "url": "http://testserver/api/v1/commitments/MIL-3/",
        "title": "Build Iraqi Security Forces capacity with NATO and the EU",
        "text": "These forces will continue to build the capacity and capabilities of the Iraqi Security Forces, "
        "in close coordination with other involved international actors such as NATO and the European Union.",
        "pillar": {"slug": "military", "name": "Military"},
        "parent": None,
        "children": [],
        "themes": [{"slug": "capacity-building", "name": "Capacity building"}],
        "places": [{"slug": "iraq", "name": "Iraq"}],
        "partners": [
            {"slug": "european-union", "name": "European Union", "role": "support"},
            {"slug": "iraqi-security-forces", "name": "Iraqi Security Forces", "role": "support"},
            {"slug": "nato", "name": "NATO", "role": "support"},
        ],
        "source": {
            "document": "paris-roadmap-2019",
            "title": "The Global Coalition Post-Territorial Defeat of Daesh/ISIS: Paris Roadmap",
            "paragraph": 6,
            "url": None,  # no published address known: null, like every absent value
        },
        "status": "at_risk",
        "status_label": "At risk",
        "progress": 45,
        "as_of": "2024-05-02",
        # Review is off here: approved as it was recorded.
        "last_recorded_at": DateTimeField().to_representation(update.created_at),
        "last_approved_at": DateTimeField().to_representation(update.created_at),
        "last_update_at": DateTimeField().to_representation(update.created_at),
        "is_stale": True,
        "owner": None,
        "target_date": None,
        "update_cadence_days": None,
        "version": 1,
        "updates_url": "http://testserver/api/v1/commitments/MIL-3/updates/",
        "latest_updates": [
            {
                "id": update.pk,
                "url": f"http://testserver/api/v1/updates/{update.pk}/",
                "commitment": "MIL-3",
                "commitment_url": "http://testserver/api/v1/commitments/MIL-3/",
                "status": "at_risk",
                "status_label": "At risk",
                "progress": 45,
                "as_of": "2024-05-02",
                "summary": "Progress reported by partners.",
                "releasability": "public",
                "evidence": [],
                "releases": [],
                "confidence": None,
                "corrects": None,
                "corrected_by": None,
                "author": "Analyst",  # no name given: the public sees the role, not the login
                "created_at": DateTimeField().to_representation(update.created_at),
                # Review is off here: approved on submission, by nobody.
                "review_state": "approved",
                "reviewer": None,
                "review_comment": None,
                "reviewed_at": DateTimeField().to_representation(update.created_at),
                "evidence_below_threshold": None,
            }
        ],
        "indicators": [],  # the Roadmap states no figure of MIL-3
        "depends_on": [],  # nor a dependency
        "dependents": [],
    }


def test_the_list_shows_the_same_commitment_without_detail_fields(api, roadmap):
    detail = api.get(f"{LIST}GLB-2.3/").json()
    listed = next(item for item in api.get(LIST).json()["results"] if item["code"] == "GLB-2.3")

    del detail["latest_updates"], detail["indicators"], detail["children"], listed["children"]
    del detail["depends_on"], detail["dependents"]
    assert listed == detail
    assert api.get(f"{LIST}GLB-2.3/").json()["parent"] == "GLB-2"


def test_a_parent_lists_its_children_in_both_views(api, roadmap):
    listed = next(item for item in api.get(LIST).json()["results"] if item["code"] == "GLB-2")
    detail = api.get(f"{LIST}GLB-2/").json()

    assert listed["children"] == ["GLB-2.1", "GLB-2.2", "GLB-2.3", "GLB-2.4", "GLB-2.5"]
    assert [child["code"] for child in detail["children"]] == listed["children"]
    assert detail["children"][0] == {
        "code": "GLB-2.1",
        "url": "http://testserver/api/v1/commitments/GLB-2.1/",
        "title": "Share information against global branches and networks",
        "status": "not_assessed",
        "status_label": "Not assessed",
        "progress": None,
        "as_of": None,
    }


def test_the_detail_shows_the_ten_latest_updates_newest_first(api, commitment, record):
    for day in range(1, 13):
        record(commitment, as_of=datetime.date(2024, 1, day), summary=f"day {day}")

    latest = api.get(f"{LIST}{commitment.code}/").json()["latest_updates"]

    assert [update["summary"] for update in latest] == [f"day {day}" for day in range(12, 2, -1)]


def test_an_unknown_code_is_a_404_that_says_so(api, roadmap):
    response = api.get(f"{LIST}MIL-99/")

    assert response.status_code == 404
    assert refusal(response) == {
        "detail": "No commitment with code 'MIL-99'. Codes look like MIL-1 or GLB-2.3."
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pillar=military", ["MIL-1", "MIL-2", "MIL-3"]),
        ("pillar=humanitarian&pillar=stabilization", ["HUM-1", "HUM-2", "STB-1", "STB-2"]),
        ("status=at_risk", ["MIL-2"]),
        ("status=at_risk&status=completed", ["MIL-2", "HUM-1"]),
        ("place=northeast-syria", ["STB-2", "POL-5"]),
        ("place=syria&pillar=military", ["MIL-1"]),
        ("place=the-levant&pillar=military", ["MIL-1", "MIL-2", "MIL-3"]),
        ("theme=gender-and-womens-inclusion", ["HUM-2", "POL-6"]),
        ("theme=reconciliation&theme=livelihoods", ["POL-3", "POL-3.2", "POL-3.3", "POL-6"]),
        ("partner=interpol", ["FTF-2"]),
        ("partner=nato&partner=interpol", ["MIL-3", "FTF-2"]),
        ("stale=false", ["MIL-2", "HUM-1"]),
        ("search=INTERPOL", ["FTF-2"]),
        ("search=mil-3", ["MIL-3"]),
        ("search=women decision", ["POL-6"]),
        ("pillar=military&status=not_assessed", ["MIL-1", "MIL-3"]),
    ],
)
def test_filters_narrow_the_list(api, roadmap, record, query, expected):
    from django.utils import timezone

    record(Commitment.objects.get(code="MIL-2"), status="at_risk", as_of=timezone.localdate())
    record(
        Commitment.objects.get(code="HUM-1"),
        status="completed",
        progress=100,
        as_of=timezone.localdate(),
    )

    assert codes(api.get(f"{LIST}?{query}&page_size=200")) == expected


def test_stale_true_lists_the_never_assessed_and_the_overdue(api, roadmap, record):
    record(Commitment.objects.get(code="MIL-1"), as_of=datetime.date(2020, 1, 1))

    stale = codes(api.get(f"{LIST}?stale=true&page_size=200"))

    assert "MIL-1" in stale
    assert len(stale) == 29


def test_updated_since_lists_commitments_with_a_recent_update(api, roadmap, record):
    update = record(Commitment.objects.get(code="POL-4"))
    since = (update.created_at - datetime.timedelta(seconds=1)).isoformat()

    assert codes(api.get(LIST, {"updated_since": since})) == ["POL-4"]
    assert (
        codes(
            api.get(
                LIST,
                {"updated_since": (update.created_at + datetime.timedelta(seconds=1)).isoformat()},
            )
        )
        == []
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "pillar=navy",
            "pillar",
            "Select a valid choice. navy is not one of the available choices.",
        ),
        (
            "status=great",
            "status",
            "Select a valid choice. great is not one of the available choices.",
        ),
        (
            "place=atlantis",
            "place",
            "Select a valid choice. atlantis is not one of the available choices.",
        ),
        (
            "theme=weather",
            "theme",
            "Select a valid choice. weather is not one of the available choices.",
        ),
        (
            "partner=acme",
            "partner",
            "Select a valid choice. acme is not one of the available choices.",
        ),
        (
            "stale=maybe",
            "stale",
            "Select a valid choice. maybe is not one of the available choices.",
        ),
        ("updated_since=yesterday", "updated_since", "Enter a valid date/time."),
        (
            "ordering=colour",
            "ordering",
            "Select a valid choice. colour is not one of the available choices.",
        ),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_it(api, roadmap, query, field, message):
    response = api.get(f"{LIST}?{query}")

    assert response.status_code == 400
    assert refusal(response) == {field: [message]}


def test_ordering_by_progress_puts_unmeasured_commitments_last_both_ways(api, roadmap, record):
    record(Commitment.objects.get(code="MIL-1"), progress=80)
    record(Commitment.objects.get(code="HUM-2"), progress=20)

    assert codes(api.get(f"{LIST}?ordering=progress&page_size=3")) == ["HUM-2", "MIL-1", "FTF-1"]
    assert codes(api.get(f"{LIST}?ordering=-progress&page_size=3")) == ["MIL-1", "HUM-2", "FTF-1"]


@pytest.mark.parametrize(
    ("ordering", "first"),
    [("code", "FTF-1"), ("-code", "STB-2"), ("title", "FTF-3"), ("-title", "GLB-2")],
)
def test_ordering_by_code_and_title(api, roadmap, ordering, first):
    assert codes(api.get(f"{LIST}?ordering={ordering}"))[0] == first


@pytest.mark.parametrize("ordering", ["-last_approved_at", "-last_recorded_at", "-last_update_at"])
def test_ordering_by_last_update(api, roadmap, record, ordering):
    record(Commitment.objects.get(code="POL-1"))
    record(Commitment.objects.get(code="MIL-2"))

    assert codes(api.get(f"{LIST}?ordering={ordering}&page_size=2")) == ["MIL-2", "POL-1"]


def test_the_default_order_follows_the_document(api, roadmap):
    assert codes(api.get(f"{LIST}?page_size=4")) == ["POL-1", "MIL-1", "MIL-2", "MIL-3"]


def test_pages_hold_50_by_default_and_link_to_the_next(api, db):
    CommitmentFactory.create_batch(60)

    first = api.get(LIST).json()
    second = api.get(first["next"]).json()

    assert (first["count"], len(first["results"]), first["previous"]) == (60, 50, None)
    assert len(second["results"]) == 10
    assert second["next"] is None
    assert not {item["code"] for item in first["results"]} & {
        item["code"] for item in second["results"]
    }


@pytest.mark.parametrize(("page_size", "expected"), [("10", 10), ("200", 200), ("500", 200)])
def test_page_size_is_capped_at_200(api, db, page_size, expected):
    CommitmentFactory.create_batch(210)

    assert len(api.get(LIST, {"page_size": page_size}).json()["results"]) == expected


@pytest.mark.parametrize("page_size", ["0", "x", "-3", "abc", "1.5"])
@pytest.mark.parametrize("path", [LIST, "/api/v1/updates/", "/api/v1/commitments/MIL-1/updates/"])
def test_a_page_size_that_is_not_a_whole_number_is_a_400(api, roadmap, path, page_size):
    # It was silently ignored.
    response = api.get(path, {"page_size": page_size})

    assert response.status_code == 400
    assert refusal(response) == {
        "page_size": ["A whole number from 1 to 200 (larger asks are served 200)."]
    }


def test_a_page_past_the_end_is_a_404_that_says_so(api, roadmap):
    response = api.get(LIST, {"page": 9})

    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid page."


def test_csv_export_has_every_matching_row_with_readable_columns(api, roadmap, record):
    record(Commitment.objects.get(code="MIL-3"), status="on_track", progress=60)

    response = api.get(LIST, {"format": "csv", "pillar": "military"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="commitments.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["code"] for row in rows] == ["MIL-1", "MIL-2", "MIL-3"]
    assert {
        key: rows[2][key]
        for key in ("pillar", "status", "progress", "partners", "document", "paragraph")
    } == {
        "pillar": "military",
        "status": "on_track",
        "progress": "60",
        "partners": "european-union; iraqi-security-forces; nato",
        "document": "paris-roadmap-2019",
        "paragraph": "6",
    }


def test_csv_export_is_not_paginated(api, db):
    CommitmentFactory.create_batch(230)

    response = api.get(LIST, {"format": "csv"})

    assert len(list(csv.DictReader(io.StringIO(response.content.decode())))) == 230


def test_csv_export_defuses_spreadsheet_formulas(api, db):
    CommitmentFactory(title='=HYPERLINK("http://evil")')

    row = next(csv.DictReader(io.StringIO(api.get(LIST, {"format": "csv"}).content.decode())))

    assert row["title"] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize(
    ("title", "written"),
    [
        ("x;=1+1", "x;'=1+1"),
        ("a\t@SUM(A1)", "a\t'@SUM(A1)"),
        ('quoted; "+1 555"', 'quoted; "\'+1 555"'),
        ("  =1+1", "'  =1+1"),
        ("Training, continued - 40% done; on track", "Training, continued - 40% done; on track"),
    ],
)
def test_csv_export_defuses_a_formula_after_a_separator_inside_a_cell(api, db, title, written):
    # A spreadsheet whose list separator is ";" splits "x;=1+1" into "x" and the formula =1+1.
    CommitmentFactory(title=title)

    row = next(csv.DictReader(io.StringIO(api.get(LIST, {"format": "csv"}).content.decode())))

    assert row["title"] == written
    # Split on ";" or tabs, which a comma-separated file leaves unquoted, no part is a formula.
    parts = re.split(r"[;\t]", row["title"])
    assert [part for part in parts if re.match(r"[\s\"]*[=+\-@]", part)] == []


@pytest.mark.parametrize(
    "title", ["Funding, =HYPERLINK(1)", "rose, -3%", "Done:\n- trained 200\n- equipped 40"]
)
def test_csv_export_quotes_a_cell_with_a_comma_or_a_line_break_and_leaves_its_text(api, db, title):
    # Quoted, the cell stays one cell whatever separator a spreadsheet splits on, and nothing in
    # it starts a cell: its words need no apostrophe.
    CommitmentFactory(title=title)

    body = api.get(LIST, {"format": "csv"}).content.decode()
    row = next(csv.DictReader(io.StringIO(body)))

    assert row["title"] == title
    assert '"' + title.replace('"', '""') + '"' in body


def test_a_browser_gets_the_browsable_api(api, roadmap):
    response = api.get(LIST, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "MIL-1" in response.content.decode()

"""Searching commitments (?search=): by their code, title, text and the summary of the update
that gives each its current status. On PostgreSQL a web search over a stored vector, most
relevant first; on SQLite every word as a substring."""

import csv
import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from commitments.models import Commitment
from commitments.services import approve_or_return, save_commitment
from tests.factories import CommitmentFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's full-text search"
)


def found(api, search, **params):
    response = api.get(LIST, {"search": search, **params})
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


@pytest.fixture
def wells(db):
    return CommitmentFactory(
        code="WAT-1",
        title="Restore the water wells",
        text="Partners repair the pumps of the villages.",
    )


@pytest.fixture
def mines(db):
    """Five commitments that speak of mines, in the Roadmap's order (paragraphs 1 to 5 of one
    document): three by their text only and two, which rank above them, by their title."""
    document = SourceDocumentFactory()
    by_title = {"title": "Clear the mines", "text": "Make the farmland safe."}
    by_text = {"title": "Safe farmland", "text": "Clear the mines."}
    found_by = [
        ("TXT-1", by_text),
        ("TTL-1", by_title),
        ("TXT-2", by_text),
        ("TTL-2", by_title),
        ("TXT-3", by_text),
    ]
    for paragraph, (code, words) in enumerate(found_by, start=1):
        CommitmentFactory(code=code, paragraph=paragraph, source_document=document, **words)


@pytest.fixture
def villages(wells):
    """WAT-1 and EDU-1, which both speak of the villages."""
    schools = CommitmentFactory(
        code="EDU-1",
        title="Reopen the schools",
        text="Teachers return to the classrooms of the villages.",
    )
    return wells, schools


def test_a_search_finds_a_word_of_the_title(api, villages):
    assert found(api, "wells") == ["WAT-1"]


def test_a_search_finds_a_word_of_the_text(api, villages):
    assert found(api, "classrooms") == ["EDU-1"]


def test_a_search_needs_every_word(api, villages):
    assert found(api, "villages teachers") == ["EDU-1"]


def test_a_search_finds_a_word_of_the_summary_that_gives_the_current_status(
    api, record, wells, villages
):
    record(wells, summary="Contractors were delayed by flooding.")

    assert found(api, "contractors") == ["WAT-1"]


def test_a_search_does_not_find_an_older_assessment_than_the_current_one(api, record, wells):
    record(wells, as_of=datetime.date(2024, 2, 1), summary="Drought dried the wells.")
    record(wells, as_of=datetime.date(2024, 1, 1), summary="Flooding reached the pumps.")

    assert found(api, "drought") == ["WAT-1"]
    assert found(api, "flooding") == []


def test_a_search_finds_an_approved_correction_and_not_what_it_corrected(api, record, wells):
    original = record(wells, summary="Flooding reached the pumps.")
    record(wells, summary="Drought dried the wells.", corrects=original)

    assert found(api, "drought") == ["WAT-1"]
    assert found(api, "flooding") == []


@pytest.mark.usefixtures("review_required")
def test_a_search_finds_an_update_once_it_is_approved_and_not_before(api, record, reviewer, wells):
    update = record(wells, summary="Contractors were delayed by flooding.")
    assert found(api, "contractors") == []

    approve_or_return(update, reviewer=reviewer, decision="approve")

    assert found(api, "contractors") == ["WAT-1"]


@pytest.mark.usefixtures("review_required")
def test_a_search_never_finds_a_returned_update(api, record, reviewer, wells):
    approve_or_return(
        record(wells, summary="Pumps repaired."), reviewer=reviewer, decision="approve"
    )
    returned = record(wells, as_of=datetime.date(2024, 3, 1), summary="Sabotage reported.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")

    assert found(api, "sabotage") == []
    assert found(api, "repaired") == ["WAT-1"]


@pytest.mark.parametrize("code", ["MIL-1", "mil-3", "GLB-2.3", "POL-3.2"])
def test_a_search_for_a_code_finds_that_commitment(api, roadmap, code):
    assert found(api, code) == [code.upper()]


def test_a_search_finds_a_commitment_by_its_new_title_once_renamed(api, wells):
    wells.title = "Dig boreholes"
    save_commitment(wells, fields=["title"])

    assert found(api, "boreholes") == ["WAT-1"]
    assert found(api, "wells") == []


def test_a_search_finds_an_imported_update(api, roadmap, analyst, tmp_path):
    path = tmp_path / "updates.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["commitment", "status", "as_of", "summary"])
        writer.writerow(["MIL-2", "at_risk", "2024-01-15", "Convoys stopped at the checkpoints."])
    call_command("import_updates", str(path), author="analyst", stdout=StringIO())

    assert found(api, "convoys checkpoints") == ["MIL-2"]


@postgresql_only
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ('"water wells"', ["WAT-1"]),
        ('"wells water"', []),
        ("villages -pumps", ["EDU-1"]),
        ("wells or schools", ["EDU-1", "WAT-1"]),
        # English stems: "repairs" and "pump" are the words of "repair the pumps".
        ("repairs pump", ["WAT-1"]),
    ],
)
def test_a_search_on_postgresql_is_a_web_search(api, villages, search, expected):
    assert sorted(found(api, search)) == expected


@postgresql_only
def test_a_title_match_ranks_above_a_match_in_the_text_only(api):
    # First in the Roadmap's order, found by its text only.
    CommitmentFactory(code="TXT-1", paragraph=1, text="Clear the mines from the farmland.")
    CommitmentFactory(code="TTL-1", paragraph=2, title="Clear the mines")

    assert found(api, "mines") == ["TTL-1", "TXT-1"]


@postgresql_only
def test_an_explicit_ordering_replaces_relevance(api):
    CommitmentFactory(code="TXT-1", text="Clear the mines from the farmland.")
    CommitmentFactory(code="TTL-1", title="Clear the mines")

    assert found(api, "mines", ordering="-code") == ["TXT-1", "TTL-1"]


def test_a_search_takes_the_queries_of_an_unfiltered_list(
    api, roadmap, record, django_assert_num_queries
):
    record(CommitmentFactory(code="QRT-1"), summary="Quartermasters counted the stores.")
    # Expect 4 queries: the data fingerprint (ETag), the count, the page of commitments, and
    # the union of their themes, places, partners and children.
    with django_assert_num_queries(4):
        assert found(api, "quartermasters") == ["QRT-1"]


def pages(api, search, pages, **params):
    """The count and the codes of `pages` (page numbers) of a search, two commitments a page."""
    bodies = [
        api.get(LIST, {"search": search, "page_size": 2, "page": page, **params}).json()
        for page in pages
    ]
    return [body["count"] for body in bodies], [
        [item["code"] for item in body["results"]] for body in bodies
    ]


@postgresql_only
@pytest.mark.parametrize("as_of", [None, "today"])
def test_the_pages_of_a_search_cut_its_relevance_order(api, mines, as_of):
    # On an as_of read too, whose rows are read differently.
    params = {"as_of": timezone.localdate().isoformat()} if as_of else {}

    assert pages(api, "mines", [1, 2, 3], **params) == (
        [5, 5, 5],
        [["TTL-1", "TTL-2"], ["TXT-1", "TXT-2"], ["TXT-3"]],
    )


def test_the_pages_of_a_search_in_an_explicit_order_cut_that_order(api, mines):
    assert pages(api, "mines", [1, 2, 3], ordering="-code") == (
        [5, 5, 5],
        [["TXT-3", "TXT-2"], ["TXT-1", "TTL-2"], ["TTL-1"]],
    )


def test_a_search_with_another_filter_counts_and_pages_the_matches_of_both(api, record, mines):
    for code in ("TXT-1", "TTL-2", "TXT-3"):
        record(Commitment.objects.get(code=code), status="at_risk")

    count, codes = pages(api, "mines", [1, 2], status="at_risk")
    assert count == [3, 3]
    assert sorted(codes[0] + codes[1]) == ["TTL-2", "TXT-1", "TXT-3"]


@pytest.fixture
def ranked(db, record):
    """Commitments that hold "mines" with every kind of weight: in the code or title (once, late,
    with the text and summary), in the text only (many times: the highest rank a text gives),
    in the summary only; and others without it."""
    document = SourceDocumentFactory()
    words = [
        ("mines", "Mines and mines again."),
        ("Clear the farmland of mines", "Safe farmland."),
        ("Safe farmland", "Mines mines mines mines mines mines mines mines."),
        ("Safe farmland", "The mines, the mines."),
        ("Safe farmland", "Roads and mines."),
        ("Roads and mines", "Roads, mines and bridges; mines."),
        ("Roads", "Bridges."),
        ("Demining teams for the mines", "Teams."),
    ]
    for paragraph, (title, text) in enumerate(words * 2, start=1):
        CommitmentFactory(
            code=f"MIN-{paragraph}",
            paragraph=paragraph,
            source_document=document,
            title=title,
            text=text,
        )
    record(Commitment.objects.get(code="MIN-7"), summary="Mines found by the roads.")


@postgresql_only
@pytest.mark.parametrize(
    "search", ["mines", "min", "mines roads", '"the mines"', "mines -roads", "mines or bridges"]
)
def test_each_page_of_a_search_is_that_of_the_whole_ranking(api, ranked, search):
    # A page of a search of one word is ranked from the matches of the codes and titles when
    # enough of them hold it (_FirstByTitle); it is the same page as a ranking of every match.
    expected = list(Commitment.objects.search(search).values_list("code", flat=True))
    assert expected, search
    for page_size in (1, 3, 5, 7):
        count = -(-len(expected) // page_size)
        got = [
            api.get(LIST, {"search": search, "page_size": page_size, "page": page}).json()
            for page in range(1, count + 1)
        ]
        assert [item["code"] for body in got for item in body["results"]] == expected

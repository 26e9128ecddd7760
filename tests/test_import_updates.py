"""Importing status updates from a CSV file: all or nothing, each bad row named by its line with
what to fix, and every commitment left as recording the rows one by one would leave it."""

import codecs
import contextlib
import csv
import datetime
import math
import os
import shutil
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments import db_deadlines
from commitments.imports import ImportRefused, parse_csv
from commitments.models import (
    Commitment,
    Event,
    Evidence,
    ImportReceipt,
    StatusUpdate,
    StatusUpdateEvidence,
)
from commitments.services import import_status_updates, record_status_update, status_imports
from tests.factories import UserFactory
from tests.replica import _as_postgres, _free_port, _program, _write_as_postgres, running

# Every import here is by the analyst, unless a test says otherwise, and runs as in
# `manage.py import_updates`, without the client-side deadlines of a serving process, so that
# PostgreSQL's rows go in through COPY (the admin's imports, tests/test_admin_import.py, INSERT).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("analyst", "as_a_command")]


@pytest.fixture
def as_a_command():
    installed = db_deadlines.installed()
    db_deadlines.uninstall()
    yield
    if installed:
        db_deadlines.install()


COLUMNS = [
    "commitment", "status", "as_of", "summary",
    "progress", "evidence", "evidence_url", "evidence_source", "confidence", "releasability",
]  # fmt: skip
ROW = {
    "commitment": "MIL-1",
    "status": "on_track",
    "as_of": "2024-01-15",
    "summary": "Training continued as planned.",
}
REQUIRED = ["commitment", "status", "as_of", "summary"]
JAN_15 = datetime.date(2024, 1, 15)
# The columns an event's insert writes.
EVENT_COLUMNS = [field for field in Event._meta.concrete_fields if field.name != "id"]
# A new piece of evidence's, and a citation's.
EVIDENCE_COLUMNS = [field for field in Evidence._meta.concrete_fields if field.name != "id"]
CITATION_COLUMNS = [
    field for field in StatusUpdateEvidence._meta.concrete_fields if field.name != "id"
]
STATUSES = "not_started, on_track, at_risk, off_track, completed, discontinued"


@pytest.fixture
def write_csv(tmp_path):
    """Writes rows (dicts by column) under a header, as a spreadsheet would save them."""

    def write_csv(*rows, columns=COLUMNS, encoding="utf-8", delimiter=","):
        path = tmp_path / "updates.csv"
        with path.open("w", encoding=encoding, newline="") as file:
            writer = csv.writer(file, delimiter=delimiter)
            writer.writerow(columns)
            writer.writerows([row.get(column, "") for column in columns] for row in rows)
        return path

    return write_csv


def import_updates(path, author="analyst", stderr=None):
    stdout = StringIO()
    call_command(
        "import_updates", str(path), author=author, stdout=stdout, stderr=stderr or StringIO()
    )
    return stdout.getvalue()


def cited(update):
    """The evidence `update` cites, in order: grade, source, URL, reference, date, marking."""
    return [
        (piece.grade, piece.source, piece.url, piece.reference, piece.date, piece.releasability)
        for piece in update.cited()
    ]


def current(code):
    commitment = Commitment.objects.get(code=code)
    return commitment.current_status, commitment.current_progress, commitment.current_as_of


def test_it_imports_every_row_and_sets_each_commitments_current_status(roadmap, analyst, write_csv):
    path = write_csv(
        {**ROW, "progress": "40", "evidence_url": "https://example.org/report",
         "evidence_source": "Progress report", "confidence": "high"},
        {**ROW, "status": "at_risk", "as_of": "2024-03-01", "progress": "45",
         "summary": "  Funding gap for the next cycle.  "},
        {**ROW, "commitment": "FTF-1", "status": "completed", "as_of": "2024-02-01",
         "progress": "100"},
    )  # fmt: skip

    output = import_updates(path)

    assert output.startswith("Imported 3 status updates for 2 commitments in ")
    assert output.endswith(" rows/s).\n")
    assert current("MIL-1") == ("at_risk", 45, datetime.date(2024, 3, 1))
    assert current("FTF-1") == ("completed", 100, datetime.date(2024, 2, 1))
    assert current("MIL-2") == ("not_assessed", None, None)
    first = StatusUpdate.objects.get(commitment__code="MIL-1", as_of=datetime.date(2024, 1, 15))
    assert (first.status, first.summary) == ("on_track", "Training continued as planned.")
    assert cited(first) == [
        ("F6", "Progress report", "https://example.org/report", "", JAN_15, "public")
    ]
    assert (first.confidence, first.author, first.corrects) == ("high", analyst, None)
    assert StatusUpdate.objects.get(progress=45).summary == "Funding gap for the next cycle."
    # When the row that gives it its status was recorded, and approved with it (review is off).
    mil_1 = Commitment.objects.get(code="MIL-1")
    recorded = StatusUpdate.objects.get(progress=45).created_at
    assert (mil_1.last_recorded_at, mil_1.last_approved_at) == (recorded, recorded)


def test_every_row_is_recorded_at_the_time_of_the_import_and_in_file_order(roadmap, write_csv):
    path = write_csv(*({**ROW, "summary": f"Row {number}."} for number in range(1, 6)))
    before = timezone.now()

    import_updates(path)

    updates = list(StatusUpdate.objects.order_by("id"))
    assert [update.summary for update in updates] == [f"Row {n}." for n in range(1, 6)]
    # One after another, as if recorded one by one: each has its own place in the feed.
    times = [update.created_at for update in updates]
    assert times == sorted(set(times))
    assert before <= times[0]
    assert times[-1] <= timezone.now()


def test_the_feed_pages_through_a_large_import_without_repeating_a_row(roadmap, write_csv, api):
    rows = 1_250  # more than the feed's cursor could tell apart if they shared their time
    import_updates(write_csv(*({**ROW, "summary": f"Row {n}."} for n in range(rows))))

    seen, url = [], "/api/v1/updates/?page_size=200"
    while url:
        page = api.get(url).json()
        seen += [update["id"] for update in page["results"]]
        url = page["next"]

    assert len(seen) == len(set(seen)) == rows


# The file: ties on as_of within the file and with the history, back-dated rows, and a row older
# than what its commitment already has.
FILE_ROWS = [
    ("MIL-1", "on_track", "2024-02-01", "40", "First of the day."),
    ("MIL-1", "at_risk", "2024-02-01", "35", "Same day, later in the file."),
    ("MIL-1", "off_track", "2024-01-01", "", "Back-dated."),
    ("MIL-2", "on_track", "2024-01-10", "50", "Older than what MIL-2 already has."),
    ("MIL-3", "completed", "2024-03-01", "100", "Done."),
    ("MIL-3", "not_started", "2024-03-01", "", "Same day as done, later in the file."),
    ("FTF-1", "on_track", "2024-05-01", "70", "Same day as what FTF-1 already has."),
    ("MIL-1", "completed", "2023-12-01", "", "Back-dated again."),
]


def test_importing_leaves_what_recording_each_row_in_file_order_would(
    roadmap, analyst, record, write_csv
):
    record(
        Commitment.objects.get(code="MIL-2"),
        status="off_track",
        progress=10,
        as_of=datetime.date(2024, 6, 1),
    )
    record(Commitment.objects.get(code="FTF-1"), status="at_risk", as_of=datetime.date(2024, 5, 1))
    record(Commitment.objects.get(code="HUM-1"), as_of=datetime.date(2024, 4, 1))
    codes = ["MIL-1", "MIL-2", "MIL-3", "FTF-1", "HUM-1", "STB-1"]

    def state():
        newest = StatusUpdate.objects.newest_standing(OuterRef("pk"))
        commitments = Commitment.objects.filter(code__in=codes).annotate(
            newest_recorded=Subquery(newest.values("created_at")[:1]),
            newest_approved=Subquery(newest.values("review__decided_at")[:1]),
        )
        return {
            commitment.code: (
                commitment.current_status,
                commitment.current_progress,
                commitment.current_as_of,
                # When the update that gives the status was recorded and approved.
                (commitment.last_recorded_at, commitment.last_approved_at)
                == (commitment.newest_recorded, commitment.newest_approved),
                list(
                    commitment.status_updates.values_list("status", "progress", "as_of", "summary")
                ),
            )
            for commitment in commitments
        }

    with transaction.atomic():
        for code, status, as_of, progress, summary in FILE_ROWS:
            record_status_update(
                commitment=Commitment.objects.get(code=code),
                author=analyst,
                status=status,
                as_of=datetime.date.fromisoformat(as_of),
                summary=summary,
                progress=int(progress) if progress else None,
            )
        recorded_one_by_one = state()
        transaction.set_rollback(True)
    columns = ["commitment", "status", "as_of", "progress", "summary"]
    rows = [dict(zip(columns, row, strict=True)) for row in FILE_ROWS]
    import_updates(write_csv(*rows, columns=columns))

    assert state() == recorded_one_by_one
    assert current("MIL-1") == ("at_risk", 35, datetime.date(2024, 2, 1))
    assert current("MIL-2") == ("off_track", 10, datetime.date(2024, 6, 1))
    assert current("MIL-3") == ("not_started", None, datetime.date(2024, 3, 1))
    assert current("FTF-1") == ("on_track", 70, datetime.date(2024, 5, 1))


def test_text_is_stored_exactly_as_written(roadmap, write_csv):
    summary = 'Two lines,\r\nwith a\ttab, a backslash \\ and "quotes".\n\\N is not empty.'
    source = "C:\\reports\\2024 \\t"
    url = "https://example.org/a\\b?q=1"

    import_updates(
        write_csv({**ROW, "summary": summary, "evidence_source": source, "evidence_url": url})
    )

    update = StatusUpdate.objects.get()
    assert update.summary == summary
    assert cited(update) == [("F6", source, url, "", JAN_15, "public")]


def test_a_bad_row_in_the_middle_is_named_by_its_line_and_nothing_is_written(
    roadmap, record, write_csv
):
    record(Commitment.objects.get(code="MIL-2"))
    before = list(StatusUpdate.objects.values_list("id", flat=True))
    path = write_csv(ROW, ROW, ROW, {**ROW, "status": "done"}, ROW, ROW)

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == (
        f"Nothing imported: 1 bad row in {path}:\nLine 5: status 'done' is not one of {STATUSES}."
    )
    assert list(StatusUpdate.objects.values_list("id", flat=True)) == before
    assert current("MIL-1") == ("not_assessed", None, None)
    assert Commitment.objects.get(code="MIL-1").last_approved_at is None


def test_it_names_the_first_ten_bad_rows_and_counts_them_all(roadmap, write_csv):
    rows = [ROW] * 40
    for index in range(5, 30):
        rows[index] = {**ROW, "commitment": f"MIL-{100 + index}"}
    rows[7] = {**ROW, "status": "done", "progress": "150", "commitment": "MIL-99"}
    path = write_csv(*rows)

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    heading, *shown = str(refused.value).split("\n")
    assert heading == f"Nothing imported: 25 bad rows in {path}; the first 10:"
    assert len(shown) == 10
    assert shown[0] == "Line 7: no commitment with code 'MIL-105'."
    assert shown[2] == (
        f"Line 9: no commitment with code 'MIL-99'; status 'done' is not one of {STATUSES}; "
        "progress '150' is not a whole number from 0 to 100, nor empty."
    )
    assert shown[-1] == "Line 16: no commitment with code 'MIL-114'."
    assert StatusUpdate.objects.count() == 0


TOMORROW = object()  # resolved at test time, in the project's time zone


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"commitment": "MIL-99"}, "no commitment with code 'MIL-99'"),
        ({"commitment": ""}, "commitment is empty: give a commitment's code, such as MIL-1"),
        ({"status": "done"}, f"status 'done' is not one of {STATUSES}"),
        ({"status": "not_assessed"}, f"status 'not_assessed' is not one of {STATUSES}"),
        ({"status": "On track!"}, f"status 'On track!' is not one of {STATUSES}"),
        ({"progress": "101"}, "progress '101' is not a whole number from 0 to 100, nor empty"),
        ({"progress": "-1"}, "progress '-1' is not a whole number from 0 to 100, nor empty"),
        ({"progress": "50.5"}, "progress '50.5' is not a whole number from 0 to 100, nor empty"),
        ({"progress": "half"}, "progress 'half' is not a whole number from 0 to 100, nor empty"),
        (
            {"status": "completed", "progress": "90"},
            "a completed commitment is 100% done: set progress to 100 or leave it empty",
        ),
        ({"as_of": ""}, "as_of is empty: give the date the assessment describes, as YYYY-MM-DD"),
        ({"as_of": "15/01/2024"}, "as_of '15/01/2024' is not a date as YYYY-MM-DD"),
        ({"as_of": "20240115"}, "as_of '20240115' is not a date as YYYY-MM-DD"),
        ({"as_of": "2024-02-30"}, "as_of '2024-02-30' is not a date as YYYY-MM-DD"),
        ({"as_of": TOMORROW}, "as_of {tomorrow} is in the future (today is {today})"),
        (
            {"as_of": "2019-06-24"},
            "as_of 2019-06-24 is before Paris Roadmap was issued (2019-06-25)",
        ),
        (
            {"summary": " \n "},
            "summary is empty: say what happened and why the status is what it is",
        ),
        ({"evidence_url": "not a url"}, "evidence_url 'not a url' is not a valid URL"),
        (
            {"evidence_url": "ftp:/example.org"},
            "evidence_url 'ftp:/example.org' is not a valid URL",
        ),
        (
            {"evidence_url": "https://example.org/" + "a" * 481},
            "evidence_url has 501 characters, more than the 500 allowed",
        ),
        (
            {"evidence_source": "x" * 301},
            "evidence_source has 301 characters, more than the 300 allowed",
        ),
        (
            {"confidence": "certain"},
            "confidence 'certain' is not one of low, medium, high, nor empty",
        ),
    ],
)
def test_a_row_that_breaks_a_rule_of_status_updates_is_refused_with_what_to_fix(
    roadmap, write_csv, cells, problem
):
    if cells.get("as_of") is TOMORROW:
        today = timezone.localdate()
        tomorrow = today + datetime.timedelta(days=1)
        cells, problem = {"as_of": f"{tomorrow}"}, problem.format(today=today, tomorrow=tomorrow)
    path = write_csv(ROW, {**ROW, **cells})

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert f"\nLine 3: {problem}" in str(refused.value)
    assert StatusUpdate.objects.count() == 0


def test_values_at_the_limits_are_accepted_and_pass_the_models_validation(roadmap, write_csv):
    path = write_csv(
        {**ROW, "progress": "0", "confidence": "low"},
        {**ROW, "progress": "100", "status": "completed"},
        {**ROW, "status": "completed"},
        {**ROW, "as_of": f"{timezone.localdate()}", "status": "discontinued"},
        {**ROW, "as_of": "2019-06-25", "status": "not_started"},
        {**ROW, "evidence_url": "https://example.org/" + "a" * 480, "evidence_source": "x" * 300},
        {**ROW, "commitment": " MIL-2 ", "status": " off_track ", "progress": " 7 "},
    )

    import_updates(path)

    assert StatusUpdate.objects.count() == 7
    for update in StatusUpdate.objects.all():
        update.full_clean()
    Evidence.objects.get().full_clean()
    assert current("MIL-2") == ("off_track", 7, datetime.date(2024, 1, 15))


def test_the_optional_columns_may_be_left_out(roadmap, write_csv):
    import_updates(write_csv(ROW, columns=["summary", "as_of", "commitment", "status"]))

    update = StatusUpdate.objects.get()
    assert (update.progress, update.confidence, cited(update)) == (None, "", [])


# Evidence


@pytest.mark.parametrize(
    ("cells", "piece"),
    [
        (
            {"evidence_url": "https://example.org/q1.pdf", "evidence_source": "Q1 report"},
            ("F6", "Q1 report", "https://example.org/q1.pdf", ""),
        ),
        (
            {"evidence_url": "https://reliefweb.int/report/iraq"},
            ("F6", "reliefweb.int", "https://reliefweb.int/report/iraq", ""),
        ),
        (
            {"evidence_source": "Minutes of 3 May"},
            ("F6", "Minutes of 3 May", "", "Minutes of 3 May"),
        ),
    ],
    ids=["url and source", "url alone: its host is the source", "source alone: its reference"],
)
def test_a_rows_evidence_url_and_source_become_a_new_ungraded_piece_it_cites(
    roadmap, write_csv, cleared_analyst, cells, piece
):
    path = write_csv(
        {**ROW, **cells, "releasability": "coalition"},
        {**ROW, "commitment": "FTF-1"},
    )

    import_updates(path, author=cleared_analyst.username)

    with_evidence = StatusUpdate.objects.get(commitment__code="MIL-1")
    assert cited(with_evidence) == [(*piece, JAN_15, "coalition")]
    assert Evidence.objects.get().author == cleared_analyst
    assert cited(StatusUpdate.objects.get(commitment__code="FTF-1")) == []


def test_an_evidence_column_cites_pieces_recorded_already_in_the_order_given(
    roadmap, write_csv, evidence
):
    first, second = evidence("A1", source="Ministry"), evidence("C3", source="Press")
    path = write_csv(
        {**ROW, "evidence": f"{second.pk}; {first.pk}"},
        {**ROW, "commitment": "FTF-1", "evidence": f" {first.pk} {first.pk} ",
         "evidence_url": "https://example.org/new"},
    )  # fmt: skip

    import_updates(path)

    mil_1, ftf_1 = (StatusUpdate.objects.get(commitment__code=code) for code in ("MIL-1", "FTF-1"))
    assert mil_1.cited() == [second, first]
    assert [(piece.grade, piece.source) for piece in ftf_1.cited()] == [
        ("A1", "Ministry"),
        ("F6", "example.org"),
    ]
    assert (mil_1.evidence_cited, ftf_1.evidence_cited) == (2, 2)


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (lambda pieces: f"{pieces['public'].pk};{pieces['public'].pk + 1000}", "there is no evidence #{missing} that you may cite: check its id"),
        (lambda pieces: f"{pieces['coalition'].pk}", "there is no evidence #{coalition} that you may cite: check its id"),
        (lambda pieces: "12 and 13", "evidence '12 and 13' is not a list of evidence ids separated by spaces or semicolons"),
    ],
    ids=["an id of no evidence", "evidence the importer may not read", "not ids"],
)  # fmt: skip
def test_evidence_the_importer_may_not_cite_is_refused_naming_the_row_and_nothing_is_written(
    roadmap, write_csv, evidence, cleared_analyst, cells, problem
):
    pieces = {
        "public": evidence(),
        "coalition": evidence(author=cleared_analyst, releasability="coalition"),
    }
    path = write_csv(ROW, {**ROW, "evidence": cells(pieces), "evidence_url": "https://x.org"})

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    expected = problem.format(missing=pieces["public"].pk + 1000, coalition=pieces["coalition"].pk)
    assert f"\nLine 3: {expected}." in str(refused.value)
    assert (StatusUpdate.objects.count(), Evidence.objects.count()) == (0, 2)


@pytest.mark.parametrize(
    ("columns", "problem"),
    [
        (["commitment", "status", "summary"], "missing column 'as_of'"),
        (
            ["code", "status", "as_of", "summary"],
            "unknown column 'code'; missing column 'commitment'",
        ),
        (
            [*COLUMNS, "notes", "author"],
            "the header has 12 columns, where there are 10 at most; unknown columns 'notes', "
            "'author'",
        ),
        (
            [*COLUMNS, "corrects"],
            "the header has 11 columns, where there are 10 at most; corrections cannot be "
            "imported: record each in the admin or the API, which ask for the update it corrects",
        ),
        (
            ["corrects", *REQUIRED],
            "corrections cannot be imported: record each in the admin or "
            "the API, which ask for the update it corrects",
        ),
        (
            [*COLUMNS, "status"],
            "the header has 11 columns, where there are 10 at most; column 'status' more than once",
        ),
        (["status", *REQUIRED], "column 'status' more than once"),
    ],
)
def test_missing_and_unknown_columns_are_named(roadmap, write_csv, columns, problem):
    path = write_csv(ROW, columns=columns)

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == (
        f"Nothing imported: {path}: {problem}. The columns are commitment, status, as_of, "
        "summary, and optionally progress, evidence, evidence_url, evidence_source, "
        "confidence, releasability, in any order."
    )
    assert StatusUpdate.objects.count() == 0


def test_a_header_of_tens_of_thousands_of_columns_is_refused_before_its_rows_are_read(
    roadmap, tmp_path, django_assert_num_queries
):
    # Found by an outside test: 60,000 columns (480 KB) took 31 s to check, one by one against
    # all the others, and the worker timed out.
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["summary"] * 60_000) + "\n" + "MIL-1\n" * 1000, encoding="utf-8")

    # The author's: the user and their permissions (one query). The file makes none.
    with django_assert_num_queries(2), pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == (
        f"Nothing imported: {path}: the header has 60,000 columns, where there are 10 at most; "
        "missing columns 'commitment', 'status', 'as_of'; column 'summary' more than once. The "
        "columns are commitment, status, as_of, summary, and optionally progress, evidence, "
        "evidence_url, evidence_source, confidence, releasability, in any order."
    )
    assert StatusUpdate.objects.count() == 0


def test_unknown_columns_are_named_ten_at_most(roadmap, write_csv):
    path = write_csv(ROW, columns=[*REQUIRED, *(f"extra{number}" for number in range(25))])

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert (
        "unknown columns 'extra0', 'extra1', 'extra2', 'extra3', 'extra4', 'extra5', 'extra6', "
        "'extra7', 'extra8', 'extra9' and 15 more."
    ) in str(refused.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "commitment,status,as_of,summary\n"
            "MIL-1,on_track,2024-01-15,Training continued.\n"
            "MIL-1,on_track,2024-01-16,Training continued, as planned.\n",
            "Line 3: 5 cells where the header has 4: quote a value that contains a comma.",
        ),
        (
            "commitment;status;as_of;summary\nMIL-1;on_track;2024-01-15;Training; as planned.\n",
            "Line 2: 5 cells where the header has 4: quote a value that contains a semicolon.",
        ),
    ],
    ids=["commas", "semicolons"],
)
def test_a_row_with_more_cells_than_the_header_is_named_with_the_separator_to_quote(
    roadmap, tmp_path, content, problem
):
    path = tmp_path / "updates.csv"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value).endswith(f"\n{problem}")


def test_lines_are_counted_across_quoted_line_breaks_and_blank_lines(roadmap, tmp_path):
    path = tmp_path / "updates.csv"
    path.write_text(
        "commitment,status,as_of,summary\n"
        'MIL-1,on_track,2024-01-15,"First paragraph.\n\nSecond paragraph."\n'
        "\n"
        ",,,\n"
        "MIL-1,done,2024-01-16,Training continued.\n",
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert "\nLine 7: status 'done'" in str(refused.value)


def test_a_header_without_rows_imports_nothing(roadmap, write_csv):
    path = write_csv()

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == f"Nothing imported: {path} has a header but no rows."


def test_an_empty_file_is_refused(roadmap, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")

    with pytest.raises(CommandError, match="empty: its first line must be a header"):
        import_updates(path)


def test_a_missing_file_is_refused(roadmap, tmp_path):
    path = tmp_path / "nowhere.csv"

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == f"Nothing imported: cannot read {path}: No such file or directory."


def test_a_byte_order_mark_is_allowed(roadmap, write_csv):
    import_updates(write_csv(ROW, encoding="utf-8-sig"))

    assert current("MIL-1") == ("on_track", None, datetime.date(2024, 1, 15))


@pytest.mark.parametrize(
    ("encoding", "summary"),
    [
        ("cp1252", "Réunion reportée à l'été. Coût : 5 000 €, « urgent »."),
        ("latin-1", "Réunion reportée à l'été, « urgent »."),  # no euro sign in Latin-1
    ],
)
def test_a_file_that_is_not_utf_8_is_read_as_windows_1252_with_a_warning_saying_so(
    roadmap, write_csv, encoding, summary
):
    path = write_csv(ROW, {**ROW, "summary": summary}, encoding=encoding)
    stderr = StringIO()

    import_updates(path, stderr=stderr)

    assert stderr.getvalue() == (
        f"Warning: {path} is not UTF-8 (line 3): it was read as Windows-1252 (Western European, "
        "as Excel saves “CSV”; Latin-1 reads the same). Check that its accented letters read "
        "right; if they do not, save it as “CSV UTF-8” and import that.\n"
    )
    assert StatusUpdate.objects.filter(summary=summary).count() == 1


HEADER = b"commitment,status,as_of,summary\n"
UTF_8_ROW = "MIL-1,on_track,2024-01-15,Réunion.\n".encode()
LATIN_1_ROW = "MIL-1,on_track,2024-01-15,Reportée.\n".encode("latin-1")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        # 0x81 means nothing in Windows-1252.
        (
            HEADER + b"MIL-1,on_track,2024-01-15,Fine.\nMIL-1,on_track,2024-01-15,Odd \x81.\n",
            "is neither UTF-8 nor Windows-1252 text (line 3)",
        ),
        # UTF-8 that a line in Latin-1 interrupts: no one encoding reads all of it right.
        (HEADER + UTF_8_ROW + LATIN_1_ROW, "mixes UTF-8 and another encoding (line 3)"),
        (codecs.BOM_UTF8 + HEADER + LATIN_1_ROW, "mixes UTF-8 and another encoding (line 2)"),
    ],
    ids=["undefined-in-windows-1252", "mixed", "mixed-after-a-byte-order-mark"],
)
def test_a_file_no_one_encoding_reads_is_refused_saying_which_to_use(
    roadmap, tmp_path, content, problem
):
    path = tmp_path / "updates.csv"
    path.write_bytes(content)

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == (
        f"Nothing imported: {path} {problem}. Save it as CSV UTF-8 and import it again."
    )
    assert StatusUpdate.objects.count() == 0


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-8")],
    ids=["semicolons", "semicolons-with-byte-order-mark", "tabs"],
)
def test_columns_may_be_separated_by_semicolons_or_tabs_as_the_header_shows(
    roadmap, write_csv, delimiter, encoding
):
    summary = "Training continued, as planned; the second cohort starts in May."
    path = write_csv(
        {**ROW, "summary": summary, "progress": "40"}, delimiter=delimiter, encoding=encoding
    )

    import_updates(path)

    update = StatusUpdate.objects.get()
    assert (update.commitment.code, update.status, update.progress, update.summary) == (
        "MIL-1",
        "on_track",
        40,
        summary,
    )


def test_a_header_whose_separator_cannot_be_told_is_refused_saying_to_use_commas(roadmap, tmp_path):
    path = tmp_path / "updates.csv"
    path.write_text("commitment|status|as_of|summary\nMIL-1|on_track|2024-01-15|Fine.\n")

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == (
        f"Nothing imported: {path}: cannot tell what separates the columns of its header: use "
        "commas. The columns are commitment, status, as_of, summary, and optionally progress, "
        "evidence, evidence_url, evidence_source, confidence, releasability, in any order."
    )


def test_a_file_imported_already_is_refused_saying_when_and_by_whom(roadmap, write_csv):
    path = write_csv(ROW, {**ROW, "commitment": "FTF-1"})
    import_updates(path)
    receipt = ImportReceipt.objects.get()

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    imported_at = timezone.localtime(receipt.imported_at)
    assert str(refused.value) == (
        f"Nothing imported: {path} was imported already, by analyst on "
        f"{imported_at:%d %b %Y at %H:%M} (2 updates). A file is imported once: its rows are in "
        "the history."
    )
    assert StatusUpdate.objects.count() == 2


def test_a_file_is_told_apart_by_its_bytes_not_its_name(roadmap, write_csv):
    import_updates(write_csv(ROW))

    import_updates(write_csv(ROW, {**ROW, "commitment": "FTF-1"}))

    assert StatusUpdate.objects.count() == 3
    assert ImportReceipt.objects.count() == 2


def test_a_file_imported_meanwhile_by_another_import_is_refused_and_nothing_is_written(
    roadmap, analyst, editor, monkeypatch
):
    # Both imports checked the file before either wrote: the other one commits first, between
    # this one's checks and its write.
    content = b"commitment,status,as_of,summary\nMIL-1,on_track,2024-01-15,Once.\n"
    checked = status_imports.check_rows

    def others_import_commits(table, **options):
        updates = checked(table, **options)
        ImportReceipt.objects.create(token="other", sha256=table.sha256, user=editor, updates=1)
        return updates

    monkeypatch.setattr(status_imports, "check_rows", others_import_commits)

    with pytest.raises(ImportRefused, match=r"was imported already, by editor on "):
        import_status_updates(parse_csv(content, name="x.csv"), author=analyst)

    assert StatusUpdate.objects.count() == 0
    assert list(ImportReceipt.objects.values_list("token", flat=True)) == ["other"]


def test_traffic_light_ratings_are_read_as_the_statuses_shown_in_their_colour(roadmap, write_csv):
    path = write_csv(
        {**ROW, "status": "green"},
        {**ROW, "commitment": "FTF-1", "status": "Amber"},
        {**ROW, "commitment": "HUM-1", "status": "RED"},
    )

    import_updates(path)

    assert sorted(StatusUpdate.objects.values_list("commitment__code", "status")) == [
        ("FTF-1", "at_risk"),
        ("HUM-1", "off_track"),
        ("MIL-1", "on_track"),
    ]


def test_a_file_in_utf_16_is_refused(roadmap, write_csv):
    path = write_csv(ROW, encoding="utf-16-le")

    with pytest.raises(CommandError) as refused:
        import_updates(path)

    assert str(refused.value) == (
        f"Nothing imported: {path} contains NUL characters (line 1). Save it as CSV UTF-8 and "
        "import it again."
    )


def test_statuses_and_confidences_may_be_written_as_the_admin_shows_them(roadmap, write_csv):
    path = write_csv(
        {**ROW, "status": "At risk", "confidence": "Medium"},
        {**ROW, "commitment": "FTF-1", "status": "OFF TRACK", "confidence": "high"},
    )

    output = import_updates(path)

    assert output.startswith("Imported 2 status updates for 2 commitments in ")
    assert sorted(StatusUpdate.objects.values_list("status", "confidence")) == [
        ("at_risk", "medium"),
        ("off_track", "high"),
    ]


def test_one_update_for_one_commitment_is_said_in_the_singular(roadmap, write_csv):
    assert import_updates(write_csv(ROW)).startswith(
        "Imported 1 status update for 1 commitment in "
    )


def test_the_author_must_be_allowed_to_record_updates(roadmap, write_csv, viewer):
    # A Viewer's update would be published all the same: refused, as in the admin and the API.
    with pytest.raises(CommandError) as refused:
        import_updates(write_csv(ROW), author="viewer")

    assert str(refused.value) == (
        "Nothing imported: user 'viewer' may not record status updates (--author); choose an "
        "Analyst or an Editor."
    )
    assert StatusUpdate.objects.count() == 0


def test_the_author_must_be_an_active_user(roadmap, write_csv):
    UserFactory(username="gone", is_active=False)
    path = write_csv(ROW)

    with pytest.raises(CommandError, match=r"^Nothing imported: there is no user 'nobody'"):
        import_updates(path, author="nobody")
    with pytest.raises(CommandError, match=r"^Nothing imported: user 'gone' is inactive"):
        import_updates(path, author="gone")
    assert StatusUpdate.objects.count() == 0


CODES = ["MIL-1", "MIL-2", "FTF-1", "HUM-1"]


def queries_of_imports(write_csv, row, inserts, most, django_assert_max_num_queries):
    """Imports 4 rows, then 400 (`row(n, rows)` each), each import in at most `most` queries
    besides the batches of its bulk inserts (`inserts(rows)`: the columns, rows and batch size
    of each, split further where the database takes fewer parameters a statement: SQLite's
    999); returns how many queries each took besides those batches."""
    queries = []
    for rows in (4, 400):
        path = write_csv(*(row(n, rows) for n in range(rows)))
        batches = sum(
            math.ceil(count / connection.ops.bulk_batch_size(columns, [None] * size))
            for columns, count, size in inserts(rows)
        )
        with (
            django_assert_max_num_queries(most + batches),
            CaptureQueriesContext(connection) as captured,
        ):
            import_updates(path)
        queries.append(len(captured) - batches)
    return queries


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(
    roadmap, analyst, write_csv, django_assert_max_num_queries
):
    # The author and their permissions (2: direct and through groups), the receipt of the
    # same file if any, the commitments' codes; then, inside a savepoint (2), the receipt,
    # the lock, the insert (COPY, on PostgreSQL, is not counted), their approval (review is
    # off here), the commitments and markings that may slip (services.dependencies), the
    # current status, and their events: their ids, their representation and the evidence
    # they cite (none: a query that finds nothing; the public reads no release), their
    # markings, the events' insert, in batches of 500, and the webhook endpoints that receive
    # them (none here, so no delivery is written).
    queries = queries_of_imports(
        write_csv,
        lambda n, rows: {**ROW, "commitment": CODES[n % 4]},
        lambda rows: [(EVENT_COLUMNS, rows, 500)],
        17,
        django_assert_max_num_queries,
    )

    assert queries[0] == queries[1]
    assert Event.objects.count() == 404
    assert StatusUpdate.objects.count() == 404


def test_rows_the_public_may_not_read_leave_the_stored_current_status_unwritten(
    roadmap, cleared_analyst, write_csv
):
    # The stored current status is the public's: an import of coalition rows alone takes the
    # same queries as one of public rows but its UPDATE of the commitments.
    queries = []
    for marking, as_of in [("public", "2024-01-15"), ("coalition", "2024-02-15")]:
        rows = [
            {**ROW, "commitment": code, "as_of": as_of, "releasability": marking}
            for code in ("MIL-1", "MIL-2")
        ]
        path = write_csv(*rows)
        with CaptureQueriesContext(connection) as captured:
            import_updates(path, author=cleared_analyst.username)
        queries.append(len(captured))

    assert queries[1] == queries[0] - 1
    assert current("MIL-1") == ("on_track", None, datetime.date(2024, 1, 15))


def test_the_queries_of_evidence_do_not_grow_with_the_number_of_rows(
    roadmap, analyst, write_csv, evidence, django_assert_max_num_queries
):
    recorded = evidence()
    # As above, and for the evidence: the ids of the evidence column (1), the new pieces and
    # the citations in batches of EVIDENCE_CHUNK, and the rows' ids between them (1).
    queries = queries_of_imports(
        write_csv,
        lambda n, rows: {
            **ROW,
            "commitment": CODES[n % 4],
            "evidence": f"{recorded.pk}",
            "evidence_url": f"https://example.org/{rows}/{n}",
        },
        lambda rows: [
            (EVENT_COLUMNS, rows, 500),
            (EVIDENCE_COLUMNS, rows, status_imports.EVIDENCE_CHUNK),
            (CITATION_COLUMNS, 2 * rows, status_imports.EVIDENCE_CHUNK),
        ],
        19,
        django_assert_max_num_queries,
    )

    assert queries[0] == queries[1]
    assert StatusUpdate.objects.filter(evidence_cited=2).count() == 404
    assert Evidence.objects.count() == 405


def test_no_progress_bar_is_drawn_when_the_output_is_not_a_terminal(roadmap, write_csv):
    stderr = StringIO()

    import_updates(write_csv(ROW), stderr=stderr)

    assert stderr.getvalue() == ""


class Terminal(StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_is_drawn_on_a_terminal(roadmap, write_csv):
    stderr = Terminal()

    import_updates(write_csv(ROW, ROW), stderr=stderr)

    drawn = stderr.getvalue()
    assert "\rreading  [" in drawn
    assert "\rchecking [" in drawn
    assert drawn.endswith("\rwriting  [##############################] 100%  2/2\n")


def test_a_warning_is_written_on_a_line_of_its_own_between_the_steps_of_the_bar(roadmap, write_csv):
    stderr = Terminal()

    import_updates(write_csv(ROW, {**ROW, "summary": "Réunion."}, encoding="cp1252"), stderr=stderr)

    reading, warning, *rest = stderr.getvalue().split("\n")
    assert reading.startswith("\rreading  [")
    assert reading.endswith("] 100%  4/4")
    assert warning.startswith("Warning: ")
    assert rest[0].startswith("\rchecking [")


def test_an_import_never_brings_back_an_update_a_correction_replaced(roadmap, analyst, write_csv):
    commitment = Commitment.objects.get(code="MIL-1")
    wrong = record_status_update(
        commitment=commitment, author=analyst, status="completed",
        as_of=datetime.date(2024, 5, 1), summary="Recorded too early.",
    )  # fmt: skip
    record_status_update(
        commitment=commitment, author=analyst, status="on_track", as_of=datetime.date(2024, 2, 1),
        summary="Not completed: on track as of February.", corrects=wrong,
    )  # fmt: skip

    import_updates(write_csv({**ROW, "status": "at_risk", "as_of": "2024-03-01"}))

    assert current("MIL-1") == ("at_risk", None, datetime.date(2024, 3, 1))


FULL_DISK = (
    "The database's disk is full: nothing was imported. Free some space on it and import the "
    "file again."
)


def _rows_filling(write_csv, size):
    """A file of rows whose summaries alone take more than `size` bytes."""
    summary = "Training continued as planned; the next cycle starts in spring. " * 4
    rows = size // len(summary) + 100
    return write_csv(*({**ROW, "summary": f"{n} {summary}"} for n in range(rows)))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_erasable_history")
def test_an_import_onto_a_full_sqlite_disk_says_so_and_writes_nothing(roadmap, write_csv):
    """SQLite's file may not grow by a page (max_page_count, on this connection): it refuses
    the next page as a full disk does (SQLITE_FULL)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's (PostgreSQL's: the next test)")
    with connection.cursor() as cursor:
        limit = cursor.execute("PRAGMA max_page_count").fetchone()[0]
        free = cursor.execute("PRAGMA freelist_count").fetchone()[0]
        size = cursor.execute("PRAGMA page_size").fetchone()[0]
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
    path = _rows_filling(write_csv, (free + 10) * size)  # more than its free pages hold
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(CommandError) as refused:
            import_updates(path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA max_page_count = {limit}")

    assert str(refused.value) == FULL_DISK
    assert StatusUpdate.objects.count() == 0
    assert current("MIL-1") == ("not_assessed", None, None)


@pytest.mark.django_db(transaction=True)
def test_an_import_onto_a_full_postgresql_disk_says_so_and_writes_nothing(roadmap, write_csv):
    """A PostgreSQL of the test's own, holding a copy of the test database with the status
    history on a 1 MiB file system (tmpfs): the import fills it (SQLSTATE 53100). Never the
    shared server: a tablespace that vanishes under it makes it crash."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's (SQLite's: the test before)")
    path = _rows_filling(write_csv, 2 * 1024 * 1024)
    with postgresql_with_a_full_disk(connection.settings_dict) as database_url:
        imported = subprocess.run(
            [sys.executable, "manage.py", "import_updates", str(path), "--author", "analyst"],
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "DATABASE_URL": database_url, "DEBUG": "true"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        updates = _one_value(database_url, "SELECT count(*) FROM commitments_statusupdate")

    assert (imported.returncode, imported.stderr) == (1, f"CommandError: {FULL_DISK}\n")
    assert updates == 0


def _one_value(database_url, sql):
    connection_ = psycopg2.connect(database_url)
    try:
        with connection_.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]
    finally:
        connection_.close()


@contextlib.contextmanager
def postgresql_with_a_full_disk(source):
    """Starts a PostgreSQL of its own on a free port, copies the `source` database into it
    with the status history in a tablespace on a 1 MiB tmpfs, and yields its URL; then stops
    it, before the tmpfs goes. Skipped where a file system cannot be mounted."""
    major = int(_one_value(_url(source), "SHOW server_version_num")) // 10000
    initdb, pg_ctl = _program("initdb", major), _program("pg_ctl", major)
    folder = Path(tempfile.mkdtemp(prefix="roadmap-full-disk-"))
    data, tiny, port = folder / "data", folder / "tiny", _free_port()
    tiny.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(tiny)],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if mounted.returncode:
        shutil.rmtree(folder)
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        if os.geteuid() == 0:
            for owned in (folder, tiny):
                shutil.chown(owned, "postgres", "postgres")
        subprocess.run(
            [*_as_postgres(), initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        _write_as_postgres(
            data / "postgresql.auto.conf",
            f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{folder}'\nfsync = off\nshared_buffers = 16MB\n",
        )
        with running(pg_ctl, data, folder / "log"):
            url = f"postgres://postgres@127.0.0.1:{port}"
            copy = [
                f"psql {url}/postgres -q -c 'CREATE DATABASE roadmap' "
                f"-c \"CREATE TABLESPACE tiny LOCATION '{tiny}'\"",
                f"pg_dump --format=custom {_url(source)} "
                f"| pg_restore --no-owner --exit-on-error --dbname={url}/roadmap",
                f"psql {url}/roadmap -q -c "
                "'ALTER TABLE commitments_statusupdate SET TABLESPACE tiny'",
            ]
            for command in copy:
                subprocess.run(
                    ["bash", "-o", "pipefail", "-c", command],
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
            yield f"{url}/roadmap"
    finally:
        subprocess.run(["umount", str(tiny)], check=True, timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _url(database):
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{database['USER']}{password}@{host}:{database['PORT'] or 5432}/{database['NAME']}"

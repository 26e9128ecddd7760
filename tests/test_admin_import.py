"""Importing status updates from the admin: the CSV file that `manage.py import_updates` reads,
checked first in a dry run that writes nothing, then imported, all or nothing, once confirmed."""

import csv
import datetime
import io
import time
from types import SimpleNamespace

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments.imports import parse_csv
from commitments.models import Commitment, ImportReceipt, Review, SourceDocument, StatusUpdate
from commitments.services import AlreadyImported, import_confirmed

pytestmark = pytest.mark.django_db

URL = reverse("admin:commitments_statusupdate_import")
COLUMNS = ["commitment", "status", "as_of", "summary", "progress"]
ROW = {
    "commitment": "MIL-1",
    "status": "on_track",
    "as_of": "2024-01-15",
    "summary": "Training continued as planned.",
}
THREE_ROWS = [
    {**ROW, "progress": "40"},
    {**ROW, "status": "At risk", "as_of": "2024-03-01", "summary": "Funding gap."},
    {**ROW, "commitment": "FTF-1", "status": "completed", "as_of": "2024-02-01"},
]


def csv_file(*rows, columns=COLUMNS, delimiter=",", encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows([row.get(column, "") for column in columns] for row in rows)
    return out.getvalue().encode(encoding)


def dry_run(client, content, name="updates.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, "text/csv")})


def confirm(client, checked, **extra):
    return client.post(URL, {"confirmation": checked.context["confirmation"], **extra})


def import_updates(path):
    call_command("import_updates", str(path), author="analyst", stdout=io.StringIO())


def shown(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def history():
    """Every status update and review, as the database holds them."""
    return (
        list(StatusUpdate.objects.values_list("pk", flat=True)),
        list(Review.objects.values_list("pk", flat=True)),
        list(Commitment.objects.values_list("code", "current_status", "last_approved_at")),
    )


@pytest.fixture
def signed_in(client, analyst):
    client.force_login(analyst)
    return client


def test_the_list_of_updates_offers_the_import_to_whoever_may_record_updates(
    client, analyst, viewer
):
    changelist = reverse("admin:commitments_statusupdate_changelist")

    client.force_login(analyst)
    offered_to_analyst = f'href="{URL}"' in client.get(changelist).content.decode()
    client.force_login(viewer)
    offered_to_viewer = f'href="{URL}"' in client.get(changelist).content.decode()

    assert (offered_to_analyst, offered_to_viewer) == (True, False)


def test_the_page_says_what_file_it_takes_and_how_large(signed_in, settings):
    settings.ADMIN_IMPORT_MAX_BYTES = 2 * 1024 * 1024

    page = signed_in.get(URL).content.decode()

    assert "up to 2.0\xa0MB" in page
    assert "commitment, status, as_of, summary, and optionally progress" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_dry_run_lists_every_bad_row_by_line_and_column_and_writes_nothing(signed_in, roadmap):
    before = history()
    rows = [ROW] * 14
    for index in range(1, 13):  # twelve bad rows: more than the command names
        rows[index] = {**ROW, "commitment": f"MIL-{100 + index}"}
    rows[2] = {**ROW, "status": "done", "progress": "150"}

    response = dry_run(signed_in, csv_file(*rows))

    refused = response.context["refused"]
    assert refused["bad_rows"] == 12
    assert [(cell.line, cell.columns, cell.problem) for cell in refused["cells"][:4]] == [
        (3, ("commitment",), "no commitment with code 'MIL-101'"),
        (
            4,
            ("status",),
            "status 'done' is not one of not_started, on_track, at_risk, off_track, completed, "
            "discontinued",
        ),
        (4, ("progress",), "progress '150' is not a whole number from 0 to 100, nor empty"),
        (5, ("commitment",), "no commitment with code 'MIL-103'"),
    ]
    assert refused["cells"][-1].line == 14
    page = response.content.decode()
    assert "Nothing imported: 12 bad rows." in page
    assert "<td>4</td><td>progress</td>" in page
    assert response.context["confirmation"] is None
    assert history() == before


def test_a_file_the_command_would_refuse_as_a_whole_is_refused_with_its_message(signed_in, roadmap):
    response = dry_run(signed_in, csv_file(ROW, columns=["code", "status", "as_of", "summary"]))

    assert response.context["refused"]["message"] == (
        "Nothing imported: updates.csv: unknown column 'code'; missing column 'commitment'. The "
        "columns are commitment, status, as_of, summary, and optionally progress, evidence, "
        "evidence_url, evidence_source, confidence, releasability, in any order."
    )
    assert not StatusUpdate.objects.exists()


def test_a_header_of_tens_of_thousands_of_columns_is_refused_at_the_cost_of_a_small_one(
    signed_in, roadmap, django_assert_num_queries
):
    # Found by an outside test: 60,000 columns (480 KB) took 31 s, and the worker timed out.
    wide = ",".join(["summary"] * 60_000).encode() + b"\n" + b"MIL-1\n" * 1000
    narrow = b",".join([b"summary"] * 11) + b"\n"  # one column too many, as few as can be
    dry_run(signed_in, narrow)  # the session and the user's permissions, read once

    with django_assert_num_queries(len(_queries_of(signed_in, narrow))):
        response = dry_run(signed_in, wide)

    assert response.context["refused"]["message"] == (
        "Nothing imported: updates.csv: the header has 60,000 columns, where there are 10 at "
        "most; missing columns 'commitment', 'status', 'as_of'; column 'summary' more than once. "
        "The columns are commitment, status, as_of, summary, and optionally progress, "
        "evidence, evidence_url, evidence_source, confidence, releasability, in any order."
    )
    assert not StatusUpdate.objects.exists()


def _queries_of(client, content):
    with CaptureQueriesContext(connection) as queries:
        dry_run(client, content)
    return queries


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            # 0x81: not UTF-8, and nothing in Windows-1252.
            b"commitment,status,as_of,summary\nMIL-1,on_track,2024-01-15,R\x81union\n",
            "Nothing imported: updates.csv is neither UTF-8 nor Windows-1252 text (line 2). Save "
            "it as CSV UTF-8 and import it again.",
        ),
        (
            "commitment,status,as_of,summary\n".encode("utf-16-le"),
            "Nothing imported: updates.csv contains NUL characters (line 1). Save it as CSV "
            "UTF-8 and import it again.",
        ),
    ],
)
def test_a_file_that_is_no_text_the_import_reads_is_refused_saying_how_to_save_it(
    signed_in, roadmap, content, problem
):
    response = dry_run(signed_in, content)

    assert response.context["refused"]["message"] == problem
    assert not StatusUpdate.objects.exists()


def test_a_spreadsheet_workbook_is_refused_saying_how_to_save_it_as_csv(signed_in, roadmap):
    response = dry_run(signed_in, b"PK\x03\x04 a zipped workbook", name="updates.xlsx")

    assert response.context["form"].errors == {
        "file": [
            "This is a spreadsheet workbook, not a CSV file: in the spreadsheet, save it as "
            "“CSV UTF-8” and upload that."
        ]
    }


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(signed_in, roadmap, settings):
    settings.ADMIN_IMPORT_MAX_BYTES = 100

    content = csv_file(*THREE_ROWS)

    response = dry_run(signed_in, content)

    assert response.context["form"].errors["file"] == [
        f"This file is {len(content)}\xa0bytes; the admin takes files of up to 100\xa0bytes. "
        "Split it, or ask an administrator to import it with manage.py import_updates."
    ]
    assert response.context["confirmation"] is None


def test_a_clean_dry_run_counts_what_would_be_created_and_writes_nothing(signed_in, roadmap):
    before = history()

    response = dry_run(signed_in, csv_file(*THREE_ROWS))

    checked = response.context["checked"]
    assert (checked["updates"], checked["commitments"]) == (3, 2)
    assert checked["by_status"] == [("On track", 1), ("At risk", 1), ("Completed", 1)]
    assert [
        (row["line"], row["commitment"], row["status"], row["progress"], row["as_of"])
        for row in checked["preview"]
    ] == [
        (2, "MIL-1", "On track", 40, datetime.date(2024, 1, 15)),
        (3, "MIL-1", "At risk", None, datetime.date(2024, 3, 1)),
        (4, "FTF-1", "Completed", None, datetime.date(2024, 2, 1)),
    ]
    assert "Import 3 updates" in response.content.decode()
    assert history() == before


def test_confirming_imports_the_rows_checked_by_the_importer_pending_review(
    signed_in, roadmap, analyst, review_required
):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))

    response = confirm(signed_in, checked)

    assert response.status_code == 302
    assert shown(response)[0].startswith("3 updates imported for 2 commitments; pending review.")
    imported = StatusUpdate.objects.order_by("pk")
    assert list(imported.values_list("commitment__code", "status", "progress", "summary")) == [
        ("MIL-1", "on_track", 40, "Training continued as planned."),
        ("MIL-1", "at_risk", None, "Funding gap."),
        ("FTF-1", "completed", None, "Training continued as planned."),
    ]
    assert {update.author for update in imported} == {analyst}
    assert imported.pending().count() == 3
    assert Commitment.objects.get(code="MIL-1").current_status == "not_assessed"


def test_an_import_is_among_the_importers_recent_actions(signed_in, roadmap, analyst):
    confirm(signed_in, dry_run(signed_in, csv_file(*THREE_ROWS)))

    [entry] = LogEntry.objects.filter(user=analyst)
    home = signed_in.get("/admin/").content.decode()

    assert entry.content_type.model_class() is ImportReceipt
    assert "3 updates imported for 2 commitments" in entry.get_change_message()
    assert str(entry.object_repr) in home


def test_with_review_off_the_confirmed_rows_are_approved_at_once(signed_in, roadmap):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))

    response = confirm(signed_in, checked)

    assert shown(response)[0].startswith("3 updates imported for 2 commitments; approved.")
    assert StatusUpdate.objects.pending().count() == 0
    assert Commitment.objects.get(code="MIL-1").current_status == "at_risk"


def test_the_message_links_to_the_updates_just_imported(signed_in, roadmap, record):
    record(Commitment.objects.get(code="HUM-1"))
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))
    message = shown(confirm(signed_in, checked))[0]
    link = message.split('href="')[1].split('"')[0].replace("&amp;", "&")

    listed = signed_in.get(link).context["cl"].result_list

    assert sorted(update.commitment.code for update in listed) == ["FTF-1", "MIL-1", "MIL-1"]


def test_what_is_imported_is_the_file_checked_not_one_sent_with_the_confirmation(
    signed_in, roadmap
):
    checked = dry_run(signed_in, csv_file(ROW))
    other = SimpleUploadedFile("other.csv", csv_file(*THREE_ROWS), "text/csv")

    confirm(signed_in, checked, file=other)

    assert list(StatusUpdate.objects.values_list("summary", flat=True)) == [ROW["summary"]]


def test_a_confirmation_imports_once(signed_in, roadmap):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))

    confirm(signed_in, checked)
    again = confirm(signed_in, checked)

    assert shown(again)[-1].startswith("This file is no longer waiting to be imported")
    assert StatusUpdate.objects.count() == 3


def test_only_the_file_checked_last_may_be_confirmed(signed_in, roadmap):
    first = dry_run(signed_in, csv_file(ROW))
    dry_run(signed_in, csv_file(*THREE_ROWS))

    response = confirm(signed_in, first)

    assert shown(response)[-1].startswith("This file is no longer waiting to be imported")
    assert not StatusUpdate.objects.exists()


def test_a_tampered_confirmation_is_refused_and_nothing_is_written(signed_in, roadmap):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))
    forged = checked.context["confirmation"].replace(":", "x:", 1)

    response = signed_in.post(URL, {"confirmation": forged})

    assert shown(response)[-1] == (
        "This confirmation is not valid. Nothing was imported: upload the file again."
    )
    assert not StatusUpdate.objects.exists()


def test_an_expired_confirmation_is_refused_and_nothing_is_written(signed_in, roadmap, monkeypatch):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))
    later = time.time() + 31 * 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))

    response = confirm(signed_in, checked)

    assert shown(response)[-1] == (
        "This check is more than 30 minutes old. Nothing was imported: upload the file again to "
        "check it against the data as it is now."
    )
    assert not StatusUpdate.objects.exists()


def test_someone_elses_confirmation_is_refused(client, roadmap, analyst, editor):
    client.force_login(analyst)
    checked = dry_run(client, csv_file(*THREE_ROWS))
    other = Client()
    other.force_login(editor)

    response = confirm(other, checked)

    assert shown(response)[-1].startswith("This file is no longer waiting to be imported")
    assert not StatusUpdate.objects.exists()


def test_when_the_data_changed_since_the_dry_run_nothing_is_imported_and_the_page_says_why(
    signed_in, roadmap
):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))
    document = Commitment.objects.get(code="FTF-1").source_document
    SourceDocument.objects.filter(pk=document.pk).update(issued_on=datetime.date(2024, 2, 15))

    response = confirm(signed_in, checked)

    assert response.status_code == 200
    assert [(cell.line, cell.problem) for cell in response.context["refused"]["cells"]] == [
        (2, f"as_of 2024-01-15 is before {document.short_name} was issued (2024-02-15)"),
        (4, f"as_of 2024-02-01 is before {document.short_name} was issued (2024-02-15)"),
    ]
    assert not StatusUpdate.objects.exists()


def test_cancelling_forgets_the_file(signed_in, roadmap):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))

    signed_in.post(URL, {"_cancel": "Cancel"})
    response = confirm(signed_in, checked)

    assert shown(response)[-1].startswith("This file is no longer waiting to be imported")
    assert not StatusUpdate.objects.exists()


def test_a_viewer_may_not_import_nor_see_the_page(client, roadmap, viewer, analyst):
    client.force_login(analyst)
    confirmation = dry_run(client, csv_file(*THREE_ROWS)).context["confirmation"]
    client.force_login(viewer)

    answers = [
        client.get(URL),
        dry_run(client, csv_file(*THREE_ROWS)),
        client.post(URL, {"confirmation": confirmation}),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert "This needs the <strong>Analyst or Editor</strong> role." in answers[0].content.decode()
    assert not StatusUpdate.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(roadmap, analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)

    response = dry_run(client, csv_file(*THREE_ROWS))

    assert response.status_code == 403
    assert "confirmation" not in (response.context or {})


def test_a_confirmation_used_twice_at_once_imports_its_file_once(roadmap, analyst, review_required):
    # Two posts of one confirmation that both found the file in the session (a double click):
    # the receipt of the first stops the second, even past the session.
    table = parse_csv(
        b"commitment,status,as_of,summary\nMIL-1,on_track,2024-01-15,Once.\n", name="x.csv"
    )

    import_confirmed(table, author=analyst, token="the-dry-runs-token")
    with pytest.raises(AlreadyImported):
        import_confirmed(table, author=analyst, token="the-dry-runs-token")

    assert StatusUpdate.objects.filter(summary="Once.").count() == 1
    assert ImportReceipt.objects.get(token="the-dry-runs-token").updates == 1


def imported_already(name, receipt):
    when = timezone.localtime(receipt.imported_at)
    updates = f"{receipt.updates} update{'' if receipt.updates == 1 else 's'}"
    return (
        f"Nothing imported: {name} was imported already, by {receipt.user.username} on "
        f"{when:%d %b %Y at %H:%M} ({updates}). A file is imported once: its rows are in the "
        "history."
    )


def test_a_file_imported_already_is_refused_at_its_dry_run_saying_when_and_by_whom(
    signed_in, roadmap
):
    confirm(signed_in, dry_run(signed_in, csv_file(*THREE_ROWS)))
    receipt = ImportReceipt.objects.get()

    response = dry_run(signed_in, csv_file(*THREE_ROWS), name="updates (copy).csv")

    assert response.context["refused"]["message"] == imported_already("updates (copy).csv", receipt)
    assert response.context["confirmation"] is None
    assert StatusUpdate.objects.count() == 3


def test_a_file_imported_by_the_command_is_refused_by_the_admin_and_the_other_way_round(
    signed_in, roadmap, tmp_path
):
    by_command = tmp_path / "updates.csv"
    by_command.write_bytes(csv_file(ROW))
    from_admin = tmp_path / "from-admin.csv"
    from_admin.write_bytes(csv_file(*THREE_ROWS))
    import_updates(by_command)
    confirm(signed_in, dry_run(signed_in, from_admin.read_bytes()))

    response = dry_run(signed_in, by_command.read_bytes())
    with pytest.raises(CommandError) as refused:
        import_updates(from_admin)

    by_file = {receipt.updates: receipt for receipt in ImportReceipt.objects.all()}
    assert response.context["refused"]["message"] == imported_already("updates.csv", by_file[1])
    assert str(refused.value) == imported_already(from_admin, by_file[3])
    assert StatusUpdate.objects.count() == 4


def test_a_file_imported_by_someone_else_since_the_dry_run_is_refused_at_its_confirmation(
    signed_in, roadmap, editor
):
    checked = dry_run(signed_in, csv_file(*THREE_ROWS))
    other = Client()
    other.force_login(editor)
    confirm(other, dry_run(other, csv_file(*THREE_ROWS)))

    response = confirm(signed_in, checked)

    assert response.context["refused"]["message"] == imported_already(
        "updates.csv", ImportReceipt.objects.get()
    )
    assert StatusUpdate.objects.count() == 3


def test_a_dry_run_warns_of_each_row_that_repeats_an_update_already_recorded(
    signed_in, roadmap, record
):
    recorded = record(Commitment.objects.get(code="MIL-1"), summary=ROW["summary"])
    rows = [
        ROW,  # line 2: the same as the one recorded
        {**ROW, "summary": "Training continued as planned, with a new trainer."},
        {**ROW, "status": "at_risk"},
        {**ROW, "as_of": "2024-01-16"},
        {**ROW, "commitment": "FTF-1"},
        {**ROW, "summary": f"  {ROW['summary']}  "},  # line 7: the same, as it is recorded
    ]

    response = dry_run(signed_in, csv_file(*rows))

    when = f"{timezone.localtime(recorded.created_at):%d %b %Y at %H:%M}"
    repeat = (
        f"repeats the update of MIL-1 recorded on {when} (the same status, as-of date and "
        "summary): importing it records it again."
    )
    assert response.context["checked"]["warnings"] == [f"Line 2 {repeat}", f"Line 7 {repeat}"]
    assert f'<li class="warning">Line 7 {repeat}</li>' in response.content.decode()
    assert response.context["confirmation"]
    assert StatusUpdate.objects.count() == 1


def test_a_file_excel_saved_as_csv_in_a_european_language_is_imported_with_a_warning(
    signed_in, roadmap
):
    # Semicolons between columns, and Windows-1252: Excel's "CSV" where the comma is the
    # decimal mark.
    summary = "Réunion reportée à l'été ; coût : 5 000 €, « urgent »."
    checked = dry_run(
        signed_in, csv_file({**ROW, "summary": summary}, delimiter=";", encoding="cp1252")
    )

    response = confirm(signed_in, checked)

    assert checked.context["checked"]["warnings"] == [
        "updates.csv is not UTF-8 (line 2): it was read as Windows-1252 (Western European, as "
        "Excel saves “CSV”; Latin-1 reads the same). Check that its accented letters read "
        "right; if they do not, save it as “CSV UTF-8” and import that."
    ]
    assert checked.context["checked"]["preview"][0]["summary"] == summary
    assert response.status_code == 302
    assert list(StatusUpdate.objects.values_list("summary", flat=True)) == [summary]


TEMPLATE_URL = reverse("admin:commitments_statusupdate_import_template")


def test_the_page_offers_a_template_of_every_column_and_two_example_rows(signed_in, roadmap):
    page = signed_in.get(URL).content.decode()

    response = signed_in.get(TEMPLATE_URL)

    assert f'href="{TEMPLATE_URL}"' in page
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="status-updates.csv"'
    content = response.content
    assert content.startswith("\ufeff".encode())  # Excel then opens and saves it as UTF-8
    header, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    assert header == [
        "commitment", "status", "as_of", "summary",
        "progress", "evidence", "evidence_url", "evidence_source", "confidence",
        "releasability",
    ]  # fmt: skip
    today = f"{timezone.localdate()}"
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("FTF-1", "on_track", today),
        ("FTF-2", "At risk", today),
    ]


def test_the_template_passes_the_dry_run_as_it_is(signed_in, roadmap):
    template = signed_in.get(TEMPLATE_URL).content

    response = dry_run(signed_in, template, name="status-updates.csv")

    assert (response.context["refused"], response.context["checked"]["updates"]) == (None, 2)


def test_only_whoever_may_import_may_download_the_template(client, roadmap, viewer):
    client.force_login(viewer)

    response = client.get(TEMPLATE_URL)

    assert response.status_code == 403


def test_the_page_says_which_words_each_column_takes(signed_in):
    columns = {
        column: (required, takes)
        for column, required, takes in signed_in.get(URL).context["columns"]
    }

    assert list(columns) == [
        "commitment", "status", "as_of", "summary",
        "progress", "evidence", "evidence_url", "evidence_source", "confidence",
        "releasability",
    ]  # fmt: skip
    assert columns["status"] == (
        True,
        "One of not_started (Not started), on_track (On track), at_risk (At risk), off_track "
        "(Off track), completed (Completed), discontinued (Discontinued): the value or the "
        "label, in any case. Or a traffic-light rating: green for On track, amber for At risk, "
        "red for Off track.",
    )
    assert columns["confidence"] == (False, "One of low, medium, high, in any case, or empty.")
    assert columns["progress"] == (
        False,
        "The percentage done, a whole number from 0 to 100, or empty if not measured; a "
        "completed commitment's is 100 or empty.",
    )

"""The dated bulk snapshot: a Frictionless Data Package of what the public API shows as of a
day, as known at its end (commitments/api/snapshot.py, GET /api/v1/snapshot/, manage.py
snapshot)."""

import csv
import datetime
import io
import json
import zipfile

import frictionless
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.api import snapshot
from commitments.api.snapshot import write_directory
from commitments.models import Commitment, Indicator, Partner
from commitments.services import approve_or_return
from tests.conftest import at

pytestmark = pytest.mark.django_db

URL = "/api/v1/snapshot/"


def _noon(month, day):
    return datetime.datetime(2026, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def history(roadmap, settings, record, record_approved, reviewer, observe, contribute):
    """On the shipped Roadmap: MIL-1 assessed on 10 Mar (approved 11 Mar), corrected on 1 Jun;
    HUM-1 assessed on 20 Mar, approved only on 1 Jul; GLB-1 pending since 5 Mar; a value of
    HUM-1's indicator and a contribution of NATO's, each recorded on 2 Mar."""
    settings.REVIEW_REQUIRED = True
    mil1, hum1 = Commitment.objects.get(code="MIL-1"), Commitment.objects.get(code="HUM-1")
    day = datetime.date

    def approved(commitment, recorded, decided, **fields):
        with at(recorded):
            made = record(commitment, **fields)
        with at(decided):
            approve_or_return(made, reviewer=reviewer, decision="approve", comment="Checked.")
        return made

    first = approved(mil1, _noon(3, 10), _noon(3, 11), status="at_risk", as_of=day(2026, 3, 10))
    correction = approved(
        mil1, _noon(6, 1), _noon(6, 1), status="on_track", as_of=day(2026, 3, 10), corrects=first
    )
    late = approved(hum1, _noon(3, 20), _noon(7, 1), status="off_track", as_of=day(2026, 3, 20))
    with at(_noon(3, 5)):
        pending = record(Commitment.objects.get(code="GLB-1"), as_of=day(2026, 3, 5))
    with at(_noon(3, 2)):
        value = observe(
            Indicator.objects.get(slug="humanitarian-and-stabilization-assistance-raised"),
            "12.5",
            as_of=day(2026, 3, 1),
        )
        contribution = contribute(Partner.objects.get(slug="nato"), mil1, date=day(2026, 3, 1))
    with at(_noon(3, 3)):
        approve_or_return(value, reviewer=reviewer, decision="approve")
    return {
        "first": first,
        "correction": correction,
        "late": late,
        "pending": pending,
        "value": value,
        "contribution": contribution,
    }


def test_the_snapshot_is_a_valid_data_package(history, tmp_path):
    path = write_directory(datetime.date(2026, 11, 30), tmp_path)
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def _tables(archive):
    """resource name -> list of row dicts, of a snapshot's ZIP (bytes)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as package:
        return {
            name.removeprefix("data/").removesuffix(".csv"): list(
                csv.DictReader(io.TextIOWrapper(package.open(name), encoding="utf-8"))
            )
            for name in package.namelist()
            if name.endswith(".csv")
        }


def _ids(rows, column="id"):
    return {row[column] for row in rows}


def test_get_snapshot_is_a_zip_of_the_package_named_after_its_day(history, api):
    response = api.get(URL, {"as_of": "2026-11-30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="roadmap-snapshot-2026-11-30.zip"'
    )
    archive = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(archive)) as package:
        metadata = json.loads(package.read("datapackage.json"))
        names = set(package.namelist())
    assert metadata["as_of"] == "2026-11-30"
    assert names == {"datapackage.json", *(r["path"] for r in metadata["resources"])}


def test_a_snapshot_holds_only_what_was_approved_by_the_end_of_its_day(history, api):
    """On 30 Apr: MIL-1's first update (approved 11 Mar) and the value and contribution of
    2 Mar are in; the pending update, the correction (1 Jun) and HUM-1's update approved on
    1 Jul are not, nor is the first update shown as corrected."""
    tables = _tables(b"".join(api.get(URL, {"as_of": "2026-04-30"}).streaming_content))
    first = str(history["first"].pk)
    assert [(row["id"], row["corrected_by"]) for row in tables["updates"]] == [(first, "")]
    assert _ids(tables["reviews"]) == {f"update-{first}", f"value-{history['value'].pk}"}
    assert _ids(tables["indicator_values"]) == {str(history["value"].pk)}
    assert _ids(tables["contributions"]) == {str(history["contribution"].pk)}
    mil1 = next(row for row in tables["commitments"] if row["code"] == "MIL-1")
    assert (mil1["status"], mil1["as_of"]) == ("at_risk", "2026-03-10")


def test_a_snapshot_holds_no_value_or_contribution_beyond_the_public(
    history, api, observe, contribute, reviewer
):
    """What the public API shows: a coalition value and contribution are left out, and the
    indicator's latest value is the public one."""
    indicator = history["value"].indicator
    with at(_noon(3, 2)):
        value = observe(indicator, "99", as_of=datetime.date(2026, 3, 2), releasability="coalition")
        contribute(
            Partner.objects.get(slug="nato"),
            history["first"].commitment,
            date=datetime.date(2026, 3, 1),
            releasability="coalition",
        )
    with at(_noon(3, 3)):
        approve_or_return(value, reviewer=reviewer, decision="approve")

    tables = _tables(b"".join(api.get(URL, {"as_of": "2026-04-30"}).streaming_content))

    assert _ids(tables["indicator_values"]) == {str(history["value"].pk)}
    assert _ids(tables["contributions"]) == {str(history["contribution"].pk)}
    assert f"value-{value.pk}" not in _ids(tables["reviews"])
    (row,) = [row for row in tables["indicators"] if row["id"] == str(indicator.pk)]
    assert row["latest_value"] == "12.5"


def test_a_later_snapshot_shows_the_correction_and_the_late_approval(history, api):
    tables = _tables(b"".join(api.get(URL, {"as_of": "2026-11-30"}).streaming_content))
    first, correction = history["first"].pk, history["correction"].pk
    assert {(row["id"], row["corrects"], row["corrected_by"]) for row in tables["updates"]} == {
        (str(first), "", str(correction)),
        (str(correction), str(first), ""),
        (str(history["late"].pk), "", ""),
    }
    assert str(history["pending"].pk) not in _ids(tables["updates"])


def test_a_snapshot_shows_no_private_field(history, api):
    """People are named as the public API names them (the reviewer and analyst have no full
    name: their role), never by login name or email."""
    tables = _tables(b"".join(api.get(URL).streaming_content))
    text = json.dumps(tables)
    assert "reviewer" not in {row["reviewer"] for row in tables["reviews"]}
    assert history["first"].author.username not in text
    assert "@" not in "".join(row["author"] for row in tables["updates"])


def test_get_snapshot_revalidates_by_the_data_version(history, api):
    response = api.get(URL, {"as_of": "2026-11-30"})
    b"".join(response.streaming_content)  # sent, its temporary file closed
    etag = response["ETag"]
    assert api.get(URL, {"as_of": "2026-11-30"}, HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2999-01-01", "as_of cannot be in the future"),
        ("30/11/2026", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_get_snapshot_refuses_a_bad_day(db, api, as_of, message):
    response = api.get(URL, {"as_of": as_of})
    assert response.status_code == 400
    assert message in json.dumps(response.json())


def test_the_command_writes_a_directory_or_a_zip(history, tmp_path):
    call_command("snapshot", "--as-of", "2026-04-30", "--output", str(tmp_path / "package"))
    metadata = json.loads((tmp_path / "package" / "datapackage.json").read_text())
    updates = (tmp_path / "package" / "data" / "updates.csv").read_text()
    assert metadata["as_of"] == "2026-04-30"
    assert updates.splitlines()[1].startswith(f"{history['first'].pk},MIL-1,at_risk,")
    call_command("snapshot", "--as-of", "2026-04-30", "--output", str(tmp_path / "s.zip"))
    assert _tables((tmp_path / "s.zip").read_bytes())["updates"][0]["id"] == str(
        history["first"].pk
    )


def test_the_snapshot_reads_a_query_a_resource_and_batch(history, tmp_path, monkeypatch):
    """The data version, then a query per resource (two for the reviews, which read the
    updates and the values again), and one for the related rows of each batch of commitments,
    whatever the number of rows: with batches of 10, three for the 29 commitments."""
    monkeypatch.setattr(snapshot, "BATCH", 10)
    with CaptureQueriesContext(connection) as queries:
        write_directory(datetime.date(2026, 11, 30), tmp_path)
    # (A read off a server-side cursor, on PostgreSQL, is a DECLARE.)
    reads = [query for query in queries if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(reads) == 1 + len(snapshot.RESOURCES) + 1 + 3


# It commits for real: its status update is erased afterwards (append-only).
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_erasable_history")
def test_the_snapshot_is_read_in_a_transaction_of_its_own(commitment, record, tmp_path):
    """Outside any transaction (the command's, a request's), it begins its own: on PostgreSQL
    one that reads a single state of the database."""
    update = record(commitment, as_of=datetime.date(2026, 3, 1))  # approved: review is off
    write_directory(timezone.localdate(), tmp_path)
    with (tmp_path / "data" / "updates.csv").open(encoding="utf-8") as table:
        assert [row["id"] for row in csv.DictReader(table)] == [str(update.pk)]


def test_the_same_data_give_the_same_zip_byte_for_byte(history, api):
    """As its ETag promises: the package is dated by the data's last change."""
    first, second = (
        b"".join(api.get(URL, {"as_of": "2026-11-30"}).streaming_content) for _ in range(2)
    )
    assert first == second

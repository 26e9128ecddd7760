"""The data version moves on with every write to what the API shows, whoever writes: it keys the
ETags and the shared cache, so a write it missed would serve stale data."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from commitments.models import Commitment, DataVersion, Pillar, Review, StatusUpdate, Theme
from commitments.selectors import (
    data_and_review_queue_version,
    data_version,
    review_queue_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved_on():
    """Asserts that the block moves the data version on (or leaves it, with expect=False)."""

    class Check:
        def __init__(self, expect=True):
            self.expect = expect

        def __enter__(self):
            self.before = data_version()

        def __exit__(self, *exc_info):
            after = data_version()
            assert (after[0] != self.before[0]) is self.expect, (self.before, after)

    return Check


def test_recording_a_status_update_moves_it_on(roadmap, record, moved_on):
    with moved_on():
        record(Commitment.objects.get(code="MIL-1"))


def test_editing_a_commitment_and_its_tags_moves_it_on(roadmap, moved_on):
    commitment = Commitment.objects.get(code="MIL-1")
    with moved_on():
        Commitment.objects.filter(pk=commitment.pk).update(title="Renamed")
    with moved_on():
        commitment.themes.add(Theme.objects.exclude(commitments=commitment).first())
    with moved_on():
        commitment.themes.clear()


def test_renaming_reference_data_moves_it_on(roadmap, moved_on):
    with moved_on():
        Pillar.objects.filter(slug="military").update(name="Defence")


def test_renaming_an_author_moves_it_on(roadmap, record, analyst, moved_on):
    record(Commitment.objects.get(code="MIL-1"))
    with moved_on():
        analyst.first_name = "Renamed"
        analyst.save()


def test_an_approval_in_raw_sql_moves_it_on_and_a_bare_submission_does_not(
    roadmap, analyst, moved_on
):
    # As a bulk import or a database shell would write, past the ORM and its signals. A
    # submitted update is not public until approved: readers' ETags must not reveal it.
    commitment = Commitment.objects.get(code="MIL-1")
    now = datetime.datetime.now(datetime.UTC)
    with moved_on(expect=False), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {StatusUpdate._meta.db_table} (commitment_id, author_id, status,"
            " as_of, summary, confidence, created_at)"
            " VALUES (%s, %s, 'on_track', %s, 'From SQL.', '', %s)",
            [commitment.pk, analyst.pk, datetime.date(2024, 1, 1), now],
        )
    update = StatusUpdate.objects.get(summary="From SQL.")
    with moved_on(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Review._meta.db_table} (update_id, decision, comment, decided_at)"
            " VALUES (%s, 'approve', '', %s)",
            [update.pk, now],
        )


def test_reads_leave_it_alone(roadmap, api, moved_on):
    with moved_on(expect=False):
        for path in ["/api/v1/commitments/", "/api/v1/summary/", "/api/v1/updates/", "/"]:
            assert api.get(path).status_code == 200


def test_it_tells_when_the_data_last_changed(roadmap, record):
    before = datetime.datetime.now(datetime.UTC)
    record(Commitment.objects.get(code="MIL-1"))
    _, changed_at = data_version()
    assert before <= changed_at <= datetime.datetime.now(datetime.UTC)


def test_it_comes_back_when_its_row_is_gone(roadmap, record, moved_on):
    # A test run's flush empties every table; the next write creates the row again.
    DataVersion.objects.all().delete()
    assert data_version() == ("0-0", None)
    with moved_on():
        record(Commitment.objects.get(code="MIL-1"))


def test_read_with_the_review_queues_it_is_what_each_reads_alone(roadmap, record, review_required):
    # A staff reader's hit reads both in one statement: the same versions, whatever the tables
    # hold, the version's row gone included.
    assert data_and_review_queue_version() == (data_version(), review_queue_version())
    record(Commitment.objects.get(code="MIL-1"), status="off_track")  # pending: the queue's
    assert data_and_review_queue_version() == (data_version(), review_queue_version())
    DataVersion.objects.all().delete()
    assert data_and_review_queue_version() == (("0-0", None), review_queue_version())


def test_a_staff_login_leaves_it_and_the_public_etags_alone(
    roadmap, client, api, analyst, moved_on
):
    # A login writes last_login, which no API shows: anonymous readers must not be able to watch
    # staff log in through the summary's ETag and Last-Modified.
    before = api.get("/api/v1/summary/")

    with moved_on(expect=False):
        response = client.post(
            reverse("admin:login"),
            {"username": analyst.username, "password": "correct horse battery staple"},
        )
    after = api.get("/api/v1/summary/")

    assert response.status_code == 302
    assert (after["ETag"], after["Last-Modified"]) == (before["ETag"], before["Last-Modified"])

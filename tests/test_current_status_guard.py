"""A commitment's current status is only ever what its approved history says, down to the
database (issue 22, point 3): during a deploy an older release, still serving against the
migrated schema, wrote the status of an update nobody had approved. Whoever writes it now, the
database refuses a current status that is not that of the newest standing update."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from commitments.migration_sql import current_status_reviewed, run
from commitments.models import Commitment, Review, StatusUpdate
from commitments.services import approve_or_return
from tests.factories import CommitmentFactory
from tests.helpers import current

pytestmark = pytest.mark.django_db

REFUSED = "current status is that of its newest approved status update"
JAN, FEB, MAR = datetime.date(2024, 1, 15), datetime.date(2024, 2, 15), datetime.date(2024, 3, 15)


def set_current_with_the_orm(commitment, status, progress, as_of):
    Commitment.objects.filter(pk=commitment.pk).update(
        current_status=status,
        current_progress=progress,
        current_as_of=as_of,
        last_approved_at=timezone.now(),
    )


def set_current_with_sql(commitment, status, progress, as_of):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commitments_commitment SET current_status = %s, current_progress = %s,"
            " current_as_of = %s WHERE id = %s",
            [status, progress, as_of, commitment.pk],
        )


WRITERS = [set_current_with_the_orm, set_current_with_sql]


def record_as_the_release_before_review_did(commitment, author, **fields):
    """What the release without review did on POST /api/v1/updates/ (services.record_status_update
    before migration 0011): the update saved, and its status made the commitment's current one
    when it was the newest, in one transaction. Against the migrated schema the update has no
    review: it is pending."""
    with transaction.atomic():
        update = StatusUpdate.objects.create(
            commitment=commitment, author=author, summary="Written by the old release.", **fields
        )
        set_current_with_the_orm(commitment, update.status, update.progress, update.as_of)


@pytest.mark.parametrize("write", WRITERS)
def test_the_database_refuses_the_status_of_a_pending_update(
    commitment, record, review_required, write
):
    pending = record(commitment, status="off_track", progress=20, as_of=FEB)

    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        write(commitment, pending.status, pending.progress, pending.as_of)

    assert current(commitment) == ("not_assessed", None, None)


def test_an_older_release_recording_an_update_is_refused_with_nothing_written(
    commitment, record, review_required, reviewer, analyst
):
    approve_or_return(
        record(commitment, status="discontinued", as_of=JAN), reviewer=reviewer, decision="approve"
    )

    with pytest.raises(IntegrityError, match=REFUSED):
        record_as_the_release_before_review_did(
            commitment, analyst, status="off_track", progress=20, as_of=FEB
        )

    assert current(commitment) == ("discontinued", None, JAN)
    assert StatusUpdate.objects.count() == 1


def test_approving_the_update_still_sets_the_current_status(
    commitment, record, review_required, reviewer
):
    pending = record(commitment, status="off_track", progress=20, as_of=FEB)

    approve_or_return(pending, reviewer=reviewer, decision="approve")

    assert current(commitment) == ("off_track", 20, FEB)


@pytest.mark.parametrize("write", WRITERS)
def test_the_database_refuses_the_status_of_a_returned_update(
    commitment, record, review_required, reviewer, write
):
    returned = record(commitment, status="off_track", progress=20, as_of=FEB)
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")

    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        write(commitment, returned.status, returned.progress, returned.as_of)

    assert current(commitment) == ("not_assessed", None, None)


@pytest.mark.parametrize("write", WRITERS)
def test_the_database_refuses_the_status_of_an_update_an_approved_correction_replaced(
    commitment, record, write
):
    wrong = record(commitment, status="off_track", progress=20, as_of=FEB)
    record(commitment, status="at_risk", progress=30, as_of=FEB, corrects=wrong)

    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        write(commitment, wrong.status, wrong.progress, wrong.as_of)

    assert current(commitment) == ("at_risk", 30, FEB)


def test_the_database_refuses_an_older_approved_status_than_the_newest(commitment, record):
    older = record(commitment, status="off_track", progress=20, as_of=JAN)
    record(commitment, status="on_track", progress=60, as_of=MAR)

    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        set_current_with_the_orm(commitment, older.status, older.progress, older.as_of)

    assert current(commitment) == ("on_track", 60, MAR)


def test_a_commitment_with_an_approved_status_is_never_reset_to_not_assessed(commitment, record):
    record(commitment, status="on_track", progress=60, as_of=MAR)

    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        set_current_with_sql(commitment, "not_assessed", None, None)

    assert current(commitment) == ("on_track", 60, MAR)


def test_a_commitment_is_created_not_assessed_and_never_with_a_status(db):
    assert current(CommitmentFactory()) == ("not_assessed", None, None)

    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        CommitmentFactory(current_status="on_track", current_progress=50, current_as_of=JAN)


def test_the_other_fields_of_a_commitment_are_written_as_before(commitment, record):
    record(commitment, status="on_track", progress=60, as_of=MAR)

    Commitment.objects.filter(pk=commitment.pk).update(title="Renamed")
    commitment.refresh_from_db()
    commitment.save()  # every column again, the current status unchanged

    assert (commitment.title, current(commitment)) == ("Renamed", ("on_track", 60, MAR))


def test_the_migration_gives_a_status_written_without_review_its_approved_one_again(
    commitment, record, review_required, reviewer
):
    approve_or_return(
        record(commitment, status="discontinued", as_of=JAN), reviewer=reviewer, decision="approve"
    )
    pending = record(commitment, status="off_track", progress=20, as_of=FEB)
    migration = importlib.import_module(
        "commitments.migrations.0023_current_status_only_from_approved_updates"
    )
    forward, reverse = current_status_reviewed()
    with connection.cursor() as cursor:
        # The database as an earlier deploy left it (DDL is rolled back with the test, on
        # both databases): no triggers, and the status of a pending update written.
        schema_editor = SimpleNamespace(
            connection=connection, execute=lambda sql, params=None: cursor.execute(sql)
        )
        run(reverse)(apps, schema_editor)
        set_current_with_sql(commitment, pending.status, pending.progress, pending.as_of)
        assert current(commitment) == ("off_track", 20, FEB)

        migration.derive_current_statuses(apps, schema_editor)
        run(forward)(apps, schema_editor)

    assert current(commitment) == ("discontinued", None, JAN)
    assert Review.objects.filter(update=pending).exists() is False

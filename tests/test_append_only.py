"""Status history is append-only down to the database: not even raw SQL rewrites it."""

import pytest
from django.db import DatabaseError, connection, transaction

from commitments.models import StatusUpdate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commitments_statusupdate SET summary = 'rewritten' WHERE id = %s",
        "UPDATE commitments_statusupdate SET status = 'completed', progress = 100 WHERE id = %s",
        "DELETE FROM commitments_statusupdate WHERE id = %s",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_a_status_update(commitment, record, sql):
    update = record(commitment, summary="As recorded.")

    with (
        pytest.raises(DatabaseError, match="status updates are append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [update.pk])

    update.refresh_from_db()
    assert (update.summary, update.status) == ("As recorded.", "on_track")


def test_the_orm_is_refused_too(commitment, record):
    update = record(commitment)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        StatusUpdate.objects.filter(pk=update.pk).update(summary="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        update.delete()

    assert StatusUpdate.objects.filter(pk=update.pk, summary=update.summary).exists()


def test_new_updates_are_still_recorded(commitment, record):
    record(commitment)
    record(commitment)

    assert StatusUpdate.objects.count() == 2

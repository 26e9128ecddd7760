"""Status history is append-only down to the database: not even raw SQL rewrites it."""

import pytest
from django.db import DatabaseError, connection, transaction

from commitments.models import StatusUpdate
from tests.helpers import execute_refused

pytestmark = pytest.mark.django_db

TABLE = StatusUpdate._meta.db_table
COLUMNS = "id, commitment_id, author_id, status, as_of, summary, confidence, created_at"
VALUES = "%s, %s, %s, 'completed', %s, 'Rewritten.', '', %s"


def rewrite(sql, update):
    """Runs an insert of a row with the id of an existing update."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                update.pk,
                update.commitment_id,
                update.author_id,
                update.as_of,
                update.created_at,
            ],
        )


def assert_unchanged(update):
    stored = StatusUpdate.objects.get(pk=update.pk)
    assert (stored.summary, stored.status, StatusUpdate.objects.count()) == (
        update.summary,
        update.status,
        1,
    )


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

    execute_refused(sql, [update.pk], match="status updates are append-only")

    update.refresh_from_db()
    assert (update.summary, update.status) == ("As recorded.", "on_track")


def test_the_orm_is_refused_too(commitment, record, settings):
    # Pending: no review decision protects it, so the delete reaches the database's trigger.
    settings.REVIEW_REQUIRED = True
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


@pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE is SQLite's")
@pytest.mark.parametrize("verb", ["REPLACE INTO", "INSERT OR REPLACE INTO"])
def test_sqlite_refuses_to_replace_a_status_update(commitment, record, verb):
    # REPLACE deletes the row it replaces without firing delete triggers.
    update = record(commitment, summary="As recorded.")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rewrite(f"{verb} {TABLE} ({COLUMNS}) VALUES ({VALUES})", update)

    assert_unchanged(update)


@pytest.mark.parametrize(
    "conflict", ["DO UPDATE SET summary = excluded.summary", "DO UPDATE SET status = 'completed'"]
)
def test_an_upsert_cannot_rewrite_a_status_update(commitment, record, conflict):
    update = record(commitment, summary="As recorded.")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rewrite(
            f"INSERT INTO {TABLE} ({COLUMNS}) VALUES ({VALUES}) ON CONFLICT (id) {conflict}", update
        )

    assert_unchanged(update)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    [
        # Its review decisions refer to it: it can only go with them.
        f"TRUNCATE {TABLE} CASCADE",
        "TRUNCATE commitments_review",
        "TRUNCATE commitments_commitment CASCADE",
    ],
)
def test_postgresql_refuses_to_truncate_the_status_history(commitment, record, statement):
    update = record(commitment, summary="As recorded.")

    with transaction.atomic(), connection.cursor() as cursor:
        # The test run's own connections may truncate (see conftest.py); the app's may not.
        cursor.execute("SET LOCAL roadmap.allow_truncate = off")
        # Checks the test's deferred foreign keys now: PostgreSQL truncates no table that has
        # pending trigger events, which would hide the refusal under test.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
            cursor.execute(statement)

    assert_unchanged(update)

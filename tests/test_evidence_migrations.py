"""The records' own evidence columns, evidence_url and evidence_source: moved into graded
evidence (migrations 0043 and 0046, migration_sql.evidence_from_record_columns) and dropped
(migration 0046), the records append-only before and after. Each test migrates the database
back to 0045, writes records as they were written then, and migrates forward again."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from commitments.models import Contribution, Evidence, IndicatorValue, StatusUpdate
from tests.factories import PartnerFactory
from tests.helpers import empty_every_table_past_the_triggers, execute_refused

# Migrating a SQLite database cannot happen inside a transaction.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("commitments", "0045_dependencies")
RECORD_MODELS = [StatusUpdate, IndicatorValue, Contribution]
REPORT = "https://reliefweb.int/report/q1.pdf"


def migrate(target=None):
    """Migrates the database to `target` (the latest migrations without one)."""
    executor = MigrationExecutor(connection)
    targets = [target] if target else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)


def columns(model):
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, model._meta.db_table)
    return {column.name for column in description}


@pytest.fixture
def old(commitment, analyst):
    """The database as migration 0045 left it, and that state's models: records are written
    with their evidence_url and evidence_source. Migrated forward again after the test."""
    migrate(BEFORE)
    yield MigrationExecutor(connection).loader.project_state([BEFORE]).apps
    migrate()
    if connection.vendor == "sqlite":
        empty_every_table_past_the_triggers()


@pytest.fixture
def older(old, commitment, analyst):
    """Writes a status update of `commitment` as a service of the day did, by the analyst."""

    def older(**fields):
        return old.get_model("commitments", "StatusUpdate").objects.create(
            commitment_id=commitment.pk,
            status="on_track",
            summary="As recorded.",
            author_id=analyst.pk,
            **fields,
        )

    return older


def cited(update):
    """What `update` cites, in order: source, URL, reference, date, grade, marking."""
    return [
        (piece.source, piece.url, piece.reference, piece.date, piece.grade, piece.releasability)
        for piece in StatusUpdate.objects.get(pk=update.pk).cited()
    ]


def test_each_records_url_and_source_become_a_piece_of_evidence_graded_f6(
    old, older, commitment, analyst
):
    first = older(as_of=datetime.date(2024, 3, 1), evidence_url=REPORT)
    same = older(as_of=datetime.date(2024, 2, 1), evidence_url=REPORT)
    titled = older(
        as_of=datetime.date(2024, 4, 1), evidence_url=REPORT, evidence_source="Q1 report"
    )
    members = older(as_of=datetime.date(2024, 4, 1), evidence_url=REPORT, releasability="coalition")
    letter = older(as_of=datetime.date(2024, 5, 1), evidence_source="Ministry letter 17")
    none = older(as_of=datetime.date(2024, 5, 1))
    pledge = old.get_model("commitments", "Contribution").objects.create(
        partner_id=PartnerFactory().pk,
        commitment_id=commitment.pk,
        kind="funds_pledged",
        amount=1000,
        currency="USD",
        date=datetime.date(2024, 6, 1),
        evidence_url=REPORT,
        author_id=analyst.pk,
    )

    migrate()

    from_report = ("reliefweb.int", REPORT, "", datetime.date(2024, 2, 1), "F6", "public")
    assert cited(first) == cited(same) == [from_report]
    assert cited(titled) == [("Q1 report", REPORT, "", datetime.date(2024, 4, 1), "F6", "public")]
    assert cited(members) == [
        ("reliefweb.int", REPORT, "", datetime.date(2024, 4, 1), "F6", "coalition")
    ]
    assert cited(letter) == [
        ("Ministry letter 17", "", "Ministry letter 17", datetime.date(2024, 5, 1), "F6", "public")
    ]
    assert cited(none) == []
    # The same report, public, cited by a contribution: the same piece.
    assert list(Contribution.objects.get(pk=pledge.pk).evidence.all()) == (
        StatusUpdate.objects.get(pk=first.pk).cited()
    )
    assert StatusUpdate.objects.get(pk=first.pk).evidence_cited == 1
    assert Evidence.objects.count() == 4


def test_a_record_written_with_them_after_0043_cites_them_after_its_graded_evidence(
    old, older, analyst
):
    def piece(**fields):
        return old.get_model("commitments", "Evidence").objects.create(
            date=datetime.date(2024, 1, 10), author_id=analyst.pk, **fields
        )

    def cite(update, *pieces):
        citation = old.get_model("commitments", "StatusUpdateEvidence")
        for position, cited_piece in enumerate(pieces):
            citation.objects.create(update_id=update.pk, evidence=cited_piece, position=position)

    # Moved by 0043 already: it cites the piece its columns became.
    moved = older(
        as_of=datetime.date(2024, 3, 1), evidence_url=REPORT, evidence_source="Q1", evidence_cited=1
    )
    cite(moved, piece(source="Q1", url=REPORT, reliability="F", credibility="6"))
    # Recorded since, through the API, with graded evidence and a source of the old kind.
    graded = piece(source="Ministry", reference="Letter 9", reliability="B", credibility="2")
    since = older(
        as_of=datetime.date(2024, 4, 1), evidence_source="Field visit notes", evidence_cited=1
    )
    cite(since, graded)

    migrate()

    assert cited(moved) == [("Q1", REPORT, "", datetime.date(2024, 1, 10), "F6", "public")]
    assert cited(since) == [
        ("Ministry", "", "Letter 9", datetime.date(2024, 1, 10), "B2", "public"),
        (
            "Field visit notes",
            "",
            "Field visit notes",
            datetime.date(2024, 4, 1),
            "F6",
            "public",
        ),
    ]
    assert StatusUpdate.objects.get(pk=since.pk).evidence_cited == 2
    assert Evidence.objects.count() == 3


@pytest.mark.usefixtures("old")
def test_the_columns_are_dropped_from_every_record_and_come_back_blank_when_migrated_back():
    before = {model: columns(model) for model in RECORD_MODELS}

    migrate()

    for model in RECORD_MODELS:
        assert {"evidence_url", "evidence_source"} <= before[model]
        assert columns(model) == before[model] - {"evidence_url", "evidence_source"}


@pytest.mark.parametrize("direction", ["forward", "back"])
def test_the_records_refuse_an_update_or_a_delete_after_migrating_either_way(
    old, older, commitment, analyst, hum1_indicator, direction
):
    update = older(as_of=datetime.date(2024, 3, 1), evidence_url=REPORT)
    value = old.get_model("commitments", "IndicatorValue").objects.create(
        indicator_id=hum1_indicator.pk, value=5, as_of=datetime.date(2024, 1, 15),
        evidence_source="Ministry letter", author_id=analyst.pk,
    )  # fmt: skip
    contribution = old.get_model("commitments", "Contribution").objects.create(
        partner_id=PartnerFactory().pk, commitment_id=commitment.pk, kind="training", count=1,
        unit="courses", date=datetime.date(2024, 1, 15), author_id=analyst.pk,
    )  # fmt: skip

    migrate()
    if direction == "back":
        migrate(BEFORE)

    for model, pk in [
        (StatusUpdate, update.pk),
        (IndicatorValue, value.pk),
        (Contribution, contribution.pk),
    ]:
        table = model._meta.db_table
        for sql in [
            f"UPDATE {table} SET created_at = created_at WHERE id = %s",
            f"UPDATE {table} SET releasability = 'public' WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ]:
            execute_refused(sql, [pk], match="append-only")
    if direction == "forward":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            StatusUpdate.objects.filter(pk=update.pk).update(evidence_cited=0)

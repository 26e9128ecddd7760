"""A read compiled once (selectors.raw_sql.CompiledOnce) gives, for each id, exactly what its
queryset gives, converted as the ORM converts it, on either database; a statement prepared
once per connection (execute_prepared) gives what the statement gives."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from commitments.models import Commitment, StatusUpdate
from commitments.selectors.raw_sql import PREPARED_PER_CONNECTION, CompiledOnce, execute_prepared
from tests.conftest import at

pytestmark = pytest.mark.django_db


def updates_of(pk):
    # Dates, times, a joined column and an annotation with a subquery: what needs converting.
    return (
        StatusUpdate.objects.for_display()
        .filter(commitment=pk)
        .values("id", "as_of", "created_at", "commitment__code", "corrected_by_id")
    )


def test_a_read_compiled_once_gives_what_its_queryset_gives_for_each_id(roadmap, record):
    commitments = list(Commitment.objects.order_by("code")[:3])
    for day, commitment in enumerate(commitments[:2], start=1):
        first = record(commitment, as_of=datetime.date(2024, 1, day))
        record(commitment, as_of=datetime.date(2024, 1, day), corrects=first)
    read = CompiledOnce(updates_of)

    for commitment in commitments:
        assert read(commitment.pk) == list(updates_of(commitment.pk))
    assert [len(read(commitment.pk)) for commitment in commitments] == [2, 2, 0]
    assert isinstance(read(commitments[0].pk)[0]["created_at"], datetime.datetime)


def test_a_read_that_names_a_day_is_compiled_again_the_next_day(roadmap, record):
    commitment = Commitment.objects.order_by("code").first()
    update = record(commitment, as_of=datetime.date(2024, 1, 1))

    def recorded_by_today(pk):
        today = datetime.datetime.combine(timezone.localdate(), datetime.time.max, datetime.UTC)
        return StatusUpdate.objects.filter(commitment=pk, created_at__lte=today).values("id")

    read = CompiledOnce(recorded_by_today)
    with at(update.created_at - datetime.timedelta(days=1)):
        assert read(commitment.pk) == []
    assert read(commitment.pk) == [{"id": update.pk}]


def test_a_read_that_is_not_of_the_id_it_is_given_is_refused(roadmap):
    with pytest.raises(ValueError, match="filters by the id"):
        CompiledOnce(lambda pk: StatusUpdate.objects.values("id"))(1)


def test_a_read_by_a_code_is_compiled_once_with_a_mark_of_its_kind(roadmap):
    def by_code(code):
        return Commitment.objects.filter(code=code).values("id", "code")

    read = CompiledOnce(by_code, mark="-a-code-no-commitment-has-")
    for commitment in Commitment.objects.order_by("code")[:2]:
        assert read(commitment.code) == [{"id": commitment.pk, "code": commitment.code}]
    assert read("NO-SUCH-CODE") == []


def statement(cursor, sql, params=()):
    execute_prepared(cursor, sql, params)
    return cursor.fetchall()


def test_a_prepared_statement_gives_what_the_statement_gives_on_each_connection(roadmap):
    codes = "SELECT code FROM commitments_commitment WHERE id = %s AND code LIKE '%%-%%'"
    commitment = Commitment.objects.order_by("code").first()
    with connection.cursor() as cursor:
        cursor.execute(codes, [commitment.pk])
        expected = cursor.fetchall()
        assert expected == [(commitment.code,)]
        # Prepared the first time, executed by name the next (with other values).
        assert statement(cursor, codes, [commitment.pk]) == expected
        assert statement(cursor, codes, [commitment.pk]) == expected
        assert statement(cursor, codes, [-1]) == []
        # Without parameters, a percent sign is written as Django writes it all the same.
        for _ in range(2):
            assert statement(cursor, "SELECT '100%%'") == [("100%",)]


def test_statements_beyond_the_number_kept_are_prepared_again(roadmap):
    with connection.cursor() as cursor:
        for round_ in range(2):
            for number in range(PREPARED_PER_CONNECTION + 3):
                assert statement(cursor, f"SELECT {number} + %s", [round_]) == [(number + round_,)]

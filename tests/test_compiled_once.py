"""A read compiled once (selectors.raw_sql.CompiledOnce) gives, for each id, exactly what its
queryset gives, converted as the ORM converts it, on either database."""

import datetime

import pytest
from django.utils import timezone

from commitments.models import Commitment, StatusUpdate
from commitments.selectors.raw_sql import CompiledOnce
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

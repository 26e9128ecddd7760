"""The whole feed, paged by its cursor alone, is read by SQL compiled once
(pagination.PagesCompiledOnce): its pages are the very pages the ORM reads for a feed that is
filtered (and so built per request), forward and back, past updates recorded at the same moment
(cursors with an offset), on either database."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.api.pagination import PagesCompiledOnce
from commitments.api.updates import WHOLE_FEED
from commitments.services import approve_or_return
from tests.conftest import at
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

FEED = "/api/v1/updates/"
# A filter that leaves no update out, for the feed the ORM reads.
EVERYTHING = {"since": "2000-01-01T00:00:00Z"}


def walk(api, params):
    """The results of every page, following `next` to the end, then `previous` back."""
    pages, answer = [], api.get(FEED, params).json()
    pages.append(answer["results"])
    while answer["next"]:
        answer = api.get(answer["next"]).json()
        pages.append(answer["results"])
    while answer["previous"]:
        answer = api.get(answer["previous"]).json()
        pages.append(answer["results"])
    return pages


@pytest.fixture
def feed(db, record, reviewer):
    """Ten approved updates, five of them recorded at one moment, one a correction."""
    first, second = CommitmentFactory(), CommitmentFactory()
    start = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    for minute in range(4):
        with at(start + datetime.timedelta(minutes=minute)):
            record(first, summary=f"minute {minute}")
    with at(start + datetime.timedelta(hours=1)):
        tied = [record(second, summary=f"tied {n}") for n in range(5)]
    with at(start + datetime.timedelta(hours=2)):
        record(second, summary="corrects the first tied", corrects=tied[0])
    return {"first": first, "second": second}


@pytest.mark.parametrize("page_size", [2, 3, 50])
def test_the_whole_feed_pages_as_the_orm_reads_it(api, feed, page_size):
    compiled = walk(api, {"page_size": page_size})

    assert compiled == walk(api, {"page_size": page_size, **EVERYTHING})
    assert len({update["id"] for page in compiled for update in page}) == 10
    assert WHOLE_FEED._compiled  # it was the compiled read


def test_a_pending_update_stays_out_of_the_whole_feed_even_for_staff(
    api, feed, record, review_required, reviewer
):
    pending = record(feed["first"], summary="waits for review")
    api.force_authenticate(reviewer)

    listed = [update["id"] for update in api.get(FEED).json()["results"]]

    assert pending.pk not in listed
    approve_or_return(pending, reviewer=reviewer, decision="approve")
    assert api.get(FEED).json()["results"][0]["id"] == pending.pk


def test_the_whole_feed_takes_no_more_queries_than_a_filtered_one(api, feed):
    api.get(FEED)  # the SQL compiled, the version read once
    with CaptureQueriesContext(connection) as whole:
        api.get(FEED, {"page_size": 3})
    with CaptureQueriesContext(connection) as filtered:
        api.get(FEED, {"page_size": 3, **EVERYTHING})

    assert len(whole) <= len(filtered)


def test_a_page_read_compiled_once_is_compiled_again_for_another_shape_only(feed):
    reads = PagesCompiledOnce(WHOLE_FEED._build)
    ordering = ("-created_at", "-id")
    first = reads.order_by(*ordering)[0:3]
    position = first[-1]["created_at"]

    assert reads.order_by(*ordering).filter(created_at__lt=position)[0:3] == list(
        WHOLE_FEED._build().order_by(*ordering).filter(created_at__lt=position)[0:3]
    )
    reads.order_by(*ordering).filter(created_at__lt=first[0]["created_at"])[0:3]
    assert len(reads._compiled) == 2


def test_the_shapes_kept_are_bounded(feed):
    reads = PagesCompiledOnce(WHOLE_FEED._build)
    for size in range(1, PagesCompiledOnce.KEPT + 10):
        assert len(reads.order_by("-created_at", "-id")[0:size]) == min(size, 10)
    assert len(reads._compiled) <= PagesCompiledOnce.KEPT

"""The commitment list filtered by pillar or status alone is read by SQL compiled once for
each shape (pagination.FilteredCompiledOnce) and its values checked without the filter set
(CommitmentFilter.quick_values): its pages and counts are those the filter set and the ORM
give, and a bad value is still the filter set's 400, on either database."""

import itertools

import pytest

from commitments.api.commitments import LIST_FILTERED
from commitments.models import Commitment, Status
from tests.factories import CommitmentFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
# A parameter that leaves the list as it is, for the list the filter set and the ORM read.
THROUGH_THE_FILTER_SET = {"ordering": ""}


@pytest.fixture
def assessed(roadmap, record):
    """Military commitments in several statuses, more than a small page of each."""
    military = Commitment.objects.get(code="MIL-1")
    extra = CommitmentFactory.create_batch(
        12, pillar=military.pillar, source_document=military.source_document
    )
    statuses = itertools.cycle([Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK])
    for commitment in [*Commitment.objects.exclude(pillar__slug="political")[:10], *extra]:
        record(commitment, status=next(statuses))


def pages(api, params):
    """The results of every page and the count, following `next` to the end."""
    answer = api.get(LIST, params).json()
    results, count = [answer["results"]], answer["count"]
    while answer["next"]:
        answer = api.get(answer["next"]).json()
        results.append(answer["results"])
    return results, count


@pytest.mark.parametrize(
    "filters",
    [
        {"pillar": "military"},
        {"status": "on_track"},
        {"status": "not_assessed"},
        {"pillar": "military", "status": "at_risk"},
        {"pillar": ["military", "political"]},
        {"pillar": "military", "status": ["off_track", "on_track"]},
        {"pillar": ["military", "military"], "status": "on_track"},
        {"pillar": "political", "status": "at_risk"},
    ],
)
@pytest.mark.parametrize("page_size", [2, 50])
def test_a_list_filtered_by_pillar_or_status_reads_as_the_filter_set_does(
    api, assessed, filters, page_size
):
    LIST_FILTERED._compiled = {}
    compiled, count = pages(api, {**filters, "page_size": page_size})

    assert (compiled, count) == pages(
        api, {**filters, "page_size": page_size, **THROUGH_THE_FILTER_SET}
    )
    assert LIST_FILTERED._compiled  # it was the compiled read
    assert count == sum(len(page) for page in compiled)


def test_the_same_shape_reads_other_values_with_its_compiled_sql(api, assessed):
    for status in (Status.ON_TRACK, Status.AT_RISK):
        answer = api.get(LIST, {"pillar": "military", "status": status}).json()

        codes = [commitment["code"] for commitment in answer["results"]]
        assert codes == list(
            Commitment.objects.filter(pillar__slug="military", current_status=status)
            .order_by("source_document", "paragraph", "code")
            .values_list("code", flat=True)
        )
    assert len([key for key in LIST_FILTERED._compiled if key[3] == "count"]) >= 1


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("pillar=military&pillar=navy", "pillar", "navy"),
        ("pillar=", "pillar", ""),
        ("status=on_track&status=great", "status", "great"),
        ("status=", "status", ""),
    ],
)
def test_a_bad_value_beside_good_ones_is_the_filter_sets_400(api, roadmap, query, field, message):
    response = api.get(f"{LIST}?{query}")

    assert response.status_code == 400
    assert refusal(response) == {
        field: [f"Select a valid choice. {message} is not one of the available choices."]
    }

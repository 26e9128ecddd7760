"""The dashboard at scale: it reads a page of commitments and the summary of the filtered set,
never every commitment. Its first view takes at most 5 API requests, a filter change 2 (3 when
it brings the trend chart into view, tests/test_dashboard_trends.py), a sort or a page 1; the
table is sorted and paged by the API."""

import re

import pytest

from commitments.models import Commitment
from tests.browser import (
    api_codes,
    api_requests,
    pick,
    read_api,
    shown_codes,
    wait_for_results,
    wait_until_drawn,
)
from tests.factories import CommitmentFactory
from tests.scenario import record_illustrative_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def many(roadmap, analyst):
    """The Roadmap and 40 more military commitments: 69, two pages of the table."""
    record_illustrative_history(analyst)
    mil = Commitment.objects.get(code="MIL-1")
    CommitmentFactory.create_batch(40, pillar=mil.pillar, source_document=mil.source_document)


def test_the_first_view_takes_5_api_requests_and_reads_one_page(page, many):
    requests = api_requests(page)

    page.goto("/")
    wait_until_drawn(page)
    page.wait_for_load_state("networkidle")

    assert sorted(requests) == [
        "commitments/?page_size=50",
        "places/",
        "statuses/",
        "summary/",
        "updates/?page_size=8",
    ]
    assert shown_codes(page) == api_codes("commitments/?page_size=50")
    assert page.locator("main").get_attribute("data-state") == "ready"
    assert page.locator("#commitments h2").inner_text() == "Commitments (69)"


def test_a_filter_change_takes_2_api_requests_and_a_third_for_the_trend_it_shows(page, many):
    page.goto("/")
    wait_until_drawn(page)
    page.wait_for_load_state("networkidle")
    requests = api_requests(page)

    pick(page, "#filter-pillar", "military", "?pillar=military")
    wait_for_results(page)
    page.wait_for_load_state("networkidle")

    # One pillar's row is short: the trend chart comes into view, and is read then.
    assert sorted(requests) == [
        "commitments/?pillar=military&page_size=50",
        "summary/?pillar=military",
        "summary/timeline/?pillar=military&interval=month",
    ]
    summary = read_api("summary/?pillar=military")
    assert page.locator("[data-total=commitments]").inner_text() == str(summary["total"])
    assert page.locator("#pillars tbody tr").count() == 1


def test_a_column_header_sorts_the_table_through_the_api(page, many):
    page.goto("/?pillar=military")
    wait_until_drawn(page)
    page.wait_for_load_state("networkidle")
    requests = api_requests(page)

    title = page.locator("th:has(button[data-ordering=title])")
    # A first click sorts by title, a second the other way round.
    for ordering, sort in [("title", "ascending"), ("-title", "descending")]:
        page.click("th >> button[data-ordering=title]")
        page.wait_for_url(re.compile(rf"\?pillar=military&ordering={ordering}$"))
        wait_for_results(page)
        assert shown_codes(page) == api_codes(f"commitments/?pillar=military&ordering={ordering}")
        assert title.get_attribute("aria-sort") == sort
    # A sort reads a page, not the summary: the counts have not changed.
    assert requests == [
        "commitments/?pillar=military&ordering=title&page_size=50",
        "commitments/?pillar=military&ordering=-title&page_size=50",
    ]


def test_the_next_page_comes_from_the_api_and_back_returns(page, many):
    page.goto("/?ordering=-progress")
    wait_until_drawn(page)
    page.wait_for_load_state("networkidle")
    first = shown_codes(page)
    requests = api_requests(page)

    page.click("#commitments nav >> text=Next page")
    page.wait_for_url(re.compile(r"\?ordering=-progress&page=2$"))
    wait_for_results(page)

    assert shown_codes(page) == api_codes("commitments/?ordering=-progress&page=2")
    assert "Page 2 of 2" in page.locator("#commitments nav").inner_text()
    assert page.locator("#commitments nav >> text=Next page").count() == 0
    assert requests == ["commitments/?ordering=-progress&page=2&page_size=50"]
    page.go_back()
    page.wait_for_url(re.compile(r"\?ordering=-progress$"))
    wait_for_results(page)
    assert shown_codes(page) == first


def test_a_filter_change_goes_back_to_the_first_page(page, many):
    page.goto("/?page=2")
    wait_until_drawn(page)

    pick(page, "#filter-stale", "true", "/?stale=true")
    wait_for_results(page)
    assert shown_codes(page) == api_codes("commitments/?stale=true")


def test_a_page_that_no_longer_exists_shows_the_first(page, many):
    page.goto("/?page=9")
    wait_until_drawn(page)

    assert page.url.endswith("/")
    assert shown_codes(page) == api_codes("commitments/")
    assert "Page 1 of 2" in page.locator("#commitments nav").inner_text()
    # The API's 404 for page 9 is the point of this test.
    page.problems.items = [item for item in page.problems.items if "404" not in item]

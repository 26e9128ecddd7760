"""The dashboard over time, in a real browser: the trend chart shows the numbers of
summary/timeline/ for the overview's filters, read only once it is scrolled into view, and a
date in "Highlight changes since" marks the commitments changes/ lists, in words, with its
counts in a line, kept in the URL."""

import datetime
import re

import pytest
from django.utils import timezone

from commitments.models import Commitment
from tests.browser import api_requests, pick, read_api, wait_for_results, wait_until_drawn
from tests.scenario import record_illustrative_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(roadmap, analyst):
    """The illustrative history, its commitments created before its first assessment (the
    Roadmap as the tests load it was created today, and a commitment counts from its
    creation)."""
    Commitment.objects.update(created_at=timezone.now() - datetime.timedelta(days=600))
    record_illustrative_history(analyst)


def shown_trend(page):
    """The trend's text alternative, opened as a reader would: date -> its numbers."""
    page.click("#trend summary")
    rows = page.locator("#trend tbody tr").evaluate_all(
        """rows => rows.map(row => [row.dataset.date, {
            by_status: Object.fromEntries([...row.querySelectorAll("[data-status]")].map(
                cell => [cell.dataset.status, Number(cell.textContent)])),
            total: Number(row.querySelector("[data-count=total]").textContent),
            progress: row.querySelector("[data-count=progress]").textContent,
        }])"""
    )
    return dict(rows)


def expected_trend(timeline):
    return {
        point["date"]: {
            "by_status": point["by_status"],
            "total": point["total"],
            "progress": "—"
            if point["average_progress"] is None
            else f"{point['average_progress']:g}%",
        }
        for point in timeline["points"]
    }


def test_the_trend_shows_the_timeline_of_the_filters_once_in_view(page, history):
    requests = api_requests(page)
    page.goto("/")
    wait_until_drawn(page)
    page.wait_for_load_state("networkidle")
    assert len(requests) == 5  # the trend, below the fold, is not read yet

    # One pillar: its row is short, the trend comes into view and is read with the view.
    del requests[:]
    pick(page, "#filter-pillar", "military", "?pillar=military")
    page.wait_for_selector("#trend[data-state=ready]")
    assert sorted(requests) == [
        "commitments/?pillar=military&page_size=50",
        "summary/?pillar=military",
        "summary/timeline/?pillar=military&interval=month",
    ]
    assert shown_trend(page) == expected_trend(
        read_api("summary/timeline/?pillar=military&interval=month")
    )
    svg = page.locator("#trend svg")
    assert svg.get_attribute("aria-labelledby") == "trend-svg-title trend-svg-desc"
    assert svg.locator("rect.segment").count() > 0

    # A status says nothing of past dates: the trend stays as it is.
    del requests[:]
    pick(page, "#filter-status", "on_track", "?pillar=military&status=on_track")
    wait_for_results(page)
    assert sorted(requests) == [
        "commitments/?pillar=military&status=on_track&page_size=50",
        "summary/?pillar=military&status=on_track",
    ]

    # Another interval reads the timeline again, and nothing else.
    del requests[:]
    pick(page, "#trend-interval", "quarter", "?pillar=military&status=on_track&interval=quarter")
    page.wait_for_selector("#trend[aria-busy=false]")
    assert requests == ["summary/timeline/?pillar=military&interval=quarter"]
    assert shown_trend(page) == expected_trend(
        read_api("summary/timeline/?pillar=military&interval=quarter")
    )


def test_since_a_date_the_changed_commitments_are_marked_in_words_and_counted(page, history):
    since = (timezone.localdate() - datetime.timedelta(days=60)).isoformat()
    page.goto("/")
    wait_until_drawn(page)
    page.wait_for_load_state("networkidle")
    requests = api_requests(page)

    page.fill("#filter-since", since)
    page.wait_for_url(re.compile(rf"/\?since={since}$"))
    page.wait_for_selector("#since-summary[data-state=ready]")

    changes = read_api(f"changes/?from={since}")
    assert requests == [f"changes/?from={since}"]  # the table and the counts stay as they are
    marked = page.locator("#commitments tr.changed").evaluate_all(
        """rows => rows.map(row => {
            const badge = row.querySelector(".change-badge");
            return [row.dataset.code, badge.dataset.change, badge.textContent];
        })"""
    )
    assert sorted(code for code, _, _ in marked) == sorted(c["code"] for c in changes["changes"])
    moved = {change["code"]: change for change in changes["changes"]}
    for code, change, words in marked:
        assert change == moved[code]["change"]
        if change in ("improved", "worsened", "newly_assessed"):
            before, after = moved[code]["before"], moved[code]["after"]
            assert f"{before['status_label']} → {after['status_label']}" in words
    labels = {change["change"]: change["change_label"] for change in changes["changes"]}
    counts = ", ".join(
        f"{count} {labels[change].lower()}"
        for change, count in changes["summary"]["by_change"].items()
        if count
    )
    line = page.locator("#since-summary").inner_text()
    assert re.fullmatch(
        rf"Since [^:]+: {counts}\. Changed commitments are marked in the table\.", line
    )
    assert {"improved", "worsened", "newly_assessed"} <= {change for _, change, _ in marked}

    page.fill("#filter-since", "")
    page.wait_for_url(re.compile(r"/$"))
    wait_for_results(page)
    assert page.locator("#commitments tr.changed").count() == 0
    assert page.locator("#since-summary").is_hidden()
    assert requests == [f"changes/?from={since}"]  # clearing asks for nothing

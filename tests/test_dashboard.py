"""The dashboard in a real browser: it shows what the API says, filters through the URL,
shows a commitment's history, never runs analyst text as HTML, and says plainly when there is
nothing to show or the API cannot be reached."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from commitments.models import Commitment, DataVersion
from commitments.services import approve_or_return
from tests.browser import api_codes, pick, read_api, shown_codes, wait_for_results, wait_until_drawn
from tests.scenario import record_illustrative_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(roadmap, analyst):
    record_illustrative_history(analyst)


def text(page, selector):
    return page.locator(selector).inner_text().strip()


def test_the_overview_shows_the_numbers_of_the_api(page, history):
    summary = read_api("summary/")

    page.goto("/")
    wait_until_drawn(page)

    assert text(page, "[data-total=commitments]") == str(summary["total"])
    assert text(page, "[data-total=attention]") == str(
        summary["by_status"]["at_risk"] + summary["by_status"]["off_track"]
    )
    assert text(page, "[data-total=stale]") == str(summary["stale"])
    assert text(page, "[data-total=progress]") == f"{summary['average_progress']}%"
    for pillar in summary["pillars"]:
        row = page.locator(f"tr[data-pillar={pillar['slug']}]")
        counts = pillar["commitments"]
        assert row.locator("[data-count=total]").inner_text() == f"{counts['total']} commitments"
        assert row.locator("[data-count=stale]").inner_text() == str(counts["stale"])
        assert row.locator("[data-count=progress]").inner_text() == (
            "—" if counts["average_progress"] is None else f"{counts['average_progress']:g}%"
        )
        segments = row.locator(".stacked-bar .segment").all_inner_texts()
        assert sorted(map(int, segments)) == sorted(n for n in counts["by_status"].values() if n)


def test_needs_attention_counts_off_track_at_risk_and_stale_and_opens_them(page, history):
    summary = read_api("summary/")

    page.goto("/")
    wait_until_drawn(page)

    assert page.locator("#attention li").evaluate_all(
        "items => items.map(item => item.dataset.attention)"
    ) == ["off_track", "at_risk", "stale"]
    assert (
        text(page, "[data-attention=off_track] a")
        == f"{summary['by_status']['off_track']} off track"
    )
    assert text(page, "[data-attention=stale] a").startswith(f"{summary['stale']} stale")
    page.click("[data-attention=at_risk] a")
    page.wait_for_url(re.compile(r"\?status=at_risk$"))
    wait_for_results(page)
    assert shown_codes(page) == api_codes("commitments/?status=at_risk")
    assert page.locator("#filter-status").input_value() == "at_risk"


def test_latest_updates_come_from_the_feed(page, history):
    feed = read_api("updates/?page_size=8")["results"]

    page.goto("/")
    wait_until_drawn(page)

    items = page.locator("#latest li")
    assert items.count() == len(feed)
    assert items.nth(0).locator(".summary").inner_text() == feed[0]["summary"]


def test_filters_change_the_view_and_the_url(page, history):
    page.goto("/")
    wait_until_drawn(page)

    pick(page, "#filter-pillar", "military", "?pillar=military")
    wait_for_results(page)
    assert page.locator("#pillars tbody tr").count() == 1
    assert shown_codes(page) == api_codes("commitments/?pillar=military")

    pick(page, "#filter-place", "syria", "?pillar=military&place=syria")
    expect(page.locator("#commitments tbody tr")).to_have_count(1)

    page.go_back()
    page.wait_for_url(re.compile(r"\?pillar=military$"))
    expect(page.locator("#commitments tbody tr")).to_have_count(3)
    assert page.locator("#filter-place").input_value() == ""


def test_a_shared_link_opens_the_filtered_view(page, history):
    page.goto("/?status=on_track&place=iraq")
    wait_until_drawn(page)

    assert page.locator("#filter-status").input_value() == "on_track"
    assert shown_codes(page) == api_codes("commitments/?status=on_track&place=iraq")
    summary = read_api("summary/?status=on_track&place=iraq")
    assert text(page, "[data-total=commitments]") == str(summary["total"])
    assert page.locator("#totals").get_attribute("aria-label") == (
        "Commitments matching the filters"
    )


def test_a_filter_with_no_match_says_so(page, history):
    page.goto("/?pillar=military&status=completed")
    wait_until_drawn(page)

    assert "No commitment matches these filters." in text(page, "#commitments")
    page.click("text=Clear filters")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#commitments tbody tr")).to_have_count(29)


def test_a_commitment_page_shows_its_text_source_and_history(page, history):
    updates = read_api("commitments/MIL-3/updates/")["results"]

    page.goto("/")
    wait_until_drawn(page)
    page.click("#commitments a:text-is('MIL-3')")
    page.wait_for_url("**/commitments/MIL-3/")
    wait_until_drawn(page)

    assert "These forces will continue to build the capacity" in text(page, "blockquote")
    assert text(page, ".quote figcaption").endswith("Paris Roadmap, paragraph 6")
    assert page.locator(".timeline .summary").all_inner_texts() == [
        update["summary"] for update in updates
    ]
    assert page.locator(".progress-chart circle").count() == 3
    assert text(page, "[data-field=status]") == "On track"
    assert {"NATO", "European Union", "Iraqi Security Forces"} <= set(
        page.locator(".tag-lists li").all_inner_texts()
    )


def test_a_corrected_update_is_marked_superseded_and_its_correction_shows_its_graded_evidence(
    page, roadmap, record, evidence
):
    import datetime

    commitment = Commitment.objects.get(code="MIL-1")
    record(commitment, status="on_track", progress=30, as_of=datetime.date(2024, 1, 15))
    wrong = record(commitment, status="on_track", progress=90, as_of=datetime.date(2024, 3, 1))
    correction = record(
        commitment,
        status="at_risk",
        progress=40,
        as_of=datetime.date(2024, 3, 1),
        summary="Correction: 40%, not 90%.",
        corrects=wrong,
        evidence=[evidence("B2")],
    )

    page.goto("/commitments/MIL-1/")
    wait_until_drawn(page)

    superseded = page.locator(f".timeline li[data-update='{wrong.pk}']")
    assert superseded.get_attribute("class") == "superseded"
    assert f"corrected by a later update (#{correction.pk})" in superseded.inner_text()
    assert f"corrects update #{wrong.pk}" in text(
        page, f".timeline li[data-update='{correction.pk}']"
    )
    assert page.locator(".progress-chart circle").count() == 2  # 30% and 40%, not 90%
    assert text(page, "[data-field=status]") == "At risk"
    grade = page.locator(f".timeline li[data-update='{correction.pk}'] .evidence .grade")
    assert grade.inner_text() == "B2"
    assert grade.get_attribute("aria-label") == (
        "Grade B2: source usually reliable, information probably true"
    )


def test_an_unknown_commitment_says_so(page, roadmap):
    page.goto("/commitments/NOPE-1/")
    wait_until_drawn(page)

    assert "No commitment with code 'NOPE-1'" in text(page, "main")
    page.problems.items.clear()  # the API's 404 is the point of this test


def test_analyst_text_is_shown_as_text_never_run(page, roadmap, record):
    record(
        Commitment.objects.get(code="MIL-1"),
        summary='<script>window.hacked = 1</script><b>bold</b> <img src=x onerror="window.hacked = 2">',
    )

    page.goto("/")
    wait_until_drawn(page)

    summary = page.locator("#latest .summary").first
    assert (
        summary.inner_text()
        == '<script>window.hacked = 1</script><b>bold</b> <img src=x onerror="window.hacked = 2">'
    )
    assert summary.locator("b, script, img").count() == 0
    assert page.evaluate("window.hacked") is None
    page.goto("/commitments/MIL-1/")
    wait_until_drawn(page)
    assert page.locator(".timeline .summary b").count() == 0
    assert page.evaluate("window.hacked") is None


def test_a_roadmap_without_updates_says_every_commitment_is_not_assessed(page, roadmap):
    page.goto("/")
    wait_until_drawn(page)

    assert "No status updates have been recorded yet" in text(page, "#latest")
    assert set(page.locator("#commitments tbody .badge").all_inner_texts()) == {"Not assessed"}
    assert text(page, "[data-total=latest]") == "—"


def test_an_unreachable_api_is_said_plainly_with_a_way_to_retry(page, history):
    page.route("**/api/v1/**", lambda route: route.abort())

    page.goto("/")
    page.wait_for_selector("[role=alert]")

    assert "could not be reached" in text(page, "[role=alert]")
    page.unroute("**/api/v1/**")
    page.problems.items.clear()  # the failed requests are the point of this test
    page.click("text=Try again")
    wait_until_drawn(page)
    assert page.locator("#pillars").is_visible()


def test_with_private_reads_a_visitor_is_asked_to_sign_in_and_a_user_sees_the_roadmap(
    page, history, settings, viewer
):
    settings.ROADMAP_PUBLIC_READ = False

    page.goto("/")
    page.wait_for_selector("[role=alert]")
    assert "signed-in users only" in text(page, "[role=alert]")
    # The API's 401s are the point of this part: all of them, including those of requests still
    # in flight when the alert appeared.
    page.wait_for_load_state("networkidle")
    page.problems.items.clear()

    client = Client()
    client.force_login(viewer)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.url}]
    )
    page.goto("/")
    wait_until_drawn(page)
    assert text(page, "[data-total=commitments]") == "29"


def test_the_filters_work_from_the_keyboard(page, history):
    page.goto("/")
    wait_until_drawn(page)

    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "filter-pillar":
            break
    assert page.evaluate("document.activeElement.id") == "filter-pillar"
    page.keyboard.press("ArrowDown")
    page.wait_for_url(re.compile(r"\?pillar=military$"))


@pytest.mark.parametrize("width", [360, 1920])
def test_the_overview_fits_small_and_large_screens(page, history, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    wait_until_drawn(page)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("#pillars").is_visible()


def test_staff_see_a_link_to_the_admin(page, roadmap, analyst):
    page.goto("/")
    wait_until_drawn(page)
    assert page.locator("nav >> text=Admin").count() == 0

    client = Client()
    client.force_login(analyst)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.url}]
    )
    page.goto("/")
    page.click("nav >> text=Admin")
    page.wait_for_url("**/admin/")


@pytest.mark.screenshot
def test_save_a_screenshot_of_the_overview(page, history):
    from pathlib import Path

    page.set_viewport_size({"width": 1366, "height": 1000})
    page.goto("/")
    wait_until_drawn(page)
    path = Path(__file__).resolve().parents[1] / "docs" / "dashboard.png"
    path.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(path), full_page=False)


def test_the_api_docs_load_under_the_content_security_policy(page, roadmap):
    response = page.goto("/api/v1/docs/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Roadmap Tracker API" in page.locator(".swagger-ui .info .title").inner_text()
    page.click("text=/api/v1/summary/")
    page.wait_for_selector("text=Try it out")


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/commitments/commitment/", "/admin/commitments/statusupdate/add/"]
)
def test_the_admin_works_under_the_content_security_policy(page, roadmap, editor, url):
    client = Client()
    client.force_login(editor)
    page.goto("/")
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.url}]
    )

    page.goto(url)

    assert page.locator("#content").is_visible()


def test_an_open_dashboard_shows_an_approval_on_its_next_load(
    page, roadmap, record, reviewer, review_required
):
    # The data last changed days ago (a quiet week): a browser left to guess how long the
    # responses stay fresh would keep them for hours.
    pending = record(Commitment.objects.get(code="MIL-1"), status="at_risk")
    DataVersion.objects.update(changed_at=timezone.now() - datetime.timedelta(days=7))
    page.goto("/commitments/MIL-1/")
    wait_until_drawn(page)
    assert text(page, "[data-field=status]") == "Not assessed"

    approve_or_return(pending, reviewer=reviewer, decision="approve")
    page.reload()
    wait_until_drawn(page)

    assert text(page, "[data-field=status]") == "At risk"

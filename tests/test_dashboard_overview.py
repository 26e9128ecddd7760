"""The overview's layout and wording in a real browser, measured as a reader sees them: the
commitments table takes the page's width on a laptop, an average progress says how many
commitments it is of, freshness is called freshness (the admin's "review" is approval), not
assessed is hatched apart from the other statuses, and on a phone the trend's labels stay
legible and the Code column stays in view while the table scrolls and sorts."""

import datetime
import itertools
import re

import pytest
from django.utils import timezone

from commitments.models import Commitment
from tests.browser import api_codes, read_api, shown_codes, wait_for_results, wait_until_drawn
from tests.scenario import record_illustrative_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(roadmap, analyst):
    """The illustrative history, its commitments created before its first assessment (a
    commitment counts in the trend from its creation)."""
    Commitment.objects.update(created_at=timezone.now() - datetime.timedelta(days=600))
    record_illustrative_history(analyst)


def text(page, selector):
    return page.locator(selector).inner_text().strip()


def own_words(page):
    """The dashboard's own words on the page (labels, headings, headers, choices), lower case;
    not the analysts' text, which may say anything."""
    return " ".join(
        page.locator(
            "main :is(h1, h2, h3, label, dt, th, option, button, caption, summary)"
        ).all_inner_texts()
    ).lower()


def test_at_1280_the_table_takes_the_full_width_and_a_title_wraps_to_two_lines_at_most(
    page, history
):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    wait_until_drawn(page)

    widths = page.evaluate(
        """() => {
            const inner = (node) => {
                const style = getComputedStyle(node);
                return node.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            };
            const section = document.querySelector("#commitments");
            return {
                content: inner(document.querySelector("main")),
                section: section.getBoundingClientRect().width,
                inSection: inner(section),
                table: document.querySelector("#commitments table").getBoundingClientRect().width,
            };
        }"""
    )
    assert abs(widths["section"] - widths["content"]) <= 1, widths
    assert abs(widths["table"] - widths["inSection"]) <= 1, widths
    # A title's lines: the line boxes of its inline element.
    lines = page.locator("#commitments .title").evaluate_all(
        "titles => titles.map(title => title.getClientRects().length)"
    )
    assert len(lines) == 29
    assert max(lines) <= 2
    # The latest updates follow the table, below it.
    below = page.evaluate(
        """() => document.querySelector("#latest").getBoundingClientRect().top
            >= document.querySelector("#commitments").getBoundingClientRect().bottom"""
    )
    assert below


def test_an_average_progress_says_how_many_commitments_it_is_based_on(page, roadmap, record):
    record(Commitment.objects.get(code="MIL-1"), status="on_track", progress=70)
    record(Commitment.objects.get(code="MIL-2"), status="at_risk")  # assessed, no progress

    page.goto("/")
    wait_until_drawn(page)

    military = page.locator("tr[data-pillar=military]")
    assert military.locator("[data-count=progress]").inner_text() == "70%"
    assert military.locator("[data-count=progress-basis]").inner_text() == "based on 1 of 3"
    assert text(page, "tr[data-pillar=political] [data-count=progress]") == "—"
    assert text(page, "tr[data-pillar=political] [data-count=progress-basis]") == (
        "none of 10 reports a progress"
    )
    assert text(page, "[data-total=progress]") == "70%"
    assert text(page, "[data-total=progress-basis]") == "based on 1 of 29"


def test_every_pillar_says_what_its_average_is_of_as_the_api_counts_it(page, history):
    summary = read_api("summary/")

    page.goto("/")
    wait_until_drawn(page)

    shown = {
        pillar["slug"]: text(page, f"tr[data-pillar={pillar['slug']}] [data-count=progress-basis]")
        for pillar in summary["pillars"]
    }
    assert shown == {
        pillar["slug"]: f"based on {pillar['commitments']['progress_reported']} of "
        f"{pillar['commitments']['total']}"
        for pillar in summary["pillars"]
    }


def test_freshness_is_called_freshness_never_review(page, history):
    page.goto("/")
    wait_until_drawn(page)

    assert text(page, "label[for=filter-stale]") == "Freshness"
    assert "review" not in own_words(page)

    for code in ("MIL-3", "GLB-1"):  # assessed, and never assessed
        commitment = read_api(f"commitments/{code}/")
        page.goto(f"/commitments/{code}/")
        wait_until_drawn(page)
        state = "Stale: needs a new assessment" if commitment["is_stale"] else "Up to date"
        if commitment["as_of"] is None:
            expected = f"{state} (never assessed)"
        else:
            days = (timezone.localdate() - datetime.date.fromisoformat(commitment["as_of"])).days
            expected = f"{state} (last assessed {days} days ago)"
        field = page.locator("[data-field=stale]")
        assert field.inner_text() == expected
        assert field.locator("xpath=preceding-sibling::dt").inner_text() == "Freshness"
        assert "review" not in own_words(page)


def test_not_assessed_is_hatched_and_the_other_statuses_are_plain(page, history):
    page.goto("/")
    wait_until_drawn(page)

    backgrounds = page.locator("#commitments tbody .badge").evaluate_all(
        """badges => badges.map(badge => [
            badge.className.match(/status-(\\w+)/)[1],
            getComputedStyle(badge).backgroundImage.startsWith("repeating-linear-gradient"),
        ])"""
    )
    hatched = {status for status, is_hatched in backgrounds if is_hatched}
    plain = {status for status, is_hatched in backgrounds if not is_hatched}
    assert hatched == {"not_assessed"}
    assert {"on_track", "at_risk", "off_track"} <= plain


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def test_at_390_the_trend_labels_are_at_least_10_px_and_do_not_overlap(phone, history):
    phone.goto("/")
    wait_until_drawn(phone)
    phone.locator("#trend").scroll_into_view_if_needed()
    phone.wait_for_selector("#trend[data-state=ready]")

    sizes = phone.evaluate(
        """() => {
            const chart = document.querySelector("#trend svg");
            const scale = chart.getBoundingClientRect().width / chart.viewBox.baseVal.width;
            return [...chart.querySelectorAll(".axis-label")].map(
                label => parseFloat(getComputedStyle(label).fontSize) * scale);
        }"""
    )
    assert len(sizes) >= 6  # both scales' ends and some intervals
    assert min(sizes) >= 10, sizes
    # The intervals' labels, under the bars, left to right: each ends before the next begins.
    boxes = phone.locator("#trend svg text[text-anchor=middle]").evaluate_all(
        "labels => labels.map(label => label.getBoundingClientRect()).map(box => [box.left, box.right])"
    )
    assert len(boxes) >= 2
    assert all(left[1] <= right[0] for left, right in itertools.pairwise(boxes)), boxes
    # Not assessed is hatched in the chart as in the table.
    fills = phone.locator("#trend rect.segment.status-not_assessed").evaluate_all(
        "rects => rects.map(rect => rect.style.fill)"
    )
    assert fills
    assert set(fills) == {'url("#trend-hatch-not_assessed")'}


CODE_IN_VIEW = """() => {
    const box = document.querySelector("#commitments .table-scroll").getBoundingClientRect();
    return [...document.querySelectorAll("#commitments tr > :first-child")].every(cell => {
        const at = cell.getBoundingClientRect();
        return Math.abs(at.left - box.left) <= 1 && at.right <= box.right;
    });
}"""


def test_at_390_the_code_column_stays_in_view_when_the_table_scrolls_and_sorts(phone, history):
    phone.goto("/")
    wait_until_drawn(phone)
    table = phone.locator("#commitments .table-scroll")
    assert table.evaluate("scroller => scroller.scrollWidth > scroller.clientWidth")

    table.evaluate("scroller => { scroller.scrollLeft = scroller.scrollWidth; }")
    assert table.evaluate("scroller => scroller.scrollLeft") > 0
    assert phone.evaluate(CODE_IN_VIEW)

    phone.click("#commitments .sort[data-ordering=progress]")
    phone.wait_for_url(re.compile(r"\?ordering=progress$"))
    wait_for_results(phone)

    assert shown_codes(phone) == api_codes("commitments/?ordering=progress&page_size=50")
    # Still scrolled to the column just sorted, its button focused, and Code beside it.
    assert table.evaluate("scroller => scroller.scrollLeft") > 0
    assert phone.evaluate("document.activeElement.dataset.ordering") == "progress"
    assert phone.evaluate(CODE_IN_VIEW)
    assert phone.locator("#commitments thead th:first-child").is_visible()

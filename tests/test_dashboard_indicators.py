"""A commitment's page shows its indicators as the API gives them: baseline, latest approved
value and target in the API's words, the computed progress, the baseline's source sentence,
and a small chart whose table lists the figures charted."""

import datetime
from decimal import Decimal

import pytest

from commitments.models import Commitment, Indicator
from commitments.services import approve_or_return, record_indicator_value
from tests.browser import api_requests, read_api, wait_until_drawn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tick_labels(chart):
    """The dates along a chart's date axis, left to right, checked to be in that order."""
    ticks = chart.locator(".date-axis .tick-label")
    places = ticks.evaluate_all("labels => labels.map(label => Number(label.getAttribute('x')))")
    assert places == sorted(places)
    return ticks.all_text_contents()


def test_a_commitment_page_shows_its_indicators_in_the_apis_words_with_a_chart(
    page, roadmap, analyst, reviewer, review_required
):
    # HUM-1's shipped indicator (approximately US$20 billion in 2019), given a target.
    indicator = Indicator.objects.get(commitment__code="HUM-1")
    Indicator.objects.filter(pk=indicator.pk).update(target_value=Decimal("30000000000"))
    for as_of, value, qualifier in [
        (datetime.date(2022, 12, 31), "22000000000", "more_than"),
        (datetime.date(2024, 1, 15), "25000000000", "approximately"),
    ]:
        observation = latest = record_indicator_value(
            indicator=indicator,
            author=analyst,
            value=Decimal(value),
            qualifier=qualifier,
            as_of=as_of,
        )
        approve_or_return(observation, reviewer=reviewer, decision="approve")
    # Pending: neither the latest value nor charted.
    record_indicator_value(
        indicator=indicator,
        author=analyst,
        value=Decimal("29000000000"),
        as_of=datetime.date(2024, 6, 1),
    )
    # A correction of the latest, pending: it replaces nothing until approved (issue 22).
    record_indicator_value(
        indicator=indicator,
        author=analyst,
        value=Decimal("24000000000"),
        as_of=datetime.date(2024, 1, 15),
        corrects=latest,
    )
    source = read_api("commitments/HUM-1/")["source"]
    shown = read_api(f"indicators/{indicator.pk}/")
    values = read_api(f"indicators/{indicator.pk}/values/")["results"]
    requests = api_requests(page)

    page.goto("/commitments/HUM-1/")
    wait_until_drawn(page)

    card = page.locator(f"#indicators [data-indicator='{indicator.pk}']")
    figures = {
        field: card.locator(f"[data-figure={field}]").inner_text()
        for field in ("baseline", "latest", "target", "progress")
    }
    assert figures == {
        "baseline": f"{shown['baseline']['phrase']} (25 Jun 2019)",
        "latest": f"{shown['latest_phrase']} (15 Jan 2024)",
        "target": shown["target"]["phrase"],
        "progress": f"{float(shown['progress']):g}% of the way from the baseline to the target",
    }
    assert shown["baseline"]["phrase"].startswith("approximately ")
    assert shown["progress"] == "50.0"
    assert card.locator(".baseline-quote figcaption").inner_text() == (
        f"{source['title']}, paragraph 2"
    )
    assert card.locator(".baseline-quote blockquote").inner_text() == shown["baseline"]["quote"]
    assert card.locator(".indicator-values tbody tr").all_inner_texts() == [
        "Baseline\t25 Jun 2019\t20,000,000,000\t" + shown["baseline"]["phrase"],
        "Value\t31 Dec 2022\t22,000,000,000\t" + values[1]["phrase"],
        "Value\t15 Jan 2024\t25,000,000,000\t" + values[0]["phrase"],
        "Target\t—\t30,000,000,000\t" + shown["target"]["phrase"],
    ]
    assert card.locator("svg.indicator-chart circle").count() == 3
    # A date axis: June 2019 to January 2024, a tick a year.
    assert tick_labels(card.locator("svg.indicator-chart")) == [
        "2020",
        "2021",
        "2022",
        "2023",
        "2024",
    ]
    assert card.locator("svg.indicator-chart .target-line").count() == 1
    # The statuses, the commitment (which embeds its indicators), its history, its
    # contributions, and the values of the one indicator with an approved value to chart.
    assert sorted(requests) == sorted(
        [
            "statuses/",
            "commitments/HUM-1/",
            "commitments/HUM-1/updates/?page_size=200",
            "contributions/?commitment=HUM-1&page_size=200",
            f"indicators/{indicator.pk}/values/",
        ]
    )


def test_the_assessed_progress_and_the_indicators_progress_are_labelled_apart(
    page, roadmap, record_approved, observe, reviewer, review_required
):
    # HUM-1 assessed at 40%; its indicator 30% of the way from 20 to 30 billion (23 billion).
    commitment = Commitment.objects.get(code="HUM-1")
    record_approved(commitment, progress=40)
    indicator = Indicator.objects.get(commitment=commitment)
    Indicator.objects.filter(pk=indicator.pk).update(target_value=Decimal("30000000000"))
    value = observe(indicator, "23000000000")
    approve_or_return(value, reviewer=reviewer, decision="approve")

    page.goto("/commitments/HUM-1/")
    wait_until_drawn(page)

    assessed = page.locator(".current div:has([data-field=progress])")
    assert assessed.locator("dt").inner_text() == "Assessed progress"
    assert assessed.locator("dd").all_inner_texts() == [
        "40%",
        "The analyst's estimate in the latest approved status update",
    ]
    figure = page.locator(f"[data-indicator='{indicator.pk}'] div:has([data-figure=progress])")
    assert figure.locator("dt").inner_text() == "Indicator progress"
    assert figure.locator("dd").all_inner_texts() == [
        "30% of the way from the baseline to the target",
        "Computed from the latest approved value",
    ]


def test_a_chart_of_one_date_shows_that_date_once(page, roadmap, record):
    # HUM-1's indicator has its dated baseline alone; MIL-1 a single assessment.
    page.goto("/commitments/HUM-1/")
    wait_until_drawn(page)

    assert tick_labels(page.locator("svg.indicator-chart")) == ["25 Jun 2019"]

    commitment = Commitment.objects.get(code="MIL-1")
    record(commitment, progress=30, as_of=datetime.date(2024, 11, 28))
    page.goto("/commitments/MIL-1/")
    wait_until_drawn(page)

    assert tick_labels(page.locator("svg.progress-chart")) == ["28 Nov 2024"]

    # Two dates within a month: no month starts between them to mark, so both are dated.
    record(commitment, progress=40, as_of=datetime.date(2024, 11, 30))
    page.reload()
    wait_until_drawn(page)

    assert tick_labels(page.locator("svg.progress-chart")) == ["28 Nov 2024", "30 Nov 2024"]

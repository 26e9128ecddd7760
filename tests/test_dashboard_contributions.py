"""The Contributions page in a real browser: the matrix, its totals and the money funnel are the
API's, amounts shown in their currency; filters re-query the API once and live in the address;
it says so when there is nothing to show."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from commitments.models import Commitment, Partner
from tests.browser import api_requests, pick, read_api, wait_for_results, wait_until_drawn
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAGES = ["pledged", "committed", "disbursed"]


def fund(contribute, partner, code, kind="funds_pledged", **fields):
    return contribute(partner, Commitment.objects.get(code=code), kind=kind, **fields)


def record_contributions(contribute):
    """France funds MIL-1 in USD through the funnel (a wrong pledge corrected) and pledges EUR
    to HUM-1; NATO trains for MIL-1; the EU pledges EUR to HUM-1, later than the rest."""
    france = PartnerFactory(slug="france", name="France", kind=Partner.Kind.MEMBER_STATE)
    nato, eu = Partner.objects.get(slug="nato"), Partner.objects.get(slug="european-union")
    wrong = fund(contribute, france, "MIL-1", amount=Decimal("9999.00"))
    fund(contribute, france, "MIL-1", amount=Decimal("1000.00"), corrects=wrong)
    fund(contribute, france, "MIL-1", "funds_committed", amount=Decimal("600.00"))
    fund(contribute, france, "MIL-1", "funds_disbursed", amount=Decimal("250.25"))
    fund(contribute, france, "HUM-1", currency="EUR", amount=Decimal("500.00"))
    fund(contribute, nato, "MIL-1", "training", count=12, unit="courses")
    fund(contribute, nato, "MIL-1", "training", count=3, unit="courses")
    fund(
        contribute,
        eu,
        "HUM-1",
        currency="EUR",
        amount=Decimal("1234567.50"),
        date=datetime.date(2024, 3, 1),
    )


def listed(totals):
    """What a list of totals shows, from the API: money per currency and stage that is not
    zero, then counts per kind and unit."""
    money = [
        [funds["currency"], stage, funds[stage]]
        for funds in totals["funds"]
        for stage in STAGES
        if Decimal(funds[stage])
    ]
    counts = [[row["kind"], row["unit"], str(row["count"])] for row in totals["counts"]]
    return money + counts


SHOWN = """cells => Object.fromEntries(cells.map(cell => [
    cell.dataset.key,
    [...cell.querySelectorAll("li")].map(li => li.dataset.currency
        ? [li.dataset.currency, li.dataset.stage, li.dataset.amount]
        : [li.dataset.kind, li.dataset.unit, li.dataset.count]),
]))"""


def shown(page, selector, key):
    """{key: what the list of totals in each cell of `selector` shows}."""
    page.locator(selector).evaluate_all(f"cells => cells.forEach(cell => cell.dataset.key = {key})")
    return page.locator(selector).evaluate_all(SHOWN)


def funnel_shown(page, key):
    return page.locator(f"table[data-funnel={key}] tbody tr").evaluate_all(
        f"""rows => rows.map(row => [
            row.dataset.{key}, row.dataset.currency,
            ...[...row.querySelectorAll("td[data-stage]")].map(td => td.dataset.amount),
        ])"""
    )


def funnel_of(groups, key):
    return [
        [group[key], funds["currency"], *(funds[stage] for stage in STAGES)]
        for group in groups
        for funds in group["totals"]["funds"]
    ]


def test_the_contributions_page_shows_the_matrix_and_funnel_of_the_api_and_filters_them(
    page, roadmap, contribute
):
    # The shipped data has no contributions: the page says so in a sentence.
    page.goto("/contributions/")
    wait_until_drawn(page)
    assert "No contributions have been recorded yet." in page.locator("#matrix").inner_text()

    record_contributions(contribute)
    matrix = read_api("contributions/matrix/")
    requests = api_requests(page)
    page.reload()
    wait_until_drawn(page)
    page.wait_for_load_state("networkidle")

    assert sorted(requests) == ["contribution-kinds/", "contributions/matrix/", "pillars/"]
    assert shown(page, "td[data-cell]", "cell.dataset.cell") == {
        f"{cell['partner']} {cell['commitment']}": listed(cell["totals"])
        for cell in matrix["cells"]
    } | {
        cell: []
        for cell in ["european-union MIL-1", "nato HUM-1"]  # no contribution: a dash
    }
    assert shown(page, "td[data-total=partner]", "cell.parentElement.dataset.partner") == {
        partner["slug"]: listed(partner["totals"]) for partner in matrix["partners"]
    }
    assert shown(page, "td[data-total=commitment]", "cell.dataset.commitment") == {
        row["code"]: listed(row["totals"]) for row in matrix["commitments"]
    }
    assert shown(page, "td[data-total=pillar]", "cell.parentElement.dataset.pillar") == {
        pillar["slug"]: listed(pillar["totals"]) for pillar in matrix["pillars"]
    }
    assert shown(page, "td[data-total=overall]", "'overall'") == {
        "overall": listed(matrix["overall"])
    }
    assert funnel_shown(page, "partner") == funnel_of(matrix["partners"], "slug")
    assert funnel_shown(page, "commitment") == funnel_of(matrix["commitments"], "code")
    # Amounts in their currency, exactly; the funnel says each stage's share of the pledge.
    france_mil1 = page.locator("td[data-cell='france MIL-1']")
    assert france_mil1.locator("[data-stage=pledged] .amount").inner_text() == "US$1,000.00"
    assert france_mil1.locator("[data-stage=disbursed] .amount").inner_text() == "US$250.25"
    assert page.locator("td[data-total=overall] [data-currency=EUR]").inner_text() == (
        "Pledged €1,235,067.50"
    )
    disbursed = page.locator("tr[data-partner=france][data-currency=USD] [data-stage=disbursed]")
    assert "25% of pledged" in disbursed.inner_text()

    requests.clear()
    pick(page, "#filter-pillar", "humanitarian", "/contributions/?pillar=humanitarian")
    wait_for_results(page)
    page.wait_for_load_state("networkidle")

    assert requests == ["contributions/matrix/?pillar=humanitarian"]
    filtered = read_api("contributions/matrix/?pillar=humanitarian")
    assert page.locator(".matrix thead th[data-commitment]").evaluate_all(
        "headers => headers.map(th => th.dataset.commitment)"
    ) == [row["code"] for row in filtered["commitments"]]
    assert shown(page, "td[data-cell]", "cell.dataset.cell") == {
        f"{cell['partner']} {cell['commitment']}": listed(cell["totals"])
        for cell in filtered["cells"]
    }

    page.fill("#filter-since", "2024-02-01")
    page.wait_for_url(re.compile(r"\?pillar=humanitarian&since=2024-02-01$"))
    expect(page.locator(".matrix tbody tr")).to_have_count(1)
    assert page.locator(".matrix tbody tr").get_attribute("data-partner") == "european-union"

    pick(page, "#filter-kind", "training", "?pillar=humanitarian&kind=training&since=2024-02-01")
    expect(page.locator("#matrix .empty")).to_have_text("No contribution matches these filters.")


def test_the_funnel_counts_a_disbursement_as_committed_and_pledged_and_says_so(
    page, roadmap, contribute
):
    # 240 of a pledge of 1,000 disbursed, its commitment never recorded.
    france = PartnerFactory(slug="france", name="France", kind=Partner.Kind.MEMBER_STATE)
    fund(contribute, france, "MIL-1", currency="EUR", amount=Decimal("1000.00"))
    fund(contribute, france, "MIL-1", "funds_disbursed", currency="EUR", amount=Decimal("240.00"))

    page.goto("/contributions/")
    wait_until_drawn(page)

    row = page.locator("tr[data-partner=france][data-currency=EUR]")
    stages = {
        stage: row.locator(f"[data-stage={stage}]").inner_text().split("\n")[:2] for stage in STAGES
    }
    assert stages == {
        "pledged": ["€1,000.00"],
        "committed": ["€240.00", "24% of pledged"],
        "disbursed": ["€240.00", "24% of pledged"],
    }
    assert page.locator("#funnel .funnel-note").inner_text() == (
        "Each stage counts the money that has reached it: money disbursed has also been "
        "committed and pledged, even where only its disbursement was recorded. Percentages are "
        "shares of the amount pledged."
    )


def test_on_a_phone_only_the_wide_matrix_scrolls_and_its_caption_stays_in_view(
    page, roadmap, contribute
):
    record_contributions(contribute)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/contributions/")
    wait_until_drawn(page)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#matrix .table-scroll")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")  # it scrolls, in its box
    caption = page.locator("#matrix caption")
    for scrolled in [0, 10_000]:
        box.evaluate(f"box => {{ box.scrollLeft = {scrolled}; }}")
        shown, inside = caption.bounding_box(), box.bounding_box()
        assert inside["x"] <= shown["x"]
        assert shown["x"] + shown["width"] <= inside["x"] + inside["width"]
    assert caption.evaluate("caption => caption.scrollWidth <= caption.clientWidth")


def test_a_commitment_page_lists_the_contributions_made_to_it(page, roadmap, contribute):
    france = PartnerFactory(slug="france", name="France", kind=Partner.Kind.MEMBER_STATE)
    nato = Partner.objects.get(slug="nato")
    wrong = fund(contribute, france, "MIL-1", amount=Decimal("9999.00"))
    fund(
        contribute,
        france,
        "MIL-1",
        amount=Decimal("1000.00"),
        corrects=wrong,
        date=datetime.date(2024, 2, 1),
    )
    fund(contribute, france, "MIL-1", "funds_disbursed", currency="EUR", amount=Decimal("250.5"))
    fund(contribute, nato, "MIL-1", "training", count=12, unit="courses")
    fund(contribute, france, "HUM-1", amount=Decimal("7.00"))  # another commitment's
    requests = api_requests(page)

    page.goto("/commitments/MIL-1/")
    wait_until_drawn(page)

    assert "contributions/?commitment=MIL-1&page_size=200" in requests
    section = page.locator("#contributions")
    assert section.locator("h2").inner_text() == "Contributions (3)"
    rows = section.locator("tbody tr")
    assert rows.evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.trim()))"
    ) == [
        ["1 Feb 2024", "France", "Funds pledged", "US$1,000.00"],
        ["15 Jan 2024", "NATO", "Training", "12 courses"],
        ["15 Jan 2024", "France", "Funds disbursed", "€250.50"],
        [
            "15 Jan 2024",
            "France",
            "Funds pledged",
            f"US$9,999.00\nReplaced by a correction (#{wrong.corrections.get().pk})",
        ],
    ]
    assert rows.evaluate_all("rows => rows.map(row => row.className)") == ["", "", "", "superseded"]


def test_a_commitment_page_says_when_nothing_was_contributed_to_it(page, roadmap):
    page.goto("/commitments/MIL-1/")
    wait_until_drawn(page)

    assert page.locator("#contributions .empty").inner_text() == (
        "No contribution to this commitment has been recorded yet."
    )

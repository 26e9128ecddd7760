"""The Dependencies page: a graph of which commitments depend on which, each coloured by its
status and naming it, arrows from a commitment to what it depends on, and the same dependencies
listed in words; and a commitment's page lists its own, with their statuses."""

import datetime
import re
from pathlib import Path

import pytest

from commitments.models import STATUS_COLOURS, Commitment, Status
from commitments.services import add_dependency
from tests.browser import wait_until_drawn


def test_the_dependencies_page_is_drawn_by_a_module_the_project_serves(client, db):
    page = client.get("/dependencies/").content.decode()

    module = re.search(r'data-module="([^"]+)"', page).group(1)
    assert module == "/static/dashboard/dependencies.js"
    response = client.get(module)
    assert response.status_code == 200
    response.close()
    assert "<title>Dependencies · Paris Roadmap tracker</title>" in page
    assert '<a href="/dependencies/" aria-current="page">Dependencies</a>' in page


def test_every_dashboard_page_links_to_the_dependencies(client, db):
    assert '<a href="/dependencies/">Dependencies</a>' in client.get("/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_graph_shows_each_commitment_in_its_status_with_arrows_and_words(page, roadmap, record):
    mil, stb, ret, hum = (
        Commitment.objects.get(code=code) for code in ["MIL-1", "STB-1", "STB-2", "HUM-1"]
    )
    add_dependency(commitment=stb, depends_on=mil, note="Stabilization needs security.")
    add_dependency(commitment=ret, depends_on=stb)
    add_dependency(commitment=ret, depends_on=hum)
    record(mil, status="at_risk", as_of=datetime.date(2024, 1, 15))

    page.goto("/dependencies/")
    wait_until_drawn(page)

    nodes = page.locator("svg.graph a.node")
    assert nodes.evaluate_all(
        "nodes => nodes.map(node => [node.dataset.code, node.querySelector('.status').textContent,"
        " getComputedStyle(node.querySelector('rect')).fill])"
    ) == [
        ["STB-1", "Not assessed", _rgb(STATUS_COLOURS[Status.NOT_ASSESSED])],
        ["MIL-1", "At risk", _rgb(STATUS_COLOURS[Status.AT_RISK])],
        ["STB-2", "Not assessed", _rgb(STATUS_COLOURS[Status.NOT_ASSESSED])],
        ["HUM-1", "Not assessed", _rgb(STATUS_COLOURS[Status.NOT_ASSESSED])],
    ]
    # What depends on nothing stands left of what depends on it: every arrow points left.
    columns = {
        code: float(page.locator(f'a.node[data-code="{code}"] rect').get_attribute("x"))
        for code in ["MIL-1", "HUM-1", "STB-1", "STB-2"]
    }
    assert columns["MIL-1"] == columns["HUM-1"] < columns["STB-1"] < columns["STB-2"]
    assert page.locator("svg.graph path.edge").evaluate_all(
        "edges => edges.map(edge => `${edge.dataset.from}→${edge.dataset.to}`)"
    ) == ["STB-1→MIL-1", "STB-2→HUM-1", "STB-2→STB-1"]
    assert page.locator("#dependency-edges li").all_inner_texts()[0] == (
        f"STB-1 {stb.title} Not assessed depends on MIL-1 {mil.title} At risk — Stabilization "
        "needs security."
    )

    # As the admin's browser tests keep theirs, for a person to look at.
    screenshots = Path(__file__).resolve().parents[1] / "var" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "dependencies.png"), full_page=True)

    page.locator('a.node[data-code="STB-1"]').click()
    wait_until_drawn(page)
    assert page.locator("#depends-on li").all_inner_texts() == [
        f"MIL-1 {mil.title} At risk — Stabilization needs security."
    ]
    assert page.locator("#dependents li").all_inner_texts() == [f"STB-2 {ret.title} Not assessed"]


def _rgb(colour):
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"

"""The dashboard in French and in Arabic, in a real browser: the reader picks the language with
the switcher, and each page (the overview, a commitment, the contributions) is then drawn in it,
right to left in Arabic, with every API request naming it, nothing sticking out of the page
sideways, nothing axe-core finds wrong, and none of the dashboard's English words left."""

import re

import pytest

from tests.browser import (
    accessibility_violations,
    overflowing_elements,
    wait_until_drawn,
)
from tests.scenario import record_illustrative_history
from tests.test_dashboard_contributions import record_contributions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/commitments/MIL-1/", "/contributions/"]
ARABIC_INDIC_DIGIT = "[\u0660-\u0669]"

# The dashboard's own English words, as the three pages show them (none of which a Roadmap text
# or a name in the data holds), the statuses' and contributions' labels of the API's among them.
ENGLISH = [
    "On track",
    "Off track",
    "Not assessed",
    "Funds pledged",
    "Paris Roadmap tracker",
    "Skip to content",
    "API docs",
    "Sign in",
    "Change language",
    "Paris Roadmap: where the commitments stand",
    "At risk or off track",
    "Average progress",
    "Latest update",
    "Highlight changes since",
    "Clear filters",
    "By pillar",
    "Commitments by status",
    "Needs attention",
    "Over time",
    "Intervals",
    "Month by month",
    "Latest updates",
    "Previous page",
    "All commitments",
    "Assessed progress",
    "Freshness",
    "Status history",
    "Indicators",
    "Latest approved value",
    "Its tools",
    "None named",
    "Contributions to the Paris Roadmap",
    "Partners by commitments",
    "Partner total",
    "Commitment total",
    "Per partner",
    "Per commitment",
    "of pledged",
    "Made on or after",
    " ago",
    "as of ",
]


@pytest.fixture
def contributions(history, contribute):
    record_contributions(contribute)


@pytest.fixture
def history(roadmap, analyst):
    record_illustrative_history(analyst)


def choose_language(page, language):
    """Picks `language` with the page's switcher, and waits for the page to come back in it."""
    page.goto("/")
    page.get_by_label("Language").select_option(language)
    page.get_by_role("button", name="Change language").click()
    page.wait_for_function(f"document.documentElement.lang === {language!r}")


def english_left(page):
    shown = page.evaluate("document.body.innerText") + " " + page.title()
    return [words for words in ENGLISH if words in shown]


def walk(page, language, direction):
    """Every page in `language`: its direction, its fit, its accessibility, its words."""
    requests = []
    page.on("request", lambda request: "/api/v1/" in request.url and requests.append(request.url))
    for url in PAGES:
        page.goto(url)
        wait_until_drawn(page)
        if url == "/":  # the trend is read once it is in view
            page.locator("#trend").scroll_into_view_if_needed()
            page.locator("#trend[data-state=ready]").wait_for()

        assert page.evaluate("[document.documentElement.lang, document.dir]") == [
            language,
            direction,
        ]
        assert page.locator("main").evaluate("main => getComputedStyle(main).direction") == (
            direction
        )
        assert overflowing_elements(page) == [], url
        assert accessibility_violations(page) == [], url
        assert english_left(page) == [], url
    assert requests
    assert [url for url in requests if f"lang={language}" not in url] == []


def test_the_dashboard_in_french(page, contributions):
    choose_language(page, "fr")

    walk(page, "fr", "ltr")

    page.goto("/commitments/MIL-1/")
    wait_until_drawn(page)
    assert page.locator("h1 .code").inner_text() == "MIL-1"
    assert page.locator("#history-title").inner_text().startswith("Historique des états")
    # French writes a percentage with a (narrow no-break) space before its sign.
    assert re.fullmatch(r"\d+\s%", page.locator("[data-field=progress]").inner_text())


def test_the_dashboard_in_arabic_right_to_left_on_a_phone(page, contributions):
    page.set_viewport_size({"width": 390, "height": 844})
    choose_language(page, "ar")

    walk(page, "ar", "rtl")

    page.goto("/")
    wait_until_drawn(page)
    # Counts and dates in Arabic-Indic digits; codes as they are typed.
    total = page.locator("[data-total=commitments]").inner_text()
    assert re.fullmatch(f"{ARABIC_INDIC_DIGIT}+", total)
    assert re.search(f"{ARABIC_INDIC_DIGIT}{{4}}", page.locator("[data-total=latest]").inner_text())
    assert not re.search("[0-9]", page.locator("[data-total=latest]").inner_text())
    codes = page.locator("#commitments tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.code)"
    )
    assert page.locator("#commitments tbody tr td a").all_inner_texts() == codes
    # The layout mirrors: the first column of the table is on the right.
    header = page.locator("#commitments thead th").first.bounding_box()
    last = page.locator("#commitments thead th").last.bounding_box()
    assert header["x"] > last["x"]

"""Playwright driving Debian's Chromium (Playwright's own browser download is not reachable)."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from tests.helpers import empty_every_table_past_the_triggers

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: install Debian's chromium package.")
        pytest.skip("Chromium is not installed: apt-get install chromium (see README).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """Console errors, failed requests and error responses seen by a page. A request the
    browser abandons because the page navigated away is not a failure."""

    def __init__(self, page):
        self.items = []
        page.on(
            "console",
            lambda message: (
                message.type == "error" and self.items.append(f"console: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: self.items.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda response: (
                response.status >= 400 and self.items.append(f"{response.status}: {response.url}")
            ),
        )

    def _failed(self, request):
        if request.failure != "net::ERR_ABORTED":
            self.items.append(f"failed: {request.url} ({request.failure})")


@pytest.fixture
def _erasable_history(transactional_db):
    """Lets the end of a transactional test empty the append-only tables on SQLite
    (helpers.empty_every_table_past_the_triggers)."""
    yield
    if connection.vendor == "sqlite":
        empty_every_table_past_the_triggers()


@pytest.fixture
def page(browser, live_server, _erasable_history):
    """A fresh page on the live server; the test fails if the page logged any problem."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.problems = PageProblems(page)
    yield page
    problems = page.problems.items
    context.close()
    assert problems == [], problems


def wait_until_drawn(page):
    page.wait_for_selector("main[aria-busy=false]")


def wait_for_results(page):
    """After a filter changed: until the filtered view is drawn."""
    page.wait_for_selector("#results[aria-busy=false]")


def pick(page, select, value, query):
    """Picks `value` in the `select` element, and waits until the page's address ends with
    `query`, the view's new query string."""
    page.select_option(select, value)
    page.wait_for_url(re.compile(re.escape(query) + "$"))


def shown_codes(page):
    """The codes of the commitments the dashboard's table shows, in its order."""
    return page.locator("#commitments tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.code)"
    )


def api_codes(path):
    """The codes of the commitments the API lists at `path` (under /api/v1/), in its order."""
    return [item["code"] for item in read_api(path)["results"]]


def read_api(path):
    """The JSON of a GET of the API at `path` (under /api/v1/), as the page reads it."""
    response = Client().get(f"/api/v1/{path}")
    assert response.status_code == 200
    return response.json()


def api_requests(page):
    """The API paths the page requests from now on (a live list), less the page's language
    (`lang=`, which the dashboard adds to every request: tests/test_dashboard_languages.py)."""
    seen = []
    page.on(
        "request",
        lambda request: "/api/v1/" in request.url and seen.append(without_language(request.url)),
    )
    return seen


def without_language(url):
    """An API address under /api/v1/, without its `lang` parameter."""
    path, _, search = re.sub(r"^.*/api/v1/", "", url).partition("?")
    kept = "&".join(part for part in search.split("&") if part and not part.startswith("lang="))
    return f"{path}?{kept}" if kept else path


# axe-core, from package.json's devDependencies (make installs it).
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def accessibility_violations(page):
    """What axe-core finds wrong with the page as drawn: [(rule, [the elements])]. Evaluated
    through the browser's debugger, which the Content-Security-Policy does not stop."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run the accessibility checks: make install (npm ci) axe-core.")
        pytest.skip("axe-core is not installed: make install (npm ci).")
    page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
            .map(rule => [rule.id, rule.nodes.map(node => node.target.join(" "))])"""
    )


def overflowing_elements(page):
    """The visible elements that stick out of the page sideways (but for those inside a box
    that scrolls or clips them, a wide table's), and the page itself if it scrolls sideways."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            const found = root.scrollWidth > root.clientWidth ? [`the page: ${root.scrollWidth} > ${root.clientWidth}`] : [];
            const contained = (node) => {
                for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
                    if (getComputedStyle(up).overflowX !== "visible") return true;
                }
                return false;
            };
            for (const node of document.body.querySelectorAll("*")) {
                const box = node.getBoundingClientRect();
                if (!box.width || !box.height || contained(node)) continue;
                if (box.left < -1 || box.right > root.clientWidth + 1) {
                    found.push(`${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""}.${node.className}: ${Math.round(box.left)} to ${Math.round(box.right)}`);
                }
            }
            return found;
        }"""
    )

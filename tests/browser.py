"""Playwright driving Debian's Chromium (Playwright's own browser download is not reachable)."""

import importlib
import os
import re
import shutil

import pytest
from django.db import connection
from django.test import Client

from commitments import migration_sql

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
    """Lets the end of a transactional test empty the status history, the contributions, the
    indicator values, the evidence they cite, the key messages and the events on SQLite.

    pytest-django empties the tables after a transactional test: PostgreSQL with TRUNCATE,
    which the append-only triggers leave alone, SQLite with DELETE, which they refuse. So on
    SQLite, and only here, the triggers are lifted for that one clean-up.
    """
    yield
    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module(
        "commitments.migrations.0003_statusupdate_append_only_triggers"
    )
    reviews = importlib.import_module("commitments.migrations.0011_review_four_eyes")
    review_delete = next(sql for sql in reviews.SQLITE if "review_no_delete" in sql)
    contributions = importlib.import_module("commitments.migrations.0020_contributions")
    indicators = importlib.import_module("commitments.migrations.0021_indicators")
    events = importlib.import_module("commitments.migrations.0032_events")
    evidence = importlib.import_module("commitments.migrations.0043_evidence")
    # The key messages' tables, decisions first (migration 0029: migration_sql.reviewed_record).
    messages = {
        table: migration_sql.append_only(table, "append-only")
        for table in ("commitments_briefingmessagereview", "commitments_briefingmessage")
    }
    # The events first: they name the commitments, and the records through their data only.
    messages = {"commitments_event": (events.APPEND_ONLY, events.APPEND_ONLY_REVERSE), **messages}
    with connection.cursor() as cursor:
        # The citations first, which name the records and the evidence.
        for statement in evidence.REVERSE["sqlite"]:
            cursor.execute(statement)
        for table, _ in evidence.CITING.values():
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"DELETE FROM {evidence.EVIDENCE}")
        for statement in evidence.FORWARD["sqlite"]:
            cursor.execute(statement)
        for table, (forward, reverse) in messages.items():
            for statement in reverse["sqlite"]:
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {table}")
            for statement in forward["sqlite"]:
                cursor.execute(statement)
        for statement in contributions.APPEND_ONLY_REVERSE["sqlite"]:
            cursor.execute(statement)
        cursor.execute("DELETE FROM commitments_contribution")
        for statement in contributions.APPEND_ONLY["sqlite"]:
            cursor.execute(statement)
        for statement in (
            *indicators.REVIEW_APPEND_ONLY_REVERSE["sqlite"],
            *indicators.VALUE_APPEND_ONLY_REVERSE["sqlite"],
        ):
            cursor.execute(statement)
        cursor.execute("DELETE FROM commitments_indicatorvaluereview")
        cursor.execute("DELETE FROM commitments_indicatorvalue")
        for statement in (
            *indicators.VALUE_APPEND_ONLY["sqlite"],
            *indicators.REVIEW_APPEND_ONLY["sqlite"],
        ):
            cursor.execute(statement)
        for statement in triggers.SQLITE_REVERSE:
            cursor.execute(statement)
        cursor.execute("DROP TRIGGER commitments_review_no_delete")
        cursor.execute("DELETE FROM commitments_review")
        cursor.execute("DELETE FROM commitments_statusupdate")
        cursor.execute(review_delete)
        for statement in triggers.SQLITE:
            cursor.execute(statement)


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
    """The API paths the page requests from now on (a live list)."""
    seen = []
    page.on(
        "request",
        lambda request: (
            "/api/v1/" in request.url and seen.append(re.sub(r"^.*/api/v1/", "", request.url))
        ),
    )
    return seen

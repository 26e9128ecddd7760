"""How many API requests the dashboard's overview makes, and how soon it settles, in Chromium
driven by Playwright (launched as the browser tests launch it, tests/browser.py).

Settled means both of these, timed from the start of the navigation (or from the filter
change):
- the overview's <main> says data-state="ready": dashboard.js sets it once the totals, the
  pillars, the table and the latest updates are drawn, and again once a change is drawn;
- every API request of the view has been answered: the time is the later of that moment and
  the end of the last API response (Resource Timing). Then 500 ms of quiet (Playwright's
  network idle on the first view) show that nothing more was asked for; they are not counted.

One measurement opens the overview in a fresh browser context (an empty HTTP cache), then
changes one filter (the first pillar of the Pillar filter).

    python bench/dashboard.py http://127.0.0.1:8000 [--runs 3]
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM_ARGS  # noqa: E402

API = "/api/v1/"
TIMEOUT_MS = 60_000
QUIET_MS = 500

# Times, on the page's clock (performance.now()), at which <main> became data-state="ready".
RECORD_READY = """
window.__ready = [];
new MutationObserver((records) => {
  for (const record of records) {
    if (record.target.id === "main" && record.target.dataset.state === "ready") {
      window.__ready.push(performance.now());
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
"""

# The later of the first "ready" after `since` and the end of the last API response started
# after `since`, on the page's clock.
SETTLED_AT = """
([since, api]) => {
  const ready = window.__ready.find((time) => time >= since);
  const answered = performance
    .getEntriesByType("resource")
    .filter((entry) => entry.name.includes(api) && entry.startTime >= since)
    .map((entry) => entry.responseEnd);
  return Math.max(ready, ...answered);
}
"""

# Chooses the first pillar in the Pillar filter, as a reader would, and notes when.
CHANGE_FILTER = """
() => {
  const select = document.getElementById("filter-pillar");
  select.value = select.options[1].value;
  window.__changed = performance.now();
  select.dispatchEvent(new Event("change", { bubbles: true }));
  return window.__changed;
}
"""


def measure_dashboard(base_url, browser=None):
    """{"first_view_requests", "first_view_ms", "filter_change_requests", "filter_change_ms"}
    of the overview at `base_url` (a running server). Opens Chromium unless given `browser`."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            try:
                return measure_dashboard(base_url, browser)
            finally:
                browser.close()

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.add_init_script(RECORD_READY)
        requests = []
        page.on("request", lambda request: API in request.url and requests.append(request.url))

        page.goto(base_url.rstrip("/") + "/")
        page.wait_for_selector("main[data-state=ready]")
        page.wait_for_load_state("networkidle")
        first_view_ms = page.evaluate(SETTLED_AT, [0, API])
        first_view_requests = len(requests)

        requests.clear()
        changed_at = page.evaluate(CHANGE_FILTER)
        page.wait_for_function(
            "since => window.__ready.some((time) => time >= since)", arg=changed_at
        )
        # The view is drawn once its requests are answered; a quiet moment shows whether any
        # other request follows (network idle is already reached for this document).
        page.wait_for_timeout(QUIET_MS)
        filter_change_ms = page.evaluate(SETTLED_AT, [changed_at, API]) - changed_at
        return {
            "first_view_requests": first_view_requests,
            "first_view_ms": round(first_view_ms),
            "filter_change_requests": len(requests),
            "filter_change_ms": round(filter_change_ms),
        }
    finally:
        context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="of a running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=1, help="measurements, each in a new context")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        try:
            for _ in range(args.runs):
                print(json.dumps(measure_dashboard(args.base_url, browser)), flush=True)
        finally:
            browser.close()


if __name__ == "__main__":
    main()

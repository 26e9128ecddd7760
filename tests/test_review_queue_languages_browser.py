"""The review queue in French and in Arabic, in a real browser: a reviewer picks the language
with the admin's switcher (which keeps it in their Preferences), and the queue of a pending
update is drawn in it, right to left in Arabic, with nothing sticking out sideways, nothing
axe-core finds wrong and none of the queue's English words left."""

import pytest

from commitments.languages import preferred_language
from tests.browser import accessibility_violations, overflowing_elements
from tests.factories import CommitmentFactory
from tests.test_admin_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("review_required"),
]

QUEUE = "/admin/commitments/statusupdate/review/"

# The queue's own English words (the update's summary and the commitment's title are content,
# written in English, and stay so).
ENGLISH = [
    "Review queue",
    "pending update",
    "Now (approved)",
    "If approved",
    "Return with comment",
    "Four eyes",
    "I'll take it",
    "Approve",
    "Not assessed",
    "On track",
    "Change language",
    "Log out",
]


@pytest.mark.parametrize(("language", "direction"), [("fr", "ltr"), ("ar", "rtl")])
def test_the_review_queue_in_french_and_in_arabic(page, record, reviewer, language, direction):
    mil1 = CommitmentFactory(code="MIL-1", title="Train the security forces")
    record(mil1, status="on_track", summary="Recruitment resumed.")
    sign_in(page, reviewer)
    page.goto(QUEUE)
    page.get_by_label("Language").select_option(language)
    page.get_by_role("button", name="Change language").click()
    page.wait_for_function(f"document.documentElement.lang === {language!r}")
    page.goto(QUEUE)

    assert page.evaluate("[document.documentElement.lang, document.dir]") == [
        language,
        direction,
    ]
    assert page.locator("#content").evaluate("node => getComputedStyle(node).direction") == (
        direction
    )
    assert overflowing_elements(page) == []
    assert accessibility_violations(page) == []
    shown = page.evaluate("document.body.innerText") + " " + page.title()
    assert [words for words in ENGLISH if words in shown] == []
    assert "MIL-1" in shown
    reviewer.refresh_from_db()
    assert preferred_language(reviewer) == language

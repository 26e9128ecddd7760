"""The analysts' day in the admin, in a real browser at 1280 by 900 pixels: correcting an update, the
overdue badge, lists that fit the screen, no control a role cannot use, and the review queue. Each test saves a
screenshot under var/screenshots/ for a person to look at."""

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from commitments.models import Commitment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


@pytest.fixture
def at_1280(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    return page


def sign_in(page, user):
    client = Client()
    client.force_login(user)
    page.goto("/healthz")
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.url}]
    )


def choose(page, field, term, option):
    """Picks `option` in the admin's autocomplete `field` (select2), after typing `term`."""
    page.click(f"#id_{field} + .select2 .select2-selection")
    page.fill(".select2-search__field", term)
    page.click(f".select2-results__option:has-text({option!r})")


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def assessed(roadmap, record):
    """FTF-2 assessed twice: in July, then at risk at the end of October (current)."""
    ftf2 = Commitment.objects.get(code="FTF-2")
    july = datetime.date(2026, 7, 15)
    record(ftf2, status="on_track", progress=20, as_of=july, summary="Information flows.")
    october = record(
        ftf2, status="at_risk", progress=25, as_of=datetime.date(2026, 10, 31), summary="Slower."
    )
    overdue = timezone.localdate() - datetime.timedelta(days=90 + 34)
    record(Commitment.objects.get(code="MIL-3"), as_of=overdue, summary="Long ago.")
    return october


def test_an_analyst_corrects_an_update_and_confirms_the_new_status(at_1280, assessed, analyst):
    page = at_1280
    sign_in(page, analyst)

    page.goto(f"/admin/commitments/statusupdate/{assessed.pk}/change/")
    page.click("text=Correct this update")
    assert page.input_value("#id_as_of") == "2026-10-31"  # the original's date, not today's
    assert page.input_value("#id_summary") == "Slower."
    page.select_option("#id_status", "off_track")
    page.fill("#id_summary", "Off track: the October figures were wrong.")
    page.click("input[name=_save]")

    warning = page.locator(".errorlist").first.inner_text()
    assert "This will make FTF-2 “Off track” as of 31 Oct 2026" in warning
    assert "current: “At risk” as of 31 Oct 2026" in warning
    screenshot(page, "correction-asks-to-confirm")
    page.check("#id_confirm_current_status")
    page.click("input[name=_save]")

    page.wait_for_selector(".messagelist")
    assert "now shows “Off track”" in page.locator(".messagelist").inner_text()
    assert "Superseded" in page.locator("#status_updates-group").inner_text()
    screenshot(page, "correction-recorded")


@pytest.mark.parametrize(
    "path", ["/admin/commitments/commitment/", "/admin/commitments/statusupdate/"]
)
def test_the_lists_fit_a_1280_pixel_screen(at_1280, assessed, analyst, path):
    page = at_1280
    sign_in(page, analyst)

    page.goto(path)

    screenshot(page, path.strip("/").replace("/", "-"))
    # Neither the page nor the list's own box scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    results = page.locator(".results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth")


def test_the_list_flags_overdue_and_never_assessed_commitments(at_1280, assessed, analyst):
    page = at_1280
    sign_in(page, analyst)

    page.goto("/admin/commitments/commitment/")

    rows = {
        row.locator(".field-code").inner_text(): row.locator(".field-stale_display").inner_text()
        for row in page.locator("#result_list tbody tr").all()
    }
    assert rows["MIL-3"] == "⚠ Needs assessment — 34 days overdue"
    assert rows["POL-1"] == "⚠ Never assessed"
    assert rows["FTF-2"] == ""


def test_a_viewer_is_offered_no_control_they_cannot_use(at_1280, assessed, viewer):
    page = at_1280
    sign_in(page, viewer)

    page.goto("/admin/commitments/commitment/")
    list_text = page.locator("#content").inner_text()
    page.click("#result_list >> text=FTF-2")
    commitment_text = page.locator("#content").inner_text()
    screenshot(page, "viewer-commitment-page")
    page.goto(f"/admin/commitments/statusupdate/{assessed.pk}/change/")
    update_text = page.locator("#content").inner_text()

    assert "Record" not in list_text
    assert "Add commitment" not in list_text
    for text in (commitment_text, update_text):
        assert "Record a status update" not in text
        assert "Correct this update" not in text
        assert "Add a child commitment" not in text


@pytest.mark.usefixtures("review_required")
def test_a_reviewer_approves_one_update_and_returns_another_with_a_comment(
    at_1280, roadmap, record, reviewer
):
    page = at_1280
    ftf2, mil3 = (Commitment.objects.get(code=code) for code in ("FTF-2", "MIL-3"))
    slower = record(ftf2, status="at_risk", progress=25, as_of=datetime.date(2026, 10, 31))
    done = record(mil3, status="completed", as_of=datetime.date(2026, 10, 1), summary="Done?")
    sign_in(page, reviewer)

    page.goto("/admin/")
    page.click("text=2 status updates to review")
    screenshot(page, "review-queue")
    page.click(f"#update-{slower.pk} button[value=approve]")
    assert "FTF-2 now shows “At risk”" in page.locator(".messagelist").inner_text()
    page.fill(f"#comment-{done.pk}", "Which report says it is completed?")
    page.click(f"#update-{done.pk} button[value=return]")

    assert "Returned update" in page.locator(".messagelist").inner_text()
    assert "Nothing to review" in page.locator("#content").inner_text()
    assert Commitment.objects.get(code="MIL-3").current_status == "not_assessed"


def test_the_commitment_list_gives_the_title_the_width_at_1280_by_800(page, assessed, analyst):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, analyst)

    page.goto("/admin/commitments/commitment/")

    screenshot(page, "commitment-list-titles")
    title = page.locator("#result_list tbody tr td.field-title").first
    assert title.evaluate("cell => cell.getBoundingClientRect().width") >= 300
    # Whole, on as many lines as it takes: nothing of it is hidden.
    assert title.evaluate("cell => cell.scrollWidth <= cell.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_a_large_amount_is_shown_in_words_as_it_is_typed(at_1280, roadmap, analyst):
    page = at_1280
    sign_in(page, analyst)
    page.goto("/admin/commitments/contribution/add/")
    words = page.locator("#id_amount + .number-words")

    page.fill("#id_amount", "21,500,000,000")
    assert words.inner_text() == "21.5 billion"
    page.fill("#id_amount", "21 500 000")
    assert words.inner_text() == "21.5 million"
    page.fill("#id_amount", "21,5")
    assert "a point for decimals" in words.inner_text()
    screenshot(page, "amount-in-words")

"""A secretariat's month, end to end in a real browser at 1280 by 800 pixels: an analyst records,
withdraws and records again; a reviewer approves one update and returns another; the analyst
answers it; an import is confirmed and the same file refused; a contribution and an indicator
value are recorded; the secretariat's key message is reviewed; the briefing pack shows all of it;
and the reminders tell each person what is theirs to do."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from commitments.models import (
    BriefingMessage,
    Commitment,
    Contribution,
    IndicatorValue,
    Pillar,
    StatusUpdate,
)
from tests.factories import PartnerFactory
from tests.test_admin_browser import choose, screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("review_required"),
]


def saved(page):
    """The admin's message after a save or a decision."""
    return page.locator(".messagelist").inner_text()


def record_update(page, code, status, summary, as_of):
    page.goto("/admin/commitments/statusupdate/add/")
    choose(page, "commitment", code, code)
    page.select_option("#id_status", status)
    page.fill("#id_as_of", as_of.isoformat())
    page.fill("#id_summary", summary)
    page.click("input[name=_save]")
    return StatusUpdate.objects.filter(commitment__code=code).latest("pk")


@pytest.fixture
def team(roadmap, analyst, reviewer, hum1_indicator):
    for user in (analyst, reviewer):
        user.email = f"{user.username}@example.org"
        user.save()
    Commitment.objects.filter(code__in=["FTF-2", "MIL-3"]).update(owner=analyst)
    return PartnerFactory(name="Kingdom of Examples")


def test_a_month_of_the_secretariat(page, team, analyst, reviewer, hum1_indicator, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 800})
    today = timezone.localdate()
    last_week = today - datetime.timedelta(days=7)

    # An analyst records a wrong "Off track", withdraws it and records what they meant.
    sign_in(page, analyst)
    wrong = record_update(page, "FTF-2", "off_track", "Off track: misread the report.", last_week)
    assert wrong.review_state == "pending"
    page.goto(f"/admin/commitments/statusupdate/{wrong.pk}/change/")
    page.click("button[name=again]")
    assert f"Withdrew update #{wrong.pk}" in saved(page)
    assert page.input_value("#id_summary") == "Off track: misread the report."
    page.select_option("#id_status", "at_risk")
    page.fill("#id_summary", "At risk: two members reduced their support.")
    page.click("input[name=_save]")
    meant = StatusUpdate.objects.latest("pk")
    wrong.refresh_from_db()
    assert (wrong.review_state, meant.review_state) == ("withdrawn", "pending")
    # and an update its reviewer will doubt.
    doubtful = record_update(page, "MIL-3", "completed", "Done?", last_week)

    # The reviewer approves one and returns the other with a comment; the withdrawn one is not
    # theirs to see in the queue.
    sign_in(page, reviewer)
    page.goto("/admin/")
    page.click("text=2 status updates to review")
    assert f"update-{wrong.pk}" not in page.content()
    page.click(f"#update-{doubtful.pk} button[value=claim]")
    assert "Taken by you since" in page.locator(f"#update-{doubtful.pk}").inner_text()
    page.click(f"#update-{meant.pk} button[value=approve]")
    assert "FTF-2 now shows “At risk”" in saved(page)
    page.fill(f"#comment-{doubtful.pk}", "Which report says it is completed?")
    page.click(f"#update-{doubtful.pk} button[value=return]")
    assert "Returned update" in saved(page)
    screenshot(page, "month-queue-emptied")

    # The analyst answers the returned update; the reviewer approves the answer.
    sign_in(page, analyst)
    page.goto(f"/admin/commitments/statusupdate/{doubtful.pk}/change/")
    assert "Which report says it is completed?" in page.locator("#content").inner_text()
    page.click("a:text-is('Correct it')")
    page.select_option("#id_status", "on_track")
    page.fill("#id_summary", "On track: the fourth cohort is certified; the course goes on.")
    page.click("input[name=_save]")
    answer = StatusUpdate.objects.latest("pk")
    assert answer.corrects_id == doubtful.pk
    sign_in(page, reviewer)
    page.goto("/admin/commitments/statusupdate/review/")
    page.click(f"#update-{answer.pk} button[value=approve]")
    assert "MIL-3 now shows “On track”" in saved(page)

    # The analyst imports a spreadsheet's updates; the same file again is refused.
    sign_in(page, analyst)
    csv = tmp_path / "october.csv"
    csv.write_text(
        "commitment;status;as_of;summary\n"
        f"HUM-1;at_risk;{last_week};Appeal funded at 48%.\n"
        f"STB-2;on_track;{last_week};Access restored in the north-east.\n",
        encoding="utf-8",
    )
    page.goto("/admin/commitments/statusupdate/import/")
    page.set_input_files("input[type=file]", str(csv))
    page.click("text=Check the file (dry run)")
    page.click("input[value='Import 2 updates']")
    assert "2" in saved(page)
    assert (
        StatusUpdate.objects.pending().filter(commitment__code__in=["HUM-1", "STB-2"]).count() == 2
    )
    page.goto("/admin/commitments/statusupdate/import/")
    page.set_input_files("input[type=file]", str(csv))
    page.click("text=Check the file (dry run)")
    refusal = page.locator(".errornote").inner_text()
    assert "was imported already, by analyst" in refusal
    assert StatusUpdate.objects.filter(commitment__code="HUM-1").count() == 1

    # A contribution, and a value of an indicator, which the reviewer approves.
    page.goto("/admin/commitments/contribution/add/")
    choose(page, "partner", "Kingdom", "Kingdom of Examples")
    choose(page, "commitment", "HUM-1", "HUM-1")
    page.select_option("#id_kind", "funds_pledged")
    page.fill("#id_date", last_week.isoformat())
    page.fill("#id_amount", "2500000")
    page.select_option("#id_currency", "EUR")
    page.click("input[name=_save]")
    pledge = Contribution.objects.get()
    assert (pledge.commitment.code, pledge.amount, pledge.currency) == ("HUM-1", 2_500_000, "EUR")
    page.goto(f"/admin/commitments/indicatorvalue/add/?indicator={hum1_indicator.pk}")
    page.fill("#id_value", "48")
    page.fill("#id_as_of", last_week.isoformat())
    page.click("input[name=_save]")
    value = IndicatorValue.objects.get()
    sign_in(page, reviewer)
    page.goto("/admin/commitments/indicatorvalue/review/")
    page.click(f"#value-{value.pk} button[value=approve]")
    value.refresh_from_db()
    assert value.review_state == "approved"

    # The secretariat's key message for the humanitarian pillar, reviewed like an update.
    sign_in(page, analyst)
    humanitarian = Pillar.objects.get(commitments__code="HUM-1")
    page.goto(f"/admin/commitments/briefingmessage/add/?pillar={humanitarian.pk}")
    page.fill("#id_text", "The appeal is half funded; a new pledge came in this month.")
    page.click("input[name=_save]")
    sign_in(page, reviewer)
    message = BriefingMessage.objects.get()
    page.goto("/admin/")
    page.click("text=1 briefing message to review")
    page.click(f"#message-{message.pk} button[value=approve]")
    message.refresh_from_db()
    assert message.review_state == "approved"

    # The briefing pack, from the admin's home: what stands, the key message, the pledge.
    page.goto("/admin/")
    page.fill("#briefing-since", (today - datetime.timedelta(days=30)).isoformat())
    page.click("#briefing-form button[value=html]")
    pack = page.locator("body").inner_text()
    assert "The appeal is half funded; a new pledge came in this month." in pack
    assert "Off track: misread the report." not in pack  # withdrawn, never counted
    assert "Done?" not in pack  # returned, never counted
    assert re.search(r"newly assessed: at risk", pack, re.IGNORECASE)
    assert "EUR: 2,500,000 pledged" in pack
    screenshot(page, "month-briefing-pack")
    page.goto("/admin/")
    page.fill("#briefing-since", (today - datetime.timedelta(days=30)).isoformat())
    with page.expect_download() as download:
        page.click("#briefing-form button[value=pdf]")
    filename = download.value.suggested_filename
    assert today.isoformat() in filename
    assert (today - datetime.timedelta(days=30)).isoformat() in filename

    # The reminders: the reviewer is told of the two imported updates awaiting review.
    mail.outbox.clear()
    call_command("send_reminders")
    to_reviewer = next(email for email in mail.outbox if reviewer.email in email.to)
    assert "HUM-1" in to_reviewer.body
    assert "awaiting review since" in to_reviewer.body

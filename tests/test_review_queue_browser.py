"""Two reviewers share the review queue, in a real browser: one takes an update ("I'll take
it"), the other sees who took it, filtered to its pillar, with a back-dated update flagged; and
the analyst is told of the back-dating as they type the date. The screenshots are saved under
var/screenshots/ for a person to look at."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from commitments.roles import REVIEWER
from tests.factories import CommitmentFactory, PillarFactory, UserFactory
from tests.test_admin_browser import choose, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("review_required")
def test_a_reviewer_takes_an_update_and_another_sees_it_taken_in_its_pillar(page, record, reviewer):
    page.set_viewport_size({"width": 1280, "height": 900})
    rana = UserFactory(username="rana", first_name="Rana", last_name="Haddad")
    rana.groups.add(Group.objects.get(name=REVIEWER))
    security = CommitmentFactory(
        code="MIL-1", update_cadence_days=90, pillar=PillarFactory(name="Security")
    )
    aid = CommitmentFactory(code="HUM-1", pillar=PillarFactory(name="Humanitarian"))
    late = record(security, as_of=timezone.localdate() - datetime.timedelta(days=96))
    record(aid)

    sign_in(page, rana)
    page.goto("/admin/commitments/statusupdate/review/")
    page.click(f"#update-{late.pk} button[value=claim]")
    took = page.locator(".messagelist").inner_text()
    taken = page.locator(f"#update-{late.pk}").inner_text()
    page.context.clear_cookies()
    sign_in(page, reviewer)
    page.goto("/admin/commitments/statusupdate/review/")
    page.click(".queue-pillars >> text=Security")
    screenshot(page, "review-queue-taken")

    assert f"You took update #{late.pk}" in took
    assert "Taken by you since" in taken
    item = page.locator(f"#update-{late.pk}").inner_text()
    assert "Taken by Rana Haddad since" in item
    assert "Back-dated: dated" in item
    assert "96 days old, due every 90 days" in item
    assert page.locator(".queue-item").count() == 1


def test_the_add_form_says_as_the_date_is_typed_that_an_update_will_be_stale(page, analyst):
    page.set_viewport_size({"width": 1280, "height": 900})
    CommitmentFactory(code="MIL-1", title="Train the forces", update_cadence_days=90)
    CommitmentFactory(code="HUM-1", title="Raise the funds", update_cadence_days=None)
    today = timezone.localdate()
    sign_in(page, analyst)
    page.goto("/admin/commitments/statusupdate/add/")
    note = page.locator("#back-dating")

    choose(page, "commitment", "MIL-1", "MIL-1")
    page.fill("#id_as_of", (today - datetime.timedelta(days=96)).isoformat())
    dated = f"{today - datetime.timedelta(days=96):%d %b %Y}"
    assert note.inner_text() == (
        f"Back-dated: dated {dated}: 96 days old, due every 90 days, so it will be stale the "
        "day it is approved."
    )
    screenshot(page, "back-dated-update-form")

    page.fill("#id_as_of", (today - datetime.timedelta(days=90)).isoformat())
    assert note.is_hidden()

    # Another commitment, on the project's cadence (STALE_AFTER_DAYS, 90 in the tests).
    choose(page, "commitment", "HUM-1", "HUM-1")
    page.fill("#id_as_of", (today - datetime.timedelta(days=200)).isoformat())
    assert "200 days old, due every 90 days" in note.inner_text()

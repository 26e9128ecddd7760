"""Two reviewers share the review queue, in a real browser: one takes an update ("I'll take
it"), the other sees who took it, filtered to its pillar, with a back-dated update flagged. The
screenshot is saved under var/screenshots/ for a person to look at."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from commitments.roles import REVIEWER
from tests.factories import CommitmentFactory, PillarFactory, UserFactory
from tests.test_admin_browser import screenshot, sign_in

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

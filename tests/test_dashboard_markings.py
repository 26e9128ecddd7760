"""The dashboard shows a cleared reader the marking of an update that is not public, small,
beside it in the commitment's history."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from commitments.models import Commitment
from commitments.roles import COALITION
from tests.browser import wait_until_drawn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(page, user, live_server):
    """`page` with the session of `user`, as after signing in to the admin."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return page


def test_a_coalition_update_shows_its_marking_and_a_public_one_none(
    page, live_server, roadmap, analyst, record
):
    analyst.groups.add(Group.objects.get(name=COALITION))
    commitment = Commitment.objects.get(code="MIL-1")
    public = record(commitment, as_of=datetime.date(2024, 1, 15))
    members = record(commitment, as_of=datetime.date(2024, 2, 15), releasability="coalition")

    signed_in(page, analyst, live_server).goto("/commitments/MIL-1/")
    wait_until_drawn(page)

    flags = page.locator(".timeline li .marking-flag")
    assert flags.all_inner_texts() == ["COALITION"]
    assert page.locator(f".timeline li[data-update='{members.pk}'] .marking-flag").count() == 1
    assert page.locator(f".timeline li[data-update='{public.pk}'] .marking-flag").count() == 0

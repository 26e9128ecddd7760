"""Releases in the admin: "Release to a wider audience…" on a record's page, the form with the
marking and the reason, the review queue of releases, and the record's page naming each release
(who proposed it, who approved it, when, why, from what to what)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from commitments.models import Release, StatusUpdate
from tests.releases import REASON

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]


@pytest.fixture
def update(coalition_update):
    return coalition_update


QUEUE = reverse("admin:commitments_release_review")


def update_page(update):
    return reverse("admin:commitments_statusupdate_change", args=[update.pk])


def propose_page(update):
    return reverse("admin:commitments_statusupdate_release", args=[update.pk])


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_records_page_offers_to_release_it_to_a_wider_audience(client, update, secretary):
    client.force_login(secretary)

    page = client.get(update_page(update)).content.decode()

    assert "Coalition: For the staff of Coalition members" in page
    assert f'href="{propose_page(update)}">Release to a wider audience…</a>' in page
    assert "No release: marked so since recorded." in page


def test_a_release_is_proposed_with_a_reason_approved_in_the_queue_and_kept_in_the_history(
    client, update, secretary, coalition_reviewer
):
    client.force_login(secretary)
    form = client.get(propose_page(update))
    assert [value for value, _ in form.context["form"].fields["released_to"].choices] == ["public"]

    proposed = client.post(propose_page(update), {"released_to": "public", "reason": REASON})

    release = Release.objects.get()
    assert proposed["Location"] == update_page(update)
    assert said(proposed) == [
        f"Proposed release #{release.pk}: a Reviewer or an Editor other than you approves it "
        f"before update #{update.pk} is read more widely."
    ]

    client.force_login(coalition_reviewer)
    queue = client.get(QUEUE).content.decode()
    assert f'id="release-{release.pk}"' in queue
    assert "Coalition → Public" in queue
    assert REASON.replace("'", "&#x27;") in queue
    decided = client.post(QUEUE, {"release": release.pk, "decision": "approve", "comment": ""})
    assert said(decided) == [
        f"Approved release #{release.pk} of MIL-9. Update #{update.pk} is now public: May be read "
        "by anyone, signed in or not."
    ]

    assert StatusUpdate.objects.get(pk=update.pk).releasability == "public"
    page = client.get(update_page(update)).content.decode()
    assert 'Coalition → Public: proposed by <span title="login: secretary">' in page
    assert f"“{REASON}”".replace("'", "&#x27;") in page
    assert '>Approved</span> by <span title="login: member">' in page
    assert "Release to a wider audience…" not in page


def test_a_release_without_a_reason_is_refused_on_the_form_and_nothing_is_written(
    client, update, secretary
):
    client.force_login(secretary)

    refused = client.post(propose_page(update), {"released_to": "public", "reason": "  "})

    assert refused.status_code == 200
    assert refused.context["form"].errors == {"reason": ["This field is required."]}
    assert not Release.objects.exists()


def test_a_release_to_a_narrower_audience_is_not_offered(client, update, secretary):
    client.force_login(secretary)

    refused = client.post(propose_page(update), {"released_to": "secretariat", "reason": REASON})

    assert "released_to" in refused.context["form"].errors
    assert not Release.objects.exists()


def test_whoever_may_not_read_the_record_finds_no_such_page(client, update, analyst):
    client.force_login(analyst)

    assert client.get(propose_page(update)).status_code == 404


def test_whoever_may_not_record_its_kind_may_not_propose_its_release(
    client, update, coalition_reviewer
):
    client.force_login(coalition_reviewer)

    assert (
        client.post(propose_page(update), {"released_to": "public", "reason": REASON}).status_code
        == 403
    )
    assert not Release.objects.exists()


def test_the_list_of_releases_shows_each_one(client, update, secretary, superuser):
    client.force_login(secretary)
    client.post(propose_page(update), {"released_to": "public", "reason": REASON})
    client.force_login(superuser)

    page = client.get(reverse("admin:commitments_release_changelist")).content.decode()
    release = Release.objects.get()
    detail = client.get(reverse("admin:commitments_release_change", args=[release.pk]))

    assert f"status update #{update.pk}</a> of MIL-9" in page
    assert "Pending review" in page
    assert detail.status_code == 200

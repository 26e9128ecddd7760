"""Correcting a status update in the admin: from the update itself, starting from its values,
choosing among its commitment's updates told apart, and confirming before a correction changes
what the commitment shows. A corrected update is marked superseded wherever it is listed."""

import datetime

import pytest
from django.urls import reverse

from commitments.models import Commitment, StatusUpdate
from tests.admin_pages import offered_to

pytestmark = pytest.mark.django_db

ADD = reverse("admin:commitments_statusupdate_add")
JUL_15, OCT_31, NOV_30 = (
    datetime.date(2026, 7, 15),
    datetime.date(2026, 10, 31),
    datetime.date(2026, 11, 30),
)


@pytest.fixture
def ftf2(roadmap):
    return Commitment.objects.get(code="FTF-2")


@pytest.fixture
def history(ftf2, record):
    """Two identical-looking July assessments, then October's, which is current."""
    first = record(ftf2, status="on_track", progress=20, as_of=JUL_15, summary="July.")
    second = record(ftf2, status="on_track", progress=20, as_of=JUL_15, summary="July again.")
    october = record(ftf2, status="at_risk", progress=25, as_of=OCT_31, summary="October.")
    return first, second, october


def correction_form(original, **changes):
    """The add form as "Correct this update" fills it, with the analyst's changes."""
    return {
        "commitment": original.commitment_id,
        "status": original.status,
        "progress": original.progress if original.progress is not None else "",
        "as_of": original.as_of.isoformat(),
        "summary": original.summary,
        "confidence": original.confidence,
        "corrects": original.pk,
        **changes,
    }


def test_each_update_offers_to_correct_it_to_those_who_may_record(client, history, analyst, viewer):
    october = history[2]
    page = reverse("admin:commitments_statusupdate_change", args=[october.pk])
    commitment_page = reverse("admin:commitments_commitment_change", args=[october.commitment_id])
    link = f'href="{ADD}?correct={october.pk}"'

    offered = [offered_to(client, [analyst, viewer], url, link) for url in (page, commitment_page)]

    assert offered == [[True, False], [True, False]]


def test_correct_this_update_opens_the_form_filled_from_the_original(client, history, analyst):
    original = history[1]
    original_values = {
        "commitment": original.commitment_id,
        "status": "on_track",
        "progress": 20,
        "as_of": JUL_15,  # the original's date, not today's
        "summary": "July again.",
        "corrects": original.pk,
    }
    client.force_login(analyst)

    form = client.get(ADD, {"correct": original.pk}).context["adminform"].form

    assert {name: form.initial[name] for name in original_values} == original_values


def test_the_updates_a_correction_may_correct_are_its_commitments_told_apart(
    client, history, analyst, record
):
    first, second, _ = history
    record(Commitment.objects.get(code="MIL-1"), summary="Another commitment's update.")
    client.force_login(analyst)

    form = client.get(ADD, {"correct": second.pk}).context["adminform"].form
    labels = [label for value, label in form.fields["corrects"].choices if value]

    assert len(labels) == 3  # FTF-2's three, not MIL-1's
    assert len(set(labels)) == 3  # no two alike
    assert labels[-1].startswith(
        f"#{first.pk} · On track as of 15 Jul 2026 · by analyst, recorded "
    )


def test_a_correction_that_would_change_the_current_status_asks_to_confirm(
    client, history, analyst, ftf2
):
    october = history[2]
    client.force_login(analyst)
    form = correction_form(october, status="on_track", as_of="2026-11-30", summary="Recovered.")

    response = client.post(ADD, form)

    assert response.status_code == 200
    assert (
        "This will make FTF-2 “On track” as of 30 Nov 2026 — current: “At risk” as of 31 Oct 2026"
        in response.content.decode()
    )
    assert StatusUpdate.objects.filter(commitment=ftf2).count() == 3


def test_the_status_a_correction_would_give_is_of_what_the_analysts_clearance_may_read(
    client, history, analyst, ftf2, record
):
    # Newer than the October assessment, and beyond the (uncleared) analyst's reading.
    record(ftf2, status="completed", progress=100, as_of=NOV_30, releasability="secretariat")
    client.force_login(analyst)
    form = correction_form(history[2], status="on_track", as_of="2026-11-15", summary="Recovered.")

    response = client.post(ADD, form)

    assert (
        "This will make FTF-2 “On track” as of 15 Nov 2026 — current: “At risk” as of 31 Oct 2026"
        in response.content.decode()
    )


def test_a_cleared_analysts_correction_that_leaves_their_view_as_it_is_asks_nothing(
    client, history, cleared_analyst, ftf2, record
):
    # The secretariat's November assessment is what this analyst reads as current, before
    # and after October's is corrected: nothing for them to confirm.
    record(ftf2, status="completed", progress=100, as_of=NOV_30, releasability="secretariat")
    cleared_analyst.is_staff = True
    cleared_analyst.save()
    client.force_login(cleared_analyst)
    form = correction_form(history[2], summary="October, its summary corrected.")

    response = client.post(ADD, form)

    assert response.status_code == 302
    assert StatusUpdate.objects.filter(corrects=history[2]).exists()


def test_a_confirmed_correction_is_recorded_and_replaces_the_original(
    client, history, analyst, ftf2
):
    october = history[2]
    client.force_login(analyst)
    form = correction_form(october, status="off_track", summary="Worse than reported.")

    response = client.post(ADD, {**form, "confirm_current_status": "on"})

    assert response.status_code == 302
    ftf2.refresh_from_db()
    assert (ftf2.current_status, ftf2.current_as_of) == ("off_track", OCT_31)
    assert october.corrections.get().summary == "Worse than reported."


def test_a_correction_that_leaves_the_current_status_alone_needs_no_confirmation(
    client, history, analyst, ftf2
):
    first = history[0]
    client.force_login(analyst)

    response = client.post(ADD, correction_form(first, progress="15", summary="15%, not 20%."))

    assert response.status_code == 302
    ftf2.refresh_from_db()
    assert ftf2.current_status == "at_risk"


def test_a_superseded_update_is_marked_in_the_history_and_the_list(
    client, history, analyst, record
):
    first = history[0]
    correction = record(first.commitment, as_of=JUL_15, summary="Corrected.", corrects=first)
    client.force_login(analyst)

    commitment_page = client.get(
        reverse("admin:commitments_commitment_change", args=[first.commitment_id])
    ).content.decode()
    update_list = client.get(reverse("admin:commitments_statusupdate_changelist")).content.decode()

    for page in (commitment_page, update_list):
        assert f'<strong class="superseded">Superseded</strong> by #{correction.pk}' in page
        assert f"Corrects #{first.pk}" in page

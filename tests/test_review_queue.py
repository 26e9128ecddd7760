"""The review queue as reviewers share it, with review required: back-dated updates flagged,
"I'll take it" (a claim each reviewer sees, released by its reviewer or after a day), the
queue filtered by pillar, a correction's wording as the record it corrects stands, and the
key messages in the same queue as updates and values."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from commitments.admin import queue_url
from commitments.admin.reviews import corrects_note
from commitments.models import (
    BriefingMessage,
    Indicator,
    ReviewClaim,
    StatusUpdate,
)
from commitments.roles import REVIEWER
from commitments.services import (
    AlreadyDecided,
    NotTaken,
    OwnRecord,
    TakenByAnother,
    approve_or_return,
    claim,
    record_briefing_message,
    record_indicator_value,
    release,
    save_indicator,
    withdraw,
)
from tests.admin_pages import post_status_update
from tests.conftest import at
from tests.factories import CommitmentFactory, PillarFactory, UserFactory
from tests.test_admin_review import decide, indicator_of, said

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]

QUEUE = reverse("admin:commitments_statusupdate_review")
NOON = datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.UTC)


def page(response):
    return " ".join(response.content.decode().split())


@pytest.fixture
def rana(db):
    """A second reviewer, with a name."""
    user = UserFactory(username="rana", first_name="Rana", last_name="Haddad")
    user.groups.add(Group.objects.get(name=REVIEWER))
    return user


@pytest.fixture
def mil1(db):
    """A commitment reviewed every 90 days."""
    return CommitmentFactory(code="MIL-1", update_cadence_days=90)


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


# Back-dating


@pytest.mark.parametrize(
    ("as_of", "cadence", "said"),
    [
        (datetime.date(2026, 8, 31), 90, "dated 31 Aug 2026: 96 days old, due every 90 days"),
        (datetime.date(2026, 9, 6), 90, ""),  # 90 days old: due today, not late yet
        (datetime.date(2026, 9, 6), None, ""),  # the project's default, 90 days in tests
        (datetime.date(2026, 10, 1), 30, "dated 01 Oct 2026: 65 days old, due every 30 days"),
    ],
)
def test_an_update_says_when_it_is_stale_the_day_it_counts(as_of, cadence, said, settings):
    settings.STALE_AFTER_DAYS = 90
    update = StatusUpdate(as_of=as_of, commitment=CommitmentFactory(update_cadence_days=cadence))

    assert update.back_dating(today=datetime.date(2026, 12, 5)) == said


def test_the_queue_flags_a_back_dated_update_and_not_a_recent_one(client, record, reviewer, mil1):
    late = record(mil1, as_of=days_ago(96), summary="Late.")
    recent = record(CommitmentFactory(update_cadence_days=90), as_of=days_ago(10))
    client.force_login(reviewer)

    response = client.get(QUEUE)

    rows = {row["record"]: row for row in response.context["rows"]}
    assert rows[late]["back_dating"] == (
        f"dated {late.as_of:%d %b %Y}: 96 days old, due every 90 days"
    )
    assert rows[recent]["back_dating"] == ""
    assert page(response).count("<strong>Back-dated:</strong>") == 1
    assert (
        f"<strong>Back-dated:</strong> dated {late.as_of:%d %b %Y}: 96 days old, due every 90 "
        "days, so it is stale the day it is approved." in page(response)
    )


@pytest.mark.parametrize(("age", "warned"), [(96, True), (90, False)])
def test_saving_a_back_dated_update_warns_after_it_is_recorded(client, analyst, mil1, age, warned):
    client.force_login(analyst)
    as_of = days_ago(age)

    response = post_status_update(client, mil1, as_of=as_of.isoformat())

    assert response.status_code == 302
    assert StatusUpdate.objects.get().as_of == as_of  # recorded all the same
    warning = (
        f"Back-dated: dated {as_of:%d %b %Y}: 96 days old, due every 90 days, so it is stale the "
        "day it is approved. Check its as-of date; if it is right, a newer assessment is due as "
        "well."
    )
    assert (warning in said(response)) is warned


# Claims: "I'll take it"


def test_a_reviewer_takes_an_update_and_the_others_see_who_and_since_when(
    client, record, reviewer, rana, mil1
):
    update = record(mil1)
    client.force_login(rana)

    with at(NOON):
        taken = client.post(
            reverse("admin:commitments_statusupdate_claim"),
            {"update": update.pk, "action": "claim"},
        )
        mine = page(client.get(QUEUE))
    client.force_login(reviewer)
    with at(NOON + datetime.timedelta(hours=23)):
        theirs = page(client.get(QUEUE))

    assert taken["Location"] == queue_url(StatusUpdate, update)
    assert said(taken) == [
        f"You took update #{update.pk}: the other reviewers see it is yours for a day, or until "
        "you release it."
    ]
    assert "Taken by you since 5 Dec 2026, 12:00" in mine
    assert 'value="release"' in mine
    assert "Taken by Rana Haddad since 5 Dec 2026, 12:00" in theirs
    assert 'value="claim"' not in theirs
    # A claim is a courtesy, not a lock: the other reviewer may still decide.
    assert 'value="approve"' in theirs


def test_a_claim_lapses_after_a_day_and_another_reviewer_may_take_it(
    client, record, reviewer, rana, mil1
):
    update = record(mil1)
    with at(NOON):
        claim(update, reviewer=rana)
        with pytest.raises(TakenByAnother, match="is taken by Rana Haddad since 05 Dec 2026"):
            claim(update, reviewer=reviewer)
    client.force_login(reviewer)

    with at(NOON + datetime.timedelta(hours=24, seconds=1)):
        queue = page(client.get(QUEUE))
        claim(update, reviewer=reviewer)

    assert "Taken by" not in queue
    assert 'value="claim"' in queue
    taken = ReviewClaim.objects.get()
    assert (taken.record, taken.reviewer, taken.claimed_at) == (
        update,
        reviewer,
        NOON + datetime.timedelta(hours=24, seconds=1),
    )


def test_a_reviewer_releases_their_own_claim_and_no_one_elses(client, record, reviewer, rana, mil1):
    update = record(mil1)
    claim(update, reviewer=rana)

    with pytest.raises(NotTaken):
        release(update, reviewer=reviewer)
    client.force_login(rana)
    released = client.post(
        reverse("admin:commitments_statusupdate_claim"),
        {"update": update.pk, "action": "release"},
    )

    assert said(released) == [f"You released update #{update.pk}: another reviewer may take it."]
    assert not ReviewClaim.objects.exists()


def test_its_author_cannot_take_a_record_nor_anyone_a_decided_one(
    client, record, reviewer, rana, editor, mil1
):
    own = record(mil1, author=editor)
    decided = record(CommitmentFactory())
    approve_or_return(decided, reviewer=rana, decision="approve")
    client.force_login(editor)

    with pytest.raises(OwnRecord):
        claim(own, reviewer=editor)
    with pytest.raises(AlreadyDecided):
        claim(decided, reviewer=reviewer)
    queue = page(client.get(QUEUE))
    refused = client.post(
        reverse("admin:commitments_statusupdate_claim"), {"update": own.pk, "action": "claim"}
    )

    assert "Yours: another reviewer must decide." in queue
    assert 'value="claim"' not in queue
    assert said(refused) == [
        f"Nothing changed. You recorded update #{own.pk}: another reviewer must decide on it "
        "(four eyes)."
    ]
    assert not ReviewClaim.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_roles_that_do_not_review_may_not_take_a_record(client, request, record, mil1, role):
    update = record(mil1)
    client.force_login(request.getfixturevalue(role))

    response = client.post(
        reverse("admin:commitments_statusupdate_claim"), {"update": update.pk, "action": "claim"}
    )

    assert response.status_code == 403
    assert not ReviewClaim.objects.exists()


def test_values_and_messages_are_taken_as_updates_are(reviewer, analyst, mil1):
    indicator = indicator_of(mil1)
    value = record_indicator_value(
        indicator=indicator, value=Decimal(5), as_of=days_ago(1), author=analyst
    )
    message = record_briefing_message(
        pillar=mil1.pillar, as_of=days_ago(1), text="On course.", author=analyst
    )

    claim(value, reviewer=reviewer)
    claim(message, reviewer=reviewer)

    assert {taken.record for taken in ReviewClaim.objects.all()} == {value, message}
    assert {taken.record for taken in ReviewClaim.objects.on([value]).active()} == {value}


# The pillar filter


def test_the_queue_is_filtered_by_pillar(client, record, reviewer, mil1):
    other = CommitmentFactory(pillar=PillarFactory(name="Humanitarian"))
    here, there = record(mil1, summary="Here."), record(other, summary="There.")
    client.force_login(reviewer)

    everything = client.get(QUEUE)
    filtered = client.get(QUEUE, {"pillar": other.pillar_id})

    assert [row["record"] for row in everything.context["rows"]] == [here, there]
    assert [row["record"] for row in filtered.context["rows"]] == [there]
    assert filtered.context["pending_total"] == 1
    assert "<strong>Humanitarian</strong>" in page(filtered)
    assert f'<a href="?pillar={mil1.pillar_id}">{mil1.pillar.name}</a>' in page(filtered)


def test_taking_or_deciding_from_a_filtered_queue_goes_back_to_it(client, record, reviewer, mil1):
    update, other = record(mil1), record(mil1)
    client.force_login(reviewer)
    filtered = f"{QUEUE}?pillar={mil1.pillar_id}"

    form = page(client.get(filtered))
    taken = client.post(
        reverse("admin:commitments_statusupdate_claim"),
        {"update": update.pk, "action": "claim", "pillar": mil1.pillar_id},
    )
    approved = client.post(
        QUEUE, {"update": other.pk, "decision": "approve", "pillar": mil1.pillar_id}
    )

    assert f'<input type="hidden" name="pillar" value="{mil1.pillar_id}">' in form
    assert taken["Location"] == f"{filtered}#update-{update.pk}"
    assert approved["Location"] == filtered


def test_the_values_queue_is_filtered_by_their_commitments_pillar(client, analyst, reviewer, mil1):
    other = CommitmentFactory()
    indicators = [
        indicator_of(mil1),
        save_indicator(
            Indicator(
                commitment=other,
                slug="housed",
                name="People housed",
                unit="people",
                direction="increase",
            )
        ),
    ]
    values = [
        record_indicator_value(
            indicator=indicator, value=Decimal(1), as_of=days_ago(1), author=analyst
        )
        for indicator in indicators
    ]
    client.force_login(reviewer)

    filtered = client.get(
        reverse("admin:commitments_indicatorvalue_review"), {"pillar": other.pillar_id}
    )

    assert [row["record"] for row in filtered.context["rows"]] == values[1:]


# What a correction does to the record it corrects


def test_a_correction_of_an_approved_update_says_the_original_stops_counting(
    client, record, record_approved, reviewer, mil1
):
    original = record_approved(mil1)
    record(mil1, corrects=original, summary="Corrected.")
    client.force_login(reviewer)

    queue = page(client.get(QUEUE))

    assert (
        f"#{original.pk}</a>: On track as of 15 Jan 2024, which no longer counts once this is"
        in (queue)
    )


def test_an_answer_to_a_returned_update_says_the_original_never_counted(
    client, record, reviewer, mil1
):
    original = record(mil1)
    approve_or_return(original, reviewer=reviewer, decision="return", comment="Which report?")
    record(mil1, corrects=original, summary="Answered.")
    client.force_login(reviewer)

    queue = page(client.get(QUEUE))

    assert (
        f"#{original.pk}</a>: On track as of 15 Jan 2024, which was returned to its author and "
        "never counted: this answers it" in queue
    )
    assert "no longer counts" not in queue


def test_a_correction_of_a_record_not_yet_decided_or_withdrawn_says_so(record, analyst, mil1):
    # Neither can be corrected through the services; the words are for history that predates
    # them, and say what is true all the same.
    pending, withdrawn = record(mil1), record(CommitmentFactory())
    withdraw(withdrawn, author=analyst)

    assert corrects_note(StatusUpdate(corrects=pending)) == (
        "which is pending review itself: it does not count yet"
    )
    assert corrects_note(StatusUpdate(corrects=withdrawn)) == (
        "which its author withdrew: it never counted"
    )


# Key messages share the queue


def test_key_messages_are_reviewed_in_the_shared_queue(client, analyst, reviewer, mil1):
    message = record_briefing_message(
        pillar=mil1.pillar, as_of=days_ago(1), text="On course.", author=analyst
    )
    client.force_login(reviewer)

    home = page(client.get(reverse("admin:index")))
    queue = page(client.get(reverse("admin:commitments_briefingmessage_review")))
    approved = decide(client, message, "approve")

    messages_queue = reverse("admin:commitments_briefingmessage_review")
    assert (
        f'<a href="{messages_queue}"><strong class="review-count">1</strong> briefing message '
        "to review</a>" in home
    )
    assert f"{mil1.pillar.name}, pack of {message.as_of:%-d %b %Y}" in queue
    assert "<dt>Message</dt><dd>On course.</dd>" in queue
    assert approved.messages == [
        f"Approved message #{message.pk}: it is printed in the pack of {message.as_of:%d %b %Y}."
    ]
    assert BriefingMessage.objects.approved().get() == message


def test_the_key_messages_queue_takes_a_fixed_number_of_queries(
    client, analyst, reviewer, mil1, django_assert_max_num_queries
):
    for day in range(10):
        record_briefing_message(
            pillar=mil1.pillar, as_of=days_ago(day), text="On course.", author=analyst
        )
    client.force_login(reviewer)

    # Session and user, the user's permissions (two), the pillars of the filter, the messages
    # with their pillars and authors, the claims on them, and the two counts.
    with django_assert_max_num_queries(9):
        client.get(reverse("admin:commitments_briefingmessage_review"))

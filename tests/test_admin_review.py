"""The reviewers' and analysts' day in the admin, with review required (the product's default):
the review queue and its count on the home page, decisions as messages, four eyes for
everyone, and a commitment's page that keeps what is in review apart from what counts."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from commitments.admin import queue_url
from commitments.models import (
    Commitment,
    Indicator,
    IndicatorValue,
    IndicatorValueReview,
    Review,
    StatusUpdate,
)
from commitments.services import approve_or_return, record_indicator_value, save_indicator
from tests.admin_pages import post_status_update
from tests.factories import CommitmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]

QUEUE = reverse("admin:commitments_statusupdate_review")
HOME = reverse("admin:index")
MAR_1, JUN_1 = datetime.date(2024, 3, 1), datetime.date(2024, 6, 1)


def commitment_page(commitment):
    return reverse("admin:commitments_commitment_change", args=[commitment.pk])


def said(response):
    """The messages a response leaves to show on the next page."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def decide(client, record, decision, comment=""):
    """Posts a decision from the record's queue (an update's, a value's); the messages it leaves
    are shown (consumed) at once."""
    queue = queue_url(type(record))
    data = {record.noun: record.pk, "decision": decision, "comment": comment}
    response = client.post(queue, data)
    response.messages = said(response)
    client.get(queue)
    return response


def indicator_of(commitment, **fields):
    """An indicator of `commitment`: people trained, to increase (from a baseline toward a
    target, when given)."""
    indicator = Indicator(
        commitment=commitment,
        slug="trained",
        name="People trained",
        unit="people",
        direction="increase",
        **fields,
    )
    return save_indicator(indicator)


@pytest.fixture
def mil1(db):
    return CommitmentFactory(code="MIL-1", title="Train the security forces")


# The queue


def test_the_queue_lists_pending_updates_oldest_first_and_nothing_decided(
    client, record, reviewer, mil1
):
    older = record(mil1, summary="Older.")
    newer = record(CommitmentFactory(), summary="Newer.")
    approved = record(mil1, summary="Approved already.")
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    returned = record(mil1, summary="Returned already.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")
    client.force_login(reviewer)

    response = client.get(QUEUE)

    assert [row["record"] for row in response.context["rows"]] == [older, newer]
    page = response.content.decode()
    assert "2 pending updates." in page
    assert page.count('name="decision" value="approve"') == 2


def test_the_queue_shows_each_update_beside_what_its_commitment_shows_now(
    client, record, evidence, reviewer, mil1
):
    current = record(mil1, status="on_track", progress=20, as_of=MAR_1)
    approve_or_return(current, reviewer=reviewer, decision="approve")
    record(
        mil1,
        status="at_risk",
        progress=25,
        as_of=JUN_1,
        summary="Recruitment stalled.",
        evidence=[evidence(source="Quarterly report", url="https://example.org/report")],
    )
    client.force_login(reviewer)

    page = client.get(QUEUE).content.decode()

    for shown in [
        "MIL-1</a> Train the security forces",
        "Now (approved)",
        "On track",
        "20%",
        "1 Mar 2024",
        "This update",
        "At risk",
        "25%",
        "1 Jun 2024",
        "Recruitment stalled.",
        "https://example.org/report",
        "Quarterly report",
        "changes what MIL-1 shows",
        "ago)",
    ]:
        assert shown in page, shown


def test_the_queue_says_when_approving_would_change_nothing_readers_see(
    client, record, reviewer, mil1
):
    newer = record(mil1, status="at_risk", as_of=JUN_1)
    approve_or_return(newer, reviewer=reviewer, decision="approve")
    record(mil1, status="completed", as_of=MAR_1)  # back-dated
    client.force_login(reviewer)

    [row] = client.get(QUEUE).context["rows"]

    assert (row["record"].on_approval.status, row["record"].on_approval.as_of) == ("at_risk", JUN_1)
    assert row["record"].changes_status is False


def test_the_queue_shows_what_a_correction_corrects_and_what_approving_it_would_show(
    client, record, reviewer, mil1
):
    original = record(mil1, status="on_track", as_of=JUN_1)
    approve_or_return(original, reviewer=reviewer, decision="approve")
    record(mil1, status="off_track", as_of=JUN_1, summary="Wrong before.", corrects=original)
    client.force_login(reviewer)

    response = client.get(QUEUE)

    [row] = response.context["rows"]
    assert row["record"].on_approval.status == "off_track"
    assert row["record"].changes_status is True
    assert f"#{original.pk}</a>: On track as of 1 Jun 2024" in response.content.decode()


def test_the_queue_takes_a_fixed_number_of_queries(
    client, record, reviewer, evidence, django_assert_max_num_queries
):
    for _ in range(10):
        record(CommitmentFactory(), evidence=[evidence("C3"), evidence("D4")])
    client.force_login(reviewer)

    # Session and user, the user's permissions (two), the pillars of the filter, the updates
    # with their rivals, the rivals, the evidence they cite, the claims on them, and the two
    # counts.
    with django_assert_max_num_queries(10):
        client.get(QUEUE)


# Deciding


def test_approving_from_the_queue_makes_the_update_count(client, record, reviewer, mil1):
    update = record(mil1, status="at_risk", progress=40, as_of=MAR_1)
    client.force_login(reviewer)

    response = decide(client, update, "approve")

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert response.messages == [
        f"Approved update #{update.pk} of MIL-1. MIL-1 now shows “At risk” as of 01 Mar 2024."
    ]
    mil1.refresh_from_db()
    assert (mil1.current_status, mil1.current_progress, mil1.current_as_of) == (
        "at_risk",
        40,
        MAR_1,
    )
    assert Review.objects.get(update=update).reviewer == reviewer


def test_returning_from_the_queue_needs_a_comment_and_changes_nothing_readers_see(
    client, record, reviewer, mil1
):
    update = record(mil1, status="completed")
    client.force_login(reviewer)

    refused = decide(client, update, "return", comment="  ")
    assert refused.messages == [
        f"Update #{update.pk} was not decided: Say why the update is returned, so that its "
        "author can revise it."
    ]
    assert not Review.objects.exists()

    response = decide(client, update, "return", comment="Not finished: see the report.")

    assert response.messages == [
        f"Returned update #{update.pk} of MIL-1 to analyst with your comment. It does not "
        "count; its author can answer it with a correction."
    ]
    review = Review.objects.get(update=update)
    assert (review.decision, review.comment) == ("return", "Not finished: see the report.")
    mil1.refresh_from_db()
    assert mil1.current_status == "not_assessed"


@pytest.mark.parametrize("author_role", ["editor", "superuser"])
def test_nobody_is_offered_or_allowed_to_decide_their_own_update(
    client, record, request, author_role, mil1
):
    author = request.getfixturevalue(author_role)
    own = record(mil1, author=author)
    client.force_login(author)

    page = client.get(QUEUE).content.decode()
    response = decide(client, own, "approve")

    assert "Yours: another reviewer must decide." in page
    assert 'name="decision"' not in page
    assert response.messages == [
        f"Nothing was decided. You recorded update #{own.pk}: another reviewer must decide on it "
        "(four eyes)."
    ]
    assert not Review.objects.exists()


# Each queue (the indicator values', test_admin_value_review.py) refuses alike.


@pytest.fixture(params=[StatusUpdate, IndicatorValue])
def pending(request, record, analyst, mil1):
    """A pending record of each queue: a status update of MIL-1, a value of its indicator."""
    if request.param is StatusUpdate:
        return record(mil1)
    return record_indicator_value(
        indicator=indicator_of(mil1), value=100, as_of=MAR_1, author=analyst
    )


def test_a_second_decision_is_refused_with_a_message(client, pending, reviewer, editor):
    approve_or_return(pending, reviewer=reviewer, decision="return", comment="Source?")
    client.force_login(editor)

    response = decide(client, pending, "approve")

    [message] = response.messages
    noun = pending.noun.capitalize()
    assert message.startswith(f"Nothing was decided. {noun} #{pending.pk} was already returned")
    assert type(pending).objects.get(pk=pending.pk).review.decision == "return"


@pytest.mark.parametrize(
    ("model", "which"), [(StatusUpdate, "an update"), (IndicatorValue, "a value")]
)
def test_a_decision_on_no_record_is_refused_with_a_message(client, reviewer, model, which):
    client.force_login(reviewer)

    response = client.post(queue_url(model), {model.noun: "999999", "decision": "approve"})

    assert said(response) == [
        f"Nothing was decided: choose Approve or Return on {which} of the queue (it may no "
        "longer exist)."
    ]
    assert not Review.objects.exists()
    assert not IndicatorValueReview.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_roles_that_do_not_review_are_refused_the_queue(client, record, request, role, mil1):
    update = record(mil1, author=UserFactory(username="someone"))
    client.force_login(request.getfixturevalue(role))

    page = client.get(QUEUE)
    posted = decide(client, update, "approve")

    assert (page.status_code, posted.status_code) == (403, 403)
    assert "This needs the <strong>Reviewer or Editor</strong> role" in page.content.decode()
    assert not Review.objects.exists()


# What waits, where analysts look


def test_the_home_page_counts_what_the_user_may_review_and_their_own_pending_updates(
    client, record, reviewer, editor, mil1
):
    record(mil1)
    record(mil1)
    record(mil1, author=editor)
    returned = record(mil1, author=editor)
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")

    client.force_login(reviewer)
    as_reviewer = client.get(HOME).content.decode()
    client.force_login(editor)
    as_editor = client.get(HOME).content.decode()

    assert (
        f'<a href="{QUEUE}"><strong class="review-count">3</strong> status updates to review'
        in as_reviewer
    )
    assert "of your status updates pending review" not in as_reviewer  # Reviewers record nothing
    assert '<strong class="review-count">2</strong> status updates to review' in as_editor
    assert (
        '<strong class="review-count">1</strong> of your status updates pending review' in as_editor
    )
    assert (
        '<strong class="review-count">1</strong> status update returned to you for revision'
        in as_editor
    )


def test_the_home_page_counts_indicator_values_as_it_counts_updates(
    client, reviewer, editor, analyst, mil1
):
    """The seam issue 23 named: the home page knew pending updates but not pending values."""
    indicator = indicator_of(mil1)

    def observe(author):
        return record_indicator_value(indicator=indicator, author=author, value=10, as_of=MAR_1)

    observe(analyst)
    observe(analyst)
    returned = observe(editor)
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")

    client.force_login(reviewer)
    as_reviewer = client.get(HOME).content.decode()
    client.force_login(editor)
    as_editor = client.get(HOME).content.decode()

    value_queue = queue_url(IndicatorValue)
    assert (
        f'<a href="{value_queue}"><strong class="review-count">2</strong> indicator values to '
        "review" in as_reviewer
    )
    assert (
        '<strong class="review-count">1</strong> indicator value returned to you for revision'
        in as_editor
    )


def test_a_viewer_sees_no_review_counts(client, record, viewer, mil1):
    record(mil1)
    client.force_login(viewer)

    assert 'id="review-summary"' not in client.get(HOME).content.decode()


def test_the_update_list_shows_and_filters_by_review_state(client, record, reviewer, mil1):
    pending = record(mil1, summary="Pending.")
    approved = record(mil1, summary="Approved.")
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    returned = record(mil1, summary="Returned.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")
    client.force_login(reviewer)
    changelist = reverse("admin:commitments_statusupdate_changelist")

    listed = {
        state: list(client.get(changelist, {"review": state}).context["cl"].result_list)
        for state in ["pending", "approved", "returned"]
    }

    assert listed == {"pending": [pending], "approved": [approved], "returned": [returned]}
    assert "Returned for revision" in client.get(changelist).content.decode()


def test_an_updates_page_shows_its_decision_read_only(client, record, reviewer, analyst, mil1):
    update = record(mil1)
    approve_or_return(update, reviewer=reviewer, decision="return", comment="Which report?")
    client.force_login(analyst)

    page = client.get(reverse("admin:commitments_statusupdate_change", args=[update.pk]))

    text = page.content.decode()
    for shown in ["Returned for revision", "reviewer", "Which report?", "Correct it"]:
        assert shown in text, shown
    assert f"?correct={update.pk}" in text


def test_a_pending_updates_page_sends_reviewers_to_the_queue_but_not_its_author(
    client, record, reviewer, editor, mil1
):
    update = record(mil1, author=editor)
    page = reverse("admin:commitments_statusupdate_change", args=[update.pk])
    link = f'href="{QUEUE}#update-{update.pk}"'

    client.force_login(reviewer)
    to_reviewer = client.get(page).content.decode()
    client.force_login(editor)
    to_author = client.get(page).content.decode()

    assert "Pending review" in to_reviewer
    assert (link in to_reviewer, link in to_author) == (True, False)
    assert "Correct it" not in to_author  # a pending update is corrected once decided


def test_a_commitments_page_keeps_updates_in_review_apart_from_the_approved_history(
    client, record, reviewer, editor, mil1
):
    approved = record(mil1, summary="Approved.")
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    pending = record(mil1, summary="Pending.")
    returned = record(mil1, summary="Returned.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Source?")
    client.force_login(editor)

    response = client.get(commitment_page(mil1))

    [history] = [
        formset
        for formset in response.context["inline_admin_formsets"]
        if formset.formset.model is StatusUpdate
    ]
    assert [form.original for form in history] == [approved]
    page = response.content.decode()
    table = page[page.index('class="in-review"') :]
    table = table[: table.index("</table>")]
    assert ("Pending." in table, "Returned." in table, "Approved." in table) == (True, True, False)
    assert f'href="{QUEUE}#update-{pending.pk}">Review it in the queue' in table
    assert f"?correct={returned.pk}" in table
    assert "Source?" in table


def test_decisions_and_withdrawals_are_recent_actions_on_the_admin_home(
    client, record, reviewer, analyst, mil1
):
    approved, withdrawn = record(mil1), record(mil1)
    client.force_login(reviewer)
    decide(client, approved, "approve")
    client.force_login(analyst)
    client.post(f"/admin/commitments/statusupdate/{withdrawn.pk}/withdraw/")

    by_reviewer = LogEntry.objects.get(user=reviewer)
    by_author = LogEntry.objects.get(user=analyst)
    client.force_login(reviewer)
    home = client.get(HOME).content.decode()

    assert (by_reviewer.object_id, by_author.object_id) == (str(approved.pk), str(withdrawn.pk))
    assert by_reviewer.get_change_message().startswith(f"Approved update #{approved.pk} of MIL-1")
    assert by_author.get_change_message().startswith(f"Withdrew update #{withdrawn.pk}")
    assert f"/admin/commitments/statusupdate/{approved.pk}/change/" in home


def test_a_commitments_page_says_no_updates_yet_until_one_is_approved(
    client, record, reviewer, editor, mil1
):
    client.force_login(editor)
    never = client.get(commitment_page(mil1)).content.decode()
    approve_or_return(record(mil1), reviewer=reviewer, decision="approve")

    since = client.get(commitment_page(mil1)).content.decode()

    assert "No updates yet." in never
    assert "None: every update of this commitment has been approved." in since


# Recording


def test_recording_says_the_update_is_pending_review_and_who_approves_it(client, analyst, mil1):
    client.force_login(analyst)
    today = timezone.localdate()
    response = post_status_update(client, mil1, as_of=today.isoformat())  # on track, not late

    assert response.status_code == 302
    assert said(response) == [
        f"Recorded: MIL-1: On track as of {today:%d %b %Y}. It is pending review: a Reviewer or "
        "an Editor other than you must approve it before it counts; MIL-1 shows “Not assessed” "
        "until then."
    ]
    assert StatusUpdate.objects.get().review_state == "pending"


def test_a_correction_that_would_change_the_status_is_confirmed_by_approval_not_submission(
    client, record, reviewer, analyst, mil1
):
    original = record(mil1, status="on_track", as_of=JUN_1)
    approve_or_return(original, reviewer=reviewer, decision="approve")
    client.force_login(analyst)
    add = reverse("admin:commitments_statusupdate_add")

    offered = client.get(add, {"correct": original.pk}).content.decode()
    response = client.post(
        add,
        {
            "commitment": mil1.pk,
            "status": "off_track",
            "as_of": "2024-06-01",
            "summary": "Worse than reported.",
            "corrects": original.pk,
        },
    )

    assert 'name="confirm_current_status"' not in offered
    assert response.status_code == 302
    assert original.corrections.get().review_state == "pending"
    assert Commitment.objects.get(pk=mil1.pk).current_status == "on_track"


def test_a_returned_update_may_be_answered_with_a_correction(
    client, record, reviewer, analyst, mil1
):
    returned = record(mil1, status="completed", as_of=JUN_1)
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Not yet.")
    client.force_login(analyst)
    add = reverse("admin:commitments_statusupdate_add")

    response = client.post(
        add,
        {
            "commitment": mil1.pk,
            "status": "on_track",
            "as_of": "2024-06-01",
            "summary": "Nearly done.",
            "corrects": returned.pk,
        },
    )

    assert response.status_code == 302
    assert returned.corrections.get().summary == "Nearly done."


# Decisions are records


@pytest.mark.parametrize("page", ["change", "delete"])
def test_nobody_changes_or_deletes_a_decision_in_the_admin(
    client, record, reviewer, superuser, mil1, page
):
    update = record(mil1)
    review = approve_or_return(update, reviewer=reviewer, decision="return", comment="Source?")
    client.force_login(superuser)
    url = reverse(f"admin:commitments_review_{page}", args=[review.pk])

    response = client.post(url, {"decision": "approve", "comment": "", "post": "yes"})

    assert response.status_code == 403
    assert Review.objects.get().decision == "return"


# Staleness on the commitment's page


@pytest.mark.parametrize(
    ("assessed_days_ago", "cadence", "shown"),
    [
        (None, None, "⚠ Never assessed</span>; due every 90 days."),
        (100, None, "⚠ Needs assessment — 10 days overdue</span>. Last assessed 100 days ago"),
        (10, 30, "Up to date. Last assessed 10 days ago; due every 30 days."),
    ],
)
def test_a_commitments_page_says_whether_an_assessment_is_due_and_why(
    client, settings, record, editor, assessed_days_ago, cadence, shown
):
    settings.REVIEW_REQUIRED = False
    commitment = CommitmentFactory(update_cadence_days=cadence)
    if assessed_days_ago is not None:
        record(commitment, as_of=timezone.localdate() - datetime.timedelta(assessed_days_ago))
    client.force_login(editor)

    page = client.get(commitment_page(commitment)).content.decode()

    assert shown in page

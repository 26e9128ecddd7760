"""The indicator values' review queue in the admin, with review required: the status updates'
queue (test_admin_review.py, where the refusals both queues share are tested for each) with a
value's rows, each beside its indicator's baseline, latest approved value and target. Four eyes
and what is said after a decision are the updates' own."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from commitments.models import IndicatorValue, IndicatorValueReview
from commitments.services import approve_or_return, record_indicator_value
from tests.factories import CommitmentFactory
from tests.test_admin_review import decide, indicator_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]

QUEUE = reverse("admin:commitments_indicatorvalue_review")
JAN_15 = datetime.date(2024, 1, 15)


@pytest.fixture
def indicator(db):
    """People trained in MIL-1: from 1,000 toward 3,000."""
    return indicator_of(CommitmentFactory(code="MIL-1"), baseline_value=1000, target_value=3000)


@pytest.fixture
def observe(analyst):
    """Records a value, pending review: by the analyst, as of 15 Jan 2024, unless told."""

    def observe(indicator, value, *, as_of=JAN_15, **fields):
        fields = {"author": analyst, "as_of": as_of, **fields}
        return record_indicator_value(indicator=indicator, value=Decimal(value), **fields)

    return observe


def test_the_queue_shows_each_value_beside_its_indicators_baseline_latest_and_target(
    client, indicator, observe, evidence, reviewer
):
    approved = observe(indicator, "1500", as_of=datetime.date(2023, 12, 31))
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    pending = observe(
        indicator, "2000", evidence=[evidence(source="Quarterly report")], confidence="medium"
    )
    client.force_login(reviewer)

    response = client.get(QUEUE)

    [row] = response.context["rows"]
    assert row["record"] == pending
    page = response.content.decode()
    for shown in [
        "1 pending value.",
        f'id="value-{pending.pk}"',
        f"{indicator}</a> · value",
        "This value</dt><dd>2,000 people, as of 15 Jan 2024",
        f"Baseline</dt><dd>{indicator.baseline_phrase}",
        "Latest approved</dt><dd>1,500 people (31 Dec 2023)",
        f"Target</dt><dd>{indicator.target_phrase}",
        "Quarterly report",
        "ago)",
        f'<input type="hidden" name="value" value="{pending.pk}">',
    ]:
        assert shown in page, shown


def test_the_queue_takes_a_fixed_number_of_queries(
    client, indicator, observe, reviewer, django_assert_max_num_queries
):
    for value in range(10):
        observe(indicator, value)
    client.force_login(reviewer)

    # Session and user, the user's own and their groups' permissions, the pillars of the
    # filter, the values, their indicators with their latest values, the evidence the values
    # cite, the claims on the values, and the two counts.
    with django_assert_max_num_queries(11):
        client.get(QUEUE)


def test_approving_a_value_says_what_its_indicator_now_shows(client, indicator, observe, reviewer):
    value = observe(indicator, "2000")
    client.force_login(reviewer)

    response = decide(client, value, "approve")

    assert response["Location"] == QUEUE
    assert response.messages == [
        f"Approved value #{value.pk} of {indicator}. Its latest approved value is 2,000 people "
        "(15 Jan 2024); progress toward its target: 50.0%."
    ]
    assert IndicatorValueReview.objects.get(value=value).reviewer == reviewer


def test_returning_a_value_needs_a_comment_and_leaves_its_author_to_correct_it(
    client, indicator, observe, reviewer
):
    value = observe(indicator, "2000")
    client.force_login(reviewer)

    refused = decide(client, value, "return", comment="  ")
    returned = decide(client, value, "return", comment="Which report?")

    assert refused["Location"] == f"{QUEUE}#value-{value.pk}"
    assert refused.messages == [
        f"Value #{value.pk} was not decided: Say why the value is returned, so that its author "
        "can record a better one."
    ]
    assert returned.messages == [
        f"Returned value #{value.pk} of {indicator} to analyst with your comment. It does not "
        "count; its author can answer it with a correction."
    ]
    assert IndicatorValue.objects.returned().get() == value


@pytest.mark.parametrize("author_role", ["editor", "superuser"])
def test_nobody_is_offered_or_allowed_to_decide_their_own_value(
    client, indicator, observe, request, author_role
):
    author = request.getfixturevalue(author_role)
    own = observe(indicator, "2000", author=author)
    client.force_login(author)

    page = client.get(QUEUE).content.decode()
    response = decide(client, own, "approve")
    own_page = client.get(reverse("admin:commitments_indicatorvalue_change", args=[own.pk]))

    assert "Yours: another reviewer must decide." in page
    assert 'name="decision"' not in page
    assert response.messages == [
        f"Nothing was decided. You recorded value #{own.pk}: another reviewer must decide on it "
        "(four eyes)."
    ]
    assert "Review it in the queue" not in own_page.content.decode()
    assert not IndicatorValueReview.objects.exists()


def test_a_pending_values_page_sends_reviewers_to_its_place_in_the_queue(
    client, indicator, observe, reviewer
):
    value = observe(indicator, "2000")
    client.force_login(reviewer)

    page = client.get(reverse("admin:commitments_indicatorvalue_change", args=[value.pk]))

    assert f'href="{QUEUE}#value-{value.pk}">Review it in the queue' in page.content.decode()


def test_a_correction_of_a_value_starts_from_the_values_it_corrects(
    client, indicator, observe, reviewer, analyst
):
    value = observe(indicator, "2000", confidence="medium")
    approve_or_return(value, reviewer=reviewer, decision="approve")
    client.force_login(analyst)

    response = client.get(reverse("admin:commitments_indicatorvalue_add"), {"correct": value.pk})

    initial = response.context["adminform"].form.initial
    assert (initial["indicator"], initial["value"], initial["as_of"]) == (
        indicator.pk,
        Decimal("2000"),
        JAN_15,
    )
    assert (initial["confidence"], initial["corrects"]) == ("medium", value.pk)

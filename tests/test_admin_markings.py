"""The admin shows each record's marking (its releasability): a badge in every list, with a
filter, and a banner at the top and the foot of its page, the review pages' included. And it
shows nobody a record beyond their clearance: not in a list, a record's page, the review queue
or a commitment's page."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from commitments.models import RELEASABILITY_MEANING, Releasability, Review
from commitments.roles import COALITION, REVIEWER, SECRETARIAT
from commitments.services import (
    approve_or_return,
    record_contribution,
    record_indicator_value,
    record_status_update,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_required")]

COALITION_BANNER = (
    "<strong>COALITION</strong>: For the staff of Coalition members (the Coalition clearance "
    "group) and the secretariat.</p>"
)


def member_of(*groups):
    user = UserFactory()
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def members_reviewer(db):
    """A Reviewer of the Coalition clearance group."""
    return member_of(REVIEWER, COALITION)


@pytest.fixture
def marked(mil1, hum1_indicator, nato):
    """A coalition update (pending), value (pending) and contribution of MIL-1, and a public
    update (pending), each recorded by a member of the Coalition group."""
    author = member_of(COALITION)
    common = {"author": author, "as_of": datetime.date(2024, 1, 15)}
    return {
        "statusupdate": record_status_update(
            commitment=mil1, status="at_risk", summary="Members only.", releasability="coalition",
            **common,
        ),
        "indicatorvalue": record_indicator_value(
            indicator=hum1_indicator, value=Decimal("12"), releasability="coalition", **common
        ),
        "contribution": record_contribution(
            partner=nato, commitment=mil1, author=author, kind="funds_pledged",
            amount=Decimal("1000"), currency="USD", date=datetime.date(2024, 1, 15),
            releasability="coalition",
        ),
        "public": record_status_update(
            commitment=mil1, status="on_track", summary="For anyone.", **common
        ),
    }  # fmt: skip


MODELS = ["statusupdate", "indicatorvalue", "contribution"]


def changelist(client, model_name, query=""):
    return client.get(f"/admin/commitments/{model_name}/{query}")


def listed(response):
    return [row.pk for row in response.context["cl"].result_list]


@pytest.mark.parametrize("model_name", MODELS)
def test_every_list_shows_each_records_marking_as_a_badge(client, marked, model_name):
    client.force_login(member_of(SECRETARIAT, REVIEWER))

    page = changelist(client, model_name).content.decode()

    assert 'class="marking-badge marking-coalition" style="background:#92400e"' in page
    assert f'title="{RELEASABILITY_MEANING[Releasability.COALITION]}">COALITION</span>' in page


def test_the_list_of_updates_is_filtered_by_marking(client, marked):
    client.force_login(member_of(SECRETARIAT, REVIEWER))

    coalition = changelist(client, "statusupdate", "?releasability__exact=coalition")
    public = changelist(client, "statusupdate", "?releasability__exact=public")

    assert listed(coalition) == [marked["statusupdate"].pk]
    assert listed(public) == [marked["public"].pk]


@pytest.mark.parametrize("model_name", MODELS)
def test_a_records_page_carries_its_marking_at_its_top_and_its_foot(client, marked, model_name):
    client.force_login(member_of(SECRETARIAT, REVIEWER))

    page = client.get(f"/admin/commitments/{model_name}/{marked[model_name].pk}/change/")

    assert page.status_code == 200
    assert page.content.decode().count(COALITION_BANNER) == 2


def test_a_decisions_page_carries_the_marking_of_the_update_it_decides(
    client, marked, members_reviewer
):
    approve_or_return(marked["statusupdate"], reviewer=members_reviewer, decision="approve")
    review = Review.objects.get()
    client.force_login(member_of(SECRETARIAT, REVIEWER))

    page = client.get(f"/admin/commitments/review/{review.pk}/change/")

    assert page.content.decode().count(COALITION_BANNER) == 2


@pytest.mark.parametrize("model_name", ["statusupdate", "indicatorvalue"])
def test_the_review_queue_shows_each_records_marking(client, marked, members_reviewer, model_name):
    client.force_login(members_reviewer)

    page = client.get(f"/admin/commitments/{model_name}/review/").content.decode()

    assert '<h2><span class="marking-badge marking-coalition"' in page


# Nothing beyond the user's clearance.


@pytest.mark.parametrize("model_name", MODELS)
def test_a_user_of_no_clearance_group_sees_no_coalition_record_in_a_list(
    client, marked, reviewer, model_name
):
    client.force_login(reviewer)

    assert marked[model_name].pk not in listed(changelist(client, model_name))


def test_a_member_of_the_coalition_group_sees_the_coalition_update_in_the_list(
    client, marked, members_reviewer
):
    client.force_login(members_reviewer)

    assert set(listed(changelist(client, "statusupdate"))) == {
        marked["statusupdate"].pk,
        marked["public"].pk,
    }


@pytest.mark.parametrize("model_name", MODELS)
def test_a_coalition_records_page_does_not_exist_for_a_user_of_no_clearance_group(
    client, marked, reviewer, model_name
):
    client.force_login(reviewer)

    response = client.get(f"/admin/commitments/{model_name}/{marked[model_name].pk}/change/")

    # As for a record that does not exist: the admin's home, with a message.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize("model_name", ["statusupdate", "indicatorvalue"])
def test_the_review_queue_of_a_user_of_no_clearance_group_leaves_coalition_records_out(
    client, marked, reviewer, model_name
):
    client.force_login(reviewer)

    response = client.get(f"/admin/commitments/{model_name}/review/")

    queued = [row["record"].pk for row in response.context["rows"]]
    assert marked[model_name].pk not in queued
    assert response.context["pending_total"] == (1 if model_name == "statusupdate" else 0)


def test_a_user_of_no_clearance_group_cannot_decide_on_a_coalition_update(client, marked, reviewer):
    client.force_login(reviewer)
    update = marked["statusupdate"]

    client.post(
        "/admin/commitments/statusupdate/review/",
        {"update": update.pk, "decision": "approve", "comment": ""},
    )

    assert not Review.objects.filter(update=update).exists()


def test_the_decisions_list_leaves_out_decisions_on_updates_beyond_the_users_clearance(
    client, marked, members_reviewer, reviewer
):
    approve_or_return(marked["statusupdate"], reviewer=members_reviewer, decision="approve")
    client.force_login(reviewer)

    assert listed(changelist(client, "review")) == []


def test_a_commitments_page_shows_a_user_only_the_updates_and_contributions_they_may_read(
    client, marked, members_reviewer, reviewer, mil1
):
    approve_or_return(marked["statusupdate"], reviewer=members_reviewer, decision="approve")
    page = f"/admin/commitments/commitment/{mil1.pk}/change/"

    client.force_login(reviewer)
    public = client.get(page).content.decode()
    client.force_login(members_reviewer)
    members = client.get(page).content.decode()

    # The approved coalition update (the history inline), the contribution, and the pending
    # public update (in review).
    coalition_links = [
        f"/admin/commitments/statusupdate/{marked['statusupdate'].pk}/change/",
        f"/admin/commitments/contribution/{marked['contribution'].pk}/change/",
    ]
    public_link = f"/admin/commitments/statusupdate/{marked['public'].pk}/change/"
    assert [link in public for link in [*coalition_links, public_link]] == [False, False, True]
    assert [link in members for link in [*coalition_links, public_link]] == [True, True, True]
    assert "Members only." not in public


def test_a_user_of_no_clearance_group_cannot_start_a_correction_from_a_coalition_record(
    client, marked, analyst, members_reviewer
):
    update = marked["statusupdate"]
    approve_or_return(update, reviewer=members_reviewer, decision="approve")
    client.force_login(analyst)

    form = client.get(f"/admin/commitments/statusupdate/add/?correct={update.pk}")
    offered = form.context["adminform"].form.fields["corrects"].queryset

    assert "Members only." not in form.content.decode()
    assert update not in offered


def test_a_commitments_history_page_lists_only_the_updates_the_user_may_read(
    client, marked, reviewer, members_reviewer, mil1
):
    page = f"/admin/commitments/commitment/{mil1.pk}/history/"

    client.force_login(reviewer)
    public = client.get(page).context["status_updates"]
    client.force_login(members_reviewer)
    members = client.get(page).context["status_updates"]

    assert list(public) == [marked["public"]]
    assert set(members) == {marked["public"], marked["statusupdate"]}

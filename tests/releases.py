"""What the tests of releases share (tests/test_releases.py, test_api_releases.py,
test_admin_releases.py): a secretary who reads every marking and records, a Coalition member who
reviews, and an approved status update for Coalition members only. Its fixtures are conftest's,
which imports them."""

import datetime

import pytest
from django.contrib.auth.models import Group

from commitments.roles import ANALYST, COALITION, REVIEWER, SECRETARIAT
from commitments.services import approve_or_return, record_status_update
from tests.factories import CommitmentFactory, UserFactory

REASON = "The donors' conference has made it public."


def member_of(*groups, username=None):
    """A staff user of these groups (roles and clearances), named `username` if given."""
    user = UserFactory(**({"username": username} if username else {}))
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def secretary(db):
    """An analyst of the secretariat: reads every marking, records every kind of record."""
    return member_of(ANALYST, SECRETARIAT, username="secretary")


@pytest.fixture
def coalition_reviewer(db):
    """A reviewer who reads what is released to the coalition."""
    return member_of(REVIEWER, COALITION, username="member")


@pytest.fixture
def coalition_update(review_required, secretary, reviewer):
    """An approved status update of a new commitment (MIL-9), for Coalition members only."""
    update = record_status_update(
        commitment=CommitmentFactory(code="MIL-9"),
        author=secretary,
        status="at_risk",
        as_of=datetime.date(2024, 3, 1),
        summary="Members were told first.",
        releasability="coalition",
    )
    approve_or_return(update, reviewer=reviewer, decision="approve")
    return update

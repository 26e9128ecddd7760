"""Releasability: who may read a record, and what a reader's history is made of."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from commitments.clearance import clearance_of, may_mark
from commitments.models import Releasability, StatusUpdate
from commitments.roles import COALITION, SECRETARIAT
from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC, MEMBERS, SECRETARIAT_ONLY = Releasability


def member_of(group):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


def test_anonymous_readers_and_users_of_no_clearance_group_read_what_is_public():
    assert clearance_of(AnonymousUser()) == PUBLIC
    assert clearance_of(None) == PUBLIC
    assert clearance_of(UserFactory()) == PUBLIC


def test_the_clearance_groups_open_the_coalition_and_the_secretariat_markings():
    assert clearance_of(member_of(COALITION)) == MEMBERS
    assert clearance_of(member_of(SECRETARIAT)) == SECRETARIAT_ONLY
    assert clearance_of(UserFactory(is_superuser=True)) == SECRETARIAT_ONLY


def test_a_clearance_reads_its_own_level_and_every_wider_one():
    assert PUBLIC.readable() == ["public"]
    assert MEMBERS.readable() == ["public", "coalition"]
    assert SECRETARIAT_ONLY.readable() == ["public", "coalition", "secretariat"]
    assert Releasability.highest(["public", "secretariat", "coalition"]) == SECRETARIAT_ONLY
    assert Releasability.highest([]) == PUBLIC


def test_nobody_marks_a_record_narrower_than_they_may_read():
    coalition_member = member_of(COALITION)
    assert may_mark(coalition_member, "public")
    assert may_mark(coalition_member, "coalition")
    assert not may_mark(coalition_member, "secretariat")
    assert not may_mark(UserFactory(), "coalition")


def test_a_correction_beyond_a_readers_clearance_replaces_nothing_for_them(record):
    commitment = CommitmentFactory()
    first = record(commitment, status="on_track", as_of=datetime.date(2024, 1, 15))
    correction = record(
        commitment,
        status="at_risk",
        as_of=datetime.date(2024, 1, 15),
        corrects=first,
        releasability="coalition",
        author=member_of(COALITION),
    )
    history = StatusUpdate.objects.filter(commitment=commitment)

    assert list(history.readable_by(PUBLIC).standing()) == [first]
    assert list(history.readable_by(MEMBERS).standing()) == [correction]
    assert list(history.readable_by(SECRETARIAT_ONLY).standing()) == [correction]
    assert list(history.readable_by(PUBLIC).superseded()) == []

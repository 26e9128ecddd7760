"""No body of the response cache ever crosses visibility classes: every GET of the API document
(as JSON, CSV and XLSX where it has them) and the queries that only staff may make, read by an
anonymous reader, a token holder who is not staff, staff with a token and staff signed in, each
taking turns to read first, is answered each of them exactly as the view answers them with the
cache off. And a write is visible to the next read of every class."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from commitments.api.permissions import visibility_class
from commitments.models import Commitment, Indicator, Partner
from commitments.roles import COALITION, SECRETARIAT
from commitments.services import approve_or_return, record_indicator_value
from tests.factories import UserFactory
from tests.helpers import body_of
from tests.test_public_api_walk import public_paths

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("review_required", "one_calendar_day"),
]

READERS = ["anonymous", "token reader", "staff with a token", "staff signed in"]


@pytest.fixture
def readers(roadmap, analyst, editor, token_for):
    """A client for each kind of reader; the two staff are different users of one class."""
    clients = {name: APIClient() for name in READERS}
    reader = UserFactory(username="reader", is_staff=False)
    clients["token reader"].credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(reader)}")
    clients["staff with a token"].credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")
    clients["staff signed in"].force_login(editor)
    return clients


@pytest.fixture
def history(roadmap, record, reviewer, analyst, contribute):
    """What the classes see differently: an owner named by login to staff only, and updates and
    indicator values approved, pending and returned (events of review work for staff only)."""
    mil1 = Commitment.objects.get(code="MIL-1")
    Commitment.objects.filter(pk=mil1.pk).update(owner=analyst)
    contribute(Partner.objects.get(slug="nato"), mil1)
    approved = record(mil1, status="on_track", summary="Approved and public.")
    approve_or_return(approved, reviewer=reviewer, decision="approve")
    pending = record(mil1, status="off_track", summary="Pending, for staff.")
    returned = record(mil1, status="completed", summary="Returned, for staff.")
    approve_or_return(returned, reviewer=reviewer, decision="return", comment="Not yet.")
    indicator = Indicator.objects.filter(commitment__isnull=False).first()
    values = [
        record_indicator_value(
            indicator=indicator,
            author=analyst,
            value=Decimal(value),
            as_of=datetime.date(2024, 1, 15),
        )
        for value in ("100", "200")
    ]
    approve_or_return(values[0], reviewer=reviewer, decision="approve")
    return [approved.pk, pending.pk, returned.pk], [value.pk for value in values], indicator


def paths_of(history):
    update_ids, value_ids, indicator = history
    api = [path for path in public_paths(update_ids, value_ids, indicator) if "/api/" in path]
    return [
        *api,
        "/api/v1/updates/?review_state=pending",
        "/api/v1/updates/?review_state=all&format=csv",
        "/api/v1/indicator-values/?review_state=pending",
        "/api/v1/commitments/?owner=analyst",
        "/api/v1/summary/?group_by=owner",
        "/api/v1/events/",
        "/api/v1/commitments/?owner=me",
        "/api/v1/updates/?review_state=pending&reviewable=true",
    ]


def answer(client, path):
    response = client.get(path)
    headers = ("ETag", "Last-Modified", "Cache-Control", "Content-Type")
    return response.status_code, *(response.get(name) for name in headers), body_of(response)


def uncached(readers, paths, settings):
    settings.RESPONSE_CACHE = False
    try:
        return {name: {path: answer(readers[name], path) for path in paths} for name in READERS}
    finally:
        settings.RESPONSE_CACHE = True


def computed(readers, paths, settings):
    """uncached(), by (reader, path)."""
    answers = uncached(readers, paths, settings)
    return {(name, path): answers[name][path] for name in READERS for path in paths}


def test_no_body_crosses_visibility_classes_by_any_endpoint(readers, history, settings):
    paths = paths_of(history)
    expected = uncached(readers, paths, settings)
    for turn, path in enumerate(paths):
        # Each class reads first in turn, and each reads twice: the second is its hit.
        for name in READERS[turn % 4 :] + READERS[: turn % 4]:
            for _ in range(2):
                assert answer(readers[name], path) == expected[name][path], (name, path)

    # The walk shows something: the classes are answered differently where they differ.
    assert len(paths) > 40
    for path in ["/api/v1/commitments/MIL-1/", "/api/v1/updates/?review_state=pending"]:
        assert expected["anonymous"][path] != expected["staff with a token"][path]
    pending = "/api/v1/updates/?review_state=pending"
    assert expected["staff with a token"][pending][-1] == expected["staff signed in"][pending][-1]
    assert expected["token reader"][pending][0] == 403


def test_a_write_is_visible_to_the_next_read_of_every_class(
    readers, history, record, reviewer, settings
):
    mil1 = Commitment.objects.get(code="MIL-1")
    paths = [
        "/api/v1/commitments/MIL-1/",
        "/api/v1/updates/",
        "/api/v1/updates/?review_state=pending",
        "/api/v1/events/",
        "/api/v1/summary/",
    ]

    def read_twice():
        reads = {}
        for name in READERS:
            for path in paths:
                first = answer(readers[name], path)
                assert answer(readers[name], path) == first  # the hit
                reads[name, path] = first
        return reads

    before = read_twice()
    submitted = record(mil1, status="at_risk", summary="Submitted just now.")
    after_submission = read_twice()
    assert after_submission == computed(readers, paths, settings)
    for name in ("staff with a token", "staff signed in"):
        queue = after_submission[name, "/api/v1/updates/?review_state=pending"][-1]
        assert b"Submitted just now." in queue
    for path in paths:  # the public is not told of it, not even by an ETag
        assert after_submission["anonymous", path] == before["anonymous", path]

    approve_or_return(submitted, reviewer=reviewer, decision="approve")
    after_approval = read_twice()
    for name in READERS:
        assert b'"at_risk"' in after_approval[name, "/api/v1/commitments/MIL-1/"][-1], name
    assert after_approval == computed(readers, paths, settings)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", "names+unapproved+events"),
        ("analyst", "names+unapproved+events"),
        ("reviewer", "names+unapproved+events"),
        ("editor", "names+unapproved+events"),
        # Superusers read everything: the secretariat's clearance too (commitments.clearance).
        ("superuser", "names+unapproved+events+coalition+secretariat"),
    ],
)
def test_every_staff_role_is_one_class(role, expected, request):
    # So one cached body serves all staff, whatever their role.
    assert visibility_class(request.getfixturevalue(role)) == expected


def test_each_clearance_is_a_class_of_its_own(analyst):
    # What a commitment shows depends on the clearance (CommitmentQuerySet.seen_by): no body
    # of one clearance answers another (tests/test_clearance_walk.py walks every endpoint).
    coalition, secretariat = UserFactory(is_staff=False), UserFactory(is_staff=False)
    coalition.groups.add(Group.objects.get(name=COALITION))
    secretariat.groups.add(Group.objects.get(name=SECRETARIAT))
    assert visibility_class(coalition) == "coalition"
    assert visibility_class(secretariat) == "coalition+secretariat"
    analyst.groups.add(Group.objects.get(name=COALITION))
    analyst = type(analyst).objects.get(pk=analyst.pk)  # its permissions read afresh
    assert visibility_class(analyst) == "names+unapproved+events+coalition"


def test_the_public_is_two_classes(db):
    # A signed-in reader is told `private, no-store` where the anonymous one is not, and may
    # read where reads need signing in.
    assert visibility_class(None) == "anonymous"
    assert visibility_class(UserFactory(is_staff=False)) == "public"
    assert visibility_class(UserFactory(is_staff=True)) == "names"  # staff of no role

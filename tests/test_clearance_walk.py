"""Releasability, read by every endpoint: what a reader sees of a commitment is computed from the
records their clearance may read. Every GET of the OpenAPI document (as JSON, CSV and XLSX where
it has them) and the Atom feed, read by each kind of reader (anonymous; a signed-in user of no
clearance group; a Coalition member; a Secretariat member; each signed in and with a token):
the public's answers, ETags and Last-Modified are the same before and after coalition and
secretariat assessments arrive and are approved (a coalition correction of the public one
too), while the Coalition member's and the Secretariat member's views of that commitment show
what they may read. And the response cache never answers one clearance with another's body."""

import datetime

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from commitments.models import Commitment, Indicator, Partner
from commitments.roles import COALITION, SECRETARIAT
from commitments.services import approve_or_return
from tests.factories import UserFactory
from tests.test_public_api_walk import public_paths
from tests.test_visibility_walk import answer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("review_required", "one_calendar_day"),
]

PUBLIC_READERS = ["anonymous", "user signed in", "user with a token"]
COALITION_READERS = ["coalition signed in", "coalition with a token"]
SECRETARIAT_READERS = ["secretariat signed in", "secretariat with a token"]
READERS = [*PUBLIC_READERS, *COALITION_READERS, *SECRETARIAT_READERS]

COALITION_SECRET = "Coalition assessment."
CORRECTION_SECRET = "Coalition correction."
SECRETARIAT_SECRET = "Secretariat assessment."


def member(group=None):
    user = UserFactory(is_staff=False)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def readers(roadmap, token_for):
    """A client for each kind of reader, two users of each clearance group (one signed in, one
    with a token)."""
    clients = {name: APIClient() for name in READERS}
    for prefix, group in [("user", None), ("coalition", COALITION), ("secretariat", SECRETARIAT)]:
        clients[f"{prefix} signed in"].force_login(member(group))
        token = token_for(member(group))
        clients[f"{prefix} with a token"].credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return clients


@pytest.fixture
def public_history(roadmap, record, reviewer, contribute, cleared_analyst):
    mil1 = Commitment.objects.get(code="MIL-1")
    contribute(Partner.objects.get(slug="nato"), mil1)  # for the contributions' paths
    public = record(mil1, status="on_track", summary="Public assessment.")
    approve_or_return(public, reviewer=reviewer, decision="approve")
    return public


def paths_for(public, ids):
    indicator = Indicator.objects.filter(commitment__isnull=False).first()
    paths = public_paths([public.pk, *ids], [], indicator)
    # The API (the events stream too: an event carries its record's marking) and the feed. Not
    # the dashboard's pages (the dashboard's).
    kept = [path for path in paths if path.startswith(("/api/", "/feeds/"))]
    return [
        *kept,
        "/api/v1/commitments/?status=off_track",
        "/api/v1/commitments/?status=on_track",
        "/api/v1/commitments/?stale=true",
        "/api/v1/commitments/?as_of=2024-06-30",
        "/api/v1/commitments/MIL-1/?as_of=2024-06-30",
        "/api/v1/summary/?as_of=2024-06-30",
        "/api/v1/summary/?group_by=pillar",
        "/api/v1/changes/?from=2024-01-31&to=2024-06-30",
        "/api/v1/summary/timeline/?from=2024-01-01&to=2024-06-30",
    ]


def walk(readers, paths):
    return {name: {path: answer(readers[name], path) for path in paths} for name in READERS}


def arrive_beside(observe, contribute, reviewer, public):
    """A coalition value of MIL-1's indicator, newer than any, approved; and a coalition
    contribution to MIL-1."""
    indicator = Indicator.objects.filter(commitment__isnull=False).first()
    value = observe(indicator, "987654", as_of=datetime.date(2024, 5, 1), releasability="coalition")
    if value.review_state != "approved":
        approve_or_return(value, reviewer=reviewer, decision="approve")
    contribution = contribute(
        Partner.objects.get(slug="nato"),
        public.commitment,
        releasability="coalition",
        note=COALITION_SECRET,
    )
    return value, contribution


def arrive(record, reviewer, public):
    """A coalition assessment newer than the public one, a coalition correction of the public
    one, and a secretariat assessment newer still, each approved."""
    mil1 = public.commitment
    coalition = record(
        mil1,
        status="off_track",
        as_of=datetime.date(2024, 3, 1),
        summary=COALITION_SECRET,
        releasability="coalition",
    )
    correction = record(
        mil1,
        status="at_risk",
        as_of=public.as_of,
        corrects=public,
        summary=CORRECTION_SECRET,
        releasability="coalition",
    )
    secretariat = record(
        mil1,
        status="completed",
        progress=100,
        as_of=datetime.date(2024, 4, 1),
        summary=SECRETARIAT_SECRET,
        releasability="secretariat",
    )
    for update in (coalition, correction, secretariat):
        approve_or_return(update, reviewer=reviewer, decision="approve")
    return coalition, correction, secretariat


def test_the_public_view_does_not_move_when_narrower_records_arrive_by_any_endpoint(
    readers, public_history, record, observe, contribute, reviewer, settings
):
    settings.RESPONSE_CACHE = False  # what the views compute (the cache: the test below)
    last = public_history.pk
    ids = [last + 1, last + 2, last + 3]
    paths = paths_for(public_history, ids)
    before = walk(readers, paths)

    coalition, correction, secretariat = arrive(record, reviewer, public_history)
    assert [coalition.pk, correction.pk, secretariat.pk] == ids
    value, contribution = arrive_beside(observe, contribute, reviewer, public_history)
    after = walk(readers, paths)
    # The value's and the contribution's own pages, whose ids PostgreSQL's sequences give only
    # once they exist: to the public, as a page of nothing.
    own = [f"/api/v1/indicator-values/{value.pk}/", f"/api/v1/contributions/{contribution.pk}/"]
    for name in READERS:
        after[name].update({path: answer(readers[name], path) for path in own})
    for name in PUBLIC_READERS:
        for path in own:
            assert after[name][path][0] == 404, (name, path)
            assert b"987654" not in after[name][path][-1], (name, path)

    assert len(paths) > 40
    for name in PUBLIC_READERS:
        for path in paths:
            assert after[name][path] == before[name][path], (name, path)
            for secret in (COALITION_SECRET, CORRECTION_SECRET, SECRETARIAT_SECRET):
                assert secret.encode() not in after[name][path][-1], (name, path)
    for name in COALITION_READERS:
        assert SECRETARIAT_SECRET.encode() not in b"".join(a[-1] for a in after[name].values())
        assert after[name][f"/api/v1/updates/{secretariat.pk}/"][0] == 404
    for name in [*COALITION_READERS, *SECRETARIAT_READERS]:
        assert after[name][f"/api/v1/indicator-values/{value.pk}/"][0] == 200, name
        assert after[name][f"/api/v1/contributions/{contribution.pk}/"][0] == 200, name
    detail, history = "/api/v1/commitments/MIL-1/", "/api/v1/commitments/MIL-1/updates/"
    for name in [*COALITION_READERS, *SECRETARIAT_READERS]:
        assert after[name][detail] != before[name][detail], name
        assert after[name][detail][1] != before[name][detail][1], name  # the ETag moved
        assert COALITION_SECRET.encode() in after[name][history][-1], name
        assert CORRECTION_SECRET.encode() in after[name][history][-1], name


def test_each_clearance_reads_the_status_its_records_give(
    readers, public_history, record, reviewer
):
    arrive(record, reviewer, public_history)
    expected = {
        "anonymous": ("on_track", "2024-01-15"),
        "user with a token": ("on_track", "2024-01-15"),
        "coalition signed in": ("off_track", "2024-03-01"),
        "coalition with a token": ("off_track", "2024-03-01"),
        "secretariat signed in": ("completed", "2024-04-01"),
        "secretariat with a token": ("completed", "2024-04-01"),
    }
    for name, (status, as_of) in expected.items():
        detail = readers[name].get("/api/v1/commitments/MIL-1/").json()
        assert (detail["status"], detail["as_of"]) == (status, as_of), name
        listed = readers[name].get(f"/api/v1/commitments/?status={status}").json()
        assert "MIL-1" in [row["code"] for row in listed["results"]], name
        summary = readers[name].get("/api/v1/summary/").json()
        assert summary["by_status"][status] >= 1, name
        latest = [update["summary"] for update in detail["latest_updates"]]
        assert (SECRETARIAT_SECRET in latest) == name.startswith("secretariat"), name
        assert (COALITION_SECRET in latest) == (status != "on_track"), name
    # The stored current status is the public's.
    assert Commitment.objects.get(code="MIL-1").current_status == "on_track"


def test_no_body_of_the_response_cache_crosses_clearances(
    readers, public_history, record, reviewer, settings
):
    arrive(record, reviewer, public_history)
    paths = [
        path
        for path in paths_for(public_history, [])
        if path.startswith("/api/v1/commitments")
        or path.startswith("/api/v1/summary")
        or path.startswith("/api/v1/updates")
    ]
    settings.RESPONSE_CACHE = False
    expected = walk(readers, paths)
    settings.RESPONSE_CACHE = True
    for turn, path in enumerate(paths):
        # Each reader reads first in turn, and each reads twice: the second is its hit.
        order = READERS[turn % len(READERS) :] + READERS[: turn % len(READERS)]
        for name in order:
            for _ in range(2):
                assert answer(readers[name], path) == expected[name][path], (name, path)
    detail = "/api/v1/commitments/MIL-1/"
    assert expected["anonymous"][detail] != expected["coalition with a token"][detail]
    assert expected["coalition with a token"][detail] != expected["secretariat signed in"][detail]

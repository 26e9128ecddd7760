"""A token reader's cache hit costs what an anonymous one does: Redis remembers who a token's
user is and what they may see (commitments/api/readers.py), so the hit asks the database for the
data version alone. And it is never wrong for it: a token revoked or expired is refused on the
very next request, and a change of who the user is or what they may see (their groups, their own
permissions, their groups' permissions, a group deleted, their account saved) shows in the very
next read. Without a shared cache (in-process memory, or Redis down) every token is checked in
the database, as before."""

import dataclasses
import datetime
import io
import time

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from redis.connection import AbstractConnection
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from coalition import redis_cache
from commitments.api import readers
from commitments.models import Commitment
from commitments.roles import VIEWER
from tests.conftest import REDIS_URL, _redis_is_up
from tests.factories import UserFactory
from tests.helpers import body_of, reads_commitments

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roadmap", "review_required")]

LIST = "/api/v1/commitments/"
DETAIL = "/api/v1/commitments/MIL-1/"
# What the rights change: pending updates and events of review work (view_statusupdate,
# view_event: every role), login names (staff).
RIGHTS = ["commitments.view_statusupdate", "commitments.view_event"]


@pytest.fixture
def redis(monkeypatch):
    """The shared cache in Redis, as in production (CACHE_URL=redis://...), with no memory of
    another test's failures."""
    if not _redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    monkeypatch.setattr(redis_cache, "_down_until", {})
    monkeypatch.setattr(readers, "_hints", {})
    backend = {"BACKEND": "coalition.redis_cache.FailOpenRedisCache", "LOCATION": REDIS_URL}
    with override_settings(CACHES={"default": backend}):
        yield cache
        cache.clear()


def client_with(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def reader(token_for):
    """A user who is not staff, of no role, and a client with their token."""
    user = UserFactory(username="reader", is_staff=False)
    return user, client_with(token_for(user))


def uncached(client, url, settings):
    settings.RESPONSE_CACHE = False
    try:
        return body_of(client.get(url))
    finally:
        settings.RESPONSE_CACHE = True


# A token reader of no role: the data version. Staff (an analyst): the review queue's version
# too, which they see beyond it, read in the same query.
@pytest.mark.parametrize("staff", [False, True], ids=["public", "staff"])
@pytest.mark.parametrize("url", [LIST, DETAIL, f"{LIST}?format=csv", "/api/v1/summary/"])
def test_a_token_readers_hit_asks_only_for_the_version(
    redis, token_for, analyst, staff, url, django_assert_num_queries
):
    user = analyst if staff else UserFactory(username="reader", is_staff=False)
    client = client_with(token_for(user))
    first = client.get(url)
    with django_assert_num_queries(1) as hit:
        again = client.get(url)
    assert not any("knox_authtoken" in query["sql"] for query in hit.captured_queries)
    assert (again.status_code, again.content) == (200, first.content)


def test_without_a_shared_cache_a_token_is_checked_in_the_database(
    reader, django_assert_num_queries
):
    # In-process memory: what one process remembers, another would never see forgotten. The
    # token with its user, their permissions, the data version.
    reader[1].get(LIST)
    with django_assert_num_queries(3):
        assert reader[1].get(LIST).status_code == 200


def test_a_miss_gives_the_view_the_user_checked_in_the_database(redis, reader):
    reader[1].get(LIST)  # remembered
    with CaptureQueriesContext(connection) as miss:
        assert reader[1].get(DETAIL).status_code == 200
    sql = [query["sql"] for query in miss.captured_queries]
    assert len([query for query in sql if "knox_authtoken" in query]) == 1  # with its user
    assert len([query for query in sql if "auth_permission" in query]) == 1  # own and groups'
    assert any(reads_commitments(query) for query in sql)  # a miss indeed


def revoked_in_the_admin(user):
    for token in AuthToken.objects.filter(user=user):
        token.delete()


def revoked_by_command(user):
    call_command("revoke_tokens", "--user", user.username, stdout=io.StringIO())


def deactivated(user):
    user.is_active = False
    user.save(update_fields=["is_active"])  # moves no data version: the signal must tell


def deleted(user):
    user.delete()


def made_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])


@pytest.mark.parametrize("refuse", [revoked_in_the_admin, revoked_by_command, deactivated, deleted])
@pytest.mark.parametrize("public_read", [True, False])
def test_a_refused_token_is_refused_on_the_next_request(
    redis, reader, refuse, public_read, settings
):
    settings.ROADMAP_PUBLIC_READ = public_read
    user, client = reader
    assert client.get(LIST).status_code == client.get(LIST).status_code == 200  # a hit
    refuse(user)
    for url in (LIST, DETAIL):  # a hit's address, and a miss's
        response = client.get(url)
        assert response.status_code == 401
        assert "results" not in response.json()


def test_an_expired_token_is_refused_and_deleted(redis, monkeypatch):
    user = UserFactory(username="reader", is_staff=False)
    auth_token, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(hours=1))
    client = client_with(token)
    assert client.get(LIST).status_code == client.get(LIST).status_code == 200
    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(LIST).status_code == 401
    assert not AuthToken.objects.filter(pk=auth_token.pk).exists()


def viewer_role():
    return Group.objects.get(name=VIEWER)


def rights():
    return Permission.objects.filter(
        content_type__app_label="commitments", codename__in=[r.split(".")[1] for r in RIGHTS]
    )


# Each change of what a token reader may see, made as the admin or a service makes it, and
# whether the reader holds the Viewer role before it.
CHANGES = {
    "added to a group": (False, lambda user: user.groups.add(viewer_role())),
    "given to a group": (False, lambda user: viewer_role().user_set.add(user)),
    "given permissions": (False, lambda user: user.user_permissions.add(*rights())),
    "made staff": (False, made_staff),
    "removed from a group": (True, lambda user: user.groups.remove(viewer_role())),
    "groups cleared": (True, lambda user: user.groups.clear()),
    "their group loses permissions": (
        True,
        lambda user: viewer_role().permissions.remove(*rights()),
    ),
    "their group deleted": (True, lambda user: viewer_role().delete()),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_of_rights_shows_in_the_next_read(
    redis, reader, record, analyst, change, settings
):
    user, client = reader
    in_role, make_change = change
    if in_role:
        user.groups.add(viewer_role())
    mil1 = Commitment.objects.get(code="MIL-1")
    Commitment.objects.filter(pk=mil1.pk).update(owner=analyst)  # named by login to staff
    pending = record(mil1, status="off_track", summary="Pending, for staff.")
    # Hits first: a miss checks the reader in the database, and remembers them afresh.
    urls = ["/api/v1/events/", DETAIL, f"/api/v1/updates/{pending.pk}/"]
    before = {}
    for url in urls:
        before[url] = body_of(client.get(url))
        assert body_of(client.get(url)) == before[url]  # a hit, where kept

    make_change(user)

    after = {url: body_of(client.get(url)) for url in urls}
    assert after == {url: uncached(client, url, settings) for url in urls}
    assert after != before


def test_a_sign_in_forgets_nobody(redis, reader, django_assert_num_queries):
    user, client = reader
    client.get(LIST)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    with django_assert_num_queries(1):
        client.get(LIST)


def test_a_change_no_signal_sees_shows_within_the_bound(redis, reader, settings):
    # A queryset's update() (a database shell, raw SQL) sends no signal: the reader is
    # remembered until TOKEN_READER_CACHE_SECONDS, or until a miss checks them again.
    settings.ROADMAP_PUBLIC_READ = False
    settings.TOKEN_READER_CACHE_SECONDS = 3
    user, client = reader
    client.get(LIST)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(LIST).status_code == 200  # remembered: within the bound
    assert client.get(DETAIL).status_code == 401  # a miss checks the token in the database
    time.sleep(3.5)
    assert client.get(LIST).status_code == 401


def test_the_bound_0_checks_every_token_in_the_database(
    redis, reader, settings, django_assert_num_queries
):
    settings.TOKEN_READER_CACHE_SECONDS = 0
    reader[1].get(LIST)
    with django_assert_num_queries(3):
        assert reader[1].get(LIST).status_code == 200


def test_a_remembered_readers_hits_count_against_their_own_rate(
    redis, reader, token_for, monkeypatch
):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "user": "3/minute"}
    )
    statuses = [reader[1].get("/api/v1/statuses/") for _ in range(4)]
    assert [response.status_code for response in statuses] == [200, 200, 200, 429]
    assert statuses[2]["RateLimit"].startswith('"user";r=0;')
    other = client_with(token_for(UserFactory(username="other", is_staff=False)))
    assert other.get("/api/v1/statuses/").status_code == 200


@pytest.mark.fault
def test_while_redis_is_down_tokens_are_checked_in_the_database(
    redis_server, reader, django_assert_num_queries
):
    user, client = reader
    user.groups.add(viewer_role())
    client.get(LIST)
    client.get(LIST)  # remembered, and a hit
    redis_server.stop()
    user.groups.clear()  # forgotten in this process's memory only
    assert client.get(LIST).status_code == 200  # kept in this process's memory now
    with django_assert_num_queries(3):  # the token and user, their permissions, the version
        assert client.get(LIST).status_code == 200
    deactivated(user)
    assert client.get(LIST).status_code == 401


@pytest.fixture
def round_trips(monkeypatch):
    """What is sent to Redis, one item a round trip (a command, or a pipeline of them), as the
    real connection sends it."""
    sent = []
    send = AbstractConnection.send_packed_command

    def sent_and_counted(connection, command, check_health=True):
        sent.append(command)
        return send(connection, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", sent_and_counted)
    return sent


@pytest.mark.parametrize("staff", [False, True], ids=["public", "staff"])
@pytest.mark.parametrize("url", [LIST, "/api/v1/updates/"])
def test_a_token_readers_hit_takes_one_redis_round_trip_as_an_anonymous_one(
    redis, token_for, analyst, staff, url, round_trips
):
    # The entry, the remembered reader, the readers' version and the rate count: one pipeline.
    user = analyst if staff else UserFactory(username="reader", is_staff=False)
    for client in (APIClient(), client_with(token_for(user))):
        first = client.get(url)  # a miss; a token's reader remembered, and this process's hint
        round_trips.clear()
        again = client.get(url)
        assert len(round_trips) == 1
        assert (again.status_code, again.content) == (200, first.content)


def hints_now():
    return dict(readers._hints)


# A process that last saw the token's reader before their rights changed guesses their class
# before it: the lookup it makes by that class finds a body of that class (kept before the
# change: a change of rights moves no data version). Whether the reader gains staff's rights, or
# loses them.
@pytest.mark.parametrize("in_role", [False, True], ids=["gains rights", "loses rights"])
def test_a_hint_of_the_class_before_a_change_serves_no_body_of_that_class(
    redis, reader, record, in_role, settings
):
    user, client = reader
    if in_role:
        user.groups.add(viewer_role())
    pending = record(Commitment.objects.get(code="MIL-1"), status="off_track", summary="Pending.")
    urls = ["/api/v1/events/", f"/api/v1/updates/{pending.pk}/"]
    before = {url: body_of(client.get(url)) for url in urls}
    hinted_before = hints_now()

    if in_role:
        user.groups.remove(viewer_role())
    else:
        user.groups.add(viewer_role())
    after = {url: body_of(client.get(url)) for url in urls}  # checked, remembered afresh
    assert after == {url: uncached(client, url, settings) for url in urls}
    assert after != before

    readers._hints.update(hinted_before)
    assert {url: body_of(client.get(url)) for url in urls} == after


def test_a_request_whose_hint_is_wrong_is_counted_once(redis, reader, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "user": "3/minute"}
    )
    client = reader[1]
    assert client.get("/api/v1/statuses/").status_code == 200
    assert client.get("/api/v1/statuses/").status_code == 200  # hinted
    for key, hint in hints_now().items():
        readers._hints[key] = dataclasses.replace(hint, visibility_class="names+unapproved")
    third = client.get("/api/v1/statuses/")
    assert third.status_code == 200
    assert third["RateLimit"].startswith('"user";r=0;')
    assert client.get("/api/v1/statuses/").status_code == 429

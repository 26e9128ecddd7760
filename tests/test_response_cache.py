"""Reads of the API are answered from the versioned response cache: whole bodies, kept under a
key that holds the data version and the reader's visibility class, so that a write of any kind is
visible to the very next read and nobody is ever served a body rendered for another class of
reader. (tests/test_visibility_walk.py walks every endpoint as each class.)"""

import datetime
import gzip

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from commitments.models import Commitment, Pillar, Releasability
from commitments.selectors.cache import REVIEW_QUEUE_COLUMNS
from tests.factories import UserFactory
from tests.helpers import reads_commitments

pytestmark = pytest.mark.django_db

# Every read of the API that the cache keeps, and what a recorded update of MIL-1 changes.
CACHED = [
    "/api/v1/commitments/",
    "/api/v1/commitments/?pillar=military&ordering=-last_update_at",
    "/api/v1/commitments/?format=csv",
    "/api/v1/commitments/MIL-1/",
    "/api/v1/commitments/MIL-1/updates/",
    "/api/v1/updates/",
    "/api/v1/summary/",
    "/api/v1/pillars/",
    "/api/v1/pillars/military/",
]
REFERENCE = [
    "/api/v1/statuses/",
    "/api/v1/themes/",
    "/api/v1/places/",
    "/api/v1/partners/",
    "/api/v1/documents/",
]
# What every response says about itself, and must say alike from the cache.
HEADERS = [
    "ETag",
    "Last-Modified",
    "Vary",
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Allow",
]


@pytest.fixture
def staff(roadmap, analyst, token_for):
    """A client signed in as an analyst: staff, who may see pending updates."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")
    return client


def uncached(url, settings):
    settings.RESPONSE_CACHE = False
    try:
        return APIClient().get(url)
    finally:
        settings.RESPONSE_CACHE = True


def headers_of(response):
    return {name: response.get(name) for name in HEADERS}


@pytest.mark.parametrize("url", CACHED + REFERENCE)
def test_a_warm_read_takes_1_query(roadmap, api, url, django_assert_num_queries):
    first = api.get(url)
    # Expect 1 query: the data version, which the key holds; the body comes from the cache.
    with django_assert_num_queries(1):
        again = api.get(url)
    assert again.status_code == 200
    assert again.content == first.content


@pytest.mark.parametrize("url", CACHED + REFERENCE)
def test_a_hit_carries_the_headers_of_a_miss(roadmap, api, url):
    first = api.get(url)
    assert headers_of(api.get(url)) == headers_of(first)


def test_the_csv_comes_from_the_cache_as_an_attachment(
    roadmap, api, shared_cache, django_assert_num_queries
):
    api.get("/api/v1/commitments/", {"format": "csv"})
    with django_assert_num_queries(1):
        response = api.get("/api/v1/commitments/", {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="commitments.csv"'
    assert response.content.startswith(b"code,")


@pytest.mark.parametrize("url", CACHED)
def test_a_recorded_update_shows_in_the_next_read(
    roadmap, api, record, url, settings, shared_cache
):
    before = api.get(url)
    api.get(url)  # warm
    record(Commitment.objects.get(code="MIL-1"), status="at_risk", summary="Behind schedule.")
    after = api.get(url)
    assert after.content != before.content
    assert after.content == uncached(url, settings).content


def test_an_approved_update_shows_in_the_next_read(
    roadmap, api, record, reviewer, token_for, review_required
):
    pending = record(Commitment.objects.get(code="MIL-1"), status="off_track")
    assert api.get("/api/v1/commitments/MIL-1/").json()["status"] == "not_assessed"
    assert api.get("/api/v1/commitments/MIL-1/").json()["status"] == "not_assessed"  # a hit
    as_reviewer = APIClient()
    as_reviewer.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer)}")
    decision = as_reviewer.post(
        f"/api/v1/updates/{pending.pk}/review/", {"decision": "approve"}, format="json"
    )
    assert decision.status_code == 201
    assert api.get("/api/v1/commitments/MIL-1/").json()["status"] == "off_track"
    assert api.get("/api/v1/updates/").json()["results"][0]["id"] == pending.pk


def test_an_edited_commitment_shows_in_the_next_read(roadmap, api, editor, token_for):
    api.get("/api/v1/commitments/MIL-1/")
    read = api.get("/api/v1/commitments/MIL-1/")  # a hit, with the detail's sealed ETag
    as_editor = APIClient()
    as_editor.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    edit = as_editor.patch(
        "/api/v1/commitments/MIL-1/",
        {"update_cadence_days": 14},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert edit.status_code == 200, edit.json()
    assert api.get("/api/v1/commitments/MIL-1/").json()["update_cadence_days"] == 14


def test_a_renamed_pillar_shows_in_the_next_read(roadmap, api):
    api.get("/api/v1/pillars/military/")
    api.get("/api/v1/pillars/military/")
    Pillar.objects.filter(slug="military").update(name="Defence")
    assert api.get("/api/v1/pillars/military/").json()["name"] == "Defence"


def test_a_new_day_is_a_new_key(roadmap, api, record, monkeypatch):
    # Staleness moves on at midnight without a write.
    today = timezone.localdate()
    record(Commitment.objects.get(code="MIL-1"), as_of=today - datetime.timedelta(days=10))
    api.get("/api/v1/commitments/MIL-1/")
    assert api.get("/api/v1/commitments/MIL-1/").json()["is_stale"] is False
    monkeypatch.setattr(timezone, "localdate", lambda: today + datetime.timedelta(days=100))
    assert api.get("/api/v1/commitments/MIL-1/").json()["is_stale"] is True


@pytest.mark.parametrize("staff_first", [True, False], ids=["staff first", "anonymous first"])
def test_a_pending_update_is_for_staff_whoever_reads_first(
    roadmap, api, staff, record, staff_first, settings
):
    settings.REVIEW_REQUIRED = True
    pending = record(Commitment.objects.get(code="MIL-1"), status="off_track")
    url = f"/api/v1/updates/{pending.pk}/"
    readers = [(staff, 200), (api, 404)]
    for client, status in readers if staff_first else readers[::-1]:
        for _ in range(2):  # the second read would be the hit
            assert client.get(url).status_code == status


@pytest.fixture
def signed_in_staff(roadmap, analyst):
    """An analyst signed in to the site in a browser: a session, no Authorization header."""
    client = APIClient()
    client.force_login(analyst)
    return client


@pytest.mark.parametrize("staff_first", [True, False], ids=["staff first", "anonymous first"])
@pytest.mark.parametrize("staff_client", ["staff", "signed_in_staff"])
def test_staff_and_anonymous_readers_never_share_a_body(
    roadmap, api, analyst, staff_first, staff_client, request
):
    # People without a full name are named by login to staff only.
    Commitment.objects.filter(code="MIL-1").update(owner=analyst)
    staff = request.getfixturevalue(staff_client)
    readers = [(staff, analyst.username), (api, "Analyst")]
    for client, owner in readers if staff_first else readers[::-1]:
        for _ in range(2):
            assert client.get("/api/v1/commitments/MIL-1/").json()["owner"] == owner


def test_staff_filters_work_after_an_anonymous_read(roadmap, api, staff, record, settings):
    settings.REVIEW_REQUIRED = True
    pending = record(Commitment.objects.get(code="MIL-1"), status="off_track")
    api.get("/api/v1/updates/")
    assert api.get("/api/v1/updates/").json()["results"] == []
    queue = staff.get("/api/v1/updates/", {"review_state": "pending"})
    assert [update["id"] for update in queue.json()["results"]] == [pending.pk]
    assert staff.get("/api/v1/updates/").json()["results"] == []
    assert queue["Cache-Control"] == "private, no-cache, no-store"


@pytest.fixture
def token_reader(roadmap, token_for):
    """A client with the token of a user who is not staff: they see what the public sees."""
    client = APIClient()
    user = UserFactory(username="reader", is_staff=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    return client


# A token that Redis remembers (commitments.api.readers): nothing; in-process memory, which no
# other process sees: the token with its user, and their permissions (one query: auth_backend).
# A session: the session, its user, their permissions. Then the data version; for staff, the
# review queue's with it, in the same query.
HIT_QUERIES = {
    "redis": {"token_reader": 1, "staff": 1, "signed_in_staff": 4},
    "in-process memory": {"token_reader": 3, "staff": 3, "signed_in_staff": 4},
}


@pytest.mark.parametrize("reader", HIT_QUERIES["redis"])
@pytest.mark.parametrize("url", ["/api/v1/commitments/", "/api/v1/commitments/MIL-1/"])
def test_a_signed_in_readers_warm_read_is_a_hit(
    reader, url, request, shared_cache, django_assert_num_queries
):
    queries = HIT_QUERIES[request.node.callspec.params["shared_cache"]][reader]
    client = request.getfixturevalue(reader)
    first = client.get(url)
    with django_assert_num_queries(queries) as hit:
        again = client.get(url)
    assert not any(reads_commitments(query["sql"]) for query in hit.captured_queries)
    assert (again.status_code, again.content) == (200, first.content)
    assert headers_of(again) == headers_of(first)
    assert again["Cache-Control"] == "private, no-cache, no-store"


def test_a_miss_checks_the_token_and_permissions_once(roadmap, token_reader):
    # The middleware authenticates before the view, which does not do it again.
    with CaptureQueriesContext(connection) as miss:
        assert token_reader.get("/api/v1/commitments/MIL-1/").status_code == 200
    sql = [query["sql"] for query in miss.captured_queries]
    assert len([query for query in sql if "knox_authtoken" in query]) == 1  # with its user
    assert len([query for query in sql if "auth_permission" in query]) == 1  # own and groups'
    assert any(reads_commitments(query) for query in sql)  # a miss indeed


def test_a_staff_miss_reads_the_review_queues_version_once(roadmap, staff):
    # With the data version, for the key; the view's ETag is made of what the middleware read.
    with CaptureQueriesContext(connection) as miss:
        assert staff.get("/api/v1/commitments/MIL-1/").status_code == 200
    sql = [query["sql"] for query in miss.captured_queries]
    assert len([query for query in sql if REVIEW_QUEUE_COLUMNS[Releasability.PUBLIC] in query]) == 1
    assert any(reads_commitments(query) for query in sql)  # a miss indeed


def test_a_token_reader_of_a_private_deployment_is_served_a_hit(
    roadmap, token_reader, settings, django_assert_num_queries
):
    settings.ROADMAP_PUBLIC_READ = False
    first = token_reader.get("/api/v1/commitments/")
    assert first.status_code == 200
    with django_assert_num_queries(HIT_QUERIES["in-process memory"]["token_reader"]):
        again = token_reader.get("/api/v1/commitments/")
    assert again.content == first.content


def test_a_hit_counts_against_the_users_rate(roadmap, token_reader, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "user": "3/minute"}
    )
    statuses = [token_reader.get("/api/v1/statuses/") for _ in range(4)]
    assert [response.status_code for response in statuses] == [200, 200, 200, 429]
    assert statuses[2]["RateLimit"].startswith('"user";r=0;')


@pytest.mark.parametrize("url", ["/api/v1/commitments/?owner=me", "/api/v1/summary/?owner=me"])
def test_owner_me_is_never_served_to_another_user(roadmap, analyst, editor, token_for, url):
    # Two staff users: one visibility class, but owner=me is each one's own.
    Commitment.objects.filter(code__in=["MIL-1", "MIL-2"]).update(owner=analyst)
    Commitment.objects.filter(code="MIL-3").update(owner=editor)
    readers = {}
    for user in (analyst, editor, analyst, editor):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        readers.setdefault(user.username, []).append(client.get(url).content)
    assert readers["analyst"][0] == readers["analyst"][1]
    assert readers["editor"][0] == readers["editor"][1]
    assert readers["analyst"][0] != readers["editor"][0]
    if "commitments" in url:
        assert b'"MIL-1"' in readers["analyst"][0]
        assert b'"MIL-1"' not in readers["editor"][0]


def test_a_reviewers_queue_is_their_own(roadmap, reviewer, editor, token_for, record, settings):
    # Four eyes: the updates a reviewer may decide leave out their own.
    settings.REVIEW_REQUIRED = True
    by_editor = record(Commitment.objects.get(code="MIL-1"), status="off_track", author=editor)
    url = "/api/v1/updates/?review_state=pending&reviewable=true"
    queues = {}
    for user in (editor, reviewer, editor, reviewer):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        queues[user.username] = [update["id"] for update in client.get(url).json()["results"]]
    assert queues == {"editor": [], "reviewer": [by_editor.pk]}


@pytest.mark.parametrize("refused", ["deactivated", "revoked"])
def test_a_refused_token_is_not_served_from_the_cache(roadmap, token_for, refused, settings):
    settings.ROADMAP_PUBLIC_READ = False  # so that a hit could not pass for a public read
    user = UserFactory(username="leaver", is_staff=False)
    token = token_for(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/commitments/").status_code == 200
    assert client.get("/api/v1/commitments/").status_code == 200  # a hit
    if refused == "deactivated":
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    else:
        AuthToken.objects.filter(user=user).delete()
    response = client.get("/api/v1/commitments/")
    assert response.status_code == 401
    assert "results" not in response.json()


def test_a_deactivated_users_session_reads_as_nobody(roadmap, analyst, record, settings):
    settings.REVIEW_REQUIRED = True
    record(Commitment.objects.get(code="MIL-1"), status="off_track", summary="Pending.")
    client = APIClient()
    client.force_login(analyst)
    url = "/api/v1/updates/?review_state=all"
    assert client.get(url).status_code == client.get(url).status_code == 200
    get_user_model().objects.filter(pk=analyst.pk).update(is_active=False)
    assert client.get(url).status_code == 403  # refused as to anyone anonymous
    settings.ROADMAP_PUBLIC_READ = False
    assert client.get("/api/v1/updates/").status_code == 401


def test_private_reads_never_serve_a_cached_body_to_an_anonymous_client(roadmap, api, settings):
    assert api.get("/api/v1/commitments/").status_code == 200
    api.get("/api/v1/commitments/")
    settings.ROADMAP_PUBLIC_READ = False
    response = api.get("/api/v1/commitments/")
    assert response.status_code == 401
    assert "results" not in response.json()


def test_a_warm_entry_still_answers_304(roadmap, api, django_assert_num_queries):
    api.get("/api/v1/commitments/MIL-1/")
    warm = api.get("/api/v1/commitments/MIL-1/")
    with django_assert_num_queries(1):
        by_etag = api.get("/api/v1/commitments/MIL-1/", HTTP_IF_NONE_MATCH=warm["ETag"])
    by_date = api.get("/api/v1/commitments/MIL-1/", HTTP_IF_MODIFIED_SINCE=warm["Last-Modified"])
    assert (by_etag.status_code, by_date.status_code) == (304, 304)
    assert by_etag["ETag"] == warm["ETag"]
    assert by_date["ETag"] == warm["ETag"]


@pytest.mark.parametrize("first", ["gzip", ""], ids=["compressed first", "plain first"])
def test_a_body_kept_gzipped_is_served_plain_to_a_client_without_gzip(
    roadmap, api, settings, shared_cache, first
):
    api.get("/api/v1/commitments/", HTTP_ACCEPT_ENCODING=first)
    compressed_hit = api.get("/api/v1/commitments/", HTTP_ACCEPT_ENCODING="gzip")
    plain_hit = api.get("/api/v1/commitments/")
    computed = uncached("/api/v1/commitments/", settings)
    assert compressed_hit["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain_hit
    assert plain_hit.content == computed.content
    assert gzip.decompress(compressed_hit.content) == computed.content
    assert headers_of(plain_hit) == headers_of(computed)
    assert plain_hit["Content-Length"] == computed["Content-Length"]


def test_a_compressed_hit_carries_the_headers_of_a_compressed_miss(roadmap, api, settings):
    settings.RESPONSE_CACHE = False
    computed = api.get("/api/v1/commitments/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    settings.RESPONSE_CACHE = True
    miss = api.get("/api/v1/commitments/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    hit = api.get("/api/v1/commitments/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    # Every header but the rate limit's count, the request's own id and the length, which
    # gzip's random padding (against BREACH) changes from one compression to the next.
    varying = {"RateLimit", "X-Request-ID", "Content-Length"}
    for response in (miss, hit):
        assert {k: v for k, v in response.items() if k not in varying} == {
            k: v for k, v in computed.items() if k not in varying
        }
        assert response["ETag"].startswith('W/"')
        assert int(response["Content-Length"]) == len(response.content)
        assert gzip.decompress(response.content) == gzip.decompress(computed.content)
    assert hit.content == miss.content  # compressed once, when kept


def test_a_read_counts_once_against_the_rate_hit_or_miss(roadmap, api, shared_cache):
    remaining = [
        int(api.get(url)["RateLimit"].split("r=")[1].split(";")[0])
        for url in ["/api/v1/themes/", "/api/v1/themes/", "/api/v1/places/"]
    ]
    assert remaining == [remaining[0], remaining[0] - 1, remaining[0] - 2]


def test_response_cache_off_reads_the_database_every_time(
    roadmap, api, settings, django_assert_num_queries
):
    settings.RESPONSE_CACHE = False
    api.get("/api/v1/commitments/MIL-1/")
    # Expect 6 queries, as on a first read (MIL-1 has no children to read; its dependencies
    # are read, none or some): see tests/test_api_queries.py.
    with django_assert_num_queries(6):
        api.get("/api/v1/commitments/MIL-1/")


def test_a_body_over_the_bound_once_gzipped_is_not_kept(
    roadmap, api, settings, django_assert_num_queries
):
    settings.RESPONSE_CACHE_MAX_BYTES = 100
    api.get("/api/v1/commitments/", {"format": "csv"})
    # Expect 3 queries, as on a first read: the version, the commitments, their relations.
    with django_assert_num_queries(3):
        api.get("/api/v1/commitments/", {"format": "csv"})


@pytest.mark.parametrize("encoding", ["gzip", ""], ids=["client with gzip", "client without"])
def test_a_body_over_the_bound_that_gzips_under_it_is_kept(
    roadmap, api, settings, django_assert_num_queries, encoding
):
    # The bound guards the cache's memory, which holds JSON and CSV gzipped.
    computed = uncached("/api/v1/commitments/?format=csv", settings)
    settings.RESPONSE_CACHE_MAX_BYTES = len(computed.content) - 1
    api.get("/api/v1/commitments/", {"format": "csv"}, HTTP_ACCEPT_ENCODING=encoding)
    with django_assert_num_queries(1):  # the version
        hit = api.get("/api/v1/commitments/", {"format": "csv"})
    assert hit.content == computed.content


def test_a_workbook_over_the_bound_is_not_kept(roadmap, api, settings):
    # An XLSX is a zip already: it is kept as it is, and measured as it is. (Half its size:
    # a workbook's length varies by a few bytes between renders, with its timestamps.)
    computed = uncached("/api/v1/commitments/?format=xlsx", settings)
    settings.RESPONSE_CACHE_MAX_BYTES = len(computed.content) // 2
    api.get("/api/v1/commitments/", {"format": "xlsx"})
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/commitments/", {"format": "xlsx"})
    assert any(reads_commitments(query["sql"]) for query in queries)


def test_the_streamed_csv_of_the_feed_is_never_kept(roadmap, api, record):
    # It can hold every update ever recorded: it is sent as it is read, and read every time.
    first = api.get("/api/v1/updates/", {"format": "csv"})
    assert first.streaming
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/updates/", {"format": "csv"}).getvalue()
    assert any("commitments_statusupdate" in query["sql"] for query in queries)
    assert again == first.getvalue()


def test_an_error_is_not_kept(roadmap, api, django_assert_num_queries):
    assert api.get("/api/v1/commitments/NOPE-1/").status_code == 404
    with django_assert_num_queries(2):  # the version, the commitment not found
        assert api.get("/api/v1/commitments/NOPE-1/").status_code == 404


def test_the_browsable_page_is_not_kept(roadmap, api):
    # It names its reader and carries forms: only JSON and CSV are kept.
    api.get("/api/v1/themes/", HTTP_ACCEPT="text/html")
    with CaptureQueriesContext(connection) as queries:
        page = api.get("/api/v1/themes/", HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")
    assert len(queries) > 1

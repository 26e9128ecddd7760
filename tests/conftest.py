import datetime
import os
import time
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest
import redis
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import translation
from knox.models import AuthToken

from coalition import redis_cache
from commitments import dependencies
from commitments.models import (
    FUNDS_KINDS,
    Commitment,
    Contribution,
    Indicator,
    Partner,
    WebhookEndpoint,
)
from commitments.roadmap import SECTIONS, load_roadmap
from commitments.roles import ANALYST, EDITOR, REVIEWER, VIEWER
from commitments.services import (
    approve_or_return,
    propose_release,
    record_briefing_message,
    record_contribution,
    record_evidence,
    record_indicator_value,
    record_status_update,
)
from commitments.services.webhooks import send_test_event
from tests.factories import (
    CommitmentFactory,
    PartnerFactory,
    PillarFactory,
    PlaceFactory,
    SourceDocumentFactory,
    ThemeFactory,
    UserFactory,
)
from tests.redis_server import RedisUnavailable, private_redis


def _test_only_settings():
    return {
        # A deliberately slow password hash protects real users; test users need none of it.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Production serves hashed static files from `collectstatic`'s manifest; tests serve
        # them from the apps' folders without running it.
        "WHITENOISE_USE_FINDERS": True,
        "WHITENOISE_AUTOREFRESH": True,
        "STORAGES": {
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # Most tests specify what an approved update does, as it was before review existed;
        # the review workflow's own tests (and the public API walk) turn review on.
        "REVIEW_REQUIRED": False,
        # Reads go to the primary, even with DATABASE_REPLICA_URLS set: a replica sees only
        # what is committed, and most tests roll back. tests/test_read_replicas.py turns them on.
        "DATABASE_REPLICAS": [],
        # Every API response a test sees must be what the OpenAPI schema says (checked before
        # it is compressed), and every response one that a WSGI server would send.
        "MIDDLEWARE": _with_response_validation(django_settings.MIDDLEWARE),
    }


def _with_response_validation(middleware):
    middleware = list(middleware)
    middleware.insert(
        middleware.index("commitments.middleware.APICompressionMiddleware") + 1,
        "tests.openapi_validation.OpenAPIResponseValidationMiddleware",
    )
    # First, so that it sees the response as the WSGI handler does, after every middleware.
    middleware.insert(0, "tests.wsgi_validation.WSGIResponseValidationMiddleware")
    return middleware


@pytest.fixture(scope="session")
def _briefing_lock_dir(tmp_path_factory):
    """The briefing pack's render slots of this test process: pytest-xdist's other processes
    render (and hold slots in the tests of the bound) at the same time."""
    return tmp_path_factory.mktemp("locks")


@pytest.fixture(autouse=True)
def _test_settings(settings, _briefing_lock_dir):
    # Each test starts with an empty cache: no throttle counts or cached reads of another.
    cache.clear()
    for name, value in _test_only_settings().items():
        setattr(settings, name, value)
    settings.BRIEFING_LOCK_DIR = _briefing_lock_dir
    # And in English: a request leaves its language active in the thread (LocaleMiddleware
    # activates one per request and none after), which a test that reads no request would inherit.
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _rate_windows_do_not_turn_during_a_test(monkeypatch):
    """The throttles count in fixed windows of a minute (commitments.api.throttling): a test
    that crosses a minute's turn between two requests sees its count start again, which no
    test is about. Their clock stands still for the test, half way through a minute."""
    from commitments.api.throttling import CountingThrottle

    standing = (time.time() // 60) * 60 + 30
    monkeypatch.setattr(CountingThrottle, "timer", staticmethod(lambda: standing))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """The test database, as the tests need it.

    PostgreSQL refuses to TRUNCATE the status history (migration 0008) unless the session says
    it means it; pytest-django empties the tables with TRUNCATE after a transactional test, so
    the test run's own connections say so.

    SQLite: a file of this run's own instead of Django's shared-cache memory database, where a
    second connection (tests/test_concurrency.py's threads) finds a table locked and is refused
    at once instead of waiting for the write lock."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c roadmap.allow_truncate=on".strip()
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


@pytest.fixture(scope="session")
def _roadmap_rows(django_db_setup, django_db_blocker):
    """The rows load_roadmap writes, loaded once per test run and kept in memory."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_roadmap()
        # The models of the data file's sections, and the partner links (the through model of
        # Commitment.partners, which a commitment's own row does not carry).
        models = [*(section.model for section in SECTIONS), Commitment.partners.through]
        rows = serializers.serialize(
            "python", [row for model in models for row in model.objects.order_by("pk")]
        )
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def roadmap(db, _roadmap_rows):
    """The Paris Roadmap as shipped: documents, reference data and commitments, as
    load_roadmap writes them (copied from one real load, which is slow to repeat)."""
    # The audit trail of this copy is not under test (tests/test_audit.py loads for real), and
    # recording it would make every test that needs the Roadmap slower.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for row in serializers.deserialize("python", _roadmap_rows):
            row.save()


@pytest.fixture
def hum1_indicator(roadmap):
    """The shipped indicator of HUM-1, as loaded: approximately US$20 billion raised."""
    return Indicator.objects.get(slug="humanitarian-and-stabilization-assistance-raised")


@pytest.fixture
def nato(roadmap):
    """NATO, a partner the Roadmap ships."""
    return Partner.objects.get(slug="nato")


@pytest.fixture
def mil1(roadmap):
    return Commitment.objects.get(code="MIL-1")


@pytest.fixture
def commitment(db):
    return CommitmentFactory()


def _member_of(role):
    user = UserFactory(username=role.lower())
    user.groups.add(Group.objects.get(name=role))
    return user


def _member_fixture(role):
    """A fixture that gives a user of `role`; it is named by the attribute it is stored in."""

    @pytest.fixture
    def member(db):
        return _member_of(role)

    return member


viewer = _member_fixture(VIEWER)
analyst = _member_fixture(ANALYST)
editor = _member_fixture(EDITOR)
reviewer = _member_fixture(REVIEWER)


@pytest.fixture
def review_required(settings):
    """The product's default: updates are pending until someone else approves them."""
    settings.REVIEW_REQUIRED = True


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture(scope="module")
def one_of_each(django_db_setup, django_db_blocker):
    """A user of every role (`users`: viewer, analyst, reviewer, editor, superuser, not_staff,
    and None for anonymous), a row of every model the admin registers (`rows`, by model; the
    briefing message pending review, by the editor), and updates pending review (`pending`:
    one by the editor, one by the superuser, so that four eyes are walked too), written once
    for the module that asks and rolled back after it. Each test's own transaction nests
    inside this one and is rolled back as usual (so it is not for transactional tests)."""
    with (
        django_db_blocker.unblock(),
        override_settings(**_test_only_settings()),
        transaction.atomic(),
    ):
        users = {
            "viewer": _member_of(VIEWER),
            "analyst": _member_of(ANALYST),
            "reviewer": _member_of(REVIEWER),
            "editor": _member_of(EDITOR),
            "superuser": UserFactory(username="root", is_superuser=True),
            "not_staff": UserFactory(username="outsider", is_staff=False),
            "anonymous": None,
        }
        # The user and group that the user and group pages show: not one of the above.
        bystander = UserFactory(username="bystander")
        group = Group.objects.create(name="Bystanders")
        bystander.groups.add(group)
        # Nothing refers to the rows shown, so that the database would let them be deleted:
        # the status update is of another commitment, with a document and pillar of its own.
        commitment = CommitmentFactory()
        commitment.themes.add(ThemeFactory())
        commitment.places.add(PlaceFactory())
        commitment.partners.add(PartnerFactory())
        update = record_status_update(
            commitment=CommitmentFactory(),
            author=users["analyst"],
            status="on_track",
            as_of=datetime.date(2024, 1, 15),
            summary="Progress reported by partners.",
        )
        with override_settings(REVIEW_REQUIRED=True):
            pending = [
                record_status_update(
                    commitment=CommitmentFactory(),
                    author=users[author],
                    status="at_risk",
                    as_of=datetime.date(2024, 2, 1),
                    summary="Awaiting review.",
                )
                for author in ("editor", "superuser")
            ]
        # Of its own partner and commitment, so that nothing refers to the rows shown above. Not
        # funds: the walk changes the first number it finds in the form, here the count.
        contribution = record_contribution(
            partner=PartnerFactory(),
            commitment=CommitmentFactory(),
            author=users["analyst"],
            kind=Contribution.Kind.TRAINING,
            count=40,
            unit="instructors",
            date=datetime.date(2024, 3, 1),
        )
        # An indicator of its own commitment, with an approved value (so that nothing refers
        # to it but its value), and values pending review by the editor and the superuser.
        indicator = Indicator.objects.create(
            slug="walked-indicator",
            commitment=CommitmentFactory(),
            name="Walked indicator",
            unit=Indicator.Unit.COUNT,
            direction=Indicator.Direction.INCREASE,
            baseline_value=Decimal(10),
        )
        value = record_indicator_value(
            indicator=indicator,
            author=users["analyst"],
            value=Decimal(12),
            as_of=datetime.date(2024, 3, 1),
        )
        with override_settings(REVIEW_REQUIRED=True):
            pending_values = [
                record_indicator_value(
                    indicator=indicator,
                    author=users[author],
                    value=Decimal(13),
                    as_of=datetime.date(2024, 3, 2),
                )
                for author in ("editor", "superuser")
            ]
        # A key message of the briefing pack pending review, by the editor, of a pillar of its
        # own: a superuser may decide on it from its page.
        with override_settings(REVIEW_REQUIRED=True):
            message = record_briefing_message(
                pillar=PillarFactory(),
                author=users["editor"],
                as_of=datetime.date(2024, 3, 31),
                text="Awaiting review.",
            )
        # A release pending review, by the superuser (the one user of the walk who reads what
        # is released to the coalition), of a coalition update of a commitment of its own
        # (approved on submission: the walk's queue of updates has its own pending ones).
        for_members = record_status_update(
            commitment=CommitmentFactory(),
            author=users["superuser"],
            status="on_track",
            as_of=datetime.date(2024, 1, 15),
            summary="For members.",
            releasability="coalition",
        )
        with override_settings(REVIEW_REQUIRED=True):
            release = propose_release(
                record=for_members,
                author=users["superuser"],
                released_to="public",
                reason="Published since.",
            )
        # A webhook endpoint of its own owner (who may not be deleted while it has one), with
        # a test event in its delivery log.
        endpoint = WebhookEndpoint.objects.create(
            url="https://hooks.example.org/walk", owner=UserFactory(username="integrations")
        )
        access = {
            "username": "bystander",
            "ip_address": "203.0.113.7",
            "user_agent": "pytest",
            "http_accept": "*/*",
            "path_info": "/admin/login/",
        }
        # By model, as each row's own class says, so that a key cannot name another model.
        rows = {
            type(row): row
            for row in (
                bystander,
                group,
                AuthToken.objects.create(user=bystander)[0],
                commitment,
                update,
                update.review,  # approved on submission (review is off in the tests)
                SourceDocumentFactory(),
                PillarFactory(),
                commitment.themes.get(),
                commitment.places.get(),
                commitment.partners.get(),
                contribution,
                # Cited by nothing.
                record_evidence(
                    author=users["analyst"],
                    source="Walked field office",
                    url="https://example.org/walked.pdf",
                    date=datetime.date(2024, 1, 10),
                    reliability="C",
                    credibility="3",
                ),
                CommitmentFactory().indicators.create(
                    slug="unvalued-indicator", name="Unvalued", unit="count", direction="increase"
                ),
                value,
                message,
                release,
                endpoint,
                send_test_event(endpoint, by=users["editor"]),
                AccessAttempt.objects.create(
                    **access, get_data="", post_data="", failures_since_start=1
                ),
                AccessLog.objects.create(**access),
                AccessFailureLog.objects.create(**access),
            )
        }
        yield SimpleNamespace(
            users=users, rows=rows, pending=pending, pending_values=pending_values
        )
        transaction.set_rollback(True)


def _marking_author(fields, analyst, model):
    """Who records a record of `model` with these `fields` when they name no author: `analyst`,
    or, for a record marked narrower than public (as told, or by RELEASABILITY_DEFAULTS), an
    Analyst of the Secretariat group (nobody marks what they may not read:
    Record.clean_marking)."""
    if "author" in fields:
        return fields["author"]
    marking = fields.get("releasability") or django_settings.RELEASABILITY_DEFAULTS[model]
    if marking == "public":
        return analyst
    return _cleared_analyst()


def _cleared_analyst():
    cleared, created = UserFactory._meta.model.objects.get_or_create(username="cleared-analyst")
    if created:
        cleared.groups.add(*Group.objects.filter(name__in=[ANALYST, "Secretariat"]))
    return cleared


@pytest.fixture
def cleared_analyst(db):
    """The Analyst of the Secretariat group who records what the service fixtures mark narrower
    than public when no author is named; made before a test's first reading when it asks for
    it (a user written moves the data version)."""
    return _cleared_analyst()


@pytest.fixture
def record(analyst):
    """Records a status update through the service, with sensible defaults."""

    def record(commitment, **fields):
        fields = {
            "status": "on_track",
            "as_of": datetime.date(2024, 1, 15),
            "summary": "Progress reported by partners.",
            **fields,
            "author": _marking_author(fields, analyst, "statusupdate"),
        }
        return record_status_update(commitment=commitment, **fields)

    return record


@pytest.fixture
def evidence(analyst):
    """Records a piece of evidence through the service, graded B2 unless told otherwise."""

    def evidence(grade="B2", **fields):
        fields = {
            "source": "UNDP field office",
            "url": "https://example.org/report.pdf",
            "date": datetime.date(2024, 1, 10),
            "summary": "Ten of twelve police stations reopened.",
            "reliability": grade[0],
            "credibility": grade[1],
            "author": analyst,
            **fields,
        }
        return record_evidence(**fields)

    return evidence


@pytest.fixture
def record_approved(record, reviewer):
    """Records a status update (as `record` does) and has a reviewer approve it."""

    def record_approved(commitment, **fields):
        update = record(commitment, **fields)
        approve_or_return(update, reviewer=reviewer, decision="approve")
        return update

    return record_approved


@pytest.fixture
def observe(analyst):
    """Records an indicator value through the service, as of 15 Jan 2024 unless told otherwise."""

    def observe(indicator, value, **fields):
        fields = {**fields, "author": _marking_author(fields, analyst, "indicatorvalue")}
        if "period_end" not in fields:
            fields.setdefault("as_of", datetime.date(2024, 1, 15))
        return record_indicator_value(indicator=indicator, value=Decimal(value), **fields)

    return observe


@pytest.fixture
def contribute(analyst):
    """Records a contribution through the service: funds pledged unless told otherwise."""

    def contribute(partner, commitment, **fields):
        fields = {
            "kind": Contribution.Kind.FUNDS_PLEDGED,
            "date": datetime.date(2024, 1, 15),
            **fields,
            "author": _marking_author(fields, analyst, "contribution"),
        }
        if fields["kind"] in FUNDS_KINDS:
            fields.setdefault("amount", Decimal("1000.00"))
            fields.setdefault("currency", "USD")
        else:
            fields.setdefault("count", 1)
            fields.setdefault("unit", "instructors")
        return record_contribution(partner=partner, commitment=commitment, **fields)

    return contribute


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


# A Redis database of each test process's own, counting down from 15 (or TEST_REDIS_DB, for two
# test runs side by side on one machine): a test empties its database when it ends (Django's
# cache.clear() is FLUSHDB), which must not take the throttle counts of a test running beside it
# in another pytest-xdist process.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_FIRST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15"))
REDIS_URL = f"redis://127.0.0.1:6379/{(_FIRST_REDIS_DB - int(_WORKER.removeprefix('gw'))) % 16}"


def _redis_is_up():
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        return False


@pytest.fixture(params=["in-process memory", "redis"])
def shared_cache(request):
    """The cache as configured by default, and as in production (CACHE_URL=redis://...)."""
    if request.param == "in-process memory":
        yield cache
        return
    if not _redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts one)")
    backend = {
        "BACKEND": "coalition.redis_cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"test-{uuid.uuid4()}",  # this test's keys only
    }
    with override_settings(CACHES={"default": backend}):
        yield cache
        cache.clear()


@pytest.fixture
def token_for():
    """A fresh API token for a user, as the admin would create it."""
    from knox.models import AuthToken

    def token_for(user):
        return AuthToken.objects.create(user=user)[1]

    return token_for


@pytest.fixture
def as_analyst(api, analyst, token_for):
    """The API client, signed in as an analyst with a token."""
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(analyst)}")
    return api


@pytest.fixture
def uniqueness_checks_miss(monkeypatch):
    """Every check for a duplicate before a write (the serializer's, the form's, full_clean's)
    finds none, as when a rival's row is committed after the check ran: the database's unique
    constraint is then all that stands in the way, as in a race."""
    from django.db.models import Model
    from rest_framework.validators import UniqueValidator

    monkeypatch.setattr(UniqueValidator, "__call__", lambda self, value, serializer_field: None)
    monkeypatch.setattr(Model, "validate_unique", lambda self, exclude=None: None)


@pytest.fixture
def redis_server(request, monkeypatch):
    """A private Redis as the shared cache, with the options CACHE_URL=redis://... gives
    (tests/test_settings.py), and no memory of another test's failures. Indirect parameters
    are more options of redis-server."""
    try:
        context = private_redis(*getattr(request, "param", ()))
        server = context.__enter__()
    except RedisUnavailable as error:
        pytest.fail(f"cannot start Redis: {error}")  # CI installs it
    monkeypatch.setattr(redis_cache, "_down_until", {})
    dependencies.forget()
    backend = {
        "BACKEND": "coalition.redis_cache.FailOpenRedisCache",
        "LOCATION": server.url,
        "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
    }
    try:
        with override_settings(CACHES={"default": backend}):
            yield server
    finally:
        context.__exit__(None, None, None)
        dependencies.forget()


from tests.browser import _erasable_history, browser, page  # noqa: E402, F401  (browser fixtures)


def at(moment):
    """Runs what follows as if it were `moment` (an aware datetime): the services stamp what
    they record with it, and the dates they check are of it."""
    from unittest import mock

    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def one_calendar_day():
    """For a test that compares ETags or Last-Modified across reads: every one moves on at
    midnight (staleness does, without a write), which such a test is not about. Close to
    midnight, it waits for the new day before the test starts (at most MARGIN)."""
    import time

    from django.utils import timezone

    margin = datetime.timedelta(minutes=3)
    now = timezone.localtime()
    midnight = timezone.make_aware(
        datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time.min)
    )
    if midnight - now < margin:
        time.sleep((midnight - now).total_seconds() + 1)


def _noon(month, day, hour=12):
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def time_history(db, settings, record, reviewer):
    """A small Roadmap history in 2026 with back-dating, corrections, same-day updates and a
    wait for review, for the time axes (as_of, known_on, changes, timeline). Each update is
    recorded at `recorded` and approved at `approved` (noon UTC unless said):

    A-1 (pillar Alpha, cadence 30 days)
      on_track 20 as of 10 Jan, recorded 10 Jan, approved 11 Jan
      at_risk 30 as of 1 Mar, recorded 2 Mar, approved 2 Mar
      off_track 25 as of 1 Feb, back-dated: recorded and approved 15 Apr
    A-2 (Alpha)
      completed 100 as of 10 Feb, recorded and approved 10 Feb
      its correction, on_track 80 as of 10 Feb, recorded 1 May, approved 2 May
    A-3 (Alpha)
      at_risk 40 as of 10 Mar, recorded 09:00, approved 10:00 on 10 Mar
      on_track 50 as of 10 Mar, recorded 15:00, approved 16:00 on 10 Mar
      off_track as of 10 Mar, recorded 17:00 and returned: never counts
      on_track 60 as of 20 Apr, recorded and approved 20 Apr
    B-1 (Beta), created 1 Apr
      not_started as of 5 Apr, recorded 5 Apr, approved 6 Apr
      discontinued as of 10 May, recorded and approved 10 May
    B-2 (Beta), never assessed
    All but B-1 were created on 1 Jan."""
    settings.REVIEW_REQUIRED = True
    settings.STALE_AFTER_DAYS = 90
    document = SourceDocumentFactory(issued_on=datetime.date(2019, 6, 25))
    alpha = PillarFactory(slug="alpha", name="Alpha", display_order=1)
    beta = PillarFactory(slug="beta", name="Beta", display_order=2)
    with at(_noon(1, 1)):
        a1 = CommitmentFactory(
            code="A-1", pillar=alpha, source_document=document, update_cadence_days=30
        )
        a2 = CommitmentFactory(code="A-2", pillar=alpha, source_document=document)
        a3 = CommitmentFactory(code="A-3", pillar=alpha, source_document=document)
        CommitmentFactory(code="B-2", pillar=beta, source_document=document)
    with at(_noon(4, 1)):
        b1 = CommitmentFactory(code="B-1", pillar=beta, source_document=document)

    def update(commitment, status, as_of, recorded, approved, progress=None, **fields):
        summary = f"{status} as of {as_of}"
        with at(recorded):
            made = record(
                commitment, status=status, as_of=as_of, progress=progress, summary=summary, **fields
            )
        with at(approved):
            approve_or_return(made, reviewer=reviewer, decision="approve")
        return made

    day = datetime.date
    update(a1, "on_track", day(2026, 1, 10), _noon(1, 10), _noon(1, 11), progress=20)
    update(a1, "at_risk", day(2026, 3, 1), _noon(3, 2), _noon(3, 2), progress=30)
    update(a1, "off_track", day(2026, 2, 1), _noon(4, 15), _noon(4, 15), progress=25)
    wrong = update(a2, "completed", day(2026, 2, 10), _noon(2, 10), _noon(2, 10), progress=100)
    update(a2, "on_track", day(2026, 2, 10), _noon(5, 1), _noon(5, 2), progress=80, corrects=wrong)
    update(a3, "at_risk", day(2026, 3, 10), _noon(3, 10, 9), _noon(3, 10, 10), progress=40)
    update(a3, "on_track", day(2026, 3, 10), _noon(3, 10, 15), _noon(3, 10, 16), progress=50)
    with at(_noon(3, 10, 17)):
        returned = record(a3, status="off_track", as_of=day(2026, 3, 10), summary="Worse.")
    with at(_noon(3, 10, 18)):
        approve_or_return(returned, reviewer=reviewer, decision="return", comment="Not so.")
    update(a3, "on_track", day(2026, 4, 20), _noon(4, 20), _noon(4, 20), progress=60)
    update(b1, "not_started", day(2026, 4, 5), _noon(4, 5), _noon(4, 6))
    update(b1, "discontinued", day(2026, 5, 10), _noon(5, 10), _noon(5, 10))


from tests.briefing import briefing_history, format, pango  # noqa: E402, F401  (the briefing pack's)
from tests.releases import coalition_reviewer, coalition_update, secretary  # noqa: E402, F401  (releases')

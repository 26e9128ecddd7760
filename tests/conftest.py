import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from commitments.models import Commitment, Partner, Pillar, Place, SourceDocument, Theme
from commitments.roadmap import load_roadmap
from commitments.roles import ANALYST, EDITOR, VIEWER
from commitments.services import record_status_update
from tests.factories import CommitmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Each test starts with an empty cache: no throttle counts or cached reads of another.
    cache.clear()
    # A deliberately slow password hash protects real users; test users need none of it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production serves hashed static files from `collectstatic`'s manifest; tests serve
    # them from the apps' folders without running it.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Every API response a test sees must be what the OpenAPI schema says (before compression).
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("commitments.middleware.APICompressionMiddleware") + 1,
        "tests.openapi_validation.OpenAPIResponseValidationMiddleware",
    )
    settings.MIDDLEWARE = middleware


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL refuses to TRUNCATE the status history (migration 0008) unless the session
    says it means it; pytest-django empties the tables with TRUNCATE after a transactional test,
    so the test run's own connections say so."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {})["options"] = "-c roadmap.allow_truncate=on"


@pytest.fixture(scope="session")
def _roadmap_rows(django_db_setup, django_db_blocker):
    """The rows load_roadmap writes, loaded once per test run and kept in memory."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_roadmap()
        models = (SourceDocument, Pillar, Theme, Place, Partner, Commitment)
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
def commitment(db):
    return CommitmentFactory()


def _member_of(role):
    user = UserFactory(username=role.lower())
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def viewer(db):
    return _member_of(VIEWER)


@pytest.fixture
def analyst(db):
    return _member_of(ANALYST)


@pytest.fixture
def editor(db):
    return _member_of(EDITOR)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def record(analyst):
    """Records a status update through the service, with sensible defaults."""

    def record(commitment, **fields):
        fields = {
            "status": "on_track",
            "as_of": datetime.date(2024, 1, 15),
            "summary": "Progress reported by partners.",
            "author": analyst,
            **fields,
        }
        return record_status_update(commitment=commitment, **fields)

    return record


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def token_for():
    """A fresh API token for a user, as the admin would create it."""
    from knox.models import AuthToken

    def token_for(user):
        return AuthToken.objects.create(user=user)[1]

    return token_for


from tests.browser import _erasable_history, browser, page  # noqa: E402, F401  (browser fixtures)

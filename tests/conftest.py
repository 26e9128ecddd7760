import datetime

import pytest
from django.contrib.auth.models import Group

from commitments.roadmap import load_roadmap
from commitments.roles import ANALYST, EDITOR, VIEWER
from commitments.services import record_status_update
from tests.factories import CommitmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # A deliberately slow password hash protects real users; test users need none of it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production serves hashed static files from `collectstatic`'s manifest; tests render
    # pages without running it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def roadmap(db):
    """The Paris Roadmap as shipped: documents, reference data and commitments."""
    load_roadmap()


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

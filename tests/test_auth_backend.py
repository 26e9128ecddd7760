"""Who holds which permission, read in one query (commitments.auth_backend), and API tokens
that expire: what ModelBackend and knox answer, for less."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import UserFactory


def permission(codename):
    return Permission.objects.get(content_type__app_label="commitments", codename=codename)


@pytest.fixture
def editors():
    group = Group.objects.create(name="Test editors")
    group.permissions.add(permission("change_commitment"))
    return group


def fresh(user):
    # A new object: a user's permissions are cached on the object once read.
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db
def test_a_user_holds_their_own_permissions_and_their_groups(editors, django_assert_num_queries):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(permission("view_statusupdate"))
    user.groups.add(editors)
    user = fresh(user)
    with django_assert_num_queries(1):
        held = user.get_all_permissions()
        assert user.has_perm("commitments.view_statusupdate")
        assert user.has_perm("commitments.change_commitment")
    assert held == {"commitments.view_statusupdate", "commitments.change_commitment"}
    assert not user.has_perm("commitments.delete_commitment")
    assert fresh(user).get_group_permissions() == {"commitments.change_commitment"}
    assert fresh(user).get_user_permissions() == {"commitments.view_statusupdate"}


@pytest.mark.django_db
def test_a_superuser_holds_every_permission_and_an_inactive_user_none(editors):
    superuser = fresh(UserFactory(is_staff=True, is_superuser=True))
    assert len(superuser.get_all_permissions()) == Permission.objects.count()
    inactive = UserFactory(is_staff=True, is_active=False)
    inactive.groups.add(editors)
    assert fresh(inactive).get_all_permissions() == set()
    assert not fresh(inactive).has_perm("commitments.change_commitment")


@pytest.mark.django_db
def test_an_expired_token_is_refused_and_deleted_and_the_users_others_still_work(roadmap):
    user = UserFactory(is_staff=False)
    expired, expired_key = AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=1))
    AuthToken.objects.filter(pk=expired.pk).update(expiry=timezone.now() - datetime.timedelta(1))
    _, valid_key = AuthToken.objects.create(user=user)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {expired_key}")
    assert client.get("/api/v1/commitments/").status_code == 401
    assert not AuthToken.objects.filter(pk=expired.pk).exists()

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {valid_key}")
    assert client.get("/api/v1/commitments/").status_code == 200

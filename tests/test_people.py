"""People (issue 24, "Admin for people"): a superuser invites a person by name, email and role,
the person chooses a password from the link in their email, and the user list says who has
which role."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.roles import EDITOR, REVIEWER

pytestmark = pytest.mark.django_db

INVITE = "/admin/auth/user/invite/"  # reverse("admin:auth_user_invite")
USERS = "/admin/auth/user/"
User = get_user_model()


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def invite(client, **fields):
    form = {"first_name": "Amira", "last_name": "Haddad", "email": "amira@example.org"}
    return client.post(INVITE, {**form, "role": REVIEWER, **fields})


def test_an_invited_person_gets_an_account_in_their_role_and_chooses_a_password(
    as_superuser, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(as_superuser)

    assert response.status_code == 302
    person = User.objects.get(email="amira@example.org")
    assert (person.username, person.is_staff, person.has_usable_password()) == (
        "amira@example.org",
        True,
        False,
    )
    assert list(person.groups.values_list("name", flat=True)) == [REVIEWER]
    [email] = mail.outbox
    assert email.to == ["amira@example.org"]
    assert "as Reviewer" in email.body
    assert "amira@example.org" in email.body

    link = re.search(r"https?://\S+(/admin/password/\S+/)", email.body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    chosen = {"new_password1": "a long passphrase 41", "new_password2": "a long passphrase 41"}
    assert client.post(form_page.redirect_chain[-1][0], chosen).status_code == 302
    signed_in = client.post(
        "/admin/login/",
        {"username": "amira@example.org", "password": "a long passphrase 41"},
        follow=True,
    )
    assert signed_in.context["user"] == person
    client.logout()
    # The link works once.
    assert "invalid" in client.get(link, follow=True).content.decode().lower()


def test_an_address_that_has_an_account_is_refused_and_nothing_is_sent(
    as_superuser, editor, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=editor.pk).update(email="Amira@Example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(as_superuser, role=EDITOR)

    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert User.objects.filter(email__iexact="amira@example.org").count() == 1
    assert mail.outbox == []


def test_only_who_may_add_and_change_users_may_invite(client, editor):
    client.force_login(editor)

    assert client.get(INVITE).status_code == 403
    assert client.post(INVITE, {"email": "x@example.org", "role": EDITOR}).status_code == 403
    assert not User.objects.filter(email="x@example.org").exists()


def test_the_user_list_shows_and_filters_each_persons_role(as_superuser, analyst, reviewer):
    page = as_superuser.get(USERS).content.decode()
    reviewers = as_superuser.get(USERS, {"role": REVIEWER}).content.decode()

    assert 'class="field-role">Analyst<' in page
    assert 'class="field-role">Superuser<' in page
    assert "Invite a person" in page
    assert f">{reviewer.username}</a>" in reviewers
    assert f">{analyst.username}</a>" not in reviewers


def test_the_user_list_reads_roles_in_one_query_however_many_people(as_superuser):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert as_superuser.get(USERS).status_code == 200
        return len(captured)

    few = queries()
    for number in range(5):
        User.objects.create(username=f"person{number}", is_staff=True)

    assert queries() == few

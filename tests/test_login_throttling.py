"""Guessing an admin password is cut short: after repeated failures the login is locked."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery staple"  # the factories' password


def attempt(client, password, **headers):
    return client.post(
        LOGIN, {"username": "analyst", "password": password, "next": "/admin/"}, **headers
    )


def test_a_login_is_locked_after_five_failures_even_with_the_right_password(
    client, analyst, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    failures = [attempt(client, f"guess {n}").status_code for n in range(5)]

    locked = attempt(client, PASSWORD)

    assert failures[:4] == [200] * 4  # the login form again, with its error
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_fewer_failures_do_not_lock_and_a_success_resets_the_count(client, analyst):
    for n in range(4):
        attempt(client, f"guess {n}")

    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for n in range(4):
        attempt(client, f"guess {n}")
    assert attempt(client, PASSWORD).status_code == 302


def test_the_lockout_is_per_username(client, analyst, editor):
    for n in range(5):
        attempt(client, f"guess {n}")

    response = client.post(LOGIN, {"username": "editor", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, analyst):
    for n in range(5):
        attempt(client, f"guess {n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_a_trusted_proxy_one_client_locked_out_leaves_the_others_in(
    client, analyst, settings
):
    # Every request comes from the proxy's address: without TRUSTED_PROXY_COUNT one guesser
    # would lock everybody out.
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        attempt(client, f"guess {n}", HTTP_X_FORWARDED_FOR="192.0.2.66")

    assert attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.66").status_code == 429
    assert attempt(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 302

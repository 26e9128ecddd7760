"""`manage.py revoke_tokens`: API tokens revoked in bulk (and browser sessions ended), as after
a database restore brings back what was revoked since the backup (docs/operations.md)."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.models import AuthToken

pytestmark = pytest.mark.django_db


def revoke(*args):
    out = StringIO()
    call_command("revoke_tokens", *args, stdout=out)
    return out.getvalue()


def answer_to(api, token):
    return api.get("/api/v1/summary/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_all_tokens_are_revoked_and_the_api_refuses_them(api, token_for, analyst, reviewer):
    tokens = [token_for(analyst), token_for(analyst), token_for(reviewer)]
    assert {answer_to(api, token) for token in tokens} == {200}

    output = revoke("--all")

    assert output == "  analyst: 2 tokens\n  reviewer: 1 token\nRevoked 3 API tokens.\n"
    assert {answer_to(api, token) for token in tokens} == {401}


def test_a_users_tokens_are_revoked_and_the_others_kept(api, token_for, analyst, reviewer):
    analysts, reviewers = token_for(analyst), token_for(reviewer)

    assert revoke("--user", "analyst").endswith("Revoked 1 API token.\n")

    assert (answer_to(api, analysts), answer_to(api, reviewers)) == (401, 200)


def test_tokens_created_after_a_moment_are_revoked(api, token_for, analyst):
    three_days_old, old = AuthToken.objects.create(user=analyst)
    AuthToken.objects.filter(pk=three_days_old.pk).update(
        created=timezone.now() - datetime.timedelta(days=3)
    )
    new = token_for(analyst)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    assert revoke("--created-after", yesterday.isoformat()).endswith("Revoked 1 API token.\n")

    assert (answer_to(api, old), answer_to(api, new)) == (200, 401)


def test_with_sessions_everyone_signs_in_again(client, token_for, editor):
    token_for(editor)
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200

    output = revoke("--all", "--sessions")

    assert output.endswith("Revoked 1 API token and 1 browser session.\n")
    assert client.get("/admin/").status_code == 302


def test_a_dry_run_says_what_it_would_revoke_and_revokes_nothing(api, token_for, analyst):
    token = token_for(analyst)

    output = revoke("--all", "--dry-run")

    assert output.endswith("Dry run: would revoke 1 API token; nothing revoked.\n")
    assert answer_to(api, token) == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "one of the arguments --all --user --created-after is required"),
        (("--user", "analyst", "--user", "nobody"), "Nothing revoked: there is no user 'nobody'."),
        (("--created-after", "last week"), "--created-after 'last week' is not a date or a time"),
        (("--created-after", "2026-02-30"), "--created-after '2026-02-30' is not a date or a time"),
        (("--user", "analyst", "--sessions"), "--sessions ends every session: use it with --all."),
    ],
)
def test_what_to_revoke_must_be_said_and_be_valid(token_for, analyst, args, message):
    token_for(analyst)

    with pytest.raises(CommandError, match=message):
        revoke(*args)

    assert AuthToken.objects.count() == 1

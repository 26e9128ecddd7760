"""What each role can do in the admin, proven through real admin requests.

Viewer: sees everything, changes nothing. Analyst: also records status updates. Editor: also
adds and changes commitments and reference data. Nobody changes or deletes a status update.
"""

import datetime

import pytest
from django.urls import reverse

from commitments.models import Commitment, Pillar, StatusUpdate
from commitments.roles import ROLE_PERMISSIONS, sync_roles
from tests.admin_pages import commitment_form, post_status_update, status_update_form
from tests.factories import (
    PartnerFactory,
    PillarFactory,
    PlaceFactory,
    SourceDocumentFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

ALLOWED, FORBIDDEN = 200, 403


@pytest.fixture
def users(viewer, analyst, editor, superuser):
    return {"viewer": viewer, "analyst": analyst, "editor": editor, "superuser": superuser}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("viewer", ALLOWED), ("analyst", ALLOWED), ("editor", ALLOWED), ("superuser", ALLOWED)],
)
def test_every_role_sees_commitments_and_their_history(
    client, users, commitment, record, role, expected
):
    record(commitment)
    client.force_login(users[role])

    assert client.get(reverse("admin:commitments_commitment_changelist")).status_code == expected
    assert (
        client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk])).status_code
        == expected
    )
    assert client.get(reverse("admin:commitments_statusupdate_changelist")).status_code == expected


REFERENCE_FACTORIES = [
    SourceDocumentFactory,
    PillarFactory,
    ThemeFactory,
    PlaceFactory,
    PartnerFactory,
]


@pytest.mark.parametrize("factory", REFERENCE_FACTORIES)
@pytest.mark.parametrize("role", ["viewer", "analyst", "editor", "superuser"])
def test_every_role_opens_a_version_in_the_history_of_reference_data(client, users, role, factory):
    entry = factory()
    opts = entry._meta
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[entry.pk, entry.history.get().history_id],
    )
    client.force_login(users[role])

    response = client.get(url)

    assert response.status_code == 200
    assert entry.slug in response.content.decode()


@pytest.mark.parametrize(
    ("model", "typed_from"),
    [("sourcedocument", "short_name"), ("pillar", "name"), ("place", "name"), ("partner", "name")],
)
def test_a_new_entrys_slug_is_typed_from_its_name(client, editor, model, typed_from):
    client.force_login(editor)

    response = client.get(reverse(f"admin:commitments_{model}_add"))

    [prepopulated] = response.context["adminform"].prepopulated_fields
    assert prepopulated["field"].name == "slug"
    assert [field.name for field in prepopulated["dependencies"]] == [typed_from]


@pytest.mark.parametrize(
    ("role", "may_record"),
    [("viewer", False), ("analyst", True), ("editor", True), ("superuser", True)],
)
def test_analysts_and_editors_record_status_updates_and_viewers_cannot(
    client, users, commitment, role, may_record
):
    client.force_login(users[role])

    response = post_status_update(client, commitment)

    if may_record:
        assert response.status_code == 302
        update = StatusUpdate.objects.get()
        assert update.author == users[role]
        commitment.refresh_from_db()
        assert commitment.current_status == "on_track"
    else:
        assert response.status_code == FORBIDDEN
        assert not StatusUpdate.objects.exists()


@pytest.mark.parametrize(
    ("role", "may_edit"),
    [("viewer", False), ("analyst", False), ("editor", True), ("superuser", True)],
)
def test_only_editors_change_commitments(client, users, commitment, role, may_edit):
    client.force_login(users[role])
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])

    response = client.post(url, commitment_form(commitment, title="A clearer title"))

    commitment.refresh_from_db()
    if may_edit:
        assert response.status_code == 302
        assert commitment.title == "A clearer title"
    else:
        assert response.status_code == FORBIDDEN
        assert commitment.title != "A clearer title"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("viewer", FORBIDDEN), ("analyst", FORBIDDEN), ("editor", ALLOWED), ("superuser", ALLOWED)],
)
def test_only_editors_add_commitments_and_reference_data(client, users, role, expected):
    client.force_login(users[role])

    for model in ["commitment", "pillar", "theme", "place", "partner", "sourcedocument"]:
        assert client.get(reverse(f"admin:commitments_{model}_add")).status_code == expected, model


def test_an_editor_adds_a_pillar(client, editor):
    client.force_login(editor)

    response = client.post(
        reverse("admin:commitments_pillar_add"),
        {"slug": "communications", "name": "Communications", "description": "", "display_order": 6},
    )

    assert response.status_code == 302
    assert Pillar.objects.filter(slug="communications").exists()


@pytest.mark.parametrize("role", ["viewer", "analyst", "editor"])
def test_no_role_deletes_commitments(client, users, commitment, role):
    client.force_login(users[role])

    response = client.post(
        reverse("admin:commitments_commitment_delete", args=[commitment.pk]), {"post": "yes"}
    )

    assert response.status_code == FORBIDDEN
    assert Commitment.objects.filter(pk=commitment.pk).exists()


@pytest.mark.parametrize("role", ["viewer", "analyst", "editor", "superuser"])
def test_nobody_changes_or_deletes_a_status_update_not_even_a_superuser(
    client, users, commitment, record, role
):
    update = record(commitment, summary="As first written.")
    client.force_login(users[role])

    changed = client.post(
        reverse("admin:commitments_statusupdate_change", args=[update.pk]),
        status_update_form(commitment, summary="Rewritten history."),
    )
    deleted = client.post(
        reverse("admin:commitments_statusupdate_delete", args=[update.pk]), {"post": "yes"}
    )

    assert changed.status_code == FORBIDDEN
    assert deleted.status_code == FORBIDDEN
    update.refresh_from_db()
    assert update.summary == "As first written."


def test_the_bulk_delete_action_is_not_offered_for_status_updates(admin_client, commitment, record):
    record(commitment)

    response = admin_client.get(reverse("admin:commitments_statusupdate_changelist"))

    assert "delete_selected" not in response.content.decode()


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(client, analyst):
    analyst.is_staff = False
    analyst.save()
    client.force_login(analyst)

    response = client.get(reverse("admin:commitments_commitment_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_roles_hold_exactly_their_permissions_after_syncing_again(viewer):
    from django.contrib.auth.models import Group

    analyst_group = Group.objects.get(name="Analyst")
    analyst_group.permissions.clear()

    sync_roles()
    sync_roles()

    for name, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        assert set(group.permissions.values_list("codename", flat=True)) == set(codenames)
    assert not any(
        "change_statusupdate" in codenames or "delete_statusupdate" in codenames
        for codenames in ROLE_PERMISSIONS.values()
    )


def test_status_updates_can_be_back_dated_no_earlier_than_the_source_document(
    client, analyst, commitment
):
    day_before = commitment.source_document.issued_on - datetime.timedelta(days=1)
    client.force_login(analyst)

    response = post_status_update(client, commitment, as_of=day_before.isoformat())

    assert response.status_code == 200
    assert "cannot be before" in response.content.decode()
    assert not StatusUpdate.objects.exists()


def test_a_refusal_is_shown_in_the_admin_saying_which_role_it_needs(client, viewer, commitment):
    client.force_login(viewer)

    response = client.get(reverse("admin:commitments_statusupdate_add"))

    page = response.content.decode()
    assert response.status_code == 403
    assert 'id="site-name"' in page  # the admin's own layout
    assert "This needs the <strong>Analyst or Editor</strong> role. Your role: Viewer." in page


def test_a_viewer_is_not_offered_to_record_an_update(client, viewer, analyst, commitment):
    page = reverse("admin:commitments_commitment_change", args=[commitment.pk])

    client.force_login(viewer)
    offered_to_viewer = "Record a status update" in client.get(page).content.decode()
    client.force_login(analyst)
    offered_to_analyst = "Record a status update" in client.get(page).content.decode()

    assert (offered_to_viewer, offered_to_analyst) == (False, True)

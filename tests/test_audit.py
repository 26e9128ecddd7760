"""Every change to commitments and reference data is recorded: who, when, what before and
after, through the admin, the API and the loader alike."""

import pytest
from django.urls import reverse

from commitments.models import Commitment, Pillar
from commitments.roadmap import load_roadmap

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db):
    """The Roadmap as the real loader writes it, history included."""
    load_roadmap()


def etag_of(api, code):
    return api.get(f"/api/v1/commitments/{code}/")["ETag"]


def test_the_loader_records_each_creation_with_its_reason(api, loaded):
    history = api.get("/api/v1/commitments/MIL-1/history/").json()["results"]

    created = history[-1]
    assert {
        key: created[key] for key in ("version", "changed_by", "change", "reason", "changes")
    } == {
        "version": 1,
        "changed_by": None,
        "change": "created",
        "reason": "load_roadmap",
        "changes": [],
    }
    # One entry for the whole creation, its places and partners included.
    assert len(history) == 1
    first = Commitment.objects.get(code="MIL-1").history.get()
    assert sorted(str(row.place) for row in first.places.all()) == ["Iraq", "Syria"]


def test_an_api_edit_is_recorded_with_its_author_and_each_field_before_and_after(
    api, loaded, editor, token_for
):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")

    response = api.patch(
        "/api/v1/commitments/MIL-3/",
        {"title": "Train the Iraqi Security Forces", "update_cadence_days": 30, "parent": "MIL-1"},
        format="json",
        HTTP_IF_MATCH=etag_of(api, "MIL-3"),
    )
    assert response.status_code == 200, response.json()

    latest = api.get("/api/v1/commitments/MIL-3/history/").json()["results"][0]
    assert (latest["version"], latest["changed_by"], latest["change"]) == (2, "editor", "changed")
    assert sorted(latest["changes"], key=lambda change: change["field"]) == [
        {"field": "parent", "before": None, "after": "MIL-1"},
        {
            "field": "title",
            "before": "Build Iraqi Security Forces capacity with NATO and the EU",
            "after": "Train the Iraqi Security Forces",
        },
        {"field": "update_cadence_days", "before": None, "after": 30},
    ]


def test_a_change_of_tags_is_recorded_by_slug(api, loaded, editor, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")

    api.patch(
        "/api/v1/commitments/MIL-3/",
        {"partners": ["nato"]},
        format="json",
        HTTP_IF_MATCH=etag_of(api, "MIL-3"),
    )

    changes = [
        change
        for record in api.get("/api/v1/commitments/MIL-3/history/").json()["results"]
        for change in record["changes"]
    ]
    assert {
        "field": "partners",
        "before": ["european-union", "iraqi-security-forces", "nato"],
        "after": ["nato"],
    } in changes


def save_in_the_admin(client, commitment, **changes):
    """Posts a commitment's change form back as the admin shows it, with `changes`."""
    url = reverse("admin:commitments_commitment_change", args=[commitment.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    links = list(commitment.partner_links.all())
    data |= {
        "parent": "",
        "owner": "",
        "target_date": "",
        "update_cadence_days": "",
        "themes": [theme.pk for theme in commitment.themes.all()],
        "places": [place.pk for place in commitment.places.all()],
        "partner_links-TOTAL_FORMS": len(links),
        "partner_links-INITIAL_FORMS": len(links),
        **{
            f"partner_links-{index}-{name}": value
            for index, link in enumerate(links)
            for name, value in [
                ("id", link.pk),
                ("commitment", commitment.pk),
                ("partner", link.partner_id),
                ("role", link.role),
            ]
        },
        "status_updates-TOTAL_FORMS": 0,
        "status_updates-INITIAL_FORMS": 0,
        "indicators-TOTAL_FORMS": 0,
        "indicators-INITIAL_FORMS": 0,
        **changes,
    }
    return client.post(url, data)


def test_an_admin_edit_is_recorded_and_shown_on_the_objects_history_page(client, loaded, editor):
    commitment = Commitment.objects.get(code="POL-7")
    client.force_login(editor)

    response = save_in_the_admin(client, commitment, title="Keep the Coalition's format")
    assert response.status_code == 302, response.context["adminform"].form.errors

    page = client.get(
        reverse("admin:commitments_commitment_history", args=[commitment.pk])
    ).content.decode()
    assert "Keep the Coalition&#x27;s format" in page
    assert "Preserve and harness the Coalition format and its expertise" in page
    assert ">editor<" in page


def test_reference_data_changes_are_recorded_too(client, loaded, editor):
    pillar = Pillar.objects.get(slug="military")
    client.force_login(editor)

    client.post(
        reverse("admin:commitments_pillar_change", args=[pillar.pk]),
        {
            "slug": "military",
            "name": "Military engagement",
            "description": pillar.description,
            "display_order": 1,
        },
    )

    latest = pillar.history.first()
    assert (latest.name, latest.history_user, latest.history_type) == (
        "Military engagement",
        editor,
        "~",
    )
    assert latest.diff_against(latest.prev_record).changed_fields == ["name"]


def test_history_of_an_unknown_commitment_is_a_404(api, loaded):
    assert api.get("/api/v1/commitments/NOPE-1/history/").status_code == 404


@pytest.fixture
def edited(client, loaded, editor, record):
    """MIL-3 with a target date and Global added to its places by an Editor in the admin, and
    a status update recorded."""
    from commitments.models import Place

    commitment = Commitment.objects.get(code="MIL-3")
    client.force_login(editor)
    places = [*commitment.places.values_list("pk", flat=True), Place.objects.get(slug="global").pk]
    response = save_in_the_admin(client, commitment, target_date="2027-06-30", places=places)
    assert response.status_code == 302
    record(commitment, status="at_risk", summary="Slower than planned.")
    return commitment


def test_the_history_page_reads_as_words_with_the_status_updates_beside(client, edited):
    page = client.get(
        reverse("admin:commitments_commitment_history", args=[edited.pk])
    ).content.decode()

    assert "Target date:</strong> none → 30 Jun 2027" in page
    assert "Places:</strong> Iraq → Global, Iraq" in page
    assert "None" not in page
    assert "[]" not in page
    assert '<table id="status-history">' in page
    assert "At risk" in page


def test_people_on_the_history_link_to_their_page_only_for_those_who_may_open_it(
    client, edited, editor, superuser
):
    history = reverse("admin:commitments_commitment_history", args=[edited.pk])
    user_page = reverse("admin:auth_user_change", args=[editor.pk])

    shown_to_editor = client.get(history).content.decode()
    client.force_login(superuser)
    shown_to_superuser = client.get(history).content.decode()

    assert user_page not in shown_to_editor
    assert 'title="login: editor"' in shown_to_editor
    assert user_page in shown_to_superuser


def test_a_past_version_is_a_read_only_record_without_todays_status(client, edited, viewer):
    first = edited.history.order_by("history_id").first()
    client.force_login(viewer)

    response = client.get(
        reverse("admin:commitments_commitment_simple_history", args=[edited.pk, first.history_id])
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "A past version, read-only." in page
    assert "<input" not in page.split('id="content-main"')[1]
    assert "At risk" not in page  # today's status is not shown as then's
    assert "Build Iraqi Security Forces capacity" in page


def test_an_admin_save_of_a_title_and_tags_is_one_entry_in_the_history(edited):
    entries = edited.history.order_by("history_id")

    assert [entry.history_type for entry in entries] == ["+", "~"]
    changed = {change.field for change in entries[1].diff_against(entries[0]).changes}
    assert {"target_date", "places"} <= changed

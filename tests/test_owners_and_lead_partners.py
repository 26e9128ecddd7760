"""A commitment has an optional owner, the analyst responsible for assessing it, and each of its
partners a role: lead, where the source says that partner leads, or support. Editors set both
in the admin and the API; the API names the owner as it names people and filters by owner and
by lead partner."""

import csv
import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from commitments.models import Commitment, CommitmentPartner, Partner, PartnerRole
from commitments.roadmap import load_roadmap
from commitments.selectors import data_version
from commitments.services import save_commitment
from tests.factories import UserFactory
from tests.helpers import refusal

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
CHANGE = "admin:commitments_commitment_change"


def partners_of(code):
    links = CommitmentPartner.objects.filter(commitment__code=code).order_by("partner__slug")
    return {link.partner.slug: link.role for link in links}


def partner(slug):
    return Partner.objects.get(slug=slug)


def patch(api, code, body):
    etag = api.get(f"{LIST}{code}/")["ETag"]
    return api.patch(f"{LIST}{code}/", body, format="json", HTTP_IF_MATCH=etag)


@pytest.fixture
def as_editor(api, roadmap, editor, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    return api


@pytest.fixture
def owned(roadmap, analyst):
    """MIL-3 owned by the analyst (no full name) and FTF-2 by Nadia Haddad."""
    nadia = UserFactory(username="nhaddad", first_name="Nadia", last_name="Haddad")
    for code, owner in [("MIL-3", analyst), ("FTF-2", nadia)]:
        commitment = Commitment.objects.get(code=code)
        commitment.owner = owner
        save_commitment(commitment, fields=["owner"])
    return nadia


# The Roadmap's own leads.


def test_the_roadmap_names_one_lead_where_its_text_says_who_leads(roadmap):
    # "an inclusive Government of Iraq-led reconstruction process" (STB-1); no other sentence
    # of the Roadmap says who leads.
    assert list(
        CommitmentPartner.objects.leads().values_list("commitment__code", "partner__slug")
    ) == [("STB-1", "government-of-iraq")]
    assert partners_of("STB-1") == {"government-of-iraq": "lead", "united-nations": "support"}


def test_loading_with_sync_brings_partners_roles_back_to_the_file(roadmap):
    CommitmentPartner.objects.filter(commitment__code="STB-1").update(role=PartnerRole.SUPPORT)
    CommitmentPartner.objects.filter(commitment__code="MIL-3", partner__slug="nato").update(
        role=PartnerRole.LEAD
    )

    kept = load_roadmap()
    assert kept.differing == {"commitments": ["MIL-3 (lead_partners)", "STB-1 (lead_partners)"]}

    synced = load_roadmap(sync=True)

    assert synced.updated["commitments"] == 2
    assert partners_of("STB-1") == {"government-of-iraq": "lead", "united-nations": "support"}
    assert set(partners_of("MIL-3").values()) == {"support"}
    assert not load_roadmap().changed_anything


@pytest.mark.parametrize(
    ("lead_partners", "message"),
    [
        (["nato"], "commitments[0] (X-1): lead_partners 'nato' is not one of its partners"),
        ("nato", "commitments[0] (X-1): lead_partners must be text (a slug or code)"),
    ],
)
def test_a_lead_partner_in_the_file_must_be_one_of_its_partners(tmp_path, lead_partners, message):
    from commitments.roadmap import RoadmapDataError

    data = {
        "documents": [],
        "pillars": [],
        "themes": [],
        "places": [],
        "partners": [{"slug": "nato", "name": "NATO", "kind": "international_organisation",
                      "description": ""}],
        "commitments": [
            {"code": "X-1", "title": "t", "text": "t", "paragraph": 1, "target_date": None,
             "update_cadence_days": None, "document": None, "pillar": None, "parent": None,
             "themes": [], "places": [], "partners": [], "lead_partners": lead_partners},
        ],
    }  # fmt: skip
    import yaml

    path = tmp_path / "roadmap.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(RoadmapDataError) as refused:
        load_roadmap(path)

    assert message in refused.value.errors


# The service.


def test_saving_partners_keeps_the_role_of_those_that_stay(roadmap):
    commitment = Commitment.objects.get(code="STB-1")

    save_commitment(commitment, partners=[partner("government-of-iraq"), partner("nato")])

    assert partners_of("STB-1") == {"government-of-iraq": "lead", "nato": "support"}


def test_lead_partners_make_those_lead_and_every_other_partner_support(roadmap):
    commitment = Commitment.objects.get(code="STB-1")

    save_commitment(commitment, lead_partners=[partner("united-nations")])

    assert partners_of("STB-1") == {"government-of-iraq": "support", "united-nations": "lead"}


def test_a_lead_partner_must_be_one_of_the_partners(roadmap):
    from django.core.exceptions import ValidationError

    commitment = Commitment.objects.get(code="STB-1")
    commitment.title = "Renamed"

    with pytest.raises(ValidationError) as refused:
        save_commitment(commitment, lead_partners=[partner("nato")])

    assert refused.value.message_dict == {
        "lead_partners": ["A lead partner must be one of the commitment's partners: nato is not."]
    }
    assert Commitment.objects.get(code="STB-1").version == 1


def test_a_change_of_role_is_one_entry_in_the_history(roadmap):
    commitment = Commitment.objects.get(code="MIL-3")
    before = commitment.history.count()

    save_commitment(
        commitment,
        partners=[partner("nato"), partner("european-union")],
        lead_partners=[partner("nato")],
    )

    assert commitment.history.count() == before + 1
    latest = commitment.history.first()
    assert {(row.partner.slug, row.role) for row in latest.partners.all()} == {
        ("nato", "lead"),
        ("european-union", "support"),
    }


def test_a_partner_is_named_once_per_commitment_in_the_database(roadmap):
    link = CommitmentPartner.objects.filter(commitment__code="MIL-3").first()

    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentPartner.objects.create(commitment=link.commitment, partner=link.partner)


def test_a_role_is_lead_or_support_in_the_database(roadmap):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentPartner.objects.filter(commitment__code="MIL-3").update(role="chair")


def test_a_change_of_role_moves_the_data_version_on(roadmap):
    before = data_version()[0]

    CommitmentPartner.objects.filter(commitment__code="MIL-3", partner__slug="nato").update(
        role=PartnerRole.LEAD
    )

    assert data_version()[0] != before


# The API: reads.


def test_partners_carry_their_role_and_the_owner_is_named_as_people_are(api, owned):
    item = api.get(f"{LIST}STB-1/").json()
    assert item["partners"] == [
        {"slug": "government-of-iraq", "name": "Government of Iraq", "role": "lead"},
        {"slug": "united-nations", "name": "United Nations", "role": "support"},
    ]
    assert item["owner"] is None

    listed = {
        row["code"]: row["owner"] for row in api.get(LIST, {"page_size": 200}).json()["results"]
    }
    # Analyst: the owner has no full name, and the public never sees login names.
    assert (listed["MIL-3"], listed["FTF-2"], listed["MIL-1"]) == ("Analyst", "Nadia Haddad", None)


def test_staff_see_an_owners_login_name_when_there_is_no_full_name(api, owned, viewer):
    api.force_authenticate(viewer)

    assert api.get(f"{LIST}MIL-3/").json()["owner"] == "analyst"


def test_the_csv_has_the_owner_and_the_lead_partners(api, owned):
    response = api.get(LIST, {"format": "csv", "pillar": "stabilization"})

    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    assert (rows["STB-1"]["lead_partners"], rows["STB-1"]["partners"]) == (
        "government-of-iraq",
        "government-of-iraq; united-nations",
    )
    assert rows["STB-1"]["owner"] == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lead=government-of-iraq", ["STB-1"]),
        ("lead=nato", []),
        ("lead=nato&lead=government-of-iraq", ["STB-1"]),
        ("partner=government-of-iraq&lead=government-of-iraq", ["STB-1"]),
    ],
)
def test_lead_finds_the_commitments_a_partner_leads(api, roadmap, query, expected):
    response = api.get(f"{LIST}?{query}")

    assert [row["code"] for row in response.json()["results"]] == expected


def test_an_unknown_lead_is_a_400_naming_it(api, roadmap):
    response = api.get(LIST, {"lead": "nobody"})

    assert response.status_code == 400
    assert "nobody" in str(refusal(response)["lead"])


def test_owner_me_lists_the_signed_in_users_own_commitments(api, owned, analyst):
    api.force_authenticate(analyst)

    response = api.get(LIST, {"owner": "me"})

    assert [row["code"] for row in response.json()["results"]] == ["MIL-3"]


def test_staff_find_commitments_by_their_owners_login_name(api, owned, viewer):
    api.force_authenticate(viewer)

    assert [row["code"] for row in api.get(LIST, {"owner": "nhaddad"}).json()["results"]] == [
        "FTF-2"
    ]
    unknown = api.get(LIST, {"owner": "nobody"})
    assert (unknown.status_code, refusal(unknown)) == (
        400,
        {"owner": ["No user has the login name 'nobody'."]},
    )


def test_owner_me_without_signing_in_is_a_400_that_says_why(api, owned):
    response = api.get(LIST, {"owner": "me"})

    assert (response.status_code, refusal(response)) == (
        400,
        {"owner": ["me is the signed-in user: sign in, or send your API token."]},
    )


def test_the_public_cannot_probe_login_names_through_the_owner_filter(api, owned):
    response = api.get(LIST, {"owner": "nhaddad"})

    assert response.status_code == 403


# The API: writes.


def test_an_editor_sets_the_owner_by_login_name_and_the_lead_partners(as_editor, analyst):
    response = patch(
        as_editor,
        "MIL-3",
        {
            "owner": "analyst",
            "partners": ["nato", "iraqi-security-forces"],
            "lead_partners": ["nato"],
        },
    )

    assert response.status_code == 200, response.json()
    assert response.json()["owner"] == "analyst"
    assert partners_of("MIL-3") == {"iraqi-security-forces": "support", "nato": "lead"}
    assert Commitment.objects.get(code="MIL-3").owner == analyst


def test_an_editor_takes_the_owner_away_with_null(as_editor, owned):
    response = patch(as_editor, "FTF-2", {"owner": None})

    assert (response.status_code, response.json()["owner"]) == (200, None)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"owner": "nobody"}, {"owner": ["No active staff member has the login name 'nobody'."]}),
        ({"lead_partners": ["nobody"]}, {"lead_partners": ["Object with slug=nobody does not exist."]}),
        (
            {"lead_partners": ["nato"]},
            {"lead_partners": ["A lead partner must be one of the commitment's partners: nato is not."]},
        ),
        (
            {"partners": ["united-nations"], "lead_partners": ["government-of-iraq"]},
            {"lead_partners": ["A lead partner must be one of the commitment's partners: government-of-iraq is not."]},
        ),
    ],
)  # fmt: skip
def test_bad_owners_and_leads_are_400s_with_field_errors(as_editor, body, errors):
    response = patch(as_editor, "STB-1", body)

    assert (response.status_code, refusal(response)) == (400, errors)
    assert partners_of("STB-1") == {"government-of-iraq": "lead", "united-nations": "support"}


def test_someone_who_is_not_active_staff_cannot_own_a_commitment(as_editor):
    UserFactory(username="outsider", is_staff=False)
    UserFactory(username="gone", is_active=False)

    for username in ["outsider", "gone"]:
        assert patch(as_editor, "STB-1", {"owner": username}).status_code == 400


def test_the_history_tells_a_change_of_lead_and_of_owner(api, db, editor, analyst, token_for):
    load_roadmap()  # for real, history included
    as_editor = api
    as_editor.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    patch(as_editor, "STB-1", {"owner": "analyst", "lead_partners": ["united-nations"]})

    latest = as_editor.get(f"{LIST}STB-1/history/").json()["results"][0]
    assert sorted(latest["changes"], key=lambda change: change["field"]) == [
        {
            "field": "lead_partners",
            "before": ["government-of-iraq"],
            "after": ["united-nations"],
        },
        {"field": "owner", "before": None, "after": "analyst"},  # staff read login names
    ]
    as_editor.credentials()
    public = as_editor.get(f"{LIST}STB-1/history/").json()["results"][0]
    assert {"field": "owner", "before": None, "after": "Analyst"} in public["changes"]


# The admin.


def admin_form(client, commitment, **changes):
    """A commitment's change form as the admin shows it, its partners' inline included."""
    url = reverse(CHANGE, args=[commitment.pk])
    form = client.get(url).context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    links = list(commitment.partner_links.all())
    data |= {
        "partner_links-TOTAL_FORMS": len(links),
        "partner_links-INITIAL_FORMS": len(links),
        "status_updates-TOTAL_FORMS": 0,
        "status_updates-INITIAL_FORMS": 0,
        "indicators-TOTAL_FORMS": 0,
        "indicators-INITIAL_FORMS": 0,
    }
    for index, link in enumerate(links):
        data |= {
            f"partner_links-{index}-id": link.pk,
            f"partner_links-{index}-commitment": commitment.pk,
            f"partner_links-{index}-partner": link.partner_id,
            f"partner_links-{index}-role": link.role,
        }
    return url, data | changes


def test_an_editor_sets_the_owner_and_a_partners_role_in_the_admin(client, db, editor, analyst):
    load_roadmap()  # for real, history included
    commitment = Commitment.objects.get(code="MIL-3")
    before = commitment.history.count()
    client.force_login(editor)
    url, data = admin_form(client, commitment, owner=analyst.pk)
    nato = next(
        key
        for key, value in data.items()
        if key.endswith("-partner") and value == partner("nato").pk
    )
    data[nato.replace("-partner", "-role")] = "lead"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert partners_of("MIL-3")["nato"] == "lead"
    assert Commitment.objects.get(code="MIL-3").owner == analyst
    assert commitment.history.count() == before + 1
    history = client.get(reverse("admin:commitments_commitment_history", args=[commitment.pk]))
    assert "European Union, Iraqi Security Forces, NATO (lead)" in history.content.decode()
    version = commitment.history.first().history_id
    page = client.get(
        reverse("admin:commitments_commitment_simple_history", args=[commitment.pk, version])
    )
    assert "European Union, Iraqi Security Forces, NATO (lead)" in page.content.decode()


def test_the_owner_is_chosen_among_active_staff(client, roadmap, editor):
    UserFactory(username="outsider", is_staff=False)
    UserFactory(username="gone", is_active=False)
    client.force_login(editor)

    form = (
        client.get(reverse(CHANGE, args=[Commitment.objects.get(code="MIL-3").pk]))
        .context["adminform"]
        .form
    )

    usernames = {user.username for user in form.fields["owner"].queryset}
    assert {"editor"} <= usernames
    assert not {"outsider", "gone"} & usernames


def test_mine_lists_an_analysts_own_commitments(client, owned, analyst):
    client.force_login(analyst)

    mine = client.get(reverse("admin:commitments_commitment_changelist"), {"owner": "mine"})
    nobodys = client.get(reverse("admin:commitments_commitment_changelist"), {"owner": "none"})

    assert [commitment.code for commitment in mine.context["cl"].result_list] == ["MIL-3"]
    assert len(nobodys.context["cl"].result_list) == Commitment.objects.count() - 2
    assert "Nadia Haddad" in mine.content.decode()  # an owner to choose among the filters


def test_an_owner_who_left_stays_while_an_editor_changes_something_else_in_the_admin(
    client, roadmap, editor
):
    gone = UserFactory(username="gone")
    commitment = Commitment.objects.get(code="MIL-3")
    Commitment.objects.filter(pk=commitment.pk).update(owner=gone)
    gone.is_active = False
    gone.save()
    client.force_login(editor)
    url, data = admin_form(client, commitment, title="Retitled while its owner is away")

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    commitment.refresh_from_db()
    assert (commitment.title, commitment.owner) == ("Retitled while its owner is away", gone)

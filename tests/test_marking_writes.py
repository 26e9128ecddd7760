"""Marking a record as it is written: every write path (the services, the API, the admin's add
forms, the CSV import) takes a releasability, the project's default when none is named, and
refuses one narrower than its author's clearance, with nothing written."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from commitments.imports import BadCell, ImportRefused, parse_csv
from commitments.models import RELEASABILITY_MEANING, Contribution, IndicatorValue, StatusUpdate
from commitments.roles import COALITION
from commitments.services import (
    import_status_updates,
    record_contribution,
    record_indicator_value,
    record_status_update,
)
from tests.admin_pages import status_update_form
from tests.helpers import PLEDGE, refusal

pytestmark = pytest.mark.django_db

REFUSED_TO_THE_PUBLIC = (
    "You may mark it public: your clearance is public. Marking it coalition takes membership of "
    "the Coalition or Secretariat group."
)
REFUSED_TO_THE_COALITION = (
    "You may mark it public or coalition: your clearance is coalition. Marking it secretariat "
    "takes membership of the Secretariat group."
)


def cleared(user, group):
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def member(analyst):
    """The analyst, of the Coalition clearance group."""
    return cleared(analyst, COALITION)


# The three services, each with what a record of it needs besides its author and marking.


def update(mil1, hum1_indicator, nato, **fields):
    return record_status_update(
        commitment=mil1,
        status="on_track",
        as_of=datetime.date(2024, 1, 15),
        summary="Training continued.",
        **fields,
    )


def value(mil1, hum1_indicator, nato, **fields):
    return record_indicator_value(
        indicator=hum1_indicator,
        value=Decimal("12"),
        as_of=datetime.date(2024, 1, 15),
        **fields,
    )


def contribution(mil1, hum1_indicator, nato, **fields):
    return record_contribution(
        partner=nato,
        commitment=mil1,
        kind="funds_pledged",
        amount=Decimal("1000"),
        currency="USD",
        date=datetime.date(2024, 1, 15),
        **fields,
    )


SERVICES = [(update, StatusUpdate), (value, IndicatorValue), (contribution, Contribution)]


@pytest.mark.parametrize(("write", "model"), SERVICES)
def test_a_service_marks_a_record_as_its_author_names_it(
    write, model, member, mil1, hum1_indicator, nato
):
    record = write(mil1, hum1_indicator, nato, author=member, releasability="coalition")

    assert model.objects.get(pk=record.pk).releasability == "coalition"


@pytest.mark.parametrize(("write", "model"), SERVICES)
def test_a_service_refuses_a_marking_narrower_than_its_authors_clearance_and_writes_nothing(
    write, model, analyst, mil1, hum1_indicator, nato
):
    with pytest.raises(ValidationError) as refusal:
        write(mil1, hum1_indicator, nato, author=analyst, releasability="coalition")

    assert refusal.value.message_dict == {"releasability": [REFUSED_TO_THE_PUBLIC]}
    assert not model.objects.exists()


def test_a_coalition_member_may_not_mark_a_record_for_the_secretariat(
    member, mil1, hum1_indicator, nato
):
    with pytest.raises(ValidationError) as refusal:
        update(mil1, hum1_indicator, nato, author=member, releasability="secretariat")

    assert refusal.value.message_dict == {"releasability": [REFUSED_TO_THE_COALITION]}


@pytest.mark.parametrize(("write", "model"), SERVICES)
def test_a_record_whose_author_names_no_marking_gets_the_default_of_its_kind(
    write, model, member, settings, mil1, hum1_indicator, nato
):
    settings.RELEASABILITY_DEFAULTS = {
        **settings.RELEASABILITY_DEFAULTS,
        model._meta.model_name: "coalition",
    }

    record = write(mil1, hum1_indicator, nato, author=member)

    assert model.objects.get(pk=record.pk).releasability == "coalition"


def test_a_default_narrower_than_the_authors_clearance_is_refused_as_if_named(
    analyst, settings, mil1, hum1_indicator, nato
):
    settings.RELEASABILITY_DEFAULTS = {
        **settings.RELEASABILITY_DEFAULTS,
        "statusupdate": "secretariat",
    }

    with pytest.raises(ValidationError, match="Marking it secretariat takes membership"):
        update(mil1, hum1_indicator, nato, author=analyst)
    assert not StatusUpdate.objects.exists()


def test_a_correction_is_marked_on_its_own_wider_or_narrower_than_what_it_corrects(
    member, mil1, nato
):
    first = record_contribution(
        partner=nato, commitment=mil1, author=member, kind="personnel", count=4, unit="officers",
        date=datetime.date(2024, 1, 15), releasability="coalition",
    )  # fmt: skip
    wider = record_contribution(
        partner=nato, commitment=mil1, author=member, kind="personnel", count=5, unit="officers",
        date=datetime.date(2024, 1, 15), corrects=first, releasability="public",
    )  # fmt: skip
    narrower = record_contribution(
        partner=nato, commitment=mil1, author=member, kind="personnel", count=6, unit="officers",
        date=datetime.date(2024, 1, 15), corrects=wider, releasability="coalition",
    )  # fmt: skip

    assert [c.releasability for c in (first, wider, narrower)] == [
        "coalition",
        "public",
        "coalition",
    ]


# The API: an optional `releasability`, shown in the record's representation.


def api_writes(mil1, hum1_indicator):
    """(URL, body, model) of each record the API writes."""
    return [
        (
            f"/api/v1/commitments/{mil1.code}/updates/",
            {"status": "on_track", "as_of": "2024-01-15", "summary": "Training continued."},
            StatusUpdate,
        ),
        (
            f"/api/v1/indicators/{hum1_indicator.pk}/values/",
            {"value": "12", "as_of": "2024-01-15"},
            IndicatorValue,
        ),
        ("/api/v1/contributions/", PLEDGE, Contribution),
    ]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["update", "value", "contribution"])
def test_the_api_records_the_marking_its_author_may_give_and_shows_it(
    which, api, member, token_for, mil1, hum1_indicator
):
    url, body, model = api_writes(mil1, hum1_indicator)[which]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(member)}")

    response = api.post(url, {**body, "releasability": "coalition"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["releasability"] == "coalition"
    assert model.objects.get().releasability == "coalition"


@pytest.mark.parametrize("which", [0, 1, 2], ids=["update", "value", "contribution"])
def test_the_api_refuses_a_marking_narrower_than_the_authors_clearance_with_400(
    which, as_analyst, mil1, hum1_indicator
):
    url, body, model = api_writes(mil1, hum1_indicator)[which]

    response = as_analyst.post(url, {**body, "releasability": "coalition"}, format="json")

    assert response.status_code == 400
    assert refusal(response) == {"releasability": [REFUSED_TO_THE_PUBLIC]}
    assert not model.objects.exists()


def test_the_api_refuses_a_marking_that_is_none_of_the_three(as_analyst, mil1, hum1_indicator):
    url, body, _model = api_writes(mil1, hum1_indicator)[0]

    response = as_analyst.post(url, {**body, "releasability": "top secret"}, format="json")

    assert response.status_code == 400
    assert refusal(response) == {"releasability": ['"top secret" is not a valid choice.']}


@pytest.mark.parametrize("which", [0, 1, 2], ids=["update", "value", "contribution"])
def test_the_api_marks_a_record_sent_without_a_marking_as_the_default(
    which, as_analyst, mil1, hum1_indicator
):
    url, body, _model = api_writes(mil1, hum1_indicator)[which]

    response = as_analyst.post(url, body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["releasability"] == "public"


def test_the_schema_says_what_each_marking_means():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    shown = schema["components"]["schemas"]["StatusUpdate"]["properties"]["releasability"]
    sent = schema["components"]["schemas"]["StatusUpdateWriteRequest"]["properties"]

    for meaning in map(str, RELEASABILITY_MEANING.values()):
        assert meaning in shown["description"]
        assert meaning in sent["releasability"]["description"]


# The admin's add forms: the markings the user may give, the default chosen.


def add_form(client, model_name, query=""):
    return client.get(f"/admin/commitments/{model_name}/add/{query}")


def offered(response):
    field = response.context["adminform"].form.fields["releasability"]
    return [value for value, _label in field.widget.choices]


@pytest.mark.parametrize("model_name", ["statusupdate", "indicatorvalue", "contribution"])
def test_the_add_form_offers_the_markings_the_user_may_give_from_the_default(
    client, analyst, model_name
):
    cleared(analyst, COALITION)
    client.force_login(analyst)

    response = add_form(client, model_name)

    assert offered(response) == ["public", "coalition"]
    assert response.context["adminform"].form.initial["releasability"] == "public"


def test_a_user_of_no_clearance_group_is_offered_public_alone(client, analyst):
    client.force_login(analyst)

    assert offered(add_form(client, "statusupdate")) == ["public"]


def test_a_default_narrower_than_the_user_may_give_leaves_them_to_choose(client, analyst, settings):
    settings.RELEASABILITY_DEFAULTS = {
        **settings.RELEASABILITY_DEFAULTS,
        "statusupdate": "coalition",
    }
    client.force_login(analyst)

    assert offered(add_form(client, "statusupdate")) == ["", "public"]


def admin_posts(mil1, hum1_indicator, nato):
    """(model name, form, model) of each record's add form, filled in."""
    return [
        ("statusupdate", status_update_form(mil1), StatusUpdate),
        (
            "indicatorvalue",
            {"indicator": hum1_indicator.pk, "value": "12", "qualifier": "exactly",
             "as_of": "2024-01-15"},
            IndicatorValue,
        ),
        (
            "contribution",
            {"partner": nato.pk, "commitment": mil1.pk, "kind": "funds_pledged",
             "amount": "1000", "currency": "USD", "date": "2024-01-15"},
            Contribution,
        ),
    ]  # fmt: skip


def post_coalition(client, user, add):
    """Posts an add form (of admin_posts) marked coalition, as `user`."""
    model_name, form, model = add
    client.force_login(user)
    url = f"/admin/commitments/{model_name}/add/"
    return client.post(url, {**form, "releasability": "coalition"}), model


@pytest.mark.parametrize("which", [0, 1, 2], ids=["update", "value", "contribution"])
def test_the_admin_records_a_marking_the_user_may_give(
    which, client, member, mil1, hum1_indicator, nato
):
    response, model = post_coalition(client, member, admin_posts(mil1, hum1_indicator, nato)[which])

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert model.objects.get().releasability == "coalition"


@pytest.mark.parametrize("which", [0, 1, 2], ids=["update", "value", "contribution"])
def test_the_admin_refuses_a_narrower_marking_on_its_field_and_records_nothing(
    which, client, analyst, mil1, hum1_indicator, nato
):
    response, model = post_coalition(
        client, analyst, admin_posts(mil1, hum1_indicator, nato)[which]
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"releasability": [REFUSED_TO_THE_PUBLIC]}
    assert not model.objects.exists()


# The CSV import: an optional `releasability` column, checked per row.


def import_csv(text, author):
    return import_status_updates(parse_csv(text.encode(), name="updates.csv"), author=author)


def test_the_import_marks_each_row_as_its_releasability_column_says(roadmap, member):
    import_csv(
        "commitment,status,as_of,summary,releasability\n"
        "MIL-1,on_track,2024-01-15,Training continued.,Coalition\n"
        "FTF-1,at_risk,2024-01-15,Funding is late.,\n",
        member,
    )

    assert sorted(StatusUpdate.objects.values_list("commitment__code", "releasability")) == [
        ("FTF-1", "public"),
        ("MIL-1", "coalition"),
    ]


def test_the_import_refuses_a_row_marked_narrower_than_the_importers_clearance(roadmap, analyst):
    with pytest.raises(ImportRefused) as refused:
        import_csv(
            "commitment,status,as_of,summary,releasability\n"
            "MIL-1,on_track,2024-01-15,Training continued.,public\n"
            "FTF-1,at_risk,2024-01-15,Funding is late.,coalition\n"
            "FTF-1,at_risk,2024-01-16,Funding is late.,top secret\n",
            analyst,
        )

    assert str(refused.value) == (
        "Nothing imported: 2 bad rows in updates.csv:\n"
        "Line 3: releasability: you may mark it public: your clearance is public. Marking it "
        "coalition takes membership of the Coalition or Secretariat group.\n"
        "Line 4: releasability 'top secret' is not one of public, coalition, secretariat, nor "
        "empty."
    )
    assert not StatusUpdate.objects.exists()


def dry_run_a_coalition_row(client, user):
    """The admin's import page, given a file of one row marked coalition by `user`."""
    client.force_login(user)
    csv = SimpleUploadedFile(
        "updates.csv",
        b"commitment,status,as_of,summary,releasability\n"
        b"MIL-1,on_track,2024-01-15,Training continued.,coalition\n",
    )
    return client.post("/admin/commitments/statusupdate/import/", {"file": csv})


def test_the_admins_import_page_refuses_a_row_the_importer_may_not_mark(client, roadmap, analyst):
    response = dry_run_a_coalition_row(client, analyst)

    assert response.status_code == 200
    assert response.context["refused"]["cells"] == [
        BadCell(2, ("releasability",), f"releasability: y{REFUSED_TO_THE_PUBLIC[1:-1]}")
    ]
    assert not StatusUpdate.objects.exists()


def test_the_admins_dry_run_shows_each_rows_marking(client, roadmap, member):
    response = dry_run_a_coalition_row(client, member)

    (row,) = response.context["checked"]["preview"]
    assert ">COALITION</span>" in row["marking"]
    assert not StatusUpdate.objects.exists()


def test_manage_py_import_updates_checks_the_authors_clearance(roadmap, analyst, tmp_path):
    path = tmp_path / "updates.csv"
    path.write_text(
        "commitment,status,as_of,summary,releasability\n"
        "MIL-1,on_track,2024-01-15,Training continued.,secretariat\n"
    )

    with pytest.raises(CommandError, match="Line 2: releasability: you may mark it public"):
        call_command("import_updates", str(path), author=analyst.username, stdout=StringIO())
    assert not StatusUpdate.objects.exists()

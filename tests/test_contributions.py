"""Contributions (issue 15): who contributes what to which commitment. Append-only down to the
database, corrected by new contributions, recorded through one service by the API and the admin,
with money in a real currency and everything else counted in a unit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from commitments.models import Commitment, Contribution, Partner
from commitments.selectors import data_version
from tests.factories import PartnerFactory
from tests.helpers import PLEDGE, execute_refused, refusal

pytestmark = pytest.mark.django_db

URL = "/api/v1/contributions/"


# Append-only, in the database.


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE commitments_contribution SET amount = 1 WHERE id = %s",
        "UPDATE commitments_contribution SET note = 'rewritten' WHERE id = %s",
        "DELETE FROM commitments_contribution WHERE id = %s",
    ],
)
def test_the_database_refuses_to_rewrite_or_delete_a_contribution(nato, mil1, contribute, sql):
    contribution = contribute(nato, mil1, amount=Decimal("10.00"))

    execute_refused(sql, [contribution.pk], match="contributions are append-only")

    contribution.refresh_from_db()
    assert (contribution.amount, contribution.note) == (Decimal("10.00"), "")


def test_the_orm_is_refused_too(nato, mil1, contribute):
    contribution = contribute(nato, mil1)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Contribution.objects.filter(pk=contribution.pk).update(note="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        contribution.delete()

    assert Contribution.objects.filter(pk=contribution.pk, note="").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE is SQLite's")
def test_sqlite_refuses_to_replace_a_contribution(nato, mil1, contribute):
    contribution = contribute(nato, mil1)

    execute_refused(
        "REPLACE INTO commitments_contribution SELECT * FROM commitments_contribution WHERE id = %s",
        [contribution.pk],
    )


def test_recording_a_contribution_moves_the_data_version(nato, mil1, contribute):
    before = data_version()

    contribute(nato, mil1)

    assert data_version()[0] != before[0]


# Corrections.


def test_a_contribution_is_corrected_once(nato, mil1, contribute):
    wrong = contribute(nato, mil1, amount=Decimal("100.00"))
    correction = contribute(nato, mil1, amount=Decimal("10.00"), corrects=wrong)

    with pytest.raises(ValidationError) as refused:
        contribute(nato, mil1, amount=Decimal("1.00"), corrects=wrong)

    assert refused.value.message_dict["corrects"] == [
        f"Contribution #{wrong.pk} was already corrected by contribution #{correction.pk}: "
        "correct that one instead."
    ]
    assert (
        contribute(nato, mil1, amount=Decimal("1.00"), corrects=correction).corrects == correction
    )


def test_the_database_refuses_a_second_correction(nato, mil1, contribute, analyst):
    wrong = contribute(nato, mil1)
    contribute(nato, mil1, corrects=wrong)
    again = {
        "partner": nato,
        "commitment": mil1,
        "author": analyst,
        "kind": "funds_pledged",
        "amount": Decimal("1.00"),
        "currency": "USD",
        "date": datetime.date(2024, 1, 1),
        "corrects": wrong,
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.create(**again)


# What a contribution must say.


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"currency": ""}, "currency", "Funds need a currency (an ISO 4217 code such as USD)."),
        (
            {"currency": "XYZ"},
            "currency",
            "'XYZ' is not an ISO 4217 currency code: use one such as USD, EUR or GBP.",
        ),
        ({"amount": None}, "amount", "Funds need an amount."),
        ({"amount": Decimal("-1.00")}, "amount", "An amount of money is 0 or more."),
        (
            {"count": 3},
            "count",
            "Funds are counted in money: leave the count empty.",
        ),
        (
            {"kind": "training", "amount": None, "currency": "", "count": 5},
            "unit",
            "Say what is counted (e.g. instructors).",
        ),
        (
            {"kind": "training", "count": 5, "unit": "courses"},
            "amount",
            "Only funds have an amount: record money as funds pledged, committed or disbursed.",
        ),
    ],
)
def test_a_contribution_that_says_the_wrong_thing_is_refused(
    nato, mil1, analyst, fields, field, message
):
    from commitments.services import record_contribution

    values = {
        "partner": nato,
        "commitment": mil1,
        "author": analyst,
        "kind": "funds_pledged",
        "amount": Decimal("100.00"),
        "currency": "USD",
        "date": datetime.date(2024, 1, 1),
        **fields,
    }

    with pytest.raises(ValidationError) as refused:
        record_contribution(**values)

    assert message in refused.value.message_dict[field]
    assert not Contribution.objects.exists()


def test_a_currency_is_recorded_in_upper_case(nato, mil1, contribute):
    assert contribute(nato, mil1, currency=" eur ").currency == "EUR"


def test_a_currency_withdrawn_since_the_roadmap_is_still_accepted(nato, mil1, contribute):
    assert contribute(nato, mil1, currency="HRK", date=datetime.date(2020, 5, 1)).currency == "HRK"


def test_a_contribution_cannot_be_dated_in_the_future(nato, mil1, contribute):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        contribute(nato, mil1, date=tomorrow)

    assert list(refused.value.message_dict) == ["date"]


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "funds_pledged", "amount": None, "currency": "USD"},
        {"kind": "funds_pledged", "amount": Decimal("1.00"), "currency": ""},
        {"kind": "funds_disbursed", "amount": Decimal("1.00"), "currency": "USD", "count": 2},
        {"kind": "funds_pledged", "amount": Decimal("-5.00"), "currency": "USD"},
        {"kind": "personnel", "count": 3, "unit": ""},
        {"kind": "personnel", "count": None, "unit": "officers"},
        {"kind": "equipment", "count": 3, "unit": "vehicles", "amount": Decimal("1.00")},
        {"kind": "in_kind", "count": 3, "unit": "tents", "currency": "USD"},
        {"kind": "bribes", "count": 3, "unit": "envelopes"},
    ],
)
def test_the_database_refuses_what_the_checks_refuse(nato, mil1, analyst, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.create(
            partner=nato, commitment=mil1, author=analyst, date=datetime.date(2024, 1, 1), **fields
        )


# The API.


def test_an_analyst_records_a_contribution_and_reads_it_at_its_location(as_analyst, analyst, mil1):
    response = as_analyst.post(URL, PLEDGE, format="json")

    assert response.status_code == 201, response.json()
    contribution = Contribution.objects.get()
    assert response["Location"] == f"http://testserver{URL}{contribution.pk}/"
    assert response.json() == {
        "id": contribution.pk,
        "url": f"http://testserver{URL}{contribution.pk}/",
        "partner": "nato",
        "partner_name": "NATO",
        "partner_kind": "international_organisation",
        "commitment": "MIL-1",
        "commitment_url": "http://testserver/api/v1/commitments/MIL-1/",
        "kind": "funds_pledged",
        "kind_label": "Funds pledged",
        "amount": "2500000.50",
        "currency": "EUR",
        "count": None,
        "unit": None,
        "date": "2024-03-01",
        "note": None,
        "corrects": None,
        "releasability": "public",
        "evidence": [],
        "releases": [],
        "corrected_by": None,
        "author": "analyst",
        "created_at": response.json()["created_at"],
    }
    assert contribution.author == analyst
    assert as_analyst.get(response["Location"]).json() == response.json()


def test_a_correction_says_what_it_corrects_and_the_corrected_says_by_what(as_analyst, mil1):
    wrong = as_analyst.post(URL, PLEDGE, format="json").json()

    correction = as_analyst.post(
        URL, {**PLEDGE, "amount": "250000.50", "corrects": wrong["id"]}, format="json"
    ).json()

    assert correction["corrects"] == wrong["id"]
    assert as_analyst.get(wrong["url"]).json()["corrected_by"] == correction["id"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "-1.00"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": None}, "currency"),
        ({"amount": None}, "amount"),
        ({"amount": 1.5e300}, "amount"),
        ({"kind": "training", "amount": None, "currency": None, "count": 12}, "unit"),
        ({"kind": "training", "count": 12, "unit": "courses"}, "amount"),
        ({"date": "2999-01-01"}, "date"),
        ({"partner": "nobody"}, "partner"),
        ({"commitment": "XXX-9"}, "commitment"),
        ({"author": "someone"}, "author"),
        ({"kind": "gifts"}, "kind"),
    ],
)
def test_a_bad_contribution_is_a_400_naming_the_field(as_analyst, mil1, changes, field):
    response = as_analyst.post(URL, {**PLEDGE, **changes}, format="json")

    assert response.status_code == 400
    assert field in refusal(response), refusal(response)
    assert not Contribution.objects.exists()


def test_a_second_correction_is_a_400_naming_the_first(as_analyst, mil1):
    wrong = as_analyst.post(URL, PLEDGE, format="json").json()
    first = as_analyst.post(URL, {**PLEDGE, "corrects": wrong["id"]}, format="json").json()

    response = as_analyst.post(URL, {**PLEDGE, "corrects": wrong["id"]}, format="json")

    assert response.status_code == 400
    assert refusal(response) == {
        "corrects": [
            f"Contribution #{wrong['id']} was already corrected by contribution "
            f"#{first['id']}: correct that one instead."
        ]
    }


def test_anonymous_writes_are_401_and_a_viewers_403(api, viewer, token_for, mil1):
    assert api.post(URL, PLEDGE, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(viewer)}")
    assert api.post(URL, PLEDGE, format="json").status_code == 403
    assert not Contribution.objects.exists()


def test_an_editor_records_contributions_too(api, editor, token_for, mil1):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")

    assert api.post(URL, PLEDGE, format="json").status_code == 201


@pytest.mark.parametrize("public", [True, False])
@pytest.mark.parametrize("path", [URL, f"{URL}matrix/"])
def test_anonymous_reads_follow_the_public_read_setting(api, settings, mil1, public, path):
    settings.ROADMAP_PUBLIC_READ = public

    assert api.get(path).status_code == (200 if public else 401)


def test_contributions_cannot_be_changed_through_the_api(as_analyst, mil1):
    contribution = as_analyst.post(URL, PLEDGE, format="json").json()

    for method in ("put", "patch", "delete"):
        response = getattr(as_analyst, method)(contribution["url"], {"amount": "1.00"})
        assert response.status_code == 405, method


@pytest.fixture
def several(roadmap, contribute):
    nato, eu = Partner.objects.get(slug="nato"), Partner.objects.get(slug="european-union")
    mil1, hum1 = Commitment.objects.get(code="MIL-1"), Commitment.objects.get(code="HUM-1")
    return {
        "nato-mil1": contribute(nato, mil1, date=datetime.date(2023, 5, 1)),
        "eu-hum1-eur": contribute(eu, hum1, currency="EUR", date=datetime.date(2024, 2, 1)),
        "eu-mil1-training": contribute(
            eu, mil1, kind="training", count=30, unit="courses", date=datetime.date(2024, 6, 1)
        ),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"partner": "nato"}, ["nato-mil1"]),
        ({"commitment": "MIL-1"}, ["eu-mil1-training", "nato-mil1"]),
        ({"pillar": "humanitarian"}, ["eu-hum1-eur"]),
        ({"kind": "training"}, ["eu-mil1-training"]),
        ({"currency": "EUR"}, ["eu-hum1-eur"]),
        ({"since": "2024-01-01"}, ["eu-mil1-training", "eu-hum1-eur"]),
        ({"until": "2024-02-01"}, ["eu-hum1-eur", "nato-mil1"]),
        ({"partner_kind": "member_state"}, []),
    ],
)
def test_the_list_is_filtered(api, several, query, expected):
    response = api.get(URL, query)

    assert [row["id"] for row in response.json()["results"]] == [
        several[name].pk for name in expected
    ]


def test_the_csv_has_a_row_per_contribution(api, several):
    response = api.get(URL, {"format": "csv"})

    lines = response.content.decode().splitlines()
    assert response["Content-Disposition"] == 'attachment; filename="contributions.csv"'
    assert lines[0].startswith("id,partner,partner_name,partner_kind,commitment,kind,")
    assert len(lines) == 1 + len(several)


@pytest.mark.parametrize("page_size", [2, 50])
def test_the_list_takes_4_queries_whatever_the_data(
    api, roadmap, contribute, page_size, django_assert_num_queries
):
    partners = [PartnerFactory() for _ in range(5)]
    for commitment in Commitment.objects.all()[:12]:
        for partner in partners:
            contribute(partner, commitment)
    # Expect 4 queries: the data fingerprint (ETag), the count, the page joined with partner,
    # commitment and author, each with its correction, and the evidence the page cites (its
    # releases: none for the public).
    with django_assert_num_queries(4):
        response = api.get(URL, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_a_contribution_takes_3_queries(api, nato, mil1, contribute, django_assert_num_queries):
    contribution = contribute(nato, mil1)
    # Expect 3 queries: the data fingerprint, the contribution with what it shows, and the
    # evidence it cites.
    with django_assert_num_queries(3):
        assert api.get(f"{URL}{contribution.pk}/").status_code == 200


def test_the_etag_moves_on_when_a_contribution_is_recorded(api, nato, mil1, contribute):
    etag = api.get(URL).headers["ETag"]

    contribute(nato, mil1)

    assert api.get(URL, headers={"If-None-Match": etag}).status_code == 200


# Partners' kinds.


def test_the_roadmap_ships_partners_of_the_kind_the_statement_supports_and_no_member(roadmap):
    kinds = dict(Partner.objects.values_list("slug", "kind"))

    assert kinds["coalition-working-groups"] == "working_group"
    assert kinds["government-of-iraq"] == kinds["iraqi-security-forces"] == "other"
    assert kinds["syrian-local-partners"] == "local_partner"
    assert kinds["nato"] == "international_organisation"
    assert "member_state" not in kinds.values()


def test_partners_are_filtered_by_kind(api, roadmap):
    PartnerFactory(slug="france", name="France", kind=Partner.Kind.MEMBER_STATE)

    response = api.get("/api/v1/partners/", {"kind": "member_state"})

    assert response.json() == [
        {"slug": "france", "name": "France", "kind": "member_state", "description": None}
    ]


def test_an_unknown_partner_kind_is_a_400(api, roadmap):
    assert api.get("/api/v1/partners/", {"kind": "empire"}).status_code == 400


# The admin.


def test_the_admin_records_a_contribution_with_its_author(client, analyst, nato, mil1):
    client.force_login(analyst)

    response = client.post(
        "/admin/commitments/contribution/add/",
        {
            "partner": nato.pk,
            "commitment": mil1.pk,
            "kind": "training",
            "count": "12",
            "unit": "courses",
            "date": "2024-04-01",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    contribution = Contribution.objects.get()
    assert (contribution.author, contribution.count, contribution.unit) == (analyst, 12, "courses")


def test_the_admin_shows_field_errors_and_records_nothing(client, analyst, nato, mil1):
    client.force_login(analyst)

    response = client.post(
        "/admin/commitments/contribution/add/",
        {"partner": nato.pk, "commitment": mil1.pk, "kind": "funds_pledged", "date": "2024-04-01"},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["amount"] == ["Funds need an amount."]
    assert not Contribution.objects.exists()


def test_the_admin_starts_a_correction_from_the_corrected_values(
    client, analyst, nato, mil1, contribute
):
    wrong = contribute(nato, mil1, amount=Decimal("75.00"))
    client.force_login(analyst)

    response = client.get(f"/admin/commitments/contribution/add/?correct={wrong.pk}")

    initial = response.context["adminform"].form.initial
    assert (initial["corrects"], initial["amount"], initial["partner"]) == (
        wrong.pk,
        Decimal("75.00"),
        nato.pk,
    )


def test_the_admins_contribution_list_links_the_matrix(client, viewer, several):
    client.force_login(viewer)

    response = client.get("/admin/commitments/contribution/")

    assert response.status_code == 200
    assert b"/admin/commitments/contribution/matrix/" in response.content


def test_partners_are_listed_by_kind_in_the_admin(client, editor, roadmap):
    client.force_login(editor)

    response = client.get("/admin/commitments/partner/", {"kind__exact": "other"})

    assert [partner.slug for partner in response.context["cl"].result_list] == [
        "government-of-iraq",
        "iraqi-security-forces",
    ]


def test_the_api_serves_every_kind_in_order_with_its_label_and_funnel_stage(api):
    response = api.get("/api/v1/contribution-kinds/")

    assert response.status_code == 200
    assert response.json() == [
        {"value": "funds_pledged", "label": "Funds pledged", "stage": "pledged"},
        {"value": "funds_committed", "label": "Funds committed", "stage": "committed"},
        {"value": "funds_disbursed", "label": "Funds disbursed", "stage": "disbursed"},
        {"value": "personnel", "label": "Personnel", "stage": None},
        {"value": "training", "label": "Training", "stage": None},
        {"value": "equipment", "label": "Equipment", "stage": None},
        {"value": "in_kind", "label": "In kind", "stage": None},
        {"value": "political", "label": "Political or diplomatic", "stage": None},
    ]
    assert "ETag" in response

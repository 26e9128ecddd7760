"""The contribution matrix (issue 15): partners by commitments, with totals per partner, per
commitment, per pillar and overall; money per currency through the funnel (pledged, committed,
disbursed), never converted; other kinds per unit; corrections replacing what they correct; a
constant number of queries, whatever the data."""

import csv
import datetime
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from rest_framework import serializers

from commitments.api.contributions import ContributionTotalsSerializer, MatrixCellSerializer
from commitments.models import Commitment, Partner
from commitments.selectors import contribution_matrix
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

MATRIX = "/api/v1/contributions/matrix/"


def partner(slug):
    return Partner.objects.get(slug=slug)


def commitment(code):
    return Commitment.objects.get(code=code)


@pytest.fixture
def france(roadmap):
    return PartnerFactory(slug="france", name="France", kind=Partner.Kind.MEMBER_STATE)


@pytest.fixture
def funded(roadmap, france, contribute):
    """France pledges, commits and disburses to MIL-1 in USD and pledges to HUM-1 in EUR; NATO
    trains for MIL-1; the EU pledges to HUM-1, and a pledge of France corrected."""
    mil1, hum1 = commitment("MIL-1"), commitment("HUM-1")
    wrong = contribute(france, mil1, amount=Decimal("9999.00"))
    contribute(france, mil1, amount=Decimal("1000.00"), corrects=wrong)
    contribute(france, mil1, kind="funds_committed", amount=Decimal("600.00"))
    contribute(france, mil1, kind="funds_disbursed", amount=Decimal("250.25"))
    contribute(france, hum1, currency="EUR", amount=Decimal("500.00"))
    contribute(partner("nato"), mil1, kind="training", count=12, unit="courses")
    contribute(partner("nato"), mil1, kind="training", count=3, unit="courses")
    contribute(partner("european-union"), hum1, currency="EUR", amount=Decimal("0.50"))
    return wrong


def totals(contributions=0, funds=(), counts=()):
    return {"contributions": contributions, "funds": list(funds), "counts": list(counts)}


def funnel(currency, pledged="0.00", committed="0.00", disbursed="0.00"):
    return {
        "currency": currency,
        "pledged": pledged,
        "committed": committed,
        "disbursed": disbursed,
    }


def test_the_matrix_adds_up_each_partner_and_commitment(api, funded):
    matrix = api.get(MATRIX).json()

    assert matrix["partners"] == [
        {
            "slug": "european-union",
            "name": "European Union",
            "kind": "international_organisation",
            "totals": totals(1, [funnel("EUR", pledged="0.50")]),
        },
        {
            "slug": "france",
            "name": "France",
            "kind": "member_state",
            "totals": totals(
                4,
                [
                    funnel("EUR", pledged="500.00"),
                    funnel("USD", pledged="1000.00", committed="600.00", disbursed="250.25"),
                ],
            ),
        },
        {
            "slug": "nato",
            "name": "NATO",
            "kind": "international_organisation",
            "totals": totals(2, counts=[{"kind": "training", "unit": "courses", "count": 15}]),
        },
    ]
    assert [(row["code"], row["totals"]["funds"]) for row in matrix["commitments"]] == [
        ("MIL-1", [funnel("USD", pledged="1000.00", committed="600.00", disbursed="250.25")]),
        ("HUM-1", [funnel("EUR", pledged="500.50")]),
    ]
    assert matrix["overall"] == totals(
        7,
        [
            funnel("EUR", pledged="500.50"),
            funnel("USD", pledged="1000.00", committed="600.00", disbursed="250.25"),
        ],
        [{"kind": "training", "unit": "courses", "count": 15}],
    )


def test_a_correction_replaces_the_corrected_contribution_in_every_total(
    api, funded, contribute, france
):
    # The correction itself corrected again, to another commitment: only the newest counts.
    correction = funded.corrections.get()
    contribute(france, commitment("HUM-1"), amount=Decimal("7.00"), corrects=correction)

    matrix = api.get(MATRIX).json()

    cells = {(cell["partner"], cell["commitment"]): cell["totals"] for cell in matrix["cells"]}
    # Committed with no pledge left standing: what was committed was pledged (the funnel).
    assert cells["france", "MIL-1"]["funds"] == [
        funnel("USD", pledged="600.00", committed="600.00", disbursed="250.25")
    ]
    assert cells["france", "HUM-1"]["funds"] == [
        funnel("EUR", pledged="500.00"),
        funnel("USD", pledged="7.00"),
    ]
    assert "9999" not in str(matrix)
    assert "1000.00" not in str(matrix)


def test_money_disbursed_counts_as_committed_and_pledged_where_those_were_not_recorded(
    api, roadmap, france, contribute
):
    mil1 = commitment("MIL-1")
    # France pledges 1,000 and disburses 240 of it, its commitment never recorded; NATO records
    # only a disbursement of 300; France also commits 50 in EUR, which it never pledged.
    contribute(france, mil1, amount=Decimal("1000.00"))
    contribute(france, mil1, kind="funds_disbursed", amount=Decimal("200.00"))
    contribute(france, mil1, kind="funds_disbursed", amount=Decimal("40.00"))
    contribute(partner("nato"), mil1, kind="funds_disbursed", amount=Decimal("300.00"))
    contribute(france, mil1, kind="funds_committed", currency="EUR", amount=Decimal("50.00"))

    matrix = api.get(MATRIX).json()

    cells = {(cell["partner"], cell["commitment"]): cell["totals"] for cell in matrix["cells"]}
    assert cells["france", "MIL-1"]["funds"] == [
        funnel("EUR", pledged="50.00", committed="50.00"),
        funnel("USD", pledged="1000.00", committed="240.00", disbursed="240.00"),
    ]
    assert cells["nato", "MIL-1"]["funds"] == [
        funnel("USD", pledged="300.00", committed="300.00", disbursed="300.00")
    ]
    # Reached cell by cell, then added up: NATO's 300 is not hidden by France's pledge.
    assert matrix["overall"]["funds"] == [
        funnel("EUR", pledged="50.00", committed="50.00"),
        funnel("USD", pledged="1300.00", committed="540.00", disbursed="540.00"),
    ]
    # The CSV gives the amounts as recorded, stage by stage.
    lines = list(csv.DictReader(io.StringIO(api.get(MATRIX, {"format": "csv"}).content.decode())))
    assert [(row["partner"], row["kind"], row["currency"], row["amount"]) for row in lines] == [
        ("france", "funds_pledged", "USD", "1000.00"),
        ("france", "funds_committed", "EUR", "50.00"),
        ("france", "funds_disbursed", "USD", "240.00"),
        ("nato", "funds_disbursed", "USD", "300.00"),
    ]


def sum_of(groups):
    """The totals of several groups added up, as the matrix would add them."""
    contributions, money, counted = 0, defaultdict(Decimal), Counter()
    for group in groups:
        contributions += group["contributions"]
        for row in group["funds"]:
            for stage in ("pledged", "committed", "disbursed"):
                money[row["currency"], stage] += Decimal(row[stage])
        for row in group["counts"]:
            counted[row["kind"], row["unit"]] += row["count"]
    return contributions, dict(money), dict(counted)


def as_sums(group):
    return sum_of([group])


def test_every_total_is_the_sum_of_its_cells(api, funded):
    matrix = api.get(MATRIX).json()
    cells = matrix["cells"]

    for row in matrix["partners"]:
        mine = [cell["totals"] for cell in cells if cell["partner"] == row["slug"]]
        assert as_sums(row["totals"]) == sum_of(mine), row["slug"]
    for row in matrix["commitments"]:
        mine = [cell["totals"] for cell in cells if cell["commitment"] == row["code"]]
        assert as_sums(row["totals"]) == sum_of(mine), row["code"]
    pillar_of = {row["code"]: row["pillar"] for row in matrix["commitments"]}
    for row in matrix["pillars"]:
        mine = [cell["totals"] for cell in cells if pillar_of[cell["commitment"]] == row["slug"]]
        assert as_sums(row["totals"]) == sum_of(mine), row["slug"]
    assert as_sums(matrix["overall"]) == sum_of(cell["totals"] for cell in cells)
    assert as_sums(matrix["overall"]) == sum_of(row["totals"] for row in matrix["partners"])


def test_money_in_different_currencies_is_never_added_up(api, funded):
    overall = api.get(MATRIX).json()["overall"]

    assert [row["currency"] for row in overall["funds"]] == ["EUR", "USD"]


@pytest.mark.parametrize(
    ("query", "partners", "contributions"),
    [
        ({"pillar": "military"}, ["france", "nato"], 5),
        ({"pillar": "humanitarian"}, ["european-union", "france"], 2),
        ({"kind": "training"}, ["nato"], 2),
        ({"kind": ["funds_committed", "funds_disbursed"]}, ["france"], 2),
        ({"currency": "EUR"}, ["european-union", "france"], 2),
        ({"partner_kind": "member_state"}, ["france"], 4),
        ({"since": "2024-01-16"}, [], 0),
        ({"until": "2024-01-15"}, ["european-union", "france", "nato"], 7),
    ],
)
def test_the_matrix_takes_the_lists_filters(api, funded, query, partners, contributions):
    matrix = api.get(MATRIX, query).json()

    assert [row["slug"] for row in matrix["partners"]] == partners
    assert matrix["overall"]["contributions"] == contributions


def test_the_matrix_of_nothing_is_empty(api, roadmap):
    assert api.get(MATRIX).json() == {
        "partners": [],
        "commitments": [],
        "pillars": [],
        "cells": [],
        "overall": totals(),
    }


def test_the_matrix_csv_has_a_line_per_partner_commitment_kind_and_currency_or_unit(api, funded):
    response = api.get(MATRIX, {"format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="contribution-matrix.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [
        (row["partner"], row["commitment"], row["kind"], row["currency"] or row["unit"])
        for row in rows
    ] == [
        ("european-union", "HUM-1", "funds_pledged", "EUR"),
        ("france", "MIL-1", "funds_pledged", "USD"),
        ("france", "MIL-1", "funds_committed", "USD"),
        ("france", "MIL-1", "funds_disbursed", "USD"),
        ("france", "HUM-1", "funds_pledged", "EUR"),
        ("nato", "MIL-1", "training", "courses"),
    ]
    assert (rows[-1]["count"], rows[-1]["contributions"]) == ("15", "2")
    assert rows[1]["amount"] == "1000.00"


@pytest.mark.parametrize("size", [1, 6])
def test_the_matrix_takes_4_queries_whatever_the_data(
    api, roadmap, contribute, size, django_assert_num_queries
):
    partners = [PartnerFactory() for _ in range(size)]
    for code in ["MIL-1", "HUM-1", "STB-1", "POL-1"][: max(1, size - 2)]:
        for each in partners:
            contribute(each, commitment(code))
            contribute(each, commitment(code), kind="personnel", count=size, unit="officers")
    # Expect 4 queries: the data fingerprint (ETag), the standing contributions grouped by
    # partner, commitment, kind, currency and unit, the names of those partners and of those
    # commitments.
    with django_assert_num_queries(4):
        response = api.get(MATRIX)
    assert response.json()["overall"]["contributions"] == 2 * size * max(1, size - 2)


def test_the_selector_reads_3_queries(roadmap, funded, django_assert_num_queries):
    with django_assert_num_queries(3):
        matrix = contribution_matrix()
    assert [row["slug"] for row in matrix.pillars] == ["military", "humanitarian"]


def test_the_admin_shows_the_matrix_to_staff(client, viewer, funded):
    client.force_login(viewer)

    response = client.get("/admin/commitments/contribution/matrix/", {"pillar": ""})

    assert response.status_code == 200
    assert [row["partner"]["slug"] for row in response.context["grid"]] == [
        "european-union",
        "france",
        "nato",
    ]
    assert "USD" in response.content.decode()


def test_the_admins_matrix_is_filtered_by_pillar(client, viewer, funded):
    client.force_login(viewer)
    military = Commitment.objects.get(code="MIL-1").pillar

    response = client.get("/admin/commitments/contribution/matrix/", {"pillar": military.pk})

    assert [row["code"] for row in response.context["matrix"].commitments] == ["MIL-1"]


def test_the_admins_matrix_is_for_staff_only(client, roadmap):
    response = client.get("/admin/commitments/contribution/matrix/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_funnel_of_a_commitment_reads_pledged_then_committed_then_disbursed(api, funded):
    mil1 = next(row for row in api.get(MATRIX).json()["commitments"] if row["code"] == "MIL-1")

    assert list(mil1["totals"]["funds"][0]) == ["currency", "pledged", "committed", "disbursed"]


def test_a_date_far_back_counts_as_any_other(api, roadmap, france, contribute):
    contribute(france, commitment("MIL-1"), date=datetime.date(2019, 6, 25))

    assert api.get(MATRIX, {"since": "2019-06-25"}).json()["overall"]["contributions"] == 1


def test_the_totals_are_written_as_their_declared_fields_would_write_them(funded):
    matrix = contribution_matrix()
    groups = [matrix.overall] + [
        group["totals"] for group in (*matrix.partners, *matrix.commitments, *matrix.cells)
    ]
    written = ContributionTotalsSerializer()

    for totals in groups:
        generic = serializers.Serializer.to_representation(written, totals)
        assert written.to_representation(totals) == generic
    assert any(totals.funds for totals in groups)
    assert any(totals.counts for totals in groups)


def test_the_cells_are_written_as_their_declared_fields_would_write_them(funded):
    cells = contribution_matrix().cells
    written = MatrixCellSerializer()

    assert cells
    for cell in cells:
        assert written.to_representation(cell) == serializers.Serializer.to_representation(
            written, cell
        )

"""Recording contributions and indicator values in the admin as analysts type them: large
numbers with thousands separators, the usual currencies first, indicators picked by the best
match and told apart by unit and commitment, and a commitment's page listing its contributions.
(What the page shows as it is typed, and the list's widths: test_admin_browser.py.)"""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment, Contribution, Indicator, IndicatorValue, Partner
from commitments.numbers import GroupedDecimalField, parse_number
from tests.admin_pages import picker_choices

pytestmark = pytest.mark.django_db

ADD_CONTRIBUTION = "/admin/commitments/contribution/add/"


# Large numbers.


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("21500000000", Decimal("21500000000")),
        ("21,500,000,000", Decimal("21500000000")),
        ("21 500 000 000", Decimal("21500000000")),
        ("21\u202f500\u202f000\u202f000", Decimal("21500000000")),  # narrow no-break space
        ("21\u00a0500\u00a0000", Decimal("21500000")),  # no-break space
        ("  1,234.56 ", Decimal("1234.56")),
        ("21.5", Decimal("21.5")),
        ("-1,000", Decimal("-1000")),
        ("999", Decimal("999")),
    ],
)
def test_a_number_may_group_its_thousands(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("21,5", "Use a point for decimals: 21.5, not 21,5."),
        ("1 234,56", "Use a point for decimals: 1 234.56, not 1 234,56."),
        ("21.500.000", "with a point for decimals"),  # Europe's thousands
        ("21,500 000", "one kind of separator"),
        ("2,15,000", "thousands in groups of three"),
        ("21 billion", "Enter a number such as 21500000"),
    ],
)
def test_a_number_that_could_be_read_two_ways_is_refused_with_a_reason(typed, message):
    with pytest.raises(ValidationError) as refusal:
        parse_number(typed)

    assert message in refusal.value.messages[0]


def test_the_field_keeps_the_models_digits():
    field = GroupedDecimalField(max_digits=5, decimal_places=2)

    assert field.clean("999.99") == Decimal("999.99")
    with pytest.raises(ValidationError, match="no more than 5 digits"):
        field.clean("1,000.00")


def add_funds(client, partner, commitment, amount, currency="EUR"):
    return client.post(
        ADD_CONTRIBUTION,
        {
            "partner": partner.pk,
            "commitment": commitment.pk,
            "kind": "funds_pledged",
            "amount": amount,
            "currency": currency,
            "date": "2024-04-01",
        },
    )


@pytest.mark.parametrize("typed", ["21,500,000,000", "21 500 000 000", "21500000000.00"])
def test_the_admin_records_an_amount_typed_with_separators(client, analyst, nato, mil1, typed):
    client.force_login(analyst)

    response = add_funds(client, nato, mil1, typed)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Contribution.objects.get().amount == Decimal("21500000000")


def test_the_admin_refuses_a_decimal_comma_and_records_nothing(client, analyst, nato, mil1):
    client.force_login(analyst)

    response = add_funds(client, nato, mil1, "21,5")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["amount"][0] == (
        "Use a point for decimals: 21.5, not 21,5. Commas and spaces only group thousands "
        "(21,500,000)."
    )
    assert not Contribution.objects.exists()


def test_the_admin_records_an_indicator_value_typed_with_separators(
    client, analyst, hum1_indicator
):
    client.force_login(analyst)

    response = client.post(
        "/admin/commitments/indicatorvalue/add/",
        {
            "indicator": hum1_indicator.pk,
            "value": "25 000 000 000",
            "qualifier": "nearly",
            "as_of": "2024-04-01",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert IndicatorValue.objects.get().value == Decimal("25000000000")


@pytest.mark.parametrize(
    ("page", "field"),
    [
        (ADD_CONTRIBUTION, "amount"),
        ("/admin/commitments/indicatorvalue/add/", "value"),
        ("indicator", "baseline_value"),
        ("indicator", "target_value"),
    ],
)
def test_amount_and_value_fields_are_text_fields_that_show_the_number_in_words(
    client, editor, hum1_indicator, page, field
):
    if page == "indicator":
        page = f"/admin/commitments/indicator/{hum1_indicator.pk}/change/"
    client.force_login(editor)

    html = client.get(page).content.decode()

    [tag] = re.findall(rf'<input type="[a-z]+" name="{field}"[^>]*>', html)
    assert tag.startswith('<input type="text"')
    assert 'inputmode="decimal"' in tag
    assert "data-number-pattern=" in tag
    assert "commitments/number-words.js" in html


# Currencies.


def currency_groups(client):
    field = client.get(ADD_CONTRIBUTION).context["adminform"].form.fields["currency"]
    return [(group, [code for code, _ in codes]) for group, codes in field.choices[1:]]


def test_the_usual_currencies_come_first_then_those_already_used(
    client, analyst, nato, mil1, contribute
):
    contribute(nato, mil1, currency="JPY")
    contribute(nato, mil1, currency="USD")
    contribute(nato, mil1, currency="CHF")
    client.force_login(analyst)

    groups = currency_groups(client)

    assert [(group, codes[:3]) for group, codes in groups] == [
        ("Usual", ["EUR", "USD", "GBP"]),
        ("Already used", ["CHF", "JPY"]),
        ("Others", ["AED", "AFN", "ALL"]),
    ]
    others = groups[2][1]
    assert {"EUR", "USD", "GBP", "CHF", "JPY"}.isdisjoint(others)
    assert "HRK" in others  # withdrawn since the Roadmap, still accepted


def test_before_any_contribution_the_usual_currencies_are_followed_by_the_rest(
    client, analyst, roadmap
):
    client.force_login(analyst)

    assert [group for group, _ in currency_groups(client)] == ["Usual", "Others"]


def test_a_currency_from_the_rest_is_recorded(client, analyst, nato, mil1):
    client.force_login(analyst)

    response = add_funds(client, nato, mil1, "1,000", currency="NOK")

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Contribution.objects.get().currency == "NOK"


# The indicator picker.


def autocomplete(client, term):
    return picker_choices(client, "indicatorvalue", "indicator", term)


def test_the_indicator_picker_offers_whole_word_matches_first_with_unit_and_commitment(
    client, analyst, roadmap
):
    client.force_login(analyst)

    offered = autocomplete(client, "members")

    assert offered[:2] == [
        "Coalition members (count; POL-7)",
        "Coalition service members who gave their lives in Operation Inherent Resolve "
        "(people; Roadmap context)",
    ]


def test_the_indicator_picker_offers_the_whole_name_before_longer_ones(
    client, analyst, roadmap, hum1_indicator
):
    Indicator.objects.create(
        slug="coalition-members-states", name="Coalition members states", unit="count"
    )
    Indicator.objects.create(slug="members", name="Members", unit="count")
    client.force_login(analyst)

    offered = autocomplete(client, "MEMBERS")

    assert offered[:2] == ["Members (count; Roadmap context)", "Coalition members (count; POL-7)"]


def test_a_word_start_comes_before_a_match_inside_a_word(client, analyst, roadmap):
    Indicator.objects.create(slug="a", name="Nonmembers", unit="count")
    Indicator.objects.create(slug="b", name="Membership applications", unit="count")
    client.force_login(analyst)

    offered = autocomplete(client, "member")

    assert offered.index("Membership applications (count; Roadmap context)") < offered.index(
        "Nonmembers (count; Roadmap context)"
    )


# A commitment's contributions, on its page.


def commitment_page(client, commitment):
    return client.get(f"/admin/commitments/commitment/{commitment.pk}/change/")


def test_a_commitments_page_lists_its_contributions_with_links(
    client, viewer, nato, mil1, contribute
):
    wrong = contribute(nato, mil1, amount=Decimal("21500000000"), currency="EUR")
    right = contribute(nato, mil1, amount=Decimal("2150000000"), currency="EUR", corrects=wrong)
    trained = contribute(
        nato, mil1, kind="training", count=40, unit="instructors", date=datetime.date(2024, 3, 1)
    )
    elsewhere = contribute(nato, Commitment.objects.get(code="MIL-2"))
    client.force_login(viewer)

    html = commitment_page(client, mil1).content.decode()

    for contribution in (wrong, right, trained):
        assert f'/admin/commitments/contribution/{contribution.pk}/change/"' in html
    assert f"/admin/commitments/contribution/{elsewhere.pk}/change/" not in html
    assert "EUR 21,500,000,000.00" in html
    assert "40 instructors" in html
    assert "Funds pledged" in html
    assert "1 Mar 2024" in html
    assert f"Superseded</strong> by #{right.pk}" in html


def test_a_commitment_without_contributions_says_so(client, viewer, mil1):
    client.force_login(viewer)

    assert "None yet." in commitment_page(client, mil1).content.decode()


def test_a_commitments_page_takes_as_many_queries_whatever_its_contributions(
    client, viewer, nato, mil1, contribute
):
    contribute(nato, mil1)
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as one:
        commitment_page(client, mil1)

    for partner in Partner.objects.exclude(pk=nato.pk)[:5]:
        contribute(partner, mil1, kind="equipment", count=3, unit="vehicles")
    with CaptureQueriesContext(connection) as six:
        commitment_page(client, mil1)

    assert len(six) == len(one)

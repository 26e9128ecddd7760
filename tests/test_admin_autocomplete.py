"""Every picker of the admin (an autocomplete field) answers, in a stable order: a list that
pages unreliably is refused by Django with a warning, which the tests make an error."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

PICKERS = [
    (model_admin.model, field)
    for model_admin in admin.site._registry.values()
    for field in model_admin.autocomplete_fields
]


def test_the_admin_has_pickers_to_check():
    assert len(PICKERS) >= 8


@pytest.mark.parametrize(
    ("model", "field"), PICKERS, ids=[f"{m._meta.model_name}.{f}" for m, f in PICKERS]
)
@pytest.mark.parametrize("term", ["", "a"])
def test_every_picker_answers(client, superuser, roadmap, model, field, term):
    client.force_login(superuser)

    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": term,
        },
    )

    assert response.status_code == 200
    assert "results" in response.json()


def test_the_partner_picker_lists_partners_by_name(client, superuser, roadmap):
    for name in ("Zeta Republic", "Alpha Kingdom", "Mid Federation"):
        PartnerFactory(name=name)
    client.force_login(superuser)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "commitments", "model_name": "contribution", "field_name": "partner"},
    )

    names = [result["text"] for result in response.json()["results"]]
    assert names == sorted(names)
    assert {"Zeta Republic", "Alpha Kingdom", "Mid Federation"} <= set(names)

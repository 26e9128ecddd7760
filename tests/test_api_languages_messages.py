"""The API's own messages in the reader's language (Accept-Language): a 400's field errors, a
403's or a 401's problem, a list's bad parameters. Field names, codes and enum values stay as
they are; English is what a client that asks for nothing gets.

The response cache serves anonymous reads only, so these requests write or are signed in."""

import pytest
from django.utils import translation

from commitments.models import Status

pytestmark = pytest.mark.django_db

UPDATES_OF_MIL1 = "/api/v1/commitments/MIL-1/updates/"
NEW_UPDATE = {"status": "on_track", "progress": 50, "as_of": "2024-03-01", "summary": "Fine."}


def _without_request_id(response):
    problem = response.json()
    del problem["request_id"]
    return problem


# A body with two bad fields: one message is the API's own, the other DRF's.
BAD_UPDATE = {**NEW_UPDATE, "progress": "lots", "evidence": [987654]}


@pytest.mark.parametrize(
    ("language", "title", "evidence", "integer"),
    [
        (
            "fr",
            "Requête incorrecte",
            "Il n'existe aucune preuve n° 987654 que vous puissiez citer : vérifiez son "
            "identifiant.",
            "Un nombre entier valide est requis.",
        ),
        (
            "ar",
            "طلب غير صالح",
            "لا يوجد دليل رقم 987654 يمكنك الاستشهاد به: تحقّق من معرّفه.",
            "الرجاء إدخال رقم صحيح صالح.",
        ),
        (
            None,
            "Bad Request",
            "There is no evidence #987654 that you may cite: check its id.",
            "A valid integer is required.",
        ),
    ],
)
def test_a_400_says_its_field_errors_in_the_language_asked_for(
    roadmap, as_analyst, language, title, evidence, integer
):
    asked = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = as_analyst.post(UPDATES_OF_MIL1, BAD_UPDATE, format="json", **asked)

    assert response.status_code == 400
    assert _without_request_id(response) == {
        "type": "about:blank",
        "title": title,
        "status": 400,
        "detail": f"progress: {integer}; evidence: {evidence}",
        "code": "invalid",
        "errors": {"progress": [integer], "evidence": [evidence]},
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "Champ inconnu."), ("ar", "حقل غير معروف."), ("en", "Unknown field.")],
)
def test_a_field_the_api_does_not_take_is_named_in_the_language_asked_for(
    roadmap, as_analyst, language, message
):
    body = {**NEW_UPDATE, "colour": "red"}

    response = as_analyst.post(UPDATES_OF_MIL1, body, format="json", HTTP_ACCEPT_LANGUAGE=language)

    assert response.json()["errors"] == {"colour": [message]}


def test_a_refusal_of_the_api_s_own_is_a_problem_in_french(analyst, as_analyst):
    response = as_analyst.get(
        "/api/v1/updates/?review_state=pending&reviewable=true", HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.status_code == 403
    assert _without_request_id(response) == {
        "type": "about:blank",
        "title": "Interdit",
        "status": 403,
        "detail": "Seuls les relecteurs et les éditeurs connectés ont des mises à jour à relire.",
        "code": "permission_denied",
    }


def test_a_write_without_credentials_is_a_401_in_french(roadmap, api):
    response = api.post(UPDATES_OF_MIL1, NEW_UPDATE, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 401
    problem = response.json()
    assert problem["title"] == "Non autorisé"
    assert problem["code"] == "not_authenticated"
    assert problem["detail"] == "Informations d'authentification non fournies."


def test_a_list_names_its_bad_parameters_in_arabic(roadmap, as_analyst):
    response = as_analyst.get(
        "/api/v1/commitments/?as_of=1%2F3%2F2024&pilar=military", HTTP_ACCEPT_LANGUAGE="ar"
    )

    assert response.status_code == 400
    assert response.json()["title"] == "طلب غير صالح"
    assert response.json()["errors"] == {
        "pilar": ["معامل غير معروف «pilar»: هل تقصد «pillar»؟"],
    }


def test_a_filter_s_bad_value_is_named_in_arabic(roadmap, as_analyst):
    response = as_analyst.get("/api/v1/commitments/?as_of=1%2F3%2F2024", HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 400
    assert response.json()["errors"] == {"as_of": ["أدخل تاريخًا بالصيغة YYYY-MM-DD."]}


def test_a_filter_s_bad_value_is_named_in_english_by_default(roadmap, as_analyst):
    response = as_analyst.get("/api/v1/commitments/?as_of=1%2F3%2F2024")

    assert response.json()["errors"] == {"as_of": ["Enter a date as YYYY-MM-DD."]}


@pytest.mark.parametrize("language", ["fr", "ar", "en-gb"])
def test_a_choice_label_is_in_the_language_of_each_response(roadmap, as_analyst, language):
    # The fast representation's plan is compiled once a process, in whichever language came
    # first: the labels it shows must still be those of each response's language.
    response = as_analyst.get("/api/v1/commitments/?code=MIL-1", HTTP_ACCEPT_LANGUAGE=language)

    (row,) = response.json()["results"]
    with translation.override(language):
        assert row["status_label"] == str(Status(row["status"]).label)


def test_a_reused_idempotency_key_is_refused_in_french(roadmap, as_analyst):
    key = "0b7e5b0a-5b2f-4f5e-9d7c-6c1f3b1d2a10"
    as_analyst.post(UPDATES_OF_MIL1, NEW_UPDATE, format="json", HTTP_IDEMPOTENCY_KEY=key)

    reused = as_analyst.post(
        UPDATES_OF_MIL1,
        {**NEW_UPDATE, "progress": 60},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert reused.status_code == 422
    assert _without_request_id(reused) == {
        "type": "about:blank",
        "title": "Entité non traitable",
        "status": 422,
        "detail": "Cet en-tête Idempotency-Key a servi à une autre requête (autre adresse ou autre "
        "corps) au cours des 24 dernières heures. Envoyez une nouvelle clé avec chaque nouvelle "
        "requête, et la même clé uniquement avec ses nouvelles tentatives.",
        "code": "idempotency_key_reused",
    }


def test_an_unknown_group_of_the_summary_is_named_in_arabic(roadmap, as_analyst):
    response = as_analyst.get("/api/v1/summary/?group_by=colour", HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "group_by": [
            "قيمة group_by غير معروفة «colour»: اختر إحدى القيم "
            "pillar, place, theme, partner, owner."
        ]
    }

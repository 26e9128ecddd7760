"""The Roadmap's content in French and Arabic: titles, indicators' names and the names of pillars,
themes and places that Editors translate (commitments/translation.py), in the language of the
request, in English where there is no translation, and marked so. The adopted text stays
English in every language."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from commitments.models import Commitment, Indicator, Pillar
from commitments.roadmap import load_roadmap

pytestmark = pytest.mark.django_db

DETAIL = "/api/v1/commitments/MIL-3/"


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    # Each read is represented anew: what is asserted is the representation in a language.
    settings.RESPONSE_CACHE = False


@pytest.fixture
def mil3_in_french(roadmap):
    commitment = Commitment.objects.get(code="MIL-3")
    commitment.title_fr = "Renforcer les capacités des forces de sécurité irakiennes"
    commitment.save()
    return commitment


def test_a_french_title_entered_by_an_editor_is_returned_to_a_french_reader(api, mil3_in_french):
    item = api.get(DETAIL, HTTP_ACCEPT_LANGUAGE="fr").json()

    assert item["title"] == "Renforcer les capacités des forces de sécurité irakiennes"
    assert item["pillar"] == {"slug": "military", "name": "Militaire"}
    assert item["themes"] == [{"slug": "capacity-building", "name": "Renforcement des capacités"}]
    assert item["places"] == [{"slug": "iraq", "name": "Irak"}]
    assert item["in_english"] == []


def test_english_is_unchanged_by_a_translation(api, mil3_in_french):
    item = api.get(DETAIL).json()

    assert item["title"] == "Build Iraqi Security Forces capacity with NATO and the EU"
    assert item["pillar"] == {"slug": "military", "name": "Military"}
    assert item["in_english"] == []


def test_an_untranslated_title_falls_back_to_english_and_is_marked(api, roadmap):
    item = api.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ar").json()

    assert item["title"] == "Build Iraqi Security Forces capacity with NATO and the EU"
    assert item["pillar"]["name"] == "العسكري"
    assert item["in_english"] == ["/title"]


def test_an_untranslated_name_in_a_list_is_marked_by_its_place(api, roadmap):
    Pillar.objects.filter(slug="military").update(name_fr=None)

    listed = api.get("/api/v1/commitments/", {"pillar": "military"}, HTTP_ACCEPT_LANGUAGE="fr")

    first = listed.json()["results"][0]
    assert first["pillar"]["name"] == "Military"
    assert "/pillar/name" in first["in_english"]
    assert "/title" in first["in_english"]


def test_the_adopted_text_is_the_same_in_every_language(api, mil3_in_french):
    texts = {
        language: api.get(DETAIL, HTTP_ACCEPT_LANGUAGE=language).json()["text"]
        for language in ["en-gb", "fr", "ar"]
    }

    assert set(texts.values()) == {Commitment.objects.get(code="MIL-3").text}


def test_the_roadmap_ships_arabic_and_french_names_of_its_pillars(api, roadmap):
    arabic = api.get("/api/v1/pillars/", HTTP_ACCEPT_LANGUAGE="ar").json()
    french = api.get("/api/v1/pillars/", HTTP_ACCEPT_LANGUAGE="fr").json()
    english = api.get("/api/v1/pillars/").json()

    assert [(pillar["name"], pillar["in_english"]) for pillar in arabic] == [
        ("العسكري", []),
        ("الإنساني", []),
        ("تحقيق الاستقرار", []),
        ("السياسي", []),
        ("الفروع والشبكات العالمية", []),
    ]
    assert [pillar["name"] for pillar in french] == [
        "Militaire",
        "Humanitaire",
        "Stabilisation",
        "Politique",
        "Branches et réseaux mondiaux",
    ]
    assert english[0]["name"] == "Military"


def test_an_indicators_name_is_in_the_readers_language_or_marked_english(api, hum1_indicator):
    Indicator.objects.filter(pk=hum1_indicator.pk).update(name_fr="Personnes libérées")
    url = f"/api/v1/indicators/{hum1_indicator.pk}/"

    french = api.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()
    arabic = api.get(url, HTTP_ACCEPT_LANGUAGE="ar").json()

    assert (french["name"], french["in_english"]) == ("Personnes libérées", [])
    assert (arabic["name"], arabic["in_english"]) == (hum1_indicator.name, ["/name"])


def test_the_english_column_keeps_the_english_when_an_editor_saves_in_french(
    client, editor, roadmap
):
    pillar = Pillar.objects.get(slug="military")
    client.force_login(editor)
    form = {
        "name_en_gb": "Military",
        "name_fr": "Militaire (Irak et Syrie)",
        "name_ar": "العسكري",
        "description": pillar.description,
        "display_order": pillar.display_order,
    }

    response = client.post(
        reverse("admin:commitments_pillar_change", args=[pillar.pk]),
        form,
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pillar.objects.filter(slug="military").values_list("name", "name_fr").get() == (
        "Military",
        "Militaire (Irak et Syrie)",
    )


def test_the_admin_offers_a_field_a_language_for_a_title(client, editor, roadmap):
    client.force_login(editor)
    commitment = Commitment.objects.get(code="MIL-3")

    page = client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk]))

    form = page.context["adminform"].form
    assert {"title_en_gb", "title_fr", "title_ar"} <= set(form.fields)
    assert "title" not in form.fields
    assert form.fields["title_en_gb"].required
    assert not form.fields["title_fr"].required


def test_loading_the_roadmap_again_keeps_the_translations(roadmap):
    report = load_roadmap()

    assert not report.changed_anything
    assert Pillar.objects.get(slug="political").name_ar == "السياسي"


@pytest.mark.parametrize(
    ("language", "name_fr", "shown"),
    [
        ("fr", "Militaire", "Militaire"),
        ("fr", None, '<span lang="en">Military</span>'),
        ("en-gb", "Militaire", "Military"),
    ],
)
def test_a_page_marks_a_name_shown_in_english_for_lack_of_a_translation(
    roadmap, language, name_fr, shown
):
    Pillar.objects.filter(slug="military").update(name_fr=name_fr)
    page = Template('{% load languages %}{{ pillar|translated:"name" }}')

    with translation.override(language):
        html = page.render(Context({"pillar": Pillar.objects.get(slug="military")}))

    assert html == shown


def test_a_title_written_through_the_api_in_french_is_the_english_one(
    api, editor, token_for, roadmap
):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(editor)}")
    etag = api.get(DETAIL)["ETag"]

    response = api.patch(
        DETAIL,
        {"title": "Build the Iraqi forces' capacity"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 200, response.content
    written = Commitment.objects.filter(code="MIL-3").values("title", "title_en_gb", "title_fr")
    assert written.get() == {
        "title": "Build the Iraqi forces' capacity",
        "title_en_gb": "Build the Iraqi forces' capacity",
        "title_fr": None,
    }

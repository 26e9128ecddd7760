"""The dashboard's own pages speak English, French and Arabic: the server sends each page in the
reader's language, right to left in Arabic, with a switcher between the three; its scripts find
their words, in the page's language, in the JavaScript catalog. English stays the default."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.trans_real import DjangoTranslation

pytestmark = pytest.mark.django_db

PAGES = ["/", "/commitments/MIL-1/", "/contributions/", "/dependencies/"]
SCRIPTS = sorted((Path(settings.BASE_DIR) / "static" / "dashboard").glob("*.js"))


def catalog_of(client, language):
    """The translations /jsi18n/ gives a page in `language`: {English: translation}."""
    script = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.DOTALL).group(1))


def opening_tag(page):
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("language", "tag"),
    [
        (None, '<html lang="en-gb" dir="ltr">'),
        ("fr", '<html lang="fr" dir="ltr">'),
        ("ar", '<html lang="ar" dir="rtl">'),
    ],
)
def test_a_dashboard_page_is_served_in_the_readers_language_and_direction(
    client, url, language, tag
):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    page = client.get(url, **headers).content.decode()

    assert opening_tag(page) == tag


@pytest.mark.parametrize(
    ("language", "title", "navigation"),
    [
        ("en-gb", "Contributions · Paris Roadmap tracker", ["Commitments", "Dependencies"]),
        (
            "fr",
            "Contributions · Suivi de la feuille de route de Paris",
            ["Engagements", "Dépendances"],
        ),
        ("ar", "المساهمات · متابعة خارطة طريق باريس", ["الالتزامات", "التبعيات"]),
    ],
)
def test_the_shell_of_a_page_is_in_the_readers_language(client, language, title, navigation):
    page = client.get("/contributions/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<title>{title}</title>" in page
    for name in navigation:
        assert f">{name}</a></li>" in page


def test_every_page_has_a_labelled_language_switcher_naming_each_language_in_its_own_words(
    client,
):
    page = client.get("/contributions/?pillar=military", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    form = re.search(r'<form class="language-switcher".*?</form>', page, re.DOTALL).group(0)
    assert 'action="/i18n/setlang/" method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="next" value="/contributions/?pillar=military">' in form
    assert '<label for="language-switcher-language">اللغة</label>' in form
    assert re.findall(
        r'<option value="([^"]+)" lang="[^"]+"( selected)?>([^<]+)</option>', form
    ) == [
        ("en-gb", "", "English"),
        ("fr", "", "Français"),
        ("ar", " selected", "العربية"),
    ]


def test_the_switcher_changes_the_language_of_the_page_it_was_on(client):
    switched = client.post("/i18n/setlang/", {"language": "ar", "next": "/contributions/"})

    assert switched.status_code == 302
    assert switched["Location"] == "/contributions/"
    # Kept for the next pages, whatever the browser's own languages.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert opening_tag(page) == '<html lang="ar" dir="rtl">'


def test_the_pages_scripts_load_after_the_catalog_of_their_words(client):
    page = client.get("/").content.decode()

    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    assert scripts == ["/jsi18n/", "/static/dashboard/dashboard.js"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "fr",
            [
                "Engagements par état",
                "Partenaires par engagement",
                "Quels engagements dépendent desquels",
            ],
        ),
        ("ar", ["الالتزامات حسب الحالة", "الشركاء حسب الالتزامات", "أيّ الالتزامات يعتمد على أيّها"]),
    ],
)
def test_the_javascript_catalog_carries_the_dashboards_words_in_the_readers_language(
    client, language, words
):
    translations = catalog_of(client, language).values()

    for word in words:
        assert word in translations


def test_the_arabic_javascript_catalog_has_six_plural_forms(client):
    script = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    assert "n%100>=11 && n%100<=99 ? 4 : 5" in script
    assert catalog_of(client, "ar")["%(count)s commitment"] == [
        "%(count)s التزام",
        "%(count)s التزام",
        "%(count)s التزامان",
        "%(count)s التزامات",
        "%(count)s التزامًا",
        "%(count)s التزام",
    ]


def test_in_english_the_scripts_keep_their_own_words(client):
    assert "Commitments by status" not in catalog_of(client, "en-gb")


def marked_strings():
    """Every text the dashboard's scripts mark: (singular, plural or None)."""
    pattern = r'\b(n?gettext)\(\s*"((?:[^"\\]|\\.)*)"(?:,\s*"((?:[^"\\]|\\.)*)")?'
    found = set()
    for script in SCRIPTS:
        for function, singular, plural in re.findall(pattern, script.read_text()):
            found.add((singular, plural if function == "ngettext" else None))
    return sorted(found)


def test_the_scripts_mark_their_words():
    assert ("Commitments by status", None) in marked_strings()
    assert ("%(count)s partner", "%(count)s partners") in marked_strings()


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_every_word_the_dashboards_scripts_mark_is_translated(language):
    """(A catalog compiled from a .po holds only the entries whose translation is not empty.)"""
    catalog = DjangoTranslation(language, domain="djangojs")._catalog

    untranslated = [
        singular
        for singular, plural in marked_strings()
        if (singular, 0) not in catalog and singular not in catalog
    ]
    assert untranslated == []


@pytest.mark.parametrize(
    ("language", "tag", "heading"),
    [
        ("en-gb", '<html lang="en-gb" dir="ltr">', "This page does not exist"),
        ("fr", '<html lang="fr" dir="ltr">', "Cette page n’existe pas"),
        ("ar", '<html lang="ar" dir="rtl">', "هذه الصفحة غير موجودة"),
    ],
)
def test_a_page_not_found_is_said_in_the_readers_language(client, language, tag, heading):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 404
    page = response.content.decode()
    assert opening_tag(page) == tag
    assert f"<h1>{heading}</h1>" in page

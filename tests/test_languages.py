"""The tracker speaks English (the default), French and Arabic. A reader is answered in the
language they chose for themselves (their Preferences), else the one their browser asks for
(the switcher's cookie, else Accept-Language), else British English; on the API `?lang=` comes
before all of them. Every response says which (Content-Language) and that it depends on the
request's Accept-Language and cookies (Vary)."""

import pytest
from rest_framework.test import APIClient

from commitments.languages import preferred_language
from commitments.models import Preferences
from commitments.services.preferences import choose_language

pytestmark = pytest.mark.django_db

API = "/api/v1/pillars/"
ADMIN = "/admin/"
LOGIN = "/admin/login/"


def vary(response):
    return {name.strip().lower() for name in response.get("Vary", "").split(",")}


def html_lang(response):
    """The lang attribute of a page's <html> element."""
    start = response.content.decode().index("<html")
    element = response.content.decode()[start : response.content.decode().index(">", start)]
    return element.split('lang="', 1)[1].split('"', 1)[0]


@pytest.fixture
def french_analyst(analyst):
    choose_language(user=analyst, language="fr")
    return analyst


@pytest.fixture
def signed_in(client, french_analyst):
    client.force_login(french_analyst)
    return client


@pytest.fixture
def token_client(french_analyst, token_for):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(french_analyst)}")
    return client


# Who chooses: the default, the browser, the reader's own setting.


@pytest.mark.parametrize("url", [API, LOGIN])
def test_english_is_the_default(client, roadmap, url):
    response = client.get(url)
    assert response["Content-Language"] == "en-gb"


@pytest.mark.parametrize("url", [API, LOGIN])
def test_the_browsers_accept_language_chooses_when_the_reader_has_not(client, roadmap, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar, fr;q=0.8")
    assert response["Content-Language"] == "ar"


def test_a_language_the_tracker_does_not_speak_falls_back_to_english(client, roadmap):
    assert client.get(API, HTTP_ACCEPT_LANGUAGE="de")["Content-Language"] == "en-gb"


def test_a_signed_in_users_setting_beats_their_browser_on_the_pages(signed_in):
    page = signed_in.get(ADMIN, HTTP_ACCEPT_LANGUAGE="ar")
    assert (page.status_code, page["Content-Language"], html_lang(page)) == (200, "fr", "fr")
    assert "Déconnexion" in page.content.decode()  # Django's own French


def test_a_signed_in_users_setting_beats_their_browser_on_the_api(signed_in, roadmap):
    assert signed_in.get(API, HTTP_ACCEPT_LANGUAGE="ar")["Content-Language"] == "fr"


def test_a_token_users_setting_beats_their_browser(token_client, roadmap):
    assert token_client.get(API, HTTP_ACCEPT_LANGUAGE="ar")["Content-Language"] == "fr"


def test_a_user_who_has_not_chosen_reads_as_their_browser_asks(client, analyst, roadmap):
    client.force_login(analyst)
    assert preferred_language(analyst) is None
    assert client.get(API, HTTP_ACCEPT_LANGUAGE="ar")["Content-Language"] == "ar"


def test_the_language_cookie_beats_accept_language_for_an_anonymous_reader(client, roadmap):
    client.cookies["django_language"] = "fr"
    response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="ar")
    assert response["Content-Language"] == "fr"
    assert {"accept-language", "cookie"} <= vary(response)


# ?lang= on the API.


@pytest.mark.parametrize("reader", ["client", "signed_in", "token_client"])
def test_lang_beats_every_other_choice_on_the_api(reader, request, roadmap):
    client = request.getfixturevalue(reader)
    response = client.get(f"{API}?lang=ar", HTTP_ACCEPT_LANGUAGE="fr")
    assert (response.status_code, response["Content-Language"]) == (200, "ar")


def test_lang_also_applies_to_an_address_the_api_does_not_have(client):
    response = client.get("/api/v1/nowhere/?lang=fr")
    assert (response.status_code, response["Content-Language"]) == (404, "fr")


@pytest.mark.parametrize("code", ["de", "", "FR", "fr-CA"])
def test_a_lang_the_api_does_not_speak_is_a_400_that_lists_the_languages(client, roadmap, code):
    response = client.get(f"{API}?lang={code}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == {
        "lang": [f"'{code}' is not a language of the tracker. Choose one of: en-gb, fr, ar."]
    }


def test_the_refusal_of_a_lang_speaks_the_readers_language(client, roadmap):
    response = client.get(f"{API}?lang=de", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["errors"]["lang"] == [
        "«\u00a0de\u00a0» n\u2019est pas une langue du suivi. Choisissez parmi\u00a0: en-gb, fr, ar."
    ]


def test_lang_chooses_the_briefing_packs_language_too(signed_in, roadmap):
    response = signed_in.get("/briefing/?lang=ar", HTTP_ACCEPT_LANGUAGE="en")
    assert (response.status_code, response["Content-Language"]) == (200, "ar")
    assert signed_in.get("/briefing/")["Content-Language"] == "fr"  # their own setting


def test_lang_chooses_nothing_on_the_other_pages(client):
    assert client.get(f"{LOGIN}?lang=ar")["Content-Language"] == "en-gb"


# What every response says.


@pytest.mark.parametrize("url", [API, f"{API}?lang=fr", LOGIN, "/api/v1/nowhere/"])
def test_every_response_names_its_language_and_varies_on_accept_language_and_cookies(
    client, roadmap, url
):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "fr"
    assert {"accept-language", "cookie"} <= vary(response)


# The response cache keeps a body per language.


def test_the_response_cache_keeps_a_body_per_language(
    api, roadmap, one_calendar_day, django_assert_num_queries
):
    english = api.get(API)
    with django_assert_num_queries(1):  # a hit: the data version alone
        assert api.get(API).content == english.content
    french = api.get(API, HTTP_ACCEPT_LANGUAGE="fr")
    assert french["Content-Language"] == "fr"
    assert french["ETag"] != english["ETag"]
    with django_assert_num_queries(1):  # the French body is a hit of its own now
        assert api.get(API, HTTP_ACCEPT_LANGUAGE="fr").content == french.content
    with django_assert_num_queries(1):
        again = api.get(API)
    assert (again.content, again["ETag"], again["Content-Language"]) == (
        english.content,
        english["ETag"],
        "en-gb",
    )


def test_a_french_read_is_not_served_the_english_entry(api, roadmap, django_assert_max_num_queries):
    api.get(API)
    with django_assert_max_num_queries(100) as french:
        api.get(API, HTTP_ACCEPT_LANGUAGE="fr")
    assert len(french) > 1  # the view built it: no entry was found for French


def test_an_etag_of_one_language_does_not_revalidate_another(api, roadmap, one_calendar_day):
    etag = api.get(API)["ETag"]
    assert api.get(API, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get(API, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_LANGUAGE="ar").status_code == 200


def test_a_remembered_token_reader_is_answered_in_the_language_they_choose_next(
    shared_cache, token_client, french_analyst, roadmap
):
    assert token_client.get(API)["Content-Language"] == "fr"
    assert token_client.get(API)["Content-Language"] == "fr"  # remembered (with Redis)
    choose_language(user=french_analyst, language="ar")
    assert token_client.get(API)["Content-Language"] == "ar"


# The switcher.


def test_the_switcher_keeps_a_signed_in_users_choice(signed_in, french_analyst):
    response = signed_in.post("/i18n/setlang/", {"language": "ar", "next": "/admin/"})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert response.cookies["django_language"].value == "ar"
    french_analyst.preferences.refresh_from_db()
    assert french_analyst.preferences.language == "ar"
    # Wherever they sign in next, whatever their browser asks.
    assert signed_in.get(ADMIN, HTTP_ACCEPT_LANGUAGE="fr")["Content-Language"] == "ar"


def test_the_switcher_sets_only_the_cookie_for_an_anonymous_reader(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/login/"})
    assert (response.status_code, response["Location"]) == (302, "/admin/login/")
    assert response.cookies["django_language"].value == "fr"
    assert not Preferences.objects.exists()
    assert client.get(LOGIN)["Content-Language"] == "fr"


def test_the_switcher_refuses_to_send_anyone_to_another_site(client):
    response = client.post(
        "/i18n/setlang/",
        {"language": "fr", "next": "https://evil.example/"},
        HTTP_ACCEPT="text/html",
    )
    assert (response.status_code, response["Location"]) == (302, "/")


def test_the_switcher_keeps_no_language_the_tracker_does_not_speak(signed_in, french_analyst):
    signed_in.post("/i18n/setlang/", {"language": "de", "next": "/admin/"})
    french_analyst.preferences.refresh_from_db()
    assert french_analyst.preferences.language == "fr"


def test_the_switcher_takes_only_posts(client):
    assert client.get("/i18n/setlang/?language=fr").status_code == 405


def test_choosing_a_language_the_tracker_does_not_speak_is_refused(analyst):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        choose_language(user=analyst, language="de")
    assert not Preferences.objects.filter(user=analyst).exists()


def test_a_user_may_go_back_to_what_their_browser_asks(client, french_analyst, roadmap):
    choose_language(user=french_analyst, language="")
    client.force_login(french_analyst)
    assert client.get(API, HTTP_ACCEPT_LANGUAGE="ar")["Content-Language"] == "ar"


# The admin.


def test_the_admin_in_arabic_is_written_right_to_left(signed_in, french_analyst):
    choose_language(user=french_analyst, language="ar")
    page = signed_in.get(ADMIN).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "admin/css/rtl.css" in page


def test_the_admin_in_english_is_written_left_to_right(client, analyst):
    client.force_login(analyst)
    assert '<html lang="en-gb" dir="ltr">' in client.get(ADMIN).content.decode()


@pytest.mark.parametrize("signed_in_first", [True, False])
def test_every_admin_page_has_the_switcher(client, analyst, signed_in_first):
    if signed_in_first:
        client.force_login(analyst)
    page = client.get(ADMIN if signed_in_first else LOGIN, follow=True).content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert '<label for="language-switcher-language">' in page
    for code, name in [("en-gb", "English"), ("fr", "Français"), ("ar", "العربية")]:
        assert f'value="{code}" lang="{code}"' in page
        assert name in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_admin_keeps_its_site_header_and_title(client, analyst):
    client.force_login(analyst)
    page = client.get(ADMIN).content.decode()
    assert "Roadmap Tracker" in page.split("</title>")[0]
    assert 'id="site-name"' in page


def test_the_switcher_speaks_the_pages_language(client):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert ">Langue</label>" in page
    assert "Changer de langue</button>" in page


# The OpenAPI schema.


def test_every_operation_documents_lang_accept_language_and_content_language():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["headers"]["Content-Language"]["schema"]["enum"] == [
        "en-gb",
        "fr",
        "ar",
    ]
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            taken = {(p["in"], p["name"]) for p in operation["parameters"]}
            assert {("query", "lang"), ("header", "Accept-Language")} <= taken, (method, path)
            for status, response in operation["responses"].items():
                assert "Content-Language" in response["headers"], (method, path, status)

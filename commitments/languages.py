"""Which language a request is answered in (settings.LANGUAGES: English, French, Arabic).

The rule, first that applies:
1. on the API and the briefing pack, `?lang=xx` (CHOSEN_BY_QUERY; api.base refuses a language
   it does not speak: a 400);
2. the reader's own setting (Preferences.language), when they are signed in or send a token;
3. what their browser asks: the language cookie the switcher sets, else Accept-Language
   (Django's LocaleMiddleware, which runs first and says so in request.LANGUAGE_CODE);
4. LANGUAGE_CODE (British English).

Django's LocaleMiddleware does 3 and 4 before anyone is authenticated; UserLanguageMiddleware
(commitments.middleware) does 1 and 2 for the pages, and the API, which authenticates its
readers itself, does them once it knows who reads (api.base, and the response cache, which keys
its bodies by the language). LocaleMiddleware then labels every response with the language
active at its end (Content-Language) and says that it depends on Accept-Language (Vary)."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.translation import gettext

QUERY_PARAMETER = "lang"
# Where `?lang=` chooses: the API, and the briefing pack (a pack is asked for, and its address
# shared, in the language of its readers).
CHOSEN_BY_QUERY = ("/api/", "/briefing/")


def preferred_language(user) -> str | None:
    """The language `user` chose (Preferences.language), or None: anonymous, or no choice."""
    if user is None or not user.is_authenticated:
        return None
    try:
        language = user.preferences.language
    except ObjectDoesNotExist:
        return None
    # (A language taken out of LANGUAGES since it was chosen is no choice.)
    return supported(language) if language else None


def supported(code) -> str | None:
    """The language of LANGUAGES that answers for `code` ("fr", "fr-CA" and "fr-fr" are fr, "en"
    is en-gb), or None when the tracker does not speak it."""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def requested_language(query) -> str | None:
    """The language a request's `?lang=` asks for, when it is one of LANGUAGES' codes exactly
    (as the API's schema lists them)."""
    code = query.get(QUERY_PARAMETER)
    return code if code in dict(settings.LANGUAGES) else None


def unsupported_language_message(code):
    """Why `?lang=<code>` is refused, naming the languages there are."""
    codes = ", ".join(code for code, _name in settings.LANGUAGES)
    return gettext("'%(code)s' is not a language of the tracker. Choose one of: %(codes)s.") % {
        "code": code,
        "codes": codes,
    }


def activate_for(request, user, *, query=None):
    """Activates the language of `request` (a Django request) for `user` (None: as for an
    anonymous reader) and `query` (the API's query parameters, whose `lang` comes first), and
    records it in request.LANGUAGE_CODE. What the browser asked (request.LANGUAGE_CODE as
    LocaleMiddleware set it) is kept aside, so that the request can be decided again once its
    reader is known."""
    asked = getattr(request, "browser_language", None)
    if asked is None:
        asked = request.browser_language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    language = (
        (query is not None and requested_language(query)) or preferred_language(user) or asked
    )
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()
    return request.LANGUAGE_CODE

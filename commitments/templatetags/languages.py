"""A translated text in a page (commitments/translation.py): `{{ pillar|translated:"name" }}`
gives its name in the active language, or the English, marked `lang="en"` so that a screen
reader reads it, and a browser hyphenates it, as English."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from modeltranslation.utils import build_localized_fieldname

from commitments.models.languages import DEFAULT_LANGUAGE, active_language, in_language

register = template.Library()


@register.filter
def translated(instance, field):
    texts = {
        code: getattr(instance, build_localized_fieldname(field, code), None)
        for code in (DEFAULT_LANGUAGE, active_language())
    }
    text, in_english = in_language(texts, active_language())
    if in_english:
        return format_html('<span lang="en">{}</span>', text)
    return text


@register.simple_tag
def languages_by_their_own_names():
    """LANGUAGES, each by its own name ("Français", "العربية"), untranslated: for the language
    switcher, where a reader who cannot read the page's language still finds theirs (Django's
    get_available_languages would name them in the page's)."""
    return settings.LANGUAGES

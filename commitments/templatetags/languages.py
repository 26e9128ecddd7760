"""The language switcher's tags (templates/language_switcher.html)."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def languages_by_their_own_names():
    """LANGUAGES, each by its own name ("Français", "العربية"), untranslated: for the language
    switcher, where a reader who cannot read the page's language still finds theirs (Django's
    get_available_languages would name them in the page's)."""
    return settings.LANGUAGES

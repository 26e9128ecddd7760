"""The texts Editors may give in French and Arabic (django-modeltranslation): commitments'
titles, indicators' names (what each measures, its summary) and the names of pillars, themes
and places. The adopted text and every quote from a source stay English, as adopted. Where a
text has no translation it is shown in English, and marked so (commitments/models/languages.py
says how the columns are read)."""

from django.conf import settings
from modeltranslation.translator import TranslationOptions, translator

from commitments.models import Commitment, Indicator, Pillar, Place, Theme


class TitleOptions(TranslationOptions):
    fields = ("title",)
    required_languages = (settings.LANGUAGE_CODE,)  # the English is required in the admin


class NameOptions(TranslationOptions):
    fields = ("name",)
    required_languages = (settings.LANGUAGE_CODE,)
    # An untranslated name is NULL, not "": names are unique in each language.
    empty_values = None


translator.register(Commitment, TitleOptions)
translator.register([Indicator, Pillar, Theme, Place], NameOptions)

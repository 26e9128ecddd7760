"""The texts that Editors may give in French and Arabic besides English (commitments/translation.py
registers them with django-modeltranslation): a column a language, `title_en_gb`, `title_fr`,
`title_ar`, beside the field's own column, which always holds the English.

What modeltranslation does, and what the project keeps from it:
- a model's attribute (`commitment.title`) reads the active language's column, falling back
  to English (MODELTRANSLATION_FALLBACK_LANGUAGES): kept, so the admin and every read of a
  model instance speak the reader's language;
- its querysets rewrite `title` to the active language's column in filters, ordering and
  `.values()`: turned off (ColumnsAsNamed). The project's reads compile SQL once a process and
  prepare statements once a connection for every reader (selectors/raw_sql.py), and name
  `.values()` rows by their columns: one SQL for every language, which reads the language
  columns by their names and picks the reader's (in_language);
- it saves the active language's text into the field's own column: turned off
  (EnglishColumnCharField), so that SQL that reads the column (search, exports, the briefing
  pack) reads the adopted English whichever language the Editor who saved it reads.
"""

from django.conf import settings
from django.db import models
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
# The default language first.
LANGUAGE_CODES = [
    DEFAULT_LANGUAGE,
    *(code for code, _ in settings.LANGUAGES if code != DEFAULT_LANGUAGE),
]


def language_columns(name):
    """The columns of a translated field `name` (a path such as "pillar__name" too), one a
    language, the default language's first."""
    return [build_localized_fieldname(name, code) for code in LANGUAGE_CODES]


def active_language():
    """The active language among the project's, the default when none (or another) is."""
    code = translation.get_language() or DEFAULT_LANGUAGE
    if code in LANGUAGE_CODES:
        return code
    code = translation.get_supported_language_variant(code)
    return code if code in LANGUAGE_CODES else DEFAULT_LANGUAGE


def in_language(texts, language):
    """(text, in the default language for lack of one in `language`) of `texts`, a field's
    values by language code: `language`'s, or English's where it has none."""
    text = texts.get(language)
    if text:
        return text, False
    return texts.get(DEFAULT_LANGUAGE) or "", language != DEFAULT_LANGUAGE


def history_leaves_out(name):
    """The language columns of a translated field `name`, which its model's history leaves
    out: django-simple-history makes the historical model before modeltranslation adds them,
    and records the field's own column."""
    return language_columns(name)


class EnglishColumnCharField(models.CharField):
    """A CharField that modeltranslation translates, whose own column always holds the default
    language's text: modeltranslation would save the active language's there (the field's
    attribute reads it). Its translation columns are saved as given. Deconstructs as a
    CharField: the database does not see the difference."""

    def pre_save(self, model_instance, add):
        if getattr(self, "translated_field", None) is not None:  # a language's column
            return super().pre_save(model_instance, add)
        english = build_localized_fieldname(self.attname, DEFAULT_LANGUAGE)
        # (A historical model's copy of the field has no language columns beside it.)
        if getattr(model_instance, english, None):
            return getattr(model_instance, english)
        with translation.override(DEFAULT_LANGUAGE):
            return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class ColumnsAsNamed(models.QuerySet):
    """A queryset mixin for a model with translated fields: modeltranslation's rewriting of
    field names to the active language's columns is off (the module's docstring says why),
    so a queryset makes the same SQL in every language."""

    def _post_init(self):
        self._rewrite = False
        self._populate = None

    def _rewrite_applied_operations(self):
        pass

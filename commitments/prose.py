"""Dates and numbers as prose says them in the active language: "31 May 2026", "31 mai 2026",
and in Arabic the month's name between Arabic-Indic digits; "4,000,000", "4 000 000"; "52.5%",
"52,5 %". Used by the briefing pack and the emails.

Babel formats them from CLDR's data: Django's formats name the months in every language but
write Latin digits only, and Arabic prose is written here with Arabic-Indic digits (CLDR's
default numbering for "ar" is Latin since CLDR 42, so it is asked for by name). Codes (MIL-1),
ISO dates and file names are not prose and never pass through here."""

import datetime
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django.conf import settings
from django.utils import translation

# The digits of each language's prose, where they are not Latin (CLDR's numbering systems).
NUMBERING = {"ar": "arab"}
DIGITS = {"arab": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")}
# Dates in English keep the month abbreviations they had before there were other languages
# (Sep, Django's and American English's, where CLDR's British English has Sept).
DATE_LOCALES = {"en_GB": "en"}
# The same digits as a CSS counter style (the PDF's page numbers).
COUNTER_STYLES = {"latn": "decimal", "arab": "arabic-indic"}


def _language():
    return translation.get_language() or settings.LANGUAGE_CODE


def _locale():
    return translation.to_locale(_language())


def _numbering():
    return NUMBERING.get(_language().split("-")[0], "latn")


def digits(text):
    """`text` with its Latin digits written in the active language's."""
    table = DIGITS.get(_numbering())
    return text.translate(table) if table else text


def counter_style():
    """The CSS counter style that writes numbers in the active language's digits."""
    return COUNTER_STYLES[_numbering()]


def day(date: datetime.date, short=False):
    """1 December 2026 (1 Dec 2026, short); 1 décembre 2026."""
    locale = DATE_LOCALES.get(_locale(), _locale())
    return digits(format_date(date, "d MMM y" if short else "d MMMM y", locale=locale))


def year(date: datetime.date):
    return digits(format_date(date, "y", locale=_locale()))


def number(value, decimals=None):
    """A count or an amount, grouped as the language groups thousands; `decimals` fixes how
    many decimals it shows (else as many as it has)."""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return digits(format_decimal(value, pattern, locale=_locale(), numbering_system=_numbering()))


def percent(value):
    """A progress or an average (0 to 100) with the decimals it has: 52.5%, 52,5 %; 50.0%
    stays 50.0% (a Decimal's trailing zeros are its precision); a dash when there is none."""
    if value is None:
        return "\N{EN DASH}"
    locale, numbering = Locale.parse(_locale()), _numbering()
    shown = f"{value:g}"
    decimals = len(shown.partition(".")[2])
    pattern = locale.percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    text = format_percent(Decimal(shown) / 100, pattern, locale=locale, numbering_system=numbering)
    # Babel (2.19) takes the separators of the numbering system, not its digits nor its sign.
    return digits(text.replace("%", locale.number_symbols[numbering]["percentSign"]))

"""The currencies a contribution of funds may be recorded in: ISO 4217 alphabetic codes.

Python's standard library has no list of them. This is ISO 4217's List One (current currencies)
as amended up to 2025, without fund codes (BOV, CLF, USN, ...), precious metals (XAU, XAG, ...)
and testing codes (XTS, XXX); the IMF's special drawing right (XDR) stays, since international
organisations pledge in it. The currencies withdrawn since the Paris Roadmap (25 June 2019) stay
too: a pledge made in Croatian kuna in 2020 is recorded as it was made. A code added by a later
amendment of ISO 4217 is added here.
"""

from django.utils.translation import gettext_lazy as _

CURRENT = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XCG",
        "XDR",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
    ]
)

# Withdrawn since 25 June 2019, each replaced as said.
WITHDRAWN_SINCE_THE_ROADMAP = {
    "ANG": "XCG",  # Netherlands Antillean guilder, 2025
    "BGN": "EUR",  # Bulgarian lev, 2026
    "CUC": "CUP",  # Cuban convertible peso, 2021
    "HRK": "EUR",  # Croatian kuna, 2023
    "SLL": "SLE",  # Sierra Leonean leone, redenominated in 2022
    "ZWL": "ZWG",  # Zimbabwean dollar, 2024
}

CODES = CURRENT | frozenset(WITHDRAWN_SINCE_THE_ROADMAP)

# Offered first when a contribution is recorded: the currencies most pledges are made in.
USUAL = ("EUR", "USD", "GBP")


def grouped_choices(used):
    """The currencies as a form offers them, in groups: the usual ones (USUAL), then the others
    already `used` in contributions, then the rest, the last two in alphabetical order."""
    used = sorted(set(used) - set(USUAL))
    rest = sorted(CODES - set(USUAL) - set(used))
    groups = [(_("Usual"), USUAL), (_("Already used"), used), (_("Others"), rest)]
    return [(label, [(code, code) for code in codes]) for label, codes in groups if codes]

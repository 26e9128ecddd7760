"""Large numbers as analysts type them: "21,500,000,000" or "21 500 000 000" is 21500000000.

Thousands may be grouped with commas or spaces (the no-break and narrow no-break spaces that
copying from a report brings included), one kind of separator a number. A point marks the
decimals. What could be read two ways is refused with a message rather than guessed: "21,5"
is 21.5 in much of Europe and 215 nowhere, "21.500.000" is 21 million there. The API takes
JSON numbers and needs none of this.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The spaces that group thousands: space, no-break space, thin space, narrow no-break space.
SPACES = " \u00a0\u2009\u202f"
# A number whose thousands are grouped by one separator throughout (a comma or a space), or
# not grouped at all; decimals after a point. Written so that JavaScript's RegExp reads it
# too: the field gives it to number-words.js, which checks as the server does.
GROUPED_NUMBER = (
    rf"^-?(?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:[{SPACES}]\d{{3}})+|\d+)(?:\.\d+)?$|^-?\.\d+$"
)
_GROUPED = re.compile(GROUPED_NUMBER)

DECIMAL_COMMA_MESSAGE = _(
    "Use a point for decimals: %(suggestion)s, not %(value)s. Commas and spaces only group "
    "thousands (21,500,000)."
)
MESSAGE = _(
    "Enter a number such as 21500000, 21,500,000 or 21 500 000, with a point for decimals "
    "(2.5); thousands in groups of three, with one kind of separator."
)


def parse_number(text):
    """The Decimal `text` spells, as module docstring says; ValidationError otherwise."""
    value = text.strip()
    if _GROUPED.match(value):
        return Decimal(re.sub(rf"[,{SPACES}]", "", value))
    # "21,5" or "1 234,56": a decimal comma, the one mistake worth naming.
    decimal_comma = re.fullmatch(rf"(-?[\d{SPACES}.]*\d),(\d{{1,2}}|\d{{4,}})", value)
    if decimal_comma and "." not in value:
        whole, decimals = decimal_comma.groups()
        raise ValidationError(
            DECIMAL_COMMA_MESSAGE,
            code="decimal_comma",
            params={"suggestion": f"{whole}.{decimals}", "value": value},
        )
    raise ValidationError(MESSAGE, code="invalid")


class GroupedDecimalField(forms.DecimalField):
    """A DecimalField that takes thousands separators (parse_number). A text input, since a
    number input refuses a comma in the browser before the server can say why; the number is
    shown in words beside it as it is typed (static/commitments/number-words.js)."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            value = str(parse_number(value))
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        return {
            **attrs,
            "inputmode": "decimal",
            "autocomplete": "off",
            "data-number-pattern": GROUPED_NUMBER,
        }


# For a ModelAdmin's formfield_overrides: every decimal field of its form takes grouped numbers.
GROUPED_DECIMALS = {"form_class": GroupedDecimalField}

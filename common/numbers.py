"""The one way a number is written for people: grouped in the page's language (1.312 in Indonesian, 1,312 in English).

Templates write `{{ n }}` (USE_THOUSAND_SEPARATOR) or `{{ n|number }}`
(this module is a template builtin); messages and documents built in
Python call `number(n)`. Downloads (CSV, XLSX) and command output keep
plain values: scripts read them.
"""
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def number(value, decimals=0):
    """`value` grouped in the active language, with up to `decimals` places (none for a whole number); "" for None."""
    if value is None or value == "":
        return ""
    places = int(decimals)
    # A Fraction or a float through float: str() of a Fraction is "12/5".
    exact = value if isinstance(value, (int, Decimal)) else Decimal(str(float(value)))
    rounded = Decimal(exact).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        rounded, places = rounded.to_integral_value(), 0
    return number_format(rounded, decimal_pos=places or None, use_l10n=True, force_grouping=True)

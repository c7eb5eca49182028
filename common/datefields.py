"""The day and month fields of every form and filter: a date the office's calendar can work with.

They are text fields, typed the Indonesian way (DD-MM-YYYY, MM-YYYY) and read
by the server: a browser's date picker shows the browser's language and
order (mm/dd/yyyy on an English PC). ISO dates (YYYY-MM-DD, YYYY-MM), which
links and scripts send, are read too.

A date far from today (year 9999, year 1) is refused next to its field with
a sentence, so that no desk does arithmetic past the calendar's end (the
first of the month after December 9999, midnight of 1 January 1 in WITA)
and answers 500. A filter with a refused value is ignored, and the list
shows its error beside the field.
"""
from datetime import date

import django_filters
from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)


DAY_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
MONTH_FORMATS = ("%m-%Y", "%m/%Y", "%Y-%m")


class DayField(forms.DateField):
    """A day from FIRST_DAY to LAST_DAY, typed as DD-MM-YYYY (or another of `input_formats`)."""

    widget = forms.DateInput(attrs={"placeholder": _("DD-MM-YYYY"), "inputmode": "numeric", "autocomplete": "off"}, format="%d-%m-%Y")
    default_error_messages = {"invalid": _("Enter a date as DD-MM-YYYY, e.g. 17-08-2018.")}

    def __init__(self, *, input_formats=DAY_FORMATS, **kwargs):
        super().__init__(input_formats=list(input_formats), **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a date from %(first)s to %(last)s.")
                % {"first": date_format(FIRST_DAY, "SHORT_DATE_FORMAT"), "last": date_format(LAST_DAY, "SHORT_DATE_FORMAT")},
                code="out_of_range")


class MonthField(DayField):
    """A month typed as MM-YYYY (or YYYY-MM); its value is the first day of that month."""

    widget = forms.DateInput(attrs={"placeholder": _("MM-YYYY"), "inputmode": "numeric", "autocomplete": "off"}, format="%m-%Y")
    default_error_messages = {"invalid": _("Enter a month as MM-YYYY, e.g. 05-2018.")}

    def __init__(self, *, input_formats=MONTH_FORMATS, **kwargs):
        super().__init__(input_formats=input_formats, **kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class DayFilter(django_filters.DateFilter):
    field_class = DayField


class MonthFilter(django_filters.DateFilter):
    field_class = MonthField

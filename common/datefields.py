"""The day and month fields of every form and filter: a date the office's calendar can work with.

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


class DayField(forms.DateField):
    """A day from FIRST_DAY to LAST_DAY, typed or picked as YYYY-MM-DD (or another of `input_formats`)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a date from %(first)s to %(last)s.")
                % {"first": date_format(FIRST_DAY, "SHORT_DATE_FORMAT"), "last": date_format(LAST_DAY, "SHORT_DATE_FORMAT")},
                code="out_of_range")


class MonthField(DayField):
    """A month typed or picked as YYYY-MM; its value is the first day of that month."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, e.g. 2018-05.")}

    def __init__(self, *, input_formats=("%Y-%m",), **kwargs):
        super().__init__(input_formats=list(input_formats), **kwargs)

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class DayFilter(django_filters.DateFilter):
    field_class = DayField


class MonthFilter(django_filters.DateFilter):
    field_class = MonthField

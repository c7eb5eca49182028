"""The form plumbing every app shares: one way to render a field, and a count typed the Indonesian way.

`FieldRenderer` (settings.FORM_RENDERER) renders `{{ field.as_field_group }}`
with templates/_field.html everywhere: label, input, help text and the
server's own error sentences. Forms carry `novalidate`, so the browser's
own bubbles (in the browser's language) never stand in for them.
"""
import re

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _


class FieldRenderer(TemplatesSetting):
    field_template_name = "_field.html"


# Thousands grouped with dots (1.600) or spaces, as a clerk types them; never a decimal point.
_GROUPED = re.compile(r"^\d{1,3}([. ]\d{3})+$")


class CountField(forms.IntegerField):
    """A whole number of things (blanks, days): "1600" and "1.600" alike are 1600; a text field, so no browser spinner or bubble."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {"invalid": _("Enter a whole number, for example 1600 or 1.600.")}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if _GROUPED.match(value):
                value = re.sub(r"[. ]", "", value)
            elif value and not value.isdigit():
                # Django would read "16.00" as 16; typed here it is a mistyped 1.600 or a fraction, both refused.
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

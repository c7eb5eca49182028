"""The residents' two forms: NIK, birth date and mother's name for 'my card', a Suket's number."""
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from common.datefields import DayField


class MyCardForm(forms.Form):
    nik = forms.CharField(
        label="NIK", max_length=40, help_text=_("16 digits, as on your family card (KK)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    tanggal_lahir = DayField(label=_("Date of birth"))

    # Not required: a missing answer is a wrong one, and gets the same "not found" (public.views.my_card).
    nama_ibu = forms.CharField(
        label=_("Mother's maiden name"), max_length=200, required=False,
        help_text=_("Your birth mother's name, as on your family card (KK)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_nik(self):
        nik = re.sub(r"[\s.-]", "", self.cleaned_data["nik"])
        if not re.fullmatch(r"[0-9]{16}", nik):
            raise forms.ValidationError(_("A NIK is 16 digits."), code="format")
        return nik


class SuketNumberForm(forms.Form):
    nomor = forms.CharField(
        label=_("Suket number"), max_length=40, help_text=_("As printed on the Suket, for example 5371-201807-3FA2C91B."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_nomor(self):
        number = self.cleaned_data["nomor"].strip().upper()
        if not re.fullmatch(r"[A-Z0-9-]+", number):
            raise forms.ValidationError(_("A Suket number has only letters, digits and dashes."), code="format")
        return number

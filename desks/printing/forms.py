"""The print and pickup desks' forms: each refuses bad input with a sentence next to its field."""
import re
from datetime import datetime, timezone as dt_timezone

from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from printing.models import Collector
from registry.nik import InvalidNik, check_nik

MAX_BATCH = 500
_SALT = "printing.batch.listed_at"
_SEPARATORS = re.compile(r"[\s,;]+")


def listed_at_token() -> str:
    """When the batch form was shown, signed: the spoil batch's guard against a resent form."""
    return signing.dumps(timezone.now().timestamp(), salt=_SALT)


class BatchForm(forms.Form):
    """NIKs scanned or typed at the print desk, all printed or all spoiled (with one reason)."""

    PRINTED, SPOILED = "printed", "spoiled"

    niks = forms.CharField(
        label=_("NIKs"), widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Scan or type the NIKs, one per line (spaces or commas also separate them)."),
        error_messages={"required": _("Scan or type at least one NIK.")},
    )
    action = forms.ChoiceField(
        label=_("What happened"), choices=[(PRINTED, _("Printed")), (SPOILED, _("Spoiled"))],
        widget=forms.RadioSelect, initial=PRINTED,
    )
    reason = forms.CharField(label=_("Why the blanks were spoiled"), max_length=300, required=False)
    out_of_order_reason = forms.CharField(
        label=_("Why cards out of print order are printed now"), max_length=300, required=False,
        help_text=_("Only for cards that are not among the next %(window)d in print order.") % {"window": settings.PRINT_OUT_OF_ORDER_WINDOW},
    )
    listed_at = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["listed_at"].initial = listed_at_token()

    def clean_niks(self):
        tokens = [token for token in _SEPARATORS.split(self.cleaned_data["niks"]) if token]
        if not tokens:
            raise forms.ValidationError(_("Scan or type at least one NIK."))
        if len(tokens) > MAX_BATCH:
            raise forms.ValidationError(_("At most %(max)d NIKs at a time; send the rest in another batch.") % {"max": MAX_BATCH})
        bad = []
        niks = []
        for token in tokens:
            try:
                niks.append(check_nik(token))
            except InvalidNik as problem:
                bad.append(f"{token}: {problem}")
        if bad:
            raise forms.ValidationError([_("Not a valid NIK, nothing was marked: %(problem)s") % {"problem": line} for line in bad])
        return list(dict.fromkeys(niks))

    def clean_listed_at(self):
        try:
            stamp = signing.loads(self.cleaned_data["listed_at"], salt=_SALT, max_age=settings.SESSION_COOKIE_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(_("This form was open too long. Check the NIKs and send it again.")) from None
        return datetime.fromtimestamp(stamp, tz=dt_timezone.utc)

    def clean(self):
        data = super().clean()
        if data.get("action") == self.SPOILED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the blanks were spoiled."))
        return data


class ScanForm(forms.Form):
    """One NIK from a barcode scanner (it types the digits and presses Enter) or the keyboard: that card is marked printed."""

    nik = forms.CharField(
        label=_("Scan or type a NIK"), max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false", "enterkeyhint": "done"}),
        error_messages={"required": _("Scan or type a NIK.")},
    )

    def clean_nik(self):
        try:
            return check_nik(self.cleaned_data["nik"])
        except InvalidNik as problem:
            raise forms.ValidationError(_("Not a valid NIK, nothing was marked: %(problem)s") % {"problem": problem}) from None


class OutOfOrderForm(forms.Form):
    out_of_order_reason = forms.CharField(
        label=_("Why this card is printed now"), max_length=300,
        help_text=_("Kept in the card's history with your name."),
        error_messages={"required": _("Say why this card is printed before its turn.")},
    )


class SpoilForm(forms.Form):
    reason = forms.CharField(label=_("Why the blank was spoiled"), max_length=300,
                             help_text=_("For example: card jammed in the printer, ribbon ran out, print smudged."),
                             error_messages={"required": _("Say why the blank was spoiled.")})


class PickupForm(forms.Form):
    """Who takes the card. The holder needs nothing typed; anyone else gives a name, a NIK and why they may."""

    collected_as = forms.ChoiceField(label=_("Who is collecting the card"), choices=Collector.choices, widget=forms.RadioSelect,
                                     initial=Collector.SELF, error_messages={"required": _("Say who is collecting the card.")})
    name = forms.CharField(label=_("Collector's name"), max_length=200, required=False,
                           help_text=_("As on their e-KTP. Not needed when the holder collects in person."))
    nik = forms.CharField(label=_("Collector's NIK"), max_length=30, required=False,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                          help_text=_("16 digits, from their e-KTP. A family member's NIK must be on the holder's family card (KK)."))

    # The service's sentences, each shown next to the field it is about.
    FIELD_OF_CODE = {"collected_as": "collected_as", "name": "name", "nik": "nik", "family_card": "nik"}

    def clean(self):
        data = super().clean()
        if data.get("collected_as") in (Collector.FAMILY, Collector.ATTORNEY):
            data["name"] = " ".join(data.get("name", "").split())
            if not data["name"]:
                self.add_error("name", _("Write the name of the person collecting the card."))
            if not data.get("nik", "").strip():
                self.add_error("nik", _("Write the NIK of the person collecting the card."))
        return data

    def add_service_error(self, error) -> None:
        """A refusal of backlog.desks.record_pickup, next to its field."""
        for item in error.error_list:
            self.add_error(self.FIELD_OF_CODE.get(item.code), item.messages[0])


class PickupSearchForm(forms.Form):
    q = forms.CharField(label=_("NIK or name"), max_length=200, required=False,
                        help_text=_("A full NIK finds the card in any state; a name finds cards ready for pickup."))

    def clean_q(self):
        query = " ".join(self.cleaned_data["q"].split())
        compact = query.replace(" ", "").replace(".", "").replace("-", "")
        if compact.isdigit():
            if len(compact) != 16:
                raise forms.ValidationError(_("NIK must be 16 digits"))
            return compact
        if query and len(query) < 3:
            raise forms.ValidationError(_("Type at least 3 letters of the name."))
        return query

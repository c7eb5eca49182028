"""Forms of the stock desk, the dashboard and the requests page: each says what is wrong next to the field."""
from django import forms
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from common.datefields import DayField, MonthField
from common.forms import CountField
from common.numbers import number
from inventory.models import BlankRequest

# Far more than any delivery or count an office sees; keeps a typo of three extra zeros out.
MAX_BLANKS = 1_000_000


class ReceiptForm(forms.Form):
    """Blanks that arrived: against a request sent to the ministry, with the delivery note that came with them."""

    request = forms.ModelChoiceField(label=_("Against request"), queryset=BlankRequest.objects.none(), required=False,
                                     empty_label=_("(none: give a reference)"))
    reference = forms.CharField(label=_("Reference (letter number)"), max_length=200, required=False,
                                help_text=_("Filled in from the request when one is chosen."))
    quantity = CountField(label=_("Blanks received"), min_value=1, max_value=MAX_BLANKS)
    delivery_note = forms.CharField(label=_("Delivery note number"), max_length=100)
    carried_by = forms.CharField(label=_("Carried by"), max_length=200)
    beyond_expected = forms.BooleanField(label=_("The ministry sent more than the request still expects: book them all"), required=False)

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["request"]
        field.queryset = (BlankRequest.objects.filter(office=office, status=BlankRequest.Status.SENT)
                          .annotate(received=Coalesce(Sum("receipts__quantity"), 0)).order_by("-sent_on", "-pk"))
        field.label_from_instance = _still_expected_label

    def clean(self):
        data = super().clean()
        request = data.get("request")
        if request is not None and not data.get("reference"):
            data["reference"] = request.reference
        if request is None and not data.get("reference") and "reference" not in self.errors:
            self.add_error("reference", _("Choose the request the blanks came against, or give a reference."))
        return data


def _still_expected_label(request: BlankRequest) -> str:
    """A request as the receipt form lists it: what it still expects, not what it asked."""
    return _("%(reference)s: %(expected)s still expected (%(asked)s asked)") % {
        "reference": request.reference, "expected": number(max(0, request.quantity - request.received)),
        "asked": number(request.quantity)}


class SpoilageForm(forms.Form):
    """Blanks found ruined in the store room, written off with their damage report."""

    quantity = CountField(label=_("Blanks spoiled"), min_value=1, max_value=MAX_BLANKS)
    reference = forms.CharField(label=_("Damage report number (berita acara)"), max_length=200)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReceiptCorrectionForm(forms.Form):
    """A receipt booked with a wrong quantity: the right quantity and why."""

    quantity = CountField(label=_("Right quantity"), min_value=0, max_value=MAX_BLANKS)
    reason = forms.CharField(label=_("Why (what was wrong)"), max_length=300)


class StockCountForm(forms.Form):
    counted = CountField(label=_("Blanks counted"), min_value=0, max_value=MAX_BLANKS)
    note = forms.CharField(label=_("When and where it was counted"), max_length=300)


class LeadTimeForm(forms.Form):
    lead_time = CountField(label=_("Lead time (days)"), min_value=1, max_value=365,
                                   help_text=_("Days from sending a request until its blanks arrive."))


class DraftRequestForm(forms.Form):
    reference = forms.CharField(label=_("Letter number"), max_length=100)
    quantity = CountField(label=_("Blanks to ask for"), min_value=1, max_value=MAX_BLANKS)
    note = forms.CharField(label=_("Note (the reasoning)"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class OfficeDayForm(forms.Form):
    """A form whose dates are checked against the office's `today` (common.dates.local_day), given by the view."""

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today


class SendRequestForm(OfficeDayForm):
    sent_on = DayField(label=_("Sent on"))

    def clean_sent_on(self):
        sent_on = self.cleaned_data["sent_on"]
        if sent_on > self.today:
            raise forms.ValidationError(_("The date sent cannot be in the future."))
        return sent_on


# Reports: each period is checked next to its field.

MAX_REPORT_MONTHS = 60
MAX_MINUTES_DAYS = 366


def month_index(month) -> int:
    return month.year * 12 + month.month - 1


class MonthlyReportForm(OfficeDayForm):
    since = MonthField(label=_("From month"))
    until = MonthField(label=_("To month"))

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since > self.today:
            raise forms.ValidationError(_("The report cannot start in a month that has not begun."))
        return since

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until > self.today:
            raise forms.ValidationError(_("The report cannot run into a month that has not begun."))
        return until

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", _("The last month cannot be before the first month."))
            elif month_index(until) - month_index(since) + 1 > MAX_REPORT_MONTHS:
                self.add_error("since", _("At most %(months)d months in one report.") % {"months": MAX_REPORT_MONTHS})
        return data


class SpoilageMinutesForm(OfficeDayForm):
    since = DayField(label=_("From"))
    until = DayField(label=_("To"))

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until > self.today:
            raise forms.ValidationError(_("The period cannot end in the future."))
        return until

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", _("The end of the period cannot be before its start."))
            elif (until - since).days + 1 > MAX_MINUTES_DAYS:
                self.add_error("since", _("At most %(days)d days in one berita acara.") % {"days": MAX_MINUTES_DAYS})
        return data

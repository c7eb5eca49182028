"""Forms of the registry desks: each checks its input and says what is wrong next to the field."""
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from common.datefields import DayField
from registry.ages import MARRIED
from registry.models import Enrollment, EnrollmentState, MaritalStatus
from registry.nik import InvalidNik, check_nik

VOID = "void"


class NikForm(forms.Form):
    nik = forms.CharField(label="NIK", max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def clean_nik(self):
        try:
            return check_nik(self.cleaned_data["nik"].strip())
        except InvalidNik as exc:
            raise forms.ValidationError(str(exc)) from None


class VisitForm(forms.Form):
    """A case flagged by the centre: the resident came in, and these documents went to the centre for adjudication."""

    visited_on = DayField(label=_("The resident came in on"))
    documents = forms.CharField(label=_("Documents sent for adjudication"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_visited_on(self):
        visited_on = self.cleaned_data["visited_on"]
        if visited_on > self.today:
            raise forms.ValidationError(_("The visit cannot be after today."))
        return visited_on


class DuplicateSearchForm(forms.Form):
    """The duplicates desk's search: a NIK (or its start) or words of a name, open or closed cases, one import's cases."""

    OPEN, CLOSED, ALL = "open", "closed", "all"

    q = forms.CharField(label=_("NIK or name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Cases"), required=False,
                               choices=[(OPEN, _("open")), (CLOSED, _("closed")), (ALL, _("all"))])
    impor = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def filters(self) -> dict:
        """The selector's keyword arguments: open cases unless asked otherwise; every case of one import (its count)."""
        data = {}
        if self.is_bound:
            self.is_valid()  # a field refused says so beside it; the valid ones still apply
            data = self.cleaned_data
        run_id = data.get("impor")
        return {"search": data.get("q") or "", "run_id": run_id,
                "status": data.get("status") or (self.ALL if run_id else self.OPEN)}


class ResolveDuplicateForm(forms.Form):
    """Keep one record (the earliest date is kept) or void them all; the note says what the resident showed."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose the record to keep, or void them all.")})
    note = forms.CharField(label=_("Documents the resident showed (KTP, KK, birth certificate)"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Note which documents the resident showed (KTP, KK, birth certificate) before closing the case.")})

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = [r for r in case.enrollments.all() if r.state == EnrollmentState.ON_HOLD]
        choices = [(str(r.pk), _("Keep the data recorded on %(date)s (%(name)s)") % {"date": date_format(r.enrolled_on, "SHORT_DATE_FORMAT"), "name": r.name}) for r in self.records]
        self.fields["decision"].choices = choices + [(VOID, _("Void every record: not a valid enrollment"))]

    def keep(self):
        decision = self.cleaned_data["decision"]
        return None if decision == VOID else next(r for r in self.records if str(r.pk) == decision)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("SIAK export (CSV or Excel .xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > settings.UPLOAD_MAX_MEGABYTES * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is %(size)s; the largest file accepted is %(limit)s MB. Split the export into smaller "
                  "files (per kecamatan or per month) and upload them one by one.")
                % {"size": filesizeformat(upload.size), "limit": settings.UPLOAD_MAX_MEGABYTES})
        return upload


class ReasonForm(forms.Form):
    """Every correction says why."""

    reason = forms.CharField(label=_("Why (what was wrong)"), max_length=300,
                             error_messages={"required": _("Say why this is corrected.")})


class EditRecordForm(ReasonForm):
    """An imported record's name, place of birth and address, corrected before its card is printed."""

    field_order = ["name", "birth_place", "address", "rt", "rw", "village", "subdistrict", "reason"]

    def __init__(self, *args, enrollment, fields, **kwargs):
        super().__init__(*args, initial={name: getattr(enrollment, name) for name in fields}, **kwargs)
        self.fields.update(forms.fields_for_model(Enrollment, fields=fields))
        self.order_fields(self.field_order)

    def values(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "reason"}


class MarriageForm(forms.Form):
    """A marriage shown at the desk: the certificate's number, and what the record says now."""

    certificate = forms.CharField(label=_("Number of the marriage certificate (akta nikah or buku nikah)"), max_length=300,
                                  error_messages={"required": _("Type the number of the marriage certificate.")})
    marital_status = forms.ChoiceField(label=_("Marital status"), initial=MaritalStatus.MARRIED,
                                       choices=[(code, label) for code, label in MaritalStatus.choices if code in MARRIED])

"""Tables of the registry desks (django-tables2)."""
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from registry.models import Enrollment, TemporaryCertificate


class EnrollmentTable(tables.Table):
    nik = tables.LinkColumn("enrollment_detail", args=[tables.A("pk")], verbose_name="NIK")
    name = tables.Column(verbose_name=_("Name"))
    enrolled_on = tables.DateColumn(short=True, verbose_name=_("Enrollment date"))
    subdistrict = tables.Column(verbose_name=_("Subdistrict"))
    village = tables.Column(verbose_name=_("Village"))
    state = tables.Column(verbose_name=_("State"))

    class Meta:
        model = Enrollment
        fields = ("nik", "name", "enrolled_on", "subdistrict", "village", "state")
        order_by = ("enrolled_on",)
        attrs = {"class": "data"}
        empty_text = _("No enrollments match.")

    def order_enrolled_on(self, queryset, is_descending):
        # id breaks ties, as in the queue rule: the order a clerk sees is the print order.
        prefix = "-" if is_descending else ""
        return queryset.order_by(f"{prefix}enrolled_on", f"{prefix}id"), True


class SuketTable(tables.Table):
    number = tables.LinkColumn("suket_detail", args=[tables.A("pk")], verbose_name=_("Number"))
    nik = tables.Column(accessor="enrollment__nik", verbose_name="NIK", order_by="enrollment__nik")
    name = tables.Column(accessor="enrollment__name", verbose_name=_("Name"), order_by="enrollment__name")
    issued_on = tables.DateColumn(short=True, verbose_name=_("Issued on"))
    valid_until = tables.DateColumn(short=True, verbose_name=_("Valid until"))
    card = tables.Column(accessor="enrollment__state", verbose_name=_("Card"), orderable=False)

    class Meta:
        model = TemporaryCertificate
        fields = ("number", "nik", "name", "issued_on", "valid_until", "card")
        order_by = ("valid_until",)
        attrs = {"class": "data"}
        empty_text = _("No Suket.")

    def render_card(self, record):
        return record.enrollment.get_state_display()

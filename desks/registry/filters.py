"""Filters of the enrollments desk: each one served by an index on a million rows."""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.datefields import MONTH_FORMATS, MonthFilter
from common.dates import month_after
from registry.models import Enrollment, EnrollmentState, TemporaryCertificate
from registry.names import with_name_words


class EnrollmentFilter(django_filters.FilterSet):
    nik = django_filters.CharFilter(label="NIK", method="filter_nik")
    name = django_filters.CharFilter(label=_("Name"), method="filter_name")
    month = MonthFilter(label=_("Enrollment month"), method="filter_month", input_formats=[*MONTH_FORMATS, "%Y-%m-%d"])
    subdistrict = django_filters.CharFilter(label=_("Subdistrict (kecamatan)"), lookup_expr="iexact")
    village = django_filters.CharFilter(label=_("Village (kelurahan/desa)"), lookup_expr="iexact")
    state = django_filters.ChoiceFilter(label=_("State"), choices=EnrollmentState.choices, empty_label=_("all"))

    class Meta:
        model = Enrollment
        fields = []

    def filter_nik(self, queryset, name, value):
        # A full NIK is an index lookup. A prefix is the range of sixteen-digit NIKs it starts (every NIK is sixteen digits),
        # which reads the (office, nik, ...) index in any collation; LIKE 'prefix%' does so only in the C collation.
        value = "".join(ch for ch in value if ch.isdigit())[:16]
        return queryset.filter(nik=value) if len(value) == 16 else queryset.filter(nik__range=(value.ljust(16, "0"), value.ljust(16, "9")))

    def filter_name(self, queryset, name, value):
        # The records with a word starting with each word typed ("yoh nd" finds Yohanes Ndoen), off the name-words index.
        return with_name_words(queryset, value)

    def filter_month(self, queryset, name, value):
        start = value.replace(day=1)
        return queryset.filter(enrolled_on__gte=start, enrolled_on__lt=month_after(start))


class SuketFilter(django_filters.FilterSet):
    nik = django_filters.CharFilter(label="NIK", field_name="enrollment__nik")
    number = django_filters.CharFilter(label=_("Number"), lookup_expr="iexact")

    class Meta:
        model = TemporaryCertificate
        fields = []


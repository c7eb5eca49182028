"""Filters of the pickup desk's list of ready cards."""
from datetime import date

import django_filters
from django.utils.translation import gettext_lazy as _

from common.datefields import MonthFilter
from common.dates import month_after
from printing.models import PrintJob
from printing.selectors import printed_before

WAITING_CHOICES = [(30, _("more than 30 days")), (90, _("more than 3 months")), (180, _("more than 6 months")), (365, _("more than a year"))]


class ReadyCardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("NIK or name"), method="filter_query")
    month = MonthFilter(label=_("Enrollment month"), method="filter_month")
    printed_days_ago = django_filters.ChoiceFilter(
        label=_("Printed and waiting"), choices=WAITING_CHOICES, empty_label=_("any time"), method="filter_printed_days_ago",
    )

    class Meta:
        model = PrintJob
        fields = []

    def filter_query(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(enrollment__nik__startswith=value)
        for word in value.split():
            queryset = queryset.filter(enrollment__name__icontains=word)
        return queryset

    def filter_month(self, queryset, name, value: date):
        start = value.replace(day=1)
        return queryset.filter(enrolled_on__gte=start, enrolled_on__lt=month_after(start))

    def filter_printed_days_ago(self, queryset, name, value):
        return queryset.filter(printed_at__lt=printed_before(int(value)))

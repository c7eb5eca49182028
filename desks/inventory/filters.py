"""Filters of the ledger table: kind and dates, served by the (office, created_at) index."""
from datetime import timedelta

import django_filters
from django.utils.translation import gettext_lazy as _

from common.datefields import DayFilter
from common.dates import local_midnight
from inventory.models import BlankMovement, MovementKind


class MovementFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=MovementKind.choices, empty_label=_("all"))
    since = DayFilter(label=_("From"), method="filter_since")
    until = DayFilter(label=_("To"), method="filter_until")

    class Meta:
        model = BlankMovement
        fields = []

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.office = office  # its days begin at the office's midnight

    def filter_since(self, queryset, name, value):
        return queryset.filter(created_at__gte=local_midnight(value, self.office))

    def filter_until(self, queryset, name, value):
        return queryset.filter(created_at__lt=local_midnight(value + timedelta(days=1), self.office))

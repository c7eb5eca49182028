"""Admin: offices, users and roles. Everything else changes through the desks' services."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from backlog.ledger import set_time_zone
from backlog.offices import create_office
from registry.models import Office, User


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "time_zone")
    list_filter = ("time_zone",)
    search_fields = ("code", "name")

    def get_exclude(self, request, obj=None):
        # A new office takes its province's zone (create_office); it can be changed once the office exists.
        return ("time_zone",) if obj is None else ()

    def save_model(self, request, obj, form, change):
        if change:
            # A change of zone goes through the write side, which writes the monthly figures again under the ledger lock.
            wanted = obj.time_zone
            obj.time_zone = form.initial["time_zone"]
            super().save_model(request, obj, form, change)
            set_time_zone(office=obj, time_zone=wanted, by=request.user)
            return
        # A new office needs its ledger and counts: the same service as `create_office`.
        office = create_office(code=obj.code, name=obj.name, by=request.user)
        Office.objects.filter(pk=office.pk).update(address=obj.address, opening_hours=obj.opening_hours,
                                                   request_lead_time_days=obj.request_lead_time_days)
        obj.pk = office.pk


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "office", "role", "is_active")
    list_filter = ("office", "role", "is_active")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Office and role"), {"fields": ("office", "role")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Office and role"), {"fields": ("office", "role")}),)

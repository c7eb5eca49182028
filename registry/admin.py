"""Admin: offices, users and roles. Everything else changes through the desks' services."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from backlog.offices import create_office

from .models import Office, User


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new office needs its ledger and counts: the same service as `create_office`.
        office = create_office(code=obj.code, name=obj.name)
        Office.objects.filter(pk=office.pk).update(address=obj.address, opening_hours=obj.opening_hours,
                                                   request_lead_time_days=obj.request_lead_time_days)
        obj.pk = office.pk


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "office", "role", "is_active")
    list_filter = ("office", "role", "is_active")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Office and role"), {"fields": ("office", "role")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Office and role"), {"fields": ("office", "role")}),)

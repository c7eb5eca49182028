"""Offices: a new one with its empty ledger, counts and its province's clock, and the head's lead time for requests."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.dates import zone_of_region
from inventory.models import BlankStock
from people.roles import require
from registry.models import EnrollmentCounts, Office
from registry.nik import region_name


def create_office(*, code: str, by, name: str = "") -> Office:
    """An office, with its empty ledger and counts, on its province's time zone. Creating it again changes nothing."""
    require(by, "create_offices")
    code = (code or "").strip()
    if len(code) != 4 or not code.isdigit():
        raise ValidationError(_("The region code must be 4 digits, e.g. 5371."), code="code")
    name = (name or "").strip() or region_name(code)
    if not name:
        raise ValidationError(_("Region code %(code)s is not in the region table; give the office a name.") % {"code": code}, code="name")
    with transaction.atomic():
        office, created = Office.objects.get_or_create(code=code, defaults={"name": name, "time_zone": zone_of_region(code)})
        if created:
            BlankStock.objects.create(office=office)
            EnrollmentCounts.objects.create(office=office)
    return office


def set_request_lead_time(*, office: Office, days: int, by) -> Office:
    """The head sets how long the ministry takes to deliver; the dashboard's figure counts new enrollments over it."""
    require(by, "set_lead_time", office)
    if days is None or not 1 <= days <= 365:
        raise ValidationError(_("The lead time is between 1 and 365 days."), code="lead_time")
    Office.objects.filter(pk=office.pk).update(request_lead_time_days=days)
    office.request_lead_time_days = days
    return office

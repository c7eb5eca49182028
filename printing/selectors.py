"""Reads of the print queue."""
from django.db.models import QuerySet

from registry.models import Office

from .models import PrintJob

QUEUE_EXPORT_SQL = (
    "SELECT row_number() OVER (ORDER BY e.enrolled_on, e.id) AS position, e.nik AS nik, e.name AS nama,"
    " e.enrolled_on AS tanggal_rekam"
    " FROM printing_printjob j JOIN registry_enrollment e ON e.id = j.enrollment_id"
    " WHERE j.office_id = %s AND j.state = 'queued' ORDER BY e.enrolled_on, e.id"
)


def queue_in_print_order(office: Office) -> QuerySet:
    return (
        PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED)
        .select_related("enrollment")
        .order_by("enrollment__enrolled_on", "enrollment_id")
    )

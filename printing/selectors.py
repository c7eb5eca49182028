"""Reads of the print queue and the two desks."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from common.cells import escaped_sql
from common.dates import local_day, local_midnight
from inventory.models import BlankMovement, BlankStock, MovementKind
from registry.models import Enrollment, EnrollmentCounts, EnrollmentState, Office, TemporaryCertificate
from registry.names import with_name_words

from .models import PRINT_ORDER, PrintJob

# The name escaped in SQL (common.cells), so that COPY still streams straight from the server.
QUEUE_EXPORT_SQL = (
    "SELECT row_number() OVER (ORDER BY j.first_in_line DESC, j.enrolled_on, j.enrollment_id) AS position, e.nik AS nik,"
    f" {escaped_sql('e.name')} AS nama, e.enrolled_on AS tanggal_rekam"
    " FROM printing_printjob j JOIN registry_enrollment e ON e.id = j.enrollment_id"
    " WHERE j.office_id = %s AND j.state = 'queued' ORDER BY j.first_in_line DESC, j.enrolled_on, j.enrollment_id"
)


def queue_in_print_order(office: Office) -> QuerySet:
    return (
        PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED)
        .select_related("enrollment")
        .order_by(*PRINT_ORDER)
    )


@dataclass(frozen=True)
class BuildPreview:
    """What building the queue now would do: blanks available and the enrollments they would go to."""

    on_hand: int
    reserved: int
    available: int
    waiting: int
    will_queue: int
    first_enrolled_on: date | None
    last_enrolled_on: date | None


def build_preview(office: Office) -> BuildPreview:
    """Read, without locking: the build itself decides again under the office's lock."""
    stock = BlankStock.objects.get(office=office)
    waiting = EnrollmentCounts.objects.get(office=office).recorded
    will_queue = max(0, min(stock.available, waiting))
    first = last = None
    if will_queue:
        # The partial index enrollment_waiting_order serves both reads.
        oldest = Enrollment.objects.filter(office=office, state=EnrollmentState.RECORDED).order_by("enrolled_on", "id")
        first = oldest.values_list("enrolled_on", flat=True).first()
        last = oldest.values_list("enrolled_on", flat=True)[will_queue - 1]
    return BuildPreview(stock.on_hand, stock.reserved, stock.available, waiting, will_queue, first, last)


def queue_reaches(office: Office) -> date | None:
    """The newest enrollment date in the print queue: 'printing has reached residents enrolled in ...'."""
    return (
        PrintJob.objects.filter(office=office, state=PrintJob.State.QUEUED)
        .order_by("-enrolled_on").values_list("enrolled_on", flat=True).first()
    )


def desk_work_today(office: Office, limit: int = 20) -> QuerySet:
    """The latest cards printed or spoiled at the desk today, from the ledger (its office-and-time index), with who did it.

    Blanks written off in the store room are the stock desk's: they have no card, so they are not the print desk's work.
    """
    start = local_midnight(local_day(office), office)
    return (
        BlankMovement.objects.filter(office=office, kind__in=[MovementKind.PRINTED, MovementKind.SPOILED], created_at__gte=start,
                                     print_job__isnull=False)
        .select_related("print_job__enrollment", "created_by").order_by("-created_at", "-id")[:limit]
    )


def ready_cards(office: Office) -> QuerySet:
    """Printed cards not yet collected (cards on the shelf), oldest enrollment first."""
    return (
        PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED, collected_at__isnull=True)
        .select_related("enrollment").order_by("enrolled_on", "enrollment_id")
    )


def ready_by_month(office: Office) -> list[dict]:
    """How many cards are ready per enrollment month, oldest month first: one grouped query."""
    return list(
        PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED, collected_at__isnull=True)
        .annotate(month=TruncMonth("enrolled_on")).order_by("month").values("month").annotate(cards=Count("id"))
    )


def printed_before(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def ready_for_longer_than(office: Office, days: int) -> int:
    """How many cards were printed more than `days` ago and are still not collected."""
    return ready_cards(office).filter(printed_at__lt=printed_before(days)).count()


def pickup_search(office: Office, query: str) -> QuerySet:
    """Printed cards (ready or collected) by exact NIK, or ready cards with a name word starting with each word typed."""
    cards = PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED).select_related("enrollment", "handed_over_by")
    if query.isdigit():
        cards = cards.filter(enrollment__office=office, enrollment__nik=query)
    else:
        # A ready card is a printed job not collected, and its record's state is "ready": the name index holds those records.
        cards = cards.filter(collected_at__isnull=True, enrollment__office=office, enrollment__state=EnrollmentState.READY)
        cards = with_name_words(cards, query, field="enrollment__name")
    return cards.order_by("enrollment__name", "enrollment__enrolled_on", "id")


def valid_suket(enrollment: Enrollment, today) -> TemporaryCertificate | None:
    """The Suket that stands in for this card today, if any: the desk links to it while the card waits."""
    return TemporaryCertificate.objects.filter(
        enrollment=enrollment, ended_on__isnull=True, issued_on__lte=today, valid_until__gte=today).order_by("-id").first()


def enrollments_with_nik(office: Office, nik: str) -> QuerySet:
    """Every record of this NIK in the office, newest first: why a card is not at the pickup desk."""
    return Enrollment.objects.filter(office=office, nik=nik).order_by("-enrolled_on", "-id")

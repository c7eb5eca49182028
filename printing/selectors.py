"""Reads of the print queue and the two desks."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.cells import escaped_sql
from common.dates import local_midnight
from registry.models import Correction, DuplicateCase, Enrollment, EnrollmentDayCount, EnrollmentState, Office, TemporaryCertificate
from registry.names import with_name_words

from .models import PRINT_ORDER, PrintJob, collector_words

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


def queue_reaches(office: Office) -> date | None:
    """The newest enrollment date in the print queue: 'printing has reached residents enrolled in ...'.

    From the counts per recording day and state the write side keeps (a row per day), not from the queue itself.
    """
    return (
        EnrollmentDayCount.objects.filter(office=office, state=EnrollmentState.QUEUED, count__gt=0)
        .order_by("-enrolled_on").values_list("enrolled_on", flat=True).first()
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


NAME_MATCHES_SHOWN = 100


def pickup_search(office: Office, query: str) -> QuerySet:
    """Printed cards (ready or collected) by exact NIK, or ready cards with a name word starting with each word typed."""
    cards = PrintJob.objects.filter(office=office, state=PrintJob.State.PRINTED).select_related("enrollment", "handed_over_by")
    if query.isdigit():
        cards = cards.filter(enrollment__office=office, enrollment__nik=query)
    else:
        # A ready card is a printed job not collected, and its record's state is "ready": the name index holds those records.
        # At most NAME_MATCHES_SHOWN + 1 of them, taken as the index finds them: "rin" among 500,000 ready cards of which
        # half match reads 101 rows (0.2 s), where sorting all of them by name took 17 s. More than that: type more.
        ready = with_name_words(Enrollment.objects.filter(office=office, state=EnrollmentState.READY), query)
        cards = cards.filter(collected_at__isnull=True, enrollment__in=ready.values("pk")[: NAME_MATCHES_SHOWN + 1])
    return cards.order_by("enrollment__name", "enrollment__enrolled_on", "id")


def valid_suket(enrollment: Enrollment, today) -> TemporaryCertificate | None:
    """The Suket that stands in for this card today, if any: the desk links to it while the card waits."""
    return TemporaryCertificate.objects.filter(
        enrollment=enrollment, ended_on__isnull=True, issued_on__lte=today, valid_until__gte=today).order_by("-id").first()


def enrollments_with_nik(office: Office, nik: str) -> QuerySet:
    """Every record of this NIK in the office, newest first: why a card is not at the pickup desk."""
    return Enrollment.objects.filter(office=office, nik=nik).order_by("-enrolled_on", "-id")


@dataclass
class Event:
    when: datetime | date  # a day (an enrollment, a Suket) stands for the office's midnight of that day
    what: str
    who: str = ""


def card_history(enrollment: Enrollment, office: Office) -> list[Event]:
    """Everything that happened to this resident's card (a record of `office`), oldest first."""
    events = [Event(enrollment.enrolled_on, _("Enrolled (biometrics recorded)")), _imported(enrollment)]
    corrections = list(enrollment.corrections.select_related("created_by").order_by("id"))
    # A card found defective was printed first: its job ends spoiled, but the history shows the print, then the correction.
    defective = {c.changes.get("print_job") for c in corrections if c.kind == Correction.Kind.DEFECTIVE}
    jobs = enrollment.print_jobs.select_related("build__created_by", "printed_by", "handed_over_by").order_by("id")
    for job in jobs:
        events.append(Event(job.queued_at, _("Queued for printing"), _who(job.build.created_by)))
        # An undone job happened as it was marked (printed, or spoiled with its reason); its correction follows.
        spoiled = job.state == PrintJob.State.SPOILED or (job.state == PrintJob.State.UNDONE and job.spoiled_reason)
        if job.pk in defective or (job.printed_at and not spoiled):
            events.append(Event(job.printed_at, _printed(job), _who(job.printed_by)))
        elif spoiled:
            events.append(Event(job.printed_at, _("Blank spoiled: %(reason)s") % {"reason": job.spoiled_reason}, _who(job.printed_by)))
        elif job.state == PrintJob.State.CANCELLED:
            events.append(Event(job.queued_at, _("Taken out of the queue (duplicate record)") if enrollment.duplicate_case_id
                                else _("Taken out of the queue")))
        if job.collected_at:
            who = collector_words(job.collected_by_name, job.collected_by_nik, job.collected_as)
            events.append(Event(job.collected_at, _("Collected by %(name)s") % {"name": who}, _who(job.handed_over_by)))
    for suket in enrollment.certificates.select_related("issued_by").order_by("id"):
        events.append(Event(suket.issued_on, _("Suket %(number)s issued, valid until %(until)s") % {"number": suket.number, "until": date_format(suket.valid_until, "SHORT_DATE_FORMAT")}, _who(suket.issued_by)))
        if suket.ended_on:
            events.append(Event(suket.ended_on, _("Suket %(number)s ended") % {"number": suket.number}))
    case = enrollment.duplicate_case
    if case is not None:
        events.append(Event(case.opened_at, _("Put on hold: enrolled more than once")))
        if case.resolved_at:
            outcome = _("Duplicate resolved in person") if case.status == DuplicateCase.Status.RESOLVED else _("Duplicate voided")
            events.append(Event(case.resolved_at, outcome, _who(case.resolved_by)))
    for correction in corrections:
        events += _correction_events(correction)
    for event in events:
        if not isinstance(event.when, datetime):
            event.when = local_midnight(event.when, office)
    return sorted(events, key=lambda event: event.when)


def _printed(job) -> str:
    if job.out_of_order_reason:
        return _("Printed out of print order (number %(position)d in the queue): %(reason)s") % {
            "position": job.printed_at_position or 0, "reason": job.out_of_order_reason}
    return _("Printed")


def _imported(enrollment) -> Event:
    """The import run that brought the record: when, from which file, by whom (the page's uploader or the command's --by)."""
    run = enrollment.source
    if run is None:
        return Event(enrollment.created_at, _("Imported from SIAK"))
    return Event(run.started_at, _("Imported from SIAK file %(file)s") % {"file": run.file_name}, _who(run.by))


def _correction_events(correction: Correction) -> list[Event]:
    """A correction in the history: what was put right, why, by whom; an undone pickup keeps the pickup it undid."""
    events = []
    pickup = correction.changes.get("pickup")
    if pickup:
        events.append(Event(datetime.fromisoformat(pickup["collected_at"]),
                            _("Collected by %(name)s") % {"name": collector_words(pickup["collected_by_name"], pickup.get("collected_by_nik", ""),
                                                                                   pickup.get("collected_as", ""))},
                            pickup["handed_over_by"]))
    what = f"{correction.get_kind_display()}: {correction.reason}"
    if correction.kind == Correction.Kind.EDIT_RECORD:
        changed = "; ".join(f"{Enrollment._meta.get_field(name).verbose_name} {before} → {after}"
                            for name, (before, after) in correction.changes.items())
        what = f"{what} ({changed})"
    events.append(Event(correction.created_at, what, _who(correction.created_by)))
    return events


def _who(user):
    return user.get_username() if user else ""

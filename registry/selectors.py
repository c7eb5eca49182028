"""Reads of the registry desks that take more than one line of ORM."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Min, Prefetch
from django.utils.translation import gettext as _

from common.dates import local_midnight
from printing.models import PrintJob

from .models import Correction, DuplicateCase, Enrollment, EnrollmentState, Office, TemporaryCertificate

SUKET_ENDING_SOON_DAYS = 30


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
            events.append(Event(job.printed_at, _("Printed"), _who(job.printed_by)))
        elif spoiled:
            events.append(Event(job.printed_at, _("Blank spoiled: %(reason)s") % {"reason": job.spoiled_reason}, _who(job.printed_by)))
        elif job.state == PrintJob.State.CANCELLED:
            events.append(Event(job.queued_at, _("Taken out of the queue (duplicate record)") if enrollment.duplicate_case_id
                                else _("Taken out of the queue")))
        if job.collected_at:
            events.append(Event(job.collected_at, _("Collected by %(name)s") % {"name": job.collected_by_name}, _who(job.handed_over_by)))
    for suket in enrollment.certificates.select_related("issued_by").order_by("id"):
        events.append(Event(suket.issued_on, _("Suket %(number)s issued, valid until %(until)s") % {"number": suket.number, "until": suket.valid_until}, _who(suket.issued_by)))
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
                            _("Collected by %(name)s") % {"name": pickup["collected_by_name"]}, pickup["handed_over_by"]))
    what = f"{correction.get_kind_display()}: {correction.reason}"
    if correction.kind == Correction.Kind.EDIT_RECORD:
        changed = "; ".join(f"{Enrollment._meta.get_field(name).verbose_name} {before} → {after}"
                            for name, (before, after) in correction.changes.items())
        what = f"{what} ({changed})"
    events.append(Event(correction.created_at, what, _who(correction.created_by)))
    return events


def _who(user):
    return user.get_username() if user else ""


def open_duplicate_cases(office: Office):
    """Open cases, the longest waiting first, each with its records (two queries for any page)."""
    records = Enrollment.objects.order_by("enrolled_on", "id")
    return (
        DuplicateCase.objects.filter(office=office, status=DuplicateCase.Status.OPEN)
        .annotate(first_enrolled=Min("enrollments__enrolled_on"))
        .order_by("first_enrolled", "id")
        .prefetch_related(Prefetch("enrollments", queryset=records))
    )


def waiting_enrollment(office: Office, nik: str) -> Enrollment | None:
    """The resident's card that is still waiting (recorded, queued, on hold or at the centre), if any."""
    return (
        Enrollment.objects.filter(office=office, nik=nik, state__in=[EnrollmentState.RECORDED, EnrollmentState.QUEUED, EnrollmentState.ON_HOLD, EnrollmentState.AT_CENTRE])
        .order_by("enrolled_on", "id").first()
    )


def current_sukets(office: Office, today: date):
    """Valid Suket, the soonest to end first; `ending_soon` marks those ending within 30 days."""
    return (
        TemporaryCertificate.objects.filter(office=office, ended_on__isnull=True, valid_until__gte=today)
        .select_related("enrollment")
    )


def sukets_ending_soon(office: Office, today: date):
    """Valid Suket ending within 30 days whose card is still not printed: these residents need a new one."""
    return current_sukets(office, today).filter(
        valid_until__lte=today + timedelta(days=SUKET_ENDING_SOON_DAYS),
        enrollment__state__in=[EnrollmentState.RECORDED, EnrollmentState.QUEUED, EnrollmentState.ON_HOLD, EnrollmentState.AT_CENTRE],
    )

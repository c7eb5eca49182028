"""Reads of the registry desks that take more than one line of ORM."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, Min, OuterRef, Prefetch
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.dates import local_midnight
from printing.models import PrintJob

from .models import Correction, DuplicateCase, Enrollment, EnrollmentState, Office, TemporaryCertificate
from .names import with_name_words

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
            events.append(Event(job.printed_at, _printed(job), _who(job.printed_by)))
        elif spoiled:
            events.append(Event(job.printed_at, _("Blank spoiled: %(reason)s") % {"reason": job.spoiled_reason}, _who(job.printed_by)))
        elif job.state == PrintJob.State.CANCELLED:
            events.append(Event(job.queued_at, _("Taken out of the queue (duplicate record)") if enrollment.duplicate_case_id
                                else _("Taken out of the queue")))
        if job.collected_at:
            events.append(Event(job.collected_at, _("Collected by %(name)s") % {"name": job.collected_by_name}, _who(job.handed_over_by)))
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


def duplicate_cases(office: Office, *, search: str = "", status: str = "open", run_id: int | None = None):
    """The office's cases, each with its records (two queries for any page): open ones the longest waiting first.

    `search`: digits are the start of a NIK, words the starts of words of a record's name ("rina riwu" finds
    Rina Riwu, not Katarina Riwu). `status`: "open", "closed" (the latest decision first) or "all".
    `run_id`: only the cases that import put its records in (its upload's "put on hold" links here).
    """
    records = Enrollment.objects.order_by("enrolled_on", "id")
    cases = DuplicateCase.objects.filter(office=office)
    if status == "open":
        cases = cases.filter(status=DuplicateCase.Status.OPEN)
    elif status == "closed":
        cases = cases.exclude(status=DuplicateCase.Status.OPEN)
    if run_id is not None:
        cases = cases.filter(Exists(Enrollment.objects.filter(duplicate_case=OuterRef("pk"), source_id=run_id)))
    search = " ".join(search.split())
    if search.isdigit():
        cases = cases.filter(nik__startswith=search)
    elif search:
        cases = cases.filter(Exists(with_name_words(Enrollment.objects.filter(duplicate_case=OuterRef("pk")), search)))
    order = ("-resolved_at", "-id") if status == "closed" else ("first_enrolled", "id")
    return (
        cases.annotate(first_enrolled=Min("enrollments__enrolled_on"))
        .order_by(*order)
        .select_related("resolved_by", "kept")
        .prefetch_related(Prefetch("enrollments", queryset=records))
    )


# What a clerk compares between a resident's records, in the order the desk shows it.
COMPARED = (
    ("name", _("Name")),
    ("birth_place", _("Place of birth")),
    ("birth_date", _("Date of birth")),
    ("sex", _("Sex")),
    ("address", _("Address")),
    ("rt_rw", "RT/RW"),
    ("village", _("Village")),
    ("subdistrict", _("Subdistrict")),
    ("mother_name", _("Mother's name")),
    ("family_card", _("Family card (KK)")),
    ("marital_status", _("Marital status")),
)


@dataclass
class ComparedField:
    label: str
    values: list  # one per record, in the records' order
    differs: bool


def _value(record: Enrollment, name: str):
    if name == "rt_rw":
        return f"{record.rt}/{record.rw}"
    if name in ("sex", "marital_status"):
        return getattr(record, f"get_{name}_display")()
    return getattr(record, name)


def compare_records(records: list[Enrollment]) -> list[ComparedField]:
    """Each compared field of a case's records side by side, and whether their values differ (spaces and case aside)."""
    compared = []
    for name, label in COMPARED:
        values = [_value(record, name) for record in records]
        seen = {" ".join(str(value).split()).casefold() for value in values}
        compared.append(ComparedField(label=str(label), values=values, differs=len(seen) > 1))
    return compared


def differing_labels(records: list[Enrollment]) -> list[str]:
    return [field.label for field in compare_records(records) if field.differs]


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

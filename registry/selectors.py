"""Reads of the registry desks that take more than one line of ORM."""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _

from .models import DuplicateCase, Enrollment, EnrollmentState, Office, TemporaryCertificate
from .names import with_name_words

SUKET_ENDING_SOON_DAYS = 30


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
        cases.order_by(*order)
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

"""Every change to offices, enrollments, duplicate cases and Suket."""
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.locks import lock_office, lock_stock
from inventory.models import BlankStock
from printing.services import cancel_print_jobs_of
from printing.tasks import enqueue_queue_build

from . import bulk
from .counts import bump
from .importer import EnrollmentFile, RejectedFile, Row, UnusableFile
from .models import DuplicateCase, Enrollment, EnrollmentCounts, EnrollmentState, Office, TemporaryCertificate
from .nik import region_name

SYSTEM_USERNAME = "sistem"


def system_user():
    """The author of what commands and scheduled tasks do when no person is named."""
    user, _created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "Sistem", "is_active": False}
    )
    return user


def create_office(*, code: str, name: str = "") -> Office:
    """An office, with its empty ledger and counts. Creating it again changes nothing."""
    code = (code or "").strip()
    if len(code) != 4 or not code.isdigit():
        raise ValidationError(_("The region code must be 4 digits, e.g. 5371."), code="code")
    name = (name or "").strip() or region_name(code)
    if not name:
        raise ValidationError(_("Region code %(code)s is not in the region table; give the office a name.") % {"code": code}, code="name")
    with transaction.atomic():
        office, created = Office.objects.get_or_create(code=code, defaults={"name": name})
        if created:
            BlankStock.objects.create(office=office)
            EnrollmentCounts.objects.create(office=office)
    return office


@dataclass
class ImportResult:
    rows: int = 0  # data rows read
    imported: int = 0  # new enrollments
    already_there: int = 0  # same NIK and date as an enrollment already held
    rejected: int = 0
    duplicates: int = 0  # residents put on hold as re-enrolled
    rejected_path: str = ""


_STAGING_COLUMNS = ["line", "nik", "name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "village", "subdistrict", "enrolled_on"]
_ENROLLMENT_COLUMNS = _STAGING_COLUMNS[1:]


def import_enrollments(*, office: Office, path, by) -> ImportResult:
    """Load a SIAK export: valid rows in, each rejected row reported, re-runs change nothing.

    All or nothing for the file as a whole: if it turns out to be unusable
    part-way (not UTF-8, not CSV), UnusableFile is raised and nothing is kept.
    """
    source = EnrollmentFile(path)
    rejected = RejectedFile(path)
    result = ImportResult(rejected_path=rejected.path)

    def valid_rows():
        for item in source.rows():
            result.rows += 1
            if isinstance(item, Row):
                yield (item.line, item.nik, item.name, item.birth_place, item.birth_date, item.sex, item.address,
                       item.rt, item.rw, item.village, item.subdistrict, item.enrolled_on)
            else:
                rejected.add(source.header, *item)

    try:
        with transaction.atomic():
            lock_office(office.pk)
            last_id = Enrollment.objects.aggregate(last=Max("id"))["last"] or 0
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE import_staging (line integer, nik varchar(16), name varchar(200), "
                    "birth_place varchar(100), birth_date date, sex varchar(1), address varchar(300), rt varchar(3), "
                    "rw varchar(3), village varchar(100), subdistrict varchar(100), enrolled_on date)"
                )
                try:
                    bulk.load("import_staging", _STAGING_COLUMNS, valid_rows())
                    columns = ", ".join(_ENROLLMENT_COLUMNS)
                    # ORDER BY line: ids follow the file, the queue's tie-break after the date.
                    cursor.execute(
                        f"INSERT INTO registry_enrollment (office_id, {columns}, state, created_at) "
                        f"SELECT %s, {columns}, %s, %s FROM import_staging WHERE true ORDER BY line "
                        "ON CONFLICT (office_id, nik, enrolled_on) DO NOTHING",
                        [office.pk, EnrollmentState.RECORDED, timezone.now()],
                    )
                    result.imported = cursor.rowcount
                finally:
                    cursor.execute("DROP TABLE import_staging")
            result.rejected = rejected.count
            result.already_there = result.rows - result.rejected - result.imported
            bump(office.pk, recorded=result.imported)
            if result.imported:
                result.duplicates = open_duplicate_cases(office=office, niks=_reenrolled_niks(office.pk, last_id))
    except UnusableFile:
        rejected.close(keep=False)
        raise
    rejected.close(keep=True)
    return result


def _reenrolled_niks(office_id, last_id) -> list[str]:
    """NIKs among the enrollments added after `last_id` that have another live enrollment."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT n.nik FROM registry_enrollment n WHERE n.office_id = %s AND n.id > %s AND EXISTS ("
            " SELECT 1 FROM registry_enrollment e WHERE e.office_id = n.office_id AND e.nik = n.nik"
            " AND e.id <> n.id AND e.state <> %s)",
            [office_id, last_id, EnrollmentState.VOID],
        )
        return [nik for (nik,) in cursor.fetchall()]


def open_duplicate_cases(*, office: Office, niks: list[str]) -> int:
    """Put every waiting record of these residents on hold in one open case each.

    Queued jobs of those records are cancelled and their blanks released; a
    card already printed stays as it is, linked to the case for the clerk to see.
    Returns how many residents are in a case because of this call.
    """
    if not niks:
        return 0
    held_states = [EnrollmentState.RECORDED, EnrollmentState.QUEUED]
    with transaction.atomic():
        lock_office(office.pk)
        lock_stock(office.pk)
        for start in range(0, len(niks), 500):
            chunk = niks[start:start + 500]
            has_case = set(
                DuplicateCase.objects.filter(office=office, nik__in=chunk, status=DuplicateCase.Status.OPEN).values_list("nik", flat=True)
            )
            DuplicateCase.objects.bulk_create(DuplicateCase(office=office, nik=nik) for nik in chunk if nik not in has_case)
            waiting = Enrollment.objects.filter(office=office, nik__in=chunk, state__in=held_states)
            cancel_print_jobs_of(office_id=office.pk, enrollments=waiting.filter(state=EnrollmentState.QUEUED))
            moved = dict(_state_counts(waiting))
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE registry_enrollment SET "
                    " duplicate_case_id = (SELECT c.id FROM registry_duplicatecase c WHERE c.office_id = registry_enrollment.office_id"
                    "  AND c.nik = registry_enrollment.nik AND c.status = %s),"
                    " state = CASE WHEN state IN (%s, %s) THEN %s ELSE state END"
                    f" WHERE office_id = %s AND state <> %s AND nik IN ({', '.join(['%s'] * len(chunk))})",
                    [DuplicateCase.Status.OPEN, *held_states, EnrollmentState.ON_HOLD, office.pk, EnrollmentState.VOID, *chunk],
                )
            bump(office.pk, on_hold=sum(moved.values()), **{state: -n for state, n in moved.items()})
    return len(niks)


def _state_counts(queryset):
    return queryset.order_by().values_list("state").annotate(n=Count("id"))


def resolve_duplicate_case(*, case: DuplicateCase, by, keep: Enrollment | None, note: str = "") -> DuplicateCase:
    """The resident came in person. Keep one record (its card waits from the earliest date), or void them all.

    The surviving record is the earliest one, so the resident keeps their
    place; if the clerk keeps another record's data, it is copied onto it.
    """
    with transaction.atomic():
        lock_office(case.office_id)
        lock_stock(case.office_id)
        case = DuplicateCase.objects.select_for_update().get(pk=case.pk)
        if case.status != DuplicateCase.Status.OPEN:
            if case.kept_id == (keep.pk if keep else None):
                return case
            raise ValidationError(_("This duplicate case was already closed."), code="closed")
        records = list(case.enrollments.exclude(state=EnrollmentState.VOID).order_by("enrolled_on", "id"))
        if keep is not None and keep.pk not in {r.pk for r in records}:
            raise ValidationError(_("The record to keep is not part of this case."), code="keep")
        moved = {}

        def move(record, state):
            moved[record.state] = moved.get(record.state, 0) - 1
            moved[state] = moved.get(state, 0) + 1
            record.state = state

        survivor = None
        if keep is not None:
            survivor = records[0]
            if keep.pk != survivor.pk:
                for field in ("name", "birth_place", "address", "rt", "rw", "village", "subdistrict"):
                    setattr(survivor, field, getattr(keep, field))
            if survivor.state == EnrollmentState.ON_HOLD:
                move(survivor, EnrollmentState.RECORDED)
            survivor.save()
        for record in records:
            if record is not survivor and record.state == EnrollmentState.ON_HOLD:
                move(record, EnrollmentState.VOID)
                record.save(update_fields=["state"])
        bump(case.office_id, **moved)
        case.status = DuplicateCase.Status.RESOLVED if keep is not None else DuplicateCase.Status.VOID
        case.kept = survivor
        case.resolved_by = by
        case.resolved_at = timezone.now()
        case.note = note
        case.save()
        if survivor is not None and survivor.state == EnrollmentState.RECORDED:
            enqueue_queue_build(case.office_id)
    return case


SUKET_STATES = {EnrollmentState.RECORDED, EnrollmentState.QUEUED, EnrollmentState.ON_HOLD}


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def issue_suket(*, enrollment: Enrollment, by, today: date | None = None) -> TemporaryCertificate:
    """A Suket for a resident whose card is not printed. Asking again returns the same valid one."""
    today = today or timezone.localdate()
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if enrollment.state not in SUKET_STATES:
            raise ValidationError(
                _("A Suket is only issued while the card is waiting; this card is %(state)s.")
                % {"state": enrollment.get_state_display().lower()},
                code="state",
            )
        current = enrollment.certificates.filter(ended_on__isnull=True).first()
        if current is not None:
            if current.valid_until >= today:
                return current
            current.ended_on = today
            current.save(update_fields=["ended_on"])
        return TemporaryCertificate.objects.create(
            office_id=enrollment.office_id, enrollment=enrollment, issued_by=by, issued_on=today,
            valid_until=add_months(today, settings.SUKET_VALID_MONTHS),
            number=f"{enrollment.office.code}-{today:%Y%m}-{secrets.token_hex(4).upper()}",
        )


def end_suket(*, enrollment_id, today: date) -> None:
    """The card is collected: the Suket no longer stands in for it."""
    TemporaryCertificate.objects.filter(enrollment_id=enrollment_id, ended_on__isnull=True).update(ended_on=today)

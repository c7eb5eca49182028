"""Every change to offices, enrollments, duplicate cases and Suket."""
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.locks import lock_office, lock_stock
from inventory.models import BlankStock
from printing.enqueue import enqueue_queue_build
from printing.services import cancel_print_jobs_of

from . import bulk
from .counts import bump
from .dates import add_months
from .importer import VALID_FIELDS, EnrollmentFile, Rejected, RejectedFile, UnusableFile
from .models import DuplicateCase, Enrollment, EnrollmentCounts, EnrollmentState, EnrollmentUpload, Office, TemporaryCertificate
from .nik import region_name


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


_CONFLICT = ("office_id", "nik", "enrolled_on")  # one_enrollment_per_person_and_date
# Rows read ahead per batch (~3 MB of COPY text): small enough that the database starts early.
_BATCH_ROWS = 20_000


def import_enrollments(*, office: Office, path, by, progress=None) -> ImportResult:
    """Load a SIAK export: valid rows in, each rejected row reported, re-runs change nothing.

    All or nothing for the file as a whole: if it turns out to be unusable
    part-way (not UTF-8, not CSV), UnusableFile is raised and nothing is kept.
    A thread reads and checks the file a batch ahead while the database loads
    the batch before (see registry.bulk); memory stays a few batches whatever
    the file's length. `progress(rows_read)`, if given, is called from that
    thread after every batch, so it must not use the database.
    """
    source = EnrollmentFile(path)
    rejected = RejectedFile(path)
    result = ImportResult(rejected_path=rejected.path)
    try:
        with transaction.atomic():
            lock_office(office.pk)
            held_before = _enrollments_held(office.pk)
            last_id = Enrollment.objects.aggregate(last=Max("id"))["last"] or 0
            # Rows go in in file order, so ids follow the file: the queue's tie-break after the date.
            loader = bulk.AppendNew(
                "registry_enrollment", VALID_FIELDS,
                {"office_id": office.pk, "state": EnrollmentState.RECORDED, "created_at": timezone.now()},
                conflict=_CONFLICT,
            )
            batches = _read_in_batches(source, rejected, result, loader, _BATCH_ROWS, progress)
            with bulk.in_background(batches) as ready:
                loader.load(ready)
            result.imported = loader.added
            result.rejected = rejected.count
            result.already_there = result.rows - result.rejected - result.imported
            bump(office.pk, recorded=result.imported)
            if result.imported:
                _analyze_if_grown(result.imported)
                niks = _reenrolled_niks(office.pk, last_id, imported=result.imported, held_before=held_before)
                result.duplicates = open_duplicate_cases(office=office, niks=niks)
    except UnusableFile:
        rejected.close(keep=False)
        raise
    rejected.close(keep=True)
    return result


def _read_in_batches(source, rejected, result, loader, size, progress=None):
    """Runs in the reading thread: count rows, report rejected ones, hand on valid ones a batch at a time."""
    encode, batch = loader.encode, []
    for item in source.rows():
        result.rows += 1
        if type(item) is Rejected:
            rejected.add(source.header, *item)
            continue
        batch.append(encode(item))
        if len(batch) == size:
            yield loader.batch(batch)
            batch = []
            if progress:
                progress(result.rows)
    if batch:
        yield loader.batch(batch)
    if progress:
        progress(result.rows)


def _analyze_if_grown(imported) -> None:
    """ANALYZE the enrollment table after a load that grew it by more than a tenth, as autovacuum would.

    Autovacuum only does so after the commit. Inside the transaction ANALYZE
    sees the new rows, so what follows (the re-enrollment query, opening the
    duplicate cases) is planned for the table's real size: after a first big
    load the planner otherwise takes the table for empty and scans a million
    rows per 500 NIKs (20 s instead of 2).
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'registry_enrollment'::regclass")
        (known,) = cursor.fetchone()
        if imported > 50 + 0.1 * max(known, 0):
            cursor.execute("ANALYZE registry_enrollment")


def _enrollments_held(office_id) -> int:
    counts = EnrollmentCounts.objects.get(office_id=office_id)
    return sum(getattr(counts, state) for state in EnrollmentState.values)


def _reenrolled_niks(office_id, last_id, *, imported, held_before) -> list[str]:
    """NIKs among the enrollments added after `last_id` that have another live enrollment.

    Two ways to the same answer, chosen by size: for a small import into a big
    office, look up each new row's NIK in the unique index, once for an earlier
    and once for a later date (both index-only ranges, empty for almost every
    row); when the import is a large share of the office, one grouped pass over
    the office's records is several times cheaper than a million lookups.
    """
    if imported * 4 < held_before + imported:
        sql = (
            "SELECT DISTINCT n.nik FROM registry_enrollment n WHERE n.office_id = %s AND n.id > %s AND ("
            " EXISTS (SELECT 1 FROM registry_enrollment e WHERE e.office_id = n.office_id AND e.nik = n.nik"
            "  AND e.enrolled_on < n.enrolled_on AND e.state <> %s)"
            " OR EXISTS (SELECT 1 FROM registry_enrollment e WHERE e.office_id = n.office_id AND e.nik = n.nik"
            "  AND e.enrolled_on > n.enrolled_on AND e.state <> %s))"
        )
        params = [office_id, last_id, EnrollmentState.VOID, EnrollmentState.VOID]
    else:
        # Grouped by the NIK as a number (the table's check keeps it 16 digits): hashing integers is
        # cheap and small, where grouping the text walks the unique index and visits every row.
        sql = (
            "SELECT CAST(nik AS bigint) FROM registry_enrollment WHERE office_id = %s AND state <> %s"
            " GROUP BY CAST(nik AS bigint) HAVING COUNT(*) > 1 AND MAX(id) > %s"
        )
        params = [office_id, EnrollmentState.VOID, last_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [nik if isinstance(nik, str) else f"{nik:016d}" for (nik,) in cursor.fetchall()]


def open_duplicate_cases(*, office: Office, niks: list[str]) -> int:
    """Put every waiting record of these residents on hold in one open case each.

    Queued jobs of those records are cancelled and their blanks released; a
    card already printed stays as it is, linked to the case for the clerk to see.
    Returns how many residents are in a case because of this call. Set-based:
    the NIKs go into a temporary table and each step is one statement over it.
    """
    if not niks:
        return 0
    held_states = [EnrollmentState.RECORDED, EnrollmentState.QUEUED]
    with transaction.atomic():
        lock_office(office.pk)
        lock_stock(office.pk)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS reenrolled_nik")
            cursor.execute("CREATE TEMP TABLE reenrolled_nik (nik varchar(16) PRIMARY KEY)")
            for start in range(0, len(niks), 1000):
                chunk = niks[start:start + 1000]
                cursor.execute(f"INSERT INTO reenrolled_nik (nik) VALUES {', '.join(['(%s)'] * len(chunk))}", chunk)
            if connection.vendor == "postgresql":
                # A temporary table has no statistics until analysed: without them the joins below scan the office.
                cursor.execute("ANALYZE reenrolled_nik")
            cursor.execute(
                "INSERT INTO registry_duplicatecase (office_id, nik, status, opened_at, note)"
                " SELECT %s, r.nik, %s, %s, '' FROM reenrolled_nik r WHERE NOT EXISTS ("
                "  SELECT 1 FROM registry_duplicatecase c WHERE c.office_id = %s AND c.nik = r.nik AND c.status = %s)",
                [office.pk, DuplicateCase.Status.OPEN, timezone.now(), office.pk, DuplicateCase.Status.OPEN],
            )
            waiting = Enrollment.objects.filter(
                office=office, state__in=held_states, nik__in=RawSQL("SELECT nik FROM reenrolled_nik", [])
            )
            cancel_print_jobs_of(office_id=office.pk, enrollments=waiting.filter(state=EnrollmentState.QUEUED))
            moved = dict(_state_counts(waiting))
            cursor.execute(
                "UPDATE registry_enrollment SET "
                " duplicate_case_id = (SELECT c.id FROM registry_duplicatecase c WHERE c.office_id = registry_enrollment.office_id"
                "  AND c.nik = registry_enrollment.nik AND c.status = %s),"
                " state = CASE WHEN state IN (%s, %s) THEN %s ELSE state END"
                " WHERE office_id = %s AND state <> %s AND nik IN (SELECT nik FROM reenrolled_nik)",
                [DuplicateCase.Status.OPEN, *held_states, EnrollmentState.ON_HOLD, office.pk, EnrollmentState.VOID],
            )
            cursor.execute("DROP TABLE reenrolled_nik")
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
                # A voided record's Suket no longer stands for anything; the survivor can be issued one.
                end_suket(enrollment_id=record.pk, today=timezone.localdate())
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


def accept_upload(*, office: Office, by, uploaded_file) -> EnrollmentUpload:
    """A SIAK export from the browser: stored, then imported by a Celery task after commit."""
    # Imported here, not at the top: the task module builds on this one.
    from .tasks import import_upload_task

    with transaction.atomic():
        upload = EnrollmentUpload.objects.create(office=office, uploaded_by=by, file=uploaded_file,
                                                 original_name=uploaded_file.name[:255])
        transaction.on_commit(lambda: import_upload_task.delay(upload.pk))
    return upload


def run_upload(*, upload: EnrollmentUpload, progress=None) -> EnrollmentUpload:
    """Import an uploaded file with the same rules and report as `import_enrollments`; running it again changes nothing."""
    claimed = EnrollmentUpload.objects.filter(pk=upload.pk, status=EnrollmentUpload.Status.WAITING).update(status=EnrollmentUpload.Status.RUNNING)
    if not claimed:
        return EnrollmentUpload.objects.get(pk=upload.pk)
    upload.refresh_from_db()
    try:
        result = import_enrollments(office=upload.office, path=upload.file.path, by=upload.uploaded_by, progress=progress)
    except UnusableFile as exc:
        upload.status, upload.message = EnrollmentUpload.Status.UNUSABLE, str(exc)
    else:
        upload.status = EnrollmentUpload.Status.DONE
        upload.rows, upload.imported, upload.already_there = result.rows, result.imported, result.already_there
        upload.rejected, upload.duplicates = result.rejected, result.duplicates
    upload.finished_at = timezone.now()
    upload.save()
    return upload

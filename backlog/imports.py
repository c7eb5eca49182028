"""The SIAK import, from the command or the page: rows streamed in under the office's import lock.

All or nothing for a file: one transaction. Its rows stream in under the
import lock only (two imports of one office take turns, so two
re-enrollments of one NIK always see each other), and so does the part of
the duplicate cases that touches only the import's own rows (see
backlog.duplicates.prepare_duplicate_cases); the ledger lock is taken for
the short final step that counts the new records and puts the residents'
older records on hold, so the desks never wait for the file.

An upload from the page is imported by a Celery task (`run_upload`), with
acks_late: a task whose worker died is delivered again. The runner holds the
upload's runner lock (backlog.locks.upload_runner, a PostgreSQL session lock
that dies with its connection) from claiming the upload to marking it done,
so exactly one process imports it: a task delivered again while a live runner
holds it does nothing; an upload left "running" with no live runner was
interrupted, and the next runner (the redelivered task, or a retry from the
page) takes it over. Since the import is one transaction, an interrupted or
failed import left nothing behind, and running it again imports it all. A
failure is recorded as FAILED with one sentence for the clerk (the error
itself goes to the log); `retry_upload` asks for the task again.
"""
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dates import local_day
from common import bulk
from common.storage import local_path
from people.roles import require
from registry.importer import OUTCOME_OF, VALID_FIELDS, EnrollmentFile, Outcome, Rejected, UnusableFile, rejected_report
from registry.models import Enrollment, EnrollmentCounts, EnrollmentImport, EnrollmentState, EnrollmentUpload, Office, StatusUpdate

from . import cards
from .duplicates import Reenrolled, open_duplicate_cases, prepare_duplicate_cases
from .locks import keep_upload_runners_out, lock_for_import, lock_ledger, upload_runner, upload_runner_alive
from .statuses import stage
from .suket import end_suket
from .work import APPLY_STATUSES, IMPORT_UPLOAD, after_commit, ask_for_queue_build


@dataclass
class ImportResult:
    rows: int = 0  # data rows read
    imported: int = 0  # new enrollments
    already_there: int = 0  # same NIK and date as an enrollment already held
    rejected: int = 0
    duplicates: int = 0  # residents put on hold as re-enrolled, or in a case the centre flagged
    rejected_path: str = ""
    run: EnrollmentImport | None = None
    statuses: Counter = field(default_factory=Counter)  # the file's valid rows by KTP-el status ("" without the column)
    updates: int = 0  # records already held that a later export moves on or fills in (backlog.statuses)
    superseded: int = 0  # failed recordings superseded by a new recording of the resident

    def outcome(self, outcome: str) -> int:
        """The file's valid rows whose status has this outcome (registry.importer.Outcome)."""
        return sum(n for status, n in self.statuses.items() if OUTCOME_OF[status] == outcome)


logger = logging.getLogger(__name__)


_CONFLICT = ("office_id", "nik", "enrolled_on")  # one_enrollment_per_person_and_date
_STATUS = VALID_FIELDS.index("ktp_status")
# Rows read ahead per batch (~3 MB of COPY text): small enough that the database starts early.
_BATCH_ROWS = 20_000


def import_enrollments(*, office: Office, path, by, progress=None, file_name: str = "") -> ImportResult:
    """Load a SIAK export: valid rows in, each rejected row reported, re-runs change nothing.

    If the file turns out to be unusable part-way (not UTF-8, not CSV, a hostile workbook),
    UnusableFile is raised and nothing is kept. A thread reads and checks the
    file a batch ahead while the database loads the batch before (see
    common.bulk); memory stays a few batches whatever the file's length.
    `progress(rows_read)`, if given, is called from that thread after every
    batch, so it must not use the database. The run records who ran it, and
    every record it adds links to it.
    """
    require(by, "upload_enrollments", office)
    source = EnrollmentFile(path, today=local_day(office))
    rejected = rejected_report(source)
    result = ImportResult(rejected_path=rejected.path)
    try:
        with transaction.atomic():
            lock_for_import(office.pk)
            run = EnrollmentImport.objects.create(office=office, by=by, file_name=(file_name or str(path).rsplit("/", 1)[-1])[:255])
            held_before = _enrollments_held(office.pk)
            last_id = Enrollment.objects.aggregate(last=Max("id"))["last"] or 0
            # Rows go in in file order, so ids follow the file: the queue's tie-break after the date.
            loader = bulk.AppendNew(
                "registry_enrollment", VALID_FIELDS,
                {"office_id": office.pk, "state": EnrollmentState.RECORDED, "created_at": timezone.now(), "source_id": run.pk},
                conflict=_CONFLICT,
                # The rows of records already held, staged for backlog.statuses to apply after the commit.
                on_existing=lambda cursor, staging: stage(cursor, staging, run=run, held_up_to=last_id),
            )
            batches = _read_in_batches(source, rejected, result, loader, _BATCH_ROWS, progress)
            with bulk.in_background(batches) as ready:
                loader.load(ready)
            result.imported = loader.added
            result.rejected = rejected.count
            result.already_there = result.rows - result.rejected - result.imported
            reenrolled, new, under_age, superseded = Reenrolled(), Counter(), 0, []
            if result.imported:
                result.imported -= _leave_out_carded(run, last_id, result.statuses)
                result.already_there = result.rows - result.rejected - result.imported - result.outcome(Outcome.CARDED)
            if result.imported:
                _analyze_once_committed(result.imported)
                cards.place_new(run=run, after_id=last_id, statuses={
                    status: {Outcome.AT_CENTRE: EnrollmentState.AT_CENTRE, Outcome.FAILED: EnrollmentState.FAILED}[OUTCOME_OF[status]]
                    for status in result.statuses if OUTCOME_OF[status] in (Outcome.AT_CENTRE, Outcome.FAILED)})
                niks = _reenrolled_niks(office.pk, last_id, imported=result.imported, held_before=held_before)
                flagged = _flagged_niks(run, last_id, result.statuses)
                reenrolled = prepare_duplicate_cases(office=office, run=run, niks=sorted(set(niks) | flagged), flagged=flagged)
                superseded = _superseded_failures(office.pk, last_id)
                new, under_age = cards.count_new(run=run, after_id=last_id)
            # The final step, under the ledger lock: the new records counted, the other records of re-enrolled residents on hold.
            lock_ledger(office.pk)
            cards.add_imported(office_id=office.pk, new=new, under_age=under_age)
            result.superseded = len(cards.move(office_id=office.pk, cards=Enrollment.objects.filter(pk__in=superseded),
                                               to=EnrollmentState.VOID))
            end_suket(enrollment_ids=superseded, today=local_day(office))
            result.duplicates = open_duplicate_cases(office=office, reenrolled=reenrolled)
            result.updates = StatusUpdate.objects.filter(run=run).count()
            run.rows, run.imported, run.already_there = result.rows, result.imported, result.already_there
            run.rejected, run.duplicates, run.finished_at = result.rejected, result.duplicates, timezone.now()
            run.print_ready, run.at_centre, run.failed, run.flagged, run.carded = (
                result.outcome(outcome) for outcome in (Outcome.PRINT_READY, Outcome.AT_CENTRE, Outcome.FAILED, Outcome.FLAGGED, Outcome.CARDED))
            run.updates = result.updates
            run.save()
            result.run = run
            if result.imported:
                ask_for_queue_build(office.pk)
            if result.updates:
                after_commit(APPLY_STATUSES, run.pk)
    except BaseException:
        # Unusable, or the database lost mid-file: nothing was imported, so no half-written report is left.
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
        result.statuses[item[_STATUS]] += 1
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


def _leave_out_carded(run, last_id, statuses) -> int:
    """The new rows whose card exists already are not backlog: out again before anything counts them; how many.

    They went in with the rest (COPY cannot skip them) so that a row of a record
    already held still meets it; a new one is deleted here, unseen by anyone.
    """
    carded = [status for status in statuses if OUTCOME_OF[status] == Outcome.CARDED]
    if not carded:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM registry_enrollment WHERE office_id = %s AND id > %s AND source_id = %s AND ktp_status IN ({', '.join(['%s'] * len(carded))})",
            [run.office_id, last_id, run.pk, *carded])
        return cursor.rowcount


def _flagged_niks(run, last_id, statuses) -> set[str]:
    """NIKs of the import's new records that the centre flags as duplicates: each opens (or joins) a case."""
    flagged = [status for status in statuses if OUTCOME_OF[status] == Outcome.FLAGGED]
    if not flagged:
        return set()
    return set(Enrollment.objects.filter(office_id=run.office_id, pk__gt=last_id, source=run, ktp_status__in=flagged)
               .values_list("nik", flat=True))


def _superseded_failures(office_id, last_id) -> list[int]:
    """Failed recordings of residents this import recorded again on a later date: they go void, and open no case.

    Read before the ledger lock; `cards.move` locks them and checks their state again. Looked up only
    when the office holds failed records, each new record's NIK in the unique index.
    """
    if not EnrollmentCounts.objects.filter(office_id=office_id, failed__gt=0).exists() and not Enrollment.objects.filter(
            office_id=office_id, pk__gt=last_id, state=EnrollmentState.FAILED).exists():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT e.id FROM registry_enrollment n JOIN registry_enrollment e ON e.office_id = n.office_id AND e.nik = n.nik"
            " AND e.enrolled_on < n.enrolled_on WHERE n.office_id = %s AND n.id > %s AND n.state <> %s AND e.state = %s",
            [office_id, last_id, EnrollmentState.FAILED, EnrollmentState.FAILED])
        return [pk for (pk,) in cursor.fetchall()]


def _analyze_once_committed(imported) -> None:
    """After a load that grew the enrollment table by more than a tenth, ANALYZE it once the import has committed.

    Not inside the import's transaction: ANALYZE holds the table's SHARE
    UPDATE EXCLUSIVE lock to the end of the transaction, and that lock
    conflicts with itself, so another office's import (its own ANALYZE),
    autovacuum and CREATE INDEX CONCURRENTLY would wait for this whole import.
    After the commit it holds the lock for the moment its sample takes, and
    SKIP_LOCKED (PostgreSQL 12+) gives up at once if something holds it
    (autovacuum or another import's ANALYZE, which count these rows too; an
    index build, after which autovacuum comes). SKIP_LOCKED is about the
    table's statistics here, not rows: no queue row is ever skipped.
    What the import runs after its load does not need the new statistics: the
    re-enrollment query picks its plan by the counts it is given, the
    case-opening joins start from temporary tables analysed on their own
    (measured: README, "A hundred offices").
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'registry_enrollment'::regclass")
        (known,) = cursor.fetchone()
    if imported > 50 + 0.1 * max(known, 0):
        transaction.on_commit(_analyze_enrollments, robust=True)


def _analyze_enrollments() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE (SKIP_LOCKED) registry_enrollment")


def _enrollments_held(office_id) -> int:
    counts = EnrollmentCounts.objects.get(office_id=office_id)
    return sum(getattr(counts, state) for state in EnrollmentState.values)


# Records that make no duplicate: a void one, and a failed recording (a new one supersedes it).
_NOT_LIVE = (EnrollmentState.VOID, EnrollmentState.FAILED)


def _reenrolled_niks(office_id, last_id, *, imported, held_before) -> list[str]:
    """NIKs among the enrollments added after `last_id` that have another live enrollment (neither void nor failed).

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
            "  AND e.enrolled_on < n.enrolled_on AND e.state NOT IN (%s, %s))"
            " OR EXISTS (SELECT 1 FROM registry_enrollment e WHERE e.office_id = n.office_id AND e.nik = n.nik"
            "  AND e.enrolled_on > n.enrolled_on AND e.state NOT IN (%s, %s))) AND n.state <> %s"
        )
        params = [office_id, last_id, *_NOT_LIVE, *_NOT_LIVE, EnrollmentState.FAILED]
    else:
        # Grouped by the NIK as a number (the table's check keeps it 16 digits): hashing integers is
        # cheap and small, where grouping the text walks the unique index and visits every row.
        sql = (
            "SELECT CAST(nik AS bigint) FROM registry_enrollment WHERE office_id = %s AND state NOT IN (%s, %s)"
            " GROUP BY CAST(nik AS bigint) HAVING COUNT(*) > 1 AND MAX(id) > %s"
        )
        params = [office_id, *_NOT_LIVE, last_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [nik if isinstance(nik, str) else f"{nik:016d}" for (nik,) in cursor.fetchall()]


def accept_upload(*, office: Office, by, uploaded_file) -> EnrollmentUpload:
    """A SIAK export from the browser: stored, then imported by a Celery task after commit."""
    require(by, "upload_enrollments", office)
    with transaction.atomic():
        upload = EnrollmentUpload.objects.create(office=office, uploaded_by=by, file=uploaded_file,
                                                 original_name=uploaded_file.name[:255])
        after_commit(IMPORT_UPLOAD, upload.pk)
    return upload


def run_upload(*, upload: EnrollmentUpload, progress=None) -> EnrollmentUpload:
    """Import an uploaded file with the same rules and report as `import_enrollments`; running it again changes nothing.

    Imports an upload that is waiting, or running with no live runner (its
    worker died); returns it as it is while a live runner holds it or once it
    has ended.
    """
    with upload_runner(upload.pk) as alone:
        if not alone:
            return EnrollmentUpload.objects.get(pk=upload.pk)
        runnable = [EnrollmentUpload.Status.WAITING, EnrollmentUpload.Status.RUNNING]
        claimed = EnrollmentUpload.objects.filter(pk=upload.pk, status__in=runnable).update(status=EnrollmentUpload.Status.RUNNING)
        upload.refresh_from_db()
        if not claimed:
            return upload
        try:
            # On a bucket (S3) the worker imports a copy, and the rejected-rows report goes back beside the file.
            with local_path(upload.file, beside=[f"rejected.{suffix}" for suffix in EnrollmentUpload.REJECTED_SUFFIXES]) as path:
                result = import_enrollments(office=upload.office, path=path, by=upload.uploaded_by, progress=progress,
                                            file_name=upload.original_name)
        except UnusableFile as exc:
            upload.status, upload.message = EnrollmentUpload.Status.UNUSABLE, str(exc)
        except Exception as exc:
            logger.exception("upload %s (%s) of office %s: the import failed", upload.pk, upload.original_name, upload.office_id)
            upload.status, upload.message = EnrollmentUpload.Status.FAILED, _failure_reason(exc)
        else:
            upload.status = EnrollmentUpload.Status.DONE
            upload.rows, upload.imported, upload.already_there = result.rows, result.imported, result.already_there
            upload.rejected, upload.duplicates = result.rejected, result.duplicates
            upload.run = result.run
        upload.finished_at = timezone.now()
        upload.save()
    return upload


def _failure_reason(exc) -> str:
    """One sentence for the clerk; what went wrong technically is in the log."""
    if isinstance(exc, OSError):
        return _("The server that imports uploads could not read the file; nothing was imported.")
    return _("The import stopped because of an error on the server; nothing was imported.")


def can_retry(upload: EnrollmentUpload) -> bool:
    """An import that failed, or was interrupted (running, but no live process runs it), whose file is still kept."""
    if upload.files_removed_at is not None:
        return False
    if upload.status == EnrollmentUpload.Status.FAILED:
        return True
    return upload.status == EnrollmentUpload.Status.RUNNING and not upload_runner_alive(upload.pk)


def retry_upload(*, upload: EnrollmentUpload, by) -> EnrollmentUpload:
    """A failed or interrupted import asked for again: the upload waits, and its task is asked for after commit."""
    require(by, "upload_enrollments", upload.office_id)
    with transaction.atomic():
        # Held to the commit, so no runner claims the upload between the check and the update.
        if not keep_upload_runners_out(upload.pk):
            raise ValidationError(_("This file is being imported right now."))
        again = EnrollmentUpload.objects.filter(
            pk=upload.pk, status__in=[EnrollmentUpload.Status.FAILED, EnrollmentUpload.Status.RUNNING],
        ).update(status=EnrollmentUpload.Status.WAITING, message="", finished_at=None)
        if not again:
            raise ValidationError(_("Only an import that failed or was interrupted can be tried again."))
        after_commit(IMPORT_UPLOAD, upload.pk)
    upload.refresh_from_db()
    return upload


def remove_old_upload_files(*, older_than: timedelta, by, now=None) -> int:
    """Delete the files of uploads finished more than `older_than` ago, and their rejected-rows reports.

    Residents' data need not stay on the server once imported; the record of
    the upload (who, when, the counts) and its import run stay. Returns how
    many uploads lost their files. Running it again changes nothing.
    """
    require(by, "remove_old_uploads")
    now = now or timezone.now()
    finished = [EnrollmentUpload.Status.DONE, EnrollmentUpload.Status.UNUSABLE, EnrollmentUpload.Status.FAILED]
    old = EnrollmentUpload.objects.filter(status__in=finished, finished_at__lt=now - older_than, files_removed_at__isnull=True)
    removed = 0
    for upload in old.order_by("pk").iterator():
        if upload.file:
            for suffix in EnrollmentUpload.REJECTED_SUFFIXES:
                upload.file.storage.delete(f"{upload.file.name}.rejected.{suffix}")
            upload.file.delete(save=False)
        upload.files_removed_at = now
        upload.save(update_fields=["file", "files_removed_at"])
        removed += 1
    return removed


"""The queue rule and the print and pickup desks: the one place each of them lives."""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.locks import lock_stock
from inventory.models import MovementKind
from inventory.services import record_use, release_blanks, reserve_blanks
from registry.counts import bump
from registry.models import Enrollment, EnrollmentState, Office

from .models import PrintJob, QueueBuild


def build_print_queue(*, office: Office, by=None) -> QueueBuild:
    """Queue the oldest waiting enrollments, as many as there are blanks available.

    available = on hand - reserved. Oldest by enrollment date, then id;
    records on hold, void, queued or printed are not 'recorded' and so never
    picked. The office's stock row is locked for the whole build, so builds
    started at the same moment run one after the other and the second finds
    nothing left to hand out. With nothing available, nothing is written.
    """
    with transaction.atomic():
        stock = lock_stock(office.pk)
        available = stock.available
        if available <= 0:
            return QueueBuild(office=office, created_by=by, available=available, queued=0)
        build = QueueBuild.objects.create(office=office, created_by=by, available=available)
        lock_clause = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO printing_printjob (office_id, enrollment_id, enrolled_on, build_id, state, queued_at, spoiled_reason, collected_by_name)"
                " SELECT e.office_id, e.id, e.enrolled_on, %s, %s, %s, '', '' FROM registry_enrollment e"
                " WHERE e.office_id = %s AND e.state = %s ORDER BY e.enrolled_on, e.id LIMIT %s" + lock_clause,
                [build.pk, PrintJob.State.QUEUED, timezone.now(), office.pk, EnrollmentState.RECORDED, available],
            )
            queued = cursor.rowcount
            if queued == 0:
                build.delete()
                return QueueBuild(office=office, created_by=by, available=available, queued=0)
            cursor.execute(
                "UPDATE registry_enrollment SET state = %s WHERE id IN (SELECT enrollment_id FROM printing_printjob WHERE build_id = %s)",
                [EnrollmentState.QUEUED, build.pk],
            )
        build.queued = queued
        build.save(update_fields=["queued"])
        reserve_blanks(stock, queued)
        bump(office.pk, recorded=-queued, queued=queued)
    return build


def _locked_job(job_id) -> PrintJob:
    return PrintJob.objects.select_for_update().select_related("enrollment").get(pk=job_id)


def mark_printed(*, job: PrintJob, by) -> PrintJob:
    """The card came out of the printer: one blank used, the card is ready for pickup.

    Marking a printed job printed again changes nothing (a double click).
    """
    with transaction.atomic():
        stock = lock_stock(job.office_id)
        job = _locked_job(job.pk)
        if job.state == PrintJob.State.PRINTED:
            return job
        if job.state != PrintJob.State.QUEUED:
            raise ValidationError(_("This print job is %(state)s; only queued jobs can be printed.") % {"state": job.get_state_display().lower()}, code="state")
        release_blanks(stock, 1)
        record_use(office_id=job.office_id, kind=MovementKind.PRINTED, by=by, print_jobs=[job])
        job.state = PrintJob.State.PRINTED
        job.printed_at = timezone.now()
        job.printed_by = by
        job.save(update_fields=["state", "printed_at", "printed_by"])
        Enrollment.objects.filter(pk=job.enrollment_id).update(state=EnrollmentState.READY)
        bump(job.office_id, queued=-1, ready=1)
    return job


def mark_spoiled(*, job: PrintJob, by, reason: str) -> PrintJob:
    """The blank was ruined: it is lost, and the card keeps its old place in the queue.

    The card is queued again at once on a blank that is still available; if
    none is, the newest queued card gives up its blank (it goes back to
    waiting, first in line), so print order stays oldest first.
    Returns the spoiled job; spoiling it again changes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the blank was spoiled."), code="reason")
    with transaction.atomic():
        stock = lock_stock(job.office_id)
        job = _locked_job(job.pk)
        if job.state == PrintJob.State.SPOILED:
            return job
        if job.state != PrintJob.State.QUEUED:
            raise ValidationError(_("This print job is %(state)s; only queued jobs can be spoiled.") % {"state": job.get_state_display().lower()}, code="state")
        release_blanks(stock, 1)
        record_use(office_id=job.office_id, kind=MovementKind.SPOILED, by=by, print_jobs=[job], reason=reason)
        job.state = PrintJob.State.SPOILED
        job.spoiled_reason = reason
        job.printed_at = timezone.now()
        job.printed_by = by
        job.save(update_fields=["state", "spoiled_reason", "printed_at", "printed_by"])
        stock.refresh_from_db()
        if stock.available == 0:
            _give_back_newest_blank(job)
            stock.refresh_from_db()
        if stock.available > 0:
            PrintJob.objects.create(office_id=job.office_id, enrollment_id=job.enrollment_id, enrolled_on=job.enrolled_on, build_id=job.build_id)
            reserve_blanks(stock, 1)
        else:
            Enrollment.objects.filter(pk=job.enrollment_id).update(state=EnrollmentState.RECORDED)
            bump(job.office_id, queued=-1, recorded=1)
    return job


def _give_back_newest_blank(spoiled: PrintJob) -> None:
    """Send the newest queued card back to waiting, if it is newer than the spoiled one."""
    newest = (
        PrintJob.objects.select_for_update().filter(office_id=spoiled.office_id, state=PrintJob.State.QUEUED)
        .order_by("-enrolled_on", "-enrollment_id").first()
    )
    if newest is not None and (newest.enrolled_on, newest.enrollment_id) > (spoiled.enrolled_on, spoiled.enrollment_id):
        cancel_print_jobs_of(office_id=spoiled.office_id, enrollments=Enrollment.objects.filter(pk=newest.enrollment_id))
        Enrollment.objects.filter(pk=newest.enrollment_id).update(state=EnrollmentState.RECORDED)
        bump(spoiled.office_id, queued=-1, recorded=1)


def record_pickup(*, job: PrintJob, by, collected_by_name: str) -> PrintJob:
    """The resident (or someone for them) collected the card; the Suket ends. Twice changes nothing."""
    from registry.services import end_suket

    collected_by_name = (collected_by_name or "").strip()
    if not collected_by_name:
        raise ValidationError(_("Write the name of the person collecting the card."), code="collected_by_name")
    with transaction.atomic():
        job = _locked_job(job.pk)
        if job.collected_at is not None:
            return job
        if job.state != PrintJob.State.PRINTED:
            raise ValidationError(_("This card has not been printed yet."), code="state")
        job.collected_at = timezone.now()
        job.collected_by_name = collected_by_name
        job.handed_over_by = by
        job.save(update_fields=["collected_at", "collected_by_name", "handed_over_by"])
        Enrollment.objects.filter(pk=job.enrollment_id).update(state=EnrollmentState.COLLECTED)
        bump(job.office_id, ready=-1, collected=1)
        end_suket(enrollment_id=job.enrollment_id, today=timezone.localdate())
    return job


def cancel_print_jobs_of(*, office_id, enrollments: QuerySet) -> int:
    """Cancel the queued jobs of these enrollments and release their blanks (the caller holds the stock lock)."""
    jobs = PrintJob.objects.filter(office_id=office_id, state=PrintJob.State.QUEUED, enrollment__in=enrollments)
    cancelled = jobs.update(state=PrintJob.State.CANCELLED)
    if cancelled:
        release_blanks(lock_stock(office_id), cancelled)
    return cancelled


@dataclass
class BatchOutcome:
    """What a batch of NIKs did at the print desk; each NIK is in exactly one list, in the order given."""

    done: list[str] = field(default_factory=list)
    # Already printed, or already spoiled since the list was made: nothing changed.
    already: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    # (NIK, the card's state in words): the card exists but is not in the queue.
    not_queued: list[tuple[str, str]] = field(default_factory=list)


def mark_printed_by_nik(*, office: Office, niks: list[str], by) -> BatchOutcome:
    """The print desk scanned or typed the NIKs of the cards that came out of the printer.

    Sending the same list again changes nothing: a printed card stays printed.
    """
    return _batch(office, niks, lambda nik: _print_one(office, nik, by))


def mark_spoiled_by_nik(*, office: Office, niks: list[str], by, reason: str, listed_at) -> BatchOutcome:
    """The blanks of these cards were ruined, for one reason (a jam, an empty ribbon).

    A spoiled card is queued again on a new blank, so a NIK alone cannot tell
    a resent form from a second ruined blank. `listed_at` is when the clerk
    was shown the form: a card already spoiled since then is not spoiled
    again, so a double click, a reload or a resent form loses one blank, not two.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the blank was spoiled."), code="reason")
    return _batch(office, niks, lambda nik: _spoil_one(office, nik, by, reason, listed_at))


def _batch(office, niks, act) -> BatchOutcome:
    # One transaction per card, not one for the batch: each card is a physical
    # event that has happened, so a NIK that is not queued must not undo the
    # cards that did come out of the printer; the office's stock lock is held
    # for one card at a time, not for the whole list, so the other desks keep
    # going; and if the batch stops half way, sending it again finishes it
    # (done cards report as already done).
    outcome = BatchOutcome()
    for nik in dict.fromkeys(niks):
        result = act(nik)
        if isinstance(result, tuple):
            outcome.not_queued.append(result)
        else:
            getattr(outcome, result).append(nik)
    return outcome


def _print_one(office, nik, by):
    with transaction.atomic():
        lock_stock(office.pk)
        jobs = _live_jobs(office, nik)
        if not jobs:
            return _not_queued(office, nik)
        queued = [job for job in jobs if job.state == PrintJob.State.QUEUED]
        if not queued:
            return "already"
        mark_printed(job=queued[0], by=by)
        return "done"


def _spoil_one(office, nik, by, reason, listed_at):
    with transaction.atomic():
        # Decided under the office's stock lock, which mark_spoiled takes too:
        # of two identical forms sent at once, the second sees the first's spoil.
        lock_stock(office.pk)
        spoiled_since = PrintJob.objects.filter(
            office=office, enrollment__office=office, enrollment__nik=nik, state=PrintJob.State.SPOILED, printed_at__gte=listed_at,
        )
        if spoiled_since.exists():
            return "already"
        queued = [job for job in _live_jobs(office, nik) if job.state == PrintJob.State.QUEUED]
        if not queued:
            return _not_queued(office, nik)
        mark_spoiled(job=queued[0], by=by, reason=reason)
        return "done"


def _live_jobs(office, nik) -> list[PrintJob]:
    return list(
        PrintJob.objects.filter(
            office=office, enrollment__office=office, enrollment__nik=nik, state__in=[PrintJob.State.QUEUED, PrintJob.State.PRINTED],
        ).order_by("enrolled_on", "id")
    )


def _not_queued(office, nik):
    enrollment = Enrollment.objects.filter(office=office, nik=nik).order_by("-enrolled_on").first()
    if enrollment is None:
        return "not_found"
    return (nik, enrollment.get_state_display())

"""The print and pickup desks: printed, spoiled, collected. Every action is idempotent (a double click changes nothing)."""
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.dates import local_day
from inventory.models import BlankStock, MovementKind
from people.roles import require
from printing.models import PRINT_ORDER, Collector, PrintJob, ahead_of
from registry.models import Enrollment, EnrollmentState, Office
from registry.nik import InvalidNik, check_nik

from . import cards
from .ledger import use_blanks
from .locks import lock_ledger, lock_rows
from .suket import end_suket


def locked_job(job: PrintJob) -> PrintJob:
    """The job as it is now, with its office's ledger locked and then the job itself (the lock order)."""
    lock_ledger(job.office_id)
    (job,) = lock_rows(PrintJob.objects.filter(pk=job.pk).select_related("enrollment", "office"))
    return job


def _card(job):
    return Enrollment.objects.filter(pk=job.enrollment_id)


class OutOfOrder(ValidationError):
    """The card is not among the next PRINT_OUT_OF_ORDER_WINDOW in print order: marked only with a reason."""

    def __init__(self, *, position: int, window: int):
        self.position, self.window = position, window
        super().__init__(
            _("This card is number %(position)d in print order, not among the next %(window)d. Mark it printed only with a reason"
              " (for example: the resident's card was printed early on the head's order).") % {"position": position, "window": window},
            code="out_of_order",
        )


def print_position(job: PrintJob) -> int:
    """The queued job's place in print order (1 is next): a count of the queued jobs before it, on the print-order index."""
    return PrintJob.objects.filter(ahead_of(job), office_id=job.office_id, state=PrintJob.State.QUEUED).count() + 1


def _out_of_order_position(job: PrintJob) -> int | None:
    """None if the job is among the next PRINT_OUT_OF_ORDER_WINDOW in print order (a read of that many index rows), else its place."""
    window = settings.PRINT_OUT_OF_ORDER_WINDOW
    queued = PrintJob.objects.filter(office_id=job.office_id, state=PrintJob.State.QUEUED).order_by(*PRINT_ORDER)
    if job.pk in set(queued.values_list("pk", flat=True)[:window]):
        return None
    return print_position(job)


def mark_printed(*, job: PrintJob, by, at=None, out_of_order_reason: str = "") -> PrintJob:
    """The card came out of the printer: one blank used, the card is ready for pickup.

    Marking a printed job printed again changes nothing (a double click).
    A card not among the next PRINT_OUT_OF_ORDER_WINDOW in print order is
    refused (OutOfOrder) unless `out_of_order_reason` says why: the desk,
    the batch by NIK and every command come through here, so none of them
    skips the queue without a word. The reason and the card's place are kept
    on its print job, in the card's history.
    """
    require(by, "print_cards", job.office_id)
    out_of_order_reason = " ".join((out_of_order_reason or "").split())
    with transaction.atomic():
        job = locked_job(job)
        if job.state == PrintJob.State.PRINTED:
            return job
        if job.state != PrintJob.State.QUEUED:
            raise ValidationError(_("This print job is %(state)s; only queued jobs can be printed.") % {"state": job.get_state_display().lower()}, code="state")
        position = _out_of_order_position(job)
        if position is not None and not out_of_order_reason:
            raise OutOfOrder(position=position, window=settings.PRINT_OUT_OF_ORDER_WINDOW)
        at = at or timezone.now()
        moved = cards.move(office_id=job.office_id, cards=_card(job), to=EnrollmentState.READY, at=at, by=by)
        use_blanks(office_id=job.office_id, kind=MovementKind.PRINTED, by=by, print_jobs=moved.ended_jobs, at=at)
        (job,) = moved.ended_jobs
        if position is not None:
            job.printed_at_position, job.out_of_order_reason = position, out_of_order_reason[:300]
            job.save(update_fields=["printed_at_position", "out_of_order_reason"])
    return job


@dataclass
class Spoiled:
    """A blank spoiled in the printer: the job that ended, and whether its card is queued again on another blank.

    Not queued again: no blank was free and no queued card came after it, so it waits first in line for the next blanks.
    """

    job: PrintJob
    queued_again: bool


def mark_spoiled(*, job: PrintJob, by, reason: str, at=None) -> Spoiled:
    """The blank was ruined: it is lost, and the card keeps its old place in the queue.

    The card is queued again at once on a blank that is still available; if
    none is, the newest queued card gives up its blank (it goes back to
    waiting, first in line), so print order stays oldest first.
    Returns the spoiled job and whether the card is queued again; spoiling it again changes nothing.
    """
    require(by, "print_cards", job.office_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the blank was spoiled."), code="reason")
    with transaction.atomic():
        job = locked_job(job)
        if job.state == PrintJob.State.SPOILED:
            return Spoiled(job, _card(job).filter(state=EnrollmentState.QUEUED).exists())
        if job.state != PrintJob.State.QUEUED:
            raise ValidationError(_("This print job is %(state)s; only queued jobs can be spoiled.") % {"state": job.get_state_display().lower()}, code="state")
        at = at or timezone.now()
        moved = cards.move(office_id=job.office_id, cards=_card(job), to=EnrollmentState.RECORDED, at=at, by=by,
                           job_ends_as=PrintJob.State.SPOILED, reason=reason)
        use_blanks(office_id=job.office_id, kind=MovementKind.SPOILED, by=by, print_jobs=moved.ended_jobs, reason=reason, at=at)
        queued_again = queue_again(job=job, at=at)
        (job,) = moved.ended_jobs
    return Spoiled(job, queued_again)


def queue_again(*, job: PrintJob, at, first_in_line=False) -> bool:
    """A waiting card that lost its blank keeps its place: queued on an available blank, or on the newest queued card's.

    The newest queued card gives its blank up only if it comes after this
    one in print order (then it waits again, first in line). Returns whether
    the card is queued. The caller holds the ledger lock.
    """
    stock = BlankStock.objects.get(office_id=job.office_id)
    if stock.available <= 0:
        cards.give_back_newest(office_id=job.office_id, count=1, newer_than=(first_in_line, job.enrolled_on, job.enrollment_id), at=at)
        stock.refresh_from_db()
    if stock.available <= 0:
        return False
    cards.move(office_id=job.office_id, cards=_card(job), to=EnrollmentState.QUEUED, build=job.build, at=at, first_in_line=first_in_line)
    return True


def record_pickup(*, job: PrintJob, by, collected_as: str = Collector.SELF, name: str = "", nik: str = "", at=None) -> PrintJob:
    """The card was handed over; the Suket ends. Twice changes nothing.

    The holder in person needs nothing typed: their name and NIK are the
    record's. A family member or someone with a power of attorney gives a
    name and a valid NIK; a family member's NIK must be on the holder's
    family card (KK) when the import brought it (another record of this
    office with that NIK and that KK), else they need a power of attorney.
    """
    require(by, "hand_over_cards", job.office_id)
    with transaction.atomic():
        job = locked_job(job)
        if job.collected_at is not None:
            return job
        if job.state != PrintJob.State.PRINTED:
            raise ValidationError(_("This card has not been printed yet."), code="state")
        name, nik = _collector(job.enrollment, collected_as, name, nik)
        at = at or timezone.now()
        cards.move(office_id=job.office_id, cards=_card(job), to=EnrollmentState.COLLECTED, at=at, by=by)
        job.collected_at, job.collected_by_name, job.collected_by_nik, job.collected_as, job.handed_over_by = (
            at, name, nik, collected_as, by)
        job.save(update_fields=["collected_at", "collected_by_name", "collected_by_nik", "collected_as", "handed_over_by"])
        end_suket(enrollment_ids=[job.enrollment_id], today=local_day(job.office, at))
    return job


def _collector(holder: Enrollment, collected_as: str, name: str, nik: str) -> tuple[str, str]:
    """The collector's name and NIK, checked; a ValidationError says in a sentence what is wrong."""
    if collected_as == Collector.SELF:
        return holder.name, holder.nik
    if collected_as not in (Collector.FAMILY, Collector.ATTORNEY):
        raise ValidationError(_("Say who is collecting the card."), code="collected_as")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Write the name of the person collecting the card."), code="name")
    try:
        nik = check_nik(nik or "")
    except InvalidNik as error:
        raise ValidationError(_("The collector's NIK: %(error)s.") % {"error": error}, code="nik") from None
    if nik == holder.nik:
        raise ValidationError(_("This is the holder's own NIK: record the pickup as the holder in person."), code="nik")
    if collected_as == Collector.FAMILY and holder.family_card and not Enrollment.objects.filter(
            office_id=holder.office_id, nik=nik, family_card=holder.family_card).exists():
        raise ValidationError(
            _("NIK %(nik)s is not on the holder's family card (KK %(kk)s) in this office's records: a family member from "
              "another family card collects the card only with a power of attorney (surat kuasa).")
            % {"nik": nik, "kk": holder.family_card}, code="family_card")
    return name, nik


@dataclass
class BatchOutcome:
    """What a batch of NIKs did at the print desk; each NIK is in exactly one list, in the order given."""

    done: list[str] = field(default_factory=list)
    # Already printed, or already spoiled since the list was made: nothing changed.
    already: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    # (NIK, the card's state in words): the card exists but is not in the queue.
    not_queued: list[tuple[str, str]] = field(default_factory=list)
    # (NIK, its place in print order): queued but not among the next PRINT_OUT_OF_ORDER_WINDOW, and no reason given: nothing changed.
    out_of_order: list[tuple[str, int]] = field(default_factory=list)
    # Of `done`, spoiled blanks whose card found no other blank: it waits first in line for the next blanks.
    waiting: list[str] = field(default_factory=list)


def mark_printed_by_nik(*, office: Office, niks: list[str], by, out_of_order_reason: str = "") -> BatchOutcome:
    """The print desk scanned or typed the NIKs of the cards that came out of the printer.

    Sending the same list again changes nothing: a printed card stays printed.
    A card far back in print order is marked only with `out_of_order_reason`
    (mark_printed's rule); without one it is reported, and nothing changes for it.
    """
    require(by, "print_cards", office)
    return _batch(office, niks, lambda nik: _print_one(office, nik, by, out_of_order_reason))


def mark_spoiled_by_nik(*, office: Office, niks: list[str], by, reason: str, listed_at) -> BatchOutcome:
    """The blanks of these cards were ruined, for one reason (a jam, an empty ribbon).

    A spoiled card is queued again on a new blank, so a NIK alone cannot tell
    a resent form from a second ruined blank. `listed_at` is when the clerk
    was shown the form: a card already spoiled since then is not spoiled
    again, so a double click, a reload or a resent form loses one blank, not two.
    """
    require(by, "print_cards", office)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the blank was spoiled."), code="reason")
    return _batch(office, niks, lambda nik: _spoil_one(office, nik, by, reason, listed_at))


def _batch(office, niks, act) -> BatchOutcome:
    # One transaction per card, not one for the batch: each card is a physical
    # event that has happened, so a NIK that is not queued must not undo the
    # cards that did come out of the printer; the office's ledger lock is held
    # for one card at a time, not for the whole list, so the other desks keep
    # going; and if the batch stops half way, sending it again finishes it
    # (done cards report as already done).
    outcome = BatchOutcome()
    for nik in dict.fromkeys(niks):
        result = act(nik)
        if isinstance(result, OutOfOrder):
            outcome.out_of_order.append((nik, result.position))
        elif isinstance(result, tuple):
            outcome.not_queued.append(result)
        elif result == "waiting":
            outcome.done.append(nik)
            outcome.waiting.append(nik)
        else:
            getattr(outcome, result).append(nik)
    return outcome


def _print_one(office, nik, by, out_of_order_reason):
    with transaction.atomic():
        lock_ledger(office.pk)
        jobs = _live_jobs(office, nik)
        if not jobs:
            return _not_queued(office, nik)
        queued = [job for job in jobs if job.state == PrintJob.State.QUEUED]
        if not queued:
            return "already"
        try:
            mark_printed(job=queued[0], by=by, out_of_order_reason=out_of_order_reason)
        except OutOfOrder as refused:
            return refused
        return "done"


def _spoil_one(office, nik, by, reason, listed_at):
    with transaction.atomic():
        # Decided under the office's ledger lock, which mark_spoiled takes too:
        # of two identical forms sent at once, the second sees the first's spoil.
        lock_ledger(office.pk)
        spoiled_since = PrintJob.objects.filter(
            office=office, enrollment__office=office, enrollment__nik=nik, state=PrintJob.State.SPOILED, printed_at__gte=listed_at,
        )
        if spoiled_since.exists():
            return "already"
        queued = [job for job in _live_jobs(office, nik) if job.state == PrintJob.State.QUEUED]
        if not queued:
            return _not_queued(office, nik)
        return "done" if mark_spoiled(job=queued[0], by=by, reason=reason).queued_again else "waiting"


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
